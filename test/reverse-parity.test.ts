/**
 * Constructs forward mode differentiated and reverse mode used to refuse: each checked against
 * hand-derived gradients, the dot-product test against forward mode, and (where the tag says so) the
 * Hessian by forward over reverse.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { compileWithText } from "./helpers/compile.js";
import { dotProductTest, gradientByDual, random, type Module, type Value } from "./helpers/reverse-check.js";
import { tape } from "../src/runtime/tape.js";

/** The text of one generated function. */
function body(text: string, name: string): string {
  const start = text.indexOf(`export function ${name}(`);
  return text.slice(start, text.indexOf("\n}\n", start));
}

type Grad = (...a: Value[]) => [number, ...Value[]];

const source = `
function total(v: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s;
}

function scaled(v: number[], c: number): number[] {
  const out = new Array<number>(v.length).fill(0);
  for (let i = 0; i < v.length; i++) out[i] = v[i] * c;
  return out;
}

/** Scales v in place and returns it. */
function scale(v: number[], c: number): number[] {
  for (let i = 0; i < v.length; i++) v[i] = v[i] * c;
  return v;
}

function norm2(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return s;
}

function isPos(k: number): boolean {
  return k > 0;
}

type Size = "big" | "small";

function size(k: number): Size {
  return k > 3 ? "big" : "small";
}

/** Writes out from u: its result reads what it wrote. */
function scaleInto(out: number[], u: readonly number[], c: number): number {
  for (let j = 0; j < out.length; j++) out[j] = out[j] * c + u[j % u.length];
  return out[0] * out[out.length - 1];
}

/** A literal and a choice of arrays passed to a callee that writes them (every mode; was ADC2014 in all). */
/** @differentiable hessian */
export function writtenArguments(x: number, y: number, v: number[]): number {
  const q = [y, 0.5, x];
  let s = scaleInto([x * y, 2], q, x);
  s += scaleInto(x > 0 ? q : v, v, y);
  return s + q[0] * v[1];
}

/** A choice of a local and the parameter handed to a callee that writes it: the local's tangent exists. */
/** @differentiable */
export function choiceWritten(x: number, v: number[]): number {
  const z = [0, 0];
  let s = 0;
  for (let i = 0; i < 2; i++) s += scaleInto(i === 0 ? z : v, i === 0 ? v : z, x);
  return s + z[0];
}

/** An array literal passed to a callee. */
/** @differentiable hessian */
export function literalArgument(x: number): number {
  const s = x * 2;
  return total([x, s]) * s;
}

/** A choice of arrays passed to a callee (a readonly parameter among them), and one of call results. */
/** @differentiable wrt=a,b */
export function choiceArgument(a: readonly number[], b: number[], c: number): number {
  return total(c > 0 ? a : b) * a[0] + total(c > 1 ? scaled(b, 2) : b);
}

/** Float64Array allocations and choices passed to a callee. */
/** @differentiable wrt=x */
export function typedArguments(x: Float64Array, c: number): number {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] * x[i];
  return norm2(c > 0 ? x : y) + norm2(new Float64Array(3)) * x[0];
}

/** An element of a choice of arrays, and of an array literal. */
/** @differentiable hessian */
export function elementOfChoice(a: number[], b: number[], c: number): number {
  const s = c * 2;
  let t = s * (c > 0 ? a : b)[0];
  t += [a[1] * a[1], b[1]][c > 0 ? 0 : 1] * s;
  return t;
}

/** A callee's array result dropped: the callee still scales w in place. */
/** @differentiable */
export function droppedResult(a: number[]): number {
  const w = [a[0], a[1]];
  scale(w, 3);
  return w[0] * w[1];
}

/** An array parameter pointed at a new array. */
/** @differentiable hessian */
export function repointed(x: number[]): number {
  const next = new Array<number>(x.length).fill(0);
  next[0] = x[0] * 3;
  x = next;
  return x[0] * x[0] + x[1];
}

/** One array parameter pointed at another in a branch. */
/** @differentiable */
export function parameterChoice(a: number[], b: number[], c: number): number {
  if (c > 0) {
    a = b;
  }
  return a[0] * b[1];
}

/** An array parameter assigned an array literal of its own elements. */
/** @differentiable */
export function repointedLiteral(x: number[]): number {
  x = [x[1] * 2, x[0]];
  return x[0] + 3 * x[1];
}

/** A local naming the parameter's array, then an array literal of its own elements, in a loop. */
/** @differentiable */
export function pointerLiteralLoop(x: number[]): number {
  let v = x;
  for (let k = 0; k < 2; k++) v = [v[1] * 2, v[0] * v[1]];
  return v[0] + 3 * v[1];
}

/** An array parameter replaced in a loop by the next iterate. */
/** @differentiable wrt=x */
export function iterated(x: Float64Array, steps: number): number {
  for (let k = 0; k < steps; k++) {
    const y = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) y[i] = Math.sin(x[i]) * x[(i + 1) % x.length];
    x = y;
  }
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
}

/** Call results of types other than number and arrays, needed after their block. */
/** @differentiable wrt=x */
export function otherResults(x: number, k: number): number {
  let s = 0;
  if (k > 1) {
    s = x * (isPos(k) ? 1 : 2);
    s = s * (size(k) === "big" ? x : 3);
    s = s * (firstOf(k) > 3 ? 1 : 2);
  }
  return s;
}

function firstOf<T>(v: T): T {
  return v;
}

/** Scales v in place and returns it (a second copy of scale, with a number argument read from the array). */
function scaleBy(v: number[], c: number): number[] {
  for (let i = 0; i < v.length; i++) v[i] = v[i] * c;
  return v;
}

/** A choice of arrays and an element of one of them passed to a callee that writes the array chosen. */
/** @differentiable wrt=a */
export function choiceAndElement(a: number[], c: number): number {
  const u = [a[0], a[1]];
  const w = [a[1], a[0]];
  const r = scaleBy(c > 0 ? u : w, u[0]);
  return r[1] + w[0];
}

/** The same with the result dropped. */
/** @differentiable wrt=a */
export function choiceAndElementDropped(a: number[], c: number): number {
  const u = [a[0], a[1]];
  const w = [a[1], a[0]];
  scaleBy(c > 0 ? u : w, u[0]);
  return u[1] * w[0] + u[0];
}

/** A string result carried from g_fwd to g_bwd: called from another differentiable function. */
/** @differentiable wrt=x */
export function sized(x: number, k: number): number {
  let s = 0;
  if (k > 1) {
    s = x * (size(k) === "big" ? x : 3);
  }
  return s;
}

/** @differentiable wrt=x */
export function callsSized(x: number, k: number): number {
  let t = 0;
  for (let i = 0; i < 2; i++) t += sized(x * t + 1, k);
  return t;
}

/** One name, an array in one block and a number in another. */
/** @differentiable */
export function arrayThenNumber(x: number, y: number): number {
  let s = 0;
  {
    const v = [x, y];
    s += v[0] * v[1];
  }
  {
    let v = x;
    v += y;
    s += v * v;
  }
  return s;
}

function pairProduct(p: [number, number]): number {
  return p[0] * p[1];
}

function firstTwo(v: readonly number[]): readonly number[] {
  return [v[0], v[1]];
}

/** A literal passed to a tuple parameter, a choice of ReadonlyArray values, a choice of calls' results. */
/** @differentiable wrt=x,a */
export function typedParameters(x: number, a: ReadonlyArray<number>, b: number[]): number {
  let s = pairProduct([x, 2 * x]);
  for (let i = 0; i < 2; i++) s += total(i > 0 ? a : b) + total(i > 0 ? firstTwo(a) : b);
  return s;
}

/** Returns the array it is given. */
function same(v: number[]): number[] {
  return v;
}

/** A callee's result that is the array passed to it, under a name re-pointed or new. */
/** @differentiable */
export function passedThrough(x: number[], c: number): number {
  x = same(x);
  let v = [x[0], x[1], x[2]];
  let s = x[0] * c;
  for (let k = 0; k < 3; k++) {
    v = scaleBy(v, c);
    s += v[k];
  }
  const y = same(x);
  y[1] = y[1] * c;
  return s + x[1] * x[1];
}

/** An array-returning function whose result is its (re-pointed) parameter. */
/** @differentiable */
export function passedBack(x: number[], c: number): number[] {
  x = scaleBy(same(x), c);
  return x;
}

function squares(v: number[]): number[] {
  const r = new Array<number>(v.length).fill(0);
  for (let i = 0; i < v.length; i++) r[i] = v[i] * v[i];
  return r;
}

/** Arrays of different lengths returned on different paths. */
/** @differentiable */
export function returnsByCase(x: number[], c: number): number[] {
  if (c > 1) return squares(x);
  return c > 0 ? [x[0] * c] : [c, x[1]];
}

/** A result whose elements the function overwrites after filling them. */
/** @differentiable */
export function scaledCopy(x: number[], c: number): number[] {
  const y = [x[0], x[1]];
  y[0] *= c;
  return y;
}

function pairOf(x: number, y: number): [number, number] {
  return [x * y, x + y];
}

function dot2(p: [number, number], q: [number, number]): number {
  return p[0] * q[0] + p[1] * q[1];
}

/** Tuples: a callee's result, a parameter given a literal. */
/** @differentiable hessian */
export function tuples(x: number, y: number): number {
  const p = pairOf(x, y);
  return dot2(p, [x, y]);
}

/** A tuple result. */
/** @differentiable */
export function tupleResult(x: number, y: number): [number, number] {
  const p = pairOf(x, y);
  return [p[0] * 2, p[1]];
}

/** Methods that change an inactive array's values, not its length, between reads reverse mode needs. */
/** @differentiable wrt=c */
export function methodWrites(x: number[], c: number): number {
  let s = c * c * x[0];
  x.fill(2);
  s *= x[1];
  for (let k = 0; k < 2; k++) {
    s += c * x[0] * x[2];
    x.sort((a, b) => b - a);
    x[0] = x[0] + 1;
  }
  return s;
}

/** Writes out from u. */
function refill(out: number[], u: number[], c: number): number {
  for (let j = 0; j < out.length; j++) out[j] = u[j % u.length] + 0.2;
  return out[0] * c;
}

/** The parameter written through a choice passed to a callee: f_hessian's sweeps each start from the caller's v. */
/** @differentiable hessian */
export function writesThroughChoice(x: number, y: number, v: number[]): number {
  const q = [y, 0.5, x];
  refill(3 >= v[0] ? v : q, v, -x);
  return 3 * x + x * v[0] + q[0];
}

/** One name: a number[] in one block, a Float64Array re-allocated inside a for-of over it in another. */
/** @differentiable */
export function blocksOfKinds(x: number[]): number {
  let s = 0;
  {
    const u = x;
    s += u[0];
  }
  {
    let u: Float64Array = new Float64Array(2);
    u[0] = x[1];
    for (const e of u) {
      u = new Float64Array(1);
      u[0] = e * x[0];
      s += u[0];
    }
  }
  return s;
}


/** for-of over an array the body writes through another name, and re-points the name it walks. */
/** @differentiable hessian */
export function forOfLive(x: number, y: number, v: number[]): number {
  const q = [y, 0.5, x];
  let s = 0;
  v = q;
  for (const e1 of v) {
    q[1] = e1 * x;
    s += e1;
    v = [x, x, x];
  }
  return s + v[0];
}
`;

describe("reverse mode: what forward mode differentiated and reverse mode refused", () => {
  let m: Module;
  let text: string;
  beforeAll(async () => {
    ({ m, text } = await compileWithText<Module>(source));
  });

  it("an array literal passed to a callee: f = 3x · 2x, f' = 12x, f'' = 12", () => {
    const grad = m.literalArgument_grad as Grad;
    expect(grad(1.5)).toEqual([13.5, 18]);
    const [, g, H] = (m.literalArgument_hessian as (x: number) => [number, number[], number[][]])(1.5);
    expect(g).toEqual([18]);
    expect(H).toEqual([[12]]);
    expect(body(text, "literalArgument_vjp")).toContain("const arr: readonly number[] = [x, s];");
    dotProductTest(m, "literalArgument", [0.7], [0], random(1));
  });

  it("a literal and a choice of arrays passed to a callee that writes them: every mode, against central differences", () => {
    // x = 2, y = 3, v = [1, 4]: scaleInto([6, 2], q, 2) = 15 · 4.5; scaleInto(q, v, 3) makes q = [10, 5.5, 7]
    // and gives 10 · 7; then q[0] v[1] = 40.
    const f = m.writtenArguments as (x: number, y: number, v: number[]) => number;
    const [value, gx, gy, gv] = (m.writtenArguments_grad as Grad)(2, 3, [1, 4]);
    expect(value).toBe(67.5 + 70 + 40);
    const h = 1e-6;
    const central = (g: (t: number) => number): number => (g(h) - g(-h)) / (2 * h);
    expect(gx).toBeCloseTo(central((t) => f(2 + t, 3, [1, 4])), 5);
    expect(gy).toBeCloseTo(central((t) => f(2, 3 + t, [1, 4])), 5);
    expect((gv as number[])[0]).toBeCloseTo(central((t) => f(2, 3, [1 + t, 4])), 5);
    expect((gv as number[])[1]).toBeCloseTo(central((t) => f(2, 3, [1, 4 + t])), 5);
    for (const x of [2, -1.5]) dotProductTest(m, "writtenArguments", [x, 0.7, [0.3, -1.1]], [0, 1, 2], random(15));
    const [, g, H] = (m.writtenArguments_hessian as (x: number, y: number, v: number[]) => [number, number[], number[][]])(2, 3, [1, 4]);
    expect(g).toEqual([gx, gy, ...(gv as number[])]);
    H.forEach((row, i) => row.forEach((hij, j) => expect(hij).toBe(H[j][i])));
    // Each row of H against central differences of the gradient.
    const flatGrad = (p: number[]): number[] => {
      const [, a, b, c] = (m.writtenArguments_grad as Grad)(p[0], p[1], [p[2], p[3]]);
      return [a as number, b as number, ...(c as number[])];
    };
    const at = [2, 3, 1, 4];
    at.forEach((_, i) => {
      const plus = flatGrad(at.map((p, j) => (j === i ? p + h : p)));
      const minus = flatGrad(at.map((p, j) => (j === i ? p - h : p)));
      plus.forEach((gp, j) => expect(H[i][j]).toBeCloseTo((gp - minus[j]) / (2 * h), 4));
    });
  });

  it("a choice of an inactive local and a parameter written by the callee: f = v0 v1 (1 + (x+1)²) + v0 (was: f_dual wrong)", () => {
    // z = v, then v becomes v (x + 1): f = v0 v1 + v0 v1 (x+1)² + v0.
    const expected = [31, 18, [31, 10]];
    expect((m.choiceWritten_grad as Grad)(2, [1, 3])).toEqual(expected);
    // Forward mode: one unit direction per input (was 0 for x: z had no tangent).
    expect(gradientByDual(m, "choiceWritten", [2, [1, 3]], [0, 1])).toEqual([18, 31, 10]);
    dotProductTest(m, "choiceWritten", [0.4, [1.5, -0.7]], [0, 1], random(16));
  });

  it("a choice of arrays passed to a callee follows the branch taken", () => {
    const grad = m.choiceArgument_grad as Grad;
    const a = [2, -1, 0.5];
    const b = [1, 4, -3];
    // c > 1: total(a) a0 + total(2b) → ∂a = a0 (each) + total(a) (a0), ∂b = 2.
    expect(grad(a, b, 2)).toEqual([1.5 * 2 + 4, [2 + 1.5, 2, 2], [2, 2, 2]]);
    // 0 < c ≤ 1: total(a) a0 + total(b) → ∂b = 1.
    expect(grad(a, b, 0.5)).toEqual([1.5 * 2 + 2, [2 + 1.5, 2, 2], [1, 1, 1]]);
    // c ≤ 0: total(b) a0 + total(b) → ∂a0 = total(b), ∂b = a0 + 1.
    expect(grad(a, b, -1)).toEqual([2 * 2 + 2, [2, 0, 0], [3, 3, 3]]);
    for (const c of [2, 0.5, -1]) dotProductTest(m, "choiceArgument", [a, b, c], [0, 1], random(2));
    expect(body(text, "choiceArgument_vjp")).toContain("let arr: readonly number[];");
  });

  it("Float64Array allocations and choices passed to a callee", () => {
    const grad = m.typedArguments_grad as Grad;
    const x = new Float64Array([0.5, -2, 1.5]);
    // c > 0: norm2(x), ∂ = 2x; c ≤ 0: Σ x⁴, ∂ = 4x³. norm2(zeros) · x0 adds nothing.
    expect(grad(x, 1)).toEqual([6.5, new Float64Array([1, -4, 3])]);
    expect(grad(x, -1)).toEqual([0.0625 + 16 + 5.0625, new Float64Array([0.5, -32, 13.5])]);
    for (const c of [1, -1]) dotProductTest(m, "typedArguments", [x, c], [0], random(3));
  });

  it("an element of a choice of arrays or of an array literal: f = 2c a0 + a1² · 2c (c > 0), 2c b0 + b1 · 2c (else)", () => {
    const grad = m.elementOfChoice_grad as Grad;
    const a = [3, 2];
    const b = [5, 7];
    expect(grad(a, b, 0.5)).toEqual([3 + 4, [1, 4], [0, 0], 2 * 3 + 2 * 4]);
    expect(grad(a, b, -0.5)).toEqual([-5 - 7, [0, 0], [-1, -1], 2 * 5 + 2 * 7]);
    const hess = m.elementOfChoice_hessian as (a: number[], b: number[], c: number) => [number, number[], number[][]];
    const [, g, H] = hess(a, b, 0.5);
    expect(g).toEqual([1, 4, 0, 0, 14]);
    // Hessian over (a0, a1, b0, b1, c): ∂²/∂a1² = 4c = 2, ∂²/∂a0∂c = 2, ∂²/∂a1∂c = 4 a1 = 8.
    expect(H).toEqual([
      [0, 0, 0, 0, 2],
      [0, 2, 0, 0, 8],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [2, 8, 0, 0, 0],
    ]);
    for (const c of [0.5, -0.5]) dotProductTest(m, "elementOfChoice", [a, b, c], [0, 1, 2], random(4));
  });

  it("a dropped array result: the callee's writes still count, f = 9 a0 a1", () => {
    const grad = m.droppedResult_grad as Grad;
    expect(grad([2, -3])).toEqual([-54, [-27, 18]]);
    dotProductTest(m, "droppedResult", [[0.4, 1.1]], [0], random(5));
  });

  it("an array parameter pointed at a new array: f = (3 x0)², its gradient goes to the caller's array", () => {
    const grad = m.repointed_grad as Grad;
    expect(grad([2, 5])).toEqual([36, [36, 0]]);
    const [, g, H] = (m.repointed_hessian as (x: number[]) => [number, number[], number[][]])([2, 5]);
    expect(g).toEqual([36, 0]);
    expect(H).toEqual([
      [18, 0],
      [0, 0],
    ]);
    dotProductTest(m, "repointed", [[0.3, -0.8, 2]], [0], random(6));
    // The parameter stays the caller's array: a local takes its place.
    expect(body(text, "repointed_vjp")).toContain("let x_2: number[] = x;");
  });

  it("one array parameter pointed at another in a branch: f = b0 b1 (c > 0), a0 b1 (else)", () => {
    const grad = m.parameterChoice_grad as Grad;
    expect(grad([2, 3], [5, 7], 1)).toEqual([35, [0, 0], [7, 5], 0]);
    expect(grad([2, 3], [5, 7], -1)).toEqual([14, [7, 0], [0, 2], 0]);
    for (const c of [1, -1]) dotProductTest(m, "parameterChoice", [[2, 3], [5, 7], c], [0, 1, 2], random(14));
  });

  it("an array parameter assigned a literal of its own elements: f = 2 x1 + 3 x0", () => {
    const grad = m.repointedLiteral_grad as Grad;
    // x = [3, 2] becomes [4, 3]: f = 4 + 9.
    expect(grad([3, 2])).toEqual([13, [3, 2]]);
    dotProductTest(m, "repointedLiteral", [[0.3, -0.8]], [0], random(7));
  });

  it("a local naming the parameter's array re-pointed at literals of its own elements in a loop (was: a zero gradient)", () => {
    // v = [2 x1, x0 x1], then [2 x0 x1, 2 x1 · x0 x1]: f = 2 x0 x1 + 6 x0 x1², ∂0 = 2 x1 + 6 x1², ∂1 = 2 x0 + 12 x0 x1.
    const grad = m.pointerLiteralLoop_grad as Grad;
    expect(grad([3, 2])).toEqual([12 + 72, [4 + 24, 6 + 72]]);
    dotProductTest(m, "pointerLiteralLoop", [[0.3, -0.8]], [0], random(13));
  });

  it("an array parameter replaced by the next iterate in a loop: the gradient equals forward mode's, column by column", () => {
    const x = new Float64Array([0.4, -1.2, 0.9, 2.1]);
    for (const steps of [0, 1, 3]) {
      const [, g] = (m.iterated_grad as Grad)(x.slice(), steps);
      const byDual = gradientByDual(m, "iterated", [x.slice(), steps], [0]);
      byDual.forEach((d, i) => expect((g as Float64Array)[i]).toBeCloseTo(d, 13));
      dotProductTest(m, "iterated", [x, steps], [0], random(8 + steps));
    }
    // steps = 0: f = Σ x, ∂ = 1.
    expect((m.iterated_grad as Grad)(x.slice(), 0)[1]).toEqual(new Float64Array([1, 1, 1, 1]));
    expect(tape.isEmpty()).toBe(true);
  });

  it("a choice of arrays and an element of one passed to a callee writing the chosen one: f = a0 a0 + a1 (c > 0)", () => {
    // c > 0: u = [a0, a1] scaled by a0 → r[1] = a1 a0; w[0] = a1. ∂ = [a1, a0 + 1].
    expect((m.choiceAndElement_grad as Grad)([3, 2], 1)).toEqual([8, [2, 4]]);
    // c ≤ 0: w = [a1, a0] scaled by u[0] = a0 → r[1] = a0², w[0] = a1 a0. ∂ = [2 a0 + a1, a0].
    expect((m.choiceAndElement_grad as Grad)([3, 2], -1)).toEqual([15, [8, 3]]);
    // Dropped: c > 0: u = [a0², a1 a0]: f = a1 a0 · a1 + a0² → ∂ = [a1² + 2 a0, 2 a0 a1].
    expect((m.choiceAndElementDropped_grad as Grad)([3, 2], 1)).toEqual([21, [10, 12]]);
    for (const c of [1, -1]) {
      dotProductTest(m, "choiceAndElement", [[0.3, -1.2], c], [0], random(17));
      dotProductTest(m, "choiceAndElementDropped", [[0.3, -1.2], c], [0], random(18));
    }
  });

  it("a string a callee keeps for its reverse half goes on the tape by reference (was: a wrong gradient)", () => {
    // k = 5 ("big"): sized(y) = y², t1 = 1, t2 = 1 + (x + 1)²: ∂t/∂x = 2 (x + 1) = 5 at x = 1.5.
    expect((m.callsSized_grad as Grad)(1.5, 5)).toEqual([1 + 2.5 * 2.5, 5]);
    // k = 2 ("small"): sized(y) = 3y, t1 = 3, t2 = 3 + 3 (3x + 1): ∂ = 9.
    expect((m.callsSized_grad as Grad)(1.5, 2)).toEqual([3 + 3 * 5.5, 9]);
    expect(body(text, "sized_bwd")).toContain("let size2: Size = tape.popValue<Size>();");
    for (const k of [5, 2]) dotProductTest(m, "callsSized", [0.7, k], [0], random(19));
  });

  it("+= on a number whose name is an array in another block: f = xy + (x + y)²", () => {
    expect((m.arrayThenNumber_grad as Grad)(2, 2.5)).toEqual([5 + 20.25, 2.5 + 9, 2 + 9]);
  });

  it("a literal for a tuple parameter, ReadonlyArray choices, a choice of calls' results: f = 2x² + Σ(b) + Σ(b) + Σ(a) + a0 + a1", () => {
    const [value, gx, ga] = (m.typedParameters_grad as Grad)(1.5, [1, 2, 3], [4, 5]);
    expect(value).toBe(4.5 + 9 + 9 + 6 + 3);
    expect(gx).toBe(6);
    expect(ga).toEqual([2, 2, 1]);
    expect(body(text, "typedParameters_vjp")).toContain("const arr: [number, number] = [x, 2 * x];");
    dotProductTest(m, "typedParameters", [0.4, [1, -2, 0.5], [3, 1]], [0, 1], random(20));
  });

  it("a callee returning the array passed to it: one array, one adjoint (was: gradients doubled, writes lost)", () => {
    // x = [1, 2, 3], c = 2: s = x0 c + x0 c + x1 c² + x2 c³; x1 becomes x1 c: + (x1 c)².
    const [value, gx, gc] = (m.passedThrough_grad as Grad)([1, 2, 3], 2);
    expect(value).toBe(2 + 2 + 8 + 24 + 16);
    // ∂x0 = 2c, ∂x1 = c² + 2 x1 c², ∂x2 = c³; ∂c = 2 x0 + 2 x1 c + 3 x2 c² + 2 x1² c.
    expect(gx).toEqual([4, 4 + 16, 8]);
    expect(gc).toBe(2 + 8 + 36 + 16);
    dotProductTest(m, "passedThrough", [[0.5, -1.5, 2], 0.8], [0, 1], random(21));
    // The Jacobian of x ↦ c x: c I beside the column x.
    const [y, J] = (m.passedBack_jacobian as (x: number[], c: number) => [number[], number[][]])([1, 2], 3);
    expect(y).toEqual([3, 6]);
    expect(J).toEqual([
      [3, 0, 1],
      [0, 3, 2],
    ]);
    dotProductTest(m, "passedBack", [[0.5, -1.5], 0.8], [0, 1], random(22));
  });

  it("arrays of different lengths returned on different paths: f_vjp and f_jacobian (was: TypeError, a const reassigned)", () => {
    type Vjp = (x: number[], c: number, ybar: number[]) => [number[], number[], number];
    const vjp = m.returnsByCase_vjp as Vjp;
    expect(vjp([1, 2, 3], 2, [1, 1, 1])).toEqual([[1, 4, 9], [2, 4, 6], 0]);
    expect(vjp([1, 2, 3], 0.5, [1])).toEqual([[0.5], [0.5, 0, 0], 1]);
    expect(vjp([1, 2, 3], -1, [1, 1])).toEqual([[-1, 2], [0, 1, 0], 1]);
    const [, J] = (m.returnsByCase_jacobian as (x: number[], c: number) => [number[], number[][]])([1, 2, 3], -1);
    expect(J).toEqual([
      [0, 0, 0, 1],
      [0, 1, 0, 0],
    ]);
    for (const c of [2, 0.5, -1]) dotProductTest(m, "returnsByCase", [[0.5, -1.5, 2], c], [0, 1], random(23));
  });

  it("f_vjp returns the result as f computed it, though its reverse sweep restores the array's elements (was: the old values)", () => {
    type Vjp = (x: number[], c: number, ybar: number[]) => [number[], number[], number];
    expect((m.scaledCopy_vjp as Vjp)([1, 2], 3, [1, 0])).toEqual([[3, 2], [3, 0], 1]);
    expect((m.passedBack_vjp as Vjp)([1, 2], 3, [0, 1])).toEqual([[3, 6], [0, 3], 2]);
    dotProductTest(m, "scaledCopy", [[0.5, -1.5], 0.8], [0, 1], random(24));
  });

  it("tuples: f = x²y + xy + y², a tuple result [2xy, x + y] (was: strict type errors)", () => {
    expect((m.tuples_grad as Grad)(2, 3)).toEqual([27, 15, 12]);
    const [, , H] = (m.tuples_hessian as (x: number, y: number) => [number, number[], number[][]])(2, 3);
    expect(H).toEqual([
      [6, 5],
      [5, 2],
    ]);
    const [y, J] = (m.tupleResult_jacobian as (x: number, y: number) => [number[], number[][]])(2, 3);
    expect(y).toEqual([12, 5]);
    expect(J).toEqual([
      [6, 4],
      [1, 1],
    ]);
    dotProductTest(m, "tupleResult", [0.5, -1.5], [0, 1], random(25));
  });

  it("fill and sort on an array the reverse sweep reads: saved whole and restored (was: ADC2007 in reverse mode only)", () => {
    // x = [1, 5, 3]: s = c² · 1, times 2 after fill; then x = [2, 2, 2]: + 2c · 2... and x[0] + 1 each pass:
    // k = 0: x = [2, 2, 2], s += 4c, sorted [2, 2, 2], x0 = 3; k = 1: s += 3 · 2 c = 6c. f = 2c² + 10c.
    const grad = m.methodWrites_grad as Grad;
    expect(grad([1, 5, 3], 2)).toEqual([8 + 20, 8 + 10]);
    expect(gradientByDual(m, "methodWrites", [[1, 5, 3], 2], [1])).toEqual([18]);
  });

  it("f_hessian of a function writing its parameter through a choice: each sweep starts from the caller's v (was: v written between sweeps)", () => {
    // v0 ≤ 3: v = v + 0.2, f = 3x + x (v0 + 0.2) + y. ∂ = [3 + v0 + 0.2, 1, x, 0, 0]; H[x][v0] = 1.
    const [value, g, H] = (m.writesThroughChoice_hessian as (x: number, y: number, v: number[]) => [number, number[], number[][]])(1, 0.5, [2, 0, -2]);
    expect(value).toBeCloseTo(5.7, 14);
    expect(g.map((d) => Math.round(d * 1e12) / 1e12)).toEqual([5.2, 1, 1, 0, 0]);
    expect(H[0][2]).toBe(1);
    expect(H[2][0]).toBe(1);
    expect(H.flat().filter((h) => h !== 0).length).toBe(2);
  });

  it("for-of over a Float64Array named like a number[] of another block: its copy is a Float64Array (was: strict type errors)", () => {
    // The loop walks [x1, 0]: s = x0 + x1 x0 + 0.
    expect((m.blocksOfKinds_grad as Grad)([2, 3])).toEqual([8, [4, 2]]);
    dotProductTest(m, "blocksOfKinds", [[0.5, -1.5]], [0], random(26));
  });

  it("for-of sees writes through another name of the array it walks (was: f_dual's value and tangent wrong)", () => {
    // Walks q = [y, x y, x] (q[1] written before it is reached): s = y + x y + x, then + v[0] = x.
    expect((m.forOfLive_grad as Grad)(2, 3, [0, 0, 0])).toEqual([3 + 6 + 2 + 2, 3 + 2, 1 + 2, [0, 0, 0]]);
    expect(gradientByDual(m, "forOfLive", [2, 3, [0, 0, 0]], [0, 1])).toEqual([5, 3]);
    dotProductTest(m, "forOfLive", [0.5, -1.5, [1, 2, 3]], [0, 1, 2], random(28));
  });

  it("call results of other types live past their block, declared with a type that means the same there", () => {
    const grad = m.otherResults_grad as Grad;
    // k = 5: s = x · 1 · x · 1, ∂ = 2x. k = 2: s = x · 1 · 3 · 2, ∂ = 6. k = 0: s = 0.
    expect(grad(1.5, 5)).toEqual([2.25, 3]);
    expect(grad(1.5, 2)).toEqual([9, 6]);
    expect(grad(1.5, 0)).toEqual([0, 0]);
    const vjp = body(text, "otherResults_vjp");
    expect(vjp).toContain("let isPos2!: boolean;");
    // The checker's type at the call: the alias as this module names it, a generic callee's instantiated.
    expect(vjp).toContain("let size2!: Size;");
    expect(vjp).toContain("let firstOf2!: number;");
    for (const k of [5, 2, 0]) dotProductTest(m, "otherResults", [0.8, k], [0], random(12));
  });
});

describe("loops counting down over an array index", () => {
  it("the reverse loop visits the same indices (was shifted by one: x[0] got no gradient)", async () => {
    const { m, text } = await compileWithText<Module>(`
/** @differentiable */
export function down(x: number[], c: number): number {
  const y = [0, 0, 0];
  for (let j = 2; j >= 0; j--) y[2 - j] = x[j] * c;
  return y[0] * 3 + y[1] * 2 + y[2];
}

/** @differentiable */
export function downStrict(x: number[], c: number, b: number): number {
  let s = 0;
  for (let j = x.length - 1; j > b; j--) s += x[j] * (j + c);
  return s;
}
`);
    // y = (x2 c, x1 c, x0 c): c (3 x2 + 2 x1 + x0).
    expect((m.down_grad as Grad)([1, 2, 3], 2)).toEqual([28, [2, 4, 6], 14]);
    expect(gradientByDual(m, "down", [[1, 2, 3], 2], [0, 1])).toEqual([2, 4, 6, 14]);
    expect(body(text, "down_vjp")).toContain("for (j = 0; j <= 2; j++) {");
    // j = 3, 2 for b = 1.5 (j > b stops at floor(b) = 1); j = 3, 2 for b = 1 too.
    for (const b of [1.5, 1]) {
      expect((m.downStrict_grad as Grad)([1, 2, 3, 4], 0.5, b)).toEqual([3 * 2.5 + 4 * 3.5, [0, 0, 2.5, 3.5], 7, 0]);
      dotProductTest(m, "downStrict", [[1, 2, 3, 4], 0.5, b], [0, 1, 2], random(3));
    }
    dotProductTest(m, "down", [[1, 2, 3], 2], [0, 1], random(2));
  });
});
