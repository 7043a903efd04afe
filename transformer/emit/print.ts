/**
 * IR back to TypeScript text: two-space indentation, parentheses only where precedence or
 * floating-point grouping needs them, deterministic in every byte.
 */
import type { Declarator, Expr, LValue, Param, Stmt } from "../ir/ir.js";
import { isTypedArray } from "../ir/types.js";
import { mathConstants } from "../../src/runtime/rules.js";

/** A function the modes produce, ready to print. */
export interface GeneratedFunction {
  readonly name: string;
  readonly exported: boolean;
  readonly params: readonly GeneratedParam[];
  readonly returnType: string;
  readonly body: readonly Stmt[];
  /** One line of comment above the function. */
  readonly doc?: string;
}

/** A parameter of a generated function: optional (`?`) or with a default value (`init`, as written). */
export interface GeneratedParam {
  readonly name: string;
  readonly type: string;
  readonly optional?: boolean;
  readonly init?: string;
}

/** The user's parameters as a generated function repeats them, defaults included. */
export function primalParams(params: readonly Param[]): GeneratedParam[] {
  return params.map((p) => ({ name: p.name, type: p.type, optional: p.optional, ...(p.init !== undefined ? { init: p.init } : {}) }));
}

/**
 * `name: T = init` for a default; `name?: T` for an optional parameter only where no required one
 * follows (TS1016), `name: T | undefined` otherwise (a caller passes undefined for it).
 */
function printParams(params: readonly GeneratedParam[]): string {
  return params
    .map((p, i) => {
      if (p.init !== undefined) return `${p.name}: ${p.type} = ${p.init}`;
      if (!p.optional) return `${p.name}: ${p.type}`;
      if (params.slice(i + 1).every((q) => q.optional || q.init !== undefined)) return `${p.name}?: ${p.type}`;
      return `${p.name}: ${p.type.includes("=>") ? `(${p.type})` : p.type} | undefined`;
    })
    .join(", ");
}

// JavaScript operator precedence (higher binds tighter).
const PREC = {
  cond: 3,
  "||": 4,
  "&&": 5,
  equality: 9,
  relational: 10,
  "+": 12,
  "-": 12,
  "*": 13,
  "/": 13,
  "%": 13,
  "**": 14,
  unary: 15,
  postfix: 17,
  primary: 20,
} as const;

function precedence(e: Expr): number {
  switch (e.k) {
    case "num":
      return e.value < 0 || Object.is(e.value, -0) ? PREC.unary : PREC.primary;
    case "bin":
      return PREC[e.op];
    case "neg":
    case "not":
      return PREC.unary;
    case "cmp":
      return e.op === "<" || e.op === "<=" || e.op === ">" || e.op === ">=" ? PREC.relational : PREC.equality;
    case "logic":
      return PREC[e.op];
    case "cond":
      return PREC.cond;
    case "zeros":
      return isTypedArray(e.kind) ? PREC.primary : PREC.postfix;
    case "opaque":
      return PREC.cond - 1; // unknown: always parenthesise when nested
    default:
      return PREC.primary;
  }
}

export function formatNumber(value: number, text?: string): string {
  if (text !== undefined) return text;
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  if (Object.is(value, -0)) return "-0";
  return String(value);
}

export function printExpr(e: Expr): string {
  switch (e.k) {
    case "num":
      return formatNumber(e.value, e.text);
    case "var":
      return e.nonNull ? `${e.name}!` : e.name;
    case "bin": {
      const p = PREC[e.op];
      // `**` is right-associative and takes no unary operand on its left.
      const leftNeedsParens = e.op === "**" ? precedence(e.a) <= PREC.unary : precedence(e.a) < p;
      // Parenthesise a right operand of equal precedence: floating-point + and * are not associative.
      const rightNeedsParens = e.op === "**" ? precedence(e.b) < p : precedence(e.b) <= p;
      return `${wrap(e.a, leftNeedsParens)} ${e.op} ${wrap(e.b, rightNeedsParens)}`;
    }
    case "neg": {
      const inner = printExpr(e.a);
      const needs = precedence(e.a) < PREC.unary || inner.startsWith("-");
      return needs ? `-(${inner})` : `-${inner}`;
    }
    case "not":
      return `!${wrap(e.a, precedence(e.a) < PREC.unary)}`;
    case "cmp":
    case "logic": {
      const p = precedence(e);
      return `${wrap(e.a, precedence(e.a) < p)} ${e.op} ${wrap(e.b, precedence(e.b) <= p)}`;
    }
    case "cond":
      return `${wrap(e.c, precedence(e.c) <= PREC.cond)} ? ${wrap(e.a, precedence(e.a) < PREC.cond)} : ${wrap(e.b, precedence(e.b) < PREC.cond)}`;
    case "math":
      if (e.rule !== undefined) return `${e.rule.callee}(${e.args.map(printExpr).join(", ")})`;
      if (e.args.length === 0 && e.fn in mathConstants) return `Math.${e.fn}`;
      return `Math.${e.fn}(${e.args.map(printExpr).join(", ")})`;
    case "call":
      return `${e.fn}(${e.args.map(printExpr).join(", ")})`;
    case "index":
      return `${wrap(e.arr, precedence(e.arr) < PREC.postfix)}[${printExpr(e.index)}]`;
    case "length":
      return `${wrap(e.arr, precedence(e.arr) < PREC.postfix)}.length`;
    case "zeros":
      return isTypedArray(e.kind)
        ? `new ${e.kind}(${printExpr(e.size)})`
        : `new Array<number>(${printExpr(e.size)}).fill(0)`;
    case "arraylit":
      return `[${e.elems.map(printExpr).join(", ")}]`;
    case "field":
      return `${wrap(e.obj, precedence(e.obj) < PREC.postfix)}${propertyAccess(e.name)}`;
    case "record":
      return e.fields.length === 0 ? "{}" : `{ ${e.fields.map((f) => (f.value.k === "var" && f.value.name === f.name && !f.value.nonNull ? f.name : `${propertyKey(f.name)}: ${printExpr(f.value)}`)).join(", ")} }`;
    case "opaque":
      return e.text;
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** `.x`, or `["a b"]` for a key that is not an identifier. */
const propertyAccess = (name: string): string => (IDENTIFIER.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`);
const propertyKey = (name: string): string => (IDENTIFIER.test(name) ? name : JSON.stringify(name));

function wrap(e: Expr, parens: boolean): string {
  const s = printExpr(e);
  return parens ? `(${s})` : s;
}

function printLValue(t: LValue): string {
  return t.k === "var" ? t.name : printExpr(t);
}

function printDeclarator(d: Declarator): string {
  return `${d.name}${d.type !== undefined ? `: ${d.type}` : ""}${d.init !== undefined ? ` = ${printExpr(d.init)}` : ""}`;
}

/** A statement that is also an expression, as in a `for` header. */
function printInline(s: Stmt): string {
  switch (s.k) {
    case "let":
      return `${s.decl} ${s.decls.map(printDeclarator).join(", ")}`;
    case "assign":
      if (s.increment !== undefined) return `${printLValue(s.target)}${s.increment}`;
      return `${printLValue(s.target)} ${s.op} ${printExpr(s.value)}`;
    case "expr":
      return printExpr(s.expr);
    default:
      throw new Error(`internal: ${s.k} cannot stand in a for header`);
  }
}

export function printStmts(stmts: readonly Stmt[], indent: string, out: string[]): void {
  for (const s of stmts) printStmt(s, indent, out);
}

function printBlock(body: readonly Stmt[], indent: string, out: string[]): void {
  printStmts(body, indent + "  ", out);
}

function printStmt(s: Stmt, indent: string, out: string[]): void {
  switch (s.k) {
    case "let":
    case "assign":
    case "expr":
      out.push(`${indent}${printInline(s)};`);
      return;
    case "destructure":
      out.push(`${indent}${s.decl} [${s.names.join(", ")}] = ${printExpr(s.value)};`);
      return;
    case "if": {
      out.push(`${indent}if (${printExpr(s.cond)}) {`);
      printBlock(s.then, indent, out);
      let rest = s.else;
      while (rest !== undefined && rest.length === 1 && rest[0].k === "if") {
        const elseIf: Extract<Stmt, { k: "if" }> = rest[0];
        out.push(`${indent}} else if (${printExpr(elseIf.cond)}) {`);
        printBlock(elseIf.then, indent, out);
        rest = elseIf.else;
      }
      if (rest !== undefined && rest.length > 0) {
        out.push(`${indent}} else {`);
        printBlock(rest, indent, out);
      }
      out.push(`${indent}}`);
      return;
    }
    case "for": {
      const init = s.init.map(printInline).join(", ");
      const cond = s.cond !== undefined ? ` ${printExpr(s.cond)}` : "";
      const update = s.update.length > 0 ? ` ${s.update.map(printInline).join(", ")}` : "";
      out.push(`${indent}for (${init};${cond};${update}) {`);
      printBlock(s.body, indent, out);
      out.push(`${indent}}`);
      return;
    }
    case "while":
      out.push(`${indent}while (${printExpr(s.cond)}) {`);
      printBlock(s.body, indent, out);
      out.push(`${indent}}`);
      return;
    case "do":
      out.push(`${indent}do {`);
      printBlock(s.body, indent, out);
      out.push(`${indent}} while (${printExpr(s.cond)});`);
      return;
    case "switch":
      out.push(`${indent}switch (${printExpr(s.disc)}) {`);
      for (const c of s.cases) {
        out.push(c.test !== undefined ? `${indent}  case ${printExpr(c.test)}:` : `${indent}  default:`);
        printStmts(c.body, indent + "    ", out);
      }
      out.push(`${indent}}`);
      return;
    case "break":
      out.push(`${indent}break;`);
      return;
    case "continue":
      out.push(`${indent}continue;`);
      return;
    case "return":
      out.push(s.value !== undefined ? `${indent}return ${printExpr(s.value)};` : `${indent}return;`);
      return;
    case "block":
      out.push(`${indent}{`);
      printBlock(s.body, indent, out);
      out.push(`${indent}}`);
      return;
    case "opaque":
      for (const line of reindent(s.stmt.text, indent)) out.push(line);
      return;
  }
}

/** Re-indent verbatim source text to the given indentation, keeping its relative layout. */
function reindent(text: string, indent: string): string[] {
  const lines = text.split("\n");
  const rest = lines.slice(1).filter((l) => l.trim() !== "");
  const common = rest.length === 0 ? 0 : Math.min(...rest.map((l) => l.length - l.trimStart().length));
  const baseOffset = Math.max(0, common - 2);
  return lines.map((l, i) => (i === 0 ? indent + l.trim() : indent + l.slice(Math.min(baseOffset, l.length - l.trimStart().length))));
}

export function printFunction(f: GeneratedFunction): string {
  const out: string[] = [];
  if (f.doc !== undefined) out.push(`/** ${f.doc} */`);
  out.push(`${f.exported ? "export " : ""}function ${f.name}(${printParams(f.params)}): ${f.returnType} {`);
  printStmts(f.body, "  ", out);
  out.push("}");
  return out.join("\n");
}
