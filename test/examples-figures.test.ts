/**
 * The figures of the examples: each is well-formed SVG holding its series, and the files committed in
 * docs/ are exactly what `npm run figures` draws now (so the README never shows stale results).
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { FIGURES } from "../examples/figures.js";
import { METHODS as DIFFERENCE_METHODS } from "../examples/divided-differences.js";
import { METHODS as FIT_METHODS } from "../examples/em-vs-gradient.js";
import { ariaLabels, parseXml } from "./helpers/xml.js";

const drawn = new Map<string, Promise<string>>(FIGURES.map(([name, draw]) => [name, draw()]));
const committed = (name: string): string => readFileSync(new URL(`../docs/${name}`, import.meta.url), "utf8");
const count = (labels: string[], ...parts: string[]): number => labels.filter((l) => parts.every((p) => l.includes(p))).length;

describe("the XML check itself", () => {
  it("accepts a small SVG and rejects broken ones", () => {
    expect(parseXml('<svg a="1"><g><path d="M0,0"/></g><text>a &amp; b</text></svg>').elements.get("path")).toBe(1);
    expect(() => parseXml("<svg><g></svg>")).toThrow(/closes/);
    expect(() => parseXml("<svg><g>")).toThrow(/unclosed/);
    expect(() => parseXml("<svg>a & b</svg>")).toThrow(/bare '&'/);
    expect(() => parseXml('<svg a="1" a="2"/>')).toThrow(/twice/);
    expect(() => parseXml("<svg/><svg/>")).toThrow(/second root/);
  });
});

describe.each(FIGURES.map(([name]) => name))("docs/%s", (name) => {
  it("is well-formed SVG", async () => {
    const svg = await drawn.get(name)!;
    expect(parseXml(svg).root).toBe("svg");
    expect(parseXml(committed(name)).root).toBe("svg");
  });

  it("is committed as npm run figures draws it", async () => {
    expect(committed(name) === (await drawn.get(name)!), `docs/${name} is stale: run npm run figures`).toBe(true);
  });
});

describe("the figures hold their series", () => {
  it("divided differences: 16 steps x 2 functions for each of the three methods", async () => {
    const labels = ariaLabels(await drawn.get("divided-differences.svg")!);
    for (const method of DIFFERENCE_METHODS) expect(count(labels, "step h:", `method: ${method}`)).toBe(2 * 16 + 2); // points, plus the line mark of each panel
    expect(labels.some((l) => l.includes("'f(x) = x³'"))).toBe(true);
    expect(labels.some((l) => l.includes("'f(x) = sin x'"))).toBe(true);
    expect(count(labels, "Y-axis", "log scale")).toBe(1);
  });

  it("EM step by step: nine panels, titled by iteration, each with its ellipses", async () => {
    const svg = await drawn.get("em-old-faithful.svg")!;
    const labels = ariaLabels(svg);
    for (const t of [1, 2, 3, 4, 5, 6, 20]) expect(count(labels, `Title text 'after iteration ${t}: log L = `)).toBe(1);
    expect(count(labels, "Title text 'start (iteration 0): log L = ")).toBe(1);
    expect(count(labels, "Title text 'k-means (hard assignments)'")).toBe(1);
    // Two components x two ellipses (1 and 2 sigma) per panel, each a line mark.
    expect(svg.match(/aria-roledescription="line mark"/g)).toHaveLength(9 * 4);
    // 272 points per panel plus 2 centres.
    expect((svg.match(/<path aria-hidden="true" transform="translate/g) ?? []).length).toBeGreaterThanOrEqual(9 * 272);
  });

  it("EM versus gradient: a trace per method in both panels", async () => {
    const labels = ariaLabels(await drawn.get("em-vs-gradient.svg")!);
    for (const method of FIT_METHODS) {
      expect(count(labels, "mean log-likelihood:", `method: ${method}`)).toBeGreaterThan(5);
      expect(count(labels, "best log-likelihood − log-likelihood:", `method: ${method}`)).toBe(1);
    }
  });
});
