/** GaussianMixture: the ideas of scikit-learn's own test suite, with numeric assertions. */
import { describe, expect, it, vi } from "vitest";
import {
  GaussianMixture,
  ILL_DEFINED_COVARIANCE_MESSAGE,
  SeededRandom,
  type CovarianceType,
  type IterationInfo,
} from "adc-ts/gmm";
import { faithful, gaussianBlobs, matchComponents, maxAbsDiff, threeBlobs } from "./gmm-helpers.js";

const TYPES: CovarianceType[] = ["full", "tied", "diag", "spherical"];
const quiet = { onWarning: () => {} };

function matMul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((acc, v, k) => acc + v * b[k][j], 0)));
}
const identity = (d: number): number[][] => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));

describe("GaussianMixture recovers known parameters", () => {
  it("three 2-D clusters, full covariances", () => {
    const gm = new GaussianMixture({ nComponents: 3, randomState: 0 }).fit(threeBlobs.X);
    expect(gm.converged).toBe(true);
    const order = matchComponents(gm.means, threeBlobs.means);
    expect(new Set(order).size).toBe(3);
    order.forEach((k, t) => {
      expect(Math.abs(gm.weights[k] - threeBlobs.weights[t])).toBeLessThan(0.03);
      expect(maxAbsDiff(gm.means[k], threeBlobs.means[t])).toBeLessThan(0.1);
      expect(maxAbsDiff(gm.covariances[k], threeBlobs.covariances[t])).toBeLessThan(0.15);
    });
    // Hard labels agree with the generating component for almost every point.
    const labels = gm.predict(threeBlobs.X);
    const agree = labels.filter((l, i) => l === order[threeBlobs.labels[i]]).length;
    expect(agree / labels.length).toBeGreaterThan(0.99);
  });

  it("every initialisation method finds the Old Faithful optimum", () => {
    for (const initParams of ["kmeans", "k-means++", "random", "random_from_data"] as const) {
      const gm = new GaussianMixture({ nComponents: 2, initParams, randomState: 3, tol: 1e-8, maxIter: 500, ...quiet }).fit(faithful);
      expect(gm.lowerBound, initParams).toBeCloseTo(-4.15538220660137, 6);
      expect([...gm.weights].sort()[0], initParams).toBeCloseTo(0.35587293301876594, 4);
    }
  });
});

describe("EM invariants", () => {
  it("the lower bound never decreases across iterations", () => {
    const blobs = gaussianBlobs(600, [0.4, 0.35, 0.25], [[0, 0, 0], [2, 1, 0], [0, 3, 1]], [identity(3), identity(3), identity(3)], 7);
    for (const covarianceType of TYPES) {
      const gm = new GaussianMixture({ nComponents: 4, covarianceType, initParams: "random_from_data", tol: 0, maxIter: 60, randomState: 1, ...quiet });
      gm.fit(blobs.X);
      const bounds = gm.lowerBounds;
      expect(bounds.length).toBe(60);
      for (let i = 1; i < bounds.length; i++) expect(bounds[i], `${covarianceType} iteration ${i + 1}`).toBeGreaterThanOrEqual(bounds[i - 1] - 1e-12);
      expect(bounds[59]).toBeGreaterThan(bounds[0] + 0.1);
    }
  });

  it("counts free parameters as scikit-learn (n=50, d=5, K=2)", () => {
    const random = new SeededRandom(0);
    const X = Array.from({ length: 50 }, () => Array.from({ length: 5 }, () => random.normal()));
    const expected: Record<CovarianceType, number> = { spherical: 13, diag: 21, tied: 26, full: 41 };
    for (const covarianceType of TYPES) {
      const gm = new GaussianMixture({ nComponents: 2, covarianceType, randomState: 0, ...quiet }).fit(X);
      expect(gm.nParameters()).toBe(expected[covarianceType]);
      const n = 50;
      const logLikelihood = gm.score(X) * n;
      expect(gm.bic(X)).toBeCloseTo(-2 * logLikelihood + expected[covarianceType] * Math.log(n), 9);
      expect(gm.aic(X)).toBeCloseTo(-2 * logLikelihood + 2 * expected[covarianceType], 9);
    }
  });

  it("BIC is the same for every covariance type on 1-D single-component data", () => {
    const random = new SeededRandom(11);
    const X = Array.from({ length: 100 }, () => [3 + 2 * random.normal()]);
    const bics = TYPES.map((covarianceType) => new GaussianMixture({ nComponents: 1, covarianceType }).fit(X).bic(X));
    for (const bic of bics) expect(Math.abs(bic - bics[0]) / Math.abs(bics[0])).toBeLessThan(1e-10);
    // One component in 1-D is the sample mean and (biased) variance: check the value itself.
    const mean = X.reduce((a, r) => a + r[0], 0) / 100;
    const variance = X.reduce((a, r) => a + (r[0] - mean) ** 2, 0) / 100 + 1e-6;
    const logLikelihood = -50 * (Math.log(2 * Math.PI * variance) + (variance - 1e-6) / variance);
    expect(bics[0]).toBeCloseTo(-2 * logLikelihood + 2 * Math.log(100), 8);
  });

  it("regCovar = 0 on collapsed data raises the ill-defined-covariance error; the default fits", () => {
    const X = [...Array.from({ length: 25 }, () => [1, 1, 1, 1, 1]), ...Array.from({ length: 25 }, () => [0, 0, 0, 0, 0])];
    for (const covarianceType of TYPES) {
      expect(() => new GaussianMixture({ nComponents: 50, covarianceType, regCovar: 0, randomState: 0 }).fit(X)).toThrow(
        ILL_DEFINED_COVARIANCE_MESSAGE,
      );
      const gm = new GaussianMixture({ nComponents: 50, covarianceType, randomState: 0, ...quiet }).fit(X);
      expect(Number.isFinite(gm.score(X))).toBe(true);
      expect(gm.predictProba(X).flat().every(Number.isFinite)).toBe(true);
    }
    expect(ILL_DEFINED_COVARIANCE_MESSAGE).toMatch(/ill-defined empirical covariance.*increase regCovar/);
  });

  it("maxIter = 0 keeps the initial parameters", () => {
    const weightsInit = [0.3, 0.7];
    const meansInit = [
      [2, 55],
      [4.5, 80],
    ];
    const precisionsInit = [
      [
        [4, 0.1],
        [0.1, 0.02],
      ],
      [
        [2, -0.05],
        [-0.05, 0.03],
      ],
    ];
    const warn = vi.fn();
    const gm = new GaussianMixture({ nComponents: 2, maxIter: 0, weightsInit, meansInit, precisionsInit, onWarning: warn }).fit(faithful);
    expect(gm.nIter).toBe(0);
    expect(gm.converged).toBe(false);
    expect(gm.lowerBound).toBe(-Infinity);
    expect(warn).not.toHaveBeenCalled();
    expect(gm.weights).toEqual(weightsInit);
    expect(gm.means).toEqual(meansInit);
    expect(maxAbsDiff(gm.precisions, precisionsInit)).toBeLessThan(1e-14);
    // Covariances are the inverses of the given precisions.
    gm.covariances.forEach((c, k) => expect(maxAbsDiff(matMul(c, precisionsInit[k]), identity(2))).toBeLessThan(1e-12));
  });

  it("nInit = 10 is never worse than nInit = 1", () => {
    const X = gaussianBlobs(400, [0.25, 0.25, 0.25, 0.25], [[0, 0], [3, 0], [0, 3], [3, 3]], [identity(2), identity(2), identity(2), identity(2)], 5).X;
    let strictlyBetter = 0;
    for (let seed = 0; seed < 8; seed++) {
      const one = new GaussianMixture({ nComponents: 4, initParams: "random", nInit: 1, randomState: seed, ...quiet }).fit(X);
      const ten = new GaussianMixture({ nComponents: 4, initParams: "random", nInit: 10, randomState: seed, ...quiet }).fit(X);
      expect(ten.lowerBound).toBeGreaterThanOrEqual(one.lowerBound);
      if (ten.lowerBound > one.lowerBound + 1e-6) strictlyBetter++;
    }
    expect(strictlyBetter).toBeGreaterThan(0);
  });

  it("warm start continues where the previous fit stopped", () => {
    const init = { weightsInit: [0.5, 0.5], meansInit: [[4.8, 94], [2, 56]], precisionsInit: [[[1, 0], [0, 0.01]], [[1, 0], [0, 0.01]]] };
    for (const covarianceType of ["full"] as const) {
      const cold = new GaussianMixture({ nComponents: 2, covarianceType, tol: 0, maxIter: 5, ...init, ...quiet }).fit(faithful);
      const warm = new GaussianMixture({ nComponents: 2, covarianceType, tol: 0, maxIter: 1, warmStart: true, nInit: 5, ...init, ...quiet });
      for (let i = 0; i < 5; i++) warm.fit(faithful);
      expect(warm.nIter).toBe(1);
      expect(maxAbsDiff(warm.means, cold.means)).toBeLessThan(1e-10);
      expect(maxAbsDiff(warm.covariances, cold.covariances)).toBeLessThan(1e-10);
      expect(maxAbsDiff(warm.weights, cold.weights)).toBeLessThan(1e-12);
      expect(warm.lowerBound).toBeCloseTo(cold.lowerBound, 12);
    }
    // Without warm start a second fit starts again from the initial parameters.
    const cold = new GaussianMixture({ nComponents: 2, tol: 0, maxIter: 1, ...init, ...quiet });
    const first = cold.fit(faithful).means;
    expect(cold.fit(faithful).means).toEqual(first);
  });

  it("warm start converges in fewer iterations the second time", () => {
    const gm = new GaussianMixture({ nComponents: 3, warmStart: true, tol: 1e-6, maxIter: 500, randomState: 2 });
    gm.fit(threeBlobs.X);
    const firstIterations = gm.nIter;
    gm.fit(threeBlobs.X);
    expect(gm.converged).toBe(true);
    expect(gm.nIter).toBeLessThanOrEqual(2);
    expect(firstIterations).toBeGreaterThan(gm.nIter);
  });

  it("sample reproduces the model's weights, means and covariances", () => {
    for (const covarianceType of TYPES) {
      const gm = new GaussianMixture({ nComponents: 3, covarianceType, randomState: 4 }).fit(threeBlobs.X);
      const [X, y] = gm.sample(30000);
      expect(X.length).toBe(30000);
      expect(y.length).toBe(30000);
      expect([...y].sort((a, b) => a - b)).toEqual(y); // grouped by component, as scikit-learn returns them
      const covariances = gm.covariances as unknown;
      for (let k = 0; k < 3; k++) {
        const rows = X.filter((_, i) => y[i] === k);
        expect(Math.abs(rows.length / 30000 - gm.weights[k])).toBeLessThan(0.015);
        const mean = [0, 1].map((j) => rows.reduce((a, r) => a + r[j], 0) / rows.length);
        expect(maxAbsDiff(mean, gm.means[k])).toBeLessThan(0.05);
        const cov = [0, 1].map((i) => [0, 1].map((j) => rows.reduce((a, r) => a + (r[i] - mean[i]) * (r[j] - mean[j]), 0) / rows.length));
        const expected =
          covarianceType === "full"
            ? (covariances as number[][][])[k]
            : covarianceType === "tied"
              ? (covariances as number[][])
              : covarianceType === "diag"
                ? [[(covariances as number[][])[k][0], 0], [0, (covariances as number[][])[k][1]]]
                : [[(covariances as number[])[k], 0], [0, (covariances as number[])[k]]];
        expect(maxAbsDiff(cov, expected), covarianceType).toBeLessThan(0.1 * Math.max(...expected.flat().map(Math.abs)));
      }
      // A numeric randomState makes sample reproducible.
      expect(gm.sample(5)).toEqual(gm.sample(5));
    }
  });

  it("predictProba rows sum to 1 and argmax is predict; fitPredict equals predict after fit", () => {
    for (const covarianceType of TYPES) {
      const gm = new GaussianMixture({ nComponents: 3, covarianceType, randomState: 0 });
      const labels = gm.fitPredict(threeBlobs.X);
      expect(gm.predict(threeBlobs.X)).toEqual(labels);
      const proba = gm.predictProba(threeBlobs.X);
      for (const row of proba) expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
      proba.forEach((row, i) => expect(row.indexOf(Math.max(...row))).toBe(labels[i]));
      // score is the mean of scoreSamples, and scoreSamples is log sum_k w_k N(x | k).
      const samples = gm.scoreSamples(threeBlobs.X);
      expect(gm.score(threeBlobs.X)).toBeCloseTo(samples.reduce((a, b) => a + b, 0) / samples.length, 12);
    }
  });

  it("precisions are the inverses of the covariances", () => {
    for (const covarianceType of TYPES) {
      const gm = new GaussianMixture({ nComponents: 3, covarianceType, randomState: 0 }).fit(threeBlobs.X);
      const P = gm.precisions as unknown;
      const C = gm.covariances as unknown;
      if (covarianceType === "full") {
        (C as number[][][]).forEach((c, k) => expect(maxAbsDiff(matMul(c, (P as number[][][])[k]), identity(2))).toBeLessThan(1e-10));
      } else if (covarianceType === "tied") {
        expect(maxAbsDiff(matMul(C as number[][], P as number[][]), identity(2))).toBeLessThan(1e-10);
      } else {
        const c = (C as number[] | number[][]).flat();
        const p = (P as number[] | number[][]).flat();
        c.forEach((v, i) => expect(v * p[i]).toBeCloseTo(1, 12));
      }
    }
  });

  it("scoreSamples is the log-density of the mixture (checked by hand for one point)", () => {
    const gm = new GaussianMixture({ nComponents: 2, randomState: 0 }).fit(faithful);
    const x = [3.1, 70];
    let density = 0;
    gm.covariances.forEach((c, k) => {
      const det = c[0][0] * c[1][1] - c[0][1] * c[1][0];
      const dx = [x[0] - gm.means[k][0], x[1] - gm.means[k][1]];
      const q = (c[1][1] * dx[0] * dx[0] - 2 * c[0][1] * dx[0] * dx[1] + c[0][0] * dx[1] * dx[1]) / det;
      density += (gm.weights[k] * Math.exp(-q / 2)) / (2 * Math.PI * Math.sqrt(det));
    });
    expect(gm.scoreSamples([x])[0]).toBeCloseTo(Math.log(density), 10);
  });
});

describe("reproducibility, callbacks, warnings", () => {
  it("the same randomState gives the same fit, another seed may differ", () => {
    const a = new GaussianMixture({ nComponents: 3, initParams: "random", randomState: 9, tol: 1e-8, ...quiet }).fit(threeBlobs.X);
    const b = new GaussianMixture({ nComponents: 3, initParams: "random", randomState: 9, tol: 1e-8, ...quiet }).fit(threeBlobs.X);
    expect(b.means).toEqual(a.means);
    expect(b.lowerBounds).toEqual(a.lowerBounds);
  });

  it("onIteration reports the initial parameters and every iteration", () => {
    const seen: IterationInfo<"full">[] = [];
    const gm = new GaussianMixture({ nComponents: 2, randomState: 0, tol: 1e-6, onIteration: (info) => seen.push(info) }).fit(faithful);
    expect(seen.length).toBe(gm.nIter + 1);
    expect(seen.map((s) => s.iter)).toEqual(Array.from({ length: gm.nIter + 1 }, (_, i) => i));
    expect(seen[0].lowerBound).toBe(-Infinity);
    expect(seen.slice(1).map((s) => s.lowerBound)).toEqual(gm.lowerBounds);
    const last = seen[seen.length - 1];
    expect(last.means).toEqual(gm.means);
    expect(last.covariances).toEqual(gm.covariances);
    expect(last.covarianceType).toBe("full");
    expect(last.change).toBeCloseTo(last.lowerBound - seen[seen.length - 2].lowerBound, 14);
    expect(Math.abs(last.change)).toBeLessThan(1e-6);
  });

  it("warns through onWarning when EM does not converge", () => {
    const messages: string[] = [];
    const gm = new GaussianMixture({ nComponents: 2, maxIter: 2, tol: 0, randomState: 0, onWarning: (m) => messages.push(m) }).fit(faithful);
    expect(gm.converged).toBe(false);
    expect(gm.nIter).toBe(2);
    expect(messages).toEqual([
      "Initialization 1 did not converge. Try different init parameters, or increase maxIter, tol or check for degenerate data.",
    ]);
    const spy = vi.spyOn(console, "warn").mockImplementation(() => {});
    new GaussianMixture({ nComponents: 2, maxIter: 1, tol: 0, randomState: 0 }).fit(faithful);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });

  it("verbose prints scikit-learn's progress lines", () => {
    const spy = vi.spyOn(console, "log").mockImplementation(() => {});
    new GaussianMixture({ nComponents: 2, verbose: 1, verboseInterval: 1, tol: 0, maxIter: 3, randomState: 0, ...quiet }).fit(faithful);
    expect(spy.mock.calls.map((c) => c[0])).toEqual(["Initialization 0", "  Iteration 1", "  Iteration 2", "  Iteration 3", "Initialization converged: False"]);
    spy.mockRestore();
  });

  it("accepts Float64Array rows", () => {
    const rows = faithful.map((r) => Float64Array.from(r));
    const a = new GaussianMixture({ nComponents: 2, randomState: 0 }).fit(rows);
    const b = new GaussianMixture({ nComponents: 2, randomState: 0 }).fit(faithful);
    expect(a.means).toEqual(b.means);
  });
});
