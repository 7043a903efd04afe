import { describe, expect, it } from "vitest";
import { compileAndLoad, centralDiff, relErr } from "./helpers/compile.js";

type Dual2 = (x1: number, x2: number, dx1: number, dx2: number) => [number, number];

describe("forward mode on the lecture's function", () => {
  it("f(x1, x2) = x1 x2 + sin x1 gives ∂f/∂x1 = x2 + cos x1 and ∂f/∂x2 = x1", async () => {
    const m = await compileAndLoad<{ f_dual: Dual2; f: (a: number, b: number) => number }>(`
/** @differentiable */
export function f(x1: number, x2: number): number {
  let w3: number, w4: number, w5: number;
  w3 = x1 * x2;
  w4 = Math.sin(x1);
  w5 = w3 + w4;
  return w5;
}`);
    for (const [x1, x2] of [[0.5, 2], [-1.3, 0.25], [3, -4]]) {
      const [v, d1] = m.f_dual(x1, x2, 1, 0);
      const [, d2] = m.f_dual(x1, x2, 0, 1);
      expect(v).toBe(x1 * x2 + Math.sin(x1));
      expect(relErr(d1, x2 + Math.cos(x1))).toBeLessThan(1e-12);
      expect(relErr(d2, x1)).toBeLessThan(1e-12);
      expect(relErr(d1, centralDiff((t) => m.f(t, x2), x1))).toBeLessThan(1e-8);
    }
  });
});
