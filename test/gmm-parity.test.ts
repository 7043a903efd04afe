/**
 * Parity with scikit-learn 1.2.1: the reference fits start from fixed initial parameters, so EM
 * follows one deterministic path and every number must agree to rounding (1e-8 relative).
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { GaussianMixture, parseNumericCsv, type CovarianceType } from "adc-ts/gmm";

interface ReferenceCase {
  name: string;
  n_components: number;
  covariance_type: CovarianceType;
  tol: number;
  max_iter: number;
  reg_covar: number;
  weights_init: number[];
  means_init: number[][];
  precisions_init: unknown;
  result: {
    weights: number[];
    means: number[][];
    covariances: unknown;
    precisions_cholesky: unknown;
    converged: boolean;
    n_iter: number;
    lower_bound: number;
    score: number;
    bic: number;
    aic: number;
    query_rows: number[];
    score_samples: number[];
    predict_proba: number[][];
    predict: number[];
  };
}

const dataDir = new URL("./data/", import.meta.url);
const reference = JSON.parse(readFileSync(new URL("sklearn-gmm-reference.json", dataDir), "utf8")) as {
  cases: ReferenceCase[];
};
const datasets: Record<string, number[][]> = {
  faithful: parseNumericCsv(readFileSync(new URL("../../data/faithful.csv", dataDir), "utf8")).rows,
  blobs3d: parseNumericCsv(readFileSync(new URL("blobs3d.csv", dataDir), "utf8")).rows,
};

const RELATIVE = 1e-8;

/** Every number of `actual` within 1e-8 relative of `expected` (plus a tiny absolute floor for exact zeros). */
function expectClose(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === "number") {
    expect(typeof actual, path).toBe("number");
    const a = actual as number;
    const tolerance = RELATIVE * Math.abs(expected) + 1e-14;
    if (!(Math.abs(a - expected) <= tolerance)) {
      throw new Error(`${path}: ${a} differs from scikit-learn's ${expected} by ${Math.abs(a - expected)}`);
    }
    return;
  }
  expect(Array.isArray(actual), `${path} is an array`).toBe(true);
  const exp = expected as unknown[];
  const act = actual as unknown[];
  expect(act.length, `${path} length`).toBe(exp.length);
  exp.forEach((e, i) => expectClose(act[i], e, `${path}[${i}]`));
}

describe("parity with scikit-learn GaussianMixture (fixed initial parameters)", () => {
  expect(reference.cases.length).toBe(8);
  for (const c of reference.cases) {
    it(c.name, () => {
      const X = datasets[c.name.split("-")[0]];
      const warnings: string[] = [];
      const gm = new GaussianMixture({
        nComponents: c.n_components,
        covarianceType: c.covariance_type,
        tol: c.tol,
        maxIter: c.max_iter,
        regCovar: c.reg_covar,
        weightsInit: c.weights_init,
        meansInit: c.means_init,
        precisionsInit: c.precisions_init as never,
        onWarning: (m) => warnings.push(m),
      });
      const labels = gm.fitPredict(X);
      const r = c.result;
      expect(gm.nIter).toBe(r.n_iter);
      expect(gm.converged).toBe(r.converged);
      expect(warnings).toEqual([]);
      expectClose(gm.weights, r.weights, "weights");
      expectClose(gm.means, r.means, "means");
      expectClose(gm.covariances, r.covariances, "covariances");
      expectClose(gm.precisionsCholesky, r.precisions_cholesky, "precisionsCholesky");
      expectClose(gm.lowerBound, r.lower_bound, "lowerBound");
      expectClose(gm.score(X), r.score, "score");
      expectClose(gm.bic(X), r.bic, "bic");
      expectClose(gm.aic(X), r.aic, "aic");
      const query = r.query_rows.map((i) => X[i]);
      expectClose(gm.scoreSamples(query), r.score_samples, "scoreSamples");
      expectClose(gm.predictProba(query), r.predict_proba, "predictProba");
      expect(gm.predict(query)).toEqual(r.predict);
      expect(r.query_rows.map((i) => labels[i])).toEqual(r.predict);
      expect(gm.lowerBounds.length).toBe(r.n_iter);
      expect(gm.lowerBounds[r.n_iter - 1]).toBe(gm.lowerBound);
    });
  }
});
