/**
 * EM versus gradient ascent on the same likelihood. The lecture: a mixture's likelihood can be
 * maximised by gradient ascent, but EM needs no learning rate and no line search. Here both start from
 * the same k-means initialisation and climb the same mean log-likelihood: EM through
 * `GaussianMixture`, gradient methods through the generated gradient of `gmmLogLikelihood` (the
 * ADBench parameterisation, in which every parameter vector is a valid mixture).
 */
import { GaussianMixture, renderVegaLiteSvg, type IterationInfo } from "adc-ts/gmm";
import { gmmLogLikelihood, gmmLogLikelihood_grad } from "./gen/gmm-log-likelihood.js";
import { minimizeLbfgs } from "./lbfgs.js";
import { oldFaithful } from "./old-faithful.js";
import { roundSvgCoordinates } from "./svg.js";

/** A mixture in ADBench's parameterisation (see examples/src/gmm-log-likelihood.ts). */
export interface AdbenchParameters {
  readonly alphas: number[];
  readonly means: number[];
  readonly icf: number[];
}

/**
 * From scikit-learn's parameters to ADBench's: alpha = log weight; the precision Cholesky factor U
 * (upper triangular, precision = U U^T) is the transpose of ADBench's lower Q (precision = Q^T Q), so
 * q_r = log U_rr and the lower entries Q_rc = U_cr, column by column.
 */
export function toAdbench(weights: ArrayLike<number>, means: ArrayLike<ArrayLike<number>>, precisionsCholesky: number[][][]): AdbenchParameters {
  const K = weights.length;
  const d = precisionsCholesky[0].length;
  const icf: number[] = [];
  for (let k = 0; k < K; k++) {
    const U = precisionsCholesky[k];
    for (let r = 0; r < d; r++) icf.push(Math.log(U[r][r]));
    for (let c = 0; c < d; c++) for (let r = c + 1; r < d; r++) icf.push(U[c][r]);
  }
  return { alphas: Array.from(weights, Math.log), means: Array.from(means, (m) => Array.from(m)).flat(), icf };
}

/** The flat parameter vector [alphas | means | icf], the layout of ADBench's gradient. */
export function pack(p: AdbenchParameters): Float64Array {
  return Float64Array.from([...p.alphas, ...p.means, ...p.icf]);
}

export function unpack(theta: ArrayLike<number>, K: number, d: number): AdbenchParameters {
  const all = Array.from(theta);
  return { alphas: all.slice(0, K), means: all.slice(K, K + K * d), icf: all.slice(K + K * d) };
}

/**
 * The mean log-likelihood and its gradient at theta, for data x (flat, n x d): one reverse sweep of
 * the generated `gmmLogLikelihood_grad`, which returns the gradient shaped like the parameters.
 */
export function logLikelihoodAndGradient(theta: Float64Array, x: number[], K: number, d: number): [number, Float64Array] {
  const { alphas, means, icf } = unpack(theta, K, d);
  const [value, gAlphas, gMeans, gIcf] = gmmLogLikelihood_grad(alphas, means, icf, x, d);
  return [value, Float64Array.from([...gAlphas, ...gMeans, ...gIcf])];
}

export type Method = "EM" | "L-BFGS" | "gradient ascent";
export const METHODS: readonly Method[] = ["EM", "L-BFGS", "gradient ascent"];

export interface Trace {
  readonly method: Method;
  /** Mean log-likelihood after each iteration, iteration 0 (the start) first. */
  readonly logLikelihoods: readonly number[];
  readonly iterations: number;
  /** Evaluations of the log-likelihood (EM: E-steps; L-BFGS: line-search trials included). */
  readonly evaluations: number;
  readonly milliseconds: number;
  readonly final: number;
  readonly params: AdbenchParameters;
}

export interface Comparison {
  readonly n: number;
  readonly K: number;
  readonly d: number;
  /** log-likelihood of the common start, by gmmLogLikelihood and by the library (must agree). */
  readonly start: { ours: number; library: number };
  readonly traces: readonly Trace[];
}

/**
 * Fixed step of plain gradient ascent, found by trying: 0.2 converges, 0.3 already overshoots and
 * settles on a worse value, 0.05 needs five times as many iterations. This is the tuning EM spares us.
 */
export const GRADIENT_ASCENT_STEP = 0.2;
/** Gradient ascent stops when no gradient entry exceeds this, or after the maximum of iterations. */
export const GRADIENT_ASCENT_TOLERANCE = 1e-8;
export const GRADIENT_ASCENT_MAX_ITERATIONS = 10_000;

/** Runs `run` `repeats` times and keeps the last result with the median wall time (the first runs also warm up the JIT). */
function timed<T>(repeats: number, run: () => T): { result: T; milliseconds: number } {
  const times: number[] = [];
  let result: T | undefined;
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    result = run();
    times.push(performance.now() - start);
  }
  times.sort((p, q) => p - q);
  return { result: result!, milliseconds: times[Math.floor(times.length / 2)] };
}

/** Fits Old Faithful by EM, L-BFGS and gradient ascent from the same start; `repeats` runs of each for its median time. */
export function compareEmAndGradient(repeats = 1): Comparison {
  const { rows } = oldFaithful();
  const n = rows.length;
  const d = rows[0].length;
  const K = 2;
  const x = rows.flat();
  // regCovar 0: EM's fixed point is then the maximum-likelihood estimate that gradient ascent finds too.
  const common = { nComponents: K, covarianceType: "full", regCovar: 0, randomState: 0 } as const;

  // The common start: the library's k-means initialisation (iteration 0 of its EM).
  let start: IterationInfo<"full"> | undefined;
  new GaussianMixture<"full">({ ...common, maxIter: 0, onIteration: (info) => (start = info) }).fit(rows);
  const { weights, means, precisionsCholesky } = start!;
  const startParams = toAdbench(weights, means, precisionsCholesky);
  const theta0 = pack(startParams);

  // EM from exactly these parameters (precision = U U^T from the Cholesky factor U).
  const precisionsInit = precisionsCholesky.map((U) => U.map((Ui) => U.map((Uj) => Ui.reduce((sum, u, m) => sum + u * Uj[m], 0))));
  const em = timed(repeats, () =>
    new GaussianMixture<"full">({ ...common, tol: 1e-13, maxIter: 2000, weightsInit: weights, meansInit: means, precisionsInit }).fit(rows),
  );
  const emFinal = em.result.score(rows);
  const emTrace: Trace = {
    method: "EM",
    // lowerBounds[t] is the log-likelihood of the parameters after t iterations (t = 0: the start).
    logLikelihoods: [...em.result.lowerBounds, emFinal],
    iterations: em.result.nIter,
    evaluations: em.result.nIter,
    milliseconds: em.milliseconds,
    final: emFinal,
    params: toAdbench(em.result.weights, em.result.means, em.result.precisionsCholesky),
  };

  // L-BFGS minimises, so it sees the negative log-likelihood.
  const negative = (theta: Float64Array): [number, Float64Array] => {
    const [value, gradient] = logLikelihoodAndGradient(theta, x, K, d);
    return [-value, gradient.map((g) => -g)];
  };
  const lbfgs = timed(repeats, () => {
    const values: number[] = [];
    const result = minimizeLbfgs(negative, theta0, { gradientTolerance: 1e-10, onIteration: (_, value) => values.push(-value) });
    return { ...result, values };
  });
  const lbfgsTrace: Trace = {
    method: "L-BFGS",
    logLikelihoods: lbfgs.result.values,
    iterations: lbfgs.result.iterations,
    evaluations: lbfgs.result.evaluations,
    milliseconds: lbfgs.milliseconds,
    final: -lbfgs.result.value,
    params: unpack(lbfgs.result.x, K, d),
  };

  const ascent = timed(repeats, () => {
    let theta = Float64Array.from(theta0);
    const values: number[] = [];
    for (let iteration = 0; ; iteration++) {
      const [value, gradient] = logLikelihoodAndGradient(theta, x, K, d);
      values.push(value);
      const largest = gradient.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
      if (largest <= GRADIENT_ASCENT_TOLERANCE || iteration === GRADIENT_ASCENT_MAX_ITERATIONS) return { theta, values, iterations: iteration };
      theta = theta.map((t, i) => t + GRADIENT_ASCENT_STEP * gradient[i]);
    }
  });
  const ascentTrace: Trace = {
    method: "gradient ascent",
    logLikelihoods: ascent.result.values,
    iterations: ascent.result.iterations,
    evaluations: ascent.result.iterations + 1,
    milliseconds: ascent.milliseconds,
    final: ascent.result.values.at(-1)!,
    params: unpack(ascent.result.theta, K, d),
  };

  return {
    n,
    K,
    d,
    start: { ours: gmmLogLikelihood(startParams.alphas, startParams.means, startParams.icf, x, d), library: em.result.lowerBounds[0] },
    traces: [emTrace, lbfgsTrace, ascentTrace],
  };
}

/** The smallest gap drawn on the log scale. */
export const GAP_FLOOR = 1e-16;

/**
 * Two panels: the log-likelihood over the first iterations, and the gap to the best value found on a
 * log scale over all iterations, where the rates show (EM and gradient ascent linear, L-BFGS superlinear).
 */
export async function emVersusGradientFigure(comparison: Comparison): Promise<string> {
  const best = Math.max(...comparison.traces.map((t) => Math.max(...t.logLikelihoods)));
  const zoom = 60;
  const rows = comparison.traces.flatMap((t) =>
    t.logLikelihoods.map((value, iteration) => ({ method: t.method, iteration, logLikelihood: value, gap: Math.max(best - value, GAP_FLOOR) })),
  );
  const color = { field: "method", type: "nominal", title: null, scale: { domain: [...METHODS] }, legend: { orient: "bottom", labelLimit: 400 } };
  const svg = await renderVegaLiteSvg({
    background: "white",
    title: {
      text: "Old Faithful, 2 components: EM versus gradient methods on the same log-likelihood",
      subtitle: `same k-means start; gradients from gmmLogLikelihood_grad (reverse mode); gradient ascent with the fixed step ${GRADIENT_ASCENT_STEP}`,
    },
    hconcat: [
      {
        width: 340,
        height: 260,
        title: `mean log-likelihood, first ${zoom} iterations`,
        data: { values: rows.filter((r) => r.iteration <= zoom) },
        mark: { type: "line", point: { size: 16 }, strokeWidth: 2 },
        encoding: {
          x: { field: "iteration", type: "quantitative", title: "iteration" },
          y: { field: "logLikelihood", type: "quantitative", title: "mean log-likelihood", scale: { zero: false } },
          color,
        },
      },
      {
        width: 340,
        height: 260,
        title: "distance to the optimum",
        data: { values: rows.filter((r) => r.iteration >= 1) },
        mark: { type: "line", strokeWidth: 2 },
        encoding: {
          x: { field: "iteration", type: "quantitative", title: "iteration", scale: { type: "log" } },
          y: {
            field: "gap",
            type: "quantitative",
            title: "best log-likelihood − log-likelihood",
            scale: { type: "log", domain: [GAP_FLOOR, 1] },
            axis: { values: [1e-16, 1e-12, 1e-8, 1e-4, 1], labelExpr: "'1e' + format(log(datum.value) / log(10), 'd')" },
          },
          color,
        },
      },
    ],
    resolve: { scale: { color: "shared" } },
  });
  return roundSvgCoordinates(svg);
}

export function main(log: (line: string) => void = console.log, repeats = 3): Comparison {
  const comparison = compareEmAndGradient(repeats);
  log(`Old Faithful (standardised, n = ${comparison.n}), K = ${comparison.K} full covariances, from the k-means start:`);
  log(`  start: mean log-likelihood ${comparison.start.ours} (gmmLogLikelihood) = ${comparison.start.library} (GaussianMixture)`);
  for (const t of comparison.traces) {
    log(
      `  ${t.method.padEnd(16)} ${String(t.iterations).padStart(5)} iterations, ${String(t.evaluations).padStart(5)} evaluations, ` +
        `${t.milliseconds.toFixed(1).padStart(7)} ms (median of ${repeats}): mean log-likelihood ${t.final.toFixed(12)}`,
    );
  }
  const em = comparison.traces[0].final;
  for (const t of comparison.traces.slice(1)) log(`  ${t.method}: relative difference from EM ${(Math.abs(t.final - em) / Math.abs(em)).toExponential(2)}`);
  return comparison;
}
