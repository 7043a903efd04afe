/**
 * Parameters with default values (and optional ones) keep them in every generated signature, calls
 * leaving arguments out still differentiate, and no generated name is a reserved word (`do`, the
 * tangent of `o`). Derivatives checked against hand-derived ones; the generated file type-checks
 * under --strict (reverse-typecheck.test.ts compiles this `source` too).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { compileWithText } from "./helpers/compile.js";
import { dotProductTest, random, type Module, type Value } from "./helpers/reverse-check.js";
import { grad, jvp, vjp } from "../src/index.js";

const source = `
import { grad, jvp, vjp } from "adc-ts";

/** y defaults to 3: g_grad(2) is [6, 3, 2]. */
/** @differentiable hessian */
export function g(x: number, y: number = 3): number {
  return x * y;
}

/** An array default (its tangent defaults to [0, 0]). */
/** @differentiable hessian */
export function weighted(x: number, w: number[] = [1, 2]): number {
  return x * x * w[0] + x * w[1];
}

/** Every parameter defaulted, one untyped, one array default that is no literal. */
/** @differentiable */
export function scaledNorm(v: Float64Array = Float64Array.of(1, 2), c = 2): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return c * s;
}

function h(a: number, b: number = 2, v: number[] = [1, 2]): number {
  return a * b + v[0] * a * a + v[1];
}

/** An optional parameter without a default, followed by a required one in its derivatives. */
function opt(a: number, b?: number): number {
  const c = b ?? 1;
  return a * a * c;
}

/** A callee called with arguments left out, with all, and with a literal for its array. */
/** @differentiable hessian */
export function k(x: number, y: number): number {
  return h(x) + h(x, y) * y + h(y, x, [x, 1]);
}

/** The same callee called in a loop (not inlined: an argument is left out). */
/** @differentiable */
export function looped(x: number): number {
  let s = 0;
  for (let i = 0; i < 2; i++) s += h(x) + h(x, x);
  return s;
}

/** An optional parameter left out, then passed. */
/** @differentiable */
export function optional(x: number): number {
  return opt(x) + opt(x, 3);
}

/** Locals o and f and a parameter n: tangents do (a reserved word, so not that), df and dn. */
/** @differentiable hessian */
export function named(x: number, n: number): number {
  const o = x * n;
  const f = o * x;
  return f + o * n;
}

/** The call-site API's types accept a call leaving the defaulted argument out. */
export function viaApi(): number {
  return jvp(g)(2, undefined, 1)[1] + grad(g)(2)[1] + vjp(g)(2, undefined, 1)[1];
}
`;

type Fn = (...a: (Value | undefined)[]) => unknown;
let m: Record<string, Fn>;
let text: string;

beforeAll(async () => {
  ({ m, text } = await compileWithText<Record<string, Fn>>(source));
});

/** The text of one generated function's signature. */
const signature = (name: string): string => text.slice(text.indexOf(`function ${name}(`)).split("\n")[0];

describe("default parameter values", () => {
  it("generated signatures keep the default; tangents of defaulted parameters default to zero", () => {
    expect(signature("g_dual")).toBe("function g_dual(x: number, y: number = 3, dx: number, dy: number = 0): [number, number] {");
    for (const f of ["g_grad", "g_jacobian", "g_hessian"]) expect(signature(f)).toContain(`${f}(x: number, y: number = 3)`);
    expect(signature("g_vjp")).toContain("g_vjp(x: number, y: number = 3, ybar: number)");
    expect(signature("weighted_dual")).toContain("(x: number, w: number[] = [1, 2], dx: number, dw: number[] = [0, 0])");
    expect(signature("scaledNorm_dual")).toContain("(v: Float64Array = Float64Array.of(1, 2), c: number = 2, dv: Float64Array = new Float64Array(v.length), dc: number = 0)");
    // Callee halves keep the defaults; calls pass undefined for an argument left out.
    expect(signature("h_bwd_a")).toContain("h_bwd_a(a: number, b: number = 2, v: number[] = [1, 2], value_b: number)");
    expect(text).toContain("h_dual_a(x, undefined, undefined, dx)");
    expect(text).toMatch(/h_bwd_a\(x, undefined, undefined, \w+\)/);
    // An optional parameter followed by required ones takes undefined explicitly (no TS1016).
    expect(signature("opt_dual")).toContain("opt_dual(a: number, b: number | undefined, da: number)");
  });

  it("g: the default applies in every derivative", () => {
    expect(m.g_grad(2)).toEqual([6, 3, 2]);
    expect(m.g_grad(2, 5)).toEqual([10, 5, 2]);
    expect(m.g_dual(2, undefined, 1)).toEqual([6, 3]);
    expect(m.g_dual(2, undefined, 0, 1)).toEqual([6, 2]);
    expect(m.g_dual(2, 5, 1, 1)).toEqual([10, 7]);
    expect(m.g_vjp(2, undefined, 2)).toEqual([6, 6, 4]);
    expect(m.g_jacobian(2)).toEqual([6, [[3, 2]]]);
    expect(m.g_hessian(2)).toEqual([6, [3, 2], [[0, 1], [1, 0]]]);
  });

  it("g through the call-site API", () => {
    const f = m.g as unknown as (x: number, y?: number) => number;
    expect(grad(f)(2)).toEqual([6, 3, 2]);
    expect(jvp(f)(2, undefined, 1)).toEqual([6, 3]);
    expect(vjp(f)(2, undefined, 1)).toEqual([6, 3, 2]);
    expect(m.viaApi()).toBe(3 + 3 + 3);
  });

  it("weighted: an array default, its tangent zeros of its length", () => {
    // x² w0 + x w1 at x = 3, w = [1, 2]: 15; ∂x = 2 x w0 + w1 = 8; ∂w = [x², x] = [9, 3].
    expect(m.weighted_grad(3)).toEqual([15, 8, [9, 3]]);
    expect(m.weighted_dual(3, undefined, 1)).toEqual([15, 8]);
    expect(m.weighted_dual(3, undefined, 0, [1, 1])).toEqual([15, 12]);
    expect(m.weighted_jacobian(3)).toEqual([15, [[8, 9, 3]]]);
    // Over (x, w0, w1): [[2 w0, 2x, 1], [2x, 0, 0], [1, 0, 0]].
    expect(m.weighted_hessian(3)).toEqual([15, [8, 9, 3], [[2, 6, 1], [6, 0, 0], [1, 0, 0]]]);
  });

  it("scaledNorm: every argument left out", () => {
    // c (v0² + v1²) at v = [1, 2], c = 2: 10; ∂v = 2c v = [4, 8]; ∂c = 5.
    expect(m.scaledNorm_grad()).toEqual([10, new Float64Array([4, 8]), 5]);
    expect(m.scaledNorm_dual(undefined, undefined, undefined, 1)).toEqual([10, 5]);
    expect(m.scaledNorm_dual(undefined, undefined, Float64Array.of(1, 0))).toEqual([10, 4]);
    expect(m.scaledNorm_jacobian()).toEqual([10, [[4, 8, 5]]]);
  });

  it("k: a callee with defaults called with arguments left out (g_dual, g_fwd/g_bwd, Hessian)", () => {
    // k = x² + 2x + 2xy² + x²y + xy + 2y + 3.
    const [x, y] = [1.5, -0.5];
    const value = x * x + 2 * x + 2 * x * y * y + x * x * y + x * y + 2 * y + 3;
    const gx = 2 * x + 2 + 2 * y * y + 2 * x * y + y;
    const gy = 4 * x * y + x * x + x + 2;
    expect(value).toBe(6.125);
    expect([gx, gy]).toEqual([3.5, 2.75]);
    expect(m.k_grad(x, y)).toEqual([value, gx, gy]);
    expect(m.k_dual(x, y, 1, 0)).toEqual([value, gx]);
    expect(m.k_dual(x, y, 0, 1)).toEqual([value, gy]);
    // kxx = 2 + 2y, kxy = 4y + 2x + 1, kyy = 4x.
    expect(m.k_hessian(x, y)).toEqual([value, [gx, gy], [[1, 2], [2, 6]]]);
    const rnd = random(7);
    expect(dotProductTest(m as unknown as Module, "k", [x, y], [0, 1], rnd).relative).toBeLessThan(1e-12);
  });

  it("looped and optional: calls in a loop, an optional parameter without a default", () => {
    // looped = 2 (h(x) + h(x, x)) = 6x² + 4x + 8; optional = x² + 3x² = 4x².
    expect(m.looped_grad(1.5)).toEqual([27.5, 22]);
    expect(m.looped_dual(1.5, 1)).toEqual([27.5, 22]);
    expect(m.optional_grad(1.5)).toEqual([9, 12]);
    expect(m.optional_dual(1.5, 1)).toEqual([9, 12]);
  });
});

describe("generated names are never reserved words", () => {
  it("the tangent of o is not do; df and dn as usual", () => {
    expect(text).not.toMatch(/\b(const|let) do\b/);
    expect(text).toMatch(/const do2 = /);
    expect(signature("named_dual")).toContain("named_dual(x: number, n: number, dx: number, dn: number)");
    expect(text).toMatch(/const df = /);
  });

  it("named: x² n + x n²", () => {
    const [x, n] = [1.5, -0.5];
    // value -0.75, ∂x = 2xn + n² = -1.25, ∂n = x² + 2xn = 0.75; H = [[2n, 2x + 2n], [., 2x]].
    expect(m.named_grad(x, n)).toEqual([-0.75, -1.25, 0.75]);
    expect(m.named_dual(x, n, 1, 0)).toEqual([-0.75, -1.25]);
    expect(m.named_dual(x, n, 0, 1)).toEqual([-0.75, 0.75]);
    expect(m.named_hessian(x, n)).toEqual([-0.75, [-1.25, 0.75], [[-1, 2], [2, 3]]]);
  });
});
