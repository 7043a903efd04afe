/**
 * The IR's types (transformer/ir/types.ts, issue 14's first step): the Type the frontend builds from
 * the checker's type of a parameter, its text, the shape today's modes read from it, its tangent type
 * and its zero.
 */
import { describe, expect, it } from "vitest";
import ts from "typescript";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectFunctionSites, convertFunction, typeOf } from "../transformer/frontend/frontend.js";
import { printExpr, printStmts } from "../transformer/emit/print.js";
import { arrayOf, BOOL, irZeros, NUM, opaque, shapeOf, tangentType, textZeros, typeText, zeroOf, zeroRows, type Type } from "../transformer/ir/types.js";
import type { Expr } from "../transformer/ir/ir.js";

/** Declarations the parameter types below name. */
const DECLARATIONS = `
interface Vec { x: number; y: number }
class P {
  x = 0;
  y: number[] = [];
  norm(): number { return this.x; }
}
`;

/** Compile `source` (strict) and hand its checker and file to `use`. */
function withProgram<T>(source: string, use: (checker: ts.TypeChecker, sf: ts.SourceFile) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "adc-types-"));
  try {
    const file = join(dir, "input.ts");
    writeFileSync(file, source);
    const program = ts.createProgram([file], { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, noEmit: true });
    return use(program.getTypeChecker(), program.getSourceFile(file)!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The Type of each parameter of `function f(p0: T0, p1: T1, ...)`. */
function parameterTypes(types: readonly string[]): Type[] {
  const source = `${DECLARATIONS}\nexport function f(${types.map((t, i) => `p${i}: ${t}`).join(", ")}): void {}\n`;
  return withProgram(source, (checker, sf) => {
    const f = sf.statements.find(ts.isFunctionDeclaration)!;
    return f.parameters.map((p) => typeOf(checker.getTypeAtLocation(p), checker));
  });
}

const vec: Type = { k: "record", fields: [{ name: "x", t: NUM }, { name: "y", t: NUM }] };
const cases: readonly { written: string; t: Type; text: string; shape: ReturnType<typeof shapeOf> }[] = [
  { written: "number", t: NUM, text: "number", shape: { shape: "num" } },
  { written: "number[]", t: { k: "array", elem: NUM, kind: "Array" }, text: "number[]", shape: { shape: "array", arrayKind: "Array" } },
  { written: "readonly number[]", t: { k: "array", elem: NUM, kind: "Array", readonly: true }, text: "readonly number[]", shape: { shape: "array", arrayKind: "Array" } },
  { written: "Float64Array", t: { k: "array", elem: NUM, kind: "Float64Array" }, text: "Float64Array", shape: { shape: "array", arrayKind: "Float64Array" } },
  { written: "number[][]", t: { k: "array", elem: { k: "array", elem: NUM, kind: "Array" }, kind: "Array" }, text: "number[][]", shape: { shape: "array", arrayKind: "Array" } },
  { written: "Float32Array", t: { k: "array", elem: NUM, kind: "Float32Array" }, text: "Float32Array", shape: { shape: "array", arrayKind: "Float32Array" } },
  // A record of numbers is differentiated as the record it is (its local copies field by field: frontend/records.ts).
  { written: "{ x: number; y: number }", t: vec, text: "{ x: number; y: number }", shape: { shape: "record" } },
  { written: "Vec", t: vec, text: "{ x: number; y: number }", shape: { shape: "record" } },
  {
    written: "P",
    t: {
      k: "record",
      fields: [
        { name: "x", t: NUM },
        { name: "y", t: { k: "array", elem: NUM, kind: "Array" } },
        { name: "norm", t: { k: "fn", params: [], result: NUM } },
      ],
      className: "P",
    },
    text: "P",
    shape: { shape: "other" },
  },
  { written: "[number, number]", t: { k: "tuple", elems: [NUM, NUM] }, text: "[number, number]", shape: { shape: "array", arrayKind: "Array" } },
  { written: "(x: number) => number", t: { k: "fn", params: [{ name: "x", t: NUM }], result: NUM }, text: "(x: number) => number", shape: { shape: "other" } },
  { written: "number | null", t: opaque("number | null"), text: "number | null", shape: { shape: "other" } },
  { written: "string", t: opaque("string"), text: "string", shape: { shape: "other" } },
  { written: "boolean", t: BOOL, text: "boolean", shape: { shape: "other" } },
];

describe("the Type the frontend builds for a parameter", () => {
  const built = parameterTypes(cases.map((c) => c.written));
  for (const [i, c] of cases.entries()) {
    it(`${c.written}: its Type, its text and the shape today's modes read from it`, () => {
      expect(built[i]).toEqual(c.t);
      expect(typeText(built[i])).toBe(c.text);
      expect(shapeOf(built[i])).toEqual(c.shape);
    });
  }

  it("typeText round-trips: a parameter declared with the printed text has the same Type", () => {
    expect(parameterTypes(cases.map((c) => c.text))).toEqual(cases.map((c) => c.t));
  });

  it("a type containing itself is opaque where it recurs; a generic one nesting without end stops at a depth", () => {
    const source = `interface Node { value: number; next: Node | null; child: Node }
interface L<T> { next: L<T[]> }
export function f(n: Node, l: L<number>): void {}`;
    const [n, l] = withProgram(source, (checker, sf) => sf.statements.find(ts.isFunctionDeclaration)!.parameters.map((p) => typeOf(checker.getTypeAtLocation(p), checker)));
    expect(n).toEqual({ k: "record", fields: [{ name: "value", t: NUM }, { name: "next", t: opaque("Node | null") }, { name: "child", t: opaque("Node") }] });
    let depth = 0;
    for (let t = l; t.k === "record"; t = t.fields[0].t) depth++;
    expect(depth).toBe(8);
  });
});

describe("Param.t, LocalInfo.t and FunctionIR.returnT, with shape and arrayKind derived from them", () => {
  it("are the checker's types of the parameters, locals and result", () => {
    const source = `${DECLARATIONS}
/** @differentiable wrt=a */
export function f(a: number, v: number[][], q: Vec, p: P, w: Float64Array): number[] {
  let best: number | null = null;
  const z = new Array(3).fill(0);
  const u = v[0];
  best = a;
  return [best, z[0], u[0], q.x, p.x, w[0]];
}`;
    const ir = withProgram(source, (checker, sf) => {
      const site = collectFunctionSites(sf, checker, []).find((s) => s.name === "f")!;
      return convertFunction(site, checker, () => undefined);
    });
    const nested: Type = arrayOf(arrayOf(NUM));
    expect(ir.params.map((p) => [p.name, p.t, p.shape, p.arrayKind])).toEqual([
      ["a", NUM, "num", undefined],
      ["v", nested, "array", "Array"],
      ["q", vec, "record", undefined],
      ["p", cases.find((c) => c.written === "P")!.t, "other", undefined],
      ["w", arrayOf(NUM, "Float64Array"), "array", "Float64Array"],
    ]);
    // Every local's shape is its type's: the parameters' too.
    for (const [name, info] of ir.locals) expect([name, { shape: info.shape, arrayKind: info.arrayKind }]).toEqual([name, { arrayKind: undefined, ...shapeOf(info.t) }]);
    expect(ir.locals.get("best")).toEqual({ t: NUM, shape: "num", nullable: true });
    expect(ir.locals.get("z")).toEqual({ t: arrayOf(NUM), shape: "array", arrayKind: "Array" });
    expect(ir.locals.get("u")).toEqual({ t: arrayOf(NUM), shape: "array", arrayKind: "Array" });
    expect([ir.returnT, ir.returnShape, ir.returnArrayKind]).toEqual([arrayOf(NUM), "array", "Array"]);
  });
});

describe("tangentType and zeroOf", () => {
  const [recordOfArrays, arrayOfRecords, nested, klass, mixedTuple, pair] = parameterTypes([
    "{ w: number[]; b: Float64Array; label: string; n: number; on: boolean }",
    "{ x: number; tag: string }[]",
    "number[][]",
    "P",
    "[number, string]",
    "[number, number]",
  ]);

  it("a record of arrays: a record of the tangents of its differentiable fields, zeroed field by field", () => {
    expect(tangentType(recordOfArrays)).toEqual({ k: "record", fields: [{ name: "w", t: arrayOf(NUM) }, { name: "b", t: arrayOf(NUM, "Float64Array") }, { name: "n", t: NUM }] });
    expect(typeText(tangentType(recordOfArrays)!)).toBe("{ w: number[]; b: Float64Array; n: number }");
    expect(zeroOf(recordOfArrays, "p", textZeros)).toBe("{ w: new Array<number>(p.w.length).fill(0), b: new Float64Array(p.b.length), n: 0 }");
  });

  it("an array of records: an array of the records' tangents, zeroed element by element", () => {
    expect(typeText(tangentType(arrayOfRecords)!)).toBe("{ x: number }[]");
    expect(zeroOf(arrayOfRecords, "p", textZeros)).toBe("p.map((e) => ({ x: 0 }))");
  });

  it("number[][]: number[][], each row zeroed as long as it is", () => {
    expect(tangentType(nested)).toEqual(nested);
    expect(zeroOf(nested, "p", textZeros)).toBe("p.map((e) => new Array<number>(e.length).fill(0))");
    // The IR has no node for a map: as IR the modes fill an array of arrays row by row (zeroRows), and
    // zeroOf refuses it (an internal error, never a wrong zero).
    expect(() => zeroOf(nested, { k: "var", name: "p" }, irZeros)).toThrow("internal: the IR has no map over an array yet");
    const fill: string[] = [];
    let n = 0;
    printStmts(zeroRows({ k: "var", name: "dp" }, nested, { k: "var", name: "p" }, () => `i${++n}`), "", fill);
    expect(fill).toEqual(["for (let i1 = 0; i1 < p.length; i1++) {", "  dp[i1] = new Array<number>(p[i1].length).fill(0);", "}"]);
  });

  it("a class: the record of its fields' tangents, without its methods or its name", () => {
    expect(typeText(tangentType(klass)!)).toBe("{ x: number; y: number[] }");
    expect(zeroOf(klass, "p", textZeros)).toBe("{ x: 0, y: new Array<number>(p.y.length).fill(0) }");
  });

  it("tuples keep their positions: an element without a tangent is undefined", () => {
    expect(typeText(tangentType(mixedTuple)!)).toBe("[number, undefined]");
    expect(zeroOf(mixedTuple, "p", textZeros)).toBe("[0, undefined]");
    expect(zeroOf(pair, { k: "var", name: "p" }, irZeros)).toEqual({ k: "arraylit", elems: [{ k: "num", value: 0 }, { k: "num", value: 0 }] });
  });

  it("strings, booleans, functions and other opaque types have no tangent and no zero", () => {
    for (const t of [opaque("string"), BOOL, { k: "fn", params: [], result: NUM } as const, opaque("number | null"), { k: "record", fields: [{ name: "s", t: opaque("string") }] } as const]) {
      expect(tangentType(t)).toBeUndefined();
      expect(zeroOf(t, "p", textZeros)).toBeUndefined();
    }
  });

  it("numbers and flat arrays as IR, printed as the text writer writes them", () => {
    const p: Expr = { k: "var", name: "p" };
    expect(zeroOf(NUM, p, irZeros)).toEqual({ k: "num", value: 0 });
    expect(zeroOf(arrayOf(NUM, "Float64Array"), p, irZeros)).toEqual({ k: "zeros", kind: "Float64Array", size: { k: "length", arr: p } });
    for (const t of [arrayOf(NUM), arrayOf(NUM, "Float64Array"), NUM]) expect(printExpr(zeroOf(t, p, irZeros)!)).toBe(zeroOf(t, "p", textZeros));
    expect(printExpr(zeroOf(arrayOf(NUM), p, irZeros)!)).toBe("new Array<number>(p.length).fill(0)");
  });
});
