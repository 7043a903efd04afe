/**
 * Every compiler diagnostic code, each with its exact position: never a silent zero, never a crash.
 * (ADC3xxx, the command-line codes, are tested in cli.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { ADC } from "../transformer/diagnostics.js";
import { compileSources } from "./helpers/compile.js";

interface Case {
  readonly source: string;
  readonly code: string;
  readonly line: number;
  readonly col: number;
  /** A fragment of the message, so the reason is checked too. */
  readonly says: string;
}

const cases: Record<string, Case> = {
  syntax: { source: "/** @differentiable */\nexport function f(x: number { return x; }\n", code: ADC.syntax, line: 2, col: 29, says: "',' expected." },
  tagNotOnFunction: { source: "/** @differentiable */\nexport const k = 3;\n", code: ADC.tagNotOnFunction, line: 2, col: 1, says: "@differentiable must stand before a top-" },
  anonymousDefault: { source: "/** @differentiable */\nexport default function (x: number): number { return x; }\n", code: ADC.anonymousDefault, line: 2, col: 1, says: "@differentiable on a default export with" },
  derivativeExportTaken: { source: "/** @differentiable */\nfunction f(x: number): number { return x; }\nexport { f as g };\nexport const g_dual = 0;\n", code: ADC.derivativeExportTaken, line: 3, col: 10, says: "would also export a derivative as g_dual" },
  tagInside: { source: "export function f(x: number): number {\n  /** @differentiable */\n  const g = 2;\n  return x * g;\n}\n", code: ADC.tagNotOnFunction, line: 2, col: 3, says: "@differentiable must stand directly befo" },
  unknownOption: { source: "/** @differentiable fast */\nexport function f(x: number): number { return x; }\n", code: ADC.unknownOption, line: 1, col: 21, says: "unknown option 'fast' after @differentia" },
  badWrt: { source: "/** @differentiable wrt=y */\nexport function f(x: number): number { return x; }\n", code: ADC.badWrt, line: 1, col: 21, says: "wrt names 'y', which is not a parameter" },
  badWrtType: { source: "/** @differentiable wrt=s */\nexport function f(x: number, s: string): number { return x; }\n", code: ADC.badWrt, line: 1, col: 21, says: "wrt names 's', whose type string is not " },
  badReturn: { source: "/** @differentiable */\nexport function f(x: number): string { return String(x); }\n", code: ADC.badReturn, line: 2, col: 1, says: "f returns string; a differentiable funct" },
  badParameter: { source: "/** @differentiable */\nexport function f({ x }: { x: number }): number { return x; }\n", code: ADC.badParameter, line: 2, col: 19, says: "destructured and rest parameters are not" },
  // A default reading another parameter would lose that dependence where a call leaves the argument out.
  defaultReadsParameter: { source: "/** @differentiable */\nexport function f(x: number, y: number = x * 2): number { return x * y; }\n", code: ADC.badParameter, line: 2, col: 42, says: "the default value of 'y' reads the parame" },
  noActiveParameter: { source: "/** @differentiable */\nexport function f(p: { name: string; n: number[][] }): number { return p.n[0][0] * 2; }\n", code: ADC.noActiveParameter, line: 2, col: 1, says: "f has no parameter to differentiate with respect to ('p' is { name: string; n: number[][] })" },
  numbersLeftOut: { source: "/** @differentiable */\nexport function f(w: Float32Array | number[], x: number): number { return w[0] * x; }\n", code: ADC.numbersLeftOut, line: 2, col: 19, says: "'w' holds numbers, but its type Float32Array | number[] is not number" },
  badHessian: { source: "/** @differentiable hessian */\nexport function f(x: number): number[] { return [x, x]; }\n", code: ADC.badHessian, line: 2, col: 1, says: "hessian needs f to return a number" },
  badCheckpoint: { source: "/** @differentiable */\nexport function f(x: number): number {\n  let y = x;\n  // @checkpoint snapshots=many\n  for (let i = 0; i < 3; i++) y = y * x;\n  return y;\n}\n", code: ADC.badCheckpoint, line: 4, col: 18, says: "snapshots=many: the number of snapshots must be a whole" },
  checkpointTripCount: { source: "/** @differentiable */\nexport function f(x: number): number {\n  let y = x;\n  // @checkpoint\n  for (let i = 0; i < 3; i++) {\n    if (y > 2) break;\n    y = y * x;\n  }\n  return y;\n}\n", code: ADC.checkpointTripCount, line: 6, col: 16, says: "a break leaves the loop under @checkpoint early" },
  checkpointState: { source: "/** @differentiable */\nexport function f(x: number): number {\n  let y = x;\n  let s = \"\";\n  // @checkpoint\n  for (let i = 0; i < 3; i++) {\n    y = y * x;\n    s = s + \"a\";\n  }\n  return y + s.length;\n}\n", code: ADC.checkpointState, line: 5, col: 6, says: "the loop under @checkpoint writes 's', which its snapshots cannot hold" },
  opaqueCall: { source: "declare function lib(v: number): number;\n/** @differentiable */\nexport function f(x: number): number {\n  return lib(x) * 2;\n}\n", code: ADC.opaqueCall, line: 4, col: 10, says: "lib has no source adc-ts can see, so it " },
  methodOnActive: { source: "/** @differentiable */\nexport function f(x: number[]): number {\n  return x.indexOf(2) + x[0];\n}\n", code: ADC.methodOnActive, line: 3, col: 10, says: "the method .indexOf() is not different" },
  // A closure used as a value, not only called (a call alone is inlined).
  objectOrClosure: { source: "/** @differentiable */\nexport function f(x: number): number {\n  const g = (t: number) => t * x;\n  const h = g;\n  return h(2);\n}\n", code: ADC.objectOrClosure, line: 3, col: 13, says: "objects and closures holding active valu" },
  callbackNotDesugared: { source: "/** @differentiable */\nexport function f(x: number[], cb: (v: number) => number): number {\n  return x.map(cb)[0];\n}\n", code: ADC.callbackNotDesugared, line: 3, col: 10, says: "the callback cb of .map() has no source " },
  functionArgumentNotSpecialized: { source: "function apply(f: (t: number) => number, x: number): number {\n  const g = f;\n  return g(x);\n}\n/** @differentiable */\nexport function f(a: number): number {\n  return apply((t) => t * a, a);\n}\n", code: ADC.functionArgumentNotSpecialized, line: 7, col: 10, says: "apply(...) cannot be specialised on the f" },
  functionValueNotInlined: { source: "/** @differentiable */\nexport function f(x: number): number {\n  const g = (t: number) => {\n    const u = t * x;\n    return u * u;\n  };\n  return x > 0 ? g(x) : 0;\n}\n", code: ADC.functionValueNotInlined, line: 7, col: 18, says: "g(...) cannot be inlined here (its body " },
  tryStatement: { source: "/** @differentiable */\nexport function f(x: number): number {\n  let y = 0;\n  try {\n    y = x * x;\n  } catch {}\n  return y;\n}\n", code: ADC.tryStatement, line: 4, col: 3, says: "try/catch/finally is not differentiated " },
  dynamicCode: { source: "/** @differentiable */\nexport function f(x: number): number {\n  return eval(\"x\") * x;\n}\n", code: ADC.dynamicCode, line: 3, col: 10, says: "eval is not supported (it touches the ac" },
  propertyOnActive: { source: "/** @differentiable */\nexport function f(x: Float64Array): number {\n  return x.byteLength * x[0];\n}\n", code: ADC.propertyOnActive, line: 3, col: 10, says: "reading .byteLength of an active value i" },
  recordUse: { source: "/** @differentiable */\nexport function f(x: number): number {\n  const q = { a: x, b: 2 };\n  const all = [q];\n  return q.a * all.length;\n}\n", code: ADC.recordUse, line: 3, col: 13, says: "the record 'q' is kept as data, so it cannot hold a derivative: 'q' is used as a whole in `[q]`" },
  recordParameterWrite: { source: "/** @differentiable */\nexport function f(p: { x: number }): number {\n  p.x = p.x * 2;\n  return p.x;\n}\n", code: ADC.recordParameterWrite, line: 3, col: 3, says: "this writes the record parameter 'p', which is the caller's object" },
  recordInMode: { source: "type V = { x: number; y: number };\nfunction sq(p: V): number { return p.x * p.y; }\n/** @differentiable */\nexport function f(p: V, q: V): number {\n  return sq(p.x > 0 ? p : q);\n}\n", code: ADC.recordInMode, line: 5, col: 3, says: "reverse mode does not take a record as a whole here yet" },
  unsupportedStatement: { source: "/** @differentiable */\nexport function f(x: number): number {\n  let s: string | number = 0;\n  s = x * 2;\n  return 1;\n}\n", code: ADC.unsupportedStatement, line: 4, col: 3, says: "'s' receives an active value, but its ty" },
  unsupportedExpression: { source: "/** @differentiable */\nexport function f(x: number): number {\n  return (x | 0) + x;\n}\n", code: ADC.unsupportedExpression, line: 3, col: 11, says: "the operator" },
  activeLoopHeader: { source: "function step(t: number): number { return t * 2; }\n/** @differentiable */\nexport function f(x: number): number {\n  let s = 0;\n  for (let t = x; t < 10; t = step(t)) s += t;\n  return s;\n}\n", code: ADC.activeLoopHeader, line: 5, col: 3, says: "this for-loop header needs temporaries f" },
  // (s = x * 2) + 1 moves to a statement of its own (test/js-idioms.test.ts); after a read of s it cannot (the read would see the new value).
  assignmentInExpression: { source: "/** @differentiable */\nexport function f(x: number): number {\n  let s = 1;\n  const y = s * (s = x * 2);\n  return y + s;\n}\n", code: ADC.assignmentInExpression, line: 4, col: 18, says: "an assignment inside an expression is no" },
  // x[i++] is moved to a statement of its own (a branch of ?: to an if/else); on the right of &&, which may not run, it cannot be (f_dual used to repeat it in the tangent).
  incrementInBranch: { source: "/** @differentiable */\nexport function f(x: number[], c: number): number {\n  let i = 0;\n  const a = c > 0 && x[i++] > 1 ? c : 0;\n  return a * x[i];\n}\n", code: ADC.assignmentInExpression, line: 4, col: 24, says: "move it to a statement of its own" },
  asyncOrGenerator: { source: "/** @differentiable */\nexport async function f(x: number): Promise<number> {\n  return x;\n}\n", code: ADC.asyncOrGenerator, line: 2, col: 1, says: "f is async or a generator; differentiabl" },
  labelledStatement: { source: "/** @differentiable */\nexport function f(x: number): number {\n  let s = 0;\n  outer: for (let i = 0; i < 3; i++) {\n    s += x;\n    if (i > 1) break outer;\n  }\n  return s;\n}\n", code: ADC.labelledStatement, line: 4, col: 3, says: "labelled statements are not supported (i" },
  // A module-level array (stdlib's dasum writes one): not a local array or a row of one.
  nestedActiveArray: { source: "const buf = new Float64Array(2);\n/** @differentiable */\nexport function f(x: number): number {\n  buf[0] = x;\n  return buf[0];\n}\n", code: ADC.nestedActiveArray, line: 4, col: 3, says: "only variables and elements of array var" },
  // A choice between arrays of arrays, one branch constant: forward mode would need a zero of its shape inside the ?:.
  nestedArrayForm: { source: "/** @differentiable */\nexport function f(m: number[][], c: number): number {\n  const r = c > 0 ? m : [[1, 2], [3, 4]];\n  return r[0][1] * c;\n}\n", code: ADC.nestedArrayForm, line: 3, col: 9, says: "forward mode cannot choose between array" },
  // A row held while its index changes: reverse mode cannot say which row's adjoint it is.
  rowAlias: { source: "/** @differentiable */\nexport function f(m: number[][]): number {\n  let i = 0;\n  const row = m[i];\n  i = 1;\n  return row[0] * m[i][0];\n}\n", code: ADC.rowAlias, line: 4, col: 9, says: "reverse mode cannot follow 'row', a row o" },
  activeArgumentNotVariable: { source: "function h(v: unknown): number { return 1; }\n/** @differentiable */\nexport function f(x: number): number {\n  return h(x) + x;\n}\n", code: ADC.activeArgumentNotVariable, line: 4, col: 10, says: "argument 1 of h is active, but its param" },
  // A parameter assigned another array is a local of its own for reverse mode, except where code adc-ts cannot see reads it.
  aliasedActiveArray: { source: "/** @differentiable */\nexport function f(x: number[], z: number[]): number {\n  if (x[0] > 0) x = [z[0], z[1]];\n  console.log(x.length);\n  return x[0] * 2;\n}\n", code: ADC.aliasedActiveArray, line: 3, col: 17, says: "reverse mode cannot follow the array parameter 'x' assigned another array here" },
  unknownMathFunction: { source: "/** @differentiable */\nexport function f(x: number): number {\n  return Math.clz32(x) + x;\n}\n", code: ADC.unknownMathFunction, line: 3, col: 10, says: "Math.clz32 has no derivative rule (it to" },
  // Every mode (and the analyses it runs) reports at the statement or expression at fault, never at
  // the function: each offending construct below stands on a later line than the declaration.
  arrayAssertedNumber: { source: "/** @differentiable */\nexport function f(a: number[], x: number): number {\n  const s = x * 2;\n  const r = [0, 0];\n  r[0] = a as unknown as number;\n  return r[0] * s;\n}\n", code: ADC.unsupportedExpression, line: 5, col: 10, says: "a type assertion from an array to a number is not differentiated" },
  wholeArrayUpdate: { source: "/** @differentiable */\nexport function f(a: number[], b: number[]): number {\n  let s = 0;\n  s += 1;\n  a += b;\n  return a[0] * s;\n}\n", code: ADC.unsupportedStatement, line: 5, col: 3, says: "+= on an array is not element-wise arithmetic in JavaScript" },
  reverseCannotSave: { source: "declare function scramble(v: number[]): void;\n/** @differentiable */\nexport function f(x: number): number {\n  const w = [2, 3];\n  const s = w[0] * x;\n  scramble(w);\n  return s * w[1];\n}\n", code: ADC.unsupportedStatement, line: 6, col: 3, says: "reverse mode needs the values of 'w' that this code may overwrite, and cannot save them" },
  literalAssertedNumber: { source: "/** @differentiable */\nexport function f(x: number): number {\n  const s = x * 2;\n  const t = s * ([x] as unknown as number);\n  return t;\n}\n", code: ADC.unsupportedExpression, line: 4, col: 18, says: "a type assertion from an array to a number is not differentiated" },
  calleeActiveReturn: { source: "function g(x: number): any {\n  const s = 1;\n  return x * s;\n}\n/** @differentiable */\nexport function f(x: number): number {\n  const s = x * 2;\n  return g(s) * s;\n}\n", code: ADC.badReturn, line: 3, col: 3, says: "g returns an active value of type any" },
  mathArity: { source: "/** @differentiable */\nexport function f(x: number): number {\n  const s = x * 2;\n  return Math.atan2(x) + s;\n}\n", code: ADC.unknownMathFunction, line: 4, col: 10, says: "Math.atan2 takes 2 argument(s) in differentiable code" },
  badRule: { source: "declare function lib(v: number): number;\n/** @derivative of=nothing */\nexport function r(x: number): number { return 1; }\n", code: ADC.badRule, line: 2, col: 17, says: "of=nothing names nothing r's module sees" },
  ruleSignature: { source: "declare function lib(v: number): number;\n/** @derivative of=lib */\nexport function lib_partials(x: number, y: number): number { return x * y; }\n", code: ADC.ruleSignature, line: 3, col: 1, says: "lib_partials takes 2 parameter(s) and lib takes 1" },
  ruleNoSecondDerivative: { source: "declare function lib(v: number): number;\ndeclare function lib2(v: number): number;\n/** @derivative of=lib */\nexport function lib_partials(x: number): number { return lib2(x); }\n/** @differentiable hessian */\nexport function f(x: number): number {\n  return lib(x) * x;\n}\n", code: ADC.ruleNoSecondDerivative, line: 7, col: 10, says: "the second derivative of lib needs the derivative of its rule lib_partials, which adc-ts cannot differentiate: ADC2001" },
  calleeWritesUntypedArray: { source: "function put(out: number[], v: number): void {\n  out[0] = v;\n}\n/** @differentiable */\nexport function f(x: number): number {\n  const buf: any = [0, 0];\n  const s = x * 2;\n  put(buf, s);\n  return s;\n}\n", code: ADC.unsupportedStatement, line: 8, col: 3, says: "'buf' receives an active value, but its type is not number" },
};

describe("diagnostics", () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: ${c.code} at ${c.line}:${c.col}`, () => {
      const compiled = compileSources({ "input.ts": c.source });
      try {
        expect(compiled.diagnostics.length).toBeGreaterThan(0);
        const first = compiled.diagnostics[0];
        expect(first.code).toBe(c.code);
        expect(first.pos).toEqual({ file: `${compiled.dir}/in/input.ts`, line: c.line, col: c.col });
        expect(first.message).toContain(c.says);
      } finally {
        compiled.cleanup();
      }
    });
  }

  it("tooDeep: a stack overflow in process is ADC1008, not a crash", () => {
    let e = "x";
    for (let i = 0; i < 20_000; i++) e = `Math.sin(${e})`;
    const compiled = compileSources({ "input.ts": `/** @differentiable */\nexport function f(x: number): number {\n  return ${e};\n}\n` });
    expect(compiled.diagnostics.map((d) => d.code)).toEqual([ADC.tooDeep]);
    compiled.cleanup();
  });

  it("covers every compiler code (ADC1xxx and ADC2xxx)", () => {
    // ADC1012 needs two files: module-forms.test.ts checks it; so does ADC1016: custom-rules.test.ts. ADC9001 (internal) needs an injected fault: fence-totality.test.ts tests it.
    const tested = new Set([...Object.values(cases).map((c) => c.code), ADC.tooDeep, ADC.unreachableDerivative, ADC.ruleNotExported]);
    const compilerCodes = Object.values(ADC).filter((code) => /^ADC[12]/.test(code));
    expect(compilerCodes.filter((code) => !tested.has(code))).toEqual([]);
  });

  it("reports every problem in a file, not only the first", () => {
    const compiled = compileSources({
      "input.ts": "declare function lib(v: number): number;\n/** @differentiable */\nexport function f(x: number): number {\n  return lib(x);\n}\n/** @differentiable */\nexport function g(x: number): number {\n  return Math.clz32(x);\n}\n",
    });
    expect(compiled.diagnostics.map((d) => [d.code, d.pos?.line])).toEqual([[ADC.opaqueCall, 4], [ADC.unknownMathFunction, 8]]);
    compiled.cleanup();
  });

  it("says how to leave a parameter out when it needs no derivative", () => {
    const compiled = compileSources({ "input.ts": "declare function lookup(i: number): number;\n/** @differentiable */\nexport function f(x: number, n: number): number {\n  return x * lookup(n);\n}\n" });
    expect(compiled.diagnostics[0].message).toContain("if 'n' needs no derivative, leave it out with @differentiable wrt=...");
    compiled.cleanup();
  });

  it("allows what touches no active value: console.log of a number, throw, inactive library calls", async () => {
    const m = await compileSources({
      "input.ts": `declare function lookup(i: number): number;
/** @differentiable wrt=x */
export function f(x: number, n: number): number {
  if (n < 0) throw new Error("n must be >= 0");
  const k = lookup(n);
  const label = "x=" + String(n);
  if (label.length < 0) console.log(x);
  return x * x * k;
}
export function lookup2(i: number): number { return i; }
`,
    }).diagnostics;
    expect(m).toEqual([]);
  });
});
