/**
 * The GMM objective written three ways for the bench (bench/gmm-objective.ts with ADBench's helpers,
 * bench/gmm-inline.ts as one function with inline loops and if-maxima, bench/gmm-flat.ts with flat
 * helpers returning numbers): the same value as the bench's, and reverse-mode gradients that agree
 * with the bench's gradient and with central differences on every parameter of a small input.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseGmmInput, type GmmInput } from "../bench/adbench-gmm.js";
import { compileSources } from "./helpers/compile.js";
import { strictTypeErrors } from "./helpers/typecheck.js";
import { random } from "./helpers/reverse-check.js";
import { tape } from "../src/runtime/tape.js";

const root = join(import.meta.dirname, "..");

type Args = [number, number, number, Float64Array, Float64Array, Float64Array, Float64Array, number, number];
type Objective = (...args: Args) => number;
type Grad = (...args: Args) => [number, Float64Array, Float64Array, Float64Array];

const formulations = { "gmm-objective": "gmmObjective", "gmm-inline": "gmmInline", "gmm-flat": "gmmFlat" } as const;
const fns: Record<string, { f: Objective; grad: Grad }> = {};

beforeAll(async () => {
  const files = Object.keys(formulations);
  const c = compileSources(Object.fromEntries(files.map((f) => [`${f}.ts`, readFileSync(join(root, "bench", `${f}.ts`), "utf8")])));
  expect(c.diagnostics).toEqual([]);
  expect(strictTypeErrors(files.map((f) => join(c.dir, "out", `${f}.ts`)))).toEqual([]);
  for (const [file, name] of Object.entries(formulations)) {
    const m = await c.load<Record<string, unknown>>(`${file}.ts`);
    fns[name] = { f: m[name] as Objective, grad: m[`${name}_grad`] as Grad };
  }
  c.cleanup();
});

/** A small input: d = 3, K = 4, n = 6, uniform in [-1, 1], Wishart gamma 1 and m 0 (ADBench's). */
function smallInput(): GmmInput {
  const rnd = random(2024);
  const draw = (len: number): Float64Array => Float64Array.from({ length: len }, () => 2 * rnd() - 1);
  const d = 3;
  const k = 4;
  const n = 6;
  return { d, k, n, alphas: draw(k), means: draw(k * d), icf: draw((k * d * (d + 1)) / 2), x: draw(n * d), wishartGamma: 1, wishartM: 0 };
}

const args = (g: GmmInput, p: readonly Float64Array[] = [g.alphas, g.means, g.icf]): Args => [g.d, g.k, g.n, p[0], p[1], p[2], g.x, g.wishartGamma, g.wishartM];

const inputs: Record<string, () => GmmInput> = {
  "ADBench's test.txt": () => parseGmmInput(readFileSync(join(root, "test", "data", "adbench", "test.txt"), "utf8")),
  "a random d3 K4 input": smallInput,
  "ADBench's 1k d2 K5": () => parseGmmInput(readFileSync(join(root, "test", "data", "adbench", "gmm_d2_K5.txt"), "utf8")),
};

describe("the GMM objective written three ways", () => {
  for (const [label, load] of Object.entries(inputs)) {
    for (const name of ["gmmInline", "gmmFlat"]) {
      it(`${name} on ${label}: the bench's value and gradient, and central differences`, () => {
        const g = load();
        const bench = fns.gmmObjective;
        const { f, grad } = fns[name];
        const value = bench.f(...args(g));
        expect(Math.abs(f(...args(g)) - value) / Math.abs(value)).toBeLessThan(1e-13);
        const [v, ...gradient] = grad(...args(g));
        expect(tape.isEmpty()).toBe(true);
        expect(v).toBe(f(...args(g)));
        const [, ...expected] = bench.grad(...args(g));
        for (let p = 0; p < 3; p++) for (let i = 0; i < expected[p].length; i++) expect(Math.abs(gradient[p][i] - expected[p][i])).toBeLessThan(1e-11 * Math.max(1, Math.abs(expected[p][i])));
        // Central differences on every parameter (h = 1e-6): truncation and rounding well under 1e-6.
        if (g.n * g.k > 100) return;
        const h = 1e-6;
        const params = [g.alphas, g.means, g.icf];
        for (let p = 0; p < 3; p++)
          for (let i = 0; i < params[p].length; i++) {
            const shifted = (s: number): number => {
              const q = params.map((a) => a.slice());
              q[p][i] += s;
              return f(...args(g, q));
            };
            const fd = (shifted(h) - shifted(-h)) / (2 * h);
            expect(Math.abs(gradient[p][i] - fd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
          }
      });
    }
  }
});
