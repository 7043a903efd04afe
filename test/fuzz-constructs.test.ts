/**
 * The differential fuzzer's issue-13 constructs (test/generators/full-programs.ts): each written by hand
 * as a program of the generator's AST, its two readings checked (the printed TypeScript, and the
 * interpreter's numbers against a hand-derived derivative), then compiled and compared by the fuzzer's
 * own harness at fixed points; the programs that must not compile checked for the exact ADC2004.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  evalFull,
  evalFullDual,
  exportedNames,
  expectedTryDiagnostics,
  forbiddenProgramArb,
  fullProgramArb,
  hyperDuals,
  printFullProgramFiles,
  type Dual,
  type D,
  type FExpr,
  type ForbiddenProgram,
  type FProgram,
  type FStmt,
} from "./generators/full-programs.js";
import { checkForbiddenBatch, pointsFor, runBatch, type Point } from "./helpers/fuzz.js";

const v = (name: string): FExpr => ({ k: "var", name });
const num = (value: number): FExpr => ({ k: "num", v: value });
const bin = (op: "+" | "-" | "*", a: FExpr, b: FExpr): FExpr => ({ k: "bin", op, a, b });

/** A program of the generator's AST with trivial helpers; `over` sets what a test is about. */
const program = (over: Partial<FProgram>): FProgram => ({
  h: { body: [], result: bin("*", v("a"), v("b")), annotated: false },
  g: { op: "+=", step: v("e") },
  m: { first: bin("+", bin("*", v("a"), v("j")), v("b")), body: [] },
  k: { op: "=", step: v("c"), body: [], result: v("c") },
  d: { body: [], result: v("r") },
  body: [],
  result: v("x"),
  hessian: false,
  modules: { h: "local", f: "named" },
  ...over,
});

/** f's value and its derivatives in x and y by the interpreter over dual numbers (v = [0.25, -0.5, 1]). */
function duals(p: FProgram, x: number, y: number): { value: number; dx: number; dy: number } {
  const vs = [0.25, -0.5, 1].map((e): D => ({ v: e, d: 0 }));
  const at = (dx: number, dy: number): D => evalFullDual(p, { v: x, d: dx }, { v: y, d: dy }, vs);
  return { value: at(1, 0).v, dx: at(1, 0).d, dy: at(0, 1).d };
}

/** ∂²f/∂x² by the interpreter over hyper-dual numbers. */
function secondInX(p: FProgram, x: number, y: number): number {
  const seed = (value: number, on: boolean): Dual<D> => ({ v: { v: value, d: on ? 1 : 0 }, d: { v: on ? 1 : 0, d: 0 } });
  return evalFull(hyperDuals, p, seed(x, true), seed(y, false), [0.25, -0.5, 1].map((e) => seed(e, false))).d.d;
}

/** Points for the harness: x = 0 (where `x ** n` is singular for n < 2) and a generic one. */
const points: Point[] = [
  { x: 0, y: 0.7, v: [0.25, -0.5, 1], direction: [0.3, -0.6, 0.2, 0.5, -0.1], ybar: 1.5 },
  { x: -1.3, y: 0.45, v: [0.25, -0.5, 1], direction: [-0.4, 0.1, 0.9, -0.2, 0.6], ybar: -0.75 },
];

/** Every program compiles, type-checks under --strict, and agrees with the interpreter at every point. */
async function expectHarnessAgrees(ps: FProgram[]): Promise<void> {
  const result = await runBatch(ps, points);
  expect(result.batchFailure).toBeNull();
  expect(result.failures).toEqual([]);
  expect(result.checked).toBe(ps.length * points.length);
}

describe("issue 13's constructs in the differential fuzzer", () => {
  it("an array-returning helper read by element inside an expression: 2 * mkn(x, y, 3)[1] + x, and mkf", async () => {
    const element = (kind: "f64" | "num"): FExpr => ({ k: "callMElem", kind, a: v("x"), b: v("y"), n: 3, i: 1 });
    const p = program({ result: bin("+", bin("*", num(2), element("num")), v("x")) });
    const text = printFullProgramFiles(p)["main.ts"];
    expect(text).toContain("function mkn(a: number, b: number, m: number): number[] {");
    expect(text).toContain("  return ((2 * mkn(x, y, 3)[1]) + x);");
    // mkn(a, b, 3)[1] = a·1 + b: f = 2(x + y) + x, ∂f/∂x = 3, ∂f/∂y = 2.
    expect(duals(p, 0.7, -1.3)).toEqual({ value: 2 * (0.7 - 1.3) + 0.7, dx: 3, dy: 2 });
    const q = program({ result: bin("*", element("f64"), v("x")), hessian: true });
    expect(printFullProgramFiles(q)["main.ts"]).toContain("function mkf(a: number, b: number, m: number): Float64Array {");
    // f = (x + y) x: ∂²f/∂x² = 2.
    expect(secondInX(q, 0.7, -1.3)).toBe(2);
    await expectHarnessAgrees([p, q]);
  });

  it("a helper destructuring an inactive object and array parameter beside an active number: dh({ a: 1.5, b: 0.3 }, [0.5, 2], x)", async () => {
    const step: FStmt = { k: "assign", name: "r", op: "+=", e: bin("*", bin("*", v("b"), v("c0")), bin("*", v("c1"), v("x"))) };
    const p = program({ d: { body: [step], result: v("r") }, result: { k: "callD", a: 1.5, b: 0.3, c0: num(0.5), c1: num(2), e: bin("*", v("x"), v("y")) } });
    const text = printFullProgramFiles(p)["main.ts"];
    expect(text).toContain("function dh(p: { a: number; b: number }, q: number[], x: number): number {\n  const { a, b } = p;\n  const [c0, c1] = q;\n  let r = a * x;\n");
    expect(text).toContain("  return dh({ a: 1.5, b: 0.3 }, [0.5, 2], (x * y));");
    // dh(p, q, e) = a e + b c0 c1 e = (1.5 + 0.3) e with e = x y: ∂f/∂x = 1.8 y, ∂f/∂y = 1.8 x.
    const { value, dx, dy } = duals(p, 0.7, -1.3);
    expect(value).toBeCloseTo(1.8 * 0.7 * -1.3, 14);
    expect(dx).toBeCloseTo(1.8 * -1.3, 14);
    expect(dy).toBeCloseTo(1.8 * 0.7, 14);
    await expectHarnessAgrees([p]);
  });

  it("x ** i, Math.pow(x, i) and pw(x, i) with i a loop counter, at x = 0", async () => {
    const loop = (e: FExpr): FStmt[] => [{ k: "for", counter: "i1", bound: { k: "const", n: 3 }, body: [{ k: "assign", name: "s", op: "+=", e }] }];
    const start: FStmt = { k: "assign", name: "s", op: "=", e: num(0) };
    const programs = (["**", "pow"] as const).map((fn) => program({ body: [start, ...loop({ k: "powN", fn, a: v("x"), n: "i1" })], result: v("s") }));
    programs.push(program({ body: [start, ...loop({ k: "callPw", a: v("x"), n: v("i1") })], result: v("s") }));
    expect(printFullProgramFiles(programs[0])["main.ts"]).toContain("    s += (x ** i1);");
    expect(printFullProgramFiles(programs[1])["main.ts"]).toContain("    s += Math.pow(x, i1);");
    expect(printFullProgramFiles(programs[2])["main.ts"]).toContain("function pw(a: number, n: number): number {\n  return a ** n + 0.5 * Math.pow(a, n);\n}");
    // s = 1 + x + x² (times 1.5 for pw): at x = 0, f = 1, ∂f/∂x = 1 and ∂²f/∂x² = 2, all finite.
    for (const [p, scale] of [[programs[0], 1], [programs[1], 1], [programs[2], 1.5]] as const) {
      expect(duals(p, 0, 0.7)).toEqual({ value: scale, dx: scale, dy: 0 });
      expect(secondInX({ ...p, hessian: true }, 0, 0.7)).toBe(2 * scale);
    }
    await expectHarnessAgrees([...programs, ...programs.map((p) => ({ ...p, hessian: true }))]);
  });

  it("h in a module of its own under each import form, f under each export form, the derivatives found under f's exported name", async () => {
    const call: FExpr = { k: "callH", a: v("x"), b: v("y"), c: v("x") };
    const p = (h: FProgram["modules"]["h"], f: FProgram["modules"]["f"]): FProgram => program({ result: bin("+", call, v("y")), modules: { h, f } });
    const files = printFullProgramFiles(p("alias", "default"));
    expect(Object.keys(files)).toEqual(["main.ts", "h.ts"]);
    expect(files["main.ts"]).toMatch(/^import \{ h as hh \} from "\.\/h\.js";\n/);
    expect(files["main.ts"]).toContain("export default function f(x: number, y: number, v: number[]): number {");
    expect(files["main.ts"]).toContain("  return (hh(x, y, x) + y);");
    expect(files["main.ts"]).not.toContain("function h(");
    expect(files["h.ts"]).toBe("export function h(a: number, b: number, c: number): number {\n  let r = 0.5 * a;\n  return (a * b);\n}\n");
    expect(printFullProgramFiles(p("namespace", "named"))["main.ts"]).toContain("  return (m.h(x, y, x) + y);");
    expect(printFullProgramFiles(p("default", "list"))["h.ts"]).toContain("export default function h(");
    expect(printFullProgramFiles(p("renamed", "alias"))["h.ts"]).toMatch(/^function h\([^]*\nexport \{ h as g2 \};\n$/);
    expect(printFullProgramFiles(p("renamed", "alias"))["main.ts"]).toMatch(/  return \(g2\(x, y, x\) \+ y\);\n\}\n\nexport \{ f as g \};\n$/);
    expect(exportedNames(p("local", "default"))).toEqual({ f: "default", derivatives: "f" });
    expect(exportedNames(p("local", "alias"))).toEqual({ f: "g", derivatives: "g" });
    // f = x y + y: ∂f/∂x = y, ∂f/∂y = x + 1.
    expect(duals(p("named", "named"), 0.7, -1.3)).toEqual({ value: 0.7 * -1.3 - 1.3, dx: -1.3, dy: 1.7 });
    await expectHarnessAgrees([p("named", "named"), p("alias", "default"), p("namespace", "named"), p("default", "list"), p("renamed", "alias"), p("local", "alias")]);
    // h's own module in a program that asks for f_hessian (its tangent sweeps exported and imported).
    await expectHarnessAgrees([{ ...p("named", "named"), hessian: true }, { ...p("default", "alias"), hessian: true }]);
  });

  it("a try in h: the program must not compile, and ADC2004 at the try (3:3) is exactly what adc-ts reports", () => {
    const tryStmt: FStmt = { k: "try", body: [{ k: "return", c: null, e: bin("+", v("r"), bin("*", v("a"), v("b"))) }], handler: [{ k: "assign", name: "r", op: "=", e: num(0) }], final: null };
    const fp: ForbiddenProgram = { program: program({ h: { body: [tryStmt], result: v("c"), annotated: false }, result: { k: "callH", a: v("x"), b: v("y"), c: v("s") } }), host: "h" };
    expect(printFullProgramFiles(fp.program)["main.ts"]).toMatch(/^export function h\(a: number, b: number, c: number\): number \{\n  let r = 0\.5 \* a;\n  try \{\n    return \(r \+ \(a \* b\)\);\n  \} catch \{\n    r = 0;\n  \}\n/);
    const [expected, ...more] = expectedTryDiagnostics(fp);
    expect(more).toEqual([]);
    expect(expected).toMatchObject({ file: "main.ts", line: 3, col: 3, code: "ADC2004" });
    expect(expected.messages).toContain("try/catch/finally is not differentiated (it touches the active values 'r', 'a', 'b'), in the call chain f → h");
    expect(checkForbiddenBatch([fp])).toEqual([]);
    // The interpreter's reading: the try returns r + a b = x/2 + x y (at x = 0.7, y = -1.3).
    expect(duals(fp.program, 0.7, -1.3)).toEqual({ value: 0.35 + 0.7 * -1.3, dx: 0.5 - 1.3, dy: 0.7 });
  });

  it("a try in the loop of mkn read by element (2 * mkn(x, y, 3)[1]) is ADC2004 too (was: no diagnostic, a derivative of 0)", () => {
    const tryStmt: FStmt = { k: "try", body: [{ k: "store", arr: "out", index: { k: "counter", name: "j", shift: 0 }, op: "+=", e: bin("*", v("a"), v("b")) }], handler: null, final: [{ k: "assign", name: "r", op: "=", e: num(0) }] };
    // The only active write to out is inside the try: adc-ts judged mkn's result inactive and said nothing.
    const fp: ForbiddenProgram = { program: program({ m: { first: num(-1), body: [tryStmt] }, result: bin("*", num(2), { k: "callMElem", kind: "num", a: v("x"), b: v("y"), n: 3, i: 1 }) }), host: "mk" };
    const [expected, ...more] = expectedTryDiagnostics(fp);
    expect(more).toEqual([]);
    // h (lines 1-5) and g (6-11) come first; mkn's header, `let r`, the loop and `out[j] = (-1);` take 12-16.
    expect(expected).toMatchObject({ file: "main.ts", line: 17, col: 5, code: "ADC2004" });
    expect(expected.messages).toContain("try/catch/finally is not differentiated (it touches the active values 'out', 'a', 'b', 'r'), in the call chain f → mkn");
    expect(checkForbiddenBatch([fp])).toEqual([]);
  });

  it("the generator draws every construct that is not behind an open switch, and the points have x = 0", () => {
    const sample = fc.sample(fullProgramArb, { seed: 13, numRuns: 300 });
    const kinds = new Map<string, number>();
    for (const p of sample)
      JSON.stringify([p.body, p.result, p.h, p.m, p.k], (_key, value: unknown) => {
        const k = (value as { k?: unknown } | null)?.k;
        if (typeof k === "string") kinds.set(k, (kinds.get(k) ?? 0) + 1);
        return value;
      });
    for (const k of ["callMElem", "callD", "powN", "callPw"]) expect(kinds.get(k) ?? 0).toBeGreaterThan(20);
    // powN and callPw in Hessian programs too.
    expect(sample.some((p) => p.hessian && /"k":"(powN|callPw)"/.test(JSON.stringify(p.body)))).toBe(true);
    const forms = new Set(sample.map((p) => `${p.modules.h}/${p.modules.f}`));
    for (const h of ["local", "named", "alias", "namespace", "default", "renamed"]) expect([...forms].some((f) => f.startsWith(`${h}/`))).toBe(true);
    for (const f of ["named", "default", "list", "alias"]) expect([...forms].some((form) => form.endsWith(`/${f}`))).toBe(true);
    expect(pointsFor(72026, 40).filter((p) => p.x === 0).length).toBeGreaterThan(4);
    const forbidden = fc.sample(forbiddenProgramArb, { seed: 13, numRuns: 50 });
    expect(forbidden.every((fp) => expectedTryDiagnostics(fp).length >= 1)).toBe(true);
  });
});
