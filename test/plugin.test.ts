/**
 * The ts-patch plugin, in process on our TypeScript: the same code as `adc transform` for every
 * fixture, diagnostics through addDiagnostic at the core's positions, call sites compiled to direct
 * references that compute the right numbers, and source maps into the original function.
 */
import { readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileFixture } from "../test-support/fixtures.js";
import { buildWithPlugin, emitPlain, emitWithPlugin } from "./helpers/plugin.js";
import { decodeSourceMap } from "./helpers/sourcemap.js";
import { compileSources, relErr } from "./helpers/compile.js";

const fixturesRoot = join(import.meta.dirname, "..", "fixtures");
const fixtures = readdirSync(fixturesRoot).filter((d) => existsSync(join(fixturesRoot, d, "input.ts"))).sort();
// Comments are the one thing allowed to differ: the plugin's nodes are synthesized and carry none.
const noComments = { removeComments: true };

describe("plugin: the same code as adc transform", () => {
  for (const name of fixtures) {
    it(`${name}: tsc(plugin(input.ts)) === tsc(adc transform output)`, () => {
      const input = join(fixturesRoot, name, "input.ts");
      const cli = compileFixture(input);
      expect(cli.diagnostics).toEqual([]);
      const plugin = emitWithPlugin(input, noComments);
      expect(plugin.diagnostics).toEqual([]);
      expect(plugin.js).toBe(emitPlain(cli.text, noComments));
      expect(plugin.js).toContain("registerDerivatives(");
    });
  }
});

const LECTURE = `/** @differentiable */
export function f(x1: number, x2: number): number {
  const w3 = x1 * x2;
  const w4 = Math.sin(x1);
  return w3 + w4;
}
`;

describe("plugin: diagnostics", () => {
  it("reports each ADC diagnostic through addDiagnostic at the core's file:line:col, with the ADC code", () => {
    const bad = `/** @differentiable */
export function f(x: number): number {
  let y = 0;
  try {
    y = x * x;
  } catch {
    y = 0;
  }
  return y;
}
`;
    const core = compileSources({ "bad.ts": bad });
    expect(core.diagnostics.length).toBeGreaterThan(0);
    const build = buildWithPlugin({ "bad.ts": bad });
    const expected = core.diagnostics.map((d) => `src/bad.ts(${d.pos!.line},${d.pos!.col}): error TS9${d.code.slice(3)}: ${d.code}: ${d.message}`);
    expect(build.diagnostics).toEqual(expected);
    expect(build.diagnostics[0]).toMatch(/^src\/bad\.ts\(4,3\): error TS92004: ADC2004: /);
    // Nothing is generated for a program with errors.
    expect(build.outputs["bad.js"]).not.toContain("f_dual");
  });

  it("adds nothing to a program without @differentiable", () => {
    const build = buildWithPlugin({ "plain.ts": "export const two = 1 + 1;\n" });
    expect(build.diagnostics).toEqual([]);
    expect(build.outputs["plain.js"]).toBe('export const two = 1 + 1;\n//# sourceMappingURL=plain.js.map');
  });
});

describe("plugin: call sites", () => {
  const sources = {
    "f.ts": LECTURE,
    "main.ts": `import { jvp, valueAndGrad, grad } from "adc-ts";
import * as lecture from "./f.js";
import { f } from "./f.js";

export const tangentX = (x1: number, x2: number): number => jvp(f)(x1, x2, 1, 0)[1];
export const tangentY = (x1: number, x2: number): number => jvp(lecture.f)(x1, x2, 0, 1)[1];
export const gradient = (x1: number, x2: number) => grad(f)(x1, x2);
export const both = (x1: number, x2: number) => valueAndGrad(f)(x1, x2);
`,
  };

  it("compiles grad(f), jvp(f), jvp(ns.f) to direct references, valueAndGrad(f) to valueAndGrad(f, f_grad)", () => {
    const build = buildWithPlugin(sources);
    expect(build.diagnostics).toEqual([]);
    const main = build.outputs["main.js"];
    expect(main).toContain('import { f_dual, f_grad } from "./f.js";');
    expect(main).toContain("f_dual(x1, x2, 1, 0)[1]");
    expect(main).toContain("lecture.f_dual(x1, x2, 0, 1)[1]");
    expect(main).not.toMatch(/\bjvp\(/);
    expect(main).toContain("f_grad(x1, x2)");
    expect(main).toContain("valueAndGrad(f, f_grad)");
  });

  it("the built program computes the lecture's derivatives", async () => {
    const build = buildWithPlugin(sources);
    // Imported from the temp folder through vitest, which maps "adc-ts" and "adc-ts/runtime" to our source.
    const mod = (await import(/* @vite-ignore */ join(build.dir, "out", "main.js"))) as Record<string, (a: number, b: number) => unknown>;
    for (const [x1, x2] of [[0.5, 2], [-1.3, 0.7], [3, -4]]) {
      expect(relErr(mod.tangentX(x1, x2) as number, x2 + Math.cos(x1))).toBeLessThan(1e-12);
      expect(relErr(mod.tangentY(x1, x2) as number, x1)).toBeLessThan(1e-12);
      const [value, g1, g2] = mod.gradient(x1, x2) as number[];
      expect(relErr(value, x1 * x2 + Math.sin(x1))).toBeLessThan(1e-12);
      expect(relErr(g1, x2 + Math.cos(x1))).toBeLessThan(1e-12);
      expect(relErr(g2, x1)).toBeLessThan(1e-12);
      const [v, [h1, h2]] = mod.both(x1, x2) as [number, number[]];
      expect([v, h1, h2]).toEqual([value, g1, g2]);
    }
  });
});

describe("plugin: source maps", () => {
  it("maps every line of a generated function into the original function", () => {
    const build = buildWithPlugin({ "f.ts": `// header\n\n${LECTURE}\nexport const after = 1;\n` });
    const js = build.outputs["f.js"].split("\n");
    const start = js.findIndex((l) => l.startsWith("export function f_dual("));
    const end = js.findIndex((l, i) => i > start && l === "}");
    expect(start).toBeGreaterThan(0);
    const mappings = decodeSourceMap(build.outputs["f.js.map"]).filter((m) => m.generatedLine >= start && m.generatedLine <= end);
    expect(mappings.length).toBeGreaterThan(0);
    // f spans lines 3..8 of f.ts (0-based 2..7).
    for (const m of mappings) {
      expect(m.source).toBe("../src/f.ts");
      expect(m.originalLine).toBeGreaterThanOrEqual(2);
      expect(m.originalLine).toBeLessThanOrEqual(7);
    }
    expect(mappings.some((m) => m.generatedLine === start)).toBe(true);
  });
});

