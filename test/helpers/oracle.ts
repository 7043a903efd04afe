/**
 * The oracle for a compiled function in every generated mode: f_dual along every input direction
 * against central differences of f (h = 1e-6 · max(1, |x|), |a − b| / max(1, |b|) ≤ 1e-6), f_vjp
 * (ȳ = e_k), f_grad and f_jacobian against the f_dual columns (≤ 1e-10), f_hessian where asked against
 * central differences of f_grad (≤ 1e-5); the tape is empty after every reverse call.
 */
import { expect } from "vitest";
import { relErr } from "./compile.js";
import { tape } from "../../src/runtime/tape.js";

/** A record (`{ x, y }`) is walked field by field, in key order (write points in the type's field order). */
export type Arg = number | number[] | Float64Array | number[][] | { readonly [field: string]: number } | ((x: number) => number) | undefined;
type Key = number | string;
export type Fn = (...args: unknown[]) => unknown;

export interface Oracle {
  /** Input points in the function's domain, every parameter given (undefined for an optional one left out). */
  readonly points: readonly (readonly Arg[])[];
  /** The parameters a user differentiates with respect to (the tag's wrt=, else every numeric one). */
  readonly active: readonly number[];
  readonly hessian?: boolean;
  /** Implementations of the library functions the file declares (with a derivative rule), installed as globals while it runs. */
  readonly library?: Readonly<Record<string, (...x: number[]) => number>>;
}

// ---- The oracle -------------------------------------------------------------------------------

/** A deep copy of an argument: the functions may write into their array parameters. */
function copyArg(a: Arg): Arg {
  if (a instanceof Float64Array) return a.slice();
  if (Array.isArray(a)) return (a as unknown[]).map((v) => copyArg(v as Arg)) as Arg;
  if (isRecord(a)) return { ...a };
  return a;
}

const isRecord = (v: unknown): v is Record<string, number> => typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);

/** The entries of an array or a record, keyed by index or field name. */
const entries = (v: unknown): [Key, unknown][] => (isRecord(v) ? Object.entries(v) : Array.from(v as ArrayLike<unknown>).map((e, i) => [i, e]));
const copyArgs = (args: readonly Arg[]): Arg[] => args.map(copyArg);

/** Paths to the numbers of the active parameters: [parameter, index, index...], in flattening order. */
function leaves(args: readonly Arg[], active: readonly number[]): Key[][] {
  const walk = (v: unknown, path: Key[]): Key[][] => (typeof v === "number" ? [path] : entries(v).flatMap(([k, e]) => walk(e, [...path, k])));
  return active.flatMap((i) => walk(args[i], [i]));
}

function withLeaf(args: readonly Arg[], path: readonly Key[], value: number): Arg[] {
  const out = copyArgs(args);
  if (path.length === 1) {
    out[path[0] as number] = value;
    return out;
  }
  let node = out[path[0] as number] as unknown as Record<Key, unknown>;
  for (const k of path.slice(1, -1)) node = node[k] as Record<Key, unknown>;
  node[path[path.length - 1]] = value;
  return out;
}

const leafValue = (args: readonly Arg[], path: readonly Key[]): number =>
  path.slice(1).reduce((v: unknown, k) => (v as Record<Key, unknown>)[k], args[path[0] as number]) as number;

/** The numbers of a result (a number, an array, an array of arrays or a record), in flattening order. */
const outputs = (y: unknown): number[] => leaves([y as Arg], [0]).map((p) => leafValue([y as Arg], p));

/** Tangents for f_dual: zeros shaped like each active parameter, 1 at `path`. */
function seed(args: readonly Arg[], active: readonly number[], path: readonly Key[]): Arg[] {
  const zero = (v: unknown): unknown =>
    typeof v === "number" ? 0 : v instanceof Float64Array ? new Float64Array(v.length) : isRecord(v) ? Object.fromEntries(Object.keys(v).map((k) => [k, 0])) : Array.from(v as ArrayLike<unknown>, zero);
  const tangents = active.map((i) => zero(args[i]) as Arg);
  const k = active.indexOf(path[0] as number);
  return withLeaf(tangents, [k, ...path.slice(1)], 1);
}

/** Central differences of `g` (one output vector) along each leaf: h = 1e-6 · max(1, |x|). */
function centralColumns(g: (args: Arg[]) => number[], args: readonly Arg[], paths: readonly Key[][]): number[][] {
  return paths.map((p) => {
    const x = leafValue(args, p);
    const h = 1e-6 * Math.max(1, Math.abs(x));
    const up = g(withLeaf(args, p, x + h));
    const down = g(withLeaf(args, p, x - h));
    return up.map((u, k) => (u - down[k]) / (2 * h));
  });
}

const DUAL_VS_CENTRAL = 1e-6;
const REVERSE_VS_DUAL = 1e-10;
const HESSIAN_VS_CENTRAL = 1e-5;

function closeTo(got: number, want: number, tolerance: number, what: string): void {
  expect(relErr(got, want), `${what}: got ${got}, want ${want}`).toBeLessThanOrEqual(tolerance);
}

/** Every generated mode at every point against the oracle (relErr is |a - b| / max(1, |b|)). */
export function checkModes(m: Record<string, Fn>, fn: string, oracle: Oracle): void {
  const f = m[fn];
  for (const args of oracle.points) {
    const at = `${fn}(${JSON.stringify(args, (_, v) => (v instanceof Float64Array ? Array.from(v) : v))})`;
    const paths = leaves(args, oracle.active);
    const y = f(...copyArgs(args));
    const ys = outputs(y);
    // f_dual: one column per input direction, against central differences of f.
    const central = centralColumns((a) => outputs(f(...a)), args, paths);
    const dual = paths.map((p) => {
      const [value, tangent] = m[`${fn}_dual`](...copyArgs(args), ...seed(args, oracle.active, p)) as [unknown, unknown];
      expect(outputs(value)).toEqual(ys);
      return outputs(tangent);
    });
    paths.forEach((p, j) => {
      expect(dual[j].length, `${at}: tangent shape`).toBe(ys.length);
      ys.forEach((_, k) => closeTo(dual[j][k], central[j][k], DUAL_VS_CENTRAL, `${at} f_dual d y${k} / d ${p}`));
    });
    // f_vjp: row k of the Jacobian from ybar = e_k, against the f_dual columns.
    ys.forEach((_, k) => {
      // ȳ shaped like the result, 1 at its k-th number.
      const ybar = typeof y === "number" ? 1 : seed([y as Arg], [0], leaves([y as Arg], [0])[k])[0];
      const [value, ...adjoints] = m[`${fn}_vjp`](...copyArgs(args), ybar) as unknown[];
      expect(tape.isEmpty()).toBe(true);
      expect(outputs(value)).toEqual(ys);
      expect(adjoints.length, `${at}: one adjoint per active parameter`).toBe(oracle.active.length);
      const row = leaves(adjoints as Arg[], adjoints.map((_, i) => i)).map((p) => leafValue(adjoints as Arg[], p));
      expect(row.length).toBe(paths.length);
      row.forEach((r, j) => closeTo(r, dual[j][k], REVERSE_VS_DUAL, `${at} f_vjp row ${k}, ${paths[j]}`));
    });
    // f_grad (scalar functions): the gradient, against the f_dual columns.
    if (typeof y === "number") {
      const [value, ...grads] = m[`${fn}_grad`](...copyArgs(args)) as unknown[];
      expect(tape.isEmpty()).toBe(true);
      expect(value).toBe(y);
      const g = leaves(grads as Arg[], grads.map((_, i) => i)).map((p) => leafValue(grads as Arg[], p));
      expect(g.length, `${at}: one gradient entry per input`).toBe(paths.length);
      g.forEach((gj, j) => closeTo(gj, dual[j][0], REVERSE_VS_DUAL, `${at} f_grad ${paths[j]}`));
    }
    // f_jacobian: one row per output, one column per active input element.
    const [jv, J] = m[`${fn}_jacobian`](...copyArgs(args)) as [unknown, number[][]];
    expect(tape.isEmpty()).toBe(true);
    expect(outputs(jv)).toEqual(ys);
    expect(J.length).toBe(ys.length);
    J.forEach((row, k) => {
      expect(row.length).toBe(paths.length);
      row.forEach((v, j) => closeTo(v, dual[j][k], REVERSE_VS_DUAL, `${at} f_jacobian[${k}][${j}]`));
    });
    // f_hessian: the gradient again, and H against central differences of f_grad.
    if (oracle.hessian === true) {
      const gradOf = (a: Arg[]): number[] => {
        const [, ...grads] = m[`${fn}_grad`](...a) as unknown[];
        return leaves(grads as Arg[], grads.map((_, i) => i)).map((p) => leafValue(grads as Arg[], p));
      };
      const [hv, hg, H] = m[`${fn}_hessian`](...copyArgs(args)) as [number, unknown[], number[][]];
      expect(tape.isEmpty()).toBe(true);
      expect(hv).toBe(y);
      const hgFlat = leaves(hg as Arg[], hg.map((_, i) => i)).map((p) => leafValue(hg as Arg[], p));
      hgFlat.forEach((gj, j) => closeTo(gj, dual[j][0], REVERSE_VS_DUAL, `${at} f_hessian gradient ${paths[j]}`));
      const centralH = centralColumns(gradOf, args, paths);
      expect(H.length).toBe(paths.length);
      H.forEach((row, a) => row.forEach((v, b) => closeTo(v, centralH[b][a], HESSIAN_VS_CENTRAL, `${at} f_hessian[${a}][${b}]`)));
    }
  }
}
