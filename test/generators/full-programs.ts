/**
 * Random programs over the whole language adc-ts differentiates, for the differential fuzzer
 * (test/fuzz.test.ts): every Math intrinsic with a derivative rule, `**` and `%`, branches, `switch`,
 * ternaries, `&& || !`, every loop form (for, while, do-while, for-of) with break, continue and early
 * return, trip counts that depend on active values, arrays read and written (the parameter, a
 * `Float64Array`, `new Array(n).fill(0)`, a literal), calls to a scalar helper and to a helper that
 * reads an array, overwritten variables (a parameter included), compound assignments and `++`/`--`.
 *
 * A program is a small AST with two readings: `printFullProgram` writes it as TypeScript for adc-ts,
 * `evalFullDual` evaluates it over dual numbers with derivative formulas written here, independently
 * of the rule table, but with the same choices at kinks and ties (abs' = sign, min/max ties to the
 * first argument, step functions 0, atan2 and hypot 0 at the origin, a zero tangent contributes 0).
 * Domain restrictions are part of the AST (asin of 0.9·tanh e, log of 1 + e², ...), so both readings
 * see them and shrinking keeps them.
 */
import fc from "fast-check";

export const ARRAY_LENGTH = 3;

/**
 * Whether to generate sqrt(|e|) and cbrt(e), whose slope is infinite where e is exactly 0 (e = t - t,
 * an input 0). Off by default until reverse mode stops turning 0 · ∞ into NaN there
 * (test/fuzz-findings.md); `ADC_FUZZ_SINGULAR=1 npm run fuzz` turns them on.
 */
export const SINGULAR_AT_ZERO = process.env.ADC_FUZZ_SINGULAR === "1";

export type MathFn =
  | "sin" | "cos" | "tan" | "asin" | "acos" | "atan" | "atan2" | "sinh" | "cosh" | "tanh" | "asinh" | "acosh" | "atanh"
  | "exp" | "expm1" | "log" | "log1p" | "log2" | "log10" | "sqrt" | "cbrt" | "pow" | "hypot" | "abs" | "min" | "max"
  | "floor" | "ceil" | "round" | "trunc" | "sign" | "fround";

export type FExpr =
  | { k: "num"; v: number }
  | { k: "var"; name: string }
  | { k: "elem"; arr: string; index: FIndex }
  | { k: "len"; arr: string }
  | { k: "neg"; a: FExpr }
  | { k: "bin"; op: "+" | "-" | "*" | "/" | "%" | "**"; a: FExpr; b: FExpr }
  | { k: "math"; fn: MathFn; args: FExpr[] }
  | { k: "cond"; c: FCond; a: FExpr; b: FExpr }
  | { k: "callH"; a: FExpr; b: FExpr }
  | { k: "callG"; arr: string; c: FExpr };

/** An index: a constant, or the innermost counter (shifted) modulo the array length. */
export type FIndex = { k: "const"; i: number } | { k: "counter"; name: string; shift: number };

export type FCond =
  | { k: "cmp"; op: "<" | "<=" | ">" | ">="; a: FExpr; b: FExpr }
  | { k: "and" | "or"; a: FCond; b: FCond }
  | { k: "not"; a: FCond };

export type AssignOp = "=" | "+=" | "-=" | "*=" | "/=";

/** Loop bounds: a constant, the parameter array's length, or a count computed from an active value. */
export type FBound = { k: "const"; n: number } | { k: "length" } | { k: "active"; e: FExpr };

export type FStmt =
  | { k: "assign"; name: string; op: AssignOp; e: FExpr }
  | { k: "incdec"; name: string; op: "++" | "--" }
  | { k: "store"; arr: string; index: FIndex; op: "=" | "+=" | "-=" | "*="; e: FExpr }
  | { k: "if"; c: FCond; then: FStmt[]; else: FStmt[] | null }
  | { k: "switch"; disc: FExpr; cases: { label: number | null; body: FStmt[]; brk: boolean }[] }
  | { k: "for"; counter: string; bound: FBound; body: FStmt[] }
  | { k: "while"; counter: string; bound: FBound; c: FCond | null; body: FStmt[] }
  | { k: "doWhile"; counter: string; bound: FBound; body: FStmt[] }
  | { k: "forOf"; elem: string; arr: string; body: FStmt[] }
  | { k: "break" | "continue"; c: FCond }
  | { k: "return"; c: FCond; e: FExpr };

export interface FProgram {
  /** `h(a, b)`: statements over a, b and its local r, then `return result`. */
  readonly h: { readonly body: FStmt[]; readonly result: FExpr; readonly annotated: boolean };
  /** `g(u, c)`: `let acc = c; for (const e of u) acc op= step; return acc;` */
  readonly g: { readonly op: "=" | "+="; readonly step: FExpr };
  readonly body: FStmt[];
  readonly result: FExpr;
}

// ---------- generation ----------

interface Ctx {
  readonly readable: readonly string[]; // scalars an expression may read
  readonly writable: readonly string[]; // scalars a statement may assign
  readonly arrays: readonly string[]; // arrays an expression may read
  readonly stores: readonly string[]; // arrays a statement may write
  readonly counters: readonly string[]; // loop counters in scope (innermost last)
  readonly inLoop: boolean;
  readonly inSwitch: boolean;
  readonly calls: boolean; // whether h and g may be called (only f calls them)
  /** Whether g (which takes an array) may be called: only f calls it. */
  readonly arrayCalls: boolean;
  readonly loopDepth: number;
}

const numArb: fc.Arbitrary<FExpr> = fc.integer({ min: -20, max: 20 }).map((v) => ({ k: "num", v: v / 10 }));
const n = (v: number): FExpr => ({ k: "num", v });
const bin = (op: "+" | "-" | "*" | "/" | "%" | "**", a: FExpr, b: FExpr): FExpr => ({ k: "bin", op, a, b });
const math = (fn: MathFn, ...args: FExpr[]): FExpr => ({ k: "math", fn, args });
const sq = (e: FExpr): FExpr => bin("*", e, e);
/** 1 + e², a value kept ≥ 1 */
const onePlusSq = (e: FExpr): FExpr => bin("+", n(1), sq(e));
/** 0.9 tanh e, a value kept inside (-1, 1) away from its ends */
const inside1 = (e: FExpr): FExpr => bin("*", n(0.9), math("tanh", e));

/** Every intrinsic and operator, each applied inside its domain and where its value stays moderate. */
function applications(a: FExpr, b: FExpr, c: FExpr): FExpr[] {
  return [
    math("sin", a),
    math("cos", a),
    math("tan", inside1(a)),
    math("asin", inside1(a)),
    math("acos", inside1(a)),
    math("atan", a),
    math("atan2", a, b),
    math("sinh", math("sin", a)),
    math("cosh", math("tanh", a)),
    math("tanh", a),
    math("asinh", a),
    math("acosh", bin("+", n(1.5), sq(a))),
    math("atanh", inside1(a)),
    math("exp", math("sin", a)),
    math("expm1", math("tanh", a)),
    math("log", onePlusSq(a)),
    math("log1p", sq(a)),
    math("log2", onePlusSq(a)),
    math("log10", bin("+", n(2), math("sin", a))),
    math("sqrt", onePlusSq(a)),
    ...(SINGULAR_AT_ZERO ? [math("sqrt", math("abs", a)), math("cbrt", a)] : []),
    math("cbrt", bin("+", n(1.5), math("sin", a))),
    math("pow", a, n(2)),
    math("pow", a, n(3)),
    math("pow", onePlusSq(a), math("sin", b)),
    math("pow", onePlusSq(a), n(0.5)),
    bin("**", a, n(2)),
    bin("**", onePlusSq(a), math("tanh", b)),
    math("hypot", a, b),
    math("hypot", a, b, c),
    math("abs", a),
    math("min", a, b),
    math("max", a, b),
    math("min", a, b, c),
    math("max", a, b, c),
    math("floor", a),
    math("ceil", a),
    math("round", a),
    math("trunc", a),
    math("sign", a),
    math("fround", a),
    bin("%", a, n(1.5)),
    bin("%", a, onePlusSq(b)),
    bin("/", a, onePlusSq(b)),
    bin("/", a, bin("+", n(2), math("sin", b))),
  ];
}

function indexArb(ctx: Ctx): fc.Arbitrary<FIndex> {
  const constant = fc.integer({ min: 0, max: ARRAY_LENGTH - 1 }).map((i) => ({ k: "const", i }) as FIndex);
  if (ctx.counters.length === 0) return constant;
  const name = ctx.counters[ctx.counters.length - 1];
  return fc.oneof(constant, fc.integer({ min: 0, max: 2 }).map((shift) => ({ k: "counter", name, shift }) as FIndex));
}

function exprArb(ctx: Ctx, depth: number): fc.Arbitrary<FExpr> {
  const leaves: fc.Arbitrary<FExpr>[] = [
    fc.constantFrom(...ctx.readable).map((name) => ({ k: "var", name }) as FExpr),
    fc.constantFrom(...ctx.readable).map((name) => ({ k: "var", name }) as FExpr),
    numArb,
  ];
  if (ctx.arrays.length > 0) {
    leaves.push(fc.tuple(fc.constantFrom(...ctx.arrays), indexArb(ctx)).map(([arr, index]) => ({ k: "elem", arr, index }) as FExpr));
    leaves.push(fc.constantFrom(...ctx.arrays).map((arr) => ({ k: "len", arr }) as FExpr));
  }
  if (ctx.counters.length > 0) leaves.push(fc.constantFrom(...ctx.counters).map((name) => ({ k: "var", name }) as FExpr));
  if (depth <= 0) return fc.oneof(...leaves);
  const sub = exprArb(ctx, depth - 1);
  const branches: { weight: number; arbitrary: fc.Arbitrary<FExpr> }[] = [
    { weight: 4, arbitrary: fc.oneof(...leaves) },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom("+", "-", "*" as const), sub, sub).map(([op, a, b]) => bin(op, a, b)) },
    { weight: 1, arbitrary: sub.map((a) => ({ k: "neg", a }) as FExpr) },
    {
      weight: 4,
      arbitrary: fc.tuple(fc.nat(), sub, sub, sub).map(([pick, a, b, c]) => {
        const all = applications(a, b, c);
        return all[pick % all.length];
      }),
    },
    { weight: 1, arbitrary: fc.tuple(condArb(ctx, depth - 1), sub, sub).map(([c, a, b]) => ({ k: "cond", c, a, b }) as FExpr) },
  ];
  if (ctx.calls) {
    branches.push({ weight: 1, arbitrary: fc.tuple(sub, sub).map(([a, b]) => ({ k: "callH", a, b }) as FExpr) });
    const arrayArgs = ctx.arrays.filter((a) => a !== "w"); // g takes number[]; w is a Float64Array
    if (ctx.arrayCalls && arrayArgs.length > 0)
      branches.push({ weight: 1, arbitrary: fc.tuple(fc.constantFrom(...arrayArgs), sub).map(([arr, c]) => ({ k: "callG", arr, c }) as FExpr) });
  }
  return fc.oneof(...branches);
}

function condArb(ctx: Ctx, depth: number): fc.Arbitrary<FCond> {
  const e = exprArb(ctx, Math.max(0, depth));
  const cmp = fc.tuple(fc.constantFrom("<", "<=", ">", ">=" as const), e, e).map(([op, a, b]) => ({ k: "cmp", op, a, b }) as FCond);
  return fc.oneof(
    { weight: 4, arbitrary: cmp },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom("and", "or" as const), cmp, cmp).map(([k, a, b]) => ({ k, a, b }) as FCond) },
    { weight: 1, arbitrary: cmp.map((a) => ({ k: "not", a }) as FCond) },
  );
}

function boundArb(ctx: Ctx): fc.Arbitrary<FBound> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 3 }).map((v) => ({ k: "const", n: v }) as FBound) },
    { weight: ctx.arrays.includes("v") ? 1 : 0, arbitrary: fc.constant({ k: "length" } as FBound) },
    { weight: 1, arbitrary: exprArb(ctx, 1).map((e) => ({ k: "active", e }) as FBound) },
  );
}

function stmtsArb(ctx: Ctx, depth: number): fc.Arbitrary<FStmt[]> {
  return fc.array(stmtArb(ctx, depth), { minLength: 1, maxLength: 4 });
}

function stmtArb(ctx: Ctx, depth: number): fc.Arbitrary<FStmt> {
  const e = exprArb(ctx, 2);
  const c = condArb(ctx, 1);
  const simple: { weight: number; arbitrary: fc.Arbitrary<FStmt> }[] = [
    {
      weight: 4,
      arbitrary: fc.tuple(fc.constantFrom(...ctx.writable), fc.constantFrom("=", "+=", "-=", "*=", "/=" as const), e).map(
        // *= by a bounded factor and /= by a value ≥ 1 keep repeated updates in loops finite.
        ([name, op, ex]) => ({ k: "assign", name, op, e: op === "*=" ? math("tanh", ex) : op === "/=" ? onePlusSq(ex) : ex }) as FStmt,
      ),
    },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...ctx.writable), fc.constantFrom("++", "--" as const)).map(([name, op]) => ({ k: "incdec", name, op }) as FStmt) },
    { weight: 1, arbitrary: fc.tuple(c, e).map(([cond, ex]) => ({ k: "return", c: cond, e: ex }) as FStmt) },
  ];
  if (ctx.stores.length > 0)
    simple.push({
      weight: 3,
      arbitrary: fc.tuple(fc.constantFrom(...ctx.stores), indexArb(ctx), fc.constantFrom("=", "+=", "-=", "*=" as const), e).map(
        ([arr, index, op, ex]) => ({ k: "store", arr, index, op, e: op === "*=" ? math("tanh", ex) : ex }) as FStmt,
      ),
    });
  if (ctx.inLoop || ctx.inSwitch) simple.push({ weight: 1, arbitrary: c.map((cond) => ({ k: "break", c: cond }) as FStmt) });
  if (ctx.inLoop) simple.push({ weight: 1, arbitrary: c.map((cond) => ({ k: "continue", c: cond }) as FStmt) });
  if (depth <= 0) return fc.oneof(...simple);
  const counter = `i${ctx.loopDepth + 1}`;
  const elem = `e${ctx.loopDepth + 1}`;
  const inner = (extra: Partial<Ctx>): fc.Arbitrary<FStmt[]> => stmtsArb({ ...ctx, ...extra }, depth - 1);
  const loopCtx = { inLoop: true, inSwitch: false, loopDepth: ctx.loopDepth + 1 };
  const counted = { ...loopCtx, counters: [...ctx.counters, counter] };
  const nested: { weight: number; arbitrary: fc.Arbitrary<FStmt> }[] = [
    { weight: 6, arbitrary: fc.oneof(...simple) },
    { weight: 2, arbitrary: fc.tuple(c, inner({}), fc.option(inner({}), { nil: null })).map(([cond, then, els]) => ({ k: "if", c: cond, then, else: els }) as FStmt) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.oneof(exprArb(ctx, 1), fc.constant(null)),
          fc.array(fc.tuple(fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }), inner({ inSwitch: true }), fc.boolean()), { minLength: 1, maxLength: 3 }),
        )
        .map(([discExpr, cases]) => {
          // An integer discriminant: the innermost counter, or an active value through floor.
          const disc: FExpr =
            discExpr === null && ctx.counters.length > 0
              ? bin("%", { k: "var", name: ctx.counters[ctx.counters.length - 1] }, n(3))
              : math("floor", bin("*", n(1.5), math("sin", discExpr ?? { k: "var", name: ctx.readable[0] })));
          const seen = new Set<number | null>();
          const unique = cases.filter(([label]) => (seen.has(label) ? false : (seen.add(label), true)));
          // Every case but the last ends with break (fall-through is tested on its own in reverse-fixtures).
          return { k: "switch", disc, cases: unique.map(([label, body, brk], i) => ({ label, body, brk: i < unique.length - 1 || brk })) } as FStmt;
        }),
    },
    { weight: 1, arbitrary: fc.tuple(boundArb(ctx), inner(counted)).map(([bound, body]) => ({ k: "for", counter, bound, body }) as FStmt) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(boundArb(ctx), fc.option(condArb({ ...ctx, counters: [...ctx.counters, counter] }, 0), { nil: null }), inner(counted))
        .map(([bound, cond, body]) => ({ k: "while", counter, bound, c: cond, body }) as FStmt),
    },
    { weight: 1, arbitrary: fc.tuple(boundArb(ctx), inner(counted)).map(([bound, body]) => ({ k: "doWhile", counter, bound, body }) as FStmt) },
  ];
  if (ctx.arrays.length > 0)
    nested.push({
      weight: 1,
      arbitrary: fc
        .constantFrom(...ctx.arrays)
        .chain((arr) => inner({ ...loopCtx, readable: [...ctx.readable, elem] }).map((body) => ({ k: "forOf", elem, arr, body }) as FStmt)),
    });
  return fc.oneof(...nested);
}

const mainCtx: Ctx = {
  readable: ["x", "y", "s", "t"],
  writable: ["s", "t", "x"],
  arrays: ["v", "w", "z", "q"],
  stores: ["w", "z", "q"],
  counters: [],
  inLoop: false,
  inSwitch: false,
  calls: true,
  arrayCalls: true,
  loopDepth: 0,
};
const hCtx: Ctx = { ...mainCtx, readable: ["a", "b", "r"], writable: ["r", "a"], arrays: [], stores: [], calls: false, arrayCalls: false };
const gCtx: Ctx = { ...hCtx, readable: ["e", "acc", "c"], writable: [] };

export const fullProgramArb: fc.Arbitrary<FProgram> = fc.record({
  h: fc.record({ body: stmtsArb(hCtx, 1), result: exprArb(hCtx, 2), annotated: fc.boolean() }),
  g: fc.record({ op: fc.constantFrom("=", "+=" as const), step: exprArb(gCtx, 2) }),
  body: stmtsArb(mainCtx, 2),
  result: exprArb(mainCtx, 2),
});

// ---------- printing ----------

const printNum = (v: number): string => (v < 0 || Object.is(v, -0) ? `(${v})` : String(v));

function printIndex(i: FIndex): string {
  return i.k === "const" ? String(i.i) : i.shift === 0 ? `${i.name} % ${ARRAY_LENGTH}` : `(${i.name} + ${i.shift}) % ${ARRAY_LENGTH}`;
}

export function printExpr(e: FExpr): string {
  switch (e.k) {
    case "num":
      return printNum(e.v);
    case "var":
      return e.name;
    case "elem":
      return `${e.arr}[${printIndex(e.index)}]`;
    case "len":
      return `${e.arr}.length`;
    case "neg":
      return `(-${printExpr(e.a)})`;
    case "bin":
      return `(${printExpr(e.a)} ${e.op} ${printExpr(e.b)})`;
    case "math":
      return `Math.${e.fn}(${e.args.map(printExpr).join(", ")})`;
    case "cond":
      return `(${printCond(e.c)} ? ${printExpr(e.a)} : ${printExpr(e.b)})`;
    case "callH":
      return `h(${printExpr(e.a)}, ${printExpr(e.b)})`;
    case "callG":
      return `g(${e.arr}, ${printExpr(e.c)})`;
  }
}

function printCond(c: FCond): string {
  switch (c.k) {
    case "cmp":
      // `a < (b > c ? ...)` can parse as type arguments: write a < b as b > a.
      return c.op === ">" || c.op === ">=" ? `${printExpr(c.a)} ${c.op} ${printExpr(c.b)}` : `${printExpr(c.b)} ${c.op === "<" ? ">" : ">="} ${printExpr(c.a)}`;
    case "and":
      return `(${printCond(c.a)} && ${printCond(c.b)})`;
    case "or":
      return `(${printCond(c.a)} || ${printCond(c.b)})`;
    case "not":
      return `!(${printCond(c.a)})`;
  }
}

function printBound(b: FBound): string {
  return b.k === "const" ? String(b.n) : b.k === "length" ? "v.length" : `Math.floor(2 + 1.5 * Math.sin(${printExpr(b.e)}))`;
}

function printStmts(stmts: readonly FStmt[], indent: string, out: string[]): void {
  for (const s of stmts) {
    switch (s.k) {
      case "assign":
        out.push(`${indent}${s.name} ${s.op} ${printExpr(s.e)};`);
        break;
      case "incdec":
        out.push(`${indent}${s.name}${s.op};`);
        break;
      case "store":
        out.push(`${indent}${s.arr}[${printIndex(s.index)}] ${s.op} ${printExpr(s.e)};`);
        break;
      case "if":
        out.push(`${indent}if (${printCond(s.c)}) {`);
        printStmts(s.then, indent + "  ", out);
        if (s.else !== null) {
          out.push(`${indent}} else {`);
          printStmts(s.else, indent + "  ", out);
        }
        out.push(`${indent}}`);
        break;
      case "switch":
        out.push(`${indent}switch (${printExpr(s.disc)}) {`);
        for (const c of s.cases) {
          // No braces around a case: reverse mode looks for the break as the case's last statement.
          out.push(`${indent}  ${c.label === null ? "default" : `case ${c.label}`}:`);
          printStmts(c.body, indent + "    ", out);
          if (c.brk) out.push(`${indent}    break;`);
        }
        out.push(`${indent}}`);
        break;
      case "for":
        out.push(`${indent}for (let ${s.counter} = 0; ${s.counter} < ${printBound(s.bound)}; ${s.counter}++) {`);
        printStmts(s.body, indent + "  ", out);
        out.push(`${indent}}`);
        break;
      case "while":
        out.push(`${indent}{`);
        out.push(`${indent}  let ${s.counter} = 0;`);
        out.push(`${indent}  while (${printBound(s.bound)} > ${s.counter}${s.c === null ? "" : ` && ${printCond(s.c)}`}) {`);
        out.push(`${indent}    ${s.counter}++;`);
        printStmts(s.body, indent + "    ", out);
        out.push(`${indent}  }`);
        out.push(`${indent}}`);
        break;
      case "doWhile":
        // The counter is incremented first, so that `continue` (which jumps to the test) still counts.
        out.push(`${indent}{`);
        out.push(`${indent}  let ${s.counter} = 0;`);
        out.push(`${indent}  do {`);
        out.push(`${indent}    ${s.counter}++;`);
        printStmts(s.body, indent + "    ", out);
        out.push(`${indent}  } while (${printBound(s.bound)} > ${s.counter});`);
        out.push(`${indent}}`);
        break;
      case "forOf":
        out.push(`${indent}for (const ${s.elem} of ${s.arr}) {`);
        printStmts(s.body, indent + "  ", out);
        out.push(`${indent}}`);
        break;
      case "break":
      case "continue":
        out.push(`${indent}if (${printCond(s.c)}) ${s.k};`);
        break;
      case "return":
        out.push(`${indent}if (${printCond(s.c)}) return ${printExpr(s.e)};`);
        break;
    }
  }
}

/** The program as a TypeScript module: helpers `h` (annotated or not) and `g`, and the annotated `f`. */
export function printFullProgram(p: FProgram): string {
  const out: string[] = [];
  if (p.h.annotated) out.push("/** @differentiable */");
  out.push("export function h(a: number, b: number): number {", "  let r = 0.5 * a;");
  printStmts(p.h.body, "  ", out);
  out.push(`  return ${printExpr(p.h.result)};`, "}", "");
  out.push(
    "function g(u: number[], c: number): number {",
    "  let acc = c;",
    `  for (const e of u) acc ${p.g.op} ${printExpr(p.g.step)};`,
    "  return acc;",
    "}",
    "",
    "/** @differentiable */",
    "export function f(x: number, y: number, v: number[]): number {",
    "  let s = x;",
    "  let t = y;",
    `  const w = new Float64Array(${ARRAY_LENGTH});`,
    `  const z = new Array(${ARRAY_LENGTH}).fill(0);`,
    "  const q = [y, 0.5, x];",
  );
  printStmts(p.body, "  ", out);
  out.push(`  return ${printExpr(p.result)};`, "}", "");
  return out.join("\n");
}

// ---------- the dual-number oracle ----------

export interface D {
  readonly v: number;
  readonly d: number;
}

const dual = (v: number, d = 0): D => ({ v, d });
/** partial · tangent, where a zero tangent contributes 0 even against an infinite partial (as the compiler's guard does). */
const times = (partial: number, tangent: number): number => (tangent === 0 ? 0 : partial * tangent);

function evalMath(fn: MathFn, xs: readonly D[]): D {
  const [a, b] = xs;
  const x = a.v;
  const unary = (value: number, partial: number): D => dual(value, times(partial, a.d));
  switch (fn) {
    case "sin":
      return unary(Math.sin(x), Math.cos(x));
    case "cos":
      return unary(Math.cos(x), -Math.sin(x));
    case "tan": {
      const c = Math.cos(x);
      return unary(Math.tan(x), 1 / (c * c));
    }
    case "asin":
      return unary(Math.asin(x), 1 / Math.sqrt(1 - x * x));
    case "acos":
      return unary(Math.acos(x), -1 / Math.sqrt(1 - x * x));
    case "atan":
      return unary(Math.atan(x), 1 / (1 + x * x));
    case "atan2": {
      // atan2(y, x): a is y, b is x.
      const r2 = a.v * a.v + b.v * b.v;
      return dual(Math.atan2(a.v, b.v), r2 === 0 ? 0 : times(b.v / r2, a.d) + times(-a.v / r2, b.d));
    }
    case "sinh":
      return unary(Math.sinh(x), Math.cosh(x));
    case "cosh":
      return unary(Math.cosh(x), Math.sinh(x));
    case "tanh": {
      const c = Math.cosh(x);
      return unary(Math.tanh(x), 1 / (c * c));
    }
    case "asinh":
      return unary(Math.asinh(x), 1 / Math.sqrt(1 + x * x));
    case "acosh":
      return unary(Math.acosh(x), 1 / Math.sqrt(x * x - 1));
    case "atanh":
      return unary(Math.atanh(x), 1 / (1 - x * x));
    case "exp":
      return unary(Math.exp(x), Math.exp(x));
    case "expm1":
      return unary(Math.expm1(x), Math.exp(x));
    case "log":
      return unary(Math.log(x), 1 / x);
    case "log1p":
      return unary(Math.log1p(x), 1 / (1 + x));
    case "log2":
      return unary(Math.log2(x), 1 / (x * Math.LN2));
    case "log10":
      return unary(Math.log10(x), 1 / (x * Math.LN10));
    case "sqrt":
      return unary(Math.sqrt(x), 0.5 / Math.sqrt(x));
    case "cbrt":
      return unary(Math.cbrt(x), 1 / (3 * Math.cbrt(x) ** 2));
    case "pow":
      return dpow(a, b);
    case "hypot": {
      const h = Math.hypot(...xs.map((z) => z.v));
      return dual(h, h === 0 ? 0 : xs.reduce((sum, z) => sum + times(z.v / h, z.d), 0));
    }
    case "abs":
      return unary(Math.abs(x), Math.sign(x));
    case "min":
      // Pairwise from the left: on a tie the earlier argument wins.
      return xs.reduce((m, z) => (m.v <= z.v ? m : z));
    case "max":
      return xs.reduce((m, z) => (m.v >= z.v ? m : z));
    case "floor":
    case "ceil":
    case "round":
    case "trunc":
    case "sign":
    case "fround":
      return dual(Math[fn](x), 0);
  }
}

/** x^p: ∂/∂x = p x^(p-1) (0 for p = 0), ∂/∂p = x^p ln x for x > 0 and 0 otherwise. */
function dpow(x: D, p: D): D {
  const value = x.v ** p.v;
  const dx = p.v === 0 ? 0 : times(p.v * x.v ** (p.v - 1), x.d);
  const dp = x.v > 0 ? times(value * Math.log(x.v), p.d) : 0;
  return dual(value, dx + dp);
}

class Return {
  constructor(readonly value: D) {}
}
class Break {}
class Continue {}

type Env = Map<string, D>;

/**
 * Evaluate f over dual numbers: x, y and v carry the direction (dx, dy, dv). Throws nothing but
 * what the program would (none): control flow uses exceptions internally.
 */
export function evalFullDual(p: FProgram, x: D, y: D, v: readonly D[]): D {
  const globalArrays = new Map<string, D[]>([
    ["v", [...v]],
    ["w", Array.from({ length: ARRAY_LENGTH }, () => dual(0))],
    ["z", Array.from({ length: ARRAY_LENGTH }, () => dual(0))],
    ["q", [y, dual(0.5), x]],
  ]);

  const index = (i: FIndex, env: Env): number => (i.k === "const" ? i.i : (env.get(i.name)!.v + i.shift) % ARRAY_LENGTH);

  const ev = (e: FExpr, env: Env, arrays: Map<string, D[]>): D => {
    switch (e.k) {
      case "num":
        return dual(e.v);
      case "var":
        return env.get(e.name)!;
      case "elem":
        return arrays.get(e.arr)![index(e.index, env)];
      case "len":
        return dual(arrays.get(e.arr)!.length);
      case "neg": {
        const a = ev(e.a, env, arrays);
        return dual(-a.v, -a.d);
      }
      case "bin": {
        const a = ev(e.a, env, arrays);
        const b = ev(e.b, env, arrays);
        return binary(e.op, a, b);
      }
      case "math":
        return evalMath(e.fn, e.args.map((z) => ev(z, env, arrays)));
      case "cond":
        return cond(e.c, env, arrays) ? ev(e.a, env, arrays) : ev(e.b, env, arrays);
      case "callH": {
        const a = ev(e.a, env, arrays);
        const b = ev(e.b, env, arrays);
        return callH(a, b);
      }
      case "callG": {
        const c = ev(e.c, env, arrays);
        let acc = c;
        for (const elem of arrays.get(e.arr)!) {
          const step = ev(p.g.step, new Map([["e", elem], ["acc", acc], ["c", c]]), arrays);
          acc = p.g.op === "=" ? step : binary("+", acc, step);
        }
        return acc;
      }
    }
  };

  const cond = (c: FCond, env: Env, arrays: Map<string, D[]>): boolean => {
    switch (c.k) {
      case "cmp": {
        const a = ev(c.a, env, arrays).v;
        const b = ev(c.b, env, arrays).v;
        return c.op === "<" ? a < b : c.op === "<=" ? a <= b : c.op === ">" ? a > b : a >= b;
      }
      case "and":
        return cond(c.a, env, arrays) && cond(c.b, env, arrays);
      case "or":
        return cond(c.a, env, arrays) || cond(c.b, env, arrays);
      case "not":
        return !cond(c.a, env, arrays);
    }
  };

  const bound = (b: FBound, env: Env, arrays: Map<string, D[]>): number =>
    b.k === "const" ? b.n : b.k === "length" ? ARRAY_LENGTH : Math.floor(2 + 1.5 * Math.sin(ev(b.e, env, arrays).v));

  /** Runs a loop body; returns false when the loop must stop (break). */
  const iteration = (body: readonly FStmt[], env: Env, arrays: Map<string, D[]>): boolean => {
    try {
      run(body, env, arrays);
    } catch (signal) {
      if (signal instanceof Break) return false;
      if (!(signal instanceof Continue)) throw signal;
    }
    return true;
  };

  const run = (stmts: readonly FStmt[], env: Env, arrays: Map<string, D[]>): void => {
    for (const s of stmts) {
      switch (s.k) {
        case "assign": {
          const val = ev(s.e, env, arrays);
          env.set(s.name, s.op === "=" ? val : binary(s.op[0] as "+", env.get(s.name)!, val));
          break;
        }
        case "incdec": {
          const cur = env.get(s.name)!;
          env.set(s.name, dual(s.op === "++" ? cur.v + 1 : cur.v - 1, cur.d));
          break;
        }
        case "store": {
          const arr = arrays.get(s.arr)!;
          const k = index(s.index, env);
          const val = ev(s.e, env, arrays);
          // A Float64Array stores what a number[] stores: doubles.
          arr[k] = s.op === "=" ? val : binary(s.op[0] as "+", arr[k], val);
          break;
        }
        case "if":
          if (cond(s.c, env, arrays)) run(s.then, env, arrays);
          else if (s.else !== null) run(s.else, env, arrays);
          break;
        case "switch": {
          const disc = ev(s.disc, env, arrays).v;
          let start = s.cases.findIndex((c) => c.label === disc);
          if (start < 0) start = s.cases.findIndex((c) => c.label === null);
          if (start < 0) break;
          try {
            for (let k = start; k < s.cases.length; k++) {
              run(s.cases[k].body, env, arrays);
              if (s.cases[k].brk) break;
            }
          } catch (signal) {
            if (!(signal instanceof Break)) throw signal;
          }
          break;
        }
        case "for":
          env.set(s.counter, dual(0));
          while (env.get(s.counter)!.v < bound(s.bound, env, arrays)) {
            if (!iteration(s.body, env, arrays)) break;
            env.set(s.counter, dual(env.get(s.counter)!.v + 1));
          }
          env.delete(s.counter);
          break;
        case "while":
          env.set(s.counter, dual(0));
          while (bound(s.bound, env, arrays) > env.get(s.counter)!.v && (s.c === null || cond(s.c, env, arrays))) {
            env.set(s.counter, dual(env.get(s.counter)!.v + 1));
            if (!iteration(s.body, env, arrays)) break;
          }
          env.delete(s.counter);
          break;
        case "doWhile":
          env.set(s.counter, dual(0));
          do {
            env.set(s.counter, dual(env.get(s.counter)!.v + 1));
            if (!iteration(s.body, env, arrays)) break;
          } while (bound(s.bound, env, arrays) > env.get(s.counter)!.v);
          env.delete(s.counter);
          break;
        case "forOf": {
          // An array iterator reads element k when it gets there: writes to later elements are seen.
          const arr = arrays.get(s.arr)!;
          for (let k = 0; k < arr.length; k++) {
            env.set(s.elem, arr[k]);
            if (!iteration(s.body, env, arrays)) break;
          }
          env.delete(s.elem);
          break;
        }
        case "break":
          if (cond(s.c, env, arrays)) throw new Break();
          break;
        case "continue":
          if (cond(s.c, env, arrays)) throw new Continue();
          break;
        case "return":
          if (cond(s.c, env, arrays)) throw new Return(ev(s.e, env, arrays));
          break;
      }
    }
  };

  const callH = (a: D, b: D): D => {
    const env: Env = new Map([["a", a], ["b", b], ["r", dual(0.5 * a.v, 0.5 * a.d)]]);
    const none = new Map<string, D[]>();
    try {
      run(p.h.body, env, none);
    } catch (signal) {
      if (signal instanceof Return) return signal.value;
      throw signal;
    }
    return ev(p.h.result, env, none);
  };

  const env: Env = new Map([["x", x], ["y", y], ["s", x], ["t", y]]);
  try {
    run(p.body, env, globalArrays);
  } catch (signal) {
    if (signal instanceof Return) return signal.value;
    throw signal;
  }
  return ev(p.result, env, globalArrays);
}

function binary(op: "+" | "-" | "*" | "/" | "%" | "**", a: D, b: D): D {
  switch (op) {
    case "+":
      return dual(a.v + b.v, a.d + b.d);
    case "-":
      return dual(a.v - b.v, a.d - b.d);
    case "*":
      return dual(a.v * b.v, a.d * b.v + a.v * b.d);
    case "/":
      return dual(a.v / b.v, (a.d * b.v - a.v * b.d) / (b.v * b.v));
    case "%":
      // a % b = a - trunc(a / b) b
      return dual(a.v % b.v, a.d - Math.trunc(a.v / b.v) * b.d);
    case "**":
      return dpow(a, b);
  }
}
