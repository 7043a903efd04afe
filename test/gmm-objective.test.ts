/**
 * ADBench's GMM objective in TypeScript (bench/gmm-objective.ts): its value on ADBench's test input,
 * and its reverse-mode gradient against forward mode (dot-product test, unit directions) and central
 * differences, on test.txt and on 1k inputs.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseGmmInput, type GmmInput } from "../bench/adbench-gmm.js";
import { compileSources } from "./helpers/compile.js";
import { dotProductTest, random, randomLike, type Module, type Value } from "./helpers/reverse-check.js";
import { tape } from "../src/runtime/tape.js";

const root = join(import.meta.dirname, "..");
const input = (name: string): GmmInput => parseGmmInput(readFileSync(join(root, "test", "data", "adbench", name), "utf8"));

type Objective = (d: number, k: number, n: number, alphas: Float64Array, means: Float64Array, icf: Float64Array, x: Float64Array, gamma: number, m: number) => number;
type Grad = (...args: Parameters<Objective>) => [number, Float64Array, Float64Array, Float64Array];
type Dual = (...args: [...Parameters<Objective>, Float64Array, Float64Array, Float64Array]) => [number, number];

let m: Module & { gmmObjective: Objective; gmmObjective_grad: Grad; gmmObjective_dual: Dual; lgamma: (z: number) => number };

beforeAll(async () => {
  const c = compileSources({ "gmm-objective.ts": readFileSync(join(root, "bench", "gmm-objective.ts"), "utf8") });
  expect(c.diagnostics).toEqual([]);
  m = await c.load();
});

const args = (g: GmmInput): Parameters<Objective> => [g.d, g.k, g.n, g.alphas, g.means, g.icf, g.x, g.wishartGamma, g.wishartM];

describe("ADBench GMM objective", () => {
  it("lgamma matches known values", () => {
    expect(m.lgamma(1)).toBeCloseTo(0, 14);
    expect(m.lgamma(2)).toBeCloseTo(0, 14);
    expect(m.lgamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 14);
    expect(m.lgamma(1.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI) / 2), 14);
    // ln(9!) = ln 362880
    expect(Math.abs(m.lgamma(10) - Math.log(362880)) / Math.log(362880)).toBeLessThan(1e-14);
    // Python's math.lgamma
    for (const [z, v] of [[32.5, 79.82118541361436], [3.5, 1.2009736023470738], [100.25, 360.2845596377643]])
      expect(Math.abs(m.lgamma(z) - v) / v).toBeLessThan(1e-14);
  });

  it("is 8.07380408004975791 on ADBench's test.txt", () => {
    const g = input("test.txt");
    const v = m.gmmObjective(...args(g));
    expect(Math.abs(v - 8.07380408004975791)).toBeLessThan(1e-12);
    const [vg] = m.gmmObjective_grad(...args(g));
    expect(vg).toBe(v);
    expect(tape.isEmpty()).toBe(true);
  });

  for (const file of ["test.txt", "gmm_d2_K5.txt", "gmm_d10_K5.txt"]) {
    it(`${file}: gradient agrees with forward mode (dot-product test) and central differences`, () => {
      const g = input(file);
      const a = args(g);
      const rnd = random(file.length);
      // <ẏ, ȳ> = <ẋ, x̄> for random directions, with ẏ from gmmObjective_dual.
      for (let trial = 0; trial < 3; trial++) dotProductTest(m, "gmmObjective", a as unknown as Value[], [3, 4, 5], rnd, 1e-11);

      const [, ga, gm, gi] = m.gmmObjective_grad(...a);
      expect(tape.isEmpty()).toBe(true);
      expect(ga.length).toBe(g.k);
      expect(gm.length).toBe(g.k * g.d);
      expect(gi.length).toBe((g.k * g.d * (g.d + 1)) / 2);
      // Unit directions through forward mode: every alpha, and a sample of means and icf entries.
      const zero = (v: Float64Array): Float64Array => new Float64Array(v.length);
      const dual = (da: Float64Array, dm: Float64Array, di: Float64Array): number => m.gmmObjective_dual(...a, da, dm, di)[1];
      for (let j = 0; j < g.k; j++) {
        const da = zero(g.alphas);
        da[j] = 1;
        expect(Math.abs(dual(da, zero(g.means), zero(g.icf)) - ga[j])).toBeLessThan(1e-10 * Math.max(1, Math.abs(ga[j])));
      }
      for (let j = 0; j < gm.length; j += Math.max(1, Math.floor(gm.length / 7))) {
        const dm = zero(g.means);
        dm[j] = 1;
        expect(Math.abs(dual(zero(g.alphas), dm, zero(g.icf)) - gm[j])).toBeLessThan(1e-10 * Math.max(1, Math.abs(gm[j])));
      }
      for (let j = 0; j < gi.length; j += Math.max(1, Math.floor(gi.length / 9))) {
        const di = zero(g.icf);
        di[j] = 1;
        expect(Math.abs(dual(zero(g.alphas), zero(g.means), di) - gi[j])).toBeLessThan(1e-10 * Math.max(1, Math.abs(gi[j])));
      }
      // Central differences along a random direction of all parameters.
      const [da, dm, di] = [g.alphas, g.means, g.icf].map((v) => randomLike(v, rnd) as Float64Array);
      const h = 1e-6;
      const at = (s: number): number => {
        const shift = (v: Float64Array, dv: Float64Array): Float64Array => v.map((e, i) => e + s * dv[i]);
        return m.gmmObjective(g.d, g.k, g.n, shift(g.alphas, da), shift(g.means, dm), shift(g.icf, di), g.x, g.wishartGamma, g.wishartM);
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      let directional = 0;
      for (const [gv, dv] of [[ga, da], [gm, dm], [gi, di]] as const) for (let i = 0; i < gv.length; i++) directional += gv[i] * dv[i];
      expect(Math.abs(fd - directional) / Math.max(1, Math.abs(directional))).toBeLessThan(1e-6);
    });
  }
});
