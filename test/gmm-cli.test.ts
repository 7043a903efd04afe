/** `adc gmm`: text and JSON output on Old Faithful, the SVG plot, and errors with exit codes. */
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runGmm } from "../cli/gmm.js";
import { ellipseOutline, mixturePlotSpec, plotMixturePanels, GaussianMixture } from "adc-ts/gmm";
import { faithful } from "./gmm-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "adc-gmm-cli-"));
const faithfulCsv = new URL("../data/faithful.csv", import.meta.url).pathname;

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runGmm(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

function csv(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("adc gmm on Old Faithful", () => {
  it("prints weights, means, covariances, iterations, log-likelihood, BIC and AIC", async () => {
    const { code, out, err } = await run(faithfulCsv, "-k", "2");
    expect(code).toBe(0);
    expect(err).toBe("");
    expect(out).toContain("272 rows x 2 columns (eruptions, waiting)");
    expect(out).toMatch(/EM converged after \d+ iterations/);
    // The optimum scikit-learn reaches: weights 0.356 / 0.644, BIC 2322.19, AIC 2282.53.
    const weights = [...out.matchAll(/weight ([\d.]+)/g)].map((m) => Number(m[1])).sort();
    expect(weights[0]).toBeCloseTo(0.3559, 3);
    expect(weights[1]).toBeCloseTo(0.6441, 3);
    expect(Number(/BIC: ([\d.]+)/.exec(out)![1])).toBeCloseTo(2322.19, 1);
    expect(Number(/AIC: ([\d.]+)/.exec(out)![1])).toBeCloseTo(2282.53, 1);
    expect(Number(/log-likelihood: (-[\d.]+)/.exec(out)![1])).toBeCloseTo(-4.155382 * 272, 0);
    expect(out).toMatch(/mean\s+2\.03\d*\s+54\.4/);
    expect(out).toContain("covariance:");
  });

  it("--json gives the fit as one JSON object", async () => {
    const { code, out } = await run(faithfulCsv, "-k", "2", "--covariance", "diag", "--seed", "3", "--json");
    expect(code).toBe(0);
    const fit = JSON.parse(out);
    expect(Object.keys(fit).sort()).toEqual(
      [
        "aic", "bic", "columns", "converged", "covarianceType", "covariances", "file", "initParams", "labels", "logLikelihood",
        "lowerBound", "means", "nComponents", "nFeatures", "nInit", "nIter", "nParameters", "nSamples", "score", "seed", "weights",
      ].sort(),
    );
    expect(fit.columns).toEqual(["eruptions", "waiting"]);
    expect(fit.nSamples).toBe(272);
    expect(fit.covarianceType).toBe("diag");
    expect(fit.nParameters).toBe(9);
    expect(fit.weights.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 12);
    expect(fit.means).toHaveLength(2);
    expect(fit.covariances).toHaveLength(2);
    expect(fit.covariances[0]).toHaveLength(2);
    expect(fit.labels).toHaveLength(272);
    // The JSON agrees with the library.
    const gm = new GaussianMixture({ nComponents: 2, covarianceType: "diag", randomState: 3 }).fit(faithful);
    expect(fit.means).toEqual(gm.means);
    expect(fit.bic).toBeCloseTo(gm.bic(faithful), 9);
    expect(fit.logLikelihood).toBeCloseTo(gm.score(faithful) * 272, 9);
  });

  it("--plot writes an SVG with the points and the 1- and 2-sigma ellipses", async () => {
    const svgPath = join(dir, "faithful.svg");
    const { code, out } = await run(faithfulCsv, "-k", "2", "--plot", svgPath);
    expect(code).toBe(0);
    expect(out).toContain(`plot written to ${svgPath}`);
    const svg = readFileSync(svgPath, "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    // 2 components x 2 ellipses, as line marks; 272 points; axis titles from the header.
    const ellipses = [...svg.matchAll(/aria-roledescription="line mark" d="M([^"]+)"/g)];
    expect(ellipses).toHaveLength(4);
    expect(svg.match(/ellipse: 1σ/g)).toHaveLength(2);
    expect(svg.match(/ellipse: 2σ/g)).toHaveLength(2);
    expect(svg.match(/aria-roledescription="point"/g)?.length).toBeGreaterThanOrEqual(272);
    expect(svg).toContain("eruptions");
    expect(svg).toContain("waiting");
    // Each outline is a closed path of 97 vertices.
    for (const [, d] of ellipses) expect(d.split("L")).toHaveLength(97);
  });
});

describe("mixture plot helpers", () => {
  it("ellipse outlines lie on the sigma contour of the covariance", () => {
    const cov: [number, number, number] = [0.17, 0.94, 36];
    const det = cov[0] * cov[2] - cov[1] * cov[1];
    for (const sigma of [1, 2]) {
      for (const [x, y] of ellipseOutline([4.3, 80], cov, sigma, 32)) {
        const dx = x - 4.3;
        const dy = y - 80;
        const mahalanobis2 = (cov[2] * dx * dx - 2 * cov[1] * dx * dy + cov[0] * dy * dy) / det;
        expect(mahalanobis2).toBeCloseTo(sigma * sigma, 9);
      }
    }
  });

  it("the spec colours points by most probable component and draws K x 2 outlines", () => {
    const gm = new GaussianMixture({ nComponents: 2, randomState: 0 }).fit(faithful);
    const spec = mixturePlotSpec(faithful, gm, { title: "t" }) as { layer: { data: { values: Record<string, unknown>[] } }[] };
    const [points, outlines, centers] = spec.layer.map((l) => l.data.values);
    expect(points.map((p) => p.component)).toEqual(gm.predict(faithful).map((k) => `component ${k}`));
    expect(new Set(outlines.map((o) => o.ellipse)).size).toBe(4);
    expect(centers.map((c) => [c.x, c.y])).toEqual(gm.means);
  });

  it("panels render EM iterations side by side", async () => {
    const panels: Parameters<typeof plotMixturePanels>[0][number][] = [];
    new GaussianMixture({
      nComponents: 2,
      randomState: 0,
      initParams: "random_from_data",
      maxIter: 3,
      tol: 0,
      onWarning: () => {},
      onIteration: (info) => panels.push({ X: faithful, params: info, options: { title: `iteration ${info.iter}` } }),
    }).fit(faithful);
    const svg = await plotMixturePanels(panels, { columns: 2 });
    expect(svg.startsWith("<svg")).toBe(true);
    for (let i = 0; i <= 3; i++) expect(svg).toContain(`iteration ${i}`);
    expect([...svg.matchAll(/aria-roledescription="line mark"/g)]).toHaveLength(16);
  });
});

describe("adc gmm errors", () => {
  it("names the row and column of a non-numeric cell (exit 1)", async () => {
    const path = csv("bad.csv", "eruptions,waiting\n3.6,79\n1.8,abc\n");
    const { code, out, err } = await run(path);
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err).toContain(`${path} line 3 (data row 2), column 2 ("waiting"): "abc" is not a finite number`);
  });

  it("reports empty cells, ragged rows, empty files, missing files (exit 1)", async () => {
    expect((await run(csv("empty-cell.csv", "a,b\n1,2\n,3\n"))).err).toContain('line 3 (data row 2), column 1 ("a"): an empty cell');
    expect((await run(csv("nan.csv", "a,b\n1,2\nNaN,3\n"))).err).toContain('"NaN" is not a finite number');
    expect((await run(csv("ragged.csv", "a,b\n1,2\n3\n"))).err).toContain("line 3 (data row 2): expected 2 cells (a, b) but found 1");
    expect((await run(csv("empty.csv", ""))).err).toContain("the file is empty");
    expect((await run(csv("header.csv", "a,b\n"))).err).toContain("no data rows");
    const missing = await run(join(dir, "nope.csv"));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("no such file");
  });

  it("fit failures and impossible plots are data errors (exit 1)", async () => {
    const few = await run(csv("few.csv", "a,b\n1,2\n3,4\n"), "-k", "3");
    expect(few.code).toBe(1);
    expect(few.err).toContain("Expected n_samples >= n_components");
    const oneColumn = await run(csv("one.csv", "a\n1\n2\n3\n4\n"), "--plot", join(dir, "x.svg"));
    expect(oneColumn.code).toBe(1);
    expect(oneColumn.err).toContain("--plot needs at least 2 columns");
  });

  it("usage errors exit with 2", async () => {
    for (const argv of [["-k", "0", faithfulCsv], ["--covariance", "banana", faithfulCsv], [], ["--seed", "x", faithfulCsv], ["--bogus", faithfulCsv]]) {
      const { code, err } = await run(...argv);
      expect(code, argv.join(" ")).toBe(2);
      expect(err).toMatch(/error:/);
    }
    const help = await run("--help");
    expect(help.code).toBe(0);
    expect(help.out).toContain("--covariance <type>");
  });
});
