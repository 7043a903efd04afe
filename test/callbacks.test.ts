/**
 * Array methods with callbacks and function values (issue 14, items 3 and 4), desugared by the frontend
 * (transformer/frontend/callbacks.ts) into loops and inlined code every mode already handles:
 * - `map`, `forEach`, `reduce` (with and without an initial value), `filter`, `some`, `every`,
 *   `findIndex`, `Array.from({ length: n }, cb)` and `fill` on arrays of numbers, the callback an
 *   arrow, a function expression, a local function or a top-level function;
 * - calls of arrow functions and inner function declarations (closures over active values).
 * Every function is checked in f_dual (against central differences), f_vjp, f_grad and f_jacobian
 * (against the f_dual columns) and, where tagged, f_hessian (test/helpers/oracle.ts); a few against
 * hand-derived formulas as well. Every output type-checks under tsc --strict, and its derivative code
 * holds no closure. What cannot be desugared is an exact diagnostic (code, line:col, message).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ADC } from "../transformer/diagnostics.js";
import { compileSources, compileWithText, relErr, type Compiled } from "./helpers/compile.js";
import { checkModes, type Fn, type Oracle } from "./helpers/oracle.js";

type Module = Record<string, Fn>;

const compiled: Compiled[] = [];
afterAll(() => compiled.forEach((c) => c.cleanup()));

/** The diagnostics of a source, as "ADCxxxx line:col message". */
function diagnosticsOf(source: string): string[] {
  const c = compileSources({ "input.ts": source });
  compiled.push(c);
  return c.diagnostics.map((d) => `${d.code} ${d.pos?.line}:${d.pos?.col} ${d.message}`);
}

/** The text of the generated derivative functions (`f_dual`, `f_vjp`, ...), without the primals. */
function derivativeCode(text: string): string {
  const functions = text.match(/^export function \w+_(?:dual|vjp|grad|jacobian|hessian)\([\s\S]*?^\}$/gm) ?? [];
  expect(functions.length).toBeGreaterThan(0);
  return functions.join("\n");
}

const close = (got: number, want: number, what: string): void => {
  expect(relErr(got, want), `${what}: got ${got}, want ${want}`).toBeLessThanOrEqual(1e-12);
};

// ---- Array methods -------------------------------------------------------------------------------

const methods = `
/** map with the index, then reduce: f = Σ (x_i² + i a) */
/** @differentiable hessian */
export function mapReduce(xs: number[], a: number): number {
  const ys = xs.map((x, i) => x * x + i * a);
  return ys.reduce((s, y) => s + y, 0);
}

/** reduce without an initial value (the first element starts it), through Math.max. */
/** @differentiable */
export function maxOf(xs: number[]): number {
  return xs.reduce((m, x) => Math.max(m, x));
}

/** forEach writing a captured accumulator, with a block body. */
/** @differentiable hessian */
export function forEachSum(xs: number[], a: number): number {
  let s = 0;
  xs.forEach((x, i) => {
    const t = Math.sin(x * a);
    s += t * t + i;
  });
  return s;
}

/** filter with an inactive predicate, then a sum of what is kept. */
/** @differentiable */
export function positiveSum(xs: number[], w: number): number {
  return xs.filter((x) => x > 0).reduce((s, x) => s + w * x * x, 0);
}

/** some / every / findIndex give inactive numbers and booleans that steer the result. */
/** @differentiable */
export function guarded(xs: number[], a: number): number {
  const big = xs.some((x) => x > 2);
  const bounded = xs.every((x) => Math.abs(x) < 10);
  const k = xs.findIndex((x) => x * a > 1);
  return (big ? a * xs[0] : a * a) + (bounded ? xs[1] : 0) + (k >= 0 ? xs[k] * a : 0);
}

/** Array.from({ length: n }, (_, i) => ...) and fill. */
/** @differentiable */
export function built(a: number, b: number): number {
  const w = Array.from({ length: 4 }, (_, i) => (i + 1) * a);
  const z: number[] = new Array(3).fill(0);
  z.fill(b * b);
  return w[3] * z[2] + w[0];
}

/** map on a Float64Array gives a Float64Array. */
/** @differentiable */
export function typed(xs: Float64Array, a: number): number {
  const ys = xs.map((x) => Math.exp(a * x));
  let s = 0;
  for (let i = 0; i < ys.length; i++) s += ys[i];
  return s;
}

/** A block body with early returns, and a map inside a reduce's callback. */
/** @differentiable */
export function nested(xs: number[], a: number): number {
  const clipped = xs.map((x) => {
    if (x > 1) return 1;
    if (x < -1) return -1;
    return x * a;
  });
  return clipped.reduce((s, c) => s + xs.map((x) => x * c).reduce((p, q) => p + q, 0), 0);
}

function square(t: number): number {
  return t * t;
}

/** A top-level function and a function expression as callbacks. */
/** @differentiable */
export function named(xs: number[], a: number): number {
  const sq = xs.map(square);
  return sq.reduce(function (s: number, y: number) { return s + y * a; }, 0);
}

/** slice (a negative start too), concat and spread, then reduce with the index. */
/** @differentiable */
export function pieces(xs: number[], a: number): number {
  const head = xs.slice(0, 2);
  const tail = xs.slice(-2);
  const all = [...head.concat(tail, a * a), a, ...xs.slice(1)];
  return all.reduce((s, v, i) => s + v * (i + 1), 0);
}

/** slice of a Float64Array (a Float64Array) with bounds from a parameter. */
/** @differentiable wrt=xs */
export function window(xs: Float64Array, from: number): number {
  return xs.slice(from, from + 2).reduce((s, v) => s + v * v, 0);
}

/** An array result: every mode's Jacobian of a vector function. */
/** @differentiable */
export function scaled(xs: number[], a: number): number[] {
  return xs.map((x, i) => x * a + i);
}
`;

const points: Record<string, Oracle> = {
  mapReduce: { points: [[[1, -2, 3], 0.5], [[0.25, 4], -1.5]], active: [0, 1], hessian: true },
  maxOf: { points: [[[1, -2, 3]], [[4, 0.5, 2]]], active: [0] },
  forEachSum: { points: [[[1, -2, 3], 0.5], [[0.3], 1.2]], active: [0, 1], hessian: true },
  positiveSum: { points: [[[1, -2, 3], 0.5], [[-1, -0.5, 2.5, 0.75], 2]], active: [0, 1] },
  guarded: { points: [[[1, -2, 3], 0.5], [[0.5, 1.5], 0.25], [[3, 0.2, 0.4], 2]], active: [0, 1] },
  built: { points: [[0.5, 1.5], [-2, 0.25]], active: [0, 1] },
  typed: { points: [[new Float64Array([0.1, -0.4, 0.3]), 0.7]], active: [0, 1] },
  nested: { points: [[[0.5, -2, 3, 0.25], 0.5], [[0.3, 0.6], -1.5]], active: [0, 1] },
  named: { points: [[[1, -2, 3], 0.5]], active: [0, 1] },
  scaled: { points: [[[1, -2, 3], 0.5]], active: [0, 1] },
  pieces: { points: [[[1, 2, 3], 0.5], [[0.5, -1], 2]], active: [0, 1] },
  window: { points: [[new Float64Array([0.5, -1, 2, 3]), 1], [new Float64Array([0.5, -1, 2]), -3]], active: [0] },
};

describe("array methods with callbacks, in every mode", () => {
  let loaded: Promise<{ m: Module; text: string }> | undefined;
  const load = (): Promise<{ m: Module; text: string }> => (loaded ??= compileWithText<Module>(methods, { strict: true }));

  for (const [name, oracle] of Object.entries(points))
    it(`${name}: f_dual against central differences, f_vjp / f_grad / f_jacobian against f_dual${oracle.hessian === true ? ", f_hessian against central differences of f_grad" : ""}`, async () => {
      const { m } = await load();
      checkModes(m, name, oracle);
    });

  it("mapReduce against the hand-derived gradient: ∂/∂x_i = 2 x_i, ∂/∂a = Σ i = 3 at xs = [1, -2, 3]", async () => {
    const { m } = await load();
    const [value, gx, ga] = m.mapReduce_grad([1, -2, 3], 0.5) as [number, number[], number];
    close(value, 1 + 4 + 9 + 0.5 * 3, "value");
    [2, -4, 6].forEach((g, i) => close(gx[i], g, `∂/∂x${i}`));
    close(ga, 3, "∂/∂a");
  });

  it("positiveSum against the hand-derived gradient: f = w Σ_{x > 0} x², ∂/∂x_i = 2 w x_i where x_i > 0, else 0", async () => {
    const { m } = await load();
    const [value, gx, gw] = m.positiveSum_grad([1, -2, 3], 0.5) as [number, number[], number];
    close(value, 0.5 * 10, "value");
    [1, 0, 3].forEach((g, i) => close(gx[i], g, `∂/∂x${i}`));
    close(gw, 10, "∂/∂w");
    const [, dv] = m.positiveSum_dual([1, -2, 3], 0.5, [0, 1, 0], 0) as [number, number];
    expect(dv).toBe(0);
  });

  it("pieces against the hand-derived gradient: all = [x0, x1, x1, x2, a², a, x1, x2] weighted 1..8 at xs = [1, 2, 3]", async () => {
    const { m } = await load();
    const [value, gx, ga] = m.pieces_grad([1, 2, 3], 0.5) as [number, number[], number];
    close(value, 65.25, "value");
    [1, 2 + 3 + 7, 4 + 8].forEach((g, i) => close(gx[i], g, `∂/∂x${i}`));
    close(ga, 2 * 0.5 * 5 + 6, "∂/∂a");
    // slice(1, 3) and slice(-3, -1), counted from the end as in JavaScript.
    expect(m.window_grad(new Float64Array([0.5, -1, 2, 3]), 1)).toEqual([5, new Float64Array([0, -2, 4, 0])]);
    expect(m.window_grad(new Float64Array([0.5, -1, 2]), -3)).toEqual([1.25, new Float64Array([1, -2, 0])]);
  });

  it("maxOf throws on an empty array as JavaScript's reduce does; the derivative goes to the largest element", async () => {
    const { m } = await load();
    expect(() => m.maxOf([])).toThrow(TypeError);
    expect(() => m.maxOf_grad([])).toThrow("Reduce of empty array with no initial value");
    expect(m.maxOf_grad([1, 5, 2])).toEqual([5, [0, 1, 0]]);
  });

  it("the derivative code is plain loops: no arrow, no function value, no array method called", async () => {
    const { text } = await load();
    const code = derivativeCode(text);
    expect(code).not.toMatch(/=>|function \(|\.(map|reduce|forEach|filter|some|every|findIndex)\(|Array\.from/);
    // The shape of one desugaring: the callback's parameters bound inside the loop.
    expect(code).toContain("for (let i = 0; i < xs.length; i++) {\n    const x = xs[i];\n    const dx = dxs[i];");
  });
});

// ---- Function values -----------------------------------------------------------------------------

const closures = `
/** A closure over an active value, called twice: f = x² a + y² a. */
/** @differentiable hessian */
export function twice(x: number, y: number, a: number): number {
  const sq = (t: number) => t * t * a;
  return sq(x) + sq(y);
}

/** An inner function declaration with branches, called from a loop. */
/** @differentiable */
export function clipped(xs: number[], lo: number): number {
  function clip(t: number): number {
    if (t < lo) return lo;
    const u = t * t;
    return u > 4 ? 4 : u;
  }
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += clip(xs[i]) * (i + 1);
  return s;
}

/** A closure reads its captured variable when it is called, not when it is made: f = x² + 4 x². */
/** @differentiable */
export function late(x: number): number {
  let c = x;
  const f = () => c * c;
  const first = f();
  c = 2 * x;
  return first + f();
}

/** Closures calling closures, an argument that must be evaluated once, and an array parameter. */
/** @differentiable */
export function chained(v: number[], a: number): number {
  const inner = (t: number) => Math.exp(t) * a;
  const outer = (t: number) => inner(t) * inner(t) + t;
  const dot = (p: number[], q: number[]) => p[0] * q[0] + p[1] * q[1];
  return outer(Math.sin(v[0]) + v[1]) + dot(v, v);
}

/** A closure with a block body that writes a captured variable. */
/** @differentiable */
export function counter(x: number, y: number): number {
  let total = 0;
  const add = (t: number): void => {
    total += t * y;
  };
  add(x);
  add(x * x);
  return total;
}
`;

const closurePoints: Record<string, Oracle> = {
  twice: { points: [[1.5, -0.5, 2]], active: [0, 1, 2], hessian: true },
  clipped: { points: [[[0.5, -2, 3, 1.2], -1], [[1.5, 0.1], 0.5]], active: [0, 1] },
  late: { points: [[0.7], [-1.3]], active: [0] },
  chained: { points: [[[0.3, -0.2], 0.8], [[1.1, 0.4], -0.3]], active: [0, 1] },
  counter: { points: [[1.5, 0.5], [-2, 3]], active: [0, 1] },
};

describe("function values, inlined at their calls, in every mode", () => {
  let loaded: Promise<{ m: Module; text: string }> | undefined;
  const load = (): Promise<{ m: Module; text: string }> => (loaded ??= compileWithText<Module>(closures, { strict: true }));

  for (const [name, oracle] of Object.entries(closurePoints))
    it(`${name}: every mode against the oracle`, async () => {
      const { m } = await load();
      checkModes(m, name, oracle);
    });

  it("twice against the hand-derived derivatives: ∂/∂x = 2 x a, ∂/∂y = 2 y a, ∂/∂a = x² + y²; late: f' = 10 x", async () => {
    const { m } = await load();
    const [v, gx, gy, ga] = m.twice_grad(1.5, -0.5, 2) as number[];
    close(v, (2.25 + 0.25) * 2, "value");
    close(gx, 6, "∂/∂x");
    close(gy, -2, "∂/∂y");
    close(ga, 2.5, "∂/∂a");
    close((m.late_dual(0.7, 1) as number[])[1], 7, "late'");
  });

  it("an expression body is substituted where it is called (no closure, no temporary for a variable argument)", async () => {
    const { text } = await load();
    const code = derivativeCode(text);
    expect(code).not.toMatch(/=>|function \(|\b(sq|clip|f|inner|outer|dot|add)\(/);
    expect(text).toContain("export function twice_dual(x: number, y: number, a: number, dx: number, dy: number, da: number): [number, number] {");
  });
});

// ---- Functions passed to helpers ------------------------------------------------------------------

const helpers = `
function integrate(f: (t: number) => number, lo: number, hi: number): number {
  const n = 8;
  const h = (hi - lo) / n;
  let s = 0.5 * (f(lo) + f(hi));
  for (let i = 1; i < n; i++) s += f(lo + i * h);
  return s * h;
}

function cond(p: boolean, t: (x: number) => number, e: (x: number) => number, x: number): number {
  return p ? t(x) : e(x);
}

/** Explicit Euler steps of y' = rhs(t, y). */
function euler(rhs: (t: number, y: number) => number, y0: number, t1: number, steps: number): number {
  let y = y0;
  const dt = t1 / steps;
  for (let k = 0; k < steps; k++) y = y + dt * rhs(k * dt, y);
  return y;
}

function square(t: number): number {
  return t * t;
}

/** A helper passing its function on to another helper. */
function twiceIntegrated(g: (t: number) => number, hi: number): number {
  return 2 * integrate(g, 0, hi);
}

/** @differentiable hessian */
export function quadrature(a: number, b: number): number {
  return integrate((t) => Math.sin(a * t), 0, b) + integrate(square, 0, a);
}

/** @differentiable */
export function branches(a: number, b: number): number {
  const damp = (x: number) => -x * b;
  return cond(a > 0, (x) => x * b, damp, a) + twiceIntegrated((t) => t * b, a);
}

/** @differentiable */
export function ode(a: number, b: number): number {
  return euler((t, y) => -a * y + t, 1, b, 4);
}
`;

describe("functions passed to helpers adc-ts sees, specialised at the call (integrate(f, a, b), cond, an ODE step)", () => {
  let loaded: Promise<{ m: Module; text: string }> | undefined;
  const load = (): Promise<{ m: Module; text: string }> => (loaded ??= compileWithText<Module>(helpers, { strict: true }));
  const oracles: Record<string, Oracle> = {
    quadrature: { points: [[0.7, 1.3], [-0.4, 2]], active: [0, 1], hessian: true },
    branches: { points: [[0.7, 1.3], [-0.4, 2]], active: [0, 1] },
    ode: { points: [[0.7, 1.3], [1.5, 0.5]], active: [0, 1] },
  };
  for (const [name, oracle] of Object.entries(oracles))
    it(`${name}: every mode against the oracle`, async () => {
      checkModes((await load()).m, name, oracle);
    });

  it("ode against the hand-derived derivative: 4 Euler steps of y' = -a y + t from y = 1, ∂/∂a by the recurrence", async () => {
    const { m } = await load();
    const [a, b] = [0.7, 1.3];
    const dt = b / 4;
    let [y, ya] = [1, 0];
    for (let k = 0; k < 4; k++) [y, ya] = [y + dt * (-a * y + k * dt), ya + dt * (-y - a * ya)];
    const [value, ga] = m.ode_grad(a, b) as number[];
    close(value, y, "value");
    close(ga, ya, "∂/∂a");
  });

  it("no function value is left: the helpers' bodies are inlined as blocks", async () => {
    const { text } = await load();
    const code = derivativeCode(text);
    expect(code).not.toMatch(/=>|function \(|\b(integrate|cond|euler|twiceIntegrated)(_\w+)?\(/);
  });

  it("a helper that uses its function other than by calling it, or declares a name the function reads: ADC2024", () => {
    const keeps = "function apply(f: (t: number) => number, x: number): number {\n  const g = f;\n  return g(x);\n}\n";
    expect(diagnosticsOf(`${keeps}/** @differentiable */\nexport function f(a: number): number {\n  return apply((t) => t * a, a);\n}\n`)).toEqual([
      `${ADC.functionArgumentNotSpecialized} 7:10 apply(...) cannot be specialised on the function passed to it: it uses its parameter 'f' other than by calling it`,
    ]);
    const clash = "function scale(f: (t: number) => number, a: number): number {\n  return a * f(a);\n}\n";
    expect(diagnosticsOf(`${clash}/** @differentiable */\nexport function f(a: number, b: number): number {\n  return scale((t) => t * a, b);\n}\n`)).toEqual([
      `${ADC.functionArgumentNotSpecialized} 6:16 scale(...) cannot be specialised on the function passed to it: the function given for 'f' reads 'a', a name scale declares too; rename one of them`,
    ]);
  });
});

// ---- The golden fixture ---------------------------------------------------------------------------

describe("fixtures/callbacks (the shape of the desugared loops) computes the right derivatives", () => {
  const fixture: Record<string, Oracle> = {
    sumOfSquares: { points: [[[1, -2, 3], 0.5]], active: [0, 1] },
    positivePart: { points: [[[1, -2, 3, 0.25], 0.5]], active: [0, 1] },
    closures: { points: [[0.7, 0.9], [0.7, 1.2]], active: [0, 1] },
  };
  let loaded: Promise<{ m: Module; text: string }> | undefined;
  const load = (): Promise<{ m: Module; text: string }> =>
    (loaded ??= compileWithText<Module>(readFileSync(join(import.meta.dirname, "..", "fixtures", "callbacks", "input.ts"), "utf8"), { strict: true }));
  for (const [name, oracle] of Object.entries(fixture))
    it(`${name}: every mode against the oracle`, async () => {
      checkModes((await load()).m, name, oracle);
    });
});

// ---- What stays out ------------------------------------------------------------------------------

describe("callbacks and function values adc-ts cannot desugar are exact diagnostics", () => {
  const tagged = (params: string, body: string): string => `/** @differentiable */\nexport function f(${params}): number {\n${body}\n}\n`;

  it("a callback of unknown source (a parameter): ADC2022 where it meets an active array", () => {
    expect(diagnosticsOf(tagged("x: number[], cb: (v: number) => number", "  return x.map(cb)[0];"))).toEqual([
      `${ADC.callbackNotDesugared} 3:10 the callback cb of .map() has no source adc-ts can see (a parameter or a value made at run time); pass an arrow function or the name of a function (it touches the active value 'x'; if 'x' needs no derivative, leave it out with @differentiable wrt=...)`,
    ]);
  });

  it("a return inside a loop of a callback: ADC2022 at the return", () => {
    const body = "  return x.map((v) => {\n    for (let i = 0; i < 3; i++) if (v > i) return v * i;\n    return v;\n  })[0];";
    expect(diagnosticsOf(tagged("x: number[]", body))).toEqual([
      `${ADC.callbackNotDesugared} 4:5 (v) => { for (let i = 0; i < 3; i++) ...: a \`return\` inside a loop, a switch or a nested block of a callback is not desugared; assign a variable and return it at the end`,
    ]);
  });

  it("a map callback that does not return on every path: ADC2022 (the array would hold undefined there)", () => {
    const body = "  const y = x.map((v): number => {\n    if (v > 0) return v;\n  });\n  return y[0];";
    expect(diagnosticsOf(tagged("x: number[]", body))).toEqual([`${ADC.callbackNotDesugared} 3:19 (v): number => { if (v > 0) return v; } does not return a value on every path`]);
  });

  it("`this` in a function-expression callback, and an async callback: ADC2022", () => {
    expect(diagnosticsOf(tagged("x: number[]", "  return x.map(function (v: number) { return v * this.k; })[0];"))).toEqual([
      `${ADC.callbackNotDesugared} 3:16 the callback of .map() cannot be inlined: it reads \`this\``,
    ]);
  });

  it("a block-bodied closure called in a branch of ?:: ADC2023 at the call", () => {
    const body = "  const g = (t: number) => {\n    const u = t * x;\n    return u * u;\n  };\n  return x > 0 ? g(x) : 0;";
    expect(diagnosticsOf(tagged("x: number", body))).toEqual([
      `${ADC.functionValueNotInlined} 7:18 g(...) cannot be inlined here (its body has statements): it is inside a branch of ?:, && or ||, a loop condition or update, or beside a use it would move before; call it in a statement of its own`,
    ]);
  });

  it("an expression-bodied closure is inlined in a branch of ?: all the same: f = x > 0 ? x² : 0", async () => {
    const { m } = await compileWithText<Module>(tagged("x: number", "  const g = (t: number) => t * x;\n  return x > 0 ? g(x) : 0;"), { strict: true });
    expect(m.f_dual(3, 1)).toEqual([9, 6]);
    expect(m.f_grad(3)).toEqual([9, 6]);
    expect(m.f_grad(-3)).toEqual([0, 0]);
  });

  it("a closure used as a value, a recursive one, or one capturing a name declared twice stays a function value: ADC2003", () => {
    const asValue = "  const g = (t: number) => t * x;\n  const h = g;\n  return h(2);";
    expect(diagnosticsOf(tagged("x: number", asValue)).map((d) => d.slice(0, 12))).toEqual([`${ADC.objectOrClosure} 3:13`]);
    const recursive = "  function fact(n: number): number {\n    return n <= 1 ? x : n * fact(n - 1);\n  }\n  return fact(3);";
    expect(diagnosticsOf(tagged("x: number", recursive)).map((d) => d.split(" ").slice(0, 2).join(" "))).toContain(`${ADC.objectOrClosure} 3:3`);
    const shadowed = "  const g = (t: number) => t * x;\n  let s = 0;\n  for (let i = 0; i < 2; i++) {\n    const x = 2;\n    s += g(x);\n  }\n  return s;";
    expect(diagnosticsOf(tagged("x: number", shadowed)).map((d) => d.slice(0, 12))).toContain(`${ADC.objectOrClosure} 3:13`);
  });

  it("a map with a callback in a branch of ?: on an active array: ADC2022; on an inactive one it runs as written", async () => {
    expect(diagnosticsOf(tagged("x: number[]", "  return (x[0] > 0 ? x.map((v) => v * 2) : x)[0];"))).toContain(
      `${ADC.callbackNotDesugared} 3:22 .map() with a callback is desugared into a loop only where the loop can run before its statement (not in a branch of ?:, && or ||, nor a loop condition or update) (it touches the active value 'x'; if 'x' needs no derivative, leave it out with @differentiable wrt=...)`,
    );
    const { m } = await compileWithText<Module>(tagged("x: number, c: number[]", "  const d = c[0] > 0 ? c.map((v) => v * 2) : c;\n  return x * d[0];").replace("@differentiable", "@differentiable wrt=x"), { strict: true });
    expect(m.f_dual(3, [2], 1)).toEqual([12, 4]);
    expect(m.f_grad(3, [2])).toEqual([12, 4]);
    expect(m.f_grad(3, [-2])).toEqual([-6, -2]);
  });

  it("map over strings is not desugared: it stays as written where it touches no active value", async () => {
    const { m } = await compileWithText<Module>(tagged("x: number, names: string[]", "  const lengths = names.map((s) => s.length);\n  return x * lengths[0];"), { strict: true });
    expect(m.f_dual(3, ["abcd"], 1)).toEqual([12, 4]);
  });
});
