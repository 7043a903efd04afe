/**
 * k-means by Lloyd's algorithm, following scikit-learn's `KMeans` (greedy k-means++ seeding, tolerance
 * relative to the data's variance, relocation of empty clusters, best of `nInit` by inertia).
 * It is also the `"kmeans"` initialisation of `GaussianMixture`: k-means is EM with hard assignments.
 */
import { type DataRows, type DenseMatrix, flattenWithShape, toDenseMatrix, toNested2 } from "./matrix.js";
import { type RandomState, SeededRandom, toRandom } from "./random.js";
import { NotFittedError, checkOptionNames } from "./errors.js";

export interface KMeansOptions {
  /** Number of clusters (default 8, as scikit-learn). */
  nClusters?: number;
  /** Seeding: greedy k-means++ (default), `"random"` rows, or explicit centers (nClusters x d). */
  init?: "k-means++" | "random" | ArrayLike<ArrayLike<number>>;
  /** Number of seedings to run, keeping the lowest inertia. Default as scikit-learn's "auto": 1 for k-means++ or explicit centers, 10 for random. */
  nInit?: number;
  /** Maximum Lloyd iterations per run (default 300). */
  maxIter?: number;
  /** Convergence when the squared center shift is below tol times the mean feature variance (default 1e-4). */
  tol?: number;
  /** Seed or generator for reproducible seeding. */
  randomState?: RandomState;
}

const KMEANS_OPTION_NAMES = ["nClusters", "init", "nInit", "maxIter", "tol", "randomState"] as const;

/** Result of one k-means run on a dense matrix (internal form, also used by GaussianMixture). */
export interface KMeansRun {
  centers: Float64Array;
  labels: Int32Array;
  inertia: number;
  nIter: number;
  /** Inertia after each iteration's assignment step. */
  inertias: number[];
}

export class KMeans {
  readonly nClusters: number;
  readonly init: "k-means++" | "random" | ArrayLike<ArrayLike<number>>;
  readonly nInit: number;
  readonly maxIter: number;
  readonly tol: number;
  readonly randomState: RandomState;

  private fitted: { run: KMeansRun; d: number } | undefined;

  constructor(options: KMeansOptions = {}) {
    checkOptionNames(options, KMEANS_OPTION_NAMES, "KMeans");
    this.nClusters = options.nClusters ?? 8;
    this.init = options.init ?? "k-means++";
    this.nInit = options.nInit ?? (this.init === "random" ? 10 : 1);
    this.maxIter = options.maxIter ?? 300;
    this.tol = options.tol ?? 1e-4;
    this.randomState = options.randomState;
    if (!Number.isInteger(this.nClusters) || this.nClusters < 1) {
      throw new RangeError(`nClusters must be an integer >= 1, got ${this.nClusters}`);
    }
    if (!Number.isInteger(this.nInit) || this.nInit < 1) throw new RangeError(`nInit must be an integer >= 1, got ${this.nInit}`);
    if (!Number.isInteger(this.maxIter) || this.maxIter < 1) {
      throw new RangeError(`maxIter must be an integer >= 1, got ${this.maxIter}`);
    }
    if (!(this.tol >= 0)) throw new RangeError(`tol must be >= 0, got ${this.tol}`);
    if (typeof this.init === "string" && this.init !== "k-means++" && this.init !== "random") {
      throw new RangeError(`init must be "k-means++", "random" or an array of centers, got "${this.init}"`);
    }
  }

  fit(X: DataRows): this {
    const matrix = toDenseMatrix(X);
    if (matrix.rows < this.nClusters) {
      throw new RangeError(`n_samples=${matrix.rows} should be >= n_clusters=${this.nClusters}.`);
    }
    const explicitCenters =
      typeof this.init === "string"
        ? undefined
        : flattenWithShape(this.init, [this.nClusters, matrix.cols], "init");
    this.fitted = { run: kmeansDense(matrix, this.nClusters, this.init === "random" ? "random" : "k-means++", this.nInit, this.maxIter, this.tol, toRandom(this.randomState), explicitCenters), d: matrix.cols };
    return this;
  }

  fitPredict(X: DataRows): number[] {
    return this.fit(X).labels;
  }

  /** Index of the nearest center for each row. */
  predict(X: DataRows): number[] {
    const { run, d } = this.requireFitted();
    const matrix = toDenseMatrix(X);
    checkFeatureCount(matrix, d, "KMeans");
    const labels = new Int32Array(matrix.rows);
    assignLabels(matrix.data, matrix.rows, d, run.centers, this.nClusters, labels);
    return Array.from(labels);
  }

  get clusterCenters(): number[][] {
    const { run, d } = this.requireFitted();
    return toNested2(run.centers, this.nClusters, d);
  }
  get labels(): number[] {
    return Array.from(this.requireFitted().run.labels);
  }
  get inertia(): number {
    return this.requireFitted().run.inertia;
  }
  get nIter(): number {
    return this.requireFitted().run.nIter;
  }
  /** Inertia after each Lloyd iteration of the kept run (non-increasing). */
  get inertias(): number[] {
    return this.requireFitted().run.inertias.slice();
  }
  get nFeaturesIn(): number {
    return this.requireFitted().d;
  }

  private requireFitted(): { run: KMeansRun; d: number } {
    if (!this.fitted) throw new NotFittedError("KMeans");
    return this.fitted;
  }
}

export function checkFeatureCount(matrix: DenseMatrix, expected: number, estimator: string): void {
  if (matrix.cols !== expected) {
    throw new RangeError(`X has ${matrix.cols} features, but ${estimator} is expecting ${expected} features as input.`);
  }
}

/** Best of `nInit` Lloyd runs on a dense matrix. */
export function kmeansDense(
  X: DenseMatrix,
  k: number,
  init: "k-means++" | "random",
  nInit: number,
  maxIter: number,
  tol: number,
  random: SeededRandom,
  explicitCenters?: Float64Array,
): KMeansRun {
  const scaledTol = tol * meanVariance(X);
  let best: KMeansRun | undefined;
  for (let run = 0; run < nInit; run++) {
    let centers: Float64Array;
    if (explicitCenters) centers = explicitCenters.slice();
    else if (init === "random") centers = rowsAt(X, random.choiceWithoutReplacement(X.rows, k));
    else centers = kmeansPlusPlus(X, k, random).centers;
    const result = lloyd(X, centers, k, maxIter, scaledTol);
    if (!best || result.inertia < best.inertia) best = result;
  }
  return best!;
}

function rowsAt(X: DenseMatrix, indices: ArrayLike<number>): Float64Array {
  const d = X.cols;
  const out = new Float64Array(indices.length * d);
  for (let c = 0; c < indices.length; c++) out.set(X.data.subarray(indices[c] * d, indices[c] * d + d), c * d);
  return out;
}

/** scikit-learn's `_tolerance`: mean over features of the (population) variance. */
function meanVariance(X: DenseMatrix): number {
  const { rows: n, cols: d, data } = X;
  let total = 0;
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += data[i * d + j];
    mean /= n;
    let variance = 0;
    for (let i = 0; i < n; i++) {
      const diff = data[i * d + j] - mean;
      variance += diff * diff;
    }
    total += variance / n;
  }
  return total / d;
}

function squaredDistance(a: ArrayLike<number>, aOffset: number, b: ArrayLike<number>, bOffset: number, d: number): number {
  let sum = 0;
  for (let j = 0; j < d; j++) {
    const diff = a[aOffset + j] - b[bOffset + j];
    sum += diff * diff;
  }
  return sum;
}

/**
 * Greedy k-means++ seeding as scikit-learn's `kmeans_plusplus`: the first center uniformly, then each
 * next center the best (lowest potential) of 2 + floor(ln k) candidates drawn proportionally to D^2.
 */
export function kmeansPlusPlus(X: DenseMatrix, k: number, random: SeededRandom): { centers: Float64Array; indices: Int32Array } {
  const { rows: n, cols: d, data } = X;
  const centers = new Float64Array(k * d);
  const indices = new Int32Array(k);
  const localTrials = 2 + Math.floor(Math.log(k));
  let first = random.integer(n);
  indices[0] = first;
  centers.set(data.subarray(first * d, first * d + d), 0);
  let closest = new Float64Array(n);
  let potential = 0;
  for (let i = 0; i < n; i++) {
    closest[i] = squaredDistance(data, i * d, data, first * d, d);
    potential += closest[i];
  }
  const cumulative = new Float64Array(n);
  let candidateDistances = new Float64Array(n);
  let bestDistances = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let running = 0;
    for (let i = 0; i < n; i++) {
      running += closest[i];
      cumulative[i] = running;
    }
    let bestPotential = Infinity;
    let bestIndex = -1;
    for (let t = 0; t < localTrials; t++) {
      const target = random.uniform() * potential;
      const candidate = Math.min(searchSortedLeft(cumulative, target), n - 1);
      let candidatePotential = 0;
      for (let i = 0; i < n; i++) {
        const dist = Math.min(closest[i], squaredDistance(data, i * d, data, candidate * d, d));
        candidateDistances[i] = dist;
        candidatePotential += dist;
      }
      if (candidatePotential < bestPotential) {
        bestPotential = candidatePotential;
        bestIndex = candidate;
        const swap = bestDistances;
        bestDistances = candidateDistances;
        candidateDistances = swap;
      }
    }
    potential = bestPotential;
    const swap = closest;
    closest = bestDistances;
    bestDistances = swap;
    indices[c] = bestIndex;
    centers.set(data.subarray(bestIndex * d, bestIndex * d + d), c * d);
  }
  return { centers, indices };
}

/** First index i with sorted[i] >= value (NumPy's searchsorted, side="left"). */
function searchSortedLeft(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Nearest-center labels; returns the inertia (sum of squared distances to the assigned centers). */
function assignLabels(data: Float64Array, n: number, d: number, centers: Float64Array, k: number, labels: Int32Array, distances?: Float64Array): number {
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    let bestDist = Infinity;
    let bestLabel = 0;
    for (let c = 0; c < k; c++) {
      const dist = squaredDistance(data, i * d, centers, c * d, d);
      if (dist < bestDist) {
        bestDist = dist;
        bestLabel = c;
      }
    }
    labels[i] = bestLabel;
    if (distances) distances[i] = bestDist;
    inertia += bestDist;
  }
  return inertia;
}

/** scikit-learn's `_kmeans_single_lloyd`. */
function lloyd(X: DenseMatrix, initialCenters: Float64Array, k: number, maxIter: number, tol: number): KMeansRun {
  const { rows: n, cols: d, data } = X;
  let centers = initialCenters;
  let newCenters: Float64Array = new Float64Array(k * d);
  const labels = new Int32Array(n);
  const previousLabels = new Int32Array(n).fill(-1);
  const distances = new Float64Array(n);
  const counts = new Float64Array(k);
  const inertias: number[] = [];
  let strictConvergence = false;
  let iter = 0;
  for (iter = 0; iter < maxIter; iter++) {
    inertias.push(assignLabels(data, n, d, centers, k, labels, distances));
    newCenters.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      counts[c]++;
      for (let j = 0; j < d; j++) newCenters[c * d + j] += data[i * d + j];
    }
    relocateEmptyClusters(data, d, labels, distances, newCenters, counts, k);
    for (let c = 0; c < k; c++) {
      if (counts[c] > 0) for (let j = 0; j < d; j++) newCenters[c * d + j] /= counts[c];
    }
    let shift = 0;
    for (let c = 0; c < k; c++) shift += squaredDistance(centers, c * d, newCenters, c * d, d);
    const swap = centers;
    centers = newCenters;
    newCenters = swap === initialCenters ? new Float64Array(k * d) : swap;
    let same = true;
    for (let i = 0; i < n; i++) {
      if (labels[i] !== previousLabels[i]) {
        same = false;
        break;
      }
    }
    if (same) {
      strictConvergence = true;
      break;
    }
    if (shift <= tol) break;
    previousLabels.set(labels);
  }
  // Labels must match the final centers unless they were already unchanged.
  const inertia = strictConvergence
    ? computeInertia(data, n, d, centers, labels)
    : assignLabels(data, n, d, centers, k, labels);
  return { centers, labels, inertia, nIter: Math.min(iter + 1, maxIter), inertias };
}

function computeInertia(data: Float64Array, n: number, d: number, centers: Float64Array, labels: Int32Array): number {
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += squaredDistance(data, i * d, centers, labels[i] * d, d);
  return inertia;
}

/**
 * An empty cluster takes the point farthest from its own center (scikit-learn's relocation), so
 * every cluster keeps at least one member and no center becomes NaN.
 */
function relocateEmptyClusters(
  data: Float64Array,
  d: number,
  labels: Int32Array,
  distances: Float64Array,
  sums: Float64Array,
  counts: Float64Array,
  k: number,
): void {
  const empty: number[] = [];
  for (let c = 0; c < k; c++) if (counts[c] === 0) empty.push(c);
  if (empty.length === 0) return;
  const order = Array.from(distances.keys()).sort((a, b) => distances[b] - distances[a]);
  let next = 0;
  for (const c of empty) {
    // Skip points whose cluster would itself become empty.
    while (next < order.length && counts[labels[order[next]]] <= 1) next++;
    if (next >= order.length) return;
    const i = order[next++];
    const old = labels[i];
    counts[old]--;
    for (let j = 0; j < d; j++) sums[old * d + j] -= data[i * d + j];
    labels[i] = c;
    counts[c] = 1;
    for (let j = 0; j < d; j++) sums[c * d + j] = data[i * d + j];
  }
}
