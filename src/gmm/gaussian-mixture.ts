/**
 * Gaussian mixture fitted by EM, as scikit-learn's `sklearn.mixture.GaussianMixture` (1.2) computes it:
 * the same initialisations, the same per-covariance-type estimators and precision Cholesky factors,
 * the same lower bound and convergence test, so that fits from equal initial parameters agree with
 * scikit-learn's to rounding. Numbers live in contiguous Float64Arrays; the nested arrays of the
 * public attributes are built on demand.
 */
import {
  type DataRows,
  type DenseMatrix,
  choleskyLower,
  flattenWithShape,
  invertLowerTriangular,
  invertSpd,
  multiplyByOwnTranspose,
  toDenseMatrix,
  toNested2,
} from "./matrix.js";
import { type RandomState, SeededRandom, toRandom } from "./random.js";
import { kmeansDense, kmeansPlusPlus, checkFeatureCount } from "./kmeans.js";
import {
  crossProduct,
  diagMomentsAndCovariances,
  fullCovariances,
  logProbCholesky,
  logProbDiag,
  logProbSpherical,
  normalizeLogProb,
  tiedCovariance,
  weightedMeans,
} from "./em-kernels.js";
import { ILL_DEFINED_COVARIANCE_MESSAGE, NotFittedError, checkOptionNames } from "./errors.js";

export type CovarianceType = "full" | "tied" | "diag" | "spherical";
export type InitParams = "kmeans" | "k-means++" | "random" | "random_from_data";

/**
 * scikit-learn's shapes for `covariances`, `precisions`, `precisionsCholesky` and `precisionsInit`:
 * full K x d x d, tied d x d, diag K x d, spherical K.
 */
export type CovarianceArray<C extends CovarianceType> = C extends "full"
  ? number[][][]
  : C extends "tied" | "diag"
    ? number[][]
    : number[];

/** What `onIteration` receives after each EM iteration (and once, as iteration 0, after initialisation). */
export interface IterationInfo<C extends CovarianceType = CovarianceType> {
  /** Which of the `nInit` initialisations this is, from 0. */
  init: number;
  covarianceType: C;
  /** 0 for the initial parameters, then 1, 2, ... after each E-step + M-step. */
  iter: number;
  /**
   * scikit-learn's lower bound at this iteration: the mean log-likelihood computed in this iteration's
   * E-step, i.e. under the parameters before this iteration's M-step (-Infinity at iteration 0).
   */
  lowerBound: number;
  /** lowerBound minus the previous iteration's (what is compared with `tol`). */
  change: number;
  /** Parameters after this iteration's M-step (the initial parameters at iteration 0). */
  weights: number[];
  means: number[][];
  covariances: CovarianceArray<C>;
  precisionsCholesky: CovarianceArray<C>;
}

export interface GaussianMixtureOptions<C extends CovarianceType = "full"> {
  /** Number of mixture components (default 1). */
  nComponents?: number;
  /** Covariance parametrisation (default "full"). */
  covarianceType?: C;
  /** Convergence threshold on the change of the mean log-likelihood lower bound (default 1e-3). */
  tol?: number;
  /** Added to the covariance diagonals so they stay positive definite (default 1e-6). */
  regCovar?: number;
  /** EM iterations per initialisation (default 100). */
  maxIter?: number;
  /** Number of initialisations; the one with the highest lower bound is kept (default 1). */
  nInit?: number;
  /** How to initialise responsibilities (default "kmeans"). */
  initParams?: InitParams;
  /** Initial weights, length K (default from `initParams`). */
  weightsInit?: ArrayLike<number>;
  /** Initial means, K x d (default from `initParams`). */
  meansInit?: DataRows;
  /** Initial precisions (inverse covariances) in scikit-learn's shapes (default from `initParams`). */
  precisionsInit?: CovarianceArray<C>;
  /** Seed or generator; a seed makes every fit and sample reproducible. */
  randomState?: RandomState;
  /** Start each `fit` from the previous solution (ignores `nInit` after the first fit). */
  warmStart?: boolean;
  /** 0 silent, 1 iteration numbers, 2 also timings and lower-bound changes (printed with console.log). */
  verbose?: number;
  /** Iterations between verbose messages (default 10). */
  verboseInterval?: number;
  /** Receives the non-convergence warning (default console.warn). */
  onWarning?: (message: string) => void;
  /** Called with the parameters after initialisation (iter 0) and after every EM iteration. */
  onIteration?: (info: IterationInfo<C>) => void;
}

const OPTION_NAMES = [
  "nComponents",
  "covarianceType",
  "tol",
  "regCovar",
  "maxIter",
  "nInit",
  "initParams",
  "weightsInit",
  "meansInit",
  "precisionsInit",
  "randomState",
  "warmStart",
  "verbose",
  "verboseInterval",
  "onWarning",
  "onIteration",
] as const;


/** Model parameters in flat form. Factor shapes: full K*d*d, tied d*d, diag K*d, spherical K. */
interface Params {
  weights: Float64Array;
  means: Float64Array;
  covariances: Float64Array;
  precisionsCholesky: Float64Array;
  /**
   * Full/tied factors from covariances are upper triangular (inv(chol(cov))^T); factors from
   * `precisionsInit` are lower triangular (chol(precision)). The E-step only visits the non-zero half.
   */
  choleskyUpper: boolean;
}

/** Validated initial parameters, flattened. */
interface InitArrays {
  weights?: Float64Array;
  means?: Float64Array;
  precisions?: Float64Array;
}

interface FittedState {
  params: Params;
  d: number;
  converged: boolean;
  nIter: number;
  lowerBound: number;
  lowerBounds: number[];
}

export class GaussianMixture<C extends CovarianceType = "full"> {
  readonly nComponents: number;
  readonly covarianceType: C;
  readonly tol: number;
  readonly regCovar: number;
  readonly maxIter: number;
  readonly nInit: number;
  readonly initParams: InitParams;
  readonly weightsInit: ArrayLike<number> | undefined;
  readonly meansInit: DataRows | undefined;
  readonly precisionsInit: CovarianceArray<C> | undefined;
  readonly randomState: RandomState;
  readonly warmStart: boolean;
  readonly verbose: number;
  readonly verboseInterval: number;
  private readonly onWarning: (message: string) => void;
  private readonly onIteration: ((info: IterationInfo<C>) => void) | undefined;

  private state: FittedState | undefined;

  constructor(options: GaussianMixtureOptions<C> = {}) {
    checkOptionNames(options, OPTION_NAMES, "GaussianMixture");
    this.nComponents = options.nComponents ?? 1;
    this.covarianceType = options.covarianceType ?? ("full" as C);
    this.tol = options.tol ?? 1e-3;
    this.regCovar = options.regCovar ?? 1e-6;
    this.maxIter = options.maxIter ?? 100;
    this.nInit = options.nInit ?? 1;
    this.initParams = options.initParams ?? "kmeans";
    this.weightsInit = options.weightsInit;
    this.meansInit = options.meansInit;
    this.precisionsInit = options.precisionsInit;
    this.randomState = options.randomState;
    this.warmStart = options.warmStart ?? false;
    this.verbose = options.verbose ?? 0;
    this.verboseInterval = options.verboseInterval ?? 10;
    this.onWarning = options.onWarning ?? ((message) => console.warn(message));
    this.onIteration = options.onIteration;

    requireInteger("nComponents", this.nComponents, 1);
    requireInteger("maxIter", this.maxIter, 0);
    requireInteger("nInit", this.nInit, 1);
    requireInteger("verboseInterval", this.verboseInterval, 1);
    if (!(this.tol >= 0) || !Number.isFinite(this.tol)) throw new RangeError(`tol must be a finite number >= 0, got ${this.tol}`);
    if (!(this.regCovar >= 0) || !Number.isFinite(this.regCovar)) {
      throw new RangeError(`regCovar must be a finite number >= 0, got ${this.regCovar}`);
    }
    if (!["full", "tied", "diag", "spherical"].includes(this.covarianceType)) {
      throw new RangeError(`covarianceType must be one of "full", "tied", "diag", "spherical", got "${this.covarianceType}"`);
    }
    if (!["kmeans", "k-means++", "random", "random_from_data"].includes(this.initParams)) {
      throw new RangeError(
        `initParams must be one of "kmeans", "k-means++", "random", "random_from_data", got "${this.initParams}"`,
      );
    }
    if (typeof this.warmStart !== "boolean") throw new TypeError(`warmStart must be a boolean, got ${String(this.warmStart)}`);
    if (!Number.isInteger(this.verbose) || this.verbose < 0) throw new RangeError(`verbose must be an integer >= 0, got ${this.verbose}`);
  }

  // ---------------------------------------------------------------- fitting

  /** Estimates the parameters with EM (best of `nInit` initialisations). Returns this. */
  fit(X: DataRows): this {
    this.fitPredict(X);
    return this;
  }

  /** Fits, then labels X with the fitted model (equal to `predict(X)` after `fit(X)`). */
  fitPredict(X: DataRows): number[] {
    const matrix = toDenseMatrix(X);
    const { rows: n, cols: d } = matrix;
    const K = this.nComponents;
    if (n < 2) {
      throw new RangeError(`Found array with ${n} sample(s) (shape=(${n}, ${d})) while a minimum of 2 is required by GaussianMixture.`);
    }
    if (n < K) {
      throw new RangeError(`Expected n_samples >= n_components but got n_components = ${K}, n_samples = ${n}`);
    }
    const doInit = !(this.warmStart && this.state !== undefined);
    if (!doInit) checkFeatureCount(matrix, this.state!.d, "GaussianMixture");
    const inits = doInit ? this.checkInitArrays(d) : {};
    const nInit = doInit ? this.nInit : 1;
    const random = toRandom(this.randomState);
    const work = new Workspace(n, d, K, matrix.data);

    let maxLowerBound = -Infinity;
    let best: { params: Params; nIter: number; converged: boolean; lowerBounds: number[] } | undefined;
    let anyConverged = false;
    for (let init = 0; init < nInit; init++) {
      const start = performance.now();
      if (this.verbose >= 1) console.log(`Initialization ${init}`);
      const params = doInit ? this.initialize(matrix, inits, random, work) : cloneParams(this.state!.params);
      let lowerBound = doInit ? -Infinity : this.state!.lowerBound;
      const lowerBounds: number[] = [];
      let converged = false;
      if (this.onIteration) this.reportIteration(init, 0, -Infinity, NaN, params, d);
      if (this.maxIter === 0) {
        if (!best) best = { params, nIter: 0, converged: false, lowerBounds };
        continue;
      }
      let nIter = 0;
      let iterStart = start;
      for (nIter = 1; nIter <= this.maxIter; nIter++) {
        const previous = lowerBound;
        lowerBound = eStep(matrix.data, n, d, K, this.covarianceType, params, work.resp, null) / n;
        mStep(matrix.data, n, d, K, this.covarianceType, this.regCovar, work.resp, params, work);
        lowerBounds.push(lowerBound);
        const change = lowerBound - previous;
        if (this.onIteration) this.reportIteration(init, nIter, lowerBound, change, params, d);
        if (nIter % this.verboseInterval === 0) {
          if (this.verbose === 1) console.log(`  Iteration ${nIter}`);
          else if (this.verbose >= 2) {
            const now = performance.now();
            console.log(`  Iteration ${nIter}\t time lapse ${((now - iterStart) / 1000).toFixed(5)}s\t ll change ${change.toFixed(5)}`);
            iterStart = now;
          }
        }
        if (Math.abs(change) < this.tol) {
          converged = true;
          break;
        }
      }
      if (nIter > this.maxIter) nIter = this.maxIter;
      if (converged) anyConverged = true;
      if (this.verbose === 1) console.log(`Initialization converged: ${pyBool(converged)}`);
      else if (this.verbose >= 2) {
        console.log(
          `Initialization converged: ${pyBool(converged)}\t time lapse ${((performance.now() - start) / 1000).toFixed(5)}s\t ll ${lowerBound.toFixed(5)}`,
        );
      }
      if (lowerBound > maxLowerBound || maxLowerBound === -Infinity) {
        maxLowerBound = lowerBound;
        best = { params, nIter, converged, lowerBounds };
      }
    }
    if (!anyConverged && this.maxIter > 0) {
      this.onWarning(
        `Initialization ${nInit} did not converge. Try different init parameters, or increase maxIter, tol or check for degenerate data.`,
      );
    }
    this.state = {
      params: best!.params,
      d,
      converged: best!.converged,
      nIter: best!.nIter,
      lowerBound: maxLowerBound,
      lowerBounds: best!.lowerBounds,
    };
    this.cache = {};
    // Final E-step so that the labels agree with predict(X) whatever the last M-step changed.
    eStep(matrix.data, n, d, K, this.covarianceType, this.state.params, work.resp, null);
    return argmaxRows(work.resp, n, K);
  }

  private checkInitArrays(d: number): InitArrays {
    const K = this.nComponents;
    const out: InitArrays = {};
    if (this.weightsInit !== undefined) {
      const weights = flattenWithShape(this.weightsInit, [K], "weights");
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      for (const w of weights) {
        sum += w;
        min = Math.min(min, w);
        max = Math.max(max, w);
      }
      if (min < 0 || max > 1) {
        throw new RangeError(
          `The parameter 'weights' should be in the range [0, 1], but got max value ${max.toFixed(5)}, min value ${min.toFixed(5)}`,
        );
      }
      if (!(Math.abs(1 - sum) <= 1e-8)) {
        throw new RangeError(`The parameter 'weights' should be normalized, but got sum(weights) = ${sum.toFixed(5)}`);
      }
      out.weights = weights;
    }
    if (this.meansInit !== undefined) out.means = flattenWithShape(this.meansInit, [K, d], "means");
    if (this.precisionsInit !== undefined) {
      const type = this.covarianceType;
      const shape = { full: [K, d, d], tied: [d, d], diag: [K, d], spherical: [K] }[type];
      const precisions = flattenWithShape(this.precisionsInit, shape, `${type} precision`);
      if (type === "full" || type === "tied") {
        const count = type === "full" ? K : 1;
        const scratch = new Float64Array(d * d);
        for (let k = 0; k < count; k++) {
          const offset = k * d * d;
          let symmetric = true;
          for (let i = 0; i < d && symmetric; i++) {
            for (let j = 0; j < i; j++) {
              const a = precisions[offset + i * d + j];
              const b = precisions[offset + j * d + i];
              // np.allclose(P, P.T): |a - b| <= 1e-8 + 1e-5 |b|
              if (!(Math.abs(a - b) <= 1e-8 + 1e-5 * Math.abs(b))) symmetric = false;
            }
          }
          if (!symmetric || !choleskyLower(precisions, offset, d, scratch, 0)) {
            throw new RangeError(`'${type} precision' should be symmetric, positive-definite`);
          }
        }
      } else if (precisions.some((p) => !(p > 0))) {
        throw new RangeError(`'${type} precision' should be positive`);
      }
      out.precisions = precisions;
    }
    return out;
  }

  /** scikit-learn's `_initialize_parameters` + `_initialize`. */
  private initialize(X: DenseMatrix, inits: InitArrays, random: SeededRandom, work: Workspace): Params {
    const { rows: n, cols: d } = X;
    const K = this.nComponents;
    const type = this.covarianceType;
    const params = allocateParams(K, d, type);
    // With every parameter given the responsibilities would be discarded, so skip computing them.
    if (!(inits.weights && inits.means && inits.precisions)) {
      const resp = work.resp;
      resp.fill(0);
      if (this.initParams === "kmeans") {
        const labels = kmeansDense(X, K, "k-means++", 1, 300, 1e-4, random).labels;
        for (let i = 0; i < n; i++) resp[i * K + labels[i]] = 1;
      } else if (this.initParams === "random") {
        for (let i = 0; i < n; i++) {
          let sum = 0;
          for (let k = 0; k < K; k++) sum += resp[i * K + k] = random.uniform();
          for (let k = 0; k < K; k++) resp[i * K + k] /= sum;
        }
      } else {
        const indices =
          this.initParams === "random_from_data" ? random.choiceWithoutReplacement(n, K) : kmeansPlusPlus(X, K, random).indices;
        for (let k = 0; k < K; k++) resp[indices[k] * K + k] = 1;
      }
      estimateGaussianParameters(X.data, n, d, K, type, this.regCovar, resp, params, work);
      for (let k = 0; k < K; k++) params.weights[k] /= n;
      if (!inits.precisions) computePrecisionCholesky(params, K, d, type);
    }
    if (inits.weights) params.weights.set(inits.weights);
    if (inits.means) params.means.set(inits.means);
    if (inits.precisions) {
      const P = inits.precisions;
      params.choleskyUpper = false;
      if (type === "full" || type === "tied") {
        const count = type === "full" ? K : 1;
        for (let k = 0; k < count; k++) {
          choleskyLower(P, k * d * d, d, params.precisionsCholesky, k * d * d);
          // Covariances are not used by EM until the first M-step; keep them for maxIter = 0.
          invertSpd(P, k * d * d, d, params.covariances, k * d * d);
        }
      } else {
        for (let i = 0; i < P.length; i++) {
          params.precisionsCholesky[i] = Math.sqrt(P[i]);
          params.covariances[i] = 1 / P[i];
        }
      }
    }
    return params;
  }

  private reportIteration(init: number, iter: number, lowerBound: number, change: number, params: Params, d: number): void {
    this.onIteration!({
      init,
      covarianceType: this.covarianceType,
      iter,
      lowerBound,
      change,
      weights: Array.from(params.weights),
      means: toNested2(params.means, this.nComponents, d),
      covariances: this.nestCovariance(params.covariances, d),
      precisionsCholesky: this.nestCovariance(params.precisionsCholesky, d),
    });
  }

  // ---------------------------------------------------------------- prediction

  /** Label of the most probable component for each row. */
  predict(X: DataRows): number[] {
    const { matrix, state } = this.prepare(X);
    const K = this.nComponents;
    const resp = new Float64Array(matrix.rows * K);
    eStep(matrix.data, matrix.rows, state.d, K, this.covarianceType, state.params, resp, null);
    return argmaxRows(resp, matrix.rows, K);
  }

  /** Posterior probability of each component for each row (rows sum to 1). */
  predictProba(X: DataRows): number[][] {
    const { matrix, state } = this.prepare(X);
    const K = this.nComponents;
    const resp = new Float64Array(matrix.rows * K);
    eStep(matrix.data, matrix.rows, state.d, K, this.covarianceType, state.params, resp, null);
    return toNested2(resp, matrix.rows, K);
  }

  /** Log-likelihood log p(x) of each row under the model. */
  scoreSamples(X: DataRows): number[] {
    const { matrix, state } = this.prepare(X);
    const logProb = new Float64Array(matrix.rows);
    const resp = new Float64Array(matrix.rows * this.nComponents);
    eStep(matrix.data, matrix.rows, state.d, this.nComponents, this.covarianceType, state.params, resp, logProb);
    return Array.from(logProb);
  }

  /** Mean log-likelihood per row. */
  score(X: DataRows): number {
    const { matrix, state } = this.prepare(X);
    const resp = new Float64Array(matrix.rows * this.nComponents);
    const logProb = new Float64Array(matrix.rows);
    eStep(matrix.data, matrix.rows, state.d, this.nComponents, this.covarianceType, state.params, resp, logProb);
    return mean(logProb);
  }

  /** Bayesian information criterion: -2 log L + p ln n (lower is better). */
  bic(X: DataRows): number {
    const n = X.length;
    return -2 * this.score(X) * n + this.nParameters() * Math.log(n);
  }

  /** Akaike information criterion: -2 log L + 2p (lower is better). */
  aic(X: DataRows): number {
    return -2 * this.score(X) * X.length + 2 * this.nParameters();
  }

  /** Number of free parameters, counted as scikit-learn's `_n_parameters`. */
  nParameters(): number {
    const d = this.requireFitted().d;
    const K = this.nComponents;
    const covParams = {
      full: (K * d * (d + 1)) / 2,
      diag: K * d,
      tied: (d * (d + 1)) / 2,
      spherical: K,
    }[this.covarianceType];
    return Math.trunc(covParams + d * K + K - 1);
  }

  /**
   * Draws n rows from the fitted mixture: returns [X, y] with rows grouped by component as scikit-learn
   * does. With a numeric `randomState` every call gives the same draw.
   */
  sample(nSamples = 1): [number[][], number[]] {
    const state = this.requireFitted();
    if (!Number.isInteger(nSamples) || nSamples < 1) {
      throw new RangeError(`Invalid value for 'nSamples': ${nSamples}. The sampling requires at least one sample.`);
    }
    const { params, d } = state;
    const K = this.nComponents;
    const random = toRandom(this.randomState);
    const counts = random.multinomial(nSamples, params.weights);
    const X: number[][] = [];
    const y: number[] = [];
    const factor = new Float64Array(d * d);
    const z = new Float64Array(d);
    for (let k = 0; k < K; k++) {
      const type = this.covarianceType;
      if (type === "full" || type === "tied") {
        const offset = type === "full" ? k * d * d : 0;
        if (!choleskyLower(params.covariances, offset, d, factor, 0)) throw new Error(ILL_DEFINED_COVARIANCE_MESSAGE);
      }
      for (let s = 0; s < counts[k]; s++) {
        for (let j = 0; j < d; j++) z[j] = random.normal();
        const row = new Array<number>(d);
        for (let i = 0; i < d; i++) {
          let value = params.means[k * d + i];
          if (type === "full" || type === "tied") {
            for (let j = 0; j <= i; j++) value += factor[i * d + j] * z[j];
          } else {
            const variance = type === "diag" ? params.covariances[k * d + i] : params.covariances[k];
            value += z[i] * Math.sqrt(variance);
          }
          row[i] = value;
        }
        X.push(row);
        y.push(k);
      }
    }
    return [X, y];
  }

  // ---------------------------------------------------------------- fitted attributes

  private cache: Partial<Record<"weights" | "means" | "covariances" | "precisions" | "precisionsCholesky", unknown>> = {};

  private cached<T>(key: "weights" | "means" | "covariances" | "precisions" | "precisionsCholesky", build: () => T): T {
    if (!(key in this.cache)) this.cache[key] = build();
    // Hand out copies so that callers cannot corrupt the model through the returned arrays.
    return structuredClone(this.cache[key]) as T;
  }

  get weights(): number[] {
    const { params } = this.requireFitted();
    return this.cached("weights", () => Array.from(params.weights));
  }
  get means(): number[][] {
    const { params, d } = this.requireFitted();
    return this.cached("means", () => toNested2(params.means, this.nComponents, d));
  }
  get covariances(): CovarianceArray<C> {
    const { params, d } = this.requireFitted();
    return this.cached("covariances", () => this.nestCovariance(params.covariances, d));
  }
  get precisionsCholesky(): CovarianceArray<C> {
    const { params, d } = this.requireFitted();
    return this.cached("precisionsCholesky", () => this.nestCovariance(params.precisionsCholesky, d));
  }
  /** Inverse covariances, from the Cholesky factors (P = U U^T). */
  get precisions(): CovarianceArray<C> {
    const { params, d } = this.requireFitted();
    return this.cached("precisions", () => {
      const factors = params.precisionsCholesky;
      const out = new Float64Array(factors.length);
      if (this.covarianceType === "full" || this.covarianceType === "tied") {
        for (let offset = 0; offset < factors.length; offset += d * d) multiplyByOwnTranspose(factors, offset, d, out, offset);
      } else {
        for (let i = 0; i < factors.length; i++) out[i] = factors[i] * factors[i];
      }
      return this.nestCovariance(out, d);
    });
  }
  get converged(): boolean {
    return this.requireFitted().converged;
  }
  /** EM iterations run by the kept initialisation. */
  get nIter(): number {
    return this.requireFitted().nIter;
  }
  /** Lower bound (mean log-likelihood) of the kept initialisation at its last iteration. */
  get lowerBound(): number {
    return this.requireFitted().lowerBound;
  }
  /** Lower bound after each iteration of the kept initialisation (non-decreasing, as EM guarantees). */
  get lowerBounds(): number[] {
    return this.requireFitted().lowerBounds.slice();
  }
  get nFeaturesIn(): number {
    return this.requireFitted().d;
  }
  /** True once `fit` has succeeded. */
  get isFitted(): boolean {
    return this.state !== undefined;
  }

  private nestCovariance(flat: Float64Array, d: number): CovarianceArray<C> {
    const K = this.nComponents;
    switch (this.covarianceType) {
      case "full": {
        const out: number[][][] = [];
        for (let k = 0; k < K; k++) out.push(toNested2(flat, d, d, k * d * d));
        return out as CovarianceArray<C>;
      }
      case "tied":
        return toNested2(flat, d, d) as CovarianceArray<C>;
      case "diag":
        return toNested2(flat, K, d) as CovarianceArray<C>;
      default:
        return Array.from(flat) as CovarianceArray<C>;
    }
  }

  private requireFitted(): FittedState {
    if (!this.state) throw new NotFittedError("GaussianMixture");
    return this.state;
  }

  private prepare(X: DataRows): { matrix: DenseMatrix; state: FittedState } {
    const state = this.requireFitted();
    const matrix = toDenseMatrix(X);
    checkFeatureCount(matrix, state.d, "GaussianMixture");
    return { matrix, state };
  }
}

/**
 * Mixture parameters in scikit-learn's nested shapes: a fitted `GaussianMixture`, an `IterationInfo`,
 * or a plain object.
 */
export interface MixtureParameters<C extends CovarianceType = CovarianceType> {
  covarianceType: C;
  weights: ArrayLike<number>;
  means: DataRows;
  covariances: CovarianceArray<C>;
}

/**
 * Responsibilities (posterior component probabilities, n x K, flat) of the rows of X under the given
 * parameters, without a fitted estimator: what the plots use to colour points of intermediate EM steps.
 */
export function responsibilitiesUnder(params: MixtureParameters, X: DataRows): { resp: Float64Array; labels: number[] } {
  const matrix = toDenseMatrix(X);
  const { rows: n, cols: d } = matrix;
  const K = params.weights.length;
  const type = params.covarianceType;
  const flat = allocateParams(K, d, type);
  flat.weights.set(flattenWithShape(params.weights, [K], "weights"));
  flat.means.set(flattenWithShape(params.means, [K, d], "means"));
  const shape = { full: [K, d, d], tied: [d, d], diag: [K, d], spherical: [K] }[type];
  flat.covariances.set(flattenWithShape(params.covariances, shape, "covariances"));
  computePrecisionCholesky(flat, K, d, type);
  const resp = new Float64Array(n * K);
  eStep(matrix.data, n, d, K, type, flat, resp, null);
  return { resp, labels: argmaxRows(resp, n, K) };
}

// ------------------------------------------------------------------ numerical kernels

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
}

function pyBool(value: boolean): string {
  return value ? "True" : "False";
}

function mean(values: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

function factorLength(K: number, d: number, type: CovarianceType): number {
  return type === "full" ? K * d * d : type === "tied" ? d * d : type === "diag" ? K * d : K;
}

function allocateParams(K: number, d: number, type: CovarianceType): Params {
  return {
    weights: new Float64Array(K),
    means: new Float64Array(K * d),
    covariances: new Float64Array(factorLength(K, d, type)),
    precisionsCholesky: new Float64Array(factorLength(K, d, type)),
    choleskyUpper: true,
  };
}

function cloneParams(p: Params): Params {
  return {
    weights: p.weights.slice(),
    means: p.means.slice(),
    covariances: p.covariances.slice(),
    precisionsCholesky: p.precisionsCholesky.slice(),
    choleskyUpper: p.choleskyUpper,
  };
}

/** Buffers reused across iterations of one fit, so that EM allocates nothing per iteration. */
class Workspace {
  readonly resp: Float64Array;
  /** X^T X for the tied estimator (constant over the fit). */
  private xtx: Float64Array | undefined;

  constructor(
    private readonly n: number,
    private readonly d: number,
    K: number,
    private readonly data: Float64Array,
  ) {
    this.resp = new Float64Array(n * K);
  }

  crossProduct(): Float64Array {
    this.xtx ??= crossProduct(this.data, this.n, this.d);
    return this.xtx;
  }
}

/**
 * E-step: fills `resp` (n x K) with the responsibilities exp(log resp) and, if given, `logProbNorm`
 * with log p(x) per row; returns the sum of log p(x) over rows.
 */
function eStep(
  data: Float64Array,
  n: number,
  d: number,
  K: number,
  type: CovarianceType,
  params: Params,
  resp: Float64Array,
  logProbNorm: Float64Array | null,
): number {
  const { means, precisionsCholesky: pc, weights } = params;
  // log det of the precision Cholesky factor + log weight, per component.
  const offsets = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let logDet = 0;
    if (type === "full" || type === "tied") {
      const offset = type === "full" ? k * d * d : 0;
      for (let j = 0; j < d; j++) logDet += Math.log(pc[offset + j * d + j]);
    } else if (type === "diag") {
      for (let j = 0; j < d; j++) logDet += Math.log(pc[k * d + j]);
    } else {
      logDet = d * Math.log(pc[k]);
    }
    offsets[k] = logDet + Math.log(weights[k]);
  }
  if (type === "full") logProbCholesky(data, n, d, K, means, pc, d * d, params.choleskyUpper, offsets, resp);
  else if (type === "tied") logProbCholesky(data, n, d, K, means, pc, 0, params.choleskyUpper, offsets, resp);
  else if (type === "diag") logProbDiag(data, n, d, K, means, pc, offsets, resp);
  else logProbSpherical(data, n, d, K, means, pc, offsets, resp);
  return normalizeLogProb(resp, n, K, logProbNorm);
}

/** M-step: weights, means, covariances and precision Cholesky factors from the responsibilities. */
function mStep(
  data: Float64Array,
  n: number,
  d: number,
  K: number,
  type: CovarianceType,
  regCovar: number,
  resp: Float64Array,
  params: Params,
  work: Workspace,
): void {
  estimateGaussianParameters(data, n, d, K, type, regCovar, resp, params, work);
  let total = 0;
  for (let k = 0; k < K; k++) total += params.weights[k];
  for (let k = 0; k < K; k++) params.weights[k] /= total;
  computePrecisionCholesky(params, K, d, type);
}

/**
 * `_estimate_gaussian_parameters`: writes nk (unnormalised weights) into params.weights, the means
 * and the covariances (with regCovar on the diagonal).
 */
function estimateGaussianParameters(
  data: Float64Array,
  n: number,
  d: number,
  K: number,
  type: CovarianceType,
  regCovar: number,
  resp: Float64Array,
  params: Params,
  work: Workspace,
): void {
  const { weights: nk, means, covariances: cov } = params;
  if (type === "diag" || type === "spherical") {
    diagMomentsAndCovariances(data, n, d, K, resp, nk, means, regCovar, type === "spherical", cov);
    return;
  }
  weightedMeans(data, n, d, K, resp, nk, means);
  if (type === "full") fullCovariances(data, n, d, K, resp, nk, means, regCovar, cov);
  else tiedCovariance(work.crossProduct(), d, K, nk, means, regCovar, cov);
}

/** `_compute_precision_cholesky`, raising scikit-learn's ill-defined-covariance error. */
function computePrecisionCholesky(params: Params, K: number, d: number, type: CovarianceType): void {
  const cov = params.covariances;
  const pc = params.precisionsCholesky;
  params.choleskyUpper = true;
  if (type === "full" || type === "tied") {
    const count = type === "full" ? K : 1;
    const L = new Float64Array(d * d);
    for (let k = 0; k < count; k++) {
      if (!choleskyLower(cov, k * d * d, d, L, 0)) throw new Error(ILL_DEFINED_COVARIANCE_MESSAGE);
      invertLowerTriangular(L, 0, d, pc, k * d * d, true);
    }
  } else {
    for (let i = 0; i < cov.length; i++) {
      if (!(cov[i] > 0)) throw new Error(ILL_DEFINED_COVARIANCE_MESSAGE);
      pc[i] = 1 / Math.sqrt(cov[i]);
    }
  }
}

function argmaxRows(values: Float64Array, n: number, K: number): number[] {
  const labels = new Array<number>(n);
  for (let s = 0; s < n; s++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (values[s * K + k] > values[s * K + best]) best = k;
    labels[s] = best;
  }
  return labels;
}
