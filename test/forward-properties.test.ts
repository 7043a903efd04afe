/**
 * Property test: for random programs over the supported language (branches, loops with break and
 * continue, early returns, arrays read and written, calls, overwritten variables), `f_dual` equals a
 * dual-number evaluation of the same program by an independent interpreter, to 1e-10 relative.
 * Programs are compiled in batches (one module per batch) to keep the suite fast.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileSources } from "./helpers/compile.js";
import { ARRAY_LENGTH, evalDual, printProgram, programArb, type GProgram } from "./generators/programs.js";

type FDual = (x: number, y: number, v: number[], dx: number, dy: number, dv: number[]) => [number, number];

const SEED = 20261126;
const PROGRAMS = 150;

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-10 * Math.max(1, Math.abs(a), Math.abs(b));

describe("forward mode on random programs", () => {
  it(`matches a dual-number interpreter on ${PROGRAMS} programs (seed ${SEED})`, async () => {
    const programs = fc.sample(programArb, { seed: SEED, numRuns: PROGRAMS });
    // One file per program; one compilation for all of them.
    const sources: Record<string, string> = {};
    programs.forEach((p, i) => (sources[`p${i}.ts`] = printProgram(p)));
    const compiled = compileSources(sources);
    expect(compiled.diagnostics).toEqual([]);
    const modules = await Promise.all(programs.map((_, i) => compiled.load<{ f_dual: FDual }>(`p${i}.ts`)));
    const points = fc.sample(
      fc.tuple(
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: ARRAY_LENGTH, maxLength: ARRAY_LENGTH }),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: ARRAY_LENGTH + 2, maxLength: ARRAY_LENGTH + 2 }),
      ),
      { seed: SEED + 1, numRuns: 4 },
    );
    let checked = 0;
    let nonZero = 0;
    programs.forEach((p: GProgram, i) => {
      for (const [x, y, v, dir] of points) {
        const [dx, dy, ...dv] = dir;
        const expected = evalDual(p, { v: x, d: dx }, { v: y, d: dy }, v.map((vi, k) => ({ v: vi, d: dv[k] })));
        const [value, tangent] = modules[i].f_dual(x, y, [...v], dx, dy, [...dv]);
        if (!close(value, expected.v) || !close(tangent, expected.d))
          throw new Error(`program ${i} at x=${x}, y=${y}, v=[${v}], direction [${dir}]:\n${printProgram(p)}\ngot [${value}, ${tangent}], expected [${expected.v}, ${expected.d}]`);
        checked++;
        if (tangent !== 0) nonZero++;
      }
    });
    expect(checked).toBe(PROGRAMS * points.length);
    // The check means something only if most programs do depend on their inputs.
    expect(nonZero).toBeGreaterThan(checked / 2);
    compiled.cleanup();
  });
});
