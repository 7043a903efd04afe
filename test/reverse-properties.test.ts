/**
 * Property test: on random programs over the supported language (test/generators/programs.ts:
 * branches, loops with break and continue, early returns, arrays read and written, calls, overwritten
 * variables), reverse mode agrees with forward mode by the dot-product test <ẏ, ȳ> = <ẋ, x̄>, f_grad
 * equals f_vjp with ȳ = 1, and every call leaves the tape empty.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileSources } from "./helpers/compile.js";
import { ARRAY_LENGTH, printProgram, programArb } from "./generators/programs.js";
import { tape } from "../src/runtime/tape.js";

type FDual = (x: number, y: number, v: number[], dx: number, dy: number, dv: number[]) => [number, number];
type FVjp = (x: number, y: number, v: number[], ybar: number) => [number, number, number, number[]];
type FGrad = (x: number, y: number, v: number[]) => [number, number, number, number[]];

const SEED = Number(process.env.ADC_PROPERTY_SEED ?? 20261127);
const PROGRAMS = 150;

describe("reverse mode on random programs", () => {
  it(`agrees with forward mode by the dot-product test on ${PROGRAMS} programs (seed ${SEED})`, async () => {
    const programs = fc.sample(programArb, { seed: SEED, numRuns: PROGRAMS });
    const sources: Record<string, string> = {};
    programs.forEach((p, i) => (sources[`p${i}.ts`] = printProgram(p)));
    const compiled = compileSources(sources);
    expect(compiled.diagnostics).toEqual([]);
    const modules = await Promise.all(programs.map((_, i) => compiled.load<{ f_dual: FDual; f_vjp: FVjp; f_grad: FGrad }>(`p${i}.ts`)));
    // Inputs away from the underflow range (|v| ≥ 1e-3 or 0): there, products of two tiny numbers
    // round to zero in a different order in each mode, and the identity holds only up to underflow.
    const input = fc.double({ min: -2, max: 2, noNaN: true }).filter((v) => v === 0 || Math.abs(v) >= 1e-3);
    const points = fc.sample(
      fc.tuple(
        input,
        input,
        fc.array(input, { minLength: ARRAY_LENGTH, maxLength: ARRAY_LENGTH }),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }).filter((v) => Math.abs(v) >= 1e-3), { minLength: ARRAY_LENGTH + 3, maxLength: ARRAY_LENGTH + 3 }),
      ),
      { seed: SEED + 1, numRuns: 4 },
    );
    let checked = 0;
    let nonZero = 0;
    let worst = 0;
    programs.forEach((p, i) => {
      const m = modules[i];
      for (const [x, y, v, dir] of points) {
        const [dx, dy, ybar, ...dv] = dir;
        const [value, tangent] = m.f_dual(x, y, [...v], dx, dy, [...dv]);
        const [value2, xb, yb, vb] = m.f_vjp(x, y, [...v], ybar);
        const forward = tangent * ybar;
        const reverse = dx * xb + dy * yb + dv.reduce((s, d, k) => s + d * vb[k], 0);
        // Relative to the size of the terms summed, so that cancellation does not hide behind a small total.
        const scale = Math.max(1e-300, Math.abs(forward), Math.abs(dx * xb) + Math.abs(dy * yb) + dv.reduce((s, d, k) => s + Math.abs(d * vb[k]), 0));
        // NaN (a rule at the edge of its domain) must come out of both modes alike.
        const bothNaN = Number.isNaN(forward) && Number.isNaN(reverse);
        const error = bothNaN ? 0 : Math.abs(forward - reverse) / scale;
        worst = Math.max(worst, error);
        if (!Object.is(value2, value) || !(error <= 1e-12) || !tape.isEmpty())
          throw new Error(`program ${i} at x=${x}, y=${y}, v=[${v}]:\n${printProgram(p)}\n<ẏ,ȳ> = ${forward}, <ẋ,x̄> = ${reverse} (relative ${error}), values ${value} / ${value2}`);
        const [gv, gx, gy, gvs] = m.f_grad(x, y, [...v]);
        const [, ux, uy, uvs] = m.f_vjp(x, y, [...v], 1);
        expect([gv, gx, gy, gvs]).toEqual([value, ux, uy, uvs]);
        checked++;
        if (tangent !== 0) nonZero++;
      }
    });
    expect(checked).toBe(PROGRAMS * points.length);
    expect(nonZero).toBeGreaterThan(checked / 2);
    expect(worst).toBeLessThan(1e-12);
    compiled.cleanup();
  });
});
