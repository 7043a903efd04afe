/** Every ```ts snippet of docs/examples.md and docs/forward-mode.md runs and prints what the page says. */
import { expect } from "vitest";
import { describeDocSnippets } from "./helpers/doc-snippets.js";

describeDocSnippets("docs/examples.md", {
  minimum: 4,
  check: (code, { logs }) => {
    if (code.includes("newtonSystem")) {
      expect(logs[0]).toEqual([2.0945514815423265, 5]);
      expect(logs[2]).toEqual([[1.0041687384746592, -1.72963728702587], 0]);
    }
    if (code.includes("dividedDifferenceErrors")) {
      const [forward, central, ad] = logs.map((l) => l[0] as number);
      expect(forward).toBeGreaterThan(1e-9);
      expect(forward).toBeLessThan(1e-7);
      expect(central).toBeLessThan(1e-10);
      expect(ad).toBeLessThan(Number.EPSILON);
    }
    if (code.includes("onIteration")) expect(logs[1][0]).toBe(20);
    if (code.includes("gmmLogLikelihood_grad")) expect(logs[0]).toEqual([true]);
  },
});

describeDocSnippets("docs/forward-mode.md", {
  minimum: 5,
  check: (code, { logs }) => {
    if (code.includes("f_dual(2, 3, 1, 0)")) expect(logs).toEqual([[true, true, 2]]);
    if (code.includes("circleMeetsExp_dual")) expect(logs).toEqual([[[-2, Math.exp(1) - 1 - 1], [2, Math.exp(1)], [-2, 1]]]);
    if (code.includes("cube_dual")) expect(logs[0][0]).toBe(true);
    if (code.includes("jvp(f)")) expect(logs).toEqual([[2 * 3 + Math.sin(2), true]]);
    if (code.includes("dualOf")) {
      expect(logs[0]).toEqual([[Math.sin(0.5), Math.cos(0.5)]]);
      expect(logs[1][0]).toEqual([0.4, -0.2]);
    }
  },
});

describeDocSnippets("docs/reverse-mode.md", {
  minimum: 4,
  check: (code, { logs }) => {
    if (code.includes("f_grad(2, 3)")) {
      expect(logs[0]).toEqual([true, true, 2]);
      expect(logs[1][0]).toEqual([2 * 3 + Math.sin(2), 10 * (3 + Math.cos(2)), 20]);
    }
    if (code.includes("gmmLogLikelihood_grad")) expect(logs).toEqual([[true]]);
    if (code.includes("circleMeetsExp_vjp")) {
      const [F, J, row0] = logs[0] as [number[], number[][], number[]];
      expect(F[0]).toBe(-2);
      expect(J).toEqual([
        [2, -2],
        [Math.exp(1), 1],
      ]);
      expect(row0).toEqual(J[0]);
    }
    if (code.includes("grad(f)(2, 3)")) {
      expect(logs[0][0]).toEqual([2 * 3 + Math.sin(2), 3 + Math.cos(2), 2]);
      expect(logs[1][0]).toEqual([
        [2, -2],
        [Math.exp(1), 1],
      ]);
    }
  },
});
