/**
 * f_hvp: the Hessian-vector product by one forward sweep over the reverse gradient (f_gradient_dual
 * with the direction as its tangent), never building H. Checked against hand-derived H·v, against
 * f_hessian's H times v, against f_grad's gradient, for the arrays it writes, under --strict, and
 * through hvp(f) (registration and the ts-patch plugin).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { hvp, type Hvp } from "../src/index.js";
import { compileSources, relErr, type Compiled } from "./helpers/compile.js";
import { strictTypeErrors } from "./helpers/typecheck.js";
import { buildWithPlugin } from "./helpers/plugin.js";

const source = `
/** @differentiable hessian */
export function f(x: number, y: number): number {
  return x * x * y + Math.sin(x) * y * y * y;
}

/** @differentiable hessian */
export function chain(v: number[]): number {
  let s = 0;
  for (let i = 0; i + 1 < v.length; i++) s += v[i] * v[i] * v[i + 1];
  return s + Math.sin(v[v.length - 1]);
}

/** chain, squaring v's elements in place as it goes: it leaves [v0², ..., v(n-2)², v(n-1)]. */
/** @differentiable hessian */
export function chainInPlace(v: number[]): number {
  let s = 0;
  for (let i = 0; i + 1 < v.length; i++) {
    v[i] = v[i] * v[i];
    s += v[i] * v[i + 1];
  }
  return s + Math.sin(v[v.length - 1]);
}

/** Arrays around a number, a Float64Array and a read-only array: x Σv² + x³ + x² Σw. */
/** @differentiable hessian */
export function mixed(v: Float64Array, x: number, w: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  let t = 0;
  for (let j = 0; j < w.length; j++) t += w[j];
  return x * s + x * x * x + x * x * t;
}

/** @differentiable hessian wrt=x */
export function onlyX(x: number, y: number): number {
  return x * x * y + Math.sin(x) * y * y * y;
}
`;

type Vec = number[];
interface Module {
  f_hvp: (x: number, y: number, dx: number, dy: number) => [number, number, number, number, number];
  f_grad: (x: number, y: number) => [number, number, number];
  f_hessian: (x: number, y: number) => [number, number[], number[][]];
  chain_hvp: (v: Vec, dv: Vec) => [number, Vec, Vec];
  chain_grad: (v: Vec) => [number, Vec];
  chain_hessian: (v: Vec) => [number, Vec, number[][]];
  chainInPlace: (v: Vec) => number;
  chainInPlace_hvp: (v: Vec, dv: Vec) => [number, Vec, Vec];
  chainInPlace_grad: (v: Vec) => [number, Vec];
  mixed_hvp: (v: Float64Array, x: number, w: readonly number[], dv: Float64Array, dx: number, dw: readonly number[]) => [number, Float64Array, number, Vec, Float64Array, number, Vec];
  mixed_grad: (v: Float64Array, x: number, w: readonly number[]) => [number, Float64Array, number, Vec];
  mixed_hessian: (v: Float64Array, x: number, w: readonly number[]) => [number, Vec, number[][]];
  onlyX_hvp: (x: number, y: number, dx: number) => [number, number, number];
  f: (x: number, y: number) => number;
  chain: (v: Vec) => number;
}

/** H·v with H as f_hessian returns it (over the flattened active inputs). */
const times = (H: number[][], v: readonly number[]): number[] => H.map((row) => row.reduce((s, h, j) => s + h * v[j], 0));

/** Each element within `tol` of the expected one, relative to max(1, |expected|). */
function expectClose(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(relErr(actual[i], expected[i]), `element ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThan(tol);
}

// Hand-derived for f(x, y) = x²y + sin(x)y³.
const fGrad = (x: number, y: number): number[] => [2 * x * y + Math.cos(x) * y ** 3, x * x + 3 * Math.sin(x) * y * y];
const fHv = (x: number, y: number, vx: number, vy: number): number[] => {
  const hxx = 2 * y - Math.sin(x) * y ** 3;
  const hxy = 2 * x + 3 * Math.cos(x) * y * y;
  const hyy = 6 * Math.sin(x) * y;
  return [hxx * vx + hxy * vy, hxy * vx + hyy * vy];
};

// Hand-derived for chain(v) = Σ v_i² v_{i+1} + sin(v_{n-1}): H_kk = 2 v_{k+1} (k < n-1), -sin(v_{n-1})
// (k = n-1); H_{k,k+1} = H_{k+1,k} = 2 v_k.
const chainGrad = (v: readonly number[]): number[] =>
  v.map((_, k) => (k + 1 < v.length ? 2 * v[k] * v[k + 1] : Math.cos(v[k])) + (k > 0 ? v[k - 1] ** 2 : 0));
const chainHv = (v: readonly number[], u: readonly number[]): number[] =>
  v.map((_, k) => {
    const n = v.length;
    let r = (k + 1 < n ? 2 * v[k + 1] : -Math.sin(v[k])) * u[k];
    if (k + 1 < n) r += 2 * v[k] * u[k + 1];
    if (k > 0) r += 2 * v[k - 1] * u[k - 1];
    return r;
  });

const fPoints: [number, number, number, number][] = [
  [0.7, -1.3, 1, 0],
  [-2.1, 0.4, 0.3, -2.5],
  [1.9, 2.2, -1.7, 0.6],
];
const chainPoints: [number[], number[]][] = [
  [[0.5, -1.2, 2.0], [1, 0, 0]],
  [[1.3, 0.4, -0.8, 2.6], [0.2, -1.1, 0.7, 1.5]],
  [[-0.9, 1.7], [-0.4, 2.3]],
];

let c: Compiled;
let m: Module;

beforeAll(async () => {
  c = compileSources({ "hvp.ts": source });
  m = await c.load<Module>();
});
afterAll(() => c.cleanup());

describe("f_hvp: forward over reverse, one direction", () => {
  it("f(x, y) = x²y + sin(x)y³: H·v equals the hand-derived H·v and f_hessian's H times v to 1e-12, the gradient is f_grad's", () => {
    for (const [x, y, vx, vy] of fPoints) {
      const [value, gx, gy, hx, hy] = m.f_hvp(x, y, vx, vy);
      expect(value).toBe(m.f(x, y));
      expectClose([hx, hy], fHv(x, y, vx, vy));
      const [, , H] = m.f_hessian(x, y);
      expectClose([hx, hy], times(H, [vx, vy]));
      expectClose([gx, gy], fGrad(x, y));
      const [, gx2, gy2] = m.f_grad(x, y);
      expect([gx, gy]).toEqual([gx2, gy2]);
    }
  });

  it("chain(v) = Σ v_i² v_(i+1) + sin(v_(n-1)): H·v against hand-derived and f_hessian's to 1e-12, the gradient f_grad's; v and the direction unchanged", () => {
    for (const [v, u] of chainPoints) {
      const vCopy = v.slice();
      const uCopy = u.slice();
      const [value, g, hv] = m.chain_hvp(v, u);
      expect(v).toEqual(vCopy);
      expect(u).toEqual(uCopy);
      expect(value).toBe(m.chain(v));
      expectClose(hv, chainHv(v, u));
      expectClose(hv, times(m.chain_hessian(v)[2], u));
      expectClose(g, chainGrad(v));
      expect(g).toEqual(m.chain_grad(v)[1]);
    }
  });

  it("an array the function writes: H·v and the gradient at the caller's values, the array left as f leaves it, the direction untouched", () => {
    for (const [v, u] of chainPoints) {
      const before = v.slice();
      const leftByF = v.slice();
      const valueOfF = m.chainInPlace(leftByF);
      expect(leftByF).toEqual(before.map((e, i) => (i + 1 < before.length ? e * e : e)));
      const arg = before.slice();
      const dir = u.slice();
      const [value, g, hv] = m.chainInPlace_hvp(arg, dir);
      expect(value).toBe(valueOfF);
      expect(arg).toEqual(leftByF);
      expect(dir).toEqual(u);
      expectClose(hv, chainHv(before, u));
      expectClose(g, chainGrad(before));
      expect(g).toEqual(m.chainInPlace_grad(before.slice())[1]);
    }
  });

  it("a Float64Array, a number and a read-only array: each piece shaped like its parameter, against the hand-derived H·v and f_hessian's", () => {
    const cases: [number[], number, number[], number[], number, number[]][] = [
      [[0.5, -1.5], 1.2, [0.3, 2, -0.7], [1, 0.5], -0.8, [0.25, -1, 2]],
      [[2.2], -0.6, [1.1], [-0.3], 1.4, [0.9]],
    ];
    for (const [va, x, w, uva, ux, uw] of cases) {
      const v = Float64Array.from(va);
      const uv = Float64Array.from(uva);
      const [value, gv, gx, gw, hv, hx, hw] = m.mixed_hvp(v, x, w, uv, ux, uw);
      expect(gv).toBeInstanceOf(Float64Array);
      expect(hv).toBeInstanceOf(Float64Array);
      expect(Array.isArray(gw) && Array.isArray(hw)).toBe(true);
      const sv = va.reduce((s, e) => s + e * e, 0);
      const sw = w.reduce((s, e) => s + e, 0);
      expect(relErr(value, x * sv + x ** 3 + x * x * sw)).toBeLessThan(1e-12);
      // Hand-derived: ∂x = Σv² + 3x² + 2xΣw, ∂v_i = 2x v_i, ∂w_j = x²; H_xx = 6x + 2Σw, H_xv_i = 2v_i,
      // H_xw_j = 2x, H_v_iv_i = 2x, every other entry 0.
      expectClose([...gv, gx, ...gw], [...va.map((e) => 2 * x * e), sv + 3 * x * x + 2 * x * sw, ...w.map(() => x * x)]);
      const hand = [
        ...va.map((e, i) => 2 * e * ux + 2 * x * uva[i]),
        (6 * x + 2 * sw) * ux + va.reduce((s, e, i) => s + 2 * e * uva[i], 0) + uw.reduce((s, e) => s + 2 * x * e, 0),
        ...w.map(() => 2 * x * ux),
      ];
      expectClose([...hv, hx, ...hw], hand);
      expectClose([...hv, hx, ...hw], times(m.mixed_hessian(v, x, w)[2], [...uva, ux, ...uw]));
      const [, gv2, gx2, gw2] = m.mixed_grad(v, x, w);
      expect([...gv, gx, ...gw]).toEqual([...gv2, gx2, ...gw2]);
    }
  });

  it("wrt=x: one direction, the x row of H·v (∂²f/∂x² · dx)", () => {
    for (const [x, y, vx] of fPoints) {
      const [value, gx, hx] = m.onlyX_hvp(x, y, vx);
      expect(value).toBe(m.f(x, y));
      expectClose([gx, hx], [fGrad(x, y)[0], fHv(x, y, vx, 0)[0]]);
    }
  });

  it("the generated f_hvp: one call of f_gradient_dual, the signature of _dual's parameters, strict-mode clean", () => {
    const text = c.outputs["hvp.ts"];
    expect(text).toContain(
      [
        "export function f_hvp(x: number, y: number, dx: number, dy: number): [number, number, number, number, number] {",
        "  const value = f(x, y);",
        "  const [gradient, hv] = f_gradient_dual(x, y, dx, dy);",
        "  return [value, gradient[0], gradient[1], hv[0], hv[1]];",
        "}",
      ].join("\n"),
    );
    expect(text).toContain(
      [
        "export function chainInPlace_hvp(v: number[], dv: number[]): [number, number[], number[]] {",
        "  const v_in = v.slice();",
        "  const value = chainInPlace(v);",
        "  const [gradient, hv] = chainInPlace_gradient_dual(v_in, dv.slice());",
        "  return [value, gradient, hv];",
        "}",
      ].join("\n"),
    );
    expect(text).toContain(
      "return [value, Float64Array.from(gradient.slice(0, v.length)), gradient[v.length], gradient.slice(1 + v.length), Float64Array.from(hv.slice(0, v.length)), hv[v.length], hv.slice(1 + v.length)];",
    );
    expect(text).toContain("registerDerivatives(f, { dual: f_dual, grad: f_grad, vjp: f_vjp, jacobian: f_jacobian, hessian: f_hessian, hvp: f_hvp });");
    expect(strictTypeErrors([join(c.dir, "out", "hvp.ts")])).toEqual([]);
  });

  it("a module declaring f_hvp itself: ours is f_hvp2, with warning ADC4001", () => {
    const named = compileSources({
      "names.ts": `/** @differentiable hessian */
export function f(x: number): number {
  return x * x * x;
}
export const f_hvp = 1;
`,
    });
    try {
      expect(named.diagnostics).toEqual([]);
      expect(named.warnings.map((w) => `${w.code} ${w.pos!.line}:${w.pos!.col} ${w.message}`)).toEqual([
        "ADC4001 2:17 f_hvp is already declared in this module (names.ts:5:14); f's Hessian-vector product is named f_hvp2",
      ]);
      expect(named.outputs["names.ts"]).toContain("export function f_hvp2(x: number, dx: number): [number, number, number] {");
    } finally {
      named.cleanup();
    }
  });
});

describe("hvp(f): the call-site API", () => {
  it("finds the registered f_hvp itself, typed from f's signature", () => {
    expect(hvp(m.f)).toBe(m.f_hvp);
    const [value, gx, gy, hx, hy] = hvp(m.f)(0.7, -1.3, 0.3, -2.5);
    expect(value).toBe(m.f(0.7, -1.3));
    expectClose([gx, gy, hx, hy], [...fGrad(0.7, -1.3), ...fHv(0.7, -1.3, 0.3, -2.5)]);
    const typeOnly = (): void => {
      const g = (x: number, v: number[], n: string): number => x + v[0] + n.length;
      expectTypeOf(hvp(g)).toEqualTypeOf<Hvp<typeof g>>();
      expectTypeOf(hvp(g)).parameters.toEqualTypeOf<[number, number[], string, number, number[]]>();
      expectTypeOf(hvp(g)).returns.toEqualTypeOf<[number, number, number[], number, number[]]>();
    };
    expect(typeof typeOnly).toBe("function");
  });

  it("a function without the hessian tag: an error saying to add it", async () => {
    const plain = compileSources({ "plain.ts": "/** @differentiable */\nexport function p(x: number): number {\n  return x * x;\n}\n" });
    try {
      const mod = await plain.load<{ p: (x: number) => number }>();
      expect(() => hvp(mod.p)).toThrow("hvp(p): p has no hvp derivative (add the option: /** @differentiable hessian */ (p must return a number)); available: jvp(p), grad(p), vjp(p), jacobian(p)");
    } finally {
      plain.cleanup();
    }
  });

  it("the ts-patch plugin compiles hvp(f) to f_hvp, and the built program computes H·v", async () => {
    const build = buildWithPlugin({
      "f.ts": source,
      "main.ts": `import { hvp } from "adc-ts";
import { f } from "./f.js";

export const direction = (x: number, y: number, vx: number, vy: number) => hvp(f)(x, y, vx, vy);
`,
    });
    expect(build.diagnostics).toEqual([]);
    const main = build.outputs["main.js"];
    expect(main).toContain('import { f_hvp } from "./f.js";');
    expect(main).toContain("f_hvp(x, y, vx, vy)");
    const mod = (await import(/* @vite-ignore */ join(build.dir, "out", "main.js"))) as { direction: (x: number, y: number, vx: number, vy: number) => number[] };
    for (const [x, y, vx, vy] of fPoints) {
      const [, , , hx, hy] = mod.direction(x, y, vx, vy);
      expectClose([hx, hy], fHv(x, y, vx, vy));
    }
  });
});
