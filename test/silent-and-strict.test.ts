/**
 * Issue 13 (silent zeros, crashes and broken output found by trying real code): the items of it
 * fixed together here. Each test asserts numbers against a hand-derived formula or central
 * differences, or a diagnostic by its exact code, position and message.
 */
import { describe, expect, it } from "vitest";
import { centralDiff, compileSources, compileWithText, relErr } from "./helpers/compile.js";

type Fn = (...args: number[]) => [number, ...unknown[]];

/** Compile, strict-type-check the output, and load it. */
async function compileChecked(source: string): Promise<Record<string, Fn>> {
  return (await compileWithText<Record<string, Fn>>(source, { strict: true })).m;
}

/** The diagnostics of one source as `line:col code message`. */
function diagnosticsOf(source: string): string[] {
  const c = compileSources({ "input.ts": source });
  try {
    return c.diagnostics.map((d) => `${d.pos?.line}:${d.pos?.col} ${d.code} ${d.message}`);
  } finally {
    c.cleanup();
  }
}

describe("f_hessian of x ** n with an inactive exponent keeps the n === 0 guard (item 4)", () => {
  const source = `
/** @differentiable wrt=x hessian */
export function f(x: number, n: number): number { return x ** n; }
/** @differentiable wrt=x hessian */
export function p(x: number, n: number): number { return Math.pow(x, n); }
/** @differentiable hessian */
export function h(z: number): number { let s = 0; for (let k = 0; k < 2; k++) s += z ** k; return s; }
/** @differentiable hessian */
export function cubic(z: number): number { let s = 0; for (let k = 0; k <= 3; k++) s += z ** k; return s; }
`;
  let m: Record<string, Fn>;
  it("compiles to strictly typed code", async () => {
    m = await compileChecked(source);
  });

  for (const name of ["f", "p"])
    for (const n of [0, 1, 2, 3])
      for (const x of [0, 0.7, -1.3]) {
        it(`${name}(x, ${n}) at x = ${x}: gradient n x^(n-1), Hessian n(n-1) x^(n-2) (0 for n < 2), to 1e-12; the Hessian matches central differences of ${name}_grad to 1e-6`, () => {
          const [value, gradient, H] = m[`${name}_hessian`](x, n) as [number, number[], number[][]];
          expect(value).toBe(x ** n);
          const g = n === 0 ? 0 : n * x ** (n - 1);
          const hh = n < 2 ? 0 : n * (n - 1) * x ** (n - 2);
          expect(relErr(gradient[0], g)).toBeLessThan(1e-12);
          expect(relErr(H[0][0], hh)).toBeLessThan(1e-12);
          // The gradient's dual and _grad agree.
          expect(relErr((m[`${name}_grad`](x, n) as number[])[1], g)).toBeLessThan(1e-12);
          expect(relErr(H[0][0], centralDiff((t) => (m[`${name}_grad`](t, n) as number[])[1], x, 1e-5))).toBeLessThan(1e-6);
        });
      }

  for (const z of [0, 0.5, -2]) {
    it(`h(z) = 1 + z at z = ${z}: gradient 1, Hessian 0 (exactly)`, () => {
      expect(m.h_hessian(z)).toEqual([1 + z, [1], [[0]]]);
    });
    it(`cubic(z) = 1 + z + z² + z³ at z = ${z}: gradient 1 + 2z + 3z², Hessian 2 + 6z to 1e-12; central differences of cubic_grad to 1e-6`, () => {
      const [, gradient, H] = m.cubic_hessian(z) as [number, number[], number[][]];
      expect(relErr(gradient[0], 1 + 2 * z + 3 * z * z)).toBeLessThan(1e-12);
      expect(relErr(H[0][0], 2 + 6 * z)).toBeLessThan(1e-12);
      expect(relErr(H[0][0], centralDiff((t) => (m.cubic_grad(t) as number[])[1], z, 1e-5))).toBeLessThan(1e-6);
    });
  }
});

describe("only a JSDoc block comment is a tag (item 11)", () => {
  it("a // line comment that mentions /** @differentiable */ is no tag and no error", () => {
    const c = compileSources({ "input.ts": "// see /** @differentiable */ for how\nexport function f(x: number): number { return x; }\n" });
    try {
      expect(c.diagnostics).toEqual([]);
      expect(c.outputs["input.ts"]).not.toContain("f_dual");
    } finally {
      c.cleanup();
    }
  });

  it("nor is a tag inside a plain /* ... */ comment, or a plain /* @differentiable */ (not JSDoc, as the README's contract says)", () => {
    expect(diagnosticsOf("/* old: /** @differentiable */\nexport function f(x: number): number { return x; }\n/* @differentiable */\nexport function g(x: number): number { return x; }\n")).toEqual([]);
  });

  it("a real tag after such a line comment still works: f_dual(3, 1) = [9, 6], f_grad(3) = [9, 6]", async () => {
    const m = await compileChecked("// see /** @differentiable */ for how\n/** @differentiable */\nexport function f(x: number): number { return x * x; }\n");
    expect(m.f_dual(3, 1)).toEqual([9, 6]);
    expect(m.f_grad(3)).toEqual([9, 6]);
  });

  it("a stray real tag (inside a function) is still ADC1002 at its comment", () => {
    expect(diagnosticsOf("// see /** @differentiable */\nexport function f(x: number): number {\n  /** @differentiable */\n  const g = 2;\n  return x * g;\n}\n")).toEqual([
      "3:3 ADC1002 @differentiable must stand directly before a top-level function declaration or const-bound function",
    ]);
  });
});

describe("no active parameter is an error, never an empty gradient (item 2)", () => {
  const DIFFERENTIABLE = "differentiable parameters are typed number, number[], readonly number[], Float64Array, Float32Array, arrays of those arrays (number[][]) or an object of numbers";
  it("ADC1009 at the function, naming each parameter and its type: an object without numbers, an Int32Array, a string[], vec3-style Float32Array | number[], none at all", () => {
    expect(
      diagnosticsOf(`/** @differentiable */ export function f(p: { name: string }): number { return p.name.length * 2; }
/** @differentiable */ export function h(p: Int32Array): number { return p[0] * 2; }
/** @differentiable */
export function m(a: string[], v: Float32Array | number[]): number { return a.length * v[0]; }
/** @differentiable */
export const k = (): number => 2;
`),
    ).toEqual([
      `1:24 ADC1009 f has no parameter to differentiate with respect to ('p' is { name: string }); ${DIFFERENTIABLE}`,
      `2:24 ADC1009 h has no parameter to differentiate with respect to ('p' is Int32Array); ${DIFFERENTIABLE}`,
      `4:1 ADC1009 m has no parameter to differentiate with respect to ('a' is string[], 'v' is Float32Array | number[]); ${DIFFERENTIABLE}`,
      `6:1 ADC1009 k has no parameter to differentiate with respect to (it takes none); ${DIFFERENTIABLE}`,
    ]);
  });

  it("ADC1010 at a Float32Array | number[] (or Float16Array) parameter the default wrt would leave out beside active ones; Float32Array and number[][] are active", () => {
    const says = (name: string, type: string): string =>
      `ADC1010 '${name}' holds numbers, but its type ${type} is not number, number[], readonly number[], Float64Array, Float32Array, arrays of those arrays (number[][]) or an object of numbers, so it would silently get no derivative; give it one of those types, or name the active parameters with wrt= to leave it out`;
    expect(diagnosticsOf("/** @differentiable */\nexport function f(w: Float32Array, m: number[][], v: Float32Array | number[], x: number): number {\n  return x * w[0] * m[0][0] * v[0];\n}\n")).toEqual([
      `2:51 ${says("v", "Float32Array | number[]")}`,
    ]);
  });

  it("wrt= with no name is ADC1004 at the option", () => {
    expect(diagnosticsOf("/** @differentiable wrt= */\nexport function f(x: number): number { return x; }\n")).toEqual(["1:21 ADC1004 wrt= names no parameter; list the active parameters, as in wrt=a,b"]);
  });

  it("data parameters stay inactive: strings, Int32Array, optional numbers; an object of numbers is differentiated (records); wrt= leaves a Float32Array out. f = x o.c idx[0]: f_grad(2, { c: 3 }, s, [1]) = [6, 3, { c: 2 }]; g = x w[0]: g_grad([0.5], 2) = [1, 0.5]", async () => {
    const m = await compileChecked(`/** @differentiable */
export function f(x: number, o: { c: number }, s: string, idx: Int32Array, y?: number): number { return x * o.c * idx[0] * (s.length > 0 ? 1 : 2) * (y === undefined ? 1 : y); }
/** @differentiable wrt=x */
export function g(w: Float32Array, x: number): number { return x * o3(w); }
function o3(w: Float32Array): number { return w[0]; }
`);
    const f_grad = m.f_grad as unknown as (x: number, o: { c: number }, s: string, idx: Int32Array) => unknown[];
    expect(f_grad(2, { c: 3 }, "a", new Int32Array([1]))).toEqual([6, 3, { c: 2 }]);
    const g_grad = m.g_grad as unknown as (w: Float32Array, x: number) => number[];
    expect(g_grad(new Float32Array([0.5]), 2)).toEqual([1, 0.5]);
  });
});

describe("destructuring declarations are one declaration per name in every mode (item 6)", () => {
  // g(p, x) = a x + b x²: f' = a + 2 b x, f'' = 2 b.
  const source = `
function g(p: { a: number; b: number }, x: number): number { const { a, b } = p; return a * x + b * x * x; }
/** @differentiable hessian */ export function f(x: number): number { return g({ a: 1, b: 2 }, x); }
function keyed(p: { a: number; "b-c": number }, x: number): number { const { a: u, "b-c": v } = p; return u * x + v * x * x; }
/** @differentiable hessian */ export function fk(x: number): number { return keyed({ a: 1, "b-c": 2 }, x); }
function h(arr: number[], x: number): number { const [a, , b] = arr; const { length } = arr; return a * x + b * x * x * length; }
/** @differentiable hessian */ export function f2(x: number): number { return h([1, 0, 2], x); }
function make(c: number): { a: number; b: number } { return { a: c, b: 2 * c }; }
/** @differentiable hessian */ export function f3(x: number, arr: number[]): number { const [a, b] = arr; let { a: u, b: w } = make(3); u = u * x; return a * x * w + b * x * x + u; }
/** @differentiable hessian */ export function f4(x: number, y: number): number { const [a, b] = [x * y, y]; return a * b; }
`;
  let m: Record<string, Fn>;
  it("compiles to strictly typed code", async () => {
    m = await compileChecked(source);
  });

  for (const x of [0, 0.5, -1.5]) {
    it(`const { a, b } = p in a called helper, at x = ${x}: f' = 1 + 4x in _dual, _grad, _vjp, _jacobian, _hessian (exactly), f'' = 4`, () => {
      const d = 1 + 4 * x;
      const value = x + 2 * x * x;
      for (const name of ["f", "fk"]) {
        expect(m[`${name}_dual`](x, 1)).toEqual([value, d]);
        expect(m[`${name}_grad`](x)).toEqual([value, d]);
        expect(m[`${name}_vjp`](x, 2)).toEqual([value, 2 * d]);
        expect(m[`${name}_jacobian`](x)).toEqual([value, [[d]]]);
        expect(m[`${name}_hessian`](x)).toEqual([value, [d], [[4]]]);
      }
    });
    it(`const [a, , b] = arr and const { length } = arr of an inactive array in a helper, at x = ${x}: f2 = x + 6x², f2' = 1 + 12x, f2'' = 12 (exactly)`, () => {
      expect(m.f2_dual(x, 1)).toEqual([x + 6 * x * x, 1 + 12 * x]);
      expect(m.f2_grad(x)).toEqual([x + 6 * x * x, 1 + 12 * x]);
      expect(m.f2_hessian(x)).toEqual([x + 6 * x * x, [1 + 12 * x], [[12]]]);
    });
  }

  it("const [a, b] = arr of an active array and let { a: u, b: w } = make(3) in the tagged function: f3 = 6 a x + b x² + 3x; gradient [6a + 2bx + 3, (6x, x²)] and Hessian [[2b, 6, 2x], [6, 0, 0], [2x, 0, 0]] to 1e-12", () => {
    const [x, a, b] = [0.5, 1.25, -2];
    const [value, gx, garr] = m.f3_grad(x, [a, b] as unknown as number) as [number, number, number[]];
    expect(relErr(value, 6 * a * x + b * x * x + 3 * x)).toBeLessThan(1e-12);
    expect(relErr(gx, 6 * a + 2 * b * x + 3)).toBeLessThan(1e-12);
    expect(garr.map((g, i) => relErr(g, [6 * x, x * x][i]))).toEqual([0, 0]);
    const [, tangent] = m.f3_dual(x, [a, b] as unknown as number, 1, [0, 0] as unknown as number) as [number, number];
    expect(relErr(tangent, gx)).toBeLessThan(1e-12);
    const [, , H] = m.f3_hessian(x, [a, b] as unknown as number) as [number, number[], number[][]];
    const want = [[2 * b, 6, 2 * x], [6, 0, 0], [2 * x, 0, 0]];
    H.forEach((row, i) => row.forEach((hij, j) => expect(relErr(hij, want[i][j])).toBeLessThan(1e-12)));
  });

  it("const [a, b] = [x y, y] (active values through a temporary): f4 = x y²; gradient [y², 2xy] = [9, 12] and Hessian [[0, 6], [6, 4]] at (2, 3)", () => {
    expect(m.f4_dual(2, 3, 1, 0)).toEqual([18, 9]);
    expect(m.f4_grad(2, 3)).toEqual([18, 9, 12]);
    expect(m.f4_hessian(2, 3)).toEqual([18, [9, 12], [[0, 6], [6, 4]]]);
  });

  it("a default, a rest element, a nested pattern or a computed key is ADC2007 at it, in a helper or the tagged function", () => {
    const says = (what: string): string => `ADC2007 ${what} in a destructuring declaration is not supported in differentiable code; write one declaration per name`;
    expect(diagnosticsOf("function g(p: { a?: number }, x: number): number {\n  const { a = 1 } = p;\n  return a * x;\n}\n/** @differentiable */\nexport function f(x: number): number { return g({}, x); }\n")).toEqual([`2:11 ${says("a default value")}`]);
    expect(diagnosticsOf("/** @differentiable */\nexport function f(x: number[]): number {\n  const [a, ...rest] = x;\n  return a * rest.length;\n}\n")).toEqual([`3:13 ${says("a rest element")}`]);
    expect(diagnosticsOf("/** @differentiable */\nexport function f(x: number, p: { q: { a: number } }): number {\n  const { q: { a } } = p;\n  return a * x;\n}\n")).toEqual([`3:11 ${says("a nested pattern")}`]);
    expect(diagnosticsOf('const k = "a";\n/** @differentiable */\nexport function f(x: number, p: { a: number }): number {\n  const { [k]: a } = p;\n  return a * x;\n}\n')).toEqual([`4:11 ${says("a computed key")}`]);
  });

  it("a property of an active array read by destructuring is ADC2006 at it, naming the array", () => {
    expect(diagnosticsOf("/** @differentiable */\nexport function f(x: Float64Array): number {\n  const { byteLength } = x;\n  return x[0] * byteLength;\n}\n")).toEqual([
      "3:11 ADC2006 reading .byteLength of an active value is not differentiated (only .length is) (it touches the active value 'x'; if 'x' needs no derivative, leave it out with @differentiable wrt=...)",
    ]);
  });
});

describe("output type-checks under tsc --strict where the input does (item 9)", () => {
  const source = `
/** @differentiable */ export function f(x: number, y: number | null): number { let r; var q; r = x * x; q = r * 2; let z: number | null = null; z = x; const w = y!; return r + q + z + w; }
/** @differentiable hessian wrt=x */
export function fh(x: number, y: number | undefined): number {
  let r;
  var q;
  r = x * x;
  q = r * 2;
  let z: number | null = null;
  z = x;
  const w = y!;
  return r + q + z + w;
}
/** @differentiable hessian */
export function smallest(x: number[]): number {
  let best: number | null = null;
  for (let i = 0; i < x.length; i++) {
    const v = x[i] * x[i];
    if (best === null || v < best) best = v;
  }
  return best!;
}
function helper(x: number, y: number | undefined): number {
  let m: number | undefined;
  if (x > 0) m = x * x;
  else m = -x;
  let acc: number | null = null;
  for (let k = 0; k < 3; k++) acc = (acc === null ? 0 : acc) + m * k;
  return m! * y! + acc!;
}
/** @differentiable wrt=x */
export function g(x: number, y: number | undefined): number { let s; s = helper(x, y); var t; t = s * x; return t; }
/** @differentiable */
export function power4(x: number): number {
  let acc: number | null = null;
  for (let k = 0; k < 3; k++) acc = acc === null ? x * x : acc * x;
  return acc!;
}
`;
  let m: Record<string, Fn>;
  it("compiles (the repro included: let r; var q; let z: number | null = null; const w = y!) to strictly typed code", async () => {
    m = await compileChecked(source);
  });

  for (const x of [0.5, -1.25]) {
    it(`f = 3x² + x + y at x = ${x}, y = 2: f' = 6x + 1 in _dual, _grad, _vjp, _jacobian; fh's Hessian is 6 (exactly)`, () => {
      const value = 3 * x * x + x + 2;
      const d = 6 * x + 1;
      for (const name of ["f", "fh"]) {
        expect(m[`${name}_dual`](x, 2, 1)).toEqual([value, d]);
        expect(m[`${name}_grad`](x, 2)).toEqual([value, d]);
        expect(m[`${name}_vjp`](x, 2, 3)).toEqual([value, 3 * d]);
        expect(m[`${name}_jacobian`](x, 2)).toEqual([value, [[d]]]);
      }
      expect(m.fh_hessian(x, 2)).toEqual([value, [d], [[6]]]);
    });
    it(`g = x m (y + 3), m = x² for x > 0 else -x (helper with number | undefined and number | null locals), at x = ${x}, y = 2: g' = 15x² or -10x, in _dual, _grad and _vjp, to 1e-12`, () => {
      const d = x > 0 ? 15 * x * x : -10 * x;
      expect(relErr((m.g_dual(x, 2, 1) as number[])[1], d)).toBeLessThan(1e-12);
      expect(relErr((m.g_grad(x, 2) as number[])[1], d)).toBeLessThan(1e-12);
      expect(relErr((m.g_vjp(x, 2, 2) as number[])[1], 2 * d)).toBeLessThan(1e-12);
    });
    it(`power4 = x⁴ through acc === null ? x x : acc x (the tape keeps null, so the reverse sweep takes the branch the forward took), at x = ${x}: 4x³ in _dual and _grad, to 1e-12`, () => {
      expect(relErr((m.power4_dual(x, 1) as number[])[1], 4 * x ** 3)).toBeLessThan(1e-12);
      expect(relErr((m.power4_grad(x) as number[])[1], 4 * x ** 3)).toBeLessThan(1e-12);
    });
  }

  it("let best: number | null = null; ... best = v; return best!: the smallest x_i² of [1.5, -0.5, 2] is 0.25, gradient [0, -1, 0], Hessian 2 at (1, 1) (exactly)", () => {
    const x = [1.5, -0.5, 2] as unknown as number;
    expect(m.smallest_dual(x, [0, 1, 0] as unknown as number)).toEqual([0.25, -1]);
    expect(m.smallest_grad(x)).toEqual([0.25, [0, -1, 0]]);
    expect(m.smallest_hessian(x)).toEqual([0.25, [0, -1, 0], [[0, 0, 0], [0, 2, 0], [0, 0, 0]]]);
  });

  it("a Hessian that would have to save a number | null on its tape is ADC2007 at the declaration", () => {
    expect(diagnosticsOf("/** @differentiable hessian */\nexport function f(x: number): number {\n  let acc: number | null = null;\n  for (let k = 0; k < 3; k++) acc = acc === null ? x * x : acc * x;\n  return acc!;\n}\n")).toEqual([
      "3:7 ADC2007 the Hessian needs the values of 'acc' that later code overwrites, and its tape keeps numbers with their tangents, not null: declare 'acc' as a number",
    ]);
  });
});

describe("locals declared without a value that the reverse sweep reads or saves (item 9, stdlib's ddot and simple-statistics' sampleVariance)", () => {
  // m is assigned on both branches of an if, t first inside a loop: the reverse sweep reads m as a loop
  // bound and t's saves come before its first assignment, where strict TypeScript sees undefined.
  const source = `
/** @differentiable wrt=x */
export function f(x: number[], n: number): number {
  let m;
  let t;
  let s = 0;
  if (n > 1) {
    m = n % 2;
  } else {
    m = 0;
  }
  for (let i = 0; i < x.length; i++) {
    t = x[i] * x[i];
    s += t * x[i];
  }
  for (let i = 0; i < m; i++) s += x[i] * 2;
  return s;
}
`;
  it("compiles to strictly typed code; f = Σ x³ + 2 x0 (n odd): ∂f/∂x = 3x² + (2, 0, 0) in every mode", async () => {
    const m = (await compileChecked(source)) as unknown as Record<string, (...args: unknown[]) => unknown>;
    const x = [0.5, -1.5, 2];
    const want = x.map((v, i) => 3 * v * v + (i === 0 ? 2 : 0));
    const [value, g] = m.f_grad([...x], 3) as [number, number[]];
    expect(relErr(value, 0.125 - 3.375 + 8 + 1)).toBeLessThan(1e-12);
    g.forEach((gi, i) => expect(relErr(gi, want[i])).toBeLessThan(1e-12));
    const [, J] = m.f_jacobian([...x], 3) as [number, number[][]];
    J[0].forEach((ji, i) => expect(relErr(ji, want[i])).toBeLessThan(1e-12));
    for (let i = 0; i < 3; i++) {
      const dx = [0, 0, 0];
      dx[i] = 1;
      expect(relErr((m.f_dual([...x], 3, dx) as [number, number])[1], want[i])).toBeLessThan(1e-12);
    }
    // n even: m = 0, the second loop does not run.
    expect((m.f_grad([...x], 4) as [number, number[]])[1]).toEqual(x.map((v) => 3 * v * v));
  });
});
