/**
 * Forward mode on every construct of the fixtures: derivatives against hand-derived formulas (1e-12
 * relative) and against central differences (a second, independent oracle, 1e-6 relative with h = 1e-6).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileSources, relErr } from "./helpers/compile.js";

type Fn = (...args: never[]) => unknown;
type Module = Record<string, Fn>;
const fixtures = join(import.meta.dirname, "..", "fixtures");

async function loadFixture(name: string): Promise<Module> {
  return compileSources({ "input.ts": readFileSync(join(fixtures, name, "input.ts"), "utf8") }).load<Module>();
}

/** d/dt f(x + t v) at t = 0 by central differences. */
function directional(f: (...xs: number[]) => number, x: number[], v: number[], h = 1e-6): number {
  const plus = x.map((xi, i) => xi + h * v[i]);
  const minus = x.map((xi, i) => xi - h * v[i]);
  return (f(...plus) - f(...minus)) / (2 * h);
}

/** Check f_dual against a formula for the gradient and against central differences in each direction. */
function checkScalar(m: Module, name: string, points: number[][], gradient: (...x: number[]) => number[]): void {
  const f = m[name] as unknown as (...x: number[]) => number;
  const dual = m[`${name}_dual`] as unknown as (...x: number[]) => [number, number];
  for (const x of points) {
    const g = gradient(...x);
    x.forEach((_, i) => {
      const e = x.map((_, j) => (j === i ? 1 : 0));
      const [value, d] = dual(...x, ...e);
      expect(value).toBe(f(...x));
      expect(relErr(d, g[i]), `${name} ∂/∂x${i} at ${x}: ${d} vs ${g[i]}`).toBeLessThan(1e-12);
      expect(relErr(d, directional(f, x, e)), `${name} vs central differences`).toBeLessThan(1e-6);
    });
  }
}

describe("intrinsics", () => {
  let m: Module;
  beforeAll(async () => (m = await loadFixture("intrinsics")));
  it("trig", () =>
    checkScalar(m, "trig", [[0.3], [-0.7], [1.1]], (x) => [
      Math.cos(x) - 2 * Math.sin(2 * x) + (1 + Math.tan(x / 3) ** 2) / 3 + 1 / 4 / Math.sqrt(1 - (x / 4) ** 2) - 1 / 5 / Math.sqrt(1 - (x / 5) ** 2) + 1 / (1 + x * x),
    ]));
  it("hyperbolic", () =>
    checkScalar(m, "hyperbolic", [[0.3], [-0.7], [1.1]], (x) => [
      Math.cosh(x) + Math.sinh(x) + (1 - Math.tanh(x) ** 2) + 1 / Math.sqrt(x * x + 1) + 1 / Math.sqrt((x + 2) ** 2 - 1) + 1 / 2 / (1 - (x / 2) ** 2),
    ]));
  it("exp and log", () =>
    checkScalar(m, "expLog", [[0.3], [2.5], [7]], (x) => [Math.exp(x) + Math.exp(x) + 1 / x + 1 / (1 + x) + 1 / (x * Math.LN2) + 1 / (x * Math.LN10)]));
  it("roots, pow, hypot, atan2", () =>
    checkScalar(m, "roots", [[0.3, 1.7], [2.5, -0.4], [1.2, 2]], (x, y) => {
      const h = Math.hypot(x, y, 3);
      return [
        1 / (2 * Math.sqrt(x)) + y * x ** (y - 1) + 2.5 * x ** 1.5 + x / h - y / (x * x + y * y),
        1 / (3 * Math.cbrt(y) ** 2) + x ** y * Math.log(x) + y / h + x / (x * x + y * y),
      ];
    }));
  it("abs, min, max, floor, sign away from their kinks", () =>
    checkScalar(m, "piecewise", [[0.3, 1.7], [2.5, -0.4], [-1.2, -2]], (x, y) => {
      const dAbs = Math.sign(x - y);
      const minArg = Math.min(x, y, 1) === x ? [1, 0] : Math.min(x, y, 1) === y ? [0, 1] : [0, 0];
      const maxArg = x * y >= 2 ? [y, x] : [0, 0];
      return [dAbs + minArg[0] + maxArg[0] + Math.sign(y), -dAbs + minArg[1] + maxArg[1]];
    }));
  it("Math constants", () => checkScalar(m, "constants", [[0.5], [-2]], (x) => [Math.PI + 2 * Math.E * x]));
});

describe("control flow", () => {
  let m: Module;
  beforeAll(async () => (m = await loadFixture("control-flow")));
  it("if / else if / else", () =>
    checkScalar(m, "branches", [[2, 3], [-2, 1], [0.5, 0.5], [0.5, -3]], (x, y) =>
      x > 1 && y > 0 ? [y, x] : x < -1 || y < -2 ? [Math.exp(x), -1] : [2 * x, 1],
    ));
  it("switch, each case", () => {
    const dual = m.choose_dual as unknown as (x: number, k: number, dx: number, dk: number) => [number, number];
    expect(dual(0.7, 0, 1, 0)[1]).toBe(1);
    expect(relErr(dual(0.7, 1, 1, 0)[1], 1.4)).toBeLessThan(1e-15);
    expect(relErr(dual(0.7, 5, 1, 0)[1], Math.cos(0.7))).toBeLessThan(1e-15);
  });
  it("ternaries", () =>
    checkScalar(m, "ternary", [[2, 1], [1, 2], [0.5, 0.25]], (x, y) => {
      const [mv, dmx, dmy] = x > y ? [x * y, y, x] : [y / x, -y / (x * x), 1 / x];
      return mv > 3 ? [3 * dmx, 3 * dmy] : [dmx, dmy];
    }));
  it("early returns", () => checkScalar(m, "earlyReturn", [[-2], [1], [9]], (x) => (x < 0 ? [-2 * x] : Math.sqrt(x) > 2 ? [0.5 / Math.sqrt(x)] : [1.5 * Math.sqrt(x)])));
});

describe("loops", () => {
  let m: Module;
  beforeAll(async () => (m = await loadFixture("loops")));
  it("for: x^n", () => {
    const dual = m.power_dual as unknown as (x: number, n: number, dx: number, dn: number) => [number, number];
    for (const [x, n] of [[1.3, 5], [-0.7, 4], [2, 0]]) expect(relErr(dual(x, n, 1, 0)[1], n === 0 ? 0 : n * x ** (n - 1))).toBeLessThan(1e-12);
  });
  it("while with a data-dependent trip count", () =>
    checkScalar(m, "halveUntilSmall", [[0.5], [3], [100]], (x) => [1 / 2 ** Math.max(0, Math.ceil(Math.log2(x)))]));
  it("nested loops with break and continue", () =>
    checkScalar(m, "nested", [[0.3], [1.7]], (x) => {
      let d = 0;
      for (let i = 1; i <= 3; i++)
        for (let j = 0; j < 4; j++) {
          if (j === i) continue;
          if (i * j > 6) break;
          d += i * Math.cos(x * i) * j;
        }
      return [d];
    }));
  it("do-while", () =>
    checkScalar(m, "doWhile", [[0.3], [1.1]], (x) => {
      let t = x;
      let dt = 1;
      for (let k = 0; k < 3; k++) {
        dt = 2 * t * dt;
        t = t * t - 0.5;
      }
      return [dt];
    }));
  it("return inside a loop: Newton's sqrt has derivative 1/(2 sqrt a)", () =>
    checkScalar(m, "sqrtNewton", [[2], [9], [0.3]], (a) => [1 / (2 * Math.sqrt(a))]));
});

describe("arrays", () => {
  let m: Module;
  beforeAll(async () => (m = await loadFixture("arrays")));
  it("dot product: tangent x·dy + dx·y", () => {
    const dual = m.dot_dual as unknown as (x: number[], y: number[], dx: number[], dy: number[]) => [number, number];
    const [v, d] = dual([1, 2, 3], [4, 5, 6], [0.5, -1, 2], [1, 0, -1]);
    expect(v).toBe(32);
    expect(d).toBe(0.5 * 4 - 5 + 12 + 1 - 3);
  });
  it("ring with (i + 1) % n on a Float64Array", () => {
    const dual = m.ring_dual as unknown as (x: Float64Array, dx: Float64Array) => [number, number];
    const x = Float64Array.from([1.5, -2, 0.25, 3]);
    for (let k = 0; k < 4; k++) {
      const e = new Float64Array(4);
      e[k] = 1;
      // ∂/∂x_k Σ x_i x_{i+1} = x_{k-1} + x_{k+1}
      expect(dual(x, e)[1]).toBeCloseTo(x[(k + 3) % 4] + x[(k + 1) % 4], 14);
    }
  });
  it("returned Float64Array of prefix sums squared", () => {
    const dual = m.cumsum_dual as unknown as (x: Float64Array, dx: Float64Array) => [Float64Array, Float64Array];
    const x = Float64Array.from([1, 2, 3]);
    const [v, d] = dual(x, Float64Array.from([1, 0, 0]));
    expect(Array.from(v)).toEqual([1, 9, 36]);
    expect(d).toBeInstanceOf(Float64Array);
    expect(Array.from(d)).toEqual([2, 6, 12]);
  });
  it("returned number[] from an array literal", () => {
    const dual = m.polar_dual as unknown as (r: number, t: number, dr: number, dt: number) => [number[], number[]];
    const [, d] = dual(2, 0.3, 0, 1);
    expect(relErr(d[0], -2 * Math.sin(0.3))).toBeLessThan(1e-15);
    expect(relErr(d[1], 2 * Math.cos(0.3))).toBeLessThan(1e-15);
  });
  it("local array overwritten in loops, for-of", () => {
    const f = m.smooth as unknown as (x: number[]) => number;
    const dual = m.smooth_dual as unknown as (x: number[], dx: number[]) => [number, number];
    const x = [0.3, -1, 2, 0.7, 1.1];
    for (let k = 0; k < x.length; k++) {
      const e = x.map((_, j) => (j === k ? 1 : 0));
      const h = 1e-6;
      const fd = (f(x.map((v, j) => v + h * e[j])) - f(x.map((v, j) => v - h * e[j]))) / (2 * h);
      expect(relErr(dual(x, e)[1], fd)).toBeLessThan(1e-7);
    }
  });
});

describe("calls", () => {
  let m: Module;
  beforeAll(async () => (m = await loadFixture("calls")));
  it("helper in the same file", () => checkScalar(m, "norm2", [[3, 4], [-1, 0.5]], (x, y) => [x / Math.hypot(x, y), y / Math.hypot(x, y)]));
  it("recursion: d/dx x^n = n x^(n-1)", () => {
    const dual = m.powRec_dual as unknown as (x: number, n: number, dx: number) => [number, number];
    expect(relErr(dual(1.1, 7, 1)[1], 7 * 1.1 ** 6)).toBeLessThan(1e-12);
  });
  it("inactive calls for index arithmetic", () => {
    const dual = m.shifted_dual as unknown as (x: number[], k: number, dx: number[], dk: number) => [number, number];
    // s = Σ_i x[(i + k) mod n] (i + 1): ∂s/∂x_j = ((j - k) mod n) + 1
    const n = 5;
    for (let j = 0; j < n; j++) {
      const e = Array.from({ length: n }, (_, i) => (i === j ? 1 : 0));
      expect(dual([1, 2, 3, 4, 5], 2, e, 0)[1]).toBe((((j - 2) % n) + n) % n + 1);
    }
  });
  it("a helper writing derivatives into an array parameter", () => {
    const dual = m.filled_dual as unknown as (x: number, dx: number) => [number, number];
    // buf = [x, 2x, 3x]: f = 2x^2 + 3x, f' = 4x + 3
    expect(dual(1.5, 1)).toEqual([2 * 1.5 ** 2 + 4.5, 4 * 1.5 + 3]);
  });
});

describe("overwritten variables and compound assignments", () => {
  let m: Module;
  beforeAll(async () => (m = await loadFixture("overwrite")));
  it("every compound operator", () =>
    checkScalar(m, "overwrite", [[0.7, 1.3], [1.2, -0.8]], (x, y) => {
      // Differentiate the same sequence by hand, one statement at a time.
      let a = x * y, ax = y, ay = x;
      [ax, ay] = [Math.cos(a) * ax * a + Math.sin(a) * ax, Math.cos(a) * ay * a + Math.sin(a) * ay];
      a = Math.sin(a) * a;
      a += x; ax += 1;
      a -= y * y; ay -= 2 * y;
      [ax, ay] = [ax * x + a, ay * x];
      a *= x;
      [ax, ay] = [ax / y, (ay * y - a) / (y * y)];
      a /= y;
      [ax, ay] = [2 * a * ax, 2 * a * ay];
      return [ax, ay];
    }));
  it("logistic map, x overwritten from itself 20 times", () =>
    checkScalar(m, "logistic", [[3.2, 0.3], [2.5, 0.7]], (r, x0) => {
      let x = x0, dr = 0, dx0 = 1;
      for (let i = 0; i < 20; i++) {
        [dr, dx0] = [x * (1 - x) + r * (1 - 2 * x) * dr, r * (1 - 2 * x) * dx0];
        x = r * x * (1 - x);
      }
      return [dr, dx0];
    }));
});

describe("options and function forms", () => {
  let m: Module;
  beforeAll(async () => (m = await loadFixture("options")));
  it("wrt=a gives one tangent parameter", () => {
    const dual = m.scaled_dual as unknown as (a: number, b: number, c: number, da: number) => [number, number];
    expect(dual.length).toBe(4);
    expect(dual(2, 3, 5, 1)[1]).toBe(3 + 2 * 5 * 2);
  });
  it("arrow function", () => checkScalar(m, "arrow", [[1, 2], [-0.5, 0.3]], (x, y) => [(2 * x) / (x * x + y * y), (2 * y) / (x * x + y * y)]));
  it("function expression, not exported, string parameter passed through", () => {
    expect(m.expression_dual).toBeUndefined();
    expect(m.useExpression(2 as never)).toBe(12);
  });
});

describe("array-valued ternaries", () => {
  it("a branch of constants has a zero array tangent; the other branch carries the tangent", async () => {
    const m = await compileSources({
      "input.ts": `
/** @differentiable wrt=y */
export function f(y: number[], c: number): number {
  const u = c > 0 ? [1, 2] : [y[0], y[1] * y[1]];
  return u[0] * u[1] + y[0];
}
`,
    }).load<Module>();
    const dual = m.f_dual as unknown as (y: number[], c: number, dy: number[]) => [number, number];
    // c > 0: f = 2 + y0, so ∂f/∂y = [1, 0]; c ≤ 0: f = y0 y1² + y0, so ∂f/∂y = [y1² + 1, 2 y0 y1].
    expect(dual([0.5, 3], 1, [1, 0])).toEqual([2.5, 1]);
    expect(dual([0.5, 3], 1, [0, 1])).toEqual([2.5, 0]);
    expect(dual([0.5, 3], -1, [1, 0])[1]).toBe(10);
    expect(dual([0.5, 3], -1, [0, 1])[1]).toBe(3);
  });
});

describe("for-of over an array the body reassigns", () => {
  it("walks the array the loop started with, as JavaScript does (fuzzer finding 16)", async () => {
    const m = await compileSources({
      "input.ts": `
/** @differentiable wrt=x */
export function f(x: number): number {
  let u: number[] = [x, x, x];
  let s = 0;
  for (const e of u) {
    s += e * x;
    u = [x];
  }
  return s + u[0];
}
`,
    }).load<Module>();
    const f = m.f as unknown as (x: number) => number;
    const dual = m.f_dual as unknown as (x: number, dx: number) => [number, number];
    // s = 3 x², plus u[0] = x: f = 3x² + x, f' = 6x + 1.
    expect(f(2)).toBe(14);
    expect(dual(2, 1)).toEqual([14, 13]);
  });
});

describe("an element written through one name of an array another name reads", () => {
  it("the tangent is taken before the write: an alias, and one array passed for two parameters", async () => {
    const c = compileSources({
      "input.ts": `
/** @differentiable */
export function viaAlias(v: number[]): number {
  const u = v;
  u[0] = v[0] * v[0];
  return u[0];
}

function squareInto(y: number[], x: number[]): void {
  for (let i = 0; i < x.length; i++) y[i] = x[i] * x[i];
}

/** @differentiable */
export function samePassedTwice(v: number[]): number {
  squareInto(v, v);
  return v[0] * v[1];
}
`,
    });
    expect(c.diagnostics).toEqual([]);
    const m = await c.load<Module>();
    c.cleanup();
    // viaAlias = v0²: d/dv0 = 2 v0 (was 2 v0² · ... from the new v0: 2 · 9 · 1 at v0 = 3).
    const a = m.viaAlias_dual as unknown as (v: number[], dv: number[]) => [number, number];
    expect(a([3, 1], [1, 0])).toEqual([9, 6]);
    // samePassedTwice = v0² v1²: ∂/∂v0 = 2 v0 v1², ∂/∂v1 = 2 v0² v1.
    const b = m.samePassedTwice_dual as unknown as (v: number[], dv: number[]) => [number, number];
    expect(b([3, -2], [1, 0])).toEqual([36, 24]);
    expect(b([3, -2], [0, 1])).toEqual([36, -36]);
    const g = m.samePassedTwice_grad as unknown as (v: number[]) => [number, number[]];
    expect(g([3, -2])).toEqual([36, [24, -36]]);
  });
});
