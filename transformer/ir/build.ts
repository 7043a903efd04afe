/**
 * Smart constructors for IR expressions. They fold the 0s and 1s that derivative rules produce, so the
 * generated code reads like a hand-written derivative rather than a chain-rule transcript.
 */
import type { Algebra, Comparison, Rule } from "../../src/runtime/rules.js";
import { mathConstants, numberAlgebra, rules, userRule } from "../../src/runtime/rules.js";
import type { BinaryOp, Expr, LValue, SourcePos, Stmt, UserRuleCall } from "./ir.js";

export const num = (value: number): Expr => ({ k: "num", value });
export const ref = (name: string): Expr => ({ k: "var", name });

/**
 * The arguments of a call to which a derivative call appends more (tangents, adjoints): those the call
 * leaves out of the callee's `count` parameters passed as `undefined`, so that their defaults apply and
 * what follows lands in its place.
 */
export const allArguments = (args: readonly Expr[], count: number): Expr[] => [...args, ...new Array<Expr>(Math.max(0, count - args.length)).fill(ref("undefined"))];
export const index = (arr: Expr, i: Expr): Expr => ({ k: "index", arr, index: i });
export const field = (obj: Expr, name: string): Expr => ({ k: "field", obj, name });

export const isNum = (e: Expr, v?: number): boolean =>
  e.k === "num" && (v === undefined || Object.is(e.value, v) || (v === 0 && e.value === 0));

export function neg(a: Expr): Expr {
  if (a.k === "num") return num(-a.value);
  if (a.k === "neg") return a.a;
  if (a.k === "bin" && a.op === "-") return bin("-", a.b, a.a);
  return { k: "neg", a };
}

function bin(op: BinaryOp, a: Expr, b: Expr): Expr {
  return { k: "bin", op, a, b };
}

export function add(a: Expr, b: Expr): Expr {
  if (isNum(a, 0)) return b;
  if (isNum(b, 0)) return a;
  if (a.k === "num" && b.k === "num") return num(a.value + b.value);
  if (b.k === "neg") return sub(a, b.a);
  if (b.k === "num" && b.value < 0) return bin("-", a, num(-b.value));
  return bin("+", a, b);
}

export function sub(a: Expr, b: Expr): Expr {
  if (isNum(b, 0)) return a;
  if (isNum(a, 0)) return neg(b);
  if (a.k === "num" && b.k === "num") return num(a.value - b.value);
  if (b.k === "neg") return add(a, b.a);
  if (b.k === "num" && b.value < 0) return bin("+", a, num(-b.value));
  return bin("-", a, b);
}

export function mul(a: Expr, b: Expr): Expr {
  if (isNum(a, 0) || isNum(b, 0)) return num(0);
  if (isNum(a, 1)) return b;
  if (isNum(b, 1)) return a;
  if (isNum(a, -1)) return neg(b);
  if (isNum(b, -1)) return neg(a);
  if (a.k === "num" && b.k === "num") return num(a.value * b.value);
  // (1 / u) * b reads better as b / u (and rounds the same way or better).
  if (a.k === "bin" && a.op === "/" && isNum(a.a, 1)) return div(b, a.b);
  if (b.k === "bin" && b.op === "/" && isNum(b.a, 1)) return div(a, b.b);
  // Keep a sign outside the product: -(a * b) reads better than -a * b.
  if (a.k === "neg") return neg(mul(a.a, b));
  if (b.k === "neg") return neg(mul(a, b.a));
  return bin("*", a, b);
}

export function div(a: Expr, b: Expr): Expr {
  if (isNum(b, 1)) return a;
  if (isNum(a, 0)) return num(0);
  if (a.k === "neg") return neg(div(a.a, b));
  return bin("/", a, b);
}

export function pow(a: Expr, b: Expr): Expr {
  if (isNum(b, 1)) return a;
  if (isNum(b, 0)) return num(1);
  return bin("**", a, b);
}

export function math(fn: string, args: readonly Expr[]): Expr {
  return { k: "math", fn, args };
}

export function select(lhs: Expr, op: Comparison, rhs: Expr, then: Expr, otherwise: Expr): Expr {
  if (then.k === "num" && otherwise.k === "num" && then.value === otherwise.value) return then;
  // A comparison of two constants is decided here, not at run time.
  if (lhs.k === "num" && rhs.k === "num") return numberAlgebra.select(lhs.value, op, rhs.value, 1, 0) === 1 ? then : otherwise;
  return { k: "cond", c: { k: "cmp", op, a: lhs, b: rhs }, a: then, b: otherwise };
}

/** The rule table's algebra over IR expressions (a user's rule needs `ruleAlgebra`, which knows its call). */
export const irAlgebra: Algebra<Expr> = {
  num,
  add,
  sub,
  mul,
  div,
  neg,
  pow,
  math: (fn, args) => (fn in mathConstants && args.length === 0 ? math(fn, []) : math(fn, args)),
  select,
  userPartials: (fn) => {
    throw new Error(`internal: the partials of the rule ${fn} need ruleAlgebra`);
  },
};

const userRules = new WeakMap<UserRuleCall, Rule>();

/** The rule of an intrinsic: a row of the Math table, or the user's rule it calls. */
export function ruleOf(e: Extract<Expr, { k: "math" }>): Rule | undefined {
  if (e.rule === undefined) return Object.prototype.hasOwnProperty.call(rules, e.fn) ? rules[e.fn] : undefined;
  let rule = userRules.get(e.rule);
  if (rule === undefined) userRules.set(e.rule, (rule = userRule(e.rule.target, e.rule.arity, e.rule.count)));
  return rule;
}

/** A value cheap enough to repeat in generated code instead of keeping it in a temporary. */
export function isCheap(e: Expr): boolean {
  switch (e.k) {
    case "num":
    case "var":
      return true;
    case "math":
      return e.args.length === 0;
    case "neg":
      return isCheap(e.a);
    case "length":
    case "field":
      return isCheap(e.k === "field" ? e.obj : e.arr);
    case "index":
      return isCheap(e.arr) && isSimpleIndex(e.index);
    default:
      return false;
  }
}

function isSimpleIndex(e: Expr): boolean {
  if (e.k === "num" || e.k === "var") return true;
  if (e.k === "bin" && (e.op === "+" || e.op === "-" || e.op === "*")) return isSimpleIndex(e.a) && isSimpleIndex(e.b);
  return false;
}

/** Local names an expression reads. */
export function exprReads(e: Expr, out: Set<string> = new Set()): Set<string> {
  if (e.k === "var") out.add(e.name);
  else if (e.k === "opaque") for (const r of e.reads) out.add(r);
  else for (const c of children(e)) exprReads(c, out);
  return out;
}

/**
 * A read of only `a.length`, as the to-be-recorded analysis tracks it apart from `a`: writing elements
 * of `a` leaves its length as it was.
 */
export const lengthKey = (name: string): string => `${name}.length`;

/** The variable a name read by `exprReadsSized` belongs to (`a` for `a.length`). */
export const readVariable = (read: string): string => (read.endsWith(".length") ? read.slice(0, -".length".length) : read);

/** Like `exprReads`, with `a.length` of a variable read as `lengthKey(a)` rather than `a`. */
export function exprReadsSized(e: Expr, out: Set<string> = new Set()): Set<string> {
  if (e.k === "length" && e.arr.k === "var") out.add(lengthKey(e.arr.name));
  else if (e.k === "var") out.add(e.name);
  else if (e.k === "opaque") for (const r of e.reads) out.add(r);
  else for (const c of children(e)) exprReadsSized(c, out);
  return out;
}

/** The variable an lvalue finally writes (the array for `a[i]`). */
export function lvalueRoot(t: LValue): string | undefined {
  if (t.k === "var") return t.name;
  let arr = t.arr;
  while (arr.k === "index") arr = arr.arr;
  return arr.k === "var" ? arr.name : undefined;
}

/** A place (`m`, `m[i]`, `m[i][j]`) with its root variable replaced by `name`: `dm[i][j]`, `m_b[i][j]`. */
export function placeOn(place: LValue, name: string): LValue {
  if (place.k === "var") return { k: "var", name };
  const arr = place.arr;
  if (arr.k !== "var" && arr.k !== "index") throw new Error("internal: placeOn of an element of an array expression");
  return { k: "index", arr: placeOn(arr, name) as Expr, index: place.index };
}

/**
 * Whether two expressions (or l-values) are the same code. Where an element access was written does
 * not matter; a call's position does, since two calls written apart are two calls.
 */
export function sameCode(a: Expr | LValue, b: Expr | LValue): boolean {
  return codeKey(a) === codeKey(b);
}

function codeKey(e: Expr | LValue): string {
  return JSON.stringify(e, function (this: { readonly k?: string }, key: string, value: unknown) {
    return key === "pos" && this.k === "index" ? undefined : value;
  });
}

/** Where the frontend read a statement (a declaration: its first declarator), if it did. */
export function stmtPos(s: Stmt): SourcePos | undefined {
  switch (s.k) {
    case "let":
      return s.decls[0]?.pos;
    case "opaque":
      return s.stmt.pos;
    case "destructure":
    case "break":
    case "continue":
    case "block":
      return undefined;
    default:
      return s.pos;
  }
}

export const assign = (target: LValue, value: Expr, op: "=" | "+=" | "-=" = "="): Stmt => ({
  k: "assign",
  target,
  op,
  value,
});


/** The sub-expressions of an expression, in evaluation order. */
export function children(e: Expr): Expr[] {
  switch (e.k) {
    case "bin":
    case "cmp":
    case "logic":
      return [e.a, e.b];
    case "neg":
    case "not":
      return [e.a];
    case "cond":
      return [e.c, e.a, e.b];
    case "math":
    case "call":
      return [...e.args];
    case "index":
      return [e.arr, e.index];
    case "length":
      return [e.arr];
    case "zeros":
      return [e.size];
    case "arraylit":
      return [...e.elems];
    case "field":
      return [e.obj];
    case "record":
      return e.fields.map((f) => f.value);
    default:
      return [];
  }
}

/** `e` with each direct sub-expression replaced by `f` of it (the counterpart of `children`). */
export function mapExpr(e: Expr, f: (child: Expr) => Expr): Expr {
  switch (e.k) {
    case "bin":
    case "cmp":
    case "logic":
      return { ...e, a: f(e.a), b: f(e.b) } as Expr;
    case "neg":
    case "not":
      return { ...e, a: f(e.a) };
    case "cond":
      return { ...e, c: f(e.c), a: f(e.a), b: f(e.b) };
    case "math":
    case "call":
      return { ...e, args: e.args.map(f) };
    case "index":
      return { ...e, arr: f(e.arr), index: f(e.index) };
    case "length":
      return { ...e, arr: f(e.arr) };
    case "zeros":
      return { ...e, size: f(e.size) };
    case "arraylit":
      return { ...e, elems: e.elems.map(f) };
    case "field":
      return { ...e, obj: f(e.obj) };
    case "record":
      return { ...e, fields: e.fields.map((x) => ({ name: x.name, value: f(x.value) })) };
    default:
      return e;
  }
}

/** `e` with every variable it reads renamed by `rename` (opaque text is left as written). */
export function renameReads(e: Expr, rename: (name: string) => string): Expr {
  if (e.k === "var") return rename(e.name) === e.name ? e : { k: "var", name: rename(e.name) };
  return mapExpr(e, (c) => renameReads(c, rename));
}

/** Every variable read in `e` replaced by `f(name)` (sums and products folded again: `0 + i` is `i`). */
export function substitute(e: Expr, f: (name: string) => Expr): Expr {
  if (e.k === "var") return f(e.name);
  const mapped = mapExpr(e, (c) => substitute(c, f));
  if (mapped.k !== "bin") return mapped;
  if (mapped.op === "+") return add(mapped.a, mapped.b);
  if (mapped.op === "-") return sub(mapped.a, mapped.b);
  if (mapped.op === "*") return mul(mapped.a, mapped.b);
  return mapped;
}

export function containsCall(e: Expr): boolean {
  return e.k === "call" || children(e).some(containsCall);
}

/**
 * A statement with its own expressions (not those of the statement lists nested in it) mapped by `e`,
 * and the names it declares or assigns as a whole mapped by `name`.
 */
export function mapStmtExprs(s: Stmt, e: (x: Expr) => Expr, name: (n: string) => string = (n) => n): Stmt {
  switch (s.k) {
    case "let":
      return { ...s, decls: s.decls.map((d) => ({ ...d, name: name(d.name), ...(d.init !== undefined ? { init: e(d.init) } : {}) })) };
    case "assign":
      return { ...s, target: s.target.k === "var" ? { k: "var", name: name(s.target.name) } : { k: "index", arr: e(s.target.arr), index: e(s.target.index) }, value: e(s.value) };
    case "destructure":
      return { ...s, names: s.names.map(name), value: e(s.value) };
    case "if":
    case "while":
    case "do":
      return { ...s, cond: e(s.cond) };
    case "for":
      return s.cond !== undefined ? { ...s, cond: e(s.cond) } : s;
    case "switch":
      return { ...s, disc: e(s.disc), cases: s.cases.map((c) => (c.test !== undefined ? { ...c, test: e(c.test) } : c)) };
    case "return":
      return s.value !== undefined ? { ...s, value: e(s.value) } : s;
    case "expr":
      return { ...s, expr: e(s.expr) };
    default:
      return s;
  }
}

/** Every statement of `stmts` and of the lists nested in them, outer ones first. */
export function walkStmts(stmts: readonly Stmt[], visit: (s: Stmt) => void): void {
  for (const s of stmts) {
    visit(s);
    for (const child of childLists(s)) walkStmts(child, visit);
  }
}

/** Whether statements hold code adc-ts could not represent (opaque statements or expressions). */
export function containsOpaque(stmts: readonly Stmt[]): boolean {
  return stmts.some((s) => s.k === "opaque") || containsExpr(stmts, (e) => e.k === "opaque") || stmts.some((s) => childLists(s).some(containsOpaque));
}

/** Whether statements (nested ones included) hold an expression `test` accepts. */
export function containsExpr(stmts: readonly Stmt[], test: (e: Expr) => boolean): boolean {
  const inExpr = (e: Expr): boolean => test(e) || children(e).some(inExpr);
  return stmts.some((s) => stmtExprs(s).some(inExpr) || childLists(s).some((list) => containsExpr(list, test)));
}

/** The statement lists nested in a statement (branches, loop parts, cases). */
export function childLists(s: Stmt): (readonly Stmt[])[] {
  switch (s.k) {
    case "if":
      return s.else ? [s.then, s.else] : [s.then];
    case "for":
      return [s.init, s.update, s.body];
    case "while":
    case "do":
    case "block":
      return [s.body];
    case "switch":
      return s.cases.map((c) => c.body);
    default:
      return [];
  }
}

/**
 * Every write of a whole variable in `stmts` and the statements nested in them: a declaration with a
 * value, or an assignment `x op= e`. `top`: the write stands directly in `stmts`.
 */
export function forEachVarWrite(stmts: readonly Stmt[], visit: (name: string, value: Expr, at: { readonly pos?: SourcePos; readonly top: boolean; readonly declaration: boolean }) => void, top = true): void {
  for (const s of stmts) {
    if (s.k === "let") for (const d of s.decls) if (d.init !== undefined) visit(d.name, d.init, { pos: d.pos, top, declaration: true });
    if (s.k === "assign" && s.target.k === "var") visit(s.target.name, s.value, { pos: s.pos, top, declaration: false });
    for (const child of childLists(s)) forEachVarWrite(child, visit, false);
  }
}

/** The variables statements assign as a whole after their declaration (worked out once per list: asked again and again). */
const reassignedIn = new WeakMap<readonly Stmt[], ReadonlySet<string>>();

export function reassignedNames(stmts: readonly Stmt[]): ReadonlySet<string> {
  let out = reassignedIn.get(stmts);
  if (out === undefined) {
    const found = new Set<string>();
    forEachVarWrite(stmts, (name, _value, at) => {
      if (!at.declaration) found.add(name);
    });
    out = found;
    reassignedIn.set(stmts, out);
  }
  return out;
}

/**
 * The variables an array expression may evaluate to (a variable, a choice of them, the array of arrays
 * a row is read from); none for a new array; undefined if not known.
 */
export function arrayHolders(e: Expr): string[] | undefined {
  switch (e.k) {
    case "var":
      return [e.name];
    case "index": {
      let root: Expr = e;
      while (root.k === "index") root = root.arr;
      return root.k === "var" ? [root.name] : undefined;
    }
    case "cond": {
      const a = arrayHolders(e.a);
      const b = arrayHolders(e.b);
      return a !== undefined && b !== undefined ? [...a, ...b] : undefined;
    }
    case "arraylit":
    case "zeros":
    case "call":
      return [];
    default:
      return undefined;
  }
}

/** `s` with each nested statement list replaced by `f` of it (the counterpart of `childLists`). */
export function mapChildLists(s: Stmt, f: (list: readonly Stmt[]) => Stmt[]): Stmt {
  switch (s.k) {
    case "if":
      return { ...s, then: f(s.then), ...(s.else ? { else: f(s.else) } : {}) };
    case "for":
      return { ...s, init: f(s.init), update: f(s.update), body: f(s.body) };
    case "while":
    case "do":
    case "block":
      return { ...s, body: f(s.body) };
    case "switch":
      return { ...s, cases: s.cases.map((c) => ({ ...c, body: f(c.body) })) };
    default:
      return s;
  }
}

/** The expressions a statement holds directly (not those of nested statements). */
export function stmtExprs(s: Stmt): Expr[] {
  switch (s.k) {
    case "let":
      return s.decls.flatMap((d) => (d.init !== undefined ? [d.init] : []));
    case "assign":
      return s.target.k === "index" ? [s.target.arr, s.target.index, s.value] : [s.value];
    case "destructure":
      return [s.value];
    case "if":
      return [s.cond];
    case "for":
      return s.cond ? [s.cond] : [];
    case "while":
    case "do":
      return [s.cond];
    case "switch":
      return [s.disc, ...s.cases.flatMap((c) => (c.test ? [c.test] : []))];
    case "return":
      return s.value !== undefined ? [s.value] : [];
    case "expr":
      return [s.expr];
    default:
      return [];
  }
}

/** The calls in statements (in conditions, values and indices alike), nested statements included unless `nested` is false. */
export function callsIn(stmts: readonly Stmt[], nested = true): Extract<Expr, { k: "call" }>[] {
  const out: Extract<Expr, { k: "call" }>[] = [];
  const visit = (e: Expr): void => {
    if (e.k === "call") out.push(e);
    for (const c of children(e)) visit(c);
  };
  const visitStmts = (list: readonly Stmt[]): void => {
    for (const s of list) {
      for (const e of stmtExprs(s)) visit(e);
      if (nested) for (const child of childLists(s)) visitStmts(child);
    }
  };
  visitStmts(stmts);
  return out;
}

/** Every name the statements read (expressions, indices of targets, loop headers). */
export function stmtReads(stmts: readonly Stmt[], out: Set<string> = new Set(), reads: (e: Expr, out: Set<string>) => void = exprReads): Set<string> {
  for (const s of stmts) {
    for (const e of stmtExprs(s)) reads(e, out);
    if (s.k === "assign" && s.op !== "=") out.add(lvalueRoot(s.target) ?? "");
    if (s.k === "opaque") for (const r of s.stmt.reads) out.add(r);
    for (const child of childLists(s)) stmtReads(child, out, reads);
  }
  return out;
}

/**
 * The names statements read that no declaration among them (before the read, in a scope enclosing it)
 * gives: those the code around them must declare.
 */
export function freeReads(stmts: readonly Stmt[], out: Set<string> = new Set()): Set<string> {
  const visit = (list: readonly Stmt[], scope: Set<string>): void => {
    for (const s of list) {
      const header = s.k === "for" ? new Set(scope) : scope;
      if (s.k === "for") visit(s.init, header);
      for (const n of stmtReads([mapChildLists(s, () => [])])) if (!header.has(n)) out.add(n);
      for (const child of s.k === "for" ? [s.update, s.body] : childLists(s)) visit(child, new Set(header));
      if (s.k === "let") for (const d of s.decls) scope.add(d.name);
    }
  };
  visit(stmts, new Set());
  return out;
}

/** The names opaque code inside an expression may write (`c ? x[i++] : 0`: all it names). */
function opaqueWrites(e: Expr, out: Set<string>): void {
  if (e.k === "opaque" && e.writesAt !== undefined) for (const n of e.reads) out.add(n);
  for (const c of children(e)) opaqueWrites(c, out);
}

/** Every variable a statement list may write (assignment targets, declarations, opaque code's names). */
export function writtenNames(stmts: readonly Stmt[], out: Set<string> = new Set()): Set<string> {
  for (const s of stmts) {
    for (const e of stmtExprs(s)) opaqueWrites(e, out);
    if (s.k === "let") for (const d of s.decls) out.add(d.name);
    else if (s.k === "assign") {
      const root = lvalueRoot(s.target);
      if (root !== undefined) out.add(root);
    } else if (s.k === "destructure") for (const n of s.names) out.add(n);
    else if (s.k === "opaque") for (const n of s.stmt.reads) out.add(n);
    for (const child of childLists(s)) writtenNames(child, out);
  }
  return out;
}
