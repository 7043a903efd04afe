/**
 * Reverse mode on every fixture: f_vjp against f_dual by the dot-product test, f_grad against f_vjp,
 * hand-derived gradients where they are short, and the tape left empty after every call.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileSources } from "./helpers/compile.js";
import { dotProductTest, random, type Module, type Value } from "./helpers/reverse-check.js";

const root = join(import.meta.dirname, "..", "fixtures");

async function loadFixture(name: string): Promise<Module> {
  const c = compileSources({ "input.ts": readFileSync(join(root, name, "input.ts"), "utf8") });
  expect(c.diagnostics).toEqual([]);
  return c.load<Module>();
}

interface Case {
  readonly fn: string;
  /** Sample arguments (several points per function). */
  readonly points: readonly Value[][];
  /** Indices of the active parameters. */
  readonly active: readonly number[];
}

const vec = (...xs: number[]): number[] => xs;
const f64 = (...xs: number[]): Float64Array => Float64Array.from(xs);

const cases: Record<string, Case[]> = {
  lecture: [{ fn: "f", points: [[0.5, 2], [-1.3, 0.25], [3, -4]], active: [0, 1] }],
  intrinsics: [
    { fn: "trig", points: [[0.3], [-0.7], [1.1]], active: [0] },
    { fn: "hyperbolic", points: [[0.3], [-0.7], [1.1]], active: [0] },
    { fn: "expLog", points: [[0.3], [1.7], [2.2]], active: [0] },
    { fn: "roots", points: [[0.3, 1.2], [1.7, -0.4], [2.2, 2.5]], active: [0, 1] },
    { fn: "piecewise", points: [[0.3, 1.2], [1.7, -0.4], [2.2, 2.5], [-3.5, 0.2]], active: [0, 1] },
    { fn: "constants", points: [[0.3], [-2]], active: [0] },
  ],
  "control-flow": [
    { fn: "branches", points: [[2, 1], [-2, 1], [0.5, 0.5], [0.5, -3]], active: [0, 1] },
    { fn: "choose", points: [[0.7, 0], [0.7, 1], [0.7, 2]], active: [0, 1] },
    { fn: "ternary", points: [[2, 1], [0.5, 1.5], [3, 2]], active: [0, 1] },
    { fn: "earlyReturn", points: [[-1.5], [2], [9]], active: [0] },
  ],
  loops: [
    { fn: "power", points: [[1.1, 5], [0.9, 0], [-1.2, 3]], active: [0, 1] },
    { fn: "halveUntilSmall", points: [[0.5], [3], [37]], active: [0] },
    { fn: "nested", points: [[0.3], [-1.2]], active: [0] },
    { fn: "doWhile", points: [[0.3], [1.2]], active: [0] },
    { fn: "sqrtNewton", points: [[2], [0.25], [1e4]], active: [0] },
  ],
  calls: [
    { fn: "norm2", points: [[3, 4], [-1, 0.5]], active: [0, 1] },
    { fn: "powRec", points: [[1.3, 0], [1.3, 4], [-0.8, 7]], active: [0] },
    { fn: "shifted", points: [[vec(1, 2, 3, 4), 1], [vec(0.5, -2, 3), 5]], active: [0, 1] },
    { fn: "filled", points: [[0.7], [-2]], active: [0] },
  ],
  arrays: [
    { fn: "dot", points: [[vec(1, 2, 3), vec(-1, 0.5, 2)]], active: [0, 1] },
    { fn: "ring", points: [[f64(1, 2, 3, 4)], [f64(0.5)]], active: [0] },
    { fn: "cumsum", points: [[f64(1, 2, 3, 4)], [f64(-0.5, 0.25)]], active: [0] },
    { fn: "polar", points: [[2, 0.3], [0.5, -2]], active: [0, 1] },
    { fn: "smooth", points: [[vec(1, 2, 3, 4, 5)], [vec(0.5, -1, 2)]], active: [0] },
  ],
  overwrite: [
    { fn: "overwrite", points: [[0.7, 1.3], [-0.4, 2]], active: [0, 1] },
    { fn: "logistic", points: [[3.2, 0.4], [2.5, 0.7]], active: [0, 1] },
  ],
  options: [
    { fn: "scaled", points: [[0.7, 1.3, -2]], active: [0] },
    { fn: "arrow", points: [[0.7, 1.3]], active: [0, 1] },
  ],
};

describe("reverse mode on the fixtures: dot-product test against forward mode", () => {
  for (const [fixture, list] of Object.entries(cases)) {
    it(fixture, async () => {
      const m = await loadFixture(fixture);
      const rnd = random(fixture.length * 7919);
      for (const c of list) {
        for (const point of c.points) {
          for (let trial = 0; trial < 3; trial++) dotProductTest(m, c.fn, point, [...c.active], rnd);
        }
      }
    });
  }
});

describe("reverse mode: hand-derived gradients", () => {
  it("the lecture: ∂f/∂x1 = x2 + cos x1, ∂f/∂x2 = x1", async () => {
    const m = await loadFixture("lecture");
    const grad = m.f_grad as unknown as (a: number, b: number) => [number, number, number];
    for (const [x1, x2] of [[0.5, 2], [-1.3, 0.25]]) {
      const [v, g1, g2] = grad(x1, x2);
      expect(v).toBe(x1 * x2 + Math.sin(x1));
      expect(g1).toBeCloseTo(x2 + Math.cos(x1), 14);
      expect(g2).toBe(x1);
    }
  });

  it("power: d(x^n)/dx = n x^(n-1), through a loop that overwrites p", async () => {
    const m = await loadFixture("loops");
    const grad = m.power_grad as unknown as (x: number, n: number) => [number, number, number];
    const [v, gx, gn] = grad(1.1, 5);
    expect(v).toBeCloseTo(1.1 ** 5, 14);
    expect(gx).toBeCloseTo(5 * 1.1 ** 4, 13);
    expect(gn).toBe(0);
  });

  it("sqrtNewton: d sqrt(a)/da = 1/(2 sqrt a), through an early return inside a loop", async () => {
    const m = await loadFixture("loops");
    const grad = m.sqrtNewton_grad as unknown as (a: number) => [number, number];
    for (const a of [2, 0.25, 1e4]) {
      const [v, g] = grad(a);
      expect(v).toBeCloseTo(Math.sqrt(a), 12);
      expect(Math.abs(g - 1 / (2 * Math.sqrt(a))) / g).toBeLessThan(1e-10);
    }
  });

  it("dot: the gradient of x·y is (y, x)", async () => {
    const m = await loadFixture("arrays");
    const grad = m.dot_grad as unknown as (x: number[], y: number[]) => [number, number[], number[]];
    const [v, gx, gy] = grad([1, 2, 3], [-1, 0.5, 2]);
    expect(v).toBe(6);
    expect(gx).toEqual([-1, 0.5, 2]);
    expect(gy).toEqual([1, 2, 3]);
  });

  it("powRec: recursion, d(x^n)/dx = n x^(n-1)", async () => {
    const m = await loadFixture("calls");
    const grad = m.powRec_grad as unknown as (x: number, n: number) => [number, number];
    const [v, g] = grad(1.3, 4);
    expect(v).toBeCloseTo(1.3 ** 4, 14);
    expect(g).toBeCloseTo(4 * 1.3 ** 3, 13);
  });

  it("ring: a Float64Array gradient for a Float64Array parameter", async () => {
    const m = await loadFixture("arrays");
    const grad = m.ring_grad as unknown as (x: Float64Array) => [number, Float64Array];
    const [, g] = grad(f64(1, 2, 3, 4));
    expect(g).toBeInstanceOf(Float64Array);
    // s = Σ x_i x_{i+1}: ∂s/∂x_i = x_{i-1} + x_{i+1}
    expect([...g]).toEqual([4 + 2, 1 + 3, 2 + 4, 3 + 1]);
  });
});

describe("reverse mode: what it cannot do is an ADC diagnostic, never a silent zero", () => {
  const diagnose = (source: string) => {
    const c = compileSources({ "input.ts": source });
    c.cleanup();
    return c.diagnostics.map((d) => ({ code: d.code, line: d.pos?.line, says: d.message }));
  };

  it("opaque code changing the length of an array whose values the reverse sweep needs", () => {
    // buf.fill(0) would be saved whole and restored (test/reverse-parity.test.ts); a length change is not.
    const [d] = diagnose(`/** @differentiable wrt=x */
export function f(x: number[], buf: number[]): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += buf[i] * x[i] * x[i];
  buf.splice(0, 1);
  return s;
}
`);
    expect(d).toMatchObject({ code: "ADC2007", line: 5 });
    expect(d.says).toContain("reverse mode needs the values of 'buf'");
  });
});

describe("reverse mode: another name for an active array", () => {
  it("const y = x: writes and reads through either name accumulate into one adjoint", async () => {
    const c = compileSources({
      "input.ts": `
/** @differentiable wrt=x */
export function aliasSum(x: Float64Array, n: number): number {
  const y = x;
  const z = y;
  let s = 0;
  for (let i = 0; i < n; i++) s += y[i] * x[i];
  z[0] = s;
  return x[0] * 2 + y[1] * z[1];
}

/** An alias declared inside a loop, of a local array. */
/** @differentiable */
export function loopAlias(x: number[]): number {
  const w = new Array<number>(x.length).fill(0);
  let s = 0;
  for (let k = 0; k < 2; k++) {
    const v = w;
    for (let i = 0; i < x.length; i++) v[i] = Math.sin(w[i] + x[i]);
    s += v[0] * v[x.length - 1];
  }
  return s;
}
`,
    });
    expect(c.diagnostics).toEqual([]);
    const m = await c.load<Module>();
    const grad = m.aliasSum_grad as unknown as (x: Float64Array, n: number) => [number, Float64Array, number];
    // value = 2 Σ x_i² + x_1²: ∂/∂x_i = 4 x_i for every i < n, plus 2 x_1 for i = 1.
    const x = f64(0.5, -1.5, 2);
    const [value, g] = grad(x.slice(), 3);
    expect(value).toBeCloseTo(2 * (0.25 + 2.25 + 4) + 2.25, 13);
    expect([...g]).toEqual([4 * 0.5, 4 * -1.5 + 2 * -1.5, 4 * 2]);
    const rnd = random(5);
    for (let trial = 0; trial < 3; trial++) {
      dotProductTest(m, "aliasSum", [f64(0.5, -1.5, 2, 0.3), 4], [0], rnd);
      dotProductTest(m, "loopAlias", [[0.3, -0.2, 0.5]], [0], rnd);
    }
    c.cleanup();
  });
});

describe("reverse mode: array variables re-pointed (double buffers, a choice of arrays)", () => {
  it("the adjoint follows the array each name points to", async () => {
    const c = compileSources({
      "input.ts": `
/** A double buffer: the two arrays swap roles each sweep. */
/** @differentiable wrt=x */
export function smooth(x: Float64Array, sweeps: number): number {
  const a = new Float64Array(x.length);
  const b = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) a[i] = x[i];
  let cur = a;
  let next = b;
  for (let k = 0; k < sweeps; k++) {
    next[0] = cur[0];
    next[x.length - 1] = cur[x.length - 1];
    for (let i = 1; i < x.length - 1; i++) next[i] = Math.sin(cur[i - 1]) * 0.25 + cur[i] * cur[i] * 0.5 + 0.25 * cur[i + 1];
    const tmp = cur;
    cur = next;
    next = tmp;
  }
  let s = 0;
  for (let i = 0; i < x.length; i++) s += cur[i] * (i + 1);
  return s;
}

/** A pointer chosen by a branch, written through, then read through the other name. */
/** @differentiable */
export function choose(p: number[], q: number[], c: number): number {
  let r = c > 0 ? p : q;
  for (let i = 0; i < r.length; i++) r[i] = r[i] * r[i] * c;
  if (c > 1) r = p;
  return p[0] * q[1] + r[0];
}

/** An array-valued ternary returned. */
/** @differentiable */
export function pick(a: number[], b: number[], c: number): number[] {
  const s = c * 2;
  return c > s ? a : b;
}
`,
    });
    expect(c.diagnostics).toEqual([]);
    const m = await c.load<Module>();
    // The double buffer against central differences (h = 1e-6, tolerance 1e-8 absolute).
    const smooth = m.smooth as unknown as (x: Float64Array, n: number) => number;
    const smoothGrad = m.smooth_grad as unknown as (x: Float64Array, n: number) => [number, Float64Array];
    const x = f64(0.3, -0.2, 0.5, 0.9, 0.1);
    const g = smoothGrad(x.slice(), 3)[1];
    x.forEach((_, i) => {
      const plus = x.slice();
      const minus = x.slice();
      plus[i] += 1e-6;
      minus[i] -= 1e-6;
      expect(Math.abs(g[i] - (smooth(plus, 3) - smooth(minus, 3)) / 2e-6)).toBeLessThan(1e-8);
    });
    // choose with c = 2: r is p squared times 2 in place, then p again: p0 = 2 p0², so f = 2 p0² q1 + 2 p0².
    const choose = m.choose_grad as unknown as (p: number[], q: number[], c: number) => [number, number[], number[], number];
    const [v, gp, gq] = choose([0.5, 0.7], [0.3, -0.4], 2);
    expect(v).toBeCloseTo(2 * 0.25 * -0.4 + 2 * 0.25, 15);
    expect(gp[0]).toBeCloseTo(4 * 0.5 * -0.4 + 4 * 0.5, 14);
    expect(gq[1]).toBeCloseTo(2 * 0.25, 14);
    const rnd = random(31);
    for (let trial = 0; trial < 3; trial++) {
      dotProductTest(m, "smooth", [f64(0.3, -0.2, 0.5, 0.9, 0.1), 4], [0], rnd);
      for (const cv of [-0.5, 0.5, 1.5]) dotProductTest(m, "choose", [[0.5, 0.7, -0.2], [0.3, -0.4, 0.8], cv], [0, 1, 2], rnd);
      for (const cv of [-0.5, 0.5]) dotProductTest(m, "pick", [[0.5, 0.7], [0.3, -0.4], cv], [0, 1, 2], rnd);
    }
    c.cleanup();
  });
});

describe("reverse mode: arrays allocated inside a loop", () => {
  it("arrays whose length changes from one iteration to the next (growing, shrinking, from a call)", async () => {
    const c = compileSources({
      "input.ts": `
/** @differentiable wrt=x */
export function shrinking(x: Float64Array, n: number): number {
  let s = 0;
  for (let i = n; i >= 1; i--) {
    const t = new Float64Array(i);
    for (let j = 0; j < i; j++) t[j] = 2 * x[j];
    for (let j = 0; j < i; j++) s += 3 * t[j];
  }
  return s;
}

/** @differentiable wrt=x */
export function growing(x: Float64Array, n: number): number {
  let s = 0;
  let t = new Float64Array(1);
  for (let i = 1; i <= n; i++) {
    t = new Float64Array(i);
    for (let j = 0; j < i; j++) t[j] = x[j] * x[i - j - 1];
    for (let j = 0; j < i; j++) s += Math.sin(t[j]);
  }
  return s;
}

function prefix(x: number[], m: number): number[] {
  const out = new Array<number>(m).fill(0);
  for (let j = 0; j < m; j++) out[j] = x[j] * x[j];
  return out;
}

/** @differentiable wrt=x */
export function fromCalls(x: number[], n: number): number {
  let s = 0;
  for (let i = n; i >= 1; i--) {
    const t = prefix(x, i);
    for (let j = 0; j < t.length; j++) s += t[j] * (j + 1);
    const u = i % 2 === 0 ? [t[0], t[0]] : [t[0]];
    s += u[u.length - 1];
  }
  return s;
}
`,
    });
    expect(c.diagnostics).toEqual([]);
    const m = await c.load<Module>();
    const shrinking = m.shrinking_grad as unknown as (x: Float64Array, n: number) => [number, Float64Array, number];
    // s = Σ_{i=1..4} Σ_{j<i} 6 x_j: x_j appears in 4 - j sums.
    expect([...shrinking(f64(1, 2, 3, 4), 4)[1]]).toEqual([24, 18, 12, 6]);
    const fromCalls = m.fromCalls_grad as unknown as (x: number[], n: number) => [number, number[], number];
    // s = Σ_{i=1..3} Σ_{j<i} (j+1) x_j² + Σ_i x_0²: ∂/∂x_j = 2 x_j (j+1) (3 - j) + [j = 0] 2 x_0 · 3
    const x = [0.7, -0.4, 1.3];
    const g = fromCalls(x, 3)[1];
    x.forEach((xj, j) => expect(g[j]).toBeCloseTo(2 * xj * (j + 1) * (3 - j) + (j === 0 ? 6 * xj : 0), 13));
    const rnd = random(23);
    for (let trial = 0; trial < 3; trial++) {
      dotProductTest(m, "shrinking", [f64(0.3, -0.2, 0.5, 0.9), 4], [0], rnd);
      dotProductTest(m, "growing", [f64(0.3, -0.2, 0.5, 0.9), 4], [0], rnd);
      dotProductTest(m, "fromCalls", [[0.3, -0.2, 0.5, 0.9], 4], [0], rnd);
    }
    c.cleanup();
  });

  it("each iteration's array is kept for the reverse sweep (a reference on the tape)", async () => {
    const c = compileSources({
      "input.ts": `
/** @differentiable */
export function chain(x: number[]): number {
  let s = 0;
  for (let k = 0; k < 3; k++) {
    const t = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) t[i] = Math.sin(x[i] * (k + 1)) * s + x[i];
    for (let i = 0; i < t.length; i++) s += t[i] * t[i];
  }
  return s;
}
`,
    });
    expect(c.diagnostics).toEqual([]);
    expect(c.outputs["input.ts"]).toContain("tape.pushArray(t)");
    const m = await c.load<Module>();
    const rnd = random(11);
    for (let trial = 0; trial < 4; trial++) dotProductTest(m, "chain", [[0.3, -0.2, 0.5]], [0], rnd);
    c.cleanup();
  });
});

describe("switch cases written as blocks", () => {
  it("case 0: { ...; break; } is not a fall-through (fuzzer finding 5)", async () => {
    const { compileAndLoad } = await import("./helpers/compile.js");
    const m = await compileAndLoad<{ f_grad: (x: number, k: number) => [number, number] }>(`
/** @differentiable wrt=x */
export function f(x: number, k: number): number {
  let r = 0;
  switch (k) {
    case 0: {
      r = x * x;
      break;
    }
    case 1: {
      r = Math.sin(x);
      break;
    }
    default:
      r = x;
  }
  return r * 3;
}`);
    expect(m.f_grad(1.5, 0)).toEqual([6.75, 9]);
    expect(m.f_grad(1.5, 1)[1]).toBe(3 * Math.cos(1.5));
    expect(m.f_grad(1.5, 7)).toEqual([4.5, 3]);
  });
});

describe("switch fall-through", () => {
  it("a case without break runs into the next one, in reverse mode as in forward mode", async () => {
    const { compileAndLoad } = await import("./helpers/compile.js");
    const m = await compileAndLoad<{ f_grad: (x: number, k: number) => [number, number]; f_dual: (x: number, k: number, dx: number) => [number, number] }>(`
/** @differentiable wrt=x */
export function f(x: number, k: number): number {
  let r = 1;
  switch (k) {
    case 0:
      r = r * x;
    case 1:
      r = r * x;
    case 2:
      r = r * Math.sin(x);
      break;
    default:
      r = -x;
  }
  return r;
}`);
    const x = 0.8;
    // k = 0: x² sin x; k = 1: x sin x; k = 2: sin x; otherwise -x.
    const expected = [2 * x * Math.sin(x) + x * x * Math.cos(x), Math.sin(x) + x * Math.cos(x), Math.cos(x), -1];
    [0, 1, 2, 5].forEach((k, i) => {
      expect(m.f_grad(x, k)[1]).toBeCloseTo(expected[i], 14);
      expect(m.f_dual(x, k, 1)[1]).toBeCloseTo(expected[i], 14);
    });
  });
});
