/** Bad input is a clear error, never NaN output. */
import { describe, expect, it } from "vitest";
import { GaussianMixture, KMeans, NotFittedError } from "adc-ts/gmm";
import { faithful } from "./gmm-helpers.js";

describe("GaussianMixture input errors", () => {
  const gm = () => new GaussianMixture({ nComponents: 2, randomState: 0 });

  it("rejects empty, ragged and non-finite data", () => {
    expect(() => gm().fit([])).toThrow("X is empty");
    expect(() => gm().fit([[], []])).toThrow("no features");
    expect(() => gm().fit([[1, 2], [3], [4, 5]])).toThrow("X is ragged: row 0 has 2 values but row 1 has 1");
    expect(() => gm().fit([[1, 2], [NaN, 1], [4, 5]])).toThrow("X contains NaN at row 1, column 0");
    expect(() => gm().fit([[1, 2], [3, 1], [4, Infinity]])).toThrow("X contains infinity at row 2, column 1");
    expect(() => gm().fit([[1, 2], [3, "4" as unknown as number]])).toThrow("X[1][1] is not a number");
  });

  it("needs at least as many samples as components (and at least 2)", () => {
    expect(() => new GaussianMixture({ nComponents: 3 }).fit([[1], [2]])).toThrow(
      "Expected n_samples >= n_components but got n_components = 3, n_samples = 2",
    );
    expect(() => new GaussianMixture().fit([[1, 2]])).toThrow("a minimum of 2 is required");
  });

  it("checks the shapes and values of the *Init arrays", () => {
    expect(() => new GaussianMixture({ nComponents: 2, meansInit: [[1, 2, 3], [4, 5, 6]] }).fit(faithful)).toThrow(
      "The parameter 'means' should have the shape of (2, 2), but got (2, 3)",
    );
    expect(() => new GaussianMixture({ nComponents: 2, weightsInit: [1] }).fit(faithful)).toThrow(
      "The parameter 'weights' should have the shape of (2,), but got (1,)",
    );
    expect(() => new GaussianMixture({ nComponents: 2, weightsInit: [0.5, 0.6] }).fit(faithful)).toThrow(
      "The parameter 'weights' should be normalized, but got sum(weights) = 1.10000",
    );
    expect(() => new GaussianMixture({ nComponents: 2, weightsInit: [-0.5, 1.5] }).fit(faithful)).toThrow("should be in the range [0, 1]");
    expect(() =>
      new GaussianMixture({ nComponents: 2, covarianceType: "diag", precisionsInit: [[1, 1]] }).fit(faithful),
    ).toThrow("The parameter 'diag precision' should have the shape of (2, 2), but got (1, 2)");
    expect(() =>
      new GaussianMixture({ nComponents: 2, meansInit: [[1, 2], [3]] }).fit(faithful),
    ).toThrow("The parameter 'means' should have the shape of (2, 2)");
  });

  it("rejects precisionsInit that is not positive definite", () => {
    const notPd = [[1, 2], [2, 1]]; // eigenvalues 3 and -1
    const asymmetric = [[1, 0.5], [0, 1]];
    const ok = [[1, 0], [0, 1]];
    expect(() => new GaussianMixture({ nComponents: 2, precisionsInit: [ok, notPd] }).fit(faithful)).toThrow(
      "'full precision' should be symmetric, positive-definite",
    );
    expect(() => new GaussianMixture({ nComponents: 2, precisionsInit: [asymmetric, ok] }).fit(faithful)).toThrow(
      "'full precision' should be symmetric, positive-definite",
    );
    expect(() => new GaussianMixture({ nComponents: 2, covarianceType: "tied", precisionsInit: notPd }).fit(faithful)).toThrow(
      "'tied precision' should be symmetric, positive-definite",
    );
    expect(() => new GaussianMixture({ nComponents: 2, covarianceType: "diag", precisionsInit: [[1, 1], [0, 1]] }).fit(faithful)).toThrow(
      "'diag precision' should be positive",
    );
    expect(() => new GaussianMixture({ nComponents: 2, covarianceType: "spherical", precisionsInit: [1, -1] }).fit(faithful)).toThrow(
      "'spherical precision' should be positive",
    );
  });

  it("refuses to predict, score or sample before fit, and checks the feature count after", () => {
    const model = gm();
    for (const call of [
      () => model.predict(faithful),
      () => model.predictProba(faithful),
      () => model.scoreSamples(faithful),
      () => model.score(faithful),
      () => model.sample(3),
      () => model.means,
      () => model.bic(faithful),
    ]) {
      expect(call).toThrow(NotFittedError);
    }
    expect(model.predict.bind(model, faithful)).toThrow("This GaussianMixture instance is not fitted yet");
    model.fit(faithful);
    expect(() => model.predict([[1, 2, 3]])).toThrow("X has 3 features, but GaussianMixture is expecting 2 features as input.");
    expect(() => model.sample(0)).toThrow("Invalid value for 'nSamples'");
  });

  it("validates options, and points scikit-learn spellings to ours", () => {
    expect(() => new GaussianMixture({ n_components: 2 } as never)).toThrow("Unknown GaussianMixture option 'n_components' (did you mean 'nComponents'?)");
    expect(() => new GaussianMixture({ nComponents: 0 })).toThrow("nComponents must be an integer >= 1, got 0");
    expect(() => new GaussianMixture({ covarianceType: "banana" as never })).toThrow('covarianceType must be one of "full"');
    expect(() => new GaussianMixture({ initParams: "kmeans++" as never })).toThrow("initParams must be one of");
    expect(() => new GaussianMixture({ tol: -1 })).toThrow("tol must be");
    expect(() => new GaussianMixture({ regCovar: NaN })).toThrow("regCovar must be");
    expect(() => new GaussianMixture({ maxIter: 1.5 })).toThrow("maxIter must be an integer >= 0");
    expect(() => new GaussianMixture({ randomState: -3 }).fit(faithful)).toThrow("randomState must be a non-negative integer");
  });

  it("returned arrays are copies: mutating them does not change the model", () => {
    const model = gm().fit(faithful);
    const means = model.means;
    means[0][0] = 1e9;
    expect(model.means[0][0]).not.toBe(1e9);
  });
});

describe("KMeans input errors", () => {
  it("rejects bad data and use before fit", () => {
    expect(() => new KMeans({ nClusters: 3 }).fit([[1], [2]])).toThrow("n_samples=2 should be >= n_clusters=3.");
    expect(() => new KMeans({ nClusters: 2 }).fit([[1, NaN], [2, 2]])).toThrow("NaN");
    expect(() => new KMeans().predict([[1]])).toThrow("This KMeans instance is not fitted yet");
    expect(() => new KMeans({ nClusters: 0 })).toThrow("nClusters must be an integer >= 1");
    expect(() => new KMeans({ nClusters: 2, init: [[1, 2]] }).fit(faithful)).toThrow("The parameter 'init' should have the shape of (2, 2)");
  });
});
