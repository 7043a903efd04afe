/**
 * EM versus gradient ascent on the same likelihood. The lecture: a mixture's likelihood can be
 * maximised by gradient ascent, but EM needs no learning rate and no line search. Here both start from
 * the same k-means initialisation and climb the same mean log-likelihood: EM through
 * `GaussianMixture`, gradient methods through the generated gradient of `gmmLogLikelihood` (the
 * ADBench parameterisation, in which every parameter vector is a valid mixture).
 */
import { GaussianMixture, renderVegaLiteSvg, type IterationInfo } from "adc-ts/gmm";
import { gmmLogLikelihood, gmmLogLikelihood_dual } from "./gen/gmm-log-likelihood.js";
import { minimizeLbfgs } from "./lbfgs.js";
import { oldFaithful } from "./old-faithful.js";

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
 * The mean log-likelihood and its gradient at theta, for data x (flat, n x d).
 * Interim: one `_dual` sweep per parameter (K(1 + d + d(d+1)/2) = 12 sweeps here) until reverse mode
 * generates `gmmLogLikelihood_grad`, which gives the whole gradient in one sweep.
 */
export function logLikelihoodAndGradient(theta: Float64Array, x: number[], K: number, d: number): [number, Float64Array] {
  const { alphas, means, icf } = unpack(theta, K, d);
  const gradient = new Float64Array(theta.length);
  const zeros = (length: number): number[] => new Array<number>(length).fill(0);
  let value = gmmLogLikelihood(alphas, means, icf, x, d);
  for (let i = 0; i < theta.length; i++) {
    const direction = zeros(theta.length);
    direction[i] = 1;
    const { alphas: da, means: dm, icf: di } = unpack(direction, K, d);
    [value, gradient[i]] = gmmLogLikelihood_dual(alphas, means, icf, x, d, da, dm, di);
  }
  return [value, gradient];
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

export function compareEmAndGradient(): Comparison {
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
  const startParams = toAdbench(start!.weights, start!.means, start!.precisionsCholesky);
  const theta0 = pack(startParams);

  // EM from exactly these parameters.
  const emStart = performance.now();
  const em = new GaussianMixture<"full">({
    ...common,
    tol: 1e-13,
    maxIter: 2000,
    weightsInit: start!.weights,
    meansInit: start!.means,
    precisionsInit: start!.precisionsCholesky.map((U) => U.map((_, i) => U.map((__, j) => U[i].reduce((s, u, m) => s + u * U[j][m], 0)))),
  }).fit(rows);
  const emMilliseconds = performance.now() - emStart;
  const emFinal = em.score(rows);
  const emTrace: Trace = {
    method: "EM",
    // lowerBounds[t] is the log-likelihood of the parameters after t iterations (t = 0: the start).
    logLikelihoods: [...em.lowerBounds, emFinal],
    iterations: em.nIter,
    evaluations: em.nIter,
    milliseconds: emMilliseconds,
    final: emFinal,
    params: toAdbench(em.weights, em.means, em.precisionsCholesky),
  };

  const negative = (theta: Float64Array): [number, Float64Array] => {
    const [value, gradient] = logLikelihoodAndGradient(theta, x, K, d);
    return [-value, gradient.map((g) => -g)];
  };

  const lbfgsValues: number[] = [];
  const lbfgsStart = performance.now();
  const lbfgs = minimizeLbfgs(negative, theta0, { gradientTolerance: 1e-10, onIteration: (_, value) => lbfgsValues.push(-value) });
  const lbfgsTrace: Trace = {
    method: "L-BFGS",
    logLikelihoods: lbfgsValues,
    iterations: lbfgs.iterations,
    evaluations: lbfgs.evaluations,
    milliseconds: performance.now() - lbfgsStart,
    final: -lbfgs.value,
    params: unpack(lbfgs.x, K, d),
  };

  const ascentStart = performance.now();
  let theta = Float64Array.from(theta0);
  const ascentValues: number[] = [];
  let ascentIterations = 0;
  for (;; ascentIterations++) {
    const [value, gradient] = logLikelihoodAndGradient(theta, x, K, d);
    ascentValues.push(value);
    const largest = gradient.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
    if (largest <= GRADIENT_ASCENT_TOLERANCE || ascentIterations === GRADIENT_ASCENT_MAX_ITERATIONS) break;
    theta = theta.map((t, i) => t + GRADIENT_ASCENT_STEP * gradient[i]);
  }
  const ascentTrace: Trace = {
    method: "gradient ascent",
    logLikelihoods: ascentValues,
    iterations: ascentIterations,
    evaluations: ascentIterations + 1,
    milliseconds: performance.now() - ascentStart,
    final: ascentValues.at(-1)!,
    params: unpack(theta, K, d),
  };

  return {
    n,
    K,
    d,
    start: { ours: gmmLogLikelihood(startParams.alphas, startParams.means, startParams.icf, x, d), library: em.lowerBounds[0] },
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
  return renderVegaLiteSvg({
    background: "white",
    title: {
      text: "Old Faithful, 2 components: EM versus gradient methods on the same log-likelihood",
      subtitle: `same k-means start; gradient from the generated code of gmmLogLikelihood; gradient ascent with fixed step ${GRADIENT_ASCENT_STEP}`,
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
}

export function main(log: (line: string) => void = console.log): Comparison {
  const comparison = compareEmAndGradient();
  log(`Old Faithful (standardised, n = ${comparison.n}), K = ${comparison.K} full covariances, from the k-means start:`);
  log(`  start: mean log-likelihood ${comparison.start.ours} (gmmLogLikelihood) = ${comparison.start.library} (GaussianMixture)`);
  for (const t of comparison.traces) {
    log(
      `  ${t.method.padEnd(16)} ${String(t.iterations).padStart(5)} iterations, ${String(t.evaluations).padStart(5)} evaluations, ` +
        `${t.milliseconds.toFixed(1).padStart(7)} ms: mean log-likelihood ${t.final.toFixed(12)}`,
    );
  }
  const em = comparison.traces[0].final;
  for (const t of comparison.traces.slice(1)) log(`  ${t.method}: relative difference from EM ${(Math.abs(t.final - em) / Math.abs(em)).toExponential(2)}`);
  return comparison;
}
