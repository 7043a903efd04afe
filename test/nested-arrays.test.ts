/**
 * Arrays of arrays (`number[][]`, `readonly number[][]`, `Float64Array[]`) and `Float32Array` in every
 * mode (issue 14, item 2): as parameters, locals (a row held in a const, rows allocated in a loop,
 * literals of rows) and results, read and written by element (`m[i][j]`, `m[i][j] += ...`,
 * `m[i].length`). Each mode is checked against a hand-derived derivative and against central
 * differences of the function (h = 1e-6, relative error 1e-6), f_vjp / f_grad / f_jacobian against
 * f_dual as well; the generated code type-checks under tsc --strict. What stays out is a diagnostic with
 * its code, position and reason.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSources, relErr, type Compiled } from "./helpers/compile.js";
import { strictTypeErrors } from "./helpers/typecheck.js";
import { join } from "node:path";
import { readFileSync } from "node:fs";

type Mat = number[][];
type Fn = (...args: never[]) => unknown;

const source = `
/** xᵀ M x, reading M through a row held in a const. */
/** @differentiable */
export function quad(m: number[][], x: number[]): number {
  let s = 0;
  for (let i = 0; i < m.length; i++) {
    const row = m[i];
    for (let j = 0; j < row.length; j++) s += x[i] * row[j] * x[j];
  }
  return s;
}

/** c sin(M), element-wise, into rows allocated in a loop. */
/** @differentiable */
export function scale(m: readonly number[][], c: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.length; i++) {
    out[i] = new Array<number>(m[i].length).fill(0);
    for (let j = 0; j < m[i].length; j++) out[i][j] = c * Math.sin(m[i][j]);
  }
  return out;
}

/** The outer product u vᵀ: more outputs than inputs, so f_jacobian runs forward columns. */
/** @differentiable */
export function outer(u: number[], v: number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < u.length; i++) {
    const row: number[] = [];
    for (let j = 0; j < v.length; j++) row[j] = u[i] * v[j];
    out[i] = row;
  }
  return out;
}

/** A B, accumulated with += into zero rows. */
/** @differentiable */
export function matmul(a: readonly number[][], b: readonly number[][]): number[][] {
  const c: number[][] = [];
  for (let i = 0; i < a.length; i++) {
    c[i] = new Array<number>(b[0].length).fill(0);
    for (let k = 0; k < b.length; k++) {
      for (let j = 0; j < b[0].length; j++) c[i][j] += a[i][k] * b[k][j];
    }
  }
  return c;
}

/** A literal of rows written in place: m[0][1] = 1 + x² y, so f = 2 (1 + x² y). */
/** @differentiable */
export function lit(x: number, y: number): number {
  const m = [[x, 1], [2, y * x]];
  m[0][1] += m[1][1] * m[0][0];
  return m[0][1] * m[1][0];
}

/** x Σ w_ij² over Float64Array rows. */
/** @differentiable */
export function rows64(w: Float64Array[], x: number): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) for (let j = 0; j < w[i].length; j++) s += w[i][j] * w[i][j];
  return x * s;
}

/** Scales M in place, then reads the new values: f = s² (m00 + m11 m01 s). */
/** @differentiable */
export function scaleInPlace(m: number[][], s: number): number {
  for (let i = 0; i < m.length; i++) for (let j = 0; j < m[i].length; j++) m[i][j] *= s;
  return s * (m[0][0] + m[1][1] * m[0][1]);
}

/** A callee taking the matrix: its split halves carry M's adjoint. */
function frobenius2(m: number[][]): number {
  let s = 0;
  for (let i = 0; i < m.length; i++) for (let j = 0; j < m[i].length; j++) s += m[i][j] * m[i][j];
  return s;
}

/** @differentiable */
export function viaCallee(m: number[][], x: number): number {
  return x * frobenius2(m) + m[0][1];
}

/** A row passed to a callee: its derivatives take the row's tangent (dA[i]) and adjoint (A_b[i]). */
function dotRow(a: readonly number[], x: readonly number[]): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * x[j];
  return s;
}

/** @differentiable */
export function gemvRows(a: number[][], x: number[]): number[] {
  const y = new Array<number>(a.length).fill(0);
  for (let i = 0; i < a.length; i++) y[i] = Math.sin(dotRow(a[i], x));
  return y;
}

/** A choice between two matrices, both active. */
/** @differentiable */
export function pick(a: number[][], b: number[][], c: number): number {
  const m = c > 0 ? a : b;
  return c * m[0][0] * m[1][1];
}
`;

let compiled: Compiled;
let mod: Record<string, Fn>;
beforeAll(async () => {
  compiled = compileSources({ "input.ts": source });
  mod = await compiled.load();
});
afterAll(() => compiled.cleanup());

const call = <T>(name: string, ...args: unknown[]): T => (mod[name] as unknown as (...a: unknown[]) => T)(...args);
const copy = (m: Mat): Mat => m.map((r) => r.slice());
const flat = (m: Mat): number[] => m.flatMap((r) => r);
const zerosLike = (m: Mat): Mat => m.map((r) => r.map(() => 0));
const H = 1e-6;
const TOL = 1e-6;

/** Central difference of `f` along the element (i, j) of the matrix argument `which`. */
function cdMatrix(f: (args: unknown[]) => number, args: unknown[], which: number, i: number, j: number): number {
  const at = (d: number): number => {
    const a = args.map((x) => (Array.isArray(x) && Array.isArray(x[0]) ? copy(x as Mat) : Array.isArray(x) ? (x as number[]).slice() : x));
    (a[which] as Mat)[i][j] += d;
    return f(a);
  };
  return (at(H) - at(-H)) / (2 * H);
}

function expectClose(actual: number, expected: number, tol = TOL): void {
  expect(relErr(actual, expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tol);
}

describe("number[][] parameters read by element, through a row held in a const (quad = xᵀ M x)", () => {
  const m = [[1, 2, -0.5], [0.3, -1, 4], [2.5, 0.25, 1]];
  const x = [0.7, -1.2, 2];
  // ∂/∂M_ij = x_i x_j; ∂/∂x = (M + Mᵀ) x.
  const gm = m.map((r, i) => r.map((_, j) => x[i] * x[j]));
  const gx = x.map((_, k) => m[k].reduce((s, mkj, j) => s + mkj * x[j], 0) + m.reduce((s, r, i) => s + r[k] * x[i], 0));
  const f = (a: unknown[]): number => call<number>("quad", ...a);

  it("f_grad is [xᵀMx, x xᵀ, (M + Mᵀ) x], the matrix gradient shaped like M", () => {
    const [value, mb, xb] = call<[number, Mat, number[]]>("quad_grad", m, x);
    expectClose(value, f([m, x]));
    expect(mb.length).toBe(3);
    m.forEach((r, i) => r.forEach((_, j) => expectClose(mb[i][j], gm[i][j], 1e-12)));
    x.forEach((_, k) => expectClose(xb[k], gx[k], 1e-12));
    // Central differences too.
    m.forEach((r, i) => r.forEach((_, j) => expectClose(mb[i][j], cdMatrix(f, [m, x], 0, i, j))));
  });

  it("f_dual along a matrix direction is Σ dM_ij x_i x_j + gxᵀ dx; f_vjp scales by ȳ; f_jacobian is the row-major flattening", () => {
    const dm = [[0.5, -1, 0], [2, 0.1, -0.3], [0, 1, 1]];
    const dx = [0.2, 0, -1];
    const [, d] = call<[number, number]>("quad_dual", m, x, dm, dx);
    const expected = flat(dm).reduce((s, v, k) => s + v * flat(gm)[k], 0) + dx.reduce((s, v, k) => s + v * gx[k], 0);
    expectClose(d, expected, 1e-12);
    const [, mb, xb] = call<[number, Mat, number[]]>("quad_vjp", m, x, 2);
    expectClose(mb[1][2], 2 * gm[1][2], 1e-12);
    expectClose(xb[0], 2 * gx[0], 1e-12);
    const [, jac] = call<[number, Mat]>("quad_jacobian", m, x);
    expect(jac.length).toBe(1);
    [...flat(gm), ...gx].forEach((g, k) => expectClose(jac[0][k], g, 1e-12));
  });

  it("the inputs are left as they were", () => {
    const mm = copy(m);
    call("quad_grad", mm, x);
    call("quad_jacobian", mm, x);
    expect(mm).toEqual(m);
  });
});

describe("number[][] results: rows allocated in a loop (scale = c sin M), the outer product, A B", () => {
  const m = [[0.3, -1.1, 2], [0.5, 0.9, -0.2]];
  const c = 1.7;

  it("scale_dual: d = dc sin M + c cos M ⊙ dM, shaped like the result", () => {
    const dm = [[1, 0, -0.5], [0.25, 2, 1]];
    const [value, d] = call<[Mat, Mat]>("scale_dual", m, c, dm, 0.3);
    m.forEach((r, i) => r.forEach((mij, j) => {
      expectClose(value[i][j], c * Math.sin(mij), 1e-15);
      expectClose(d[i][j], 0.3 * Math.sin(mij) + c * Math.cos(mij) * dm[i][j], 1e-12);
    }));
  });

  it("scale_vjp: M̄ = c cos M ⊙ Ȳ, c̄ = Σ sin M ⊙ Ȳ, against f_dual; Ȳ is left untouched", () => {
    const ybar = [[1, -2, 0.5], [0, 3, 1]];
    const seed = copy(ybar);
    const [, mb, cb] = call<[Mat, Mat, number]>("scale_vjp", m, c, ybar);
    expect(ybar).toEqual(seed);
    m.forEach((r, i) => r.forEach((mij, j) => expectClose(mb[i][j], c * Math.cos(mij) * ybar[i][j], 1e-12)));
    expectClose(cb, m.reduce((s, r, i) => s + r.reduce((t, mij, j) => t + Math.sin(mij) * ybar[i][j], 0), 0), 1e-12);
    // ⟨Ȳ, J·dM⟩ = ⟨M̄, dM⟩ for f_dual's J·dM.
    const dm = [[0.1, 0.2, -0.3], [1, -1, 0.5]];
    const [, d] = call<[Mat, Mat]>("scale_dual", m, c, dm, 0);
    expectClose(flat(d).reduce((s, v, k) => s + v * flat(ybar)[k], 0), flat(mb).reduce((s, v, k) => s + v * flat(dm)[k], 0), 1e-12);
  });

  it("scale_jacobian (reverse rows: 6 outputs, 7 inputs): J[3i+j][3k+l] = δ c cos M_ij, last column sin M_ij, against central differences", () => {
    const [value, jac] = call<[Mat, Mat]>("scale_jacobian", m, c);
    expect(value).toEqual(call<Mat>("scale", m, c));
    expect(jac.length).toBe(6);
    expect(jac[0].length).toBe(7);
    m.forEach((r, i) => r.forEach((mij, j) => {
      const row = jac[3 * i + j];
      row.slice(0, 6).forEach((v, col) => expectClose(v, col === 3 * i + j ? c * Math.cos(mij) : 0, 1e-12));
      expectClose(row[6], Math.sin(mij), 1e-12);
      // Central differences of the (i, j) output along M_ij.
      expectClose(row[3 * i + j], cdMatrix((a) => call<Mat>("scale", ...a)[i][j], [m, c], 0, i, j));
    }));
  });

  it("outer_jacobian (forward columns: 9 outputs, 6 inputs): ∂(u_i v_j)/∂u_k = δ_ik v_j, ∂/∂v_l = δ_jl u_i; outer_vjp against outer_dual", () => {
    const u = [1, -2, 0.5];
    const v = [3, 0.25, -1];
    const [value, jac] = call<[Mat, Mat]>("outer_jacobian", u, v);
    expect(value).toEqual(u.map((ui) => v.map((vj) => ui * vj)));
    expect(jac.length).toBe(9);
    u.forEach((ui, i) => v.forEach((vj, j) => {
      const row = jac[3 * i + j];
      u.forEach((_, k) => expect(row[k] === (k === i ? vj : 0)).toBe(true));
      v.forEach((_, l) => expect(row[3 + l] === (l === j ? ui : 0)).toBe(true));
    }));
    const ybar = [[1, 0, 2], [0, -1, 0], [0.5, 0, 1]];
    const [, ub, vb] = call<[Mat, number[], number[]]>("outer_vjp", u, v, ybar);
    const du = [0.3, -0.7, 1];
    const dv = [0, 2, -0.5];
    const [, d] = call<[Mat, Mat]>("outer_dual", u, v, du, dv);
    expectClose(flat(d).reduce((s, y, k) => s + y * flat(ybar)[k], 0), ub.reduce((s, g, k) => s + g * du[k], 0) + vb.reduce((s, g, k) => s + g * dv[k], 0), 1e-12);
  });

  it("matmul: J of A B is ∂C_ij/∂A_ik = B_kj and ∂C_ij/∂B_kj = A_ik, and f_vjp against f_dual", () => {
    const a = [[1, 2], [-0.5, 3], [0.25, -1]];
    const b = [[2, 0, -1, 0.5], [1, 4, 0.3, -2]];
    const [value, jac] = call<[Mat, Mat]>("matmul_jacobian", a, b);
    expect(value).toEqual(a.map((r) => b[0].map((_, j) => r.reduce((s, aik, k) => s + aik * b[k][j], 0))));
    expect([jac.length, jac[0].length]).toEqual([12, 14]);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 4; j++) {
        const row = jac[4 * i + j];
        for (let p = 0; p < 3; p++) for (let k = 0; k < 2; k++) expect(row[2 * p + k] === (p === i ? b[k][j] : 0)).toBe(true);
        for (let k = 0; k < 2; k++) for (let q = 0; q < 4; q++) expect(row[6 + 4 * k + q] === (q === j ? a[i][k] : 0)).toBe(true);
      }
    const da = [[0.1, 0], [1, -1], [0.5, 2]];
    const db = [[0, 1, 0, -1], [2, 0.5, 0, 1]];
    const ybar = [[1, 0, 0, 2], [0, -1, 3, 0], [0.5, 0.5, 0, 1]];
    const [, d] = call<[Mat, Mat]>("matmul_dual", a, b, da, db);
    const [, ab, bb] = call<[Mat, Mat, Mat]>("matmul_vjp", a, b, ybar);
    expectClose(flat(d).reduce((s, y, k) => s + y * flat(ybar)[k], 0), flat(ab).reduce((s, g, k) => s + g * flat(da)[k], 0) + flat(bb).reduce((s, g, k) => s + g * flat(db)[k], 0), 1e-12);
  });
});

describe("locals: a literal of rows written in place, Float64Array rows, a matrix written in place, a callee, a choice", () => {
  it("lit = 2 (1 + x² y): ∂/∂x = 4 x y, ∂/∂y = 2 x² in every mode", () => {
    const [x, y] = [1.3, -0.7];
    expect(call<[number, number]>("lit_dual", x, y, 1, 0)[1]).toBeCloseTo(4 * x * y, 12);
    expect(call<[number, number]>("lit_dual", x, y, 0, 1)[1]).toBeCloseTo(2 * x * x, 12);
    const [value, gx, gy] = call<[number, number, number]>("lit_grad", x, y);
    expectClose(value, 2 * (1 + x * x * y), 1e-15);
    expectClose(gx, 4 * x * y, 1e-12);
    expectClose(gy, 2 * x * x, 1e-12);
    expect(call<[number, Mat]>("lit_jacobian", x, y)[1][0]).toEqual([gx, gy]);
  });

  it("rows64 = x Σ w_ij² over Float64Array rows: the gradient is Float64Array rows 2 x w, and Σ w²", () => {
    const w = [new Float64Array([1, -2]), new Float64Array([0.5, 3, 1])];
    const [, wb, xb] = call<[number, Float64Array[], number]>("rows64_grad", w, 1.5);
    expect(wb[0]).toBeInstanceOf(Float64Array);
    expect(Array.from(wb[1])).toEqual([1.5, 9, 3]);
    expect(xb).toBe(1 + 4 + 0.25 + 9 + 1);
    const dw = [new Float64Array([1, 0]), new Float64Array([0, 0, 2])];
    expect(call<[number, number]>("rows64_dual", w, 1.5, dw, 0)[1]).toBe(2 * 1.5 * (1 * 1 + 1 * 2));
    expect(call<[number, Mat]>("rows64_jacobian", w, 1.5)[1][0]).toEqual([3, -6, 1.5, 9, 3, 15.25]);
  });

  it("scaleInPlace (M scaled, then read): f = s² (m00 + s m11 m01); f_grad saves and restores the overwritten elements; f_dual writes M as f does", () => {
    const m0 = [[1.5, -2], [0.5, 3]];
    const s = 0.8;
    const f = (a: unknown[]): number => call<number>("scaleInPlace", ...a);
    // ∂/∂s = 2 s m00 + 3 s² m11 m01; ∂/∂m00 = s², ∂/∂m01 = s³ m11, ∂/∂m11 = s³ m01, ∂/∂m10 = 0.
    const m = copy(m0);
    const [value, mb, sb] = call<[number, Mat, number]>("scaleInPlace_grad", m, s);
    expectClose(value, s * s * (m0[0][0] + s * m0[1][1] * m0[0][1]), 1e-15);
    expectClose(sb, 2 * s * m0[0][0] + 3 * s * s * m0[1][1] * m0[0][1], 1e-12);
    expect(mb.map((r) => r.map((v) => Number(v.toFixed(12))))).toEqual([[Number((s * s).toFixed(12)), Number((s ** 3 * m0[1][1]).toFixed(12))], [0, Number((s ** 3 * m0[0][1]).toFixed(12))]]);
    m0.forEach((r, i) => r.forEach((_, j) => expectClose(mb[i][j], cdMatrix(f, [m0, s], 0, i, j))));
    const md = copy(m0);
    const dm = [[1, 0], [0, 0]];
    expectClose(call<[number, number]>("scaleInPlace_dual", md, s, dm, 0)[1], s * s, 1e-12);
    expect(md).toEqual(m0.map((r) => r.map((v) => v * s)));
    const [, jac] = call<[number, Mat]>("scaleInPlace_jacobian", copy(m0), s);
    [...flat(mb), sb].forEach((g, k) => expectClose(jac[0][k], g, 1e-12));
  });

  it("viaCallee = x ‖M‖² + m01: the callee's split halves carry M's adjoint: 2 x M + e01, ‖M‖²", () => {
    const m = [[1, 2], [3, -1]];
    const [, mb, xb] = call<[number, Mat, number]>("viaCallee_grad", m, 0.5);
    expect(mb).toEqual([[1, 3], [3, -1]]);
    expect(xb).toBe(15);
    expect(call<[number, number]>("viaCallee_dual", m, 0.5, [[0, 1], [0, 0]], 0)[1]).toBe(3);
  });

  it("gemvRows = sin(A x) through dotRow(A[i], x): ∂y_i/∂A_kl = δ_ik cos((Ax)_i) x_l, ∂y_i/∂x_l = cos((Ax)_i) A_il, by f_jacobian (forward and reverse) and f_vjp", () => {
    const a = [[1, 2], [-0.5, 0.25], [2, -1]];
    const x = [0.3, -0.8];
    const ax = a.map((r) => r[0] * x[0] + r[1] * x[1]);
    const [y, jac] = call<[number[], Mat]>("gemvRows_jacobian", a, x);
    expect(y).toEqual(ax.map(Math.sin));
    for (let i = 0; i < 3; i++) {
      for (let k = 0; k < 3; k++) for (let l = 0; l < 2; l++) expectClose(jac[i][2 * k + l], k === i ? Math.cos(ax[i]) * x[l] : 0, 1e-12);
      for (let l = 0; l < 2; l++) expectClose(jac[i][6 + l], Math.cos(ax[i]) * a[i][l], 1e-12);
    }
    const [, ab, xb] = call<[number[], Mat, number[]]>("gemvRows_vjp", a, x, [1, -2, 0.5]);
    a.forEach((r, i) => r.forEach((_, l) => expectClose(ab[i][l], [1, -2, 0.5][i] * Math.cos(ax[i]) * x[l], 1e-12)));
    expectClose(xb[1], [1, -2, 0.5].reduce((s, w, i) => s + w * Math.cos(ax[i]) * a[i][1], 0), 1e-12);
  });

  it("pick: the adjoint follows the matrix chosen (c > 0: A, else B)", () => {
    const a = [[2, 0], [0, 3]];
    const b = [[5, 0], [0, 7]];
    const [, ab, bb, cb] = call<[number, Mat, Mat, number]>("pick_grad", a, b, 1.5);
    expect([ab, bb, cb]).toEqual([[[4.5, 0], [0, 3]], zerosLike(b), 6]);
    const [, ab2, bb2] = call<[number, Mat, Mat, number]>("pick_grad", a, b, -1);
    expect([ab2, bb2]).toEqual([zerosLike(a), [[-7, 0], [0, -5]]]);
    expect(call<[number, number]>("pick_dual", a, b, -1, zerosLike(a), [[1, 0], [0, 0]], 0)[1]).toBe(-7);
  });

  it("the generated code type-checks under tsc --strict", () => {
    expect(strictTypeErrors([join(compiled.dir, "out", "input.ts")])).toEqual([]);
  });
});

describe("Float32Array: tangents and adjoints in Float32Array, like the value (float32 precision)", () => {
  const f32Source = `
/** Σ sin(w_i x) w_i, with a Float32Array local. */
/** @differentiable hessian */
export function f(w: Float32Array, x: number): number {
  const t = new Float32Array(w.length);
  let s = 0;
  for (let i = 0; i < w.length; i++) {
    t[i] = w[i] * x;
    s += Math.sin(t[i]) * w[i];
  }
  return s;
}

/** w², element-wise, as a Float32Array. */
/** @differentiable */
export function sq(w: Float32Array): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = w[i] * w[i];
  return out;
}
`;
  let c: Compiled;
  let m: Record<string, Fn>;
  beforeAll(async () => {
    c = compileSources({ "input.ts": f32Source });
    m = await c.load();
  });
  afterAll(() => c.cleanup());
  const run = <T>(name: string, ...args: unknown[]): T => (m[name] as unknown as (...a: unknown[]) => T)(...args);
  // The values are float32 (t = w x rounded to float32): derivatives agree with the float64 formula to ~1e-6.
  const F32 = 1e-5;
  const w = new Float32Array([0.5, -1.25, 2]);
  const x = 0.75;
  const t = Array.from(w, (wi) => Math.fround(wi * x));
  // ∂f/∂w_i = cos(w_i x) x w_i + sin(w_i x), ∂f/∂x = Σ cos(w_i x) w_i².
  const gw = Array.from(w, (wi, i) => Math.cos(t[i]) * x * wi + Math.sin(t[i]));
  const gx = Array.from(w, (wi, i) => Math.cos(t[i]) * wi * wi).reduce((a, b) => a + b, 0);

  it("f_grad returns a Float32Array gradient; f_dual, f_vjp, f_jacobian, f_hessian agree with the formulas to float32 precision", () => {
    const [, wb, xb] = run<[number, Float32Array, number]>("f_grad", w, x);
    expect(wb).toBeInstanceOf(Float32Array);
    gw.forEach((g, i) => expectClose(wb[i], g, F32));
    expectClose(xb, gx, F32);
    const dw = new Float32Array([1, 0, -1]);
    expectClose(run<[number, number]>("f_dual", w, x, dw, 0.5)[1], gw[0] - gw[2] + 0.5 * gx, F32);
    const [, wb3] = run<[number, Float32Array, number]>("f_vjp", w, x, 3);
    expectClose(wb3[1], 3 * gw[1], F32);
    run<[number, Mat]>("f_jacobian", w, x)[1][0].forEach((g, k) => expectClose(g, [...gw, gx][k], F32));
    // ∂²f/∂x² = -Σ sin(w_i x) w_i³; ∂²f/∂w_i∂x = 2 cos(w_i x) w_i - sin(w_i x) x w_i².
    const [, grad, hess] = run<[number, number[], Mat]>("f_hessian", w, x);
    grad.forEach((g, k) => expectClose(g, [...gw, gx][k], F32));
    expectClose(hess[3][3], -Array.from(w, (wi, i) => Math.sin(t[i]) * wi ** 3).reduce((a, b) => a + b, 0), F32);
    expectClose(hess[0][3], 2 * Math.cos(t[0]) * w[0] - Math.sin(t[0]) * x * w[0] * w[0], F32);
    // Central differences of f in float64 arithmetic of the inputs (f rounds t to float32: a coarser step).
    const cd = (i: number): number => {
      const h = 1e-3;
      const at = (d: number): number => {
        const v = new Float32Array(w);
        v[i] += d;
        return run<number>("f", v, x);
      };
      return (at(h) - at(-h)) / (2 * h);
    };
    expectClose(wb[2], cd(2), 1e-3);
  });

  it("sq: f_dual and f_vjp of a Float32Array result are Float32Arrays, 2 w ⊙ dw and 2 w ⊙ ȳ; f_jacobian is diag(2 w)", () => {
    const [value, d] = run<[Float32Array, Float32Array]>("sq_dual", w, new Float32Array([1, 1, 1]));
    expect(value).toBeInstanceOf(Float32Array);
    expect(d).toBeInstanceOf(Float32Array);
    expect(Array.from(d)).toEqual(Array.from(w, (wi) => 2 * wi));
    const [, wb] = run<[Float32Array, Float32Array]>("sq_vjp", w, new Float32Array([1, 0, 2]));
    expect(Array.from(wb)).toEqual([1, 0, 8]);
    expect(run<[Float32Array, Mat]>("sq_jacobian", w)[1].map((r) => r.map((v) => v + 0))).toEqual([[1, 0, 0], [0, -2.5, 0], [0, 0, 4]]);
  });

  it("the generated code type-checks under tsc --strict", () => {
    expect(strictTypeErrors([join(c.dir, "out", "input.ts")])).toEqual([]);
  });
});

describe("what stays out is a diagnostic: code, position, reason", () => {
  const diagnosticsOf = (src: string): string[] => {
    const c = compileSources({ "input.ts": src });
    try {
      return c.diagnostics.map((d) => `${d.pos?.line}:${d.pos?.col} ${d.code} ${d.message}`);
    } finally {
      c.cleanup();
    }
  };

  it("a row held while its index changes (reverse mode cannot say whose row it is): ADC2021 at the declaration", () => {
    expect(diagnosticsOf("/** @differentiable */\nexport function f(m: number[][]): number {\n  let i = 0;\n  const row = m[i];\n  i = 1;\n  return row[0] * m[i][0];\n}\n")).toEqual([
      "4:9 ADC2021 reverse mode cannot follow 'row', a row of an active array of arrays, here (it or its index is assigned again while it is used, or code adc-ts cannot see reads it); read the elements through the array (m[i][j])",
    ]);
  });

  it("an active row stored into an array literal of rows: ADC2021", () => {
    expect(diagnosticsOf("/** @differentiable */\nexport function f(v: number[]): number {\n  const m = [v, v];\n  return m[0][0] * m[1][1];\n}\n")).toEqual([
      "3:9 ADC2021 reverse mode cannot follow the active array 'v' used as a row of an array literal; write its numbers into the literal",
    ]);
  });

  it("a choice between a matrix and a constant literal in forward mode: ADC2020 at the statement", () => {
    const d = diagnosticsOf("/** @differentiable */\nexport function f(m: number[][], c: number): number {\n  const r = c > 0 ? m : [[1, 2], [3, 4]];\n  return r[0][1] * c;\n}\n");
    expect(d[0]).toBe("3:9 ADC2020 forward mode cannot choose between arrays of arrays here (a branch calls a function or is constant); assign each branch to a variable in an if/else");
  });

  it("hessian of a function of a matrix: ADC2020 at the function", () => {
    expect(diagnosticsOf("/** @differentiable hessian */\nexport function f(m: number[][]): number {\n  return m[0][0] * m[0][1];\n}\n")).toEqual([
      "2:1 ADC2020 f_hessian cannot be generated for f: the Hessian of a function of an array of arrays ('m') is not supported yet; flatten it into a number[]",
      "2:1 ADC2020 f_hvp cannot be generated for f: the Hessian of a function of an array of arrays ('m') is not supported yet; flatten it into a number[]",
    ]);
  });

  it("a row passed to a callee that writes it: ADC2020 at the call (reverse mode cannot save the row)", () => {
    expect(diagnosticsOf("function neg(r: number[]): number {\n  r[0] = -r[0];\n  return r[0];\n}\n/** @differentiable */\nexport function f(m: number[][]): number {\n  return neg(m[0]) * m[0][0];\n}\n")).toEqual([
      "7:10 ADC2020 reverse mode cannot pass a row of the array of arrays 'm' to neg, which writes it (the caller cannot save that row); pass a variable holding a copy",
    ]);
  });

  it("a matrix a callee overwrites while the caller's reverse sweep needs its old values: ADC2020 at the call", () => {
    expect(diagnosticsOf("function sq(m: number[][]): void {\n  for (let i = 0; i < m.length; i++) for (let j = 0; j < m[i].length; j++) m[i][j] = m[i][j] * m[i][j];\n}\n/** @differentiable */\nexport function f(m: number[][]): number {\n  const a = m[0][0] * m[0][0];\n  sq(m);\n  return a * m[0][0];\n}\n")).toEqual([
      "7:3 ADC2020 reverse mode needs the values of the array of arrays 'm' that this call (or code it inlines) overwrites, and saves whole arrays of numbers only; write into a copy",
    ]);
  });
});

describe("fixtures/nested: the golden pair's functions, numerically", () => {
  let c: Compiled;
  let m: Record<string, Fn>;
  beforeAll(async () => {
    c = compileSources({ "input.ts": readFileSync(join(import.meta.dirname, "..", "fixtures", "nested", "input.ts"), "utf8") });
    m = await c.load();
  });
  afterAll(() => c.cleanup());
  const run = <T>(name: string, ...args: unknown[]): T => (m[name] as unknown as (...a: unknown[]) => T)(...args);

  it("matVec: ∂(A x)_i/∂A_kl = δ_ik x_l, ∂/∂x = A; f_vjp against f_dual", () => {
    const a = [[1, 2, 3], [-1, 0.5, 2]];
    const x = [0.5, -1, 2];
    const [y, jac] = run<[number[], Mat]>("matVec_jacobian", a, x);
    expect(y).toEqual([4.5, 3]);
    for (let i = 0; i < 2; i++) {
      for (let k = 0; k < 2; k++) for (let l = 0; l < 3; l++) expect(jac[i][3 * k + l] === (k === i ? x[l] : 0)).toBe(true);
      for (let l = 0; l < 3; l++) expect(jac[i][6 + l]).toBe(a[i][l]);
    }
    const da = [[1, 0, 0], [0, 2, -1]];
    const dx = [0, 1, 0.5];
    const [, d] = run<[number[], number[]]>("matVec_dual", a, x, da, dx);
    const [, ab, xb] = run<[number[], Mat, number[]]>("matVec_vjp", a, x, [2, -1]);
    expectClose(2 * d[0] - d[1], flat(ab).reduce((s, g, k) => s + g * flat(da)[k], 0) + xb.reduce((s, g, k) => s + g * dx[k], 0), 1e-12);
  });

  it("outer: f_jacobian by rows and columns agree with u_i v_j's partials", () => {
    const [value, jac] = run<[Mat, Mat]>("outer_jacobian", [2, -1], [0.5, 3, 1]);
    expect(value).toEqual([[1, 6, 2], [-0.5, -3, -1]]);
    expect(jac.map((r) => r.map((v) => v + 0))).toEqual([
      [0.5, 0, 2, 0, 0],
      [3, 0, 0, 2, 0],
      [1, 0, 0, 0, 2],
      [0, 0.5, -1, 0, 0],
      [0, 3, 0, -1, 0],
      [0, 1, 0, 0, -1],
    ]);
  });

  it("weighted: Float32Array gradients w̄ = tanh x, x̄ = w (1 - tanh² x), to float32 precision; against central differences", () => {
    const w = new Float32Array([0.5, -2, 1.25]);
    const x = new Float32Array([0.1, -0.7, 1.5]);
    const [value, wb, xb] = run<[number, Float32Array, Float32Array]>("weighted_grad", w, x);
    expect([wb, xb].every((g) => g instanceof Float32Array)).toBe(true);
    for (let i = 0; i < 3; i++) {
      expectClose(wb[i], Math.tanh(x[i]), 1e-6);
      expectClose(xb[i], w[i] * (1 - Math.tanh(x[i]) ** 2), 1e-6);
    }
    const h = 1e-3;
    const shifted = (d: number): number => run<number>("weighted", w, Float32Array.from(x, (v, i) => (i === 1 ? v + d : v)));
    expectClose(xb[1], (shifted(h) - shifted(-h)) / (2 * h), 1e-3);
    expectClose(run<[number, number]>("weighted_dual", w, x, new Float32Array([1, 1, 1]), new Float32Array(3))[1], Array.from(x, Math.tanh).reduce((s, t) => s + t, 0), 1e-6);
    expect(value).toBe(run<number>("weighted", w, x));
  });
});

describe("f_hessian of a function with local arrays of arrays (rows allocated in a loop, a row held in a const, a literal of rows)", () => {
  const hSource = `
/** @differentiable hessian */
export function f(x: number, y: number, v: number[]): number {
  let s = x;
  for (let i1 = 0; i1 < 2; i1++) {
    const mm: number[][] = [];
    for (let mr = 0; mr < 2; mr++) {
      mm[mr] = new Array<number>(3).fill(0);
      for (let mc = 0; mc < 3; mc++) mm[mr][mc] = x * y + mr - mc;
    }
    mm[1][2] *= Math.tanh(s) * mm[0][1];
    for (let mr = 0; mr < mm.length; mr++) {
      const row = mm[mr];
      for (let mc = 0; mc < row.length; mc++) row[mc] = row[mc] * Math.tanh(y) + row[0];
    }
    s += mm[0][1] * mm[1][2];
  }
  {
    const mm: number[][] = [[x, y], [s, x * y]];
    mm[0][1] += s * mm[1][0];
    s += mm[0][1] * mm[1][1] + v[0] * v[1];
  }
  return s;
}
`;
  it("f_grad against central differences of f, f_hessian against central differences of f_grad (1e-5); strict-clean", async () => {
    const c = compileSources({ "input.ts": hSource });
    try {
      expect(strictTypeErrors([join(c.dir, "out", "input.ts")])).toEqual([]);
      const m = await c.load();
      const f = m.f as unknown as (x: number, y: number, v: number[]) => number;
      const grad = m.f_grad as unknown as (x: number, y: number, v: number[]) => [number, number, number, number[]];
      const hessian = m.f_hessian as unknown as (x: number, y: number, v: number[]) => [number, number[], Mat];
      const at = [0.4, -0.3, 0.7, 1.2];
      const call3 = <T>(fn: (x: number, y: number, v: number[]) => T, p: number[]): T => fn(p[0], p[1], [p[2], p[3]]);
      const flatGrad = (p: number[]): number[] => {
        const [, gx, gy, gv] = call3(grad, p);
        return [gx, gy, ...gv];
      };
      const shift = (p: number[], k: number, d: number): number[] => p.map((v, i) => (i === k ? v + d : v));
      const g = flatGrad(at);
      for (let k = 0; k < 4; k++) expectClose(g[k], (call3(f, shift(at, k, H)) - call3(f, shift(at, k, -H))) / (2 * H), 1e-6);
      const [, gradient, hess] = call3(hessian, at);
      gradient.forEach((v, k) => expectClose(v, g[k], 1e-12));
      for (let k = 0; k < 4; k++) {
        const column = flatGrad(shift(at, k, H)).map((v, i) => (v - flatGrad(shift(at, k, -H))[i]) / (2 * H));
        column.forEach((v, i) => expectClose(hess[i][k], v, 1e-5));
      }
    } finally {
      c.cleanup();
    }
  });
});

describe("a row held in a const is part of its array for activity: a write through the row makes the array active", () => {
  it("f(x) = m[0][1] after row[1] = x² through const row = m[0] (m a local of constants): f' = 2x in every mode", async () => {
    const c = compileSources({
      "input.ts": `/** @differentiable */
export function f(x: number): number {
  const m = [[1, 2], [3, 4]];
  const row = m[0];
  row[1] = x * x;
  return m[0][1] * m[1][0];
}
`,
    });
    try {
      expect(strictTypeErrors([join(c.dir, "out", "input.ts")])).toEqual([]);
      const m = await c.load();
      const x = 1.5;
      expect((m.f_dual as unknown as (x: number, dx: number) => [number, number])(x, 1)).toEqual([3 * x * x, 6 * x]);
      expect((m.f_grad as unknown as (x: number) => [number, number])(x)).toEqual([3 * x * x, 6 * x]);
      expect((m.f_jacobian as unknown as (x: number) => [number, Mat])(x)[1]).toEqual([[6 * x]]);
    } finally {
      c.cleanup();
    }
  });
});

describe("a parameter written through a row held in a const counts as written: each Jacobian sweep starts from the caller's matrix", () => {
  it("f(m) = (m00 ← m00 · m01, through const r = m[0]) · m11: J against the hand-derived gradient", async () => {
    const c = compileSources({
      "input.ts": `/** @differentiable */
export function f(m: number[][]): number[] {
  const r = m[0];
  r[0] = r[0] * r[1];
  return [m[0][0] * m[1][1], m[1][0]];
}
`,
    });
    try {
      const mod = await c.load();
      const m = [[2, 3], [5, 7]];
      const [, jac] = (mod.f_jacobian as unknown as (m: Mat) => [number[], Mat])(m);
      // y0 = m00 m01 m11: ∂ = [m01 m11, m00 m11, 0, m00 m01]; y1 = m10.
      expect(jac).toEqual([[21, 14, 0, 6], [0, 0, 1, 0]]);
      expect(m).toEqual([[6, 3], [5, 7]]);
    } finally {
      c.cleanup();
    }
  });
});
