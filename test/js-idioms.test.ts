/**
 * Common JavaScript idioms (issue 14 item 6, in part), desugared by the frontend into IR every mode
 * already handles:
 * - assignments inside expressions (d3-ease's `(t *= 2) <= 1 ? a : b`, `b0 * (t -= b2) * t + b4`),
 *   moved to statements of their own in evaluation order, each run exactly once; a `?:` with one in a
 *   branch becomes an if/else so the branch taken runs it;
 * - Math aliases (`const sqrt = Math.sqrt`, `var exp = Math.exp`, `const { cbrt, PI: π } = Math`);
 * - `a || b` and `a ?? b` on numbers, as conditionals that evaluate `a` once.
 * Every function is checked in f_dual, f_grad, f_vjp, f_jacobian and f_hessian against hand-derived
 * derivatives (|a - b| / max(1, |b|) <= 1e-12), and the output type-checks under tsc --strict. Forms
 * that cannot be desugared stay exact diagnostics (code, line:col, message).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADC } from "../transformer/diagnostics.js";
import { compileSources, compileWithText, relErr, type Compiled } from "./helpers/compile.js";
import { tape } from "../src/runtime/tape.js";

type Fn = (...args: unknown[]) => unknown;
type Module = Record<string, Fn>;

const TOLERANCE = 1e-12;

function close(got: number, want: number, what: string): void {
  expect(relErr(got, want), `${what}: got ${got}, want ${want}`).toBeLessThanOrEqual(TOLERANCE);
}

/**
 * f at scalar `args` in every mode: the value, the gradient (each f_dual column, f_grad, f_vjp with
 * ȳ = 1, f_jacobian's row) and the Hessian (f_hessian) against the hand-derived `grad` and `hessian`.
 * The active parameters are the first `grad.length`; an optional one left out is `undefined`.
 */
function checkEveryMode(m: Module, name: string, args: readonly (number | undefined)[], value: number, grad: readonly number[], hessian: readonly (readonly number[])[]): void {
  const at = `${name}(${args.join(", ")})`;
  close(m[name](...args) as number, value, `${at} value`);
  grad.forEach((g, j) => {
    const seed = grad.map((_, k) => (k === j ? 1 : 0));
    const [v, tangent] = m[`${name}_dual`](...args, ...seed) as [number, number];
    close(v, value, `${at} f_dual value`);
    close(tangent, g, `${at} f_dual d/d${j}`);
  });
  const [gv, ...gs] = m[`${name}_grad`](...args) as number[];
  close(gv, value, `${at} f_grad value`);
  expect(gs.length).toBe(grad.length);
  gs.forEach((g, j) => close(g, grad[j], `${at} f_grad ${j}`));
  const [vv, ...vs] = m[`${name}_vjp`](...args, 1) as number[];
  close(vv, value, `${at} f_vjp value`);
  vs.forEach((g, j) => close(g, grad[j], `${at} f_vjp ${j}`));
  const [jv, J] = m[`${name}_jacobian`](...args) as [number, number[][]];
  close(jv, value, `${at} f_jacobian value`);
  expect(J.length).toBe(1);
  J[0].forEach((g, j) => close(g, grad[j], `${at} f_jacobian ${j}`));
  const [hv, hg, H] = m[`${name}_hessian`](...args) as [number, number | number[], number[][]];
  close(hv, value, `${at} f_hessian value`);
  (typeof hg === "number" ? [hg] : hg).forEach((g, j) => close(g, grad[j], `${at} f_hessian gradient ${j}`));
  expect(H.length).toBe(hessian.length);
  H.forEach((row, a) => row.forEach((h, b) => close(h, hessian[a][b], `${at} f_hessian[${a}][${b}]`)));
  expect(tape.isEmpty()).toBe(true);
}

const compiled: Compiled[] = [];
afterAll(() => compiled.forEach((c) => c.cleanup()));

/** Compile, expect no diagnostics and strict-clean output, and load the module. */
function load(source: string): Promise<{ m: Module; text: string }> {
  return compileWithText<Module>(source, { strict: true });
}

/** The diagnostics of a source, as "ADCxxxx line:col message". */
function diagnosticsOf(source: string): string[] {
  const c = compileSources({ "input.ts": source });
  compiled.push(c);
  return c.diagnostics.map((d) => `${d.code} ${d.pos?.line}:${d.pos?.col} ${d.message}`);
}

// ---- Assignments inside expressions ----------------------------------------------------------------

const B0 = 121 / 16;

const assignments = `
/** d3-ease's cubicInOut, as written. */
/** @differentiable hessian */
export function cubicInOut(t: number) {
  return ((t *= 2) <= 1 ? t * t * t : (t -= 2) * t * t + 2) / 2;
}

/** d3-ease's backInOut, as written. */
/** @differentiable hessian */
export function backInOut(t: number, s?: number) {
  s = s == null ? 1.70158 : +s;
  return ((t *= 2) < 1 ? t * t * ((s + 1) * t - s) : (t -= 2) * t * ((s + 1) * t + s) + 2) / 2;
}

var b1 = 4 / 11, b2 = 6 / 11, b3 = 8 / 11, b4 = 3 / 4, b5 = 9 / 11, b6 = 10 / 11, b7 = 15 / 16, b8 = 21 / 22, b9 = 63 / 64, b0 = 1 / b1 / b1;

/** d3-ease's bounceOut, as written: assignments in the branches of nested ?:. */
/** @differentiable hessian */
export function bounceOut(t: number) {
  return t < b1 ? b0 * t * t : t < b3 ? b0 * (t -= b2) * t + b4 : t < b6 ? b0 * (t -= b5) * t + b7 : b0 * (t -= b8) * t + b9;
}

/** Two assignments of one variable in one expression, in evaluation order: the first value is copied. */
/** @differentiable hessian */
export function order(x: number) {
  let s = x;
  const y = (s *= 2) + (s += 1) * s;
  return y;
}

/** A counter in the branches of ?:: only the branch taken counts, once. */
/** @differentiable hessian */
export function counter(t: number) {
  let n = 0;
  const y = t > 0 ? (n += 1) * t : (n -= 1) * t * t;
  return y + n * t;
}

/** In an if condition, a declaration and nested in another assignment's right side. */
/** @differentiable hessian */
export function nested(x: number) {
  let a = 0;
  let b = 0;
  if ((a = x * x) > 100) return 0;
  const c = (b = (a += x) * 2) + a;
  return c * b;
}
`;

describe("assignments inside expressions", () => {
  let m: Module;
  let text: string;
  beforeAll(async () => {
    ({ m, text } = await load(assignments));
  });

  // u = 2t; u <= 1: u³/2, d/dt = 3u², d²/dt² = 12u; else v = u - 2: (v³ + 2)/2, 3v², 12v.
  it("cubicInOut: both branches of (t *= 2) <= 1 ? ... : (t -= 2) * t * t + 2", () => {
    checkEveryMode(m, "cubicInOut", [0.3], 0.108, [1.08], [[7.2]]);
    checkEveryMode(m, "cubicInOut", [0.8], (-0.064 + 2) / 2, [0.48], [[-4.8]]);
  });

  // u = 2t, s = 1.70158; u < 1: u²((s+1)u - s)/2, d/dt = 3(s+1)u² - 2su, d² = 12(s+1)u - 4s;
  // else v = u - 2: (v²((s+1)v + s) + 2)/2, d/dt = 3(s+1)v² + 2sv, d² = 12(s+1)v + 4s.
  it("backInOut: both branches, s left out (inactive)", () => {
    const s = 1.70158;
    const lo = (u: number): [number, number, number] => [(u * u * ((s + 1) * u - s)) / 2, 3 * (s + 1) * u * u - 2 * s * u, 12 * (s + 1) * u - 4 * s];
    const hi = (v: number): [number, number, number] => [(v * v * ((s + 1) * v + s) + 2) / 2, 3 * (s + 1) * v * v + 2 * s * v, 12 * (s + 1) * v + 4 * s];
    for (const [t, [value, d, d2]] of [[0.2, lo(0.4)], [0.9, hi(1.8 - 2)]] as const) checkEveryMode(m, "backInOut", [t, undefined], value, [d], [[d2]]);
  });

  // Branch k: b0 (t - c)² + e; d/dt = 2 b0 (t - c), d² = 2 b0.
  it("bounceOut: each of the four branches", () => {
    const branches: [number, number, number][] = [[0.2, 0, 0], [0.5, 6 / 11, 3 / 4], [0.8, 9 / 11, 15 / 16], [0.95, 21 / 22, 63 / 64]];
    for (const [t, c, e] of branches) checkEveryMode(m, "bounceOut", [t], B0 * (t - c) ** 2 + e, [2 * B0 * (t - c)], [[2 * B0]]);
  });

  // s = 2x, then s = 2x + 1: y = 2x + (2x + 1)²; y' = 8x + 6; y'' = 8.
  it("runs each assignment once, in evaluation order", () => {
    for (const x of [0.7, -1.25]) checkEveryMode(m, "order", [x], 2 * x + (2 * x + 1) ** 2, [8 * x + 6], [[8]]);
    const vjp = text.slice(text.indexOf("export function order_vjp("));
    expect(vjp).toContain("  s = s * 2;\n  const s_new = s;\n  s += 1;\n  const y = s_new + s * s;\n");
  });

  // t > 0: n = 1, y = t: 2t (2, 0); t <= 0: n = -1, y = -t²: -t² - t (-2t - 1, -2). A second count would change both.
  it("counts once, in the branch taken", () => {
    checkEveryMode(m, "counter", [1.5], 3, [2], [[0]]);
    checkEveryMode(m, "counter", [-0.5], -0.25 + 0.5, [0], [[-2]]);
    checkEveryMode(m, "counter", [-2], -4 + 2, [3], [[-2]]);
  });

  // a = x², then a = x² + x, b = 2(x² + x), c = 3(x² + x): c b = 6 (x² + x)²; d = 12 (x² + x)(2x + 1);
  // d² = 12 ((2x + 1)² + 2 (x² + x)). Above |x| = 10 the if returns 0.
  it("in an if condition and nested in another assignment", () => {
    const p = (x: number): number => x * x + x;
    for (const x of [0.5, -3]) checkEveryMode(m, "nested", [x], 6 * p(x) ** 2, [12 * p(x) * (2 * x + 1)], [[12 * ((2 * x + 1) ** 2 + 2 * p(x))]]);
    checkEveryMode(m, "nested", [11], 0, [0], [[0]]);
  });

  it("lowers a ?: with an assignment in a branch to if/else, the chain as else if", () => {
    const dual = text.slice(text.indexOf("export function cubicInOut_dual("));
    expect(dual).toMatch(/^export function cubicInOut_dual\(t: number, dt: number\): \[number, number\] \{\n  let ternary = 0;\n  let dternary = 0;\n  dt = dt \* 2;\n  t \*= 2;\n  if \(t <= 1\) \{\n/);
    expect(text.slice(text.indexOf("export function bounceOut_dual(")).match(/} else if \(t < \(b[36]\)\) \{\n {4}t -= b[25];/g)?.length).toBe(2);
  });
});

describe("assignments that cannot move stay ADC2010", () => {
  const REASON =
    "an assignment inside an expression is not supported here (in a condition or update of a loop, a case label, a branch of && or || that may not run, beside an earlier use of its variable, or to an array element); write it as its own statement";
  const fn = (body: string): string => `/** @differentiable */\nexport function f(x: number, t: number): number {\n  ${body}\n}\n`;
  const refused: { name: string; body: string; at: string; touches: string }[] = [
    { name: "after a read of its variable (the read would see the new value)", body: "let s = 1;\n  const y = s * (s = x * 2);\n  return y + s;", at: "4:18", touches: "x" },
    { name: "on the right of &&, which may not run", body: "let s = 0;\n  const y = x > 0 && (s = x * 2) > 1 ? s : 0;\n  return y + s;", at: "4:23", touches: "x" },
    { name: "in a loop condition", body: "let s = 0;\n  while ((s = s + x) < 10) x *= 2;\n  return s;", at: "4:11", touches: "x" },
    { name: "in a for-loop update", body: "let s = 0;\n  for (let k = 0; k < 3; k++, s = (t *= 2)) s += x;\n  return s;", at: "4:36", touches: "t" },
    { name: "to an array element", body: "const a = [0, 0];\n  const y = (a[0] = x) * 2;\n  return y + a[0] + t;", at: "4:14", touches: "x" },
  ];
  for (const r of refused)
    it(`${r.name}: ADC2010 at ${r.at}`, () => {
      expect(diagnosticsOf(fn(r.body))).toEqual([
        `${ADC.assignmentInExpression} ${r.at} ${REASON} (it touches the active value '${r.touches}'; if '${r.touches}' needs no derivative, leave it out with @differentiable wrt=...)`,
      ]);
    });
});

// ---- Math aliases ----------------------------------------------------------------------------------

const aliases = `
const sqrt = Math.sqrt;
var exp = Math.exp;
const { cbrt, PI: π, log: ln } = Math;

/** Module-level aliases (const, var, destructured and renamed) and local ones. */
/** @differentiable hessian */
export function aliased(x: number) {
  const sin = Math.sin;
  var cos = Math.cos;
  return sqrt(x) + exp(x) * cbrt(x) + ln(x) + sin(π * x) * cos(x);
}
`;

describe("Math aliases", () => {
  it("a call through an alias is the Math function, with its derivative rule", async () => {
    const { m, text } = await load(aliases);
    const f = (x: number): number => Math.sqrt(x) + Math.exp(x) * Math.cbrt(x) + Math.log(x) + Math.sin(Math.PI * x) * Math.cos(x);
    // f' = 1/(2√x) + eˣ∛x + eˣ/(3∛x²) + 1/x + π cos(πx) cos x − sin(πx) sin x
    const d1 = (x: number): number =>
      1 / (2 * Math.sqrt(x)) + Math.exp(x) * Math.cbrt(x) + Math.exp(x) / (3 * Math.cbrt(x) ** 2) + 1 / x + Math.PI * Math.cos(Math.PI * x) * Math.cos(x) - Math.sin(Math.PI * x) * Math.sin(x);
    // f'' = -1/(4 x^1.5) + eˣ∛x + 2eˣ/(3∛x²) - 2eˣ/(9 x^(5/3)) - 1/x² - (π² + 1) sin(πx) cos x - 2π cos(πx) sin x
    const d2 = (x: number): number =>
      -1 / (4 * x ** 1.5) +
      Math.exp(x) * Math.cbrt(x) +
      (2 * Math.exp(x)) / (3 * Math.cbrt(x) ** 2) -
      (2 * Math.exp(x)) / (9 * Math.cbrt(x) ** 5) -
      1 / (x * x) -
      (Math.PI ** 2 + 1) * Math.sin(Math.PI * x) * Math.cos(x) -
      2 * Math.PI * Math.cos(Math.PI * x) * Math.sin(x);
    for (const x of [0.3, 2.2]) checkEveryMode(m, "aliased", [x], f(x), [d1(x)], [[d2(x)]]);
    expect(text).toContain("Math.cbrt(x)");
  });

  it("a reassigned alias is not the Math function: ADC2001 at the call (ADC2003 for a local function value)", () => {
    const source = `var sq = Math.sqrt;
export function use(f: (x: number) => number): void {
  sq = f;
}
/** @differentiable */
export function g(x: number): number {
  let c = Math.cos;
  c = Math.sin;
  return sq(x) * c(x);
}
`;
    expect(diagnosticsOf(source)).toEqual([
      "ADC2001 9:10 sq has no source adc-ts can see, so it cannot be differentiated (it touches the active value 'x'; if 'x' needs no derivative, leave it out with @differentiable wrt=...)",
      "ADC2003 9:18 c is a function value or nested function, which adc-ts does not differentiate through; call a top-level function by its name (it touches the active value 'x'; if 'x' needs no derivative, leave it out with @differentiable wrt=...)",
    ]);
  });

  it("an alias of a Math function without a rule is ADC2015", () => {
    const source = "const clz = Math.clz32;\n/** @differentiable */\nexport function g(x: number): number {\n  return clz(x) + x;\n}\n";
    expect(diagnosticsOf(source)).toEqual([
      "ADC2015 4:10 Math.clz32 has no derivative rule (it touches the active value 'x'; if 'x' needs no derivative, leave it out with @differentiable wrt=...)",
    ]);
  });
});

// ---- || and ?? on numbers ----------------------------------------------------------------------------

const defaults = `
/** gl-matrix's w = w || 1.0, on a variable. */
/** @differentiable hessian */
export function orVariable(x: number, c: number) {
  let w = x * c;
  w = w || 1.0;
  return w * x;
}

/** NaN is falsy: NaN || x is x (c is data, so w is not active). */
/** @differentiable hessian wrt=x */
export function orNaN(x: number, c: number) {
  let w = c * 2;
  w = w || x;
  return w * x;
}

/** On an expression, read once through a copy. */
/** @differentiable hessian */
export function orExpression(x: number, c: number) {
  return (x * c || 5) * x;
}

/** ?? on a number | null local, on a local the checker knows holds null, and on an optional parameter. */
/** @differentiable hessian */
export function nullish(x: number, k: number, d?: number) {
  let best: number | null = null;
  if (k > 0) best = x * x;
  const none: number | null = null;
  return (best ?? x) * x + (none ?? x) * 3 + (d ?? 2) * k;
}
`;

describe("|| and ?? on numbers", () => {
  let m: Module;
  let text: string;
  beforeAll(async () => {
    ({ m, text } = await load(defaults));
  });

  // xc truthy: w = xc, f = x² c: (2xc, x²), H = [[2c, 2x], [2x, 0]]; xc = 0: w = 1, f = x: (1, 0), H = 0.
  it("w = w || 1.0: the branch taken, 0 falsy", () => {
    checkEveryMode(m, "orVariable", [1.5, 2], 4.5, [6, 2.25], [[4, 3], [3, 0]]);
    checkEveryMode(m, "orVariable", [1.5, 0], 1.5, [1, 0], [[0, 0], [0, 0]]);
    const dual = text.slice(text.indexOf("export function orVariable_dual("));
    expect(dual).toMatch(/dw = w \? dw : 0;\n {2}w = w \? w : 1\.0;/);
  });

  // c = NaN: w = NaN, falsy: w = x, f = x² (2x, 2); c = 0.5: w = 1, f = x (1, 0).
  it("NaN || x takes x", () => {
    checkEveryMode(m, "orNaN", [1.5, NaN], 2.25, [3], [[2]]);
    checkEveryMode(m, "orNaN", [1.5, 0.5], 1.5, [1], [[0]]);
  });

  // xc truthy: f = x² c; 0 || 5 takes 5: f = 5x: (5, 0), H = 0.
  it("(x * c || 5) * x: x * c evaluated once, 0 || 5 takes 5", () => {
    checkEveryMode(m, "orExpression", [-0.5, 3], 0.75, [-3, 0.25], [[6, -1], [-1, 0]]);
    checkEveryMode(m, "orExpression", [-0.5, 0], -2.5, [5, 0], [[0, 0], [0, 0]]);
    expect(m.orExpression_dual(2, NaN, 1, 0)).toEqual([10, 5]);
    expect(text).toContain("const left = x * c;");
  });

  // k > 0: x³ + 3x + 2k: (3x² + 3, 2), H = [[6x, 0], [0, 0]]; k <= 0: x² + 3x + 2k: (2x + 3, 2), H = [[2, 0], [0, 0]]; d = 4 for 2.
  it("best ?? x, null ?? x and an optional parameter's default", () => {
    checkEveryMode(m, "nullish", [2, 1, undefined], 8 + 6 + 2, [15, 2], [[12, 0], [0, 0]]);
    checkEveryMode(m, "nullish", [2, -1, undefined], 4 + 6 - 2, [7, 2], [[2, 0], [0, 0]]);
    expect(m.nullish_grad(2, 1, 4)).toEqual([8 + 6 + 4, 15, 4]);
  });

  it("a literal null ?? x is x", async () => {
    // Not type-checked: tsc rejects the input itself (TS2871, this expression is always nullish).
    const c = compileSources({ "input.ts": "/** @differentiable */\nexport function f(x: number): number {\n  return (null ?? x) * x;\n}\n" });
    compiled.push(c);
    expect(c.diagnostics).toEqual([]);
    const lit = await c.load<Module>();
    expect(lit.f_dual(3, 1)).toEqual([9, 6]);
    expect(lit.f_grad(3)).toEqual([9, 6]);
  });

  it("?? and || on an element read (it may be past the end of the array: the last-index guard) or on another expression that may be undefined stay ADC2008", () => {
    const source = `/** @differentiable */
export function lastGuard(xs: number[]): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] * (xs[i + 1] ?? xs[i]) + (xs[i + 2] || 1);
  return s;
}
/** @differentiable */
export function picked(x: number): number {
  return ((x > 0 ? x : undefined) ?? 1) * x;
}
`;
    expect(diagnosticsOf(source)).toEqual([
      "ADC2008 4:53 || and ?? on an array element are not differentiated (the element may be past the end of the array, where reverse mode cannot put its adjoint); compare the index with the length instead (it touches the active value 'xs'; if 'xs' needs no derivative, leave it out with @differentiable wrt=...)",
      "ADC2008 4:76 || and ?? on an array element are not differentiated (the element may be past the end of the array, where reverse mode cannot put its adjoint); compare the index with the length instead (it touches the active value 'xs'; if 'xs' needs no derivative, leave it out with @differentiable wrt=...)",
      "ADC2008 9:11 the operator ?? is not differentiated (it touches the active value 'x'; if 'x' needs no derivative, leave it out with @differentiable wrt=...)",
    ]);
  });
});
