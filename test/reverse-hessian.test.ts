/**
 * f_hessian: forward mode over reverse mode. Checked against hand-derived Hessians, against central
 * differences of f_grad, and for exact symmetry.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { compileSources } from "./helpers/compile.js";
import { flatten, type Value } from "./helpers/reverse-check.js";
import { tape } from "../src/runtime/tape.js";

const source = `
function sq(v: number): number {
  return v * v;
}

/** Recursion: x^n. */
/** @differentiable hessian wrt=x */
export function powRec(x: number, n: number): number {
  if (n === 0) return 1;
  return x * powRec(x, n - 1);
}

/** Its reverse sweep starts from a local saved at the end of its forward sweep. */
function expSquared(v: number): number {
  const e = Math.exp(v);
  return e * e;
}

function scaleInto(out: number[], x: number[], c: number): void {
  for (let i = 0; i < x.length; i++) out[i] = c * Math.sin(x[i]);
}

/** Calls: a callee's reverse sweep (g_fwd, g_bwd) under forward mode, one writing an array. */
/** @differentiable hessian */
export function withCalls(x: number[], c: number): number {
  const tmp = new Array<number>(x.length).fill(0);
  scaleInto(tmp, x, c);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += sq(tmp[i] + x[i] * c) * tmp[i];
  return s + expSquared(c * x[0]);
}
/** @differentiable hessian */
export function rosenbrock(x: number[]): number {
  let s = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    s += 100 * a * a + b * b;
  }
  return s;
}

/** A branch, an overwritten variable and intrinsics. */
/** @differentiable hessian */
export function branchy(x: number, y: number): number {
  let r = x * y;
  if (r > 1) r = Math.sin(r) * r;
  return Math.exp(r) + y * y * y;
}

/** The logistic map: x overwritten from itself in a loop, with r and x0 both active. */
/** @differentiable hessian */
export function logistic(r: number, x0: number): number {
  let x = x0;
  for (let i = 0; i < 6; i++) x = r * x * (1 - x);
  return x;
}

function prod3(a: number, b: number, c: number): number {
  return a * b * c;
}

/** A callee with three active numbers: its reverse half returns a tuple, whose forward derivative appends tangents. */
/** @differentiable hessian */
export function viaProd3(x: number, y: number): number {
  return prod3(x, x, y);
}

function g2(a: number, b: number): number {
  return a * a * b + Math.sin(a * b);
}

function mix(v: number[], a: number, b: number): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.exp(a * v[i]) * b;
  return s;
}

/** Callees with two active numbers, called with the arguments swapped, and one with an array too. */
/** @differentiable hessian */
export function swappedCalls(v: number[], x: number, y: number): number {
  return g2(x, y) * x + g2(y, x) + mix(v, x, y) * y + mix(v, y, x * y);
}

/** sqrt's partial where the adjoint reaching it is 0 (x = 0) but its tangent is not (fuzzer finding 8). */
/** @differentiable hessian */
export function scaledRoot(x: number, y: number): number {
  return x * Math.sqrt(1 + y * y);
}

/** Writes its array parameter: every sweep of f_hessian must start from the caller's values (finding 9). */
/** @differentiable hessian */
export function writesParam(x: number, y: number, v: number[]): number {
  let t = y * y;
  if (v[0] > 0) t = x * x;
  v[0] = 1;
  return t * x;
}

/** A local Float64Array overwritten in a loop, a while loop and an early return. */
/** @differentiable hessian wrt=x */
export function smoothNorm(x: Float64Array, passes: number): number {
  const w = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) w[i] = x[i];
  let p = 0;
  while (p < passes) {
    for (let i = 1; i < w.length - 1; i++) w[i] = 0.25 * w[i - 1] + 0.5 * w[i] * w[i] + 0.25 * w[i + 1];
    p++;
  }
  let s = 0;
  for (let i = 0; i < w.length; i++) {
    if (w[i] > 10) return s;
    s += Math.log1p(w[i] * w[i]);
  }
  return s;
}
`;

type Hess = (...args: Value[]) => [number, number[], number[][]];
type Grad = (...args: Value[]) => Value[];
let m: Record<string, Hess | Grad | ((...a: Value[]) => number)>;

beforeAll(async () => {
  const c = compileSources({ "input.ts": source });
  expect(c.diagnostics).toEqual([]);
  m = await c.load();
});

/** H by central differences of f_grad, one column per active input element. */
function hessianByDifferences(name: string, args: Value[], active: number[], h = 1e-5): number[][] {
  const grad = m[`${name}_grad`] as Grad;
  const columns: number[][] = [];
  for (const i of active) {
    const a = args[i];
    const count = typeof a === "number" ? 1 : a.length;
    for (let j = 0; j < count; j++) {
      const shifted = (s: number): Value[] =>
        args.map((v, k) => {
          if (k !== i) return v;
          if (typeof v === "number") return v + s;
          const c = v instanceof Float64Array ? v.slice() : [...v];
          c[j] += s;
          return c;
        });
      const plus = flatten(grad(...shifted(h)).slice(1));
      const minus = flatten(grad(...shifted(-h)).slice(1));
      columns.push(plus.map((p, k) => (p - minus[k]) / (2 * h)));
    }
  }
  return columns;
}

function check(name: string, args: Value[], active: number[], tolerance: number): number[][] {
  const [value, gradient, H] = (m[`${name}_hessian`] as Hess)(...args);
  expect(tape.isEmpty()).toBe(true);
  const [gv, ...g] = (m[`${name}_grad`] as Grad)(...args);
  expect(value).toBe(gv);
  expect(gradient).toEqual(flatten(g));
  const n = gradient.length;
  expect(H.length).toBe(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(H[i][j]).toBe(H[j][i]);
  const fd = hessianByDifferences(name, args, active);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) expect(Math.abs(H[i][j] - fd[i][j]), `${name} H[${i}][${j}]`).toBeLessThan(tolerance * Math.max(1, Math.abs(H[i][j])));
  return H;
}

describe("f_hessian: forward over reverse", () => {
  it("Rosenbrock: the hand-derived Hessian, exactly symmetric", () => {
    const x = [0.3, -1.2, 0.8, 1.5];
    const H = check("rosenbrock", [x], [0], 1e-6);
    // ∂²/∂x_i² = 1200 x_i² - 400 x_{i+1} + 2 (i < n-1) + 200 (i > 0); ∂²/∂x_i∂x_{i+1} = -400 x_i
    const n = x.length;
    for (let i = 0; i < n; i++) {
      let d = 0;
      if (i < n - 1) d += 1200 * x[i] * x[i] - 400 * x[i + 1] + 2;
      if (i > 0) d += 200;
      expect(H[i][i]).toBeCloseTo(d, 9);
      if (i < n - 1) expect(H[i][i + 1]).toBeCloseTo(-400 * x[i], 9);
      for (let j = i + 2; j < n; j++) expect(H[i][j]).toBe(0);
    }
  });

  it("a branch and an overwritten variable: both sides of the branch", () => {
    check("branchy", [0.5, 0.7], [0, 1], 1e-6);
    check("branchy", [1.5, 1.2], [0, 1], 1e-6);
  });

  it("the logistic map: second derivatives through a loop that overwrites x", () => {
    check("logistic", [3.3, 0.4], [0, 1], 1e-5);
  });

  it("recursion: d²(x^n)/dx² = n (n - 1) x^(n-2)", () => {
    const [, g, H] = (m.powRec_hessian as Hess)(1.3, 5);
    expect(g[0]).toBeCloseTo(5 * 1.3 ** 4, 12);
    expect(H[0][0]).toBeCloseTo(20 * 1.3 ** 3, 11);
    check("powRec", [1.3, 5], [0], 1e-6);
  });

  it("calls: forward mode over the callees' reverse sweeps", () => {
    check("withCalls", [[0.3, -0.7, 1.1], 0.8], [0, 1], 1e-6);
  });

  it("a callee with three active number parameters: d²(x²y) = [[2y, 2x], [2x, 0]]", () => {
    const [value, g, H] = (m.viaProd3_hessian as Hess)(0.7, -1.3);
    expect(value).toBeCloseTo(0.49 * -1.3, 15);
    expect(g[0]).toBeCloseTo(2 * 0.7 * -1.3, 14);
    expect(g[1]).toBeCloseTo(0.49, 14);
    expect(H[0][0]).toBeCloseTo(2 * -1.3, 13);
    expect(H[0][1]).toBeCloseTo(2 * 0.7, 13);
    expect(H[1][0]).toBeCloseTo(2 * 0.7, 13);
    expect(H[1][1]).toBe(0);
    check("viaProd3", [0.7, -1.3], [0, 1], 1e-6);
  });

  it("callees with several active numbers, arguments swapped, and an array beside them", () => {
    check("swappedCalls", [[0.3, -0.4, 0.9], 0.6, -0.8], [0, 1, 2], 1e-5);
    check("swappedCalls", [[1.1, 0.2], -0.3, 0.45], [0, 1, 2], 1e-5);
  });

  it("a zero adjoint through sqrt still carries its tangent: H01 = y / sqrt(1 + y²) at x = 0", () => {
    const [, , H] = (m.scaledRoot_hessian as Hess)(0, 1);
    expect(H[0][1]).toBeCloseTo(1 / Math.SQRT2, 14);
    expect(H[1][0]).toBeCloseTo(1 / Math.SQRT2, 14);
    expect(H[0][0]).toBe(0);
    expect(H[1][1]).toBe(0); // x (1 + y²)^(-3/2) at x = 0
  });

  it("a function that writes its array parameter: each sweep starts from the caller's array", () => {
    // v[0] = -2: t = y², f = x y²; H = [[0, 2y], [2y, 2x]] over (x, y) (v's column and row are 0).
    const v = [-2];
    const [value, g, H] = (m.writesParam_hessian as Hess)(1, 2, v);
    expect(v).toEqual([1]); // the caller's array changes once, as by f
    expect(value).toBe(4);
    expect(g).toEqual([4, 4, 0]);
    expect(H).toEqual([
      [0, 4, 0],
      [4, 2, 0],
      [0, 0, 0],
    ]);
  });

  it("a local array overwritten in loops, a while loop and an early return", () => {
    check("smoothNorm", [Float64Array.from([0.5, -0.2, 0.9, 0.1, 0.3]), 2], [0], 1e-6);
  });
});

describe("f_hessian through reverse loops that sum an element's adjoint (fuzzer finding 18)", () => {
  it("f = y tanh(v0)²: H[y][y] = 0, H[v0][v0] = 2y at v0 = 0", async () => {
    const { compileAndLoad } = await import("./helpers/compile.js");
    const m = await compileAndLoad<{ f_hessian: (y: number, v: number[]) => [number, number[], number[][]] }>(`
/** @differentiable hessian */
export function f(y: number, v: number[]): number {
  let t = y;
  for (let i1 = 0; i1 < 2; i1++) {
    t *= Math.tanh(-v[0]);
  }
  return t;
}`);
    const [, , H] = m.f_hessian(1, [0]);
    // ∂²/∂v0² of y tanh(v0)² at 0 is 2y sech⁴(0) = 2; the y rows are 0 there.
    expect(H).toEqual([
      [0, 0],
      [0, 2],
    ]);
  });
});

describe("f_hessian of x^p where p is exactly 0 (fuzzer finding 17)", () => {
  it("∂²/∂x∂p = x^(p-1) (1 + p ln x) = 1/x and ∂²/∂p² = (ln x)² at p = 0", async () => {
    const { compileAndLoad } = await import("./helpers/compile.js");
    const m = await compileAndLoad<{ f_hessian: (x: number, p: number) => [number, number[], number[][]] }>(`
/** @differentiable hessian */
export function f(x: number, p: number): number {
  return Math.pow(x, p) + x ** p;
}`);
    const [value, g, H] = m.f_hessian(2, 0);
    expect(value).toBe(2);
    expect(g).toEqual([0, 2 * Math.LN2]);
    expect(H[0][1]).toBeCloseTo(2 * 0.5, 15);
    expect(H[1][0]).toBeCloseTo(2 * 0.5, 15);
    expect(H[1][1]).toBeCloseTo(2 * Math.LN2 * Math.LN2, 15);
    expect(H[0][0]).toBe(0); // p (p - 1) x^(p-2) at p = 0
  });
});
