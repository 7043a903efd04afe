/**
 * `++` and `--` inside an expression (`x[i++]`): the frontend moves each into a statement of its own
 * before its statement, in evaluation order, so every mode runs it once. Checked against hand-derived
 * values and gradients in f_dual, f_grad and f_vjp, plus the dot-product test; one in a branch of ?:
 * moves into the branch of the if/else the ?: becomes. Where it cannot be moved (the right of && or ||,
 * which may not run, an earlier use of the variable in the statement, a loop condition
 * whose variable reverse mode needs) every mode refuses with ADC2010 at the increment.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ADC } from "../transformer/diagnostics.js";
import { compileSources, compileWithText } from "./helpers/compile.js";
import { dotProductTest, flatten, gradientByDual, random, type Module, type Value } from "./helpers/reverse-check.js";
import { tape } from "../src/runtime/tape.js";

const source = `
/** The example of the bug report: f_dual gave 12 (i advanced twice), f_vjp read x[i] for x[0]. */
/** @differentiable */
export function g(x: number[], c: number): number {
  let i = 0;
  const a = x[i++] * c;
  const b = x[i] * c;
  return a * b;
}

/** In a loop, then read after it. */
/** @differentiable */
export function loop(x: number[], c: number): number {
  let i = 0;
  let s = 0;
  for (let k = 0; k < 2; k++) s += x[i++] * c;
  return s * x[i];
}

/** Prefix and postfix, twice on one variable in one statement. */
/** @differentiable */
export function prefix(x: number[], c: number): number {
  let i = 0;
  const a = x[++i] * x[++i] * c;
  let j = 2;
  const b = x[j--] - x[--j];
  return a + b * c;
}

/** In a while body, an if condition and a return. */
/** @differentiable */
export function pairs(x: number[], c: number): number {
  let i = 0;
  while (i < x.length - 1) {
    const d = x[i++] - x[i++];
    if (x[i--] * c > 0) return d * c;
    i++;
  }
  return c;
}

/** The index of an element written. */
/** @differentiable */
export function pack(x: number[], c: number): number {
  const y = [0, 0, 0];
  let i = 0;
  for (let j = 2; j >= 0; j--) y[i++] = x[j] * c;
  return y[0] * 3 + y[1] * 2 + y[2];
}

/** In a return, the variable's only use. */
/** @differentiable */
export function last(x: number[], c: number): number {
  let n = x.length;
  return x[--n] * c;
}

/** In a branch of ?:, which becomes an if/else (f_dual used to repeat it in the tangent). */
/** @differentiable */
export function branch(x: number[], c: number): number {
  let i = 0;
  const a = c > 0 ? x[i++] : 0;
  return a * x[i];
}

/** The body of an arrow function. */
/** @differentiable wrt=x,c */
export const arrow = (x: number[], c: number, i: number): number => x[i++] * x[i++] * c;
`;

type Fn = (...a: Value[]) => Value[];

describe("++ and -- inside an index", () => {
  let m: Module;
  let text: string;
  beforeAll(async () => {
    ({ m, text } = await compileWithText<Module>(source));
  });

  const cases: { name: string; args: Value[]; active: number[]; value: number; grad: Value[] }[] = [
    { name: "g", args: [[1, 2, 3], 2], active: [0, 1], value: 8, grad: [[8, 4, 0], 8] },
    // s = c (x0 + x1) = 6, i = 2: 18; d/dx = (c x2, c x2, s), d/dc = (x0 + x1) x2.
    { name: "loop", args: [[1, 2, 3], 2], active: [0, 1], value: 18, grad: [[6, 6, 6], 9] },
    // a = x1 x2 c = 12, b = x2 - x0 = 2: 16; d/dx = (-c, x2 c, x1 c + c), d/dc = x1 x2 + b.
    { name: "prefix", args: [[1, 2, 3], 2], active: [0, 1], value: 16, grad: [[-2, 6, 6], 8] },
    // First pair: d = -1, x2 c < 0; second pair: d = x2 - x3 = -8, x4 c > 0: d c = -16.
    { name: "pairs", args: [[1, 2, -3, 5, 4], 2], active: [0, 1], value: -16, grad: [[0, 0, 2, -2, 0], -8] },
    // y = (x2 c, x1 c, x0 c): c (3 x2 + 2 x1 + x0) = 28.
    { name: "pack", args: [[1, 2, 3], 2], active: [0, 1], value: 28, grad: [[2, 4, 6], 14] },
    { name: "last", args: [[1, 2, 3], 2], active: [0, 1], value: 6, grad: [[0, 0, 2], 3] },
    // c > 0: a = x0, i = 1: x0 x1 = 2; d/dx = (x1, x0, 0), d/dc = 0.
    { name: "branch", args: [[1, 2, 3], 2], active: [0, 1], value: 2, grad: [[2, 1, 0], 0] },
    { name: "arrow", args: [[1, 2, 3], 2, 0], active: [0, 1], value: 4, grad: [[4, 2, 0], 2] },
  ];

  for (const c of cases) {
    it(`${c.name}: value and gradient in f_dual, f_grad and f_vjp`, () => {
      const dual = m[`${c.name}_dual`] as unknown as Fn;
      const tangents = c.args.filter((_, i) => c.active.includes(i)).map((a) => (typeof a === "number" ? 0 : a.map(() => 0)));
      expect(dual(...c.args, ...tangents)[0]).toBe(c.value);
      expect(gradientByDual(m, c.name, c.args, c.active)).toEqual(flatten(c.grad));
      expect((m[`${c.name}_grad`] as unknown as Fn)(...c.args)).toEqual([c.value, ...c.grad]);
      expect((m[`${c.name}_vjp`] as unknown as Fn)(...c.args, 1)).toEqual([c.value, ...c.grad]);
      expect(tape.isEmpty()).toBe(true);
      dotProductTest(m, c.name, c.args, c.active, random(c.name.length));
    });
  }

  it("moves each increment into a statement of its own, once, in every mode", () => {
    const generated = [...text.matchAll(/export function \w+_(dual|vjp)\([\s\S]*?\n}\n/g)].map((f) => f[0]);
    expect(generated.length).toBe(2 * cases.length);
    for (const f of generated) expect(f).not.toMatch(/\[[^\]\n]*(\+\+|--)[^\]\n]*\]/);
    const dual = generated.find((f) => f.startsWith("export function g_dual("));
    expect(dual).toContain("const i_old = i;\n  i++;\n  const a = x[i_old] * c;\n  const da = dx[i_old] * c + x[i_old] * dc;");
  });
});

describe("++ and -- that cannot move are refused in every mode", () => {
  const refused: { name: string; body: string; line: number; col: number; says: string }[] = [
    { name: "on the right of &&", body: "let i = 0;\n  const a = c > 0 && x[i++] > 1 ? c : 0;\n  return a * x[i];", line: 4, col: 24, says: "inside an expression with an active value is not supported here" },
    { name: "beside another use of its variable", body: "let i = 0;\n  const a = x[i] * x[i++];\n  return a * x[i];", line: 4, col: 22, says: "beside an earlier use of its variable" },
    { name: "in a for-loop update", body: "let i = 0;\n  let s = 0;\n  for (let k = 0; k < 2; k++, s += x[i++] * c) s += c;\n  return s;", line: 5, col: 38, says: "in a for-loop update" },
    { name: "in a loop condition whose variable reverse mode needs", body: "let s = 0;\n  let k = 0;\n  while (k++ < 2) s += x[k - 1] * c;\n  return s;", line: 5, col: 10, says: "reverse mode needs the values of 'k'" },
  ];
  for (const r of refused) {
    it(`${r.name}: ADC2010 at ${r.line}:${r.col}`, () => {
      const compiled = compileSources({ "input.ts": `/** @differentiable */\nexport function f(x: number[], c: number): number {\n  ${r.body}\n}\n` });
      try {
        expect(compiled.diagnostics.length).toBeGreaterThan(0);
        const [first] = compiled.diagnostics;
        expect(first.code).toBe(ADC.assignmentInExpression);
        expect(first.pos).toEqual({ file: `${compiled.dir}/in/input.ts`, line: r.line, col: r.col });
        expect(first.message).toContain(r.says);
        expect(first.message).toContain("statement of its own");
      } finally {
        compiled.cleanup();
      }
    });
  }

  it("leaves an increment in a loop condition alone where nothing reads it back", async () => {
    const { m } = await compileWithText<Module>(
      `/** @differentiable */\nexport function f(x: number[], c: number): number {\n  let s = 0;\n  let k = 0;\n  while (k++ < x.length) s += x[0] * c;\n  return s;\n}\n`,
    );
    expect((m.f_grad as unknown as Fn)([1, 2], 3)).toEqual([6, [6, 0], 2]);
    expect(gradientByDual(m, "f", [[1, 2], 3], [0, 1])).toEqual([6, 0, 2]);
  });
});
