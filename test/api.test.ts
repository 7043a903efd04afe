/**
 * The call-site API over `adc transform` output: generated modules register their derivatives and
 * `jvp(f)`, `grad(f)`, ... find them; a function never differentiated gets an error saying how to fix it.
 * The types are checked by `tsc --noEmit` over this file (expectTypeOf).
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { grad, hessian, jacobian, jvp, NotDifferentiatedError, registerDerivatives, valueAndGrad, vjp } from "../src/index.js";
import { compileSources, relErr } from "./helpers/compile.js";

const SOURCE = `
/** @differentiable */
export function f(x1: number, x2: number): number {
  return x1 * x2 + Math.sin(x1);
}

/** @differentiable */
export const norm2 = (x: number[]): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
};

/** @differentiable */
export function scale(x: Float64Array, k: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = k * x[i];
  return y;
}

/** @differentiable hessian */
export function rosenbrock(x: number, y: number): number {
  return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
}

export function notMarked(x: number): number {
  return x * x;
}
`;

type Module = {
  f: (x1: number, x2: number) => number;
  norm2: (x: number[]) => number;
  scale: (x: Float64Array, k: number) => Float64Array;
  rosenbrock: (x: number, y: number) => number;
  notMarked: (x: number) => number;
};

const points: [number, number][] = [
  [0.5, 2],
  [-1.3, 0.7],
  [3, -4],
];

describe("call-site API over adc transform output", () => {
  it("the generated module registers its derivatives (a block at its end)", () => {
    const out = compileSources({ "m.ts": SOURCE }).outputs["m.ts"];
    expect(out).toMatch(/import \{ registerDerivatives \} from "adc-ts\/runtime";\nregisterDerivatives\(f, \{ dual: f_dual[,}]/);
    expect(out).toMatch(/registerDerivatives\(norm2, \{ dual: norm2_dual[,}]/);
    expect(out).not.toContain("registerDerivatives(notMarked");
  });

  it("jvp(f) is f_dual: the lecture's tangents", async () => {
    const m = await compileSources({ "m.ts": SOURCE }).load<Module>();
    for (const [x1, x2] of points) {
      const [value, dx1] = jvp(m.f)(x1, x2, 1, 0);
      expect(relErr(value, x1 * x2 + Math.sin(x1))).toBeLessThan(1e-12);
      expect(relErr(dx1, x2 + Math.cos(x1))).toBeLessThan(1e-12);
      expect(relErr(jvp(m.f)(x1, x2, 0, 1)[1], x1)).toBeLessThan(1e-12);
    }
    const [s, ds] = jvp(m.norm2)([1, 2, 3], [1, 1, 0]);
    expect([s, ds]).toEqual([14, 2 * 1 + 2 * 2]);
    const [y, dy] = jvp(m.scale)(new Float64Array([1, 2]), 3, new Float64Array([0, 0]), 1);
    expect([...y, ...dy]).toEqual([3, 6, 1, 2]);
  });

  it("grad, vjp, jacobian and valueAndGrad find the reverse-mode derivatives", async () => {
    const m = await compileSources({ "m.ts": SOURCE }).load<Module>();
    for (const [x1, x2] of points) {
      const [value, g1, g2] = grad(m.f)(x1, x2);
      expect(relErr(value, x1 * x2 + Math.sin(x1))).toBeLessThan(1e-12);
      expect(relErr(g1, x2 + Math.cos(x1))).toBeLessThan(1e-12);
      expect(relErr(g2, x1)).toBeLessThan(1e-12);
      expect(valueAndGrad(m.f)(x1, x2)).toEqual([value, [g1, g2]]);
      const [, b1, b2] = vjp(m.f)(x1, x2, 2);
      expect([b1, b2]).toEqual([2 * g1, 2 * g2]);
      const [, J] = jacobian(m.f)(x1, x2);
      expect(J).toEqual([[g1, g2]]);
    }
    const [s, gx] = grad(m.norm2)([1, -2, 3]);
    expect([s, gx]).toEqual([14, [2, -4, 6]]);
  });

  it("hessian(f) for a function tagged @differentiable hessian: Rosenbrock's gradient and Hessian", async () => {
    const m = await compileSources({ "m.ts": SOURCE }).load<Module>();
    for (const [x, y] of points) {
      const [value, g, H] = hessian(m.rosenbrock)(x, y);
      expect(relErr(value, (1 - x) ** 2 + 100 * (y - x * x) ** 2)).toBeLessThan(1e-12);
      expect(relErr(g[0], -2 * (1 - x) - 400 * x * (y - x * x))).toBeLessThan(1e-12);
      expect(relErr(g[1], 200 * (y - x * x))).toBeLessThan(1e-12);
      expect(relErr(H[0][0], 2 - 400 * (y - x * x) + 800 * x * x)).toBeLessThan(1e-12);
      expect(relErr(H[0][1], -400 * x)).toBeLessThan(1e-12);
      expect(H[1][0]).toBe(H[0][1]);
      expect(relErr(H[1][1], 200)).toBeLessThan(1e-12);
    }
  });

  it("a function never differentiated: an error naming it and saying how to fix it", async () => {
    const m = await compileSources({ "m.ts": SOURCE }).load<Module>();
    expect(() => grad(m.notMarked)).toThrow(NotDifferentiatedError);
    expect(() => jvp(m.notMarked)).toThrow(
      /^jvp\(notMarked\): notMarked was never differentiated\. Put \/\*\* @differentiable \*\/ right before `function notMarked`.*adc transform.*adc-ts\/transformer/,
    );
    // A function returning an array has no gradient; the error says what to use instead.
    expect(() => grad(m.scale as unknown as (x: Float64Array) => number)).toThrow(/grad\(scale\): scale has no grad derivative \(grad needs scale to return a number; use vjp or jacobian .*available: jvp\(scale\), vjp\(scale\), jacobian\(scale\)$/);
    expect(() => hessian(m.f)).toThrow(/hessian\(f\): f has no hessian derivative \(add the option: \/\*\* @differentiable hessian \*\/.*\)/);
    expect(() => jvp((() => 1) as (x: number) => number)).toThrow(/jvp\(\(anonymous function\)\): \(anonymous function\) was never differentiated/);
    expect(() => grad(42 as unknown as (x: number) => number)).toThrow(TypeError);
  });

  it("registerDerivatives merges and the API returns the registered function itself (no wrapper)", () => {
    const square = (x: number): number => x * x;
    const square_dual = (x: number, dx: number): [number, number] => [x * x, 2 * x * dx];
    const square_grad = (x: number): [number, number] => [x * x, 2 * x];
    registerDerivatives(square, { dual: square_dual });
    registerDerivatives(square, { grad: square_grad });
    expect(jvp(square)).toBe(square_dual);
    expect(grad(square)).toBe(square_grad);
    expect(valueAndGrad(square)(3)).toEqual([9, [6]]);
  });
});

describe("types from the function's own signature", () => {
  it("grad, jvp, vjp, jacobian, hessian, valueAndGrad", () => {
    const f = (x: number, y: number[]): number => x + y[0];
    const g = (x: Float64Array, label: string, k: number): Float64Array => x.map((v) => v * k + label.length);
    const h = (x: readonly number[]): number[] => [...x];
    // Typed only: never called here.
    const typeOnly = (): void => {
      expectTypeOf(grad(f)).toEqualTypeOf<(x: number, y: number[]) => [number, number, number[]]>();
      expectTypeOf(grad(f)).returns.toEqualTypeOf<[number, number, number[]]>();
      expectTypeOf(jvp(f)).parameters.toEqualTypeOf<[x: number, y: number[], number, number[]]>();
      expectTypeOf(jvp(f)).returns.toEqualTypeOf<[number, number]>();
      expectTypeOf(jvp(g)).parameters.toEqualTypeOf<[x: Float64Array, label: string, k: number, Float64Array, number]>();
      expectTypeOf(jvp(g)).returns.toExtend<[Float64Array, Float64Array]>();
      expectTypeOf(vjp(h)).parameters.toEqualTypeOf<[x: readonly number[], ybar: number[]]>();
      expectTypeOf(vjp(h)).returns.toEqualTypeOf<[number[], number[]]>();
      expectTypeOf(jacobian(g)).returns.toEqualTypeOf<[Float64Array, number[][]]>();
      expectTypeOf(hessian(f)).returns.toEqualTypeOf<[number, number[], number[][]]>();
      expectTypeOf(valueAndGrad(f)).returns.toEqualTypeOf<[number, [number, number[]]]>();
      // wrt=...: the active parameters' types as the second type argument.
      const powRec = (x: number, n: number): number => x ** n;
      expectTypeOf(grad<typeof powRec, [number]>(powRec)).returns.toEqualTypeOf<[number, number]>();
      // @ts-expect-error grad needs a function returning a number
      grad(h);
    };
    expect(typeof typeOnly).toBe("function");
  });
});
