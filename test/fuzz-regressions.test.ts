/**
 * Regressions the differential fuzzer (test/fuzz.test.ts) found in forward mode and the frontend,
 * each reduced to its smallest program and checked against hand-derived derivatives.
 */
import { describe, expect, it } from "vitest";
import { compileSources } from "./helpers/compile.js";

type Fn = (...args: never[]) => unknown;

async function load(source: string): Promise<Record<string, Fn>> {
  const c = compileSources({ "input.ts": source });
  expect(c.diagnostics).toEqual([]);
  try {
    return await c.load<Record<string, Fn>>();
  } finally {
    c.cleanup();
  }
}

describe("fuzzer findings, forward mode and frontend", () => {
  it("a number parameter outside wrt that is assigned an active value starts with a zero tangent (was: `da` undeclared)", async () => {
    const m = await load(`
/** @differentiable wrt=b */
export function h(a: number, b: number): number {
  let r = 0.5 * a;
  a = a * b;
  return r + a;
}
`);
    // h = a/2 + a b: ∂h/∂b = a.
    const dual = m.h_dual as unknown as (a: number, b: number, db: number) => [number, number];
    expect(dual(3, 2, 1)).toEqual([7.5, 3]);
    expect((m.h_grad as unknown as (a: number, b: number) => [number, number])(3, 2)).toEqual([7.5, 3]);
  });

  it("a sum with a ternary over an element of new Array(n).fill(0) is numeric (was: ADC2008 string concatenation)", async () => {
    const m = await load(`
/** @differentiable */
export function f(x: number): number {
  const z = new Array(2).fill(0);
  z[0] = x * x;
  return (x > 0 ? z[0] : z[1]) + x;
}
`);
    const dual = m.f_dual as unknown as (x: number, dx: number) => [number, number];
    expect(dual(3, 1)).toEqual([12, 7]);
    expect(dual(-3, 1)).toEqual([-3, 1]);
  });

  it("an inactive call that only reads an active array is allowed in a condition (was: ADC2014)", async () => {
    const m = await load(`
function count(u: number[], c: number): number {
  let n = 0;
  for (const e of u) n += c;
  return n;
}
/** @differentiable */
export function f(x: number, v: number[]): number {
  return count(v, 1) > 2 ? x * v[0] : x;
}
`);
    const dual = m.f_dual as unknown as (x: number, v: number[], dx: number, dv: number[]) => [number, number];
    expect(dual(2, [5, 1, 1], 1, [0, 0, 0])).toEqual([10, 5]);
    expect(dual(2, [5, 1, 1], 0, [1, 0, 0])).toEqual([10, 2]);
    expect(dual(2, [5, 1], 1, [1, 0])).toEqual([2, 1]);
  });
});
