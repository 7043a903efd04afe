/**
 * Regressions the differential fuzzer (test/fuzz.test.ts) found in forward mode and the frontend,
 * each reduced to its smallest program and checked against hand-derived derivatives.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { compileSources } from "./helpers/compile.js";
import { strictTypeErrors } from "./helpers/typecheck.js";
import { tape } from "../src/runtime/tape.js";

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

describe("fuzzer findings, reverse mode (silent wrong gradients before the fix)", () => {
  it("finding 6: an array replaced by a call's shorter result sizes its adjoint from the array it replaced", async () => {
    const m = await load(`
function mkn(a: number, b: number, m: number): number[] {
  const out = new Array<number>(m).fill(0);
  for (let j = 0; j < m; j++) out[j] = a * j;
  return out;
}
/** @differentiable */
export function f(x: number, v: number[]): number {
  let u1: number[] = [v[0], v[1], v[1]];
  u1 = mkn(x, 0, 2);
  return x * u1[1];
}
`);
    // f = x · x: f' = 2x; v does not matter.
    expect((m.f_grad as unknown as (x: number, v: number[]) => unknown)(1, [2, 3])).toEqual([1, 2, [0, 0]]);
  });

  it("finding 7: an element overwritten by a call that reads it (as a number, and through the array)", async () => {
    const m = await load(`
function g(u: number[], d: number): number {
  let acc = 0;
  for (const e of u) acc += d * e;
  return acc;
}
function h(u: number[], c: number): number {
  let acc = c;
  for (const e of u) acc += e * e;
  return acc;
}
/** @differentiable */
export function f(x: number, y: number, v: number[]): number {
  const q = [y, 0.5];
  q[0] = g(v, x * q[0]);
  return q[0];
}
/** @differentiable */
export function k(v: number[]): number {
  v[0] = h(v, 0);
  return v[0];
}
`);
    // f = x y v0: [x y v0, y v0, x v0, [x y]]; k = v0² + v1²: [.., [2 v0, 2 v1]].
    expect((m.f_grad as unknown as (x: number, y: number, v: number[]) => unknown)(2, -2, [1])).toEqual([-4, -2, 2, [-4]]);
    expect((m.k_grad as unknown as (v: number[]) => unknown)([1, 2])).toEqual([5, [2, 4]]);
  });

  it("finding 15: an element restored in a while loop uses the index as it was then", async () => {
    const m = await load(`
function g(u: number[], c: number): number {
  let acc = 0;
  for (const e of u) acc += e * Math.sin(c);
  return acc;
}
/** @differentiable */
export function f(y: number, v: number[]): number {
  const q = [y, 0.5];
  const x = g(v, q[0]);
  let i = 0;
  while (i < 2) {
    q[i] += 1;
    i++;
  }
  return x;
}
`);
    // f = v0 sin y: [v0 sin y, v0 cos y, [sin y]].
    const [value, gy, gv] = (m.f_grad as unknown as (y: number, v: number[]) => [number, number, number[]])(2, [1]);
    expect(value).toBe(Math.sin(2));
    expect(gy).toBe(Math.cos(2));
    expect(gv).toEqual([Math.sin(2)]);
  });
});

describe("fuzzer findings, array ternaries", () => {
  it("`const u = c ? [y] : [y, x]` outside loops: each branch's array, and its own length", async () => {
    const m = await load(`
/** @differentiable */
export function f(x: number, y: number): number {
  const u = x > 0 ? [y] : [y, x];
  return x + u[0] * u[u.length - 1];
}
`);
    const grad = m.f_grad as unknown as (x: number, y: number) => number[];
    // x > 0: f = x + y², so [1, 2y]; otherwise f = x + x y, so [1 + y, x].
    expect(grad(1, 2)).toEqual([5, 1, 4]);
    expect(grad(-1, 2)).toEqual([-3, 3, -1]);
  });
});

describe("block-scoped names in reverse mode (finding 13, and shadowing)", () => {
  const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));

  it("an alias in one block and an allocation in another under the same name: every reverse mode (was: ADC2016)", async () => {
    const m = await load(`
/** @differentiable hessian */
export function f(x: number, v: number[]): number {
  let s = 0;
  {
    const u1 = v;
    s += u1[0] * x;
  }
  {
    const u1 = [x, x * v[1]];
    s += u1[0] * u1[1];
  }
  return s;
}
`);
    // f = v0 x + x² v1: ∇ = [v0 + 2 x v1, x, x²]; H over (x, v0, v1) = [[2 v1, 1, 2x], [1, 0, 0], [2x, 0, 0]].
    const [x, v] = [1.5, [0.7, -0.4]];
    const expected = [v[0] + 2 * x * v[1], x, x * x];
    const grad = (m.f_grad as unknown as (x: number, v: number[]) => [number, number, number[]])(x, [...v]);
    expect(grad[0]).toBeCloseTo(v[0] * x + x * x * v[1], 14);
    expect([grad[1], ...grad[2]].every((g, k) => close(g, expected[k]))).toBe(true);
    const vjp = (m.f_vjp as unknown as (x: number, v: number[], ybar: number) => [number, number, number[]])(x, [...v], 3);
    expect([vjp[1], ...vjp[2]].every((g, k) => close(g, 3 * expected[k]))).toBe(true);
    const [, J] = (m.f_jacobian as unknown as (x: number, v: number[]) => [number, number[][]])(x, [...v]);
    expect(J[0].every((g, k) => close(g, expected[k]))).toBe(true);
    const [, , H] = (m.f_hessian as unknown as (x: number, v: number[]) => [number, number[], number[][]])(x, [...v]);
    const hand = [
      [2 * v[1], 1, 2 * x],
      [1, 0, 0],
      [2 * x, 0, 0],
    ];
    expect(H.every((row, i) => row.every((h, j) => close(h, hand[i][j])))).toBe(true);
    // Forward mode agrees along x.
    expect((m.f_dual as unknown as (x: number, v: number[], dx: number, dv: number[]) => [number, number])(x, [...v], 1, [0, 0])[1]).toBeCloseTo(expected[0], 14);
  });

  it("two sibling aliases of different arrays under one name, one written through", async () => {
    const m = await load(`
/** @differentiable */
export function g(v: number[], w: number[]): number {
  let s = 0;
  {
    const u = v;
    u[0] = u[0] * w[1];
    s += u[0];
  }
  {
    const u = w;
    s += u[0] * v[0];
  }
  return s;
}
`);
    // v0 becomes v0 w1, so g = v0 w1 + w0 v0 w1: ∂v0 = w1 (1 + w0), ∂w0 = v0 w1, ∂w1 = v0 (1 + w0).
    const [v, w] = [[0.5, 2], [-3, 1.25]];
    const [value, gv, gw] = (m.g_grad as unknown as (v: number[], w: number[]) => [number, number[], number[]])([...v], [...w]);
    expect(value).toBeCloseTo(v[0] * w[1] * (1 + w[0]), 14);
    expect(gv).toEqual([w[1] * (1 + w[0]), 0]);
    expect(gw).toEqual([v[0] * w[1], v[0] * (1 + w[0])]);
  });

  it("a number[] and a Float64Array under one name in sibling blocks: or shadowing it: each keeps its kind in every mode (fuzz seeds 1301, 1302, 2404)", async () => {
    const c = compileSources({
      "input.ts": `
/** @differentiable hessian */
export function f(x: number, v: number[]): number {
  let s = 0;
  {
    const u1 = v;
    s += u1[0] * x;
  }
  {
    const u1 = new Float64Array(2);
    u1[1] = x * x;
    s += u1[1] * v[1];
  }
  return s;
}
/** @differentiable */
export function g(x: number, v: number[]): number {
  let s = 0;
  {
    const u1 = v;
    s += u1[0] * x;
    {
      let u1: Float64Array = new Float64Array(1);
      u1[0] = x * x;
      s += u1[0];
    }
  }
  return s;
}
/** @differentiable */
export function k(x: number, v: number[]): number {
  let s = 0;
  {
    const u1: number[] = v;
    s += u1[0] * x;
  }
  {
    let u1: Float64Array = new Float64Array(2);
    u1[0] = x * x;
    if (x > 0) u1 = new Float64Array(1);
    s += u1[0];
  }
  return s;
}
`,
    });
    try {
      expect(c.diagnostics).toEqual([]);
      expect(c.outputs["input.ts"]).toContain("let u1_2: Float64Array = new Float64Array(0);");
      expect(strictTypeErrors([join(c.dir, "out", "input.ts")])).toEqual([]);
      const m = await c.load();
      // f = v0 x + x² v1: ∇ = [v0 + 2 x v1, x, x²]; ∂²f/∂x² = 2 v1, ∂²f/∂x∂v0 = 1, ∂²f/∂x∂v1 = 2x.
      const [x, v] = [-1.25, [0.5, 3]];
      const [value, gx, gv] = (m.f_grad as unknown as (x: number, v: number[]) => [number, number, number[]])(x, [...v]);
      expect(value).toBeCloseTo(v[0] * x + x * x * v[1], 14);
      expect([gx, ...gv]).toEqual([v[0] + 2 * x * v[1], x, x * x]);
      // g = v0 x + x² (fuzz seed 1302: the shadowing Float64Array got a number[] tangent in f_dual).
      expect((m.g_grad as unknown as (x: number, v: number[]) => [number, number, number[]])(x, [...v])).toEqual([v[0] * x + x * x, v[0] + 2 * x, [x, 0]]);
      expect((m.g_dual as unknown as (x: number, v: number[], dx: number, dv: number[]) => [number, number])(x, [...v], 1, [0, 0])).toEqual([v[0] * x + x * x, v[0] + 2 * x]);
      // k = v0 x + (x > 0 ? 0 : x²) (fuzz seed 2404: the re-allocation got a number[] zero tangent in f_dual).
      const kDual = m.k_dual as unknown as (x: number, v: number[], dx: number, dv: number[]) => [number, number];
      expect(kDual(x, [...v], 1, [0, 0])).toEqual([v[0] * x + x * x, v[0] + 2 * x]);
      expect(kDual(-x, [...v], 1, [0, 0])).toEqual([-v[0] * x, v[0]]);
      expect((m.k_grad as unknown as (x: number, v: number[]) => unknown)(-x, [...v])).toEqual([-v[0] * x, v[0], [-x, 0]]);
      const [, , H] = (m.f_hessian as unknown as (x: number, v: number[]) => [number, number[], number[][]])(x, [...v]);
      expect(H).toEqual([
        [2 * v[1], 1, 2 * x],
        [1, 0, 0],
        [2 * x, 0, 0],
      ]);
    } finally {
      c.cleanup();
    }
  });

  it("a number and an array that shadow a variable still in scope keep their own values (was: silently wrong)", async () => {
    const m = await load(`
/** @differentiable */
export function f(x: number): number {
  const a = x * 2;
  let s = 0;
  for (let i = 0; i < 2; i++) {
    const a = x * x;
    s += a;
  }
  return s * a;
}
/** @differentiable */
export function h(x: number): number {
  const a = [x, 2 * x];
  let s = 0;
  for (let i = 0; i < 2; i++) {
    const a = [x * x];
    s += a[0];
  }
  return s * a[1];
}
`);
    // Both are 2x² · 2x = 4x³: the value 4x³ and the derivative 12x² (before: f_grad returned s · x² = 2x⁴).
    for (const name of ["f", "h"]) {
      const grad = m[`${name}_grad`] as unknown as (x: number) => [number, number];
      expect(grad(1.5)).toEqual([13.5, 27]);
      expect(grad(-0.5)).toEqual([-0.5, 3]);
    }
  });
});

describe("finding 21: an array re-allocated from a value that reads it, and an array declared from a call", () => {
  it("the zero tangent of `u = grow(u[0], 2)` has the new array's length in f_dual and f_hessian (was: the old one's, NaN)", async () => {
    const m = await load(`
function grow(a: number, m: number): Float64Array {
  const out = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    out[j] = 1;
  }
  return out;
}
/** @differentiable hessian */
export function f(x: number, y: number): number {
  {
    let u: Float64Array = grow(0, 1);
    u[0] = x;
    u = grow(u[0], 2);
    u[1] *= x * y;
    return u[1] * x;
  }
}
/** @differentiable hessian */
export function g(x: number, y: number): number {
  let u = new Float64Array(1);
  u[0] = x;
  u = new Float64Array(u.length + 1);
  u[1] = x * y;
  return u[1] * x + u.length;
}
`);
    // f = 1 · x y · x = x² y and g = x² y + 2 (grow's result is all ones whatever its first argument):
    // ∇ = [2 x y, x²], H = [[2 y, 2 x], [2 x, 0]]. At (1.5, -2): ∇ = [-6, 2.25], H = [[-4, 3], [3, 0]].
    const [x, y] = [1.5, -2];
    for (const [name, value] of [["f", -4.5], ["g", -2.5]] as const) {
      const dual = m[`${name}_dual`] as unknown as (x: number, y: number, dx: number, dy: number) => [number, number];
      expect(dual(x, y, 1, 0)).toEqual([value, -6]);
      expect(dual(x, y, 0, 1)).toEqual([value, 2.25]);
      expect((m[`${name}_grad`] as unknown as (x: number, y: number) => unknown)(x, y)).toEqual([value, -6, 2.25]);
      expect((m[`${name}_hessian`] as unknown as (x: number, y: number) => unknown)(x, y)).toEqual([
        value,
        [-6, 2.25],
        [
          [-4, 3],
          [3, 0],
        ],
      ]);
    }
  });

  it("an array declared from a call outside loops is not saved before its declaration (was: ReferenceError in every reverse mode)", async () => {
    const m = await load(`
function mkf(m: number): Float64Array {
  const out = new Float64Array(m);
  return out;
}
/** @differentiable hessian */
export function h(x: number): number {
  const u = mkf(2);
  u[1] = x * x;
  return u[1] * x;
}
`);
    // h = x³: h' = 3x², h'' = 6x; at 1.5: 3.375, 6.75, 9.
    expect((m.h_grad as unknown as (x: number) => unknown)(1.5)).toEqual([3.375, 6.75]);
    expect((m.h_vjp as unknown as (x: number, ybar: number) => unknown)(1.5, -2)).toEqual([3.375, -13.5]);
    expect((m.h_jacobian as unknown as (x: number) => unknown)(1.5)).toEqual([3.375, [[6.75]]]);
    expect((m.h_hessian as unknown as (x: number) => unknown)(1.5)).toEqual([3.375, [6.75], [[9]]]);
  });
});

describe("finding 22: another name for a block array allocated once per call", () => {
  it("a ternary alias of a block array allocated by one declaration or by a ternary of literals: every mode (was: ADC2016)", async () => {
    const m = await load(`
/** @differentiable hessian */
export function f(x: number, y: number): number {
  let s = x;
  const z = [y, x];
  {
    const u1 = y > 0 ? [x * y, 2 * x] : [x, 2 * x, y];
    {
      const u2: number[] = x > 0 ? u1 : z;
      u2[1] *= y;
      s += u2[0] * u2[1] + u1[1];
    }
  }
  return s * x;
}
/** @differentiable hessian */
export function g(x: number, y: number): number {
  let s = x;
  const z = [y, x];
  {
    const u1 = new Array<number>(2).fill(0);
    u1[0] = x;
    u1[1] = x;
    {
      const u2: number[] = x > 0 ? u1 : z;
      u2[1] *= y;
      s += u2[0] * u2[1];
    }
  }
  return s * x;
}
`);
    // f: x > 0, y > 0: u2 is u1 = [x y, 2 x], u2[1] = 2 x y, f = x (x + 2 x² y² + 2 x y) = x² + 2 x³ y² + 2 x² y;
    // x < 0, y > 0: u2 is z = [y, x], z[1] = x y, f = x (x + x y² + 2 x) = 3 x² + x² y²;
    // x > 0, y < 0: u2 is u1 = [x, 2 x, y], u2[1] = 2 x y, f = x (x + 2 x² y + 2 x y) = x² + 2 x³ y + 2 x² y.
    // g: x > 0: u2 is u1 = [x, x], f = x (x + x² y) = x² + x³ y; x < 0: u2 is z, f = x (x + x y²) = x² + x² y².
    const cases: [string, number, number, number, [number, number], [[number, number], [number, number]]][] = [
      ["f", 1.5, 2, 38.25, [69, 31.5], [[82, 60], [60, 13.5]]],
      ["f", -1, 2, 7, [-14, 4], [[14, -8], [-8, 2]]],
      ["f", 1.5, -2, -20.25, [-36, 11.25], [[-42, 19.5], [19.5, 0]]],
      ["g", 1.5, 2, 9, [16.5, 3.375], [[20, 6.75], [6.75, 0]]],
      ["g", -1, 2, 5, [-10, 4], [[10, -8], [-8, 2]]],
    ];
    for (const [name, x, y, value, gradient, hessian] of cases) {
      const dual = m[`${name}_dual`] as unknown as (x: number, y: number, dx: number, dy: number) => [number, number];
      expect(dual(x, y, 1, 0)).toEqual([value, gradient[0]]);
      expect(dual(x, y, 0, 1)).toEqual([value, gradient[1]]);
      expect((m[`${name}_grad`] as unknown as (x: number, y: number) => unknown)(x, y)).toEqual([value, ...gradient]);
      expect((m[`${name}_hessian`] as unknown as (x: number, y: number) => unknown)(x, y)).toEqual([value, gradient, hessian]);
    }
  });
});

describe("finding 24: a call's argument reading an element of an array the call writes", () => {
  it("the reverse sweep passes g_bwd the argument as it was before the call (was: re-evaluated after it, silently wrong)", async () => {
    const m = await load(`
function k(out: number[], c: number): number {
  for (let j = 0; j < out.length; j++) out[j] = Math.sin(c);
  return out[0] + out[1];
}
/** @differentiable hessian */
export function f(x: number, y: number): number {
  const q = [y, x];
  const t = k(q, q[0] * x);
  return t * x;
}
/** @differentiable hessian */
export function g(x: number, y: number): number {
  const q = [y, x];
  const p = q;
  const t = k(q, p[0] * x);
  return t * x;
}
`);
    // k's result is 2 sin(c) with c = y x read before k overwrites q: f = 2 x sin(x y) (g too, reading through another name);
    // ∇ = [2 sin + 2 x y cos, 2 x² cos], H = [[4 y cos - 2 x y² sin, 4 x cos - 2 x² y sin], [.., -2 x³ sin]].
    const [x, y] = [0.5, 2];
    const [sin, cos] = [Math.sin(x * y), Math.cos(x * y)];
    const value = 2 * x * sin;
    const gradient = [2 * sin + 2 * x * y * cos, 2 * x * x * cos];
    const hessian = [
      [4 * y * cos - 2 * x * y * y * sin, 4 * x * cos - 2 * x * x * y * sin],
      [4 * x * cos - 2 * x * x * y * sin, -2 * x * x * x * sin],
    ];
    for (const name of ["f", "g"]) {
      const dual = m[`${name}_dual`] as unknown as (x: number, y: number, dx: number, dy: number) => [number, number];
      const [v, dx] = dual(x, y, 1, 0);
      expect(v).toBe(value);
      expect(dx).toBeCloseTo(gradient[0], 14);
      const [v2, gx, gy] = (m[`${name}_grad`] as unknown as (x: number, y: number) => [number, number, number])(x, y);
      expect(v2).toBe(value);
      expect(gx).toBeCloseTo(gradient[0], 14);
      expect(gy).toBeCloseTo(gradient[1], 14);
      const [v3, g3, h3] = (m[`${name}_hessian`] as unknown as (x: number, y: number) => [number, number[], number[][]])(x, y);
      expect(v3).toBe(value);
      g3.forEach((d, i) => expect(d).toBeCloseTo(gradient[i], 14));
      h3.forEach((row, i) => row.forEach((d, j) => expect(d).toBeCloseTo(hessian[i][j], 13)));
    }
  });
});

describe("finding 23: for...of over an array the body writes and re-allocates", () => {
  it("iterates the first array; its adjoint follows it through the re-allocation (was: ADC2016, then f_grad 0)", async () => {
    const m = await load(`
/** @differentiable hessian */
export function f(x: number): number {
  let u: number[] = [x, 2 * x];
  let s = 0;
  for (const e of u) {
    u[1] *= x;
    s += e;
    u = [x, x];
  }
  return s;
}
`);
    // The loop reads the first array: e = x, then that array's u[1] after u[1] *= x, i.e. 2x · x.
    // f = x + 2x², f' = 1 + 4x, f'' = 4.
    for (const x of [0.5, 1.5, -2]) {
      const value = x + 2 * x * x;
      expect((m.f_grad as unknown as (x: number) => unknown)(x)).toEqual([value, 1 + 4 * x]);
      expect((m.f_dual as unknown as (x: number, dx: number) => unknown)(x, 1)).toEqual([value, 1 + 4 * x]);
      expect((m.f_hessian as unknown as (x: number) => unknown)(x)).toEqual([value, [1 + 4 * x], [[4]]]);
    }
  });
});

describe("finding 25: a loop bound reading an array the body writes through another name", () => {
  it("the trip count is recorded when a caller passes one array for both parameters (was: tape unbalanced)", async () => {
    const m = await load(`
function k(out: number[], u: number[], c: number): number {
  // i1 indexes an array: an integer, so the reverse sweep would recompute the trip count from the bound.
  for (let i1 = 0; i1 < Math.floor(2 + 1.5 * Math.sin(u[0])); i1++) {
    out[i1 % 1] = out[i1 % 1] * c;
  }
  return out[0];
}
/** @differentiable hessian */
export function f(x: number, y: number): number {
  const q = [y, 0.5, x];
  return k(q, q, x);
}
`);
    // The bound reads out[0] through u: at y = 2, x = 2 the loop runs while floor(2 + 1.5 sin(out[0]))
    // > i1, with out[0] = 2 (bound 3) then 4 (bound 0): once, so f = x y; a bound recomputed from the
    // final out[0] would run the reverse loop 0 times. ∂f/∂x = y, ∂f/∂y = x; H = [[0, 1], [1, 0]].
    expect((m.f_grad as unknown as (x: number, y: number) => unknown)(2, 2)).toEqual([4, 2, 2]);
    expect(tape.isEmpty()).toBe(true);
    expect((m.f_hessian as unknown as (x: number, y: number) => unknown)(2, 2)).toEqual([
      4,
      [2, 2],
      [
        [0, 1],
        [1, 0],
      ],
    ]);
    // At x = 0.5 it runs twice (out[0] = 2, 1, 0.5; bounds 3, 3, 2): f = x² y.
    expect((m.f_grad as unknown as (x: number, y: number) => unknown)(0.5, 2)).toEqual([0.5, 2, 0.25]);
    expect(tape.isEmpty()).toBe(true);
  });
});

describe("fuzzer findings, issue 13's constructs", () => {
  it("a try in a helper that overwrites a value reverse mode needs is one ADC2004 at the try, not also an ADC2007 (finding 42)", () => {
    const source = `function h(a: number, b: number): number {
  let r = a * b;
  try {
    r = r * a + b;
  } catch {
    r = 0;
  }
  return r;
}
/** @differentiable */
export function f(x: number, y: number): number {
  return h(x, y);
}
`;
    const c = compileSources({ "input.ts": source });
    try {
      expect(c.diagnostics.map((d) => [d.code, d.pos?.line, d.pos?.col, d.message])).toEqual([
        ["ADC2004", 3, 3, "try/catch/finally is not differentiated (it touches the active values 'r', 'a', 'b'), in the call chain f → h"],
      ]);
    } finally {
      c.cleanup();
    }
  });
});
