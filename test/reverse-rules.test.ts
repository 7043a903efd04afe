/**
 * Reverse-mode rules that change what the forward sweep records: each checked against hand-derived
 * derivatives (exact where the arithmetic is), the dot-product test against forward mode and, where the
 * function is tagged `hessian`, the Hessian by forward over reverse; the generated code's shape only
 * where the rule's point is what it no longer records.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { compileWithText } from "./helpers/compile.js";
import { dotProductTest, random, type Module, type Value } from "./helpers/reverse-check.js";
import { tape } from "../src/runtime/tape.js";

const reductions = `
/** A fold with Math.max: on a tie the running maximum (the earlier element) keeps the derivative. */
/** @differentiable hessian */
export function maxSquare(x: number[]): number {
  let m = x[0];
  for (let i = 1; i < x.length; i++) m = Math.max(m, x[i] * x[i]);
  return 3 * m;
}

/** Math.min with the element first, counting down: on a tie the element (the later one) wins. */
/** @differentiable hessian */
export function minDown(x: number[], c: number): number {
  let m = 10 * c;
  for (let i = x.length - 1; i >= 1; i--) m = Math.min(x[i] + c, m);
  return m * m;
}

function rowMax(x: Float64Array, off: number, n: number): number {
  let m = x[off];
  for (let j = 1; j < n; j++) m = Math.max(m, x[off + j]);
  return m;
}

/** A fold inside a loop (its winner recorded per row) and one in a callee (g_fwd, g_bwd). */
/** @differentiable wrt=x */
export function rowMaxima(x: Float64Array, rows: number, cols: number): number {
  let s = 0;
  for (let r = 0; r < rows; r++) {
    let m = x[r * cols];
    for (let j = 1; j < cols; j++) m = Math.max(m, x[r * cols + j]);
    s += m * rowMax(x, r * cols, cols);
  }
  return s;
}
`;

const unread = `
function total(v: number[]): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s;
}

function sumSq(v: number[]): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return s;
}

/** total's reverse half reads nothing of t, sumSq's reads u: only u's old values go on the tape. */
/** @differentiable */
export function overwrites(x: number[]): number {
  const t = [0, 0];
  const u = [0, 0];
  let acc = 0;
  for (let k = 0; k < 3; k++) {
    t[0] = x[0] * (k + 1);
    t[1] = x[1] * x[1];
    u[0] = x[0] + k;
    u[1] = x[1] * k;
    acc += total(t) + sumSq(u);
  }
  return acc;
}
`;

describe("max/min folds: the forward sweep records the index of the winner, not the running value", () => {
  let m: Module;
  let text: string;
  beforeAll(async () => {
    ({ m, text } = await compileWithText<Module>(reductions));
  });

  it("maxSquare: the gradient goes to the first largest square only; no running maximum on the tape", () => {
    const grad = m.maxSquare_grad as unknown as (x: number[]) => [number, number[]];
    // squares of x[1..]: 4, 2.25, 4; x[1] wins first, x[3] ties and loses. f = 3 x1².
    expect(grad([0.5, -2, 1.5, 2])).toEqual([12, [0, -12, 0, 0]]);
    // No element beats x[0]: the derivative stays with it.
    expect(grad([5, 1, -2])).toEqual([15, [3, 0, 0]]);
    // NaN wins (!(m >= NaN)), as in the per-step rule of forward mode, and then every later element
    // does (!(NaN >= e)): the last element takes the derivative.
    const [v, g] = grad([1, Number.NaN, 0.5]);
    expect(v).toBeNaN();
    expect([g[0], g[2]]).toEqual([0, 3]);
    expect(tape.isEmpty()).toBe(true);
    // One fold in f_vjp itself: its winner stays in a local, the tape is not touched at all.
    const vjp = text.slice(text.indexOf("export function maxSquare_vjp"), text.indexOf("export function maxSquare_jacobian"));
    expect(vjp).toMatch(/m_at = i;/);
    expect(vjp).not.toMatch(/tape\./);
  });

  it("maxSquare: Hessian 6 on the winner's diagonal, 0 elsewhere", () => {
    const hess = m.maxSquare_hessian as unknown as (x: number[]) => [number, number[], number[][]];
    const [value, gradient, H] = hess([0.5, -2, 1.5, 2]);
    expect(value).toBe(12);
    expect(gradient).toEqual([0, -12, 0, 0]);
    expect(H).toEqual([
      [0, 0, 0, 0],
      [0, 6, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
  });

  it("minDown: the later of two equal elements wins; the start 10c wins when no element is smaller", () => {
    const grad = m.minDown_grad as unknown as (x: number[], c: number) => [number, number[], number];
    // c = 0.5: m = 5, then x3 + c = 1.5 wins, x2 + c = 4.5 loses, x1 + c = 1.5 ties and wins. f = (x1 + c)².
    expect(grad([3, 1, 4, 1], 0.5)).toEqual([2.25, [0, 3, 0, 0], 3]);
    // c = 0.1: m = 1, every x[i] + c is larger: f = (10 c)², df/dc = 200 c.
    const [v, gx, gc] = grad([0, 2, 3], 0.1);
    expect(v).toBeCloseTo(1, 15);
    expect(gx).toEqual([0, 0, 0]);
    expect(gc).toBeCloseTo(20, 13);
    const hess = m.minDown_hessian as unknown as (x: number[], c: number) => [number, number[], number[][]];
    // f = (x1 + c)²: the Hessian over (x0, x1, x2, x3, c) is 2 on the x1/c block.
    const [, , H] = hess([3, 1, 4, 1], 0.5);
    expect(H).toEqual([
      [0, 0, 0, 0, 0],
      [0, 2, 0, 0, 2],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 2, 0, 0, 2],
    ]);
  });

  it("rowMaxima: a fold per row and one in a callee give 2 max_r at each row's first maximum", () => {
    const grad = m.rowMaxima_grad as unknown as (x: Float64Array, rows: number, cols: number) => [number, Float64Array];
    const x = Float64Array.from([1, 3, 3, -1, /**/ -2, -5, -1, -4, /**/ 0.5, 0.25, 0, 0.5]);
    const [v, g] = grad(x, 3, 4);
    expect(v).toBe(9 + 1 + 0.25);
    expect(Array.from(g)).toEqual([0, 6, 0, 0, 0, 0, -2, 0, 1, 0, 0, 0]);
    expect(tape.isEmpty()).toBe(true);
    const rnd = random(7);
    const y = Float64Array.from({ length: 20 }, () => 2 * rnd() - 1);
    dotProductTest(m, "rowMaxima", [y, 4, 5] as Value[], [0], rnd);
  });
});

const zeroSeeds = `
/** out = L x for the lower triangle of L (n x n, row by row); returns x0², which does not depend on out. */
function lowerTimes(L: number[], x: number[], out: number[]): number {
  const n = x.length;
  for (let i = 0; i < n; i++) {
    out[i] = 0;
    for (let j = 0; j <= i; j++) out[i] += L[i * n + j] * x[j];
  }
  return x[0] * x[0];
}

/** Calls outside loops stay calls: lowerTimes_bwd checks its seed and out's adjoint itself. */
/** @differentiable wrt=L,x */
export function weightedPair(L: number[], x: number[], w: number[], v: number[]): number {
  const y = [0, 0, 0];
  const r0 = lowerTimes(L, x, y);
  let s = v[0] * r0 + w[0] * (y[0] + 2 * y[1] + 3 * y[2]);
  const r1 = lowerTimes(L, x, y);
  s += v[1] * r1 + w[1] * (y[0] + 2 * y[1] + 3 * y[2]);
  return s;
}

/** Calls inside a loop are inlined: the caller checks r's and y's adjoints around lowerTimes' reverse. */
/** @differentiable wrt=L,x */
export function weighted(L: number[], x: number[], w: number[], v: number[]): number {
  const y = [0, 0, 0];
  let s = 0;
  for (let k = 0; k < w.length; k++) {
    const r = lowerTimes(L, x, y);
    s += v[k] * r + w[k] * (y[0] + 2 * y[1] + 3 * y[2]);
  }
  return s;
}
`;

describe("the reverse of a callee is skipped when every adjoint flowing into it is 0", () => {
  it("skips only where the seed and the written array's adjoint are both 0, called or inlined; the gradient is exact", async () => {
    const { m, text } = await compileWithText<Module>(zeroSeeds);
    // The seed and out's adjoint are checked; L's and x's adjoints only accumulate.
    expect(text).toMatch(/if \(value_b === 0 && tape\.allZero\(out_b\)\) \{\n\s*return;/);
    expect(text).toMatch(/if \(r_b !== 0 \|\| !tape\.allZero\(y_b\)\) \{/);
    // Iterations: seed only (k = 0), out only (k = 1), neither (k = 2, 4: skipped), both (k = 3).
    // f = (Σv) x0² + (Σw) cᵀ L x with c = (1, 2, 3), Σv = 1.5, Σw = 1:
    // ∂f/∂x = 2 (Σv) x0 e0 + (Σw) Lᵀc, ∂f/∂L_ij = (Σw) c_i x_j for j ≤ i (0 above the diagonal).
    const L = [1, 9, 9, 2, 3, 9, 4, 5, 6];
    const x = [0.5, -1, 2];
    const w = [0, 2, 0, -1, 0];
    const v = [1, 0, 0, 0.5, 0];
    const grad = m.weighted_grad as unknown as (L: number[], x: number[], w: number[], v: number[]) => [number, number[], number[]];
    const [value, gL, gx] = grad(L, x, w, v);
    expect(value).toBe(23.875);
    expect(gx).toEqual([18.5, 21, 18]);
    expect(gL).toEqual([0.5, 0, 0, 1, -2, 0, 1.5, -3, 6]);
    expect(tape.isEmpty()).toBe(true);
    dotProductTest(m, "weighted", [L, x, w, v], [0, 1], random(11));
    // Two calls: (seed, out) = (1, 0) then (0, 2): f = x0² + 2 cᵀ L x.
    const pair = m.weightedPair_grad as unknown as (L: number[], x: number[], w: number[], v: number[]) => [number, number[], number[]];
    expect(pair(L, x, [0, 2], [1, 0])).toEqual([47.25, [1, 0, 0, 2, -4, 0, 3, -6, 12], [35, 42, 36]]);
    // (0, 0) then (1, 0): the first call's reverse half returns at once; f = x0².
    expect(pair(L, x, [0, 0], [0, 1])).toEqual([0.25, [0, 0, 0, 0, 0, 0, 0, 0, 0], [1, 0, 0]]);
    expect(tape.isEmpty()).toBe(true);
    dotProductTest(m, "weightedPair", [L, x, [0.5, -1], [0, 2]], [0, 1], random(12));
  });
});

const inlining = `
/** y = a x; returns a² (its number parameter assigned: the inlined body gets a copy). */
function scaleInto(a: number, x: number[], y: number[]): number {
  for (let i = 0; i < x.length; i++) y[i] = a * x[i];
  a = a * a;
  return a;
}

/** @differentiable hessian */
export function twice(c: number, u: number[]): number {
  const y = [0, 0];
  let total = 0;
  for (let k = 1; k <= 2; k++) {
    total += scaleInto(c * k, u, y) * y[0];
    total += scaleInto(c, y, y) + y[1];
  }
  return total;
}
`;

describe("small leaf callees called in loops are inlined for reverse mode", () => {
  it("a copied number parameter and one array passed twice: gradient and Hessian as derived by hand", async () => {
    const { m, text } = await compileWithText<Module>(inlining);
    const vjp = text.slice(text.indexOf("export function twice_vjp"), text.indexOf("export function twice_jacobian"));
    expect(vjp).not.toMatch(/scaleInto\w*\(/);
    // Iteration k: y = c k u, first term (c k)² · c k u0; then y = c y = c² k u, plus c² + c² k u1.
    // f = 9 c³ u0 + 2 c² + 3 c² u1: ∂f/∂c = 27 c² u0 + 4c + 6c u1, ∂f/∂u = (9 c³, 3 c²);
    // H = [[54 c u0 + 4 + 6 u1, 27 c², 6c], [27 c², 0, 0], [6c, 0, 0]]. At c = 1/2, u = (2, -1):
    const grad = m.twice_grad as unknown as (c: number, u: number[]) => [number, number, number[]];
    expect(grad(0.5, [2, -1])).toEqual([2, 12.5, [1.125, 0.75]]);
    const hess = m.twice_hessian as unknown as (c: number, u: number[]) => [number, number[], number[][]];
    expect(hess(0.5, [2, -1])).toEqual([
      2,
      [12.5, 1.125, 0.75],
      [
        [52, 6.75, 3],
        [6.75, 0, 0],
        [3, 0, 0],
      ],
    ]);
    expect(tape.isEmpty()).toBe(true);
    dotProductTest(m, "twice", [0.3, [0.7, -0.2]], [0, 1], random(5));
  });
});

describe("a callee's reverse half that does not read an array: the caller keeps no old values of it", () => {
  it("only u, which sumSq's reverse half reads, is saved before it is overwritten; the gradient is exact", async () => {
    const { m, text } = await compileWithText<Module>(unread);
    // f = Σ_k x0 (k + 1) + x1² + (x0 + k)² + (k x1)² = 6 x0 + 3 x1² + Σ_k (x0 + k)² + 5 x1²:
    // ∂f/∂x0 = 6 + 2 Σ_k (x0 + k) = 12 + 6 x0, ∂f/∂x1 = 16 x1.
    const grad = m.overwrites_grad as unknown as (x: number[]) => [number, number[]];
    expect(grad([0.5, -1.5])).toEqual([29.75, [15, -24]]);
    expect(tape.isEmpty()).toBe(true);
    expect(text).toMatch(/tape\.push\(u\[/);
    expect(text).not.toMatch(/tape\.push\(t\[/);
    dotProductTest(m, "overwrites", [[0.3, 0.7]], [0], random(3));
  });
});
