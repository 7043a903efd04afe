/**
 * `adc-ts/gmm`: Gaussian mixtures fitted by EM and k-means, with scikit-learn's options and results.
 */
export {
  GaussianMixture,
  type GaussianMixtureOptions,
  type CovarianceType,
  type CovarianceArray,
  type InitParams,
  type IterationInfo,
} from "./gaussian-mixture.js";
export { KMeans, type KMeansOptions, kmeansPlusPlus } from "./kmeans.js";
export { SeededRandom, type RandomState } from "./random.js";
export { NotFittedError, ILL_DEFINED_COVARIANCE_MESSAGE } from "./errors.js";
export { type DataRows } from "./matrix.js";
export { parseNumericCsv, readNumericCsv, CsvError, type NumericTable } from "./csv.js";
export { type MixtureParameters, responsibilitiesUnder } from "./gaussian-mixture.js";
export {
  plotMixture,
  plotMixturePanels,
  mixturePlotSpec,
  renderVegaLiteSvg,
  ellipseOutline,
  marginalCovariance,
  type MixturePlotOptions,
  type MixturePanel,
} from "./plot.js";
