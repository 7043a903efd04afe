/**
 * f_jacobian against f_dual columns: forward columns when there are no more inputs than outputs,
 * reverse rows (f_vjp) otherwise, and one reverse row for a scalar function.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { compileSources } from "./helpers/compile.js";
import { tape } from "../src/runtime/tape.js";

const source = `
/** Two inputs, two outputs: forward columns. */
/** @differentiable */
export function polar(r: number, theta: number): number[] {
  return [r * Math.cos(theta), r * Math.sin(theta)];
}

/** Six inputs, two outputs: reverse rows. */
/** @differentiable */
export function moments(x: Float64Array, scale: number): Float64Array {
  const out = new Float64Array(2);
  for (let i = 0; i < x.length; i++) {
    out[0] += x[i] * scale;
    out[1] += x[i] * x[i];
  }
  return out;
}

/** A scalar: one reverse sweep gives the row. */
/** @differentiable wrt=x */
export function energy(x: number[], k: number): number {
  let e = 0;
  for (let i = 0; i + 1 < x.length; i++) e += k * (x[i + 1] - x[i]) ** 2;
  return e;
}
`;

type Dual = (...args: unknown[]) => [number | ArrayLike<number>, number | ArrayLike<number>];
let m: Record<string, (...args: never[]) => unknown>;

beforeAll(async () => {
  const c = compileSources({ "input.ts": source });
  expect(c.diagnostics).toEqual([]);
  m = await c.load();
});

/** Column j of the Jacobian by f_dual: the derivative along the j-th flattened active input. */
function columns(name: string, args: unknown[], active: number[]): number[][] {
  const dual = m[`${name}_dual`] as unknown as Dual;
  const zero = active.map((i): number | number[] | Float64Array =>
    typeof args[i] === "number" ? 0 : args[i] instanceof Float64Array ? new Float64Array(args[i].length) : new Array<number>((args[i] as number[]).length).fill(0),
  );
  const cols: number[][] = [];
  active.forEach((i, k) => {
    const n = typeof args[i] === "number" ? 1 : (args[i] as ArrayLike<number>).length;
    for (let j = 0; j < n; j++) {
      const t = zero.map((z) => (typeof z === "number" ? z : z.slice()));
      if (typeof t[k] === "number") t[k] = 1;
      else (t[k] as number[])[j] = 1;
      const [, d] = dual(...args, ...t);
      cols.push(typeof d === "number" ? [d] : Array.from(d));
    }
  });
  return cols;
}

function check(name: string, args: unknown[], active: number[]): number[][] {
  const [value, J] = (m[`${name}_jacobian`] as unknown as (...a: unknown[]) => [unknown, number[][]])(...args);
  expect(tape.isEmpty()).toBe(true);
  expect(value).toEqual((m[name] as unknown as (...a: unknown[]) => unknown)(...args));
  const cols = columns(name, args, active);
  expect(J.length).toBe(cols[0].length);
  for (let r = 0; r < J.length; r++) {
    expect(J[r].length).toBe(cols.length);
    for (let c = 0; c < cols.length; c++) expect(Math.abs(J[r][c] - cols[c][r])).toBeLessThan(1e-12 * Math.max(1, Math.abs(cols[c][r])));
  }
  return J;
}

describe("f_jacobian", () => {
  it("forward columns: polar coordinates", () => {
    const J = check("polar", [2, 0.3], [0, 1]);
    expect(J[0][0]).toBeCloseTo(Math.cos(0.3), 15);
    expect(J[1][1]).toBeCloseTo(2 * Math.cos(0.3), 14);
  });

  it("reverse rows: more inputs than outputs", () => {
    const x = Float64Array.from([0.5, -1, 2, 0.25, 3]);
    const J = check("moments", [x, 1.5], [0, 1]);
    expect(J[1].slice(0, 5)).toEqual(Array.from(x, (v) => 2 * v));
    expect(J[0][5]).toBeCloseTo(x.reduce((s, v) => s + v, 0), 14);
  });

  it("a scalar function: one row, the gradient", () => {
    const x = [0.5, -1, 2];
    const J = check("energy", [x, 3], [0]);
    expect(J.length).toBe(1);
    const [, g] = (m.energy_grad as unknown as (x: number[], k: number) => [number, number[]])(x, 3);
    expect(J[0]).toEqual(g);
  });
});

describe("f_jacobian of a function that writes its array parameter", () => {
  it("every column starts from the caller's values; the caller's array changes once", async () => {
    const { compileAndLoad } = await import("./helpers/compile.js");
    const m = await compileAndLoad<{ f_jacobian: (x: number[]) => [number[], number[][]] }>(`
/** @differentiable */
export function f(x: number[]): number[] {
  x[0] = x[0] * x[1];
  return [x[0], x[0] + x[1]];
}`);
    const x = [3, 5];
    const [value, J] = m.f_jacobian(x);
    expect(value).toEqual([15, 20]);
    expect(x).toEqual([15, 5]);
    // y0 = x0 x1, y1 = x0 x1 + x1: J = [[x1, x0], [x1, x0 + 1]] at (3, 5).
    expect(J).toEqual([
      [5, 3],
      [5, 4],
    ]);
  });
});
