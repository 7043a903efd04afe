/** Errors shared by the estimators, worded as scikit-learn words them where it has an equivalent. */

/** Using a fitted attribute or prediction method before `fit`. */
export class NotFittedError extends Error {
  constructor(estimator: string) {
    super(`This ${estimator} instance is not fitted yet. Call 'fit' with appropriate arguments before using this estimator.`);
    this.name = "NotFittedError";
  }
}

/** EM met a covariance that is not positive definite (scikit-learn's message, with our option name). */
export const ILL_DEFINED_COVARIANCE_MESSAGE =
  "Fitting the mixture model failed because some components have ill-defined empirical covariance " +
  "(for instance caused by singleton or collapsed samples). Try to decrease the number of components, " +
  "or increase regCovar.";

/**
 * Rejects unknown option names, so that scikit-learn spellings (`n_components`) or typos from plain
 * JavaScript callers fail loudly instead of silently falling back to defaults.
 */
export function checkOptionNames(options: object, known: readonly string[], estimator: string): void {
  if (options === null || typeof options !== "object") throw new TypeError(`${estimator} options must be an object`);
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const hint = camel !== name && known.includes(camel) ? ` (did you mean '${camel}'?)` : "";
    throw new TypeError(`Unknown ${estimator} option '${name}'${hint}. Known options: ${known.join(", ")}`);
  }
}
