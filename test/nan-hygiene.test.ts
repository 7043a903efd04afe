/**
 * Where the true derivative is finite, ours is finite: zero tangents through singular partials,
 * constant exponents at x <= 0, and the documented choices at kinks (abs at 0, min/max ties).
 */
import { describe, expect, it } from "vitest";
import { compileAndLoad } from "./helpers/compile.js";

type D2 = (x: number, y: number, dx: number, dy: number) => [number, number];
type D1 = (x: number, dx: number) => [number, number];

describe("NaN and Infinity hygiene in forward mode", () => {
  it("a zero tangent through sqrt, cbrt, asin, acos, acosh at their singular points contributes 0", async () => {
    const m = await compileAndLoad<{ f_dual: D2 }>(`
/** @differentiable */
export function f(x: number, y: number): number {
  return Math.sqrt(x) + Math.cbrt(x) + Math.asin(x - 1) + Math.acos(x - 1) + Math.acosh(x + 1) + 3 * y;
}`);
    expect(m.f_dual(0, 2, 0, 1)).toEqual([Math.asin(-1) + Math.acos(-1) + 6, 3]);
    // Along x the partials really are infinite (+∞ for sqrt, cbrt, asin; -∞ for acos): no finite answer exists.
    expect(Number.isFinite(m.f_dual(0, 2, 1, 0)[1])).toBe(false);
  });

  it("x ** c and Math.pow(x, c) with constant c at x <= 0", async () => {
    const m = await compileAndLoad<{ f_dual: D1; g_dual: (x: number, n: number, dx: number) => [number, number]; h_dual: D1 }>(`
/** @differentiable */
export function f(x: number): number {
  return x ** 2 + Math.pow(x, 3) + x ** 0;
}
/** x ** n with an inactive n that may be 0. */
/** @differentiable wrt=x */
export function g(x: number, n: number): number {
  return x ** n + Math.pow(x, n);
}
/** @differentiable */
export function h(x: number): number {
  return x ** 0.5 + 1;
}`);
    expect(m.f_dual(-2, 1)).toEqual([4 - 8 + 1, -4 + 12]);
    expect(m.f_dual(0, 1)).toEqual([1, 0]);
    expect(m.g_dual(0, 0, 1)).toEqual([2, 0]);
    expect(m.g_dual(-3, 2, 1)).toEqual([18, -12]);
    expect(m.h_dual(0, 0)).toEqual([1, 0]);
  });

  it("a branch not taken does not poison the tangent", async () => {
    const m = await compileAndLoad<{ f_dual: D1 }>(`
/** @differentiable */
export function f(x: number): number {
  const r = x > 0 ? Math.sqrt(x) : 0;
  return r + x;
}`);
    expect(m.f_dual(0, 1)).toEqual([0, 1]);
    expect(m.f_dual(-1, 1)).toEqual([-1, 1]);
  });

  it("abs at 0 has derivative 0; min and max ties go to the first argument", async () => {
    const m = await compileAndLoad<{ a_dual: D1; mn_dual: D2; mx_dual: D2 }>(`
/** @differentiable */
export function a(x: number): number { return Math.abs(x); }
/** @differentiable */
export function mn(x: number, y: number): number { return Math.min(x, y); }
/** @differentiable */
export function mx(x: number, y: number): number { return Math.max(x, y, x); }`);
    expect(m.a_dual(0, 1)).toEqual([0, 0]);
    expect(m.a_dual(-2, 1)).toEqual([2, -1]);
    expect(m.mn_dual(1, 1, 1, 0)[1]).toBe(1);
    expect(m.mn_dual(1, 1, 0, 1)[1]).toBe(0);
    expect(m.mx_dual(1, 1, 0, 1)[1]).toBe(0);
    expect(m.mx_dual(1, 1, 1, 0)[1]).toBe(1);
    expect(m.mx_dual(1, 2, 0, 1)).toEqual([2, 1]);
  });

  it("hypot and atan2 at the origin give 0, not NaN", async () => {
    const m = await compileAndLoad<{ f_dual: D2 }>(`
/** @differentiable */
export function f(x: number, y: number): number { return Math.hypot(x, y) + Math.atan2(y, x); }`);
    expect(m.f_dual(0, 0, 1, 1)).toEqual([0, 0]);
  });
});

describe("NaN and Infinity hygiene in reverse mode", () => {
  it("a zero adjoint times an infinite partial contributes 0 (Clad's acos(-C/A) case)", async () => {
    const m = await compileAndLoad<{ f_grad: (a: number, c: number) => [number, number, number]; g_grad: (x: number, y: number) => [number, number, number] }>(`
/** acos(-c/a) is taken at -1 exactly, where its partial is infinite, but only multiplied by 0. */
/** @differentiable */
export function f(a: number, c: number): number {
  const angle = Math.acos(-c / a);
  return a * c + 0 * angle;
}
/** sqrt at 0 on a path that does not reach the result. */
/** @differentiable */
export function g(x: number, y: number): number {
  const unused = Math.sqrt(x) + Math.cbrt(x) + Math.asin(x - 1);
  return 3 * y + x * 0 * unused;
}`);
    expect(m.f_grad(2, 2)).toEqual([4, 2, 2]);
    expect(m.g_grad(0, 5)).toEqual([15, 0, 3]);
  });
});
