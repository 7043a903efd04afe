/**
 * Random differentiable programs for property tests: a small AST that prints to TypeScript (for
 * adc-ts to compile) and that an interpreter evaluates over dual numbers (the independent oracle).
 * Every generated operation stays inside its domain (divisions by 1 + e², logs of 1 + e², ...), so
 * derivatives are finite and comparisons are meaningful.
 */
import fc from "fast-check";

export type GExpr =
  | { k: "num"; v: number }
  | { k: "var"; name: string }
  | { k: "elem"; arr: string; index: GIndex }
  | { k: "add" | "sub" | "mul"; a: GExpr; b: GExpr }
  | { k: "safeDiv"; a: GExpr; b: GExpr } // a / (1 + b*b)
  | { k: "fn"; fn: "sin" | "cos" | "tanh" | "atan" | "expSin" | "sqrt1p" | "log1p2" | "abs" | "pow2" | "max"; a: GExpr; b?: GExpr }
  | { k: "cond"; c: GCond; a: GExpr; b: GExpr }
  | { k: "call"; a: GExpr; b: GExpr };

export type GIndex = { k: "const"; i: number } | { k: "loop" };
export interface GCond { op: "<" | ">"; a: GExpr; b: GExpr }

export type GStmt =
  | { k: "assign"; name: string; op: "=" | "+=" | "-=" | "*="; e: GExpr }
  | { k: "store"; arr: string; index: GIndex; e: GExpr }
  | { k: "if"; c: GCond; then: GStmt[]; else: GStmt[] }
  | { k: "for"; n: number; body: GStmt[] }
  | { k: "while"; n: number; body: GStmt[] }
  | { k: "break"; c: GCond }
  | { k: "continue"; c: GCond }
  | { k: "return"; c: GCond; e: GExpr };

export interface GProgram {
  readonly helper: GExpr; // over a, b
  readonly body: GStmt[];
  readonly result: GExpr;
}

export const ARRAY_LENGTH = 3;
const SCALARS = ["x", "y", "s", "t"];

function exprArb(depth: number, scope: readonly string[], inLoop: boolean): fc.Arbitrary<GExpr> {
  const leaves: fc.Arbitrary<GExpr>[] = [
    fc.constantFrom(...scope).map((name) => ({ k: "var", name }) as GExpr),
    fc.constantFrom(...scope).map((name) => ({ k: "var", name }) as GExpr),
    fc.integer({ min: -20, max: 20 }).map((v) => ({ k: "num", v: v / 10 }) as GExpr),
  ];
  if (scope.includes("x")) {
    leaves.push(indexArb(inLoop).chain((index) => fc.constantFrom("v", "w").map((arr) => ({ k: "elem", arr, index }) as GExpr)));
  }
  if (depth <= 0) return fc.oneof(...leaves);
  const sub = exprArb(depth - 1, scope, inLoop);
  return fc.oneof(
    { weight: 3, arbitrary: fc.oneof(...leaves) },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom("add", "sub", "mul"), sub, sub).map(([k, a, b]) => ({ k, a, b }) as GExpr) },
    { weight: 1, arbitrary: fc.tuple(sub, sub).map(([a, b]) => ({ k: "safeDiv", a, b }) as GExpr) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom("sin", "cos", "tanh", "atan", "expSin", "sqrt1p", "log1p2", "abs", "pow2", "max"), sub, sub)
        .map(([fn, a, b]) => ({ k: "fn", fn, a, ...(fn === "max" ? { b } : {}) }) as GExpr),
    },
    { weight: 1, arbitrary: fc.tuple(condArb(sub), sub, sub).map(([c, a, b]) => ({ k: "cond", c, a, b }) as GExpr) },
    // Only f calls the helper (the helper calling itself would never stop).
    { weight: scope.includes("x") ? 1 : 0, arbitrary: fc.tuple(sub, sub).map(([a, b]) => ({ k: "call", a, b }) as GExpr) },
  );
}

function indexArb(inLoop: boolean): fc.Arbitrary<GIndex> {
  const constant = fc.integer({ min: 0, max: ARRAY_LENGTH - 1 }).map((i) => ({ k: "const", i }) as GIndex);
  return inLoop ? fc.oneof(constant, fc.constant({ k: "loop" } as GIndex)) : constant;
}

function condArb(sub: fc.Arbitrary<GExpr>): fc.Arbitrary<GCond> {
  return fc.tuple(fc.constantFrom("<", ">"), sub, sub).map(([op, a, b]) => ({ op, a, b }) as GCond);
}

function stmtsArb(depth: number, inLoop: boolean): fc.Arbitrary<GStmt[]> {
  return fc.array(stmtArb(depth, inLoop), { minLength: 1, maxLength: 4 });
}

function stmtArb(depth: number, inLoop: boolean): fc.Arbitrary<GStmt> {
  const e = exprArb(2, SCALARS, inLoop);
  const c = condArb(exprArb(1, SCALARS, inLoop));
  const simple: fc.Arbitrary<GStmt>[] = [
    fc.tuple(fc.constantFrom("s", "t"), fc.constantFrom("=", "+=", "-=", "*="), e).map(([name, op, ex]) => ({ k: "assign", name, op, e: op === "*=" ? { k: "fn", fn: "tanh", a: ex } : ex }) as GStmt),
    fc.tuple(indexArb(inLoop), e).map(([index, ex]) => ({ k: "store", arr: "w", index, e: ex }) as GStmt),
    fc.tuple(c, e).map(([cond, ex]) => ({ k: "return", c: cond, e: ex }) as GStmt),
  ];
  if (inLoop) {
    simple.push(c.map((cond) => ({ k: "break", c: cond }) as GStmt));
    simple.push(c.map((cond) => ({ k: "continue", c: cond }) as GStmt));
  }
  if (depth <= 0) return fc.oneof(...simple);
  return fc.oneof(
    { weight: 4, arbitrary: fc.oneof(...simple) },
    { weight: 1, arbitrary: fc.tuple(c, stmtsArb(depth - 1, inLoop), stmtsArb(depth - 1, inLoop)).map(([cond, then, els]) => ({ k: "if", c: cond, then, else: els }) as GStmt) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 3 }), stmtsArb(depth - 1, true)).map(([n, body]) => ({ k: "for", n, body }) as GStmt) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 3 }), stmtsArb(depth - 1, true)).map(([n, body]) => ({ k: "while", n, body }) as GStmt) },
  );
}

export const programArb: fc.Arbitrary<GProgram> = fc.record({
  helper: exprArb(2, ["a", "b"], false),
  body: stmtsArb(2, false),
  result: exprArb(2, SCALARS, false),
});

// ---------- printing ----------

const num = (v: number): string => (v < 0 ? `(${v})` : String(v));

function printIndex(i: GIndex, loopVar: string | undefined): string {
  return i.k === "const" ? String(i.i) : `${loopVar} % ${ARRAY_LENGTH}`;
}

export function printExpr(e: GExpr, loopVar?: string): string {
  const p = (x: GExpr): string => printExpr(x, loopVar);
  switch (e.k) {
    case "num":
      return num(e.v);
    case "var":
      return e.name;
    case "elem":
      return `${e.arr}[${printIndex(e.index, loopVar)}]`;
    case "add":
      return `(${p(e.a)} + ${p(e.b)})`;
    case "sub":
      return `(${p(e.a)} - ${p(e.b)})`;
    case "mul":
      return `(${p(e.a)} * ${p(e.b)})`;
    case "safeDiv":
      return `(${p(e.a)} / (1 + ${p(e.b)} * ${p(e.b)}))`;
    case "fn":
      switch (e.fn) {
        case "expSin":
          return `Math.exp(Math.sin(${p(e.a)}))`;
        case "sqrt1p":
          return `Math.sqrt(1 + ${p(e.a)} ** 2)`;
        case "log1p2":
          return `Math.log(1 + ${p(e.a)} * ${p(e.a)})`;
        case "pow2":
          return `Math.pow(${p(e.a)}, 2)`;
        case "max":
          return `Math.max(${p(e.a)}, ${p(e.b!)})`;
        default:
          return `Math.${e.fn}(${p(e.a)})`;
      }
    case "cond":
      return `(${printCond(e.c, loopVar)} ? ${p(e.a)} : ${p(e.b)})`;
    case "call":
      return `helper(${p(e.a)}, ${p(e.b)})`;
  }
}

function printCond(c: GCond, loopVar?: string): string {
  // `a < (b > c ? ...)` parses as type arguments in TypeScript: write a < b as b > a.
  return c.op === ">" ? `${printExpr(c.a, loopVar)} > ${printExpr(c.b, loopVar)}` : `${printExpr(c.b, loopVar)} > ${printExpr(c.a, loopVar)}`;
}

function printStmts(stmts: readonly GStmt[], indent: string, loopDepth: number, out: string[]): void {
  const loopVar = loopDepth > 0 ? `i${loopDepth}` : undefined;
  for (const s of stmts) {
    switch (s.k) {
      case "assign":
        out.push(`${indent}${s.name} ${s.op} ${printExpr(s.e, loopVar)};`);
        break;
      case "store":
        out.push(`${indent}${s.arr}[${printIndex(s.index, loopVar)}] = ${printExpr(s.e, loopVar)};`);
        break;
      case "if":
        out.push(`${indent}if (${printCond(s.c, loopVar)}) {`);
        printStmts(s.then, indent + "  ", loopDepth, out);
        out.push(`${indent}} else {`);
        printStmts(s.else, indent + "  ", loopDepth, out);
        out.push(`${indent}}`);
        break;
      case "for": {
        const i = `i${loopDepth + 1}`;
        out.push(`${indent}for (let ${i} = 0; ${i} < ${s.n}; ${i}++) {`);
        printStmts(s.body, indent + "  ", loopDepth + 1, out);
        out.push(`${indent}}`);
        break;
      }
      case "while": {
        const i = `i${loopDepth + 1}`;
        out.push(`${indent}{`);
        out.push(`${indent}  let ${i} = 0;`);
        out.push(`${indent}  while (${i} < ${s.n}) {`);
        out.push(`${indent}    ${i}++;`);
        printStmts(s.body, indent + "    ", loopDepth + 1, out);
        out.push(`${indent}  }`);
        out.push(`${indent}}`);
        break;
      }
      case "break":
      case "continue":
        out.push(`${indent}if (${printCond(s.c, loopVar)}) ${s.k};`);
        break;
      case "return":
        out.push(`${indent}if (${printCond(s.c, loopVar)}) return ${printExpr(s.e, loopVar)};`);
        break;
    }
  }
}

/** The program as a TypeScript module: `helper` (not annotated) and the annotated `f`. */
export function printProgram(p: GProgram): string {
  const out: string[] = [
    "function helper(a: number, b: number): number {",
    `  return ${printExpr(p.helper)};`,
    "}",
    "",
    "/** @differentiable */",
    "export function f(x: number, y: number, v: number[]): number {",
    "  let s = x;",
    "  let t = y;",
    `  const w = new Float64Array(${ARRAY_LENGTH});`,
  ];
  printStmts(p.body, "  ", 0, out);
  out.push(`  return ${printExpr(p.result)};`, "}", "");
  return out.join("\n");
}

// ---------- the dual-number oracle ----------

export interface D {
  readonly v: number;
  readonly d: number;
}

const dual = (v: number, d = 0): D => ({ v, d });
const dmul = (a: D, b: D): D => dual(a.v * b.v, a.d * b.v + a.v * b.d);
const dadd = (a: D, b: D): D => dual(a.v + b.v, a.d + b.d);
const dsub = (a: D, b: D): D => dual(a.v - b.v, a.d - b.d);
const ddiv = (a: D, b: D): D => dual(a.v / b.v, (a.d * b.v - a.v * b.d) / (b.v * b.v));

class Return {
  constructor(readonly value: D) {}
}
class Break {}
class Continue {}

/** Evaluate f over dual numbers: x, y and v carry the direction (dx, dy, dv). */
export function evalDual(p: GProgram, x: D, y: D, v: readonly D[]): D {
  const env = new Map<string, D>([["x", x], ["y", y], ["s", x], ["t", y]]);
  const arrays = new Map<string, D[]>([["v", [...v]], ["w", Array.from({ length: ARRAY_LENGTH }, () => dual(0))]]);
  const loopVars: number[] = [];
  const index = (i: GIndex): number => (i.k === "const" ? i.i : loopVars[loopVars.length - 1] % ARRAY_LENGTH);

  const ev = (e: GExpr, scope: Map<string, D>): D => {
    switch (e.k) {
      case "num":
        return dual(e.v);
      case "var":
        return scope.get(e.name)!;
      case "elem":
        return arrays.get(e.arr)![index(e.index)];
      case "add":
        return dadd(ev(e.a, scope), ev(e.b, scope));
      case "sub":
        return dsub(ev(e.a, scope), ev(e.b, scope));
      case "mul":
        return dmul(ev(e.a, scope), ev(e.b, scope));
      case "safeDiv": {
        const b = ev(e.b, scope);
        return ddiv(ev(e.a, scope), dadd(dual(1), dmul(b, b)));
      }
      case "fn": {
        const a = ev(e.a, scope);
        switch (e.fn) {
          case "sin":
            return dual(Math.sin(a.v), Math.cos(a.v) * a.d);
          case "cos":
            return dual(Math.cos(a.v), -Math.sin(a.v) * a.d);
          case "tanh": {
            const t = Math.tanh(a.v);
            return dual(t, (1 - t * t) * a.d);
          }
          case "atan":
            return dual(Math.atan(a.v), a.d / (1 + a.v * a.v));
          case "expSin": {
            const ex = Math.exp(Math.sin(a.v));
            return dual(ex, ex * Math.cos(a.v) * a.d);
          }
          case "sqrt1p": {
            const r = Math.sqrt(1 + a.v ** 2);
            return dual(r, (a.v * a.d) / r);
          }
          case "log1p2":
            return dual(Math.log(1 + a.v * a.v), (2 * a.v * a.d) / (1 + a.v * a.v));
          case "abs":
            return dual(Math.abs(a.v), Math.sign(a.v) * a.d);
          case "pow2":
            return dual(a.v ** 2, 2 * a.v * a.d);
          case "max": {
            const b = ev(e.b!, scope);
            return a.v >= b.v ? dual(Math.max(a.v, b.v), a.d) : dual(Math.max(a.v, b.v), b.d);
          }
        }
        throw new Error("unreachable");
      }
      case "cond":
        return cond(e.c, scope) ? ev(e.a, scope) : ev(e.b, scope);
      case "call": {
        const inner = new Map([["a", ev(e.a, scope)], ["b", ev(e.b, scope)]]);
        return ev(p.helper, inner);
      }
    }
  };
  const cond = (c: GCond, scope: Map<string, D>): boolean => {
    const a = ev(c.a, scope).v;
    const b = ev(c.b, scope).v;
    return c.op === "<" ? a < b : a > b;
  };
  const run = (stmts: readonly GStmt[]): void => {
    for (const s of stmts) {
      switch (s.k) {
        case "assign": {
          const cur = env.get(s.name)!;
          const val = ev(s.e, env);
          env.set(s.name, s.op === "=" ? val : s.op === "+=" ? dadd(cur, val) : s.op === "-=" ? dsub(cur, val) : dmul(cur, val));
          break;
        }
        case "store":
          arrays.get(s.arr)![index(s.index)] = ev(s.e, env);
          break;
        case "if":
          run(cond(s.c, env) ? s.then : s.else);
          break;
        case "for":
        case "while":
          for (let i = 0; i < s.n; i++) {
            loopVars.push(s.k === "for" ? i : i + 1);
            try {
              run(s.body);
            } catch (signal) {
              if (signal instanceof Break) {
                loopVars.pop();
                break;
              }
              if (!(signal instanceof Continue)) {
                loopVars.pop();
                throw signal;
              }
            }
            loopVars.pop();
          }
          break;
        case "break":
          if (cond(s.c, env)) throw new Break();
          break;
        case "continue":
          if (cond(s.c, env)) throw new Continue();
          break;
        case "return":
          if (cond(s.c, env)) throw new Return(ev(s.e, env));
          break;
      }
    }
  };
  try {
    run(p.body);
  } catch (signal) {
    if (signal instanceof Return) return signal.value;
    throw signal;
  }
  return ev(p.result, env);
}
