/**
 * Reverse mode saves an overwritten value only if some adjoint reads it (transformer/analyses/tbr.ts),
 * and records one index for a loop that only overwrites a variable under a condition (`if (v > m)
 * m = v`, `m = v > m ? v : m`) instead of a branch per element (Reverse.reduction). Each program is
 * checked numerically (gradients against central differences and against forward mode, which follows
 * the primal's branches), in pairs where the overwritten value is needed and where it is not, and the
 * tape is measured (its peak, after one gradient, is every push) to show which saves went.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { compileWithText } from "./helpers/compile.js";
import { random } from "./helpers/reverse-check.js";
import { tape } from "../src/runtime/tape.js";

type Grad = (...args: never[]) => [number, ...(number | Float64Array)[]];
type Fns = Record<string, (...args: never[]) => unknown>;

/** f's gradient in its array argument `at` by central differences (h = 1e-6). */
function centralGradient(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const p = x.slice();
    const m = x.slice();
    p[i] += h;
    m[i] -= h;
    g[i] = (f(p) - f(m)) / (2 * h);
  }
  return g;
}

/** The gradient by forward mode, one unit direction per entry (f_dual(..., x, ..., dx) with dx = e_i). */
function dualGradient(dual: (x: Float64Array, dx: Float64Array) => [number, number], x: Float64Array): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const dx = new Float64Array(x.length);
    dx[i] = 1;
    g[i] = dual(x.slice(), dx)[1];
  }
  return g;
}

function maxRelErr(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
}

/** Values pushed by one gradient: the tape's peak (nothing is popped before the forward sweep ends), in bytes. */
function tapePeak(run: () => unknown): number {
  expect(tape.isEmpty()).toBe(true);
  tape.resetPeak();
  run();
  expect(tape.isEmpty()).toBe(true);
  return tape.peakBytes();
}

const randomArray = (n: number, seed: number): Float64Array => {
  const rnd = random(seed);
  return Float64Array.from({ length: n }, () => 2 * rnd() - 1);
};

// Each repetition fills `a` whole, then adds to its entries, then reads them. `needed` reads `a`
// between the fill and the increments too, so the increments destroy values its adjoint reads.
const triangular = (name: string, between: string, fill = "n"): string => `
/** @differentiable wrt=x */
export function ${name}(n: number, reps: number, x: Float64Array): number {
  const a = new Float64Array(n);
  let s = 0;
  for (let r = 0; r < reps; r++) {
    for (let j = 0; j < ${fill}; j++) a[j] = Math.sin((r + 1) * x[j]);
    ${between}
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) a[j] += x[i] * x[j];
    }
    for (let j = 0; j < n; j++) s += a[j] * a[j];
  }
  return s;
}
`;

describe("element increments after a loop overwriting the whole array save nothing", () => {
  let text: string;
  let m: Fns;
  beforeAll(async () => {
    const source =
      triangular("notNeeded", "") +
      triangular("needed", "for (let j = 0; j < n; j++) s += a[j] * a[j] * a[j];") +
      // Fills all but the last entry: the last one keeps accumulating, and its old values are needed.
      triangular("partialFill", "", "n - 1") +
      // Reads the new values through another name of the array in the filling loop.
      triangular("aliasRead", "").replace("const a = new Float64Array(n);", "const a = new Float64Array(n);\n  const b = a;").replace(
        "for (let j = 0; j < n; j++) a[j] = Math.sin((r + 1) * x[j]);",
        "for (let j = 0; j < n; j++) {\n      a[j] = Math.sin((r + 1) * x[j]);\n      s += b[j] * b[j] * b[j];\n    }",
      );
    ({ m, text } = await compileWithText<Fns>(source, { strict: true }));
  });

  const n = 6;
  const reps = 3;
  const x = randomArray(n, 7);

  for (const name of ["notNeeded", "needed", "partialFill", "aliasRead"]) {
    it(`${name}: the gradient agrees with central differences and with forward mode`, () => {
      const f = m[name] as unknown as (n: number, reps: number, x: Float64Array) => number;
      const grad = m[`${name}_grad`] as unknown as Grad;
      const dual = m[`${name}_dual`] as unknown as (n: number, reps: number, x: Float64Array, dx: Float64Array) => [number, number];
      const [value, g] = grad(...([n, reps, x.slice()] as never[]));
      expect(value).toBe(f(n, reps, x.slice()));
      expect(maxRelErr(g as Float64Array, centralGradient((v) => f(n, reps, v), x))).toBeLessThan(1e-8);
      expect(maxRelErr(g as Float64Array, dualGradient((v, dv) => dual(n, reps, v, dv), x))).toBeLessThan(1e-13);
    });
  }

  it("pushes no entry before an increment unless an adjoint reads the value it replaces", () => {
    const body = (name: string): string => text.slice(text.indexOf(`export function ${name}_vjp`), text.indexOf(`export function ${name}_jacobian`));
    // The filling loop saves the previous repetition's values (the last loop's adjoint reads them).
    expect(body("notNeeded").match(/tape\.push\(a\[j\]\)/g)).toHaveLength(1);
    expect(body("notNeeded")).toMatch(/a\[j\] = Math\.sin\([^\n]*\n\s*\}\n\s*for \(i = 0; i < n; i\+\+\) \{\n\s*for \(j = i \+ 1; j < n; j\+\+\) \{\n\s*a\[j\] \+= x\[i\] \* x\[j\];/);
    for (const name of ["needed", "partialFill", "aliasRead"]) expect(body(name).match(/tape\.push\(a\[j\]\)/g)).toHaveLength(2);

    const grad = (name: string) => () => (m[`${name}_grad`] as unknown as Grad)(...([n, reps, x.slice()] as never[]));
    const saved = tapePeak(grad("needed")) - tapePeak(grad("notNeeded"));
    // Exactly the n (n - 1) / 2 increments of each repetition, 8 bytes each.
    expect(saved).toBe((8 * reps * n * (n - 1)) / 2);
  });
});

describe("a scalar sum is saved where an adjoint reads it, not at each += that follows", () => {
  const source = `
/** @differentiable wrt=x */
export function sumsOnce(n: number, reps: number, x: Float64Array): number {
  let out = 0;
  for (let r = 0; r < reps; r++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += x[j] * (r + 1);
    out += s * s;
  }
  return out;
}

/** @differentiable wrt=x */
export function sumsRead(n: number, reps: number, x: Float64Array): number {
  let out = 0;
  for (let r = 0; r < reps; r++) {
    let s = 0;
    for (let j = 0; j < n; j++) {
      s += x[j] * (r + 1);
      out += s * s;
    }
  }
  return out;
}
`;
  const n = 5;
  const reps = 4;
  const x = randomArray(n, 11);

  it("saves s once per repetition when only the sum is read, once per += when each partial sum is", async () => {
    const { m, text } = await compileWithText<Fns>(source, { strict: true });
    for (const name of ["sumsOnce", "sumsRead"]) {
      const f = m[name] as unknown as (n: number, reps: number, x: Float64Array) => number;
      const [value, g] = (m[`${name}_grad`] as unknown as Grad)(...([n, reps, x.slice()] as never[]));
      expect(value).toBe(f(n, reps, x.slice()));
      expect(maxRelErr(g as Float64Array, centralGradient((v) => f(n, reps, v), x))).toBeLessThan(1e-8);
    }
    const once = text.slice(text.indexOf("export function sumsOnce_vjp"), text.indexOf("export function sumsOnce_jacobian"));
    expect(once.match(/tape\.push\(s\)/g)).toHaveLength(1);
    const peak = (name: string): number => tapePeak(() => (m[`${name}_grad`] as unknown as Grad)(...([n, reps, x.slice()] as never[])));
    // One save of s per repetition (its `= 0`), and the repetitions' trip count (reps may not be an
    // integer, so the reverse loop does not recompute it from the bound).
    expect(peak("sumsOnce")).toBe(8 * (reps + 1));
    // Every partial sum is read by out's adjoint: saved before each += (and at each `= 0`).
    expect(peak("sumsRead")).toBe(8 * (reps * (n + 1) + 1));
  });
});

describe("if-maxima and ternary maxima record the index of the last change, not a branch per element", () => {
  // m starts at v[0] * w; each form keeps a running maximum or minimum of v[i] * w.
  const forms: Record<string, { fold: string; pick: (v: Float64Array) => number }> = {
    maxIf: { fold: "if (v[i] * w > m) m = v[i] * w;", pick: (v) => lastMove(v, (a, b) => a > b) },
    maxIfTiesLast: { fold: "if (v[i] * w >= m) m = v[i] * w;", pick: (v) => lastMove(v, (a, b) => a >= b) },
    maxIfTargetLeft: { fold: "if (m < v[i] * w) m = v[i] * w;", pick: (v) => lastMove(v, (a, b) => a > b) },
    minIf: { fold: "if (v[i] * w < m) m = v[i] * w;", pick: (v) => lastMove(v, (a, b) => a < b) },
    maxTernary: { fold: "m = v[i] * w > m ? v[i] * w : m;", pick: (v) => lastMove(v, (a, b) => a > b) },
    minTernaryKeepsFirst: { fold: "m = m <= v[i] * w ? m : v[i] * w;", pick: (v) => lastMove(v, (a, b) => a < b) },
  };
  const source = Object.entries(forms)
    .map(
      ([name, { fold }]) => `
/** @differentiable wrt=v,w */
export function ${name}(v: Float64Array, w: number): number {
  let m = v[0] * w;
  for (let i = 1; i < v.length; i++) ${fold}
  return m * m + m;
}

/** @differentiable wrt=v */
export function ${name}Rows(rows: number, cols: number, v: Float64Array): number {
  let s = 0;
  for (let r = 0; r < rows; r++) {
    let m = v[r * cols];
    for (let i = 1; i < cols; i++) ${fold.replaceAll("v[i] * w", "v[r * cols + i]")}
    s += Math.exp(m);
  }
  return s;
}
`,
    )
    .join("");
  let m: Fns;
  let text: string;
  beforeAll(async () => {
    ({ m, text } = await compileWithText<Fns>(source, { strict: true }));
  });

  for (const [name, { pick }] of Object.entries(forms)) {
    it(`${name}: one index, the gradient where the primal's choice went (ties too)`, () => {
      const vjp = text.slice(text.indexOf(`export function ${name}_vjp`), text.indexOf(`export function ${name}_jacobian`));
      expect(vjp).not.toContain("pushControl");
      expect(vjp).toContain("m_at");
      const f = m[name] as unknown as (v: Float64Array, w: number) => number;
      const grad = m[`${name}_grad`] as unknown as (v: Float64Array, w: number) => [number, Float64Array, number];
      const dual = m[`${name}_dual`] as unknown as (v: Float64Array, w: number, dv: Float64Array, dw: number) => [number, number];
      const w = 1.5;
      // Distinct values: central differences. With ties (and a tie with v[0]): forward mode and the formula.
      const distinct = randomArray(9, 3);
      const tied = Float64Array.from([0.5, -1, 0.5, 0.25, 0.5, -2, 0.5, -0.75, -2]);
      for (const v of [distinct, tied]) {
        const [value, gv, gw] = grad(v.slice(), w);
        expect(value).toBe(f(v.slice(), w));
        const at = pick(v);
        const mv = v[at] * w;
        // d(m^2 + m)/dm = 2m + 1, and m = v[at] w.
        const expected = new Float64Array(v.length);
        expected[at] = (2 * mv + 1) * w;
        expect(maxRelErr(gv, expected)).toBeLessThan(1e-15);
        expect(Math.abs(gw - (2 * mv + 1) * v[at])).toBeLessThan(1e-14);
        expect(maxRelErr(gv, dualGradient((x, dx) => dual(x, w, dx, 0), v))).toBeLessThan(1e-15);
        if (v === distinct) expect(maxRelErr(gv, centralGradient((x) => f(x, w), v))).toBeLessThan(1e-8);
      }
    });

    it(`${name}Rows: one push per row (the winner's index), gradients against central differences`, () => {
      const vjp = text.slice(text.indexOf(`export function ${name}Rows_vjp`), text.indexOf(`export function ${name}Rows_jacobian`));
      expect(vjp).not.toContain("pushControl");
      const rows = 4;
      const cols = 5;
      const v = randomArray(rows * cols, 5);
      const f = m[`${name}Rows`] as unknown as (rows: number, cols: number, v: Float64Array) => number;
      const grad = m[`${name}Rows_grad`] as unknown as (rows: number, cols: number, v: Float64Array) => [number, Float64Array];
      const peak = tapePeak(() => grad(rows, cols, v.slice()));
      // Per row: m's index, and m saved before its next row's declaration (its adjoint reads exp(m)).
      expect(peak).toBe(8 * 2 * rows);
      const [value, g] = grad(rows, cols, v.slice());
      expect(value).toBe(f(rows, cols, v.slice()));
      expect(maxRelErr(g, centralGradient((x) => f(rows, cols, x), v))).toBeLessThan(1e-8);
    });
  }
});

/** Where a running choice over v ends: it starts at 0 and moves to i whenever `moves(v[i], v[at])`. */
function lastMove(v: Float64Array, moves: (a: number, b: number) => boolean): number {
  let at = 0;
  for (let i = 1; i < v.length; i++) if (moves(v[i], v[at])) at = i;
  return at;
}
