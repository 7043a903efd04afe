/**
 * The examples of issue 6 run in the suite and deliver what they claim: Newton's roots, the error
 * of divided differences against AD, EM step by step, and EM against gradient methods.
 */
import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { GaussianMixture } from "adc-ts/gmm";
import { runTransform, EXIT } from "../cli/transform.js";
import { main as newtonMain } from "../examples/newton.js";
import { circleMeetsExp, circleMeetsExp_jacobian } from "../examples/gen/newton.js";
import { dividedDifferenceErrors, STEPS, type FunctionErrors, type Method } from "../examples/divided-differences.js";
import { EM_OPTIONS, SHOWN_ITERATIONS, emStepByStep } from "../examples/em-old-faithful.js";
import { compareEmAndGradient, logLikelihoodAndGradient, pack, toAdbench, unpack } from "../examples/em-vs-gradient.js";
import { gmmLogLikelihood } from "../examples/gen/gmm-log-likelihood.js";
import { minimizeLbfgs } from "../examples/lbfgs.js";
import { oldFaithful } from "../examples/old-faithful.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const silent = (): void => {};
const relative = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe("examples/gen", () => {
  it("is what adc transform examples/src writes (adc transform --check)", () => {
    const stderr: string[] = [];
    const code = runTransform(["examples/src"], { out: "examples/gen", check: true, cwd: root }, { stdout: silent, stderr: (l) => stderr.push(l) });
    expect(stderr).toEqual([]);
    expect(code).toBe(EXIT.ok);
  });
});

describe("Newton's method example", () => {
  const result = newtonMain(silent);

  it("finds the root of x^3 - 2x - 5 to 1e-12", () => {
    // Wallis's root, 2.09455148154232659148...
    expect(Math.abs(result.cubic - 2.0945514815423266)).toBeLessThan(1e-12);
    expect(Math.abs(result.cubic ** 3 - 2 * result.cubic - 5)).toBeLessThan(1e-12);
  });

  it("finds the fixed point of cos to 1e-12", () => {
    // The Dottie number, 0.73908513321516064166...
    expect(Math.abs(result.cosMinusX - 0.7390851332151607)).toBeLessThan(1e-12);
  });

  it("solves the system with the generated Jacobian, to 1e-12", () => {
    const [x, y] = result.system;
    expect(Math.abs(x - 1.0041687384746592)).toBeLessThan(1e-12);
    expect(Math.abs(y + 1.72963728702587)).toBeLessThan(1e-12);
    const [f1, f2] = circleMeetsExp(result.system);
    expect(Math.hypot(f1, f2)).toBeLessThan(1e-12);
    expect(result.systemResidual).toBeLessThan(1e-12);
  });

  it("takes its Jacobian from circleMeetsExp_jacobian, equal to the hand-derived [[2x, 2y], [e^x, 1]]", () => {
    const [value, J] = circleMeetsExp_jacobian([0.3, -0.7]);
    expect(value).toEqual(circleMeetsExp([0.3, -0.7]));
    expect(J).toEqual([
      [0.6, -1.4],
      [Math.exp(0.3), 1],
    ]);
  });
});

describe("divided differences versus AD", () => {
  const results = dividedDifferenceErrors();
  const error = (r: FunctionErrors, method: Method, h: number): number => r.points.find((p) => p.method === method && p.h === h)!.relativeError;

  it("covers h = 1e-1 ... 1e-16 for x^3 and sin, with three methods", () => {
    expect(STEPS).toHaveLength(16);
    expect(STEPS[0]).toBe(0.1);
    expect(STEPS[15]).toBe(1e-16);
    expect(results.map((r) => r.name)).toEqual(["f(x) = x³", "f(x) = sin x"]);
    for (const r of results) expect(r.points).toHaveLength(48);
  });

  it("has the exact derivatives right (3x^2 and cos x at x = 0.7)", () => {
    expect(relative(results[0].derivative, 3 * 0.7 * 0.7)).toBeLessThan(1e-15);
    expect(relative(results[1].derivative, Math.cos(0.7))).toBeLessThan(1e-15);
  });

  it("AD's error is at rounding level, whatever h", () => {
    for (const r of results) for (const h of STEPS) expect(error(r, "forward mode (_dual)", h)).toBeLessThanOrEqual(Number.EPSILON);
  });

  it("the forward difference's error at h = 1e-8 is about 1e-8 relative", () => {
    for (const r of results) {
      const e = error(r, "forward difference", 1e-8);
      expect(e).toBeGreaterThan(1e-10);
      expect(e).toBeLessThan(1e-7);
    }
  });

  it("shows truncation (error ~ h) for large h and cancellation for small h", () => {
    for (const r of results) {
      // Forward difference: first order, so ten times smaller h gives about ten times smaller error.
      const ratio = error(r, "forward difference", 1e-2) / error(r, "forward difference", 1e-3);
      expect(ratio).toBeGreaterThan(8);
      expect(ratio).toBeLessThan(12);
      // Central difference: second order.
      const centralRatio = error(r, "central difference", 1e-2) / error(r, "central difference", 1e-3);
      expect(centralRatio).toBeGreaterThan(80);
      expect(centralRatio).toBeLessThan(120);
      // Cancellation: at h = 1e-15 both are far worse than at their best.
      expect(error(r, "forward difference", 1e-15)).toBeGreaterThan(1e-4);
      expect(Math.min(...STEPS.map((h) => error(r, "central difference", h)))).toBeLessThan(1e-9);
    }
  });
});

describe("EM on Old Faithful step by step", () => {
  const result = emStepByStep();

  it("shows iterations 0, 1, 2, 3, 4, 5, 6 and 20", () => {
    expect(result.snapshots.map((s) => s.iteration)).toEqual([...SHOWN_ITERATIONS]);
    expect(result.nIter).toBeGreaterThanOrEqual(20);
    expect(result.converged).toBe(true);
  });

  it("never decreases the lower bound", () => {
    const bounds = result.lowerBounds;
    expect(bounds.length).toBe(result.nIter);
    for (let t = 1; t < bounds.length; t++) expect(bounds[t]).toBeGreaterThanOrEqual(bounds[t - 1] - 1e-14 * Math.abs(bounds[t - 1]));
    const shown = result.snapshots.map((s) => s.logLikelihood);
    for (let t = 1; t < shown.length; t++) expect(shown[t]).toBeGreaterThanOrEqual(shown[t - 1]);
  });

  it("ends where GaussianMixture.fit ends", () => {
    expect(result.lowerBounds.at(-1)).toBe(result.plainFitLowerBound);
    const { rows } = oldFaithful();
    const gm = new GaussianMixture<"full">({ ...EM_OPTIONS }).fit(rows);
    expect(gm.lowerBound).toBe(result.lowerBounds.at(-1));
    // The last panel shows the fitted mixture: its log-likelihood is the fit's score.
    expect(relative(result.snapshots.at(-1)!.logLikelihood, gm.score(rows))).toBeLessThan(1e-12);
    expect(result.snapshots.at(-1)!.logLikelihood).toBeCloseTo(-1.417135, 6);
  });

  it("the shown log-likelihoods are the library's lower bounds one iteration later", () => {
    for (const s of result.snapshots.slice(0, -1)) expect(s.logLikelihood).toBe(result.lowerBounds[s.iteration]);
  });

  it("k-means (hard EM) finds the same two clusters as EM", () => {
    const km = result.kmeans.params.means;
    const em = result.snapshots.at(-1)!.params.means;
    const matched = km.map((m) => Math.min(...em.map((e) => Math.hypot(m[0] - e[0], m[1] - e[1]))));
    for (const distance of matched) expect(distance).toBeLessThan(0.05);
    expect(result.kmeans.labels).toHaveLength(272);
  });
});

describe("the GMM log-likelihood in ADBench's parameterisation", () => {
  const { rows } = oldFaithful();
  const x = rows.flat();
  const gm = new GaussianMixture<"full">({ nComponents: 2, randomState: 0 }).fit(rows);
  const params = toAdbench(gm.weights, gm.means, gm.precisionsCholesky);

  it("equals GaussianMixture.score on the library's fitted parameters", () => {
    expect(relative(gmmLogLikelihood(params.alphas, params.means, params.icf, x, 2), gm.score(rows))).toBeLessThan(1e-13);
  });

  it("does not depend on adding a constant to the log-weights", () => {
    const shifted = params.alphas.map((a) => a + 3.5);
    expect(relative(gmmLogLikelihood(shifted, params.means, params.icf, x, 2), gm.score(rows))).toBeLessThan(1e-13);
  });

  it("has a gradient (one reverse sweep) equal to central differences", () => {
    const theta = pack(params).map((v, i) => v + 0.1 * Math.sin(i + 1)); // away from the optimum, where the gradient is not ~0
    const [value, gradient] = logLikelihoodAndGradient(theta, x, 2, 2);
    expect(gradient).toHaveLength(12);
    const at = (t: Float64Array): number => {
      const p = unpack(t, 2, 2);
      return gmmLogLikelihood(p.alphas, p.means, p.icf, x, 2);
    };
    expect(value).toBe(at(theta));
    for (let i = 0; i < theta.length; i++) {
      const h = 1e-6;
      const plus = Float64Array.from(theta);
      const minus = Float64Array.from(theta);
      plus[i] += h;
      minus[i] -= h;
      const central = (at(plus) - at(minus)) / (2 * h);
      expect(Math.abs(gradient[i] - central)).toBeLessThan(1e-7 * Math.max(1, Math.abs(central)));
    }
  });
});

describe("EM versus gradient ascent", () => {
  const comparison = compareEmAndGradient(1);
  const [em, lbfgs, ascent] = comparison.traces;

  it("starts all methods from the same k-means initialisation", () => {
    expect(relative(comparison.start.ours, comparison.start.library)).toBeLessThan(1e-13);
    for (const t of comparison.traces) expect(relative(t.logLikelihoods[0], comparison.start.library)).toBeLessThan(1e-13);
  });

  it("L-BFGS and plain gradient ascent reach EM's log-likelihood within 1e-6 relative", () => {
    expect(em.method).toBe("EM");
    expect(relative(lbfgs.final, em.final)).toBeLessThan(1e-6);
    expect(relative(ascent.final, em.final)).toBeLessThan(1e-6);
    // In fact to rounding level: the same maximum.
    expect(relative(lbfgs.final, em.final)).toBeLessThan(1e-12);
  });

  it("reaches the same optimum: the same weights and means, up to the order of the components", () => {
    const softmax = (a: number[]): number[] => a.map((v) => Math.exp(v) / a.reduce((s, w) => s + Math.exp(w), 0));
    for (const t of [lbfgs, ascent]) {
      const w = softmax(t.params.alphas);
      const wEm = softmax(em.params.alphas);
      for (let k = 0; k < 2; k++) expect(Math.abs(w[k] - wEm[k])).toBeLessThan(1e-4);
      for (let j = 0; j < 4; j++) expect(Math.abs(t.params.means[j] - em.params.means[j])).toBeLessThan(1e-4);
    }
  });

  it("EM's and L-BFGS's log-likelihoods never decrease; EM needs the fewest iterations", () => {
    for (const t of [em, lbfgs]) for (let i = 1; i < t.logLikelihoods.length; i++) expect(t.logLikelihoods[i]).toBeGreaterThanOrEqual(t.logLikelihoods[i - 1] - 1e-15);
    expect(em.iterations).toBeLessThan(lbfgs.iterations);
    expect(lbfgs.iterations).toBeLessThan(ascent.iterations);
    for (const t of comparison.traces) expect(t.milliseconds).toBeGreaterThan(0);
  });
});

describe("the example's L-BFGS", () => {
  it("minimises Rosenbrock's function to its minimum at (1, 1)", () => {
    const rosenbrock = (v: Float64Array): [number, Float64Array] => {
      const [x, y] = v;
      return [(1 - x) ** 2 + 100 * (y - x * x) ** 2, Float64Array.from([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])];
    };
    const result = minimizeLbfgs(rosenbrock, [-1.2, 1], { gradientTolerance: 1e-10 });
    expect(result.converged).toBe(true);
    expect(Math.abs(result.x[0] - 1)).toBeLessThan(1e-8);
    expect(Math.abs(result.x[1] - 1)).toBeLessThan(1e-8);
  });
});
