/**
 * Reverse mode through array variables whose alias class holds arrays allocated more than once: a
 * double buffer allocating its next array each iteration, a pointer alternating between a parameter
 * and a fresh array, a variable naming a parameter in one place and an array of its own in another,
 * two pointers naming one re-allocated array. The adjoint follows the array (names of one array share
 * one adjoint array): hand-derived values, gradients and Hessians, and the dot-product test against
 * f_dual.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { compileSources } from "./helpers/compile.js";
import { dotProductTest, flatten, random, type Module, type Value } from "./helpers/reverse-check.js";
import { tape } from "../src/runtime/tape.js";

const source = `
/** The double buffer with a fresh array each iteration. */
/** @differentiable */
export function buffer(x: number[], n: number): number {
  let cur = x;
  for (let k = 0; k < n; k++) {
    const next = new Array<number>(cur.length).fill(0);
    for (let i = 0; i < cur.length; i++) next[i] = Math.sin(cur[i]) * cur[(i + 1) % cur.length];
    cur = next;
  }
  let s = 0;
  for (let i = 0; i < cur.length; i++) s += cur[i];
  return s;
}

/** The same with products, for the Hessian. */
/** @differentiable hessian wrt=x */
export function squares(x: number[], n: number): number {
  let cur = x;
  for (let k = 0; k < n; k++) {
    const next = new Array<number>(cur.length).fill(0);
    for (let i = 0; i < cur.length; i++) next[i] = cur[i] * cur[(i + 1) % cur.length];
    cur = next;
  }
  let s = 0;
  for (let i = 0; i < cur.length; i++) s += cur[i];
  return s;
}

/** A pointer alternating between the parameter and a fresh array. */
/** @differentiable hessian wrt=x */
export function alternate(x: number[], n: number): number {
  let p = x;
  let s = 0;
  for (let k = 0; k < n; k++) {
    if (k % 2 === 0) {
      const t = new Array<number>(p.length).fill(0);
      for (let i = 0; i < p.length; i++) t[i] = p[i] * x[i];
      p = t;
    } else p = x;
    s += p[0] * p[1];
  }
  return s;
}

/** A variable naming the parameter, then an array of its own, then the parameter again. */
/** @differentiable hessian */
export function ownArray(x: Float64Array, c: number): number {
  let u = x;
  let s = u[0] * u[1];
  u = new Float64Array(3);
  for (let i = 0; i < 3; i++) u[i] = c * x[i];
  s += u[0] * u[2] * c;
  u = x;
  s += u[2] * c;
  return s;
}

/** Two pointers naming one array allocated each iteration; a write through one, reads through the other. */
/** @differentiable hessian wrt=x */
export function twoNames(x: number[], n: number): number {
  let a = x;
  let b = x;
  let s = 0;
  for (let k = 0; k < n; k++) {
    const t = new Array<number>(2).fill(0);
    t[0] = a[0] * b[1];
    t[1] = a[1] + b[0];
    a = t;
    b = t;
    b[1] = b[1] * 2;
    s += a[0] * a[1];
  }
  return s;
}

/** A pointer to a parameter, or to a literal array of its own in a branch. */
/** @differentiable */
export function ownLiteral(x: number[], z: number[]): number {
  let y = x;
  if (x[0] > 0) y = [z[0] * z[1], z[1]];
  return y[0] * 2;
}

/** A pointer to an array allocated in a loop, read after each re-pointing. */
/** @differentiable */
export function loopPointer(x: number[]): number {
  let p = x;
  let s = 0;
  for (let k = 0; k < 2; k++) {
    const t = new Array<number>(x.length).fill(0);
    for (let i = 0; i < x.length; i++) t[i] = p[i] * p[i];
    p = t;
    s += p[0];
  }
  return s;
}

/** A for...of over an array the body writes and re-allocates: it iterates the first array. */
/** @differentiable */
export function forOfRebind(x: number): number {
  let u: number[] = [x, x, x];
  let s = 0;
  for (const e of u) {
    s += e;
    u[1] = x * e;
    u = [x];
  }
  return s;
}

/** A literal array of its own, or a parameter in a branch. */
/** @differentiable */
export function literalOrParam(a: number[], b: number[], c: number): number {
  let y: number[] = [0, 0];
  if (c > 0) {
    y = b;
  }
  return y[0] * a[0];
}

/** A callee (split into g_fwd and g_bwd) whose parameter's adjoint is in the class. */
function squaresOf(x: number[], n: number): number {
  let cur = x;
  for (let k = 0; k < n; k++) {
    const next = new Array<number>(cur.length).fill(0);
    for (let i = 0; i < cur.length; i++) next[i] = cur[i] * cur[(i + 1) % cur.length];
    cur = next;
  }
  return cur[0] + cur[1];
}

/** @differentiable hessian wrt=x */
export function viaCall(x: number[], n: number): number {
  return squaresOf(x, n) * 3 + x[0] * x[1];
}

/** A callee's fresh array each iteration: cur = step(cur), the previous array read through another name. */
function step(c: number[]): number[] {
  const out = new Array<number>(c.length).fill(0);
  for (let i = 0; i < c.length; i++) out[i] = c[i] * c[(i + 1) % c.length];
  return out;
}

/** @differentiable hessian wrt=x */
export function viaStep(x: number[], n: number): number {
  let cur = x;
  let s = 0;
  for (let k = 0; k < n; k++) {
    const prev = cur;
    cur = step(cur);
    s += prev[0] * cur[1];
  }
  return s + cur[0];
}

/** v = g(v) without another name: the argument's adjoint is not the result's (was: both cur_b, the gradient lost). */
/** @differentiable hessian wrt=x */
export function selfStep(x: number[], n: number): number {
  let cur = [x[0] * 2, x[1]];
  for (let k = 0; k < n; k++) cur = step(cur);
  return cur[0];
}

/** @differentiable */
export function selfStepOnce(x: number[]): number {
  let cur = [x[0] * 2, x[1]];
  cur = step(cur);
  return cur[0];
}

/** Fuzzer finding 22: a ternary alias of a block array declared once. */
/** @differentiable hessian */
export function blockTernary(x: number, y: number, v: number[]): number {
  let s = x;
  const z = new Array(3).fill(0);
  {
    const u1 = new Array<number>(Math.floor(2.5 + 1.5 * Math.sin(0.3))).fill(0);
    {
      const u2: number[] = (v.length > x && 0 > x) ? u1 : z;
      s = v.length;
    }
  }
  return s * x;
}
`;

type Grad = (...a: Value[]) => [number, ...Value[]];
type Hess = (...a: Value[]) => [number, number[], number[][]];

let m: Module;
let cleanup: () => void = () => {};
beforeAll(async () => {
  const c = compileSources({ "input.ts": source });
  expect(c.diagnostics).toEqual([]);
  m = await c.load<Module>();
  cleanup = c.cleanup;
  return () => cleanup();
});

const grad = (name: string, ...args: Value[]): [number, ...Value[]] => {
  const out = (m[`${name}_grad`] as unknown as Grad)(...args);
  expect(tape.isEmpty()).toBe(true);
  return out;
};

const close = (actual: ArrayLike<number>, expected: number[], digits = 13): void => {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i], `[${i}]`).toBeCloseTo(expected[i], digits);
};

/** f_hessian: its value and gradient are f_grad's, and H exactly symmetric; returns H. */
function hessian(name: string, ...args: Value[]): number[][] {
  const [value, g, H] = (m[`${name}_hessian`] as unknown as Hess)(...args);
  expect(tape.isEmpty()).toBe(true);
  const [gv, ...gs] = grad(name, ...args);
  expect(value).toBe(gv);
  expect(g).toEqual(flatten(gs));
  for (let i = 0; i < H.length; i++) for (let j = 0; j < H.length; j++) expect(H[i][j]).toBe(H[j][i]);
  return H;
}

const closeMatrix = (H: number[][], expected: number[][], digits = 12): void => {
  expect(H.length).toBe(expected.length);
  H.forEach((row, i) => close(row, expected[i], digits));
};

describe("reverse mode: a double buffer allocating its next array each iteration", () => {
  it("n = 0: the sum of x, gradient all ones", () => {
    const [v, gx, gn] = grad("buffer", [0.3, -0.5, 1.2], 0);
    expect(v).toBeCloseTo(1, 15);
    expect(gx).toEqual([1, 1, 1]);
    expect(gn).toBe(0);
  });

  it("n = 1: Σ sin(x_i) x_{i+1}, ∂/∂x_j = cos(x_j) x_{j+1} + sin(x_{j-1})", () => {
    const x = [0.3, -0.5, 1.2];
    const [v, gx] = grad("buffer", x, 1);
    const at = (i: number): number => x[(i + 3) % 3];
    expect(v).toBeCloseTo(Math.sin(x[0]) * x[1] + Math.sin(x[1]) * x[2] + Math.sin(x[2]) * x[0], 14);
    close(gx as number[], [0, 1, 2].map((j) => Math.cos(at(j)) * at(j + 1) + Math.sin(at(j - 1))));
  });

  it("n = 3: the gradient of a hand-written backward pass over the three maps", () => {
    const x = [0.3, -0.5, 1.2, 0.7];
    const L = x.length;
    // Forward: c_{k+1}[i] = sin(c_k[i]) c_k[i+1]; backward: ∂/∂c_k[i] += cos(c_k[i]) c_k[i+1] ḡ[i], ∂/∂c_k[i+1] += sin(c_k[i]) ḡ[i].
    const cs = [x];
    for (let k = 0; k < 3; k++) cs.push(cs[k].map((c, i) => Math.sin(c) * cs[k][(i + 1) % L]));
    let bar = new Array<number>(L).fill(1);
    for (let k = 2; k >= 0; k--) {
      const c = cs[k];
      const prev = new Array<number>(L).fill(0);
      for (let i = 0; i < L; i++) {
        prev[i] += Math.cos(c[i]) * c[(i + 1) % L] * bar[i];
        prev[(i + 1) % L] += Math.sin(c[i]) * bar[i];
      }
      bar = prev;
    }
    const [v, gx] = grad("buffer", x, 3);
    expect(v).toBeCloseTo(cs[3].reduce((a, b) => a + b, 0), 14);
    close(gx as number[], bar);
    expect(x).toEqual([0.3, -0.5, 1.2, 0.7]);
  });

  it("the dot-product test against f_dual, n = 0, 1, 3", () => {
    const rnd = random(41);
    for (const n of [0, 1, 3]) dotProductTest(m, "buffer", [[0.3, -0.5, 1.2, 0.7], n], [0, 1], rnd);
  });

  it("the Hessian: n = 1, f = 2 x0 x1; n = 2, f = 2 x0² x1²", () => {
    closeMatrix(hessian("squares", [1.5, -0.5], 1), [
      [0, 2],
      [2, 0],
    ]);
    const [x0, x1] = [1.5, -0.5];
    const [v, g] = grad("squares", [x0, x1], 2);
    expect(v).toBeCloseTo(2 * x0 * x0 * x1 * x1, 14);
    close(g as number[], [4 * x0 * x1 * x1, 4 * x0 * x0 * x1]);
    closeMatrix(hessian("squares", [x0, x1], 2), [
      [4 * x1 * x1, 8 * x0 * x1],
      [8 * x0 * x1, 4 * x0 * x0],
    ]);
    const rnd = random(42);
    for (const n of [0, 2, 3]) dotProductTest(m, "squares", [[0.4, -0.9, 1.1], n], [0], rnd);
  });
});

describe("reverse mode: a pointer alternating between a parameter and a fresh array", () => {
  it("n = 3: f = 2 x0² x1² + x0 x1, its gradient and Hessian", () => {
    const [x0, x1] = [0.8, -1.3];
    const [v, g] = grad("alternate", [x0, x1, 0.4], 3);
    expect(v).toBeCloseTo(2 * x0 * x0 * x1 * x1 + x0 * x1, 14);
    close(g as number[], [4 * x0 * x1 * x1 + x1, 4 * x0 * x0 * x1 + x0, 0]);
    closeMatrix(hessian("alternate", [x0, x1, 0.4], 3), [
      [4 * x1 * x1, 8 * x0 * x1 + 1, 0],
      [8 * x0 * x1 + 1, 4 * x0 * x0, 0],
      [0, 0, 0],
    ]);
  });

  it("the dot-product test against f_dual, n = 0 to 4", () => {
    const rnd = random(43);
    for (const n of [0, 1, 2, 3, 4]) dotProductTest(m, "alternate", [[0.8, -1.3, 0.4], n], [0], rnd);
  });

  it("a pointer to an array allocated in a loop: f = x0² + x0⁴", () => {
    const [v, g] = grad("loopPointer", [1.5, -0.5]);
    expect(v).toBe(1.5 ** 2 + 1.5 ** 4);
    expect(g).toEqual([2 * 1.5 + 4 * 1.5 ** 3, 0]);
    dotProductTest(m, "loopPointer", [[1.5, -0.5, 0.25]], [0], random(44));
  });
});

describe("reverse mode: a variable naming another array in one place and an array of its own elsewhere", () => {
  it("u = x, then an array of its own, then x again: f = x0 x1 + c³ x0 x2 + c x2", () => {
    const [x0, x1, x2, c] = [0.7, -1.1, 0.9, 1.3];
    const x = Float64Array.from([x0, x1, x2]);
    const [v, gx, gc] = grad("ownArray", x, c);
    expect(v).toBeCloseTo(x0 * x1 + c ** 3 * x0 * x2 + c * x2, 14);
    expect(gx).toBeInstanceOf(Float64Array);
    close(gx as Float64Array, [x1 + c ** 3 * x2, x0, c ** 3 * x0 + c]);
    expect(gc).toBeCloseTo(3 * c * c * x0 * x2 + x2, 13);
    closeMatrix(hessian("ownArray", x, c), [
      [0, 1, c ** 3, 3 * c * c * x2],
      [1, 0, 0, 0],
      [c ** 3, 0, 0, 3 * c * c * x0 + 1],
      [3 * c * c * x2, 0, 3 * c * c * x0 + 1, 6 * c * x0 * x2],
    ]);
    dotProductTest(m, "ownArray", [x, c], [0, 1], random(45));
  });

  it("y = x, or a literal array of its own in a branch: both sides", () => {
    // x0 > 0: f = 2 z0 z1; otherwise f = 2 x0.
    expect(grad("ownLiteral", [0.5, 2], [3, -4])).toEqual([-24, [0, 0], [-8, 6]]);
    expect(grad("ownLiteral", [-0.5, 2], [3, -4])).toEqual([-1, [2, 0], [0, 0]]);
    const rnd = random(46);
    dotProductTest(m, "ownLiteral", [[0.5, 2], [3, -4]], [0, 1], rnd);
    dotProductTest(m, "ownLiteral", [[-0.5, 2], [3, -4]], [0, 1], rnd);
  });
});

describe("reverse mode: more variables naming a parameter or an array of their own", () => {
  it("for...of over an array the body writes and re-allocates: s = x + x² + x", () => {
    // The loop reads the first array: u[1] = x · x is written into it in the first iteration.
    expect(grad("forOfRebind", 1.5)).toEqual([1.5 + 2.25 + 1.5, 2 + 3]);
    expect(grad("forOfRebind", -0.25)).toEqual([-0.25 + 0.0625 - 0.25, 2 - 0.5]);
    dotProductTest(m, "forOfRebind", [0.7], [0], random(50));
  });

  it("y = [0, 0], or b where c > 0: f = b0 a0 or 0", () => {
    expect(grad("literalOrParam", [2, 3], [-5, 7], 1)).toEqual([-10, [-5, 0], [2, 0], 0]);
    expect(grad("literalOrParam", [2, 3], [-5, 7], -1)).toEqual([0, [0, 0], [0, 0], 0]);
    const rnd = random(51);
    dotProductTest(m, "literalOrParam", [[2, 3], [-5, 7], 1], [0, 1, 2], rnd);
    dotProductTest(m, "literalOrParam", [[2, 3], [-5, 7], -1], [0, 1, 2], rnd);
  });
});

describe("reverse mode: two pointers naming one array allocated each iteration", () => {
  it("n = 1: f = 2 x0² x1 + 2 x0 x1², its gradient and Hessian", () => {
    const [x0, x1] = [0.6, -1.4];
    const [v, g] = grad("twoNames", [x0, x1], 1);
    expect(v).toBeCloseTo(2 * x0 * x0 * x1 + 2 * x0 * x1 * x1, 14);
    close(g as number[], [4 * x0 * x1 + 2 * x1 * x1, 2 * x0 * x0 + 4 * x0 * x1]);
    closeMatrix(hessian("twoNames", [x0, x1], 1), [
      [4 * x1, 4 * x0 + 4 * x1],
      [4 * x0 + 4 * x1, 4 * x0],
    ]);
  });

  it("n = 2: the value and gradient of the closed form, and the dot-product test", () => {
    // t = [x0 x1, 2 (x0 + x1)], then t' = [t0 t1, 2 (t1 + t0)]: f = t0 t1 + t0' t1'.
    const f = ([x0, x1]: number[]): number => {
      const t0 = x0 * x1;
      const t1 = 2 * (x0 + x1);
      return t0 * t1 + t0 * t1 * 2 * (t1 + t0);
    };
    const df = ([x0, x1]: number[]): number[] => {
      // f = P + 2 P (t0 + t1), P = t0 t1; ∂f = ∂P (1 + 2 (t0 + t1)) + 2 P (∂t0 + ∂t1).
      const t0 = x0 * x1;
      const t1 = 2 * (x0 + x1);
      const P = t0 * t1;
      const dP = [x1 * t1 + 2 * t0, x0 * t1 + 2 * t0];
      const dt = [x1 + 2, x0 + 2];
      return [0, 1].map((i) => dP[i] * (1 + 2 * (t0 + t1)) + 2 * P * dt[i]);
    };
    const x = [0.6, -1.4];
    const [v, g] = grad("twoNames", x, 2);
    expect(v).toBeCloseTo(f(x), 13);
    close(g as number[], df(x), 12);
    const rnd = random(47);
    for (const n of [0, 1, 2, 3]) dotProductTest(m, "twoNames", [[0.6, -1.4], n], [0], rnd);
  });
});

describe("reverse mode: a callee's double buffer (g_fwd, g_bwd)", () => {
  it("n = 2: f = 3 (x0² x1² + x1² x0²) + x0 x1 for two elements, its gradient and Hessian", () => {
    const [x0, x1] = [1.5, -0.5];
    const [v, g] = grad("viaCall", [x0, x1], 2);
    expect(v).toBeCloseTo(6 * x0 * x0 * x1 * x1 + x0 * x1, 14);
    close(g as number[], [12 * x0 * x1 * x1 + x1, 12 * x0 * x0 * x1 + x0]);
    closeMatrix(hessian("viaCall", [x0, x1], 2), [
      [12 * x1 * x1, 24 * x0 * x1 + 1],
      [24 * x0 * x1 + 1, 12 * x0 * x0],
    ]);
    const rnd = random(49);
    for (const n of [0, 1, 3]) dotProductTest(m, "viaCall", [[0.4, -0.9, 1.1], n], [0], rnd);
  });
});

describe("reverse mode: a callee's result replacing the array another name still holds", () => {
  it("n = 1: f = x0 · x1 x0 + x0 x1 = x0² x1 + x0 x1, n = 2: + x0 x1 · x1² x0² ... (closed form)", () => {
    const [x0, x1] = [0.7, -1.2];
    const [v1, g1] = grad("viaStep", [x0, x1], 1);
    expect(v1).toBeCloseTo(x0 * x0 * x1 + x0 * x1, 14);
    close(g1 as number[], [2 * x0 * x1 + x1, x0 * x0 + x0]);
    closeMatrix(hessian("viaStep", [x0, x1], 1), [
      [2 * x1, 2 * x0 + 1],
      [2 * x0 + 1, 0],
    ]);
    // n = 2: c1 = [p, p] (p = x0 x1), c2 = [p², p²]; s = x0 p + p · p², f = s + p² = x0 p + p³ + p².
    const p = x0 * x1;
    const [v2, g2] = grad("viaStep", [x0, x1], 2);
    expect(v2).toBeCloseTo(x0 * p + p ** 3 + p * p, 14);
    const dfdp = x0 + 3 * p * p + 2 * p;
    close(g2 as number[], [p + dfdp * x1, dfdp * x0]);
    const rnd = random(52);
    for (const n of [0, 1, 2, 3]) dotProductTest(m, "viaStep", [[0.7, -1.2, 0.4], n], [0], rnd);
  });
});

describe("reverse mode: v = g(v), the argument and the result one variable", () => {
  it("f = 2 x0 x1 once (n = 1, and at the top); n = 2: f = 4 x0² x1²", () => {
    const [x0, x1] = [0.7, -1.2];
    expect(grad("selfStepOnce", [x0, x1])).toEqual([2 * x0 * x1, [2 * x1, 2 * x0]]);
    const [v1, g1] = grad("selfStep", [x0, x1], 1);
    expect(v1).toBe(2 * x0 * x1);
    expect(g1).toEqual([2 * x1, 2 * x0]);
    const [v2, g2] = grad("selfStep", [x0, x1], 2);
    expect(v2).toBeCloseTo(4 * x0 * x0 * x1 * x1, 14);
    close(g2 as number[], [8 * x0 * x1 * x1, 8 * x0 * x0 * x1]);
    closeMatrix(hessian("selfStep", [x0, x1], 2), [
      [8 * x1 * x1, 16 * x0 * x1],
      [16 * x0 * x1, 8 * x0 * x0],
    ]);
    const rnd = random(53);
    for (const n of [0, 1, 3]) dotProductTest(m, "selfStep", [[0.7, -1.2], n], [0], rnd);
    dotProductTest(m, "selfStepOnce", [[0.7, -1.2, 0.3]], [0], rnd);
  });
});

describe("fuzzer finding 22: a ternary alias of a block array declared once", () => {
  it("f = v.length x: gradient (v.length, 0, 0...), Hessian 0", () => {
    expect(grad("blockTernary", 1.5, 2, [1, 2, 3, 4])).toEqual([6, 4, 0, [0, 0, 0, 0]]);
    expect(grad("blockTernary", -1.5, 2, [1, 2])).toEqual([-3, 2, 0, [0, 0]]);
    const H = hessian("blockTernary", -1.5, 2, [1, 2]);
    expect(H.flat().every((h) => h === 0)).toBe(true);
    dotProductTest(m, "blockTernary", [-1.5, 2, [1, 2]], [0, 1, 2], random(48));
  });
});
