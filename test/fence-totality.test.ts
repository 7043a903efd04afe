/**
 * The fence is total (issue 13): code adc-ts cannot differentiate is an error wherever an active value
 * reaches it, in the tagged function or in any function it calls, never a derivative of 0; every error
 * of every function comes in one run; messages say what the user wrote; an internal error is ADC9001
 * at the function, never a stack trace.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { EXIT, runTransform } from "../cli/transform.js";
import { ADC, type Diagnostic } from "../transformer/diagnostics.js";
import { centralDiff, compileSources, compileWithText, relErr } from "./helpers/compile.js";
import { buildWithPlugin } from "./helpers/plugin.js";

// Injected faults, for ADC9001: forward mode crashes on a function named `boom`, the frontend on one
// named `bust` and on a file named crash.ts (everything else goes through unchanged).
vi.mock("../transformer/modes/forward.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../transformer/modes/forward.js")>();
  return {
    ...original,
    forwardMode: (...args: Parameters<typeof original.forwardMode>) => {
      if (args[0].name === "boom") throw new TypeError("injected fault in forward mode");
      return original.forwardMode(...args);
    },
  };
});
vi.mock("../transformer/frontend/frontend.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../transformer/frontend/frontend.js")>();
  return {
    ...original,
    convertFunction: (...args: Parameters<typeof original.convertFunction>) => {
      if (args[0].name === "bust") throw new Error("injected fault in the frontend");
      return original.convertFunction(...args);
    },
    // And on a whole file, outside any function: finding the functions of a file named crash.ts.
    collectFunctionSites: (...args: Parameters<typeof original.collectFunctionSites>) => {
      if (args[0].fileName.endsWith("/crash.ts")) throw new RangeError("injected fault while finding functions");
      return original.collectFunctionSites(...args);
    },
  };
});

/** The diagnostics of compiling `sources`, as [code, file, line, col, message]. */
function diagnosticsOf(sources: Record<string, string>): [string, string, number, number, string][] {
  const c = compileSources(sources);
  try {
    const inDir = join(c.dir, "in");
    return c.diagnostics.map((d: Diagnostic) => [d.code, d.pos === undefined ? "" : d.pos.file.slice(inDir.length + 1), d.pos?.line ?? 0, d.pos?.col ?? 0, d.message]);
  } finally {
    c.cleanup();
  }
}

const TOUCHES_X = "(it touches the active value 'x')";
const TOUCHES_X_TAGGED = "(it touches the active value 'x'; if 'x' needs no derivative, leave it out with @differentiable wrt=...)";

describe("a callee the fence rejects is an error, not a constant (items 1 and 3)", () => {
  // The derivative each would have: f = 2 g(x) where g = x², so f' = 4x = 8 at 2 (was 0, silently).
  it("try/catch in a called helper: ADC2004 at the try in the helper", () => {
    const g = "function g(x: number): number { try { return x * x; } catch (e) { return NaN; } }\n";
    expect(diagnosticsOf({ "a.ts": `${g}/** @differentiable */ export function f(x: number): number { return g(x) * 2; }\n` })).toEqual([
      [ADC.tryStatement, "a.ts", 1, 33, `try/catch/finally is not differentiated ${TOUCHES_X}, in the call chain f → g`],
    ]);
  });

  it("try/finally in a helper in another file, two calls deep: the error is in the helper's file", () => {
    const h = "export function h(x: number): number {\n  try {\n    return x * x;\n  } finally {\n    console.log(\"done\");\n  }\n}\n";
    const g = 'import { h } from "./h.js";\nexport function g(x: number): number {\n  return h(x) + 1;\n}\n';
    const f = 'import { g } from "./g.js";\n/** @differentiable */\nexport function f(x: number): number {\n  return g(x) * 2;\n}\n';
    expect(diagnosticsOf({ "f.ts": f, "g.ts": g, "h.ts": h })).toEqual([[ADC.tryStatement, "h.ts", 2, 3, `try/catch/finally is not differentiated ${TOUCHES_X}, in the call chain f → g → h`]]);
  });

  it("a recursive helper: reported once, on the chain without the cycle", () => {
    const g = "function g(x: number, n: number): number {\n  if (n <= 0) {\n    try {\n      return x;\n    } catch {\n      return 0;\n    }\n  }\n  return g(x * 2, n - 1);\n}\n";
    expect(diagnosticsOf({ "a.ts": `${g}/** @differentiable */ export function f(x: number): number { return g(x, 3); }\n` })).toEqual([
      [ADC.tryStatement, "a.ts", 3, 5, `try/catch/finally is not differentiated ${TOUCHES_X}, in the call chain f → g`],
    ]);
  });

  it("a helper whose result stays inactive still reports the code an active argument reaches", () => {
    // g's result is the constant 1 either way; the try reads x all the same.
    const g = "function g(x: number): number {\n  try {\n    console.log(x);\n  } catch {}\n  return 1;\n}\n";
    expect(diagnosticsOf({ "a.ts": `${g}/** @differentiable */ export function f(x: number): number { return g(x) * x; }\n` })).toEqual([
      [ADC.tryStatement, "a.ts", 2, 3, `try/catch/finally is not differentiated ${TOUCHES_X}, in the call chain f → g`],
    ]);
  });

  it("a helper with a try that no active value reaches is still differentiated: f = g(2) x, f'(3) = g(2) = 4", async () => {
    const g = "function g(c: number): number { try { return c * c; } catch { return 0; } }\n";
    const { m } = await compileWithText<{ f_dual: (x: number, dx: number) => [number, number]; f_grad: (x: number) => [number, number] }>(
      `${g}/** @differentiable */ export function f(x: number): number { return g(2) * x; }\n`,
    );
    expect(m.f_dual(3, 1)).toEqual([12, 4]);
    expect(m.f_grad(3)).toEqual([12, 4]);
  });

  const helpers: Record<string, { body: string; code: string; col: number; says: string }> = {
    push: { body: "const out: number[] = []; out.push(x * x); return out;", code: ADC.methodOnActive, col: 61, says: "the method .push() is not differentiated" },
    arrayFrom: { body: "return Array.from([x * x]);", code: ADC.opaqueCall, col: 42, says: "Array.from has no source adc-ts can see, so it cannot be differentiated" },
    // A closure used as a value (not only called, which is inlined): its declaration stays as written.
    closure: { body: "const h = (): number => x * x; const k = h; return [k()];", code: ADC.objectOrClosure, col: 45, says: "objects and closures holding active values are not differentiated" },
  };
  for (const [name, h] of Object.entries(helpers)) {
    it(`a number[] helper read by element, body with ${name}: ${h.code} at 1:${h.col} in the helper (f' would be 9 at 2; was 1)`, () => {
      const source = `function g(x: number): number[] { ${h.body} }\n/** @differentiable */ export function f(x: number): number { return 2 * g(x)[0] + x; }\n`;
      expect(diagnosticsOf({ "a.ts": source })).toEqual([[h.code, "a.ts", 1, h.col, `${h.says} ${TOUCHES_X}, in the call chain f → g`]]);
    });
  }

  it("the helper holding its value in an object (a record, one variable per field) is differentiated: f = 2x² + x, f'(2) = 9 in every mode", async () => {
    const { m } = await compileWithText<{ f_dual: (x: number, dx: number) => [number, number]; f_grad: (x: number) => [number, number] }>(
      "function g(x: number): number[] { const o = { v: x * x }; return [o.v]; }\n/** @differentiable */ export function f(x: number): number { return 2 * g(x)[0] + x; }\n",
      { strict: true },
    );
    expect(m.f_dual(2, 1)).toEqual([10, 9]);
    expect(m.f_grad(2)).toEqual([10, 9]);
  });

  it("the same helper written with an element assignment is differentiated: f = 2x² + x, f'(2) = 9 in every mode", async () => {
    const { m } = await compileWithText<{
      f_dual: (x: number, dx: number) => [number, number];
      f_grad: (x: number) => [number, number];
      f_jacobian: (x: number) => [number, number[][]];
    }>("function g(x: number): number[] { const out = [0]; out[0] = x * x; return out; }\n/** @differentiable */ export function f(x: number): number { return 2 * g(x)[0] + x; }\n");
    expect(m.f_dual(2, 1)).toEqual([10, 9]);
    expect(m.f_grad(2)).toEqual([10, 9]);
    expect(m.f_jacobian(2)).toEqual([10, [[9]]]);
  });

  it("adc-ts's own output as input: a generated _dual that destructures a call is differentiated again: h = 6x², h' = 12x (to 1e-12), strict-clean", async () => {
    const first = compileSources({ "a.ts": "function g(x: number): number { return x * x; }\n/** @differentiable */ export function f(x: number): number { return g(x) * 3; }\n" });
    const generated = first.outputs["a.ts"];
    first.cleanup();
    // The generated module as a user would import it, with a new tagged function calling its f_dual.
    const untagged = generated.slice(0, generated.indexOf("// Lets grad(f)")).replace("/** @differentiable */ export function f", "export function f");
    expect(untagged).toContain("const [g2, dg2] = g_dual(x, dx);");
    const source = `${untagged}\n/** @differentiable */\nexport function h(x: number): number {\n  return f_dual(x, 1)[1] * x;\n}\n`;
    type H = { h_dual: (x: number, dx: number) => [number, number]; h_grad: (x: number) => [number, number]; h_jacobian: (x: number) => [number, number[][]] };
    const { m } = await compileWithText<H>(source, { strict: true });
    // f_dual(x, 1)[1] = f'(x) = 6x, so h(x) = 6x² and h'(x) = 12x.
    for (const x of [0.7, -2]) {
      expect(relErr(m.h_dual(x, 1)[0], 6 * x * x)).toBeLessThan(1e-12);
      expect(relErr(m.h_dual(x, 1)[1], 12 * x)).toBeLessThan(1e-12);
      expect(relErr(m.h_grad(x)[1], 12 * x)).toBeLessThan(1e-12);
      expect(relErr(m.h_jacobian(x)[1][0][0], 12 * x)).toBeLessThan(1e-12);
    }
  });

  it("adc-ts's own output as input: the lecture's f_dual, differentiated again, gives ∂²f/∂x1² = -sin x1 (to 1e-12)", async () => {
    // The f_dual adc-ts wrote for the lecture's f(x1, x2) = x1 x2 + sin x1, as committed.
    const lecture = readFileSync(join(import.meta.dirname, "..", "examples", "gen", "lecture.ts"), "utf8");
    const start = lecture.indexOf("export function f_dual(");
    const fDual = lecture.slice(start, lecture.indexOf("\n}\n", start) + 3);
    const source = `${fDual}/** @differentiable */\nexport function h(x: number): number {\n  return f_dual(x, 3, 1, 0)[1];\n}\n`;
    const { m } = await compileWithText<{ h_dual: (x: number, dx: number) => [number, number]; h_grad: (x: number) => [number, number] }>(source, { strict: true });
    const x = 0.7;
    // h(x) = ∂f/∂x1 (x, 3) = 3 + cos x, so h'(x) = -sin x.
    expect(relErr(m.h_dual(x, 1)[0], 3 + Math.cos(x))).toBeLessThan(1e-12);
    expect(relErr(m.h_dual(x, 1)[1], -Math.sin(x))).toBeLessThan(1e-12);
    expect(relErr(m.h_grad(x)[1], -Math.sin(x))).toBeLessThan(1e-12);
    expect(relErr(m.h_grad(x)[1], centralDiff((t) => 3 + Math.cos(t), x))).toBeLessThan(1e-8);
  });
});

describe("other ways an active value reached code the fence let through", () => {
  it("an array passed with an active number to a function adc-ts cannot see (it may write it): ADC2001", () => {
    const source = "declare function fill(a: number[], v: number): void;\n/** @differentiable */\nexport function f(x: number): number {\n  const out = [0];\n  fill(out, x * x);\n  return out[0] + x;\n}\n";
    expect(diagnosticsOf({ "a.ts": source })).toEqual([[ADC.opaqueCall, "a.ts", 5, 3, `fill has no source adc-ts can see, so it cannot be differentiated ${TOUCHES_X_TAGGED}`]]);
  });

  it("&& and || that pick an array (a condition would read it as a constant): ADC2008", () => {
    const source = "/** @differentiable */\nexport function f(x: number[]): number {\n  const w = [1];\n  const a = (x[0] > 0 && x) || w;\n  return a[0] * 2;\n}\n";
    expect(diagnosticsOf({ "a.ts": source })).toEqual([
      [ADC.unsupportedExpression, "a.ts", 4, 13, `&& and || that pick a value other than true or false are not differentiated; write a ternary ${TOUCHES_X_TAGGED}`],
    ]);
  });

  it("&& and || of conditions, an optional flag among them, are still differentiated: f = 2x where flag || x > 0, else x", async () => {
    const { m } = await compileWithText<{ f_dual: (x: number, flag: boolean | undefined, dx: number) => [number, number] }>(
      "/** @differentiable */\nexport function f(x: number, flag?: boolean): number {\n  if (flag || (x > 0 && x < 10)) return x * 2;\n  return x;\n}\n",
    );
    expect(m.f_dual(3, undefined, 1)).toEqual([6, 2]);
    expect(m.f_dual(-1, true, 1)).toEqual([-2, 2]);
    expect(m.f_dual(-1, false, 1)).toEqual([-1, 1]);
  });

  const FUNCTION_VALUE = "h is a function value or nested function, which adc-ts does not differentiate through; call a top-level function by its name";
  it("a local `const h = g` shadowing a top-level h: ADC2003, not a call of the top-level h (was f' = 3, f = x² wanted 2x)", () => {
    const source = "function h(t: number): number { return 3 * t; }\nfunction g(t: number): number { return t * t; }\n/** @differentiable */\nexport function f(x: number): number {\n  const h = g;\n  return h(x);\n}\n";
    expect(diagnosticsOf({ "a.ts": source })).toEqual([[ADC.objectOrClosure, "a.ts", 6, 10, `${FUNCTION_VALUE} ${TOUCHES_X_TAGGED}`]]);
  });

  it("a nested function h shadowing a top-level h is the nested one, inlined: f = x², f'(3) = 6 (not the top-level 3x)", async () => {
    const source = "function h(t: number): number { return 3 * t; }\n/** @differentiable */\nexport function f(x: number): number {\n  function h(t: number): number { return t * t; }\n  return h(x);\n}\n";
    const { m } = await compileWithText<{ f_dual: (x: number, dx: number) => [number, number]; f_grad: (x: number) => [number, number] }>(source, { strict: true });
    expect(m.f_dual(3, 1)).toEqual([9, 6]);
    expect(m.f_grad(3)).toEqual([9, 6]);
  });

  it("an overloaded top-level function is still the one called: f = g(x) = x², f'(3) = 6", async () => {
    const { m } = await compileWithText<{ f_dual: (x: number, dx: number) => [number, number]; f_grad: (x: number) => [number, number] }>(
      "function g(x: number): number;\nfunction g(x: number): number {\n  return x * x;\n}\n/** @differentiable */\nexport function f(x: number): number {\n  return g(x);\n}\n",
    );
    expect(m.f_dual(3, 1)).toEqual([9, 6]);
    expect(m.f_grad(3)).toEqual([9, 6]);
  });

  it("`arguments` in a helper reads its parameters: ADC2008", () => {
    const source = "function g(x: number): number {\n  return arguments[0] * 2;\n}\n/** @differentiable */ export function f(x: number): number { return g(x) + x; }\n";
    expect(diagnosticsOf({ "a.ts": source })).toEqual([[ADC.unsupportedExpression, "a.ts", 2, 10, `\`arguments\` is not differentiated; read the parameters by name ${TOUCHES_X}, in the call chain f → g`]]);
  });
});

describe("reverse mode and a for-loop header declaring several variables", () => {
  it("an active one among them is ADC2009 (f_grad was 0, f_dual 3, for f = 3x)", () => {
    const source = "/** @differentiable */\nexport function f(x: number): number {\n  let s = 0;\n  for (let i = 0, j = x; i < 3; i++) s += j;\n  return s;\n}\n";
    expect(diagnosticsOf({ "a.ts": source })).toEqual([
      [ADC.activeLoopHeader, "a.ts", 4, 19, "reverse mode cannot differentiate 'j' declared beside another variable in this for-loop header; declare it before the loop"],
    ]);
  });

  it("inactive ones are still differentiated: f = 3x, f'(0.8) = 3 in every mode", async () => {
    const { m } = await compileWithText<{ f_dual: (x: number, dx: number) => [number, number]; f_grad: (x: number) => [number, number] }>(
      "/** @differentiable */\nexport function f(x: number): number {\n  let s = 0;\n  for (let i = 0, n = 3; i < n; i++) s += x;\n  return s;\n}\n",
    );
    expect(m.f_dual(0.8, 1)[1]).toBe(3);
    expect(m.f_grad(0.8)[1]).toBe(3);
  });
});

describe("a try in the tagged function itself (item 5)", () => {
  const source = "/** @differentiable */ export function f(x: number): number { try { return Math.sqrt(x); } catch { return x; } }\n";

  it("is ADC2004 at the try, not an internal error of reverse mode", () => {
    expect(diagnosticsOf({ "a.ts": source })).toEqual([[ADC.tryStatement, "a.ts", 1, 63, `try/catch/finally is not differentiated ${TOUCHES_X_TAGGED}`]]);
  });

  it("adc transform prints it and exits 1, no stack trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "adc-fence-"));
    try {
      mkdirSync(join(dir, "src"));
      writeFileSync(join(dir, "src", "a.ts"), source);
      const adc = join(import.meta.dirname, "..", "dist", "cli", "adc.js");
      const r = spawnSync(process.execPath, [adc, "transform", "src", "--out", "out"], { cwd: dir, encoding: "utf8" });
      expect(r.status).toBe(EXIT.diagnostics);
      expect(r.stderr).toBe(`src/a.ts:1:63 - error ${ADC.tryStatement}: try/catch/finally is not differentiated ${TOUCHES_X_TAGGED}\nadc transform: 1 error; nothing written\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("every error of every function in one run", () => {
  it("four kinds of errors in four functions of one file, and a syntax error in another file, all in one compile", () => {
    const a = [
      "/** @differentiable fast */", // 1: ADC1003 at the option
      "export function a(x: number): number { return x; }",
      "/** @differentiable */",
      "export function b(x: number): string { return String(x); }", // 4: ADC1005 at the function
      "/** @differentiable */",
      "export function c(x: number): number {",
      "  try { return x; } catch { return 0; }", // 7: ADC2004 at the try
      "}",
      "/** @differentiable */",
      "export function d(x: number): number {",
      "  let s: string | number = 0;",
      "  s = x * 2;", // 12: ADC2007 at the assignment
      "  return Math.clz32(x) + x;", // 13: ADC2015, the same function's second error
      "}",
      "/** @differentiable */",
      "export async function e(x: number): Promise<number> { return x; }", // 16: ADC2011
      "",
    ].join("\n");
    // Its own function is not checked (what a syntax error causes is noise), the other file's are.
    const broken = "/** @differentiable */\nexport function k(x: number): number { return x + ; }\n";
    expect(diagnosticsOf({ "a.ts": a, "broken.ts": broken })).toEqual([
      [ADC.unknownOption, "a.ts", 1, 21, "unknown option 'fast' after @differentiable (known: wrt=a,b and hessian)"],
      [ADC.badReturn, "a.ts", 4, 1, "b returns string; a differentiable function returns number, number[] or Float64Array"],
      [ADC.tryStatement, "a.ts", 7, 3, `try/catch/finally is not differentiated ${TOUCHES_X_TAGGED}`],
      [ADC.unsupportedStatement, "a.ts", 12, 3, "'s' receives an active value, but its type is not number, number[] or Float64Array; give it one of those types"],
      [ADC.unknownMathFunction, "a.ts", 13, 10, `Math.clz32 has no derivative rule ${TOUCHES_X_TAGGED}`],
      [ADC.asyncOrGenerator, "a.ts", 16, 1, "e is async or a generator; differentiable functions must be plain"],
      [ADC.syntax, "broken.ts", 2, 51, "Expression expected."],
    ]);
  });

  it("every bad parameter of a function, and an async one's too", () => {
    const source = "/** @differentiable */\nexport async function f({ x }: { x: number }, ...r: number[]): Promise<number> { return 1; }\n";
    expect(diagnosticsOf({ "a.ts": source })).toEqual([
      [ADC.asyncOrGenerator, "a.ts", 2, 1, "f is async or a generator; differentiable functions must be plain"],
      [ADC.badParameter, "a.ts", 2, 25, "destructured and rest parameters are not supported in differentiable code"],
      [ADC.badParameter, "a.ts", 2, 47, "destructured and rest parameters are not supported in differentiable code"],
    ]);
  });
});

describe("messages say what the user wrote, never a syntax kind", () => {
  const kindName = /[A-Z][a-z]+(Expression|Statement|Declaration|Keyword|Literal)\b/;
  const constructs: Record<string, string> = {
    typeof: "const t = typeof x; return t === 'number' ? x : 0;",
    void: "return (void x, x);",
    delete: "const o: { [k: string]: number } = {}; delete o[x]; return x;",
    template: "const s = `${x}`; return s.length + x;",
    taggedTemplate: "const tag = (a: TemplateStringsArray, v: number): number => v; return tag`${x}`;",
    spread: "return Math.max(...[x, 1]);",
    spreadArgument: "const v = [x]; return g(...v);",
    comma: "return (0, x);",
    // x ?? 0 on a number is x (test/js-idioms.test.ts); on an expression that may be undefined it stays an error.
    nullish: "return (x > 0 ? x : undefined) ?? 0;",
    instanceof: "return (x as unknown) instanceof Object ? x : 0;",
    in: "return 'a' in { a: x } ? x : 0;",
    optionalCall: "return x.toFixed?.().length;",
    throw: "if (x > 1) throw x; return x;",
    forIn: "const o: Record<string, number> = {}; for (const k in o) o[k] = x; return x;",
    regex: "return /a/.test(String(x)) ? x : 0;",
    newDate: "return new Date(x).getTime();",
    classExpression: "const C = class { v = x; }; return new C().v;",
    bitwise: "return ~x;",
    typeAssertion: "return <number>(x as unknown as number[])[0];",
    arguments: "return arguments.length * x;",
    label: "outer: for (let i = 0; i < 2; i++) { if (x > i) continue outer; } return x;",
    stringConcat: "return ('' + x).length;",
    nonNullCall: "return (x as number | undefined)!.valueOf();",
  };
  for (const [name, body] of Object.entries(constructs)) {
    it(`${name}: an error that names no syntax kind, and no crash`, () => {
      const source = `function g(v: number): number { return v; }\n/** @differentiable */\nexport function f(x: number): number {\n  ${body}\n}\n`;
      const ds = diagnosticsOf({ "a.ts": source });
      expect(ds.length).toBeGreaterThan(0);
      for (const [code, , , , message] of ds) {
        expect(message).not.toMatch(kindName);
        expect(code).not.toBe(ADC.internal);
      }
    });
  }

  it("an expression named in words: a `typeof` expression (ADC2008 at 3:13)", () => {
    const source = `/** @differentiable */\nexport function f(x: number): number {\n  const u = typeof x === "number" ? x : 0;\n  return u;\n}\n`;
    expect(diagnosticsOf({ "a.ts": source })).toEqual([[ADC.unsupportedExpression, "a.ts", 3, 13, `a \`typeof\` expression is not differentiated ${TOUCHES_X_TAGGED}`]]);
  });

  it("a statement named in words: a `throw` statement (ADC2007 at 3:14)", () => {
    const source = "/** @differentiable */\nexport function f(x: number): number {\n  if (x > 1) throw x;\n  return x;\n}\n";
    expect(diagnosticsOf({ "a.ts": source })).toEqual([[ADC.unsupportedStatement, "a.ts", 3, 14, `a \`throw\` statement is not differentiated ${TOUCHES_X_TAGGED}`]]);
  });

  it("an operator is named as written: ?? (ADC2008 at 3:10)", () => {
    const source = "/** @differentiable */\nexport function f(x: number): number {\n  return (x > 0 ? x : undefined) ?? 0;\n}\n";
    expect(diagnosticsOf({ "a.ts": source })).toEqual([[ADC.unsupportedExpression, "a.ts", 3, 10, `the operator ?? is not differentiated ${TOUCHES_X_TAGGED}`]]);
  });
});

describe("an internal error is ADC9001 at the function, never a crash (item 7)", () => {
  const source = [
    "/** @differentiable */",
    "export function boom(x: number): number {", // 2: forward mode throws on this function
    "  return x * x;",
    "}",
    "/** @differentiable */",
    "export function fine(x: number): number {",
    "  return Math.clz32(x);", // 7: still reported beside the internal error
    "}",
    "function bust(x: number): number {", // 9: the frontend throws on this one
    "  return x + 1;",
    "}",
    "/** @differentiable */",
    "export function caller(x: number): number {",
    "  return bust(x) * 2;",
    "}",
    "",
  ].join("\n");

  it("compileFiles: ADC9001 at each function at fault, the other functions' errors too", () => {
    expect(diagnosticsOf({ "a.ts": source })).toEqual([
      [ADC.internal, "a.ts", 2, 1, "internal error while differentiating boom (please report): injected fault in forward mode"],
      [ADC.unknownMathFunction, "a.ts", 7, 10, `Math.clz32 has no derivative rule ${TOUCHES_X_TAGGED}`],
      [ADC.internal, "a.ts", 9, 1, "internal error while differentiating bust (please report): injected fault in the frontend"],
    ]);
  });

  it("work on a whole file (finding its functions) that fails is ADC9001 at the file's start; the other file's errors too", () => {
    expect(diagnosticsOf({ "a.ts": source, "crash.ts": "/** @differentiable */\nexport function g(x: number): number {\n  return x;\n}\n" })).toEqual([
      [ADC.internal, "a.ts", 2, 1, "internal error while differentiating boom (please report): injected fault in forward mode"],
      [ADC.unknownMathFunction, "a.ts", 7, 10, `Math.clz32 has no derivative rule ${TOUCHES_X_TAGGED}`],
      [ADC.internal, "a.ts", 9, 1, "internal error while differentiating bust (please report): injected fault in the frontend"],
      [ADC.internal, "crash.ts", 1, 1, "internal error while compiling crash.ts (please report): injected fault while finding functions"],
    ]);
  });

  it("adc transform: the errors with their positions, exit 1, no stack trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "adc-fence-"));
    try {
      mkdirSync(join(dir, "src"));
      writeFileSync(join(dir, "src", "a.ts"), source);
      const stderr: string[] = [];
      const code = runTransform(["src"], { out: "out", cwd: dir }, { stdout: () => {}, stderr: (l) => stderr.push(l) });
      expect(code).toBe(EXIT.diagnostics);
      expect(stderr).toEqual([
        `src/a.ts:2:1 - error ${ADC.internal}: internal error while differentiating boom (please report): injected fault in forward mode`,
        `src/a.ts:7:10 - error ${ADC.unknownMathFunction}: Math.clz32 has no derivative rule ${TOUCHES_X_TAGGED}`,
        `src/a.ts:9:1 - error ${ADC.internal}: internal error while differentiating bust (please report): injected fault in the frontend`,
        "adc transform: 3 errors; nothing written",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the ts-patch plugin: tsc diagnostics at the functions (TS99001)", () => {
    const build = buildWithPlugin({ "a.ts": source });
    try {
      expect(build.diagnostics).toEqual([
        "src/a.ts(2,1): error TS99001: ADC9001: internal error while differentiating boom (please report): injected fault in forward mode",
        `src/a.ts(7,10): error TS92015: ADC2015: Math.clz32 has no derivative rule ${TOUCHES_X_TAGGED}`,
        "src/a.ts(9,1): error TS99001: ADC9001: internal error while differentiating bust (please report): injected fault in the frontend",
      ]);
    } finally {
      rmSync(build.dir, { recursive: true, force: true });
    }
  });
});

describe("a second read of the merged change: constructs that were silently wrong or crashed", () => {
  it("an array pattern over a Set (inactive data) is ADC2007, not value[0] = undefined", () => {
    const source = "/** @differentiable */\nexport function g(x: number[], n: number): number {\n  const s = new Set([1, 2]);\n  const [a] = s;\n  return x[0] * n * a;\n}\n";
    expect(diagnosticsOf({ "a.ts": source })).toEqual([
      [ADC.unsupportedStatement, "a.ts", 4, 9, "an array pattern over a value that is not an array (Set<number>) in a destructuring declaration is not supported in differentiable code; write one declaration per name"],
    ]);
  });

  it("an assignment holding a call that may write an array read earlier through another name stays in place (ADC2010), not moved before the read", () => {
    const source = "function fill(a: number[], v: number): number {\n  a[0] = v * v;\n  return v;\n}\n/** @differentiable */\nexport function f(x: number): number {\n  const a = [x, 2];\n  const b = a;\n  let s = 0;\n  const y = b[0] + (s = fill(a, x));\n  return y + s;\n}\n";
    expect(diagnosticsOf({ "a.ts": source }).map(([code, file, line, col]) => [code, file, line, col])).toEqual([[ADC.assignmentInExpression, "a.ts", 10, 21]]);
  });

  it("an assignment moved out of the second declarator of a declaration runs after the first: f = 4x² + 2x + 1, f' = 8x + 2 in every mode", async () => {
    type M = { f_dual: (x: number, dx: number) => [number, number]; f_grad: (x: number) => [number, number]; f_hessian: (x: number) => [number, number, number[][]] };
    const { m } = await compileWithText<M>("/** @differentiable hessian */\nexport function f(x: number): number {\n  let t = 0;\n  const a = x * 2, b = (t = a * x) + 1;\n  return a + b + t;\n}\n", { strict: true });
    for (const x of [0.5, -1.25]) {
      expect(relErr(m.f_dual(x, 1)[0], 4 * x * x + 2 * x + 1)).toBeLessThan(1e-12);
      expect(relErr(m.f_dual(x, 1)[1], 8 * x + 2)).toBeLessThan(1e-12);
      expect(relErr(m.f_grad(x)[1], 8 * x + 2)).toBeLessThan(1e-12);
      expect(m.f_hessian(x)[2]).toEqual([[8]]);
    }
  });

  it("an empty array default (v: number[] = []) gives its tangent the default [] (strict-clean), f' = 2x + Σv", async () => {
    type M = { f_dual: (x: number, v?: number[], dx?: number, dv?: number[]) => [number, number]; f_grad: (x: number, v?: number[]) => [number, number, number[]] };
    const { m, text } = await compileWithText<M>("/** @differentiable */\nexport function f(x: number, v: number[] = []): number {\n  let s = x * x;\n  for (let i = 0; i < v.length; i++) s += v[i] * x;\n  return s;\n}\n", { strict: true });
    expect(text).toContain("dv: number[] = []");
    expect(m.f_dual(1.5, undefined, 1)).toEqual([2.25, 3]);
    expect(m.f_grad(1.5, [2, -1])).toEqual([2.25 + 1.5, 4, [1.5, 1.5]]);
  });

  it("a recursive parameter type (type ND = number | ND[]) beside an active number: compiles, f' = 2x", async () => {
    const { m } = await compileWithText<{ f_grad: (x: number, t: unknown) => [number, number] }>("type ND = number | ND[];\n/** @differentiable */\nexport function f(x: number, t: ND): number {\n  return x * x;\n}\n");
    expect(m.f_grad(1.5, [1, [2]])).toEqual([2.25, 3]);
  });
});
