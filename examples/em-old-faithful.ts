/**
 * EM on Old Faithful step by step, as in the lecture's sequence of slides: the mixture after
 * iterations 0 (the start), 1, 2, 3, 4, 5, 6 and 20, read from `GaussianMixture`'s `onIteration`
 * callback (the library's EM loop, not a copy of it), and beside it k-means, EM with hard assignments.
 */
import { GaussianMixture, KMeans, mixturePlotSpec, renderVegaLiteSvg, type IterationInfo, type MixtureParameters } from "adc-ts/gmm";
import { oldFaithful } from "./old-faithful.js";
import { roundSvgCoordinates } from "./svg.js";

/** The iterations the lecture shows. */
export const SHOWN_ITERATIONS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 20];

export interface EmSnapshot {
  readonly iteration: number;
  readonly params: MixtureParameters<"full">;
  /** Mean log-likelihood of these parameters (the lower bound EM reports one iteration later). */
  readonly logLikelihood: number;
}

export interface EmStepByStep {
  readonly X: number[][];
  readonly snapshots: readonly EmSnapshot[];
  /** The library's lower bound after each iteration (`lowerBounds`), 1..nIter. */
  readonly lowerBounds: readonly number[];
  readonly nIter: number;
  readonly converged: boolean;
  /** The same fit without the callback, for comparison. */
  readonly plainFitLowerBound: number;
  readonly kmeans: { params: MixtureParameters<"spherical">; labels: number[]; inertia: number };
}

/**
 * A deliberately poor start, so that there is something to watch (Bishop's figure 9.8 does the same):
 * equal weights, unit covariances, and means at (-1.5, 1) and (1.5, -1) in standardised units, off the
 * diagonal along which the two clusters lie, so that EM needs about ten iterations to turn them onto it.
 */
export const EM_START = {
  weightsInit: [0.5, 0.5],
  meansInit: [
    [-1.5, 1],
    [1.5, -1],
  ],
  precisionsInit: [
    [
      [1, 0],
      [0, 1],
    ],
    [
      [1, 0],
      [0, 1],
    ],
  ],
};

export const EM_OPTIONS = { nComponents: 2, covarianceType: "full", tol: 1e-10, maxIter: 500, ...EM_START } as const;

export function emStepByStep(): EmStepByStep {
  const { rows: X } = oldFaithful();
  const iterations: IterationInfo<"full">[] = [];
  const gm = new GaussianMixture<"full">({ ...EM_OPTIONS, onIteration: (info) => iterations.push(info) }).fit(X);
  // iterations[t] holds the parameters after t iterations; the lower bound computed with them is
  // reported by iteration t + 1, and the last parameters' own log-likelihood comes from score().
  const snapshots = SHOWN_ITERATIONS.map((t): EmSnapshot => {
    const info = iterations[Math.min(t, iterations.length - 1)];
    const params = { covarianceType: "full" as const, weights: info.weights, means: info.means, covariances: info.covariances };
    const logLikelihood = t + 1 < iterations.length ? iterations[t + 1].lowerBound : gm.score(X);
    return { iteration: t, params, logLikelihood };
  });
  const plain = new GaussianMixture<"full">({ ...EM_OPTIONS }).fit(X);

  // k-means is EM with hard assignments and equal spherical covariances; draw it with the variance
  // that makes its inertia the hard-assignment log-likelihood's fit: inertia / (n d).
  const km = new KMeans({ nClusters: 2, init: EM_START.meansInit }).fit(X);
  const labels = km.labels;
  const n = X.length;
  const d = X[0].length;
  const variance = km.inertia / (n * d);
  const counts = [0, 1].map((k) => labels.filter((l) => l === k).length);
  const kmParams: MixtureParameters<"spherical"> = {
    covarianceType: "spherical",
    weights: counts.map((c) => c / n),
    means: km.clusterCenters,
    covariances: [variance, variance],
  };
  return {
    X,
    snapshots,
    lowerBounds: gm.lowerBounds,
    nIter: gm.nIter,
    converged: gm.converged,
    plainFitLowerBound: plain.lowerBound,
    kmeans: { params: kmParams, labels, inertia: km.inertia },
  };
}

/**
 * One panel per shown iteration, then k-means, in a grid three panels wide. Built from the library's
 * `mixturePlotSpec` rather than `plotMixturePanels` only to share the axes between panels, so that the
 * panels compare at a glance.
 */
export async function emFigure(result: EmStepByStep): Promise<string> {
  const options = { xLabel: "eruption time (standardised)", yLabel: "waiting time (standardised)", width: 260, height: 200 };
  const panels = result.snapshots.map((s) =>
    mixturePlotSpec(result.X, s.params, {
      ...options,
      title: `${s.iteration === 0 ? "start (iteration 0)" : `after iteration ${s.iteration}`}: log L = ${s.logLikelihood.toFixed(4)}`,
    }),
  );
  panels.push(mixturePlotSpec(result.X, result.kmeans.params, { ...options, labels: result.kmeans.labels, title: "k-means (hard assignments)" }));
  const svg = await renderVegaLiteSvg({
    background: "white",
    title: { text: "EM on Old Faithful, step by step", subtitle: "log L: mean log-likelihood; ellipses at 1 and 2 standard deviations" },
    columns: 3,
    concat: panels,
    resolve: { scale: { x: "shared", y: "shared", color: "shared", strokeDash: "shared" } },
    // No accessibility label on each of the 9 x 272 points: it would triple the file for the README.
    config: { point: { aria: false } },
  });
  return roundSvgCoordinates(svg);
}

const formatPoint = (point: ArrayLike<number>): string => `(${Array.from(point, (v) => v.toFixed(3)).join(", ")})`;

export function main(log: (line: string) => void = console.log): EmStepByStep {
  const result = emStepByStep();
  log(`EM on standardised Old Faithful (n = ${result.X.length}) from a poor start; mean log-likelihood after each iteration:`);
  for (const s of result.snapshots) {
    const means = s.params.means.map(formatPoint).join(" ");
    log(`  iteration ${String(s.iteration).padStart(2)}: log L = ${s.logLikelihood.toFixed(6)}  weights ${Array.from(s.params.weights, (w) => w.toFixed(3)).join(" ")}  means ${means}`);
  }
  log(`  converged after ${result.nIter} iterations (tol ${EM_OPTIONS.tol}); lower bound ${result.lowerBounds.at(-1)}, plain fit ${result.plainFitLowerBound}`);
  const centers = result.kmeans.params.means.map(formatPoint).join(" ");
  log(`k-means (hard EM) from the same means: centers ${centers}, inertia ${result.kmeans.inertia.toFixed(3)}`);
  return result;
}
