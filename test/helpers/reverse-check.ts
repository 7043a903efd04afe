/**
 * Checks shared by the reverse-mode tests: the dot-product test (<ẏ, ȳ> = <ẋ, x̄> for random ẋ and ȳ,
 * with ẏ from f_dual and x̄ from f_vjp), f_grad against f_vjp, and the tape left empty.
 */
import { expect } from "vitest";
import { tape } from "../../src/runtime/tape.js";

export type Value = number | number[] | Float64Array;
type Fn = (...args: never[]) => unknown;
export type Module = Record<string, Fn>;

/** A small deterministic generator (mulberry32), uniform in [0, 1). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random value shaped like `v`, uniform in [-1, 1]. */
export function randomLike(v: Value, rnd: () => number): Value {
  if (typeof v === "number") return 2 * rnd() - 1;
  const out = v instanceof Float64Array ? new Float64Array(v.length) : new Array<number>(v.length).fill(0);
  for (let i = 0; i < v.length; i++) out[i] = 2 * rnd() - 1;
  return out;
}

export function dot(a: Value, b: Value): number {
  if (typeof a === "number" && typeof b === "number") return a * b;
  const x = a as ArrayLike<number>;
  const y = b as ArrayLike<number>;
  expect(x.length).toBe(y.length);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

const copy = (v: Value): Value => (typeof v === "number" ? v : v instanceof Float64Array ? v.slice() : [...v]);

export interface DotProductResult {
  readonly forward: number;
  readonly reverse: number;
  readonly relative: number;
}

/**
 * `active`: indices of the active parameters (the tangents f_dual takes, the adjoints f_vjp returns).
 * Returns both sides of the dot-product identity; asserts they agree to `tolerance`.
 */
export function dotProductTest(m: Module, name: string, args: Value[], active: number[], rnd: () => number, tolerance = 1e-12): DotProductResult {
  const tangents = active.map((i) => randomLike(args[i], rnd));
  const dual = m[`${name}_dual`] as unknown as (...a: Value[]) => [Value, Value];
  const vjp = m[`${name}_vjp`] as unknown as (...a: Value[]) => Value[];
  // Copies: a function that writes into its array parameter writes into their tangents too.
  const [y, ydot] = dual(...args.map(copy), ...tangents.map(copy));
  const ybar = randomLike(y, rnd);
  const ybarCopy = copy(ybar);
  const [y2, ...adjoints] = vjp(...args.map(copy), ybar);
  expect(tape.isEmpty()).toBe(true);
  expect(ybar).toEqual(ybarCopy);
  expect(y2).toEqual(y);
  expect(adjoints.length).toBe(active.length);
  const forward = dot(ydot, ybar);
  let reverse = 0;
  active.forEach((_, k) => {
    reverse += dot(tangents[k], adjoints[k]);
  });
  const scale = Math.max(Math.abs(forward), Math.abs(reverse), 1e-300);
  const relative = Math.abs(forward - reverse) / scale;
  expect(relative, `${name}: <ẏ,ȳ> = ${forward}, <ẋ,x̄> = ${reverse}`).toBeLessThan(tolerance);
  const grad = m[`${name}_grad`] as unknown as ((...a: Value[]) => Value[]) | undefined;
  if (grad !== undefined && typeof y === "number") {
    const [v, ...g] = grad(...args.map(copy));
    const [, ...g1] = vjp(...args.map(copy), 1);
    expect(v).toBe(y);
    expect(g).toEqual(g1);
    expect(tape.isEmpty()).toBe(true);
  }
  return { forward, reverse, relative };
}

/** Gradient of a scalar function by forward mode, one unit direction per active input element (on copies of the arguments: f may write them). */
export function gradientByDual(m: Module, name: string, args: Value[], active: number[]): number[] {
  const dual = m[`${name}_dual`] as unknown as (...a: Value[]) => [number, number];
  const zero = active.map((i) => (typeof args[i] === "number" ? 0 : randomLike(args[i], () => 0.5)));
  const out: number[] = [];
  active.forEach((i, k) => {
    const unit = zero.map(copy);
    if (typeof args[i] === "number") {
      unit[k] = 1;
      out.push(dual(...args.map(copy), ...unit)[1]);
      return;
    }
    const len = (args[i] as ArrayLike<number>).length;
    for (let j = 0; j < len; j++) {
      const u = unit.map(copy);
      (u[k] as number[])[j] = 1;
      out.push(dual(...args.map(copy), ...u)[1]);
    }
  });
  return out;
}

/** [g1, g2, ...] (numbers and arrays) flattened into one list. */
export function flatten(parts: readonly Value[]): number[] {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === "number") out.push(p);
    else for (let i = 0; i < p.length; i++) out.push(p[i]);
  }
  return out;
}
