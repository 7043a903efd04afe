/**
 * The IR reverse mode differentiates: the same language with fewer forms (IR to IR, before activity).
 * - `return`, `break` and `continue` become flags and guards, so every statement ends normally and the
 *   reverse sweep can walk each statement list backwards (the value goes to one variable, `value`);
 * - `switch` becomes an if/else chain;
 * - `x *= e` becomes `x = x * e`, and `x = x + e` becomes `x += e` (whose adjoint leaves x's alone);
 * - calls move out of expressions into statements of their own (`const g2 = g(x)`), in evaluation
 *   order, so that a call's derivative is a statement: `g_fwd` in the forward sweep, `g_bwd` in the
 *   reverse one; a ternary holding a call becomes an if/else first, so that only one branch runs;
 * - a declaration of several variables becomes one declaration per variable.
 */
import { ADC, CompileError } from "../diagnostics.js";
import type { ArrayKind, Declarator, Expr, FunctionIR, LocalInfo, LValue, SourcePos, Stmt } from "../ir/ir.js";
import { arrayOf, BOOL, localOf, NUM, opaque, typeText, arrayTypeText, isNestedArray, isTypedArray, placeType } from "../ir/types.js";
import { placeRoot } from "../analyses/pointers.js";
import { callsIn, childLists, children as exprChildren, containsCall, exprReads, exprReadsSized, lvalueRoot, mapChildLists, mapExpr, mapStmtExprs, num, reassignedNames, ref, renameReads, sameCode, stmtExprs, stmtReads, walkStmts, writtenNames } from "../ir/build.js";
import { NameScope } from "./names.js";

export interface LoweredFunction {
  readonly fn: FunctionIR;
  /** The variable holding the return value (absent for functions returning nothing). */
  readonly value?: string;
}

interface LoopFlags {
  readonly broke?: string;
  readonly continued?: string;
}

interface Exits {
  ret: boolean;
  brk: boolean;
  cnt: boolean;
}

const TRUE: Expr = { k: "num", value: 1, text: "true" };
const FALSE: Expr = { k: "num", value: 0, text: "false" };

const not = (e: Expr): Expr => ({ k: "not", a: e });
const or = (es: Expr[]): Expr => es.reduce((a, b) => ({ k: "logic", op: "||", a, b }));
const setFlag = (name: string, value: Expr, pos?: SourcePos): Stmt => ({ k: "assign", target: { k: "var", name }, op: "=", value, ...(pos !== undefined ? { pos } : {}) });

/** What lowering asks about the functions a function calls. */
export interface Callees {
  /** The shape (and kind, and type where it is written the same in any module) of a callee's result. */
  returnShapeOf(target: string): LocalInfo | undefined;
  /** The type of a callee's parameter as any module can write it, where it is not plain (`number[]`, `Float64Array`). */
  paramTypeOf(target: string, index: number): string | undefined;
}

export function lowerForReverse(fn: FunctionIR, callees: Callees): LoweredFunction {
  return new Lowering(resolveRowAliases(resolveArrayAliases(separateScopes(copyReassignedArrayParams(fn)))), callees).run();
}

/**
 * An array parameter assigned another array (`x = next`) becomes a local variable that starts as the
 * caller's array (`let x_2: number[] = x`) and is used everywhere x was: the parameter's adjoint stays
 * the caller's array's, and the local's follows whichever array it holds, as for any other pointer.
 * Not where opaque code reads the parameter (its text names it).
 */
function copyReassignedArrayParams(fn: FunctionIR): FunctionIR {
  const assigned = reassignedNames(fn.body);
  const keep = opaqueReads(fn.body);
  const copied = fn.params.filter((p) => p.shape === "array" && assigned.has(p.name) && !keep.has(p.name));
  if (copied.length === 0) return fn;
  const names = new NameScope(fn.usedNames);
  const locals = new Map(fn.locals);
  const local = new Map<string, string>();
  const prologue: Stmt[] = copied.map((p) => {
    const name = names.numbered(p.name);
    local.set(p.name, name);
    locals.set(name, localOf(p.t, { type: p.type }));
    return { k: "let", decl: "let", decls: [{ name, type: p.type, init: ref(p.name), pos: fn.pos }] };
  });
  return { ...fn, body: [...prologue, ...renameStmts(fn.body, (n) => local.get(n) ?? n, new Set())], locals, usedNames: names.names() };
}

/** Names that opaque code (statements or expressions) reads: its text names them, so they stay as written. */
function opaqueReads(stmts: readonly Stmt[]): Set<string> {
  const out = new Set<string>();
  const note = (e: Expr): void => {
    if (e.k === "opaque") for (const n of e.reads) out.add(n);
    for (const c of exprChildren(e)) note(c);
  };
  walkStmts(stmts, (s) => {
    for (const e of stmtExprs(s)) note(e);
    if (s.k === "opaque") for (const n of s.stmt.reads) out.add(n);
  });
  return out;
}

/**
 * The reverse sweep has one variable per name (declarations are hoisted to the function; adjoints and
 * the arrays a pointer may name are followed by name). A block-scoped declaration that shadows a
 * variable still in scope, an array declared again in another block, and a declaration holding another
 * kind of value than its name's first one get a name of their own (`u1_2`, `u1_3`), so that two
 * variables never share a value, an adjoint, an alias or a type. A number declared again in a sibling
 * block keeps its name (one of them is alive at a time), and so does a name opaque code reads.
 */
function separateScopes(fn: FunctionIR): FunctionIR {
  const keep = opaqueReads(fn.body);
  const declared = new Set(fn.params.map((p) => p.name));
  const names = new NameScope(fn.usedNames);
  const locals = new Map(fn.locals);
  let renamed = false;
  interface Scope {
    readonly visible: Map<string, string>;
    /** Declared in this block (a second `var` of a name is the same variable). */
    readonly here: Set<string>;
  }
  const inner = (scope: Scope): Scope => ({ visible: new Map(scope.visible), here: new Set() });
  const declare = ({ name, info }: Declarator, scope: Scope): string => {
    let own = name;
    const holds = info ?? fn.locals.get(name)!;
    const shadows = scope.visible.has(name) && !scope.here.has(name);
    const sibling = !scope.here.has(name) && (holds.shape === "array" || info !== undefined);
    // Not other values (booleans, objects, ...): the reverse sweep declares them with the type of their name.
    if (declared.has(name) && !keep.has(name) && holds.shape !== "other" && (shadows || sibling)) {
      own = names.numbered(name);
      locals.set(own, holds);
      renamed = true;
    }
    declared.add(name);
    scope.here.add(name);
    scope.visible.set(name, own);
    return own;
  };
  const list = (stmts: readonly Stmt[], scope: Scope): Stmt[] => stmts.map((s) => stmt(s, scope));
  const stmt = (s: Stmt, scope: Scope): Stmt => {
    const visible = (n: string): string => scope.visible.get(n) ?? n;
    const e = (x: Expr): Expr => renameReads(x, visible);
    switch (s.k) {
      case "let":
        return { ...s, decls: s.decls.map((d) => ({ ...d, ...(d.init !== undefined ? { init: e(d.init) } : {}), name: declare(d, scope) })) };
      case "for": {
        const header = inner(scope);
        const init = list(s.init, header);
        const cond = s.cond !== undefined ? renameReads(s.cond, (n) => header.visible.get(n) ?? n) : undefined;
        return { ...s, init, ...(cond !== undefined ? { cond } : {}), update: list(s.update, header), body: list(s.body, inner(header)) };
      }
      case "switch": {
        const cases = inner(scope);
        return { ...s, disc: e(s.disc), cases: s.cases.map((c) => ({ ...(c.test ? { test: e(c.test) } : {}), body: list(c.body, cases) })) };
      }
      default:
        // Each nested list (a branch, a loop's body, a block) is a scope of its own.
        return mapChildLists(mapStmtExprs(s, e, visible), (l) => list(l, inner(scope)));
    }
  };
  const body = list(fn.body, { visible: new Map(fn.params.map((p) => [p.name, p.name])), here: new Set() });
  return renamed ? { ...fn, body, locals, usedNames: names.names() } : fn;
}

/**
 * `const y = x` of arrays makes y another name for x's array. Where both names always mean the same
 * array (each declared once, neither assigned as a whole, y not read by opaque code), every `y` becomes
 * `x`, so the reverse sweep accumulates into one adjoint. Other aliases stay, and reverse mode reports them.
 */
function resolveArrayAliases(fn: FunctionIR): FunctionIR {
  const declared = new Map<string, number>(fn.params.map((p) => [p.name, 1]));
  const reassigned = new Set<string>();
  const readByOpaque = opaqueReads(fn.body);
  const candidates = new Map<string, string>();
  const isArray = (n: string): boolean => fn.locals.get(n)?.shape === "array";
  walkStmts(fn.body, (s) => {
    if (s.k === "let")
      for (const d of s.decls) {
        declared.set(d.name, (declared.get(d.name) ?? 0) + 1);
        if (d.init?.k === "var" && isArray(d.name) && isArray(d.init.name)) candidates.set(d.name, d.init.name);
      }
    if (s.k === "assign" && s.target.k === "var") reassigned.add(s.target.name);
    if (s.k === "destructure") for (const n of s.names) reassigned.add(n);
  });
  const stable = (n: string): boolean => declared.get(n) === 1 && !reassigned.has(n);
  const alias = new Map<string, string>();
  for (const [y, x] of candidates) if (stable(y) && stable(x) && !readByOpaque.has(y)) alias.set(y, x);
  if (alias.size === 0) return fn;
  const resolve = (n: string): string => {
    for (let seen = 0; alias.has(n) && seen <= alias.size; seen++) n = alias.get(n)!;
    return n;
  };
  return { ...fn, body: renameStmts(fn.body, resolve, new Set(alias.keys())) };
}

/**
 * A row of an array of arrays held in a constant (`const row = m[i]`, read or written as `row[j]`)
 * becomes the element it names (`m[i][j]`) where that is the same element all along: `row` declared
 * once and never assigned, `m` never assigned as a whole, and after the declaration in its block no row
 * of `m` replaced, `m` passed to no call, the index's variables not assigned, no opaque code reading
 * `row`. The reverse
 * sweep then accumulates into `m_b[i][j]`; a row alias that stays is reported by reverse mode.
 * Likewise a new row built in a variable and then stored (`const row = []; row[j] = ...; out[i] = row`)
 * is built in place (`out[i] = []; out[i][j] = ...`) where nothing reads `out` in between.
 */
function resolveRowAliases(fn: FunctionIR): FunctionIR {
  const isArray = (n: string): boolean => fn.locals.get(n)?.shape === "array";
  const declared = new Map<string, number>(fn.params.map((p) => [p.name, 1]));
  const reassigned = new Set<string>();
  walkStmts(fn.body, (s) => {
    if (s.k === "let") for (const d of s.decls) declared.set(d.name, (declared.get(d.name) ?? 0) + 1);
    if (s.k === "assign" && s.target.k === "var") reassigned.add(s.target.name);
    if (s.k === "destructure") for (const n of s.names) reassigned.add(n);
  });
  /** Whether statements may replace a row of `root` (`root[i] = ...` of an array, or a call it is passed to). */
  const replacesRows = (stmts: readonly Stmt[], root: string): boolean => {
    let found = callsIn(stmts).some((c) => c.args.some((a) => exprReads(a).has(root)));
    walkStmts(stmts, (s) => {
      if (s.k === "assign" && s.target.k === "index" && lvalueRoot(s.target) === root && placeType(s.target, (n) => fn.locals.get(n)?.t)?.k === "array") found = true;
    });
    return found;
  };
  const readByOpaque = opaqueReads(fn.body);
  const stable = (n: string): boolean => declared.get(n) === 1 && !reassigned.has(n);
  let changed = false;
  const list = (stmts: readonly Stmt[]): Stmt[] => {
    const out: Stmt[] = [];
    for (let i = 0; i < stmts.length; i++) {
      const s = stmts[i];
      const d = s.k === "let" && s.decls.length === 1 ? s.decls[0] : undefined;
      const root = d?.init?.k === "index" ? placeRoot(d.init) : undefined;
      const stored = d !== undefined && d.init !== undefined && (d.init.k === "arraylit" || d.init.k === "zeros") ? storedRow(stmts, i, d.name) : undefined;
      if (stored !== undefined) {
        const row = d!.name;
        const place: Expr = { k: "index", arr: stored.target.arr, index: stored.target.index };
        const substitute = (e: Expr): Expr => (e.k === "var" && e.name === row ? place : mapExpr(e, substitute));
        changed = true;
        out.push({ k: "assign", target: stored.target, op: "=", value: d!.init!, ...(d!.pos !== undefined ? { pos: d!.pos } : {}) });
        out.push(...list(substituteStmts(stmts.slice(i + 1).filter((x) => x !== stored.stmt), substitute)));
        return out;
      }
      if (d !== undefined && d.init !== undefined && root !== undefined && isArray(d.name) && isArray(root) && stable(d.name) && stable(root) && !readByOpaque.has(d.name) && !replacesRows(stmts.slice(i + 1), root)) {
        const rest = stmts.slice(i + 1);
        const written = writtenNames(rest);
        const indexReads = exprReads(d.init);
        indexReads.delete(root);
        if (![...indexReads].some((n) => written.has(n))) {
          const row = d.name;
          const init = d.init;
          const substitute = (e: Expr): Expr => (e.k === "var" && e.name === row ? init : mapExpr(e, substitute));
          changed = true;
          out.push(...list(substituteStmts(rest, substitute)));
          return out;
        }
      }
      out.push(mapChildLists(s, list));
    }
    return out;
  };
  /** `place = row` later in `stmts` (a row of a stable array, its indices and the array untouched from the declaration on). */
  const storedRow = (stmts: readonly Stmt[], at: number, row: string): { stmt: Stmt; target: Extract<LValue, { k: "index" }> } | undefined => {
    if (!stable(row) || readByOpaque.has(row) || !isArray(row)) return undefined;
    const b = stmts.findIndex((s, k) => k > at && s.k === "assign" && s.op === "=" && s.value.k === "var" && s.value.name === row);
    if (b < 0) return undefined;
    const store = stmts[b] as Extract<Stmt, { k: "assign" }>;
    const root = store.target.k === "index" ? lvalueRoot(store.target) : undefined;
    if (root === undefined || store.target.k !== "index" || !isArray(root) || !stable(root) || readByOpaque.has(root)) return undefined;
    const between = stmts.slice(at + 1, b);
    const reads = stmtReads(between);
    const indexReads = exprReads(store.target as Expr);
    indexReads.delete(root);
    const rest = stmts.slice(at + 1);
    // An index declared or assigned after the row's declaration has another value there (writtenNames counts declarations).
    const laterWritten = writtenNames(rest);
    if (reads.has(root) || writtenNames(between).has(root) || [...indexReads].some((n) => laterWritten.has(n))) return undefined;
    return { stmt: store, target: store.target };
  };
  const body = list(fn.body);
  return changed ? { ...fn, body } : fn;
}

/** Statements with every expression (targets' included, nested lists too) mapped by `e`. */
function substituteStmts(stmts: readonly Stmt[], e: (x: Expr) => Expr): Stmt[] {
  return stmts.map((s) => mapChildLists(mapStmtExprs(s, e), (l) => substituteStmts(l, e)));
}

/** Intrinsics whose derivative reads their result and whose evaluation is costly (not sqrt, a single instruction). */
const COSTLY_RESULTS = new Set(["exp", "expm1", "tanh", "tan", "cbrt", "hypot", "pow"]);

function isCostlyResult(e: Expr): boolean {
  if (e.k === "math") return COSTLY_RESULTS.has(e.fn) && e.args.length > 0 && e.args.some((a) => a.k !== "num");
  // x ** y with a variable exponent (a constant one folds to products or a cheap power).
  return e.k === "bin" && e.op === "**" && e.b.k !== "num";
}

/** Statements with every variable read or written through `rename`, and the declarations of `drop` removed. */
function renameStmts(stmts: readonly Stmt[], rename: (name: string) => string, drop: ReadonlySet<string>): Stmt[] {
  return stmts.flatMap((s) => {
    const kept = s.k === "let" ? { ...s, decls: s.decls.filter((d) => !drop.has(d.name)) } : s;
    if (kept.k === "let" && kept.decls.length === 0) return [];
    return [mapChildLists(mapStmtExprs(kept, (x) => renameReads(x, rename), rename), (list) => renameStmts(list, rename, drop))];
  });
}


class Lowering {
  private readonly names: NameScope;
  private readonly locals: Map<string, LocalInfo>;
  private value?: string;
  private returned?: string;
  private readonly prologue: Stmt[] = [];

  constructor(
    private readonly fn: FunctionIR,
    private readonly callee: Callees,
  ) {
    this.names = new NameScope(fn.usedNames);
    this.locals = new Map(fn.locals);
  }

  run(): LoweredFunction {
    const body = this.fn.body;
    const returns = countReturns(body);
    const last = body[body.length - 1];
    // `return c ? a : b` of arrays becomes a choice between assignments (arrayChoice): it needs `value` declared.
    const arrayChoiceReturned = last?.k === "return" && last.value?.k === "cond" && this.fn.returnShape === "array";
    const tailOnly = returns === 1 && last?.k === "return" && !arrayChoiceReturned;
    if (hasReturnValue(body)) {
      this.value = this.fresh("value", localOf(this.fn.returnT));
    }
    if (returns > 0 && !tailOnly) {
      if (this.value !== undefined) this.prologue.push({ k: "let", decl: "let", decls: [this.valueDeclarator()] });
      if (returns > 1 || last?.k !== "return") {
        this.returned = this.fresh("returned", localOf(BOOL, { type: "boolean" }));
        this.prologue.push({ k: "let", decl: "let", decls: [{ name: this.returned, init: FALSE }] });
      }
    }
    let lowered = this.list(body, {}, true);
    if (tailOnly && this.value !== undefined) {
      // `return e` at the end: `const value = e`.
      const assignment = lowered[lowered.length - 1];
      if (assignment?.k === "assign" && assignment.target.k === "var" && assignment.target.name === this.value)
        lowered = [
          ...lowered.slice(0, -1),
          // A tuple result is declared with its type (a literal alone would be a number[]).
          { k: "let", decl: "const", decls: [{ name: this.value, ...(this.fn.returnShape === "array" && this.fn.returnType.trimStart().startsWith("[") ? { type: this.fn.returnType } : {}), init: assignment.value, ...(assignment.pos !== undefined ? { pos: assignment.pos } : {}) }] },
        ];
    }
    const hoisted = this.keepResults(new CallHoisting(this.names, this.locals, this.callee).list([...this.prologue, ...lowered]), false);
    const final: Stmt[] = this.value !== undefined ? [...hoisted, { k: "return", value: ref(this.value) }] : hoisted;
    return {
      fn: { ...this.fn, body: final, locals: this.locals, usedNames: this.names.names() },
      value: this.value,
    };
  }

  /**
   * Inside loops, the result of an intrinsic whose derivative is its result and that costs a
   * transcendental evaluation (exp, tanh, x ** y, ...) goes into a `const` of its own: the reverse
   * sweep then reads it back from the tape (one push and pop) instead of evaluating it again.
   */
  private keepResults(stmts: readonly Stmt[], inLoop: boolean): Stmt[] {
    const out: Stmt[] = [];
    for (const s of stmts) {
      if (inLoop && (s.k === "let" || s.k === "assign")) {
        const pre: Stmt[] = [];
        const keep = (e: Expr, top: boolean): Expr => {
          if (e.k === "cond" || e.k === "logic") return e; // evaluated only on one branch: leave as written
          const inner = mapExpr(e, (c) => keep(c, false));
          if (top || !isCostlyResult(inner)) return inner;
          const name = this.fresh(inner.k === "math" ? inner.fn : "power", localOf(NUM));
          pre.push({ k: "let", decl: "const", decls: [{ name, init: inner }] });
          return ref(name);
        };
        if (s.k === "let") {
          const d = s.decls[0];
          const init = d.init !== undefined ? keep(d.init, true) : undefined;
          out.push(...pre, init !== undefined ? { ...s, decls: [{ ...d, init }] } : s);
        } else {
          const value = keep(s.value, s.target.k === "var" && s.op === "=");
          out.push(...pre, { ...s, value });
        }
        continue;
      }
      // A for header stays inline: only the body.
      if (s.k === "for") out.push({ ...s, body: this.keepResults(s.body, true) });
      else out.push(mapChildLists(s, (list) => this.keepResults(list, inLoop || s.k === "while" || s.k === "do")));
    }
    return out;
  }

  private valueDeclarator(): Declarator {
    const fn = this.fn;
    if (fn.returnShape === "num") return { name: this.value!, type: "number", init: num(0) };
    if (fn.returnShape === "array")
      return { name: this.value!, type: fn.returnType, init: isTypedArray(fn.returnArrayKind) ? { k: "zeros", kind: fn.returnArrayKind, size: num(0) } : { k: "arraylit", elems: [] } };
    // A type we cannot build a value of: assigned on every path that returns (TypeScript checked that).
    return { name: `${this.value!}!`, type: fn.returnType };
  }

  private fresh(base: string, info: LocalInfo): string {
    const name = this.names.fresh(base);
    this.locals.set(name, info);
    return name;
  }

  /** A statement list; `top` marks the function body (whose last `return` needs no flag). */
  private list(stmts: readonly Stmt[], loop: LoopFlags, top = false): Stmt[] {
    const out: Stmt[] = [];
    for (let i = 0; i < stmts.length; i++) {
      const s = stmts[i];
      if (s.k === "return") {
        const isLast = top && i === stmts.length - 1;
        if (s.value?.k === "cond" && this.value !== undefined && this.fn.returnShape === "array") out.push(...this.arrayChoice(this.value, s.value));
        else if (s.value !== undefined && this.value !== undefined) out.push(setFlag(this.value, s.value, s.pos));
        if (!isLast && this.returned !== undefined) out.push(setFlag(this.returned, TRUE));
        return out;
      }
      if (s.k === "break") {
        out.push(setFlag(loop.broke!, TRUE));
        return out;
      }
      if (s.k === "continue") {
        out.push(setFlag(loop.continued!, TRUE));
        return out;
      }
      out.push(...this.stmt(s, loop));
      const ex = exits(s);
      const flags: Expr[] = [];
      if (ex.ret && this.returned !== undefined) flags.push(ref(this.returned));
      if (ex.brk) flags.push(ref(loop.broke!));
      if (ex.cnt) flags.push(ref(loop.continued!));
      if (flags.length > 0 && i < stmts.length - 1) {
        const rest = this.list(stmts.slice(i + 1), loop, top);
        const lowered = out[out.length - 1];
        if (s.k === "if" && s.else === undefined && s.then[s.then.length - 1]?.k === "return" && !ex.brk && !ex.cnt && lowered?.k === "if") {
          // `if (c) { ...; return x; } rest`: rest is the else branch, not behind a flag (TypeScript then
          // keeps what c tells it, `b === undefined` say, in rest).
          if (rest.length > 0) out[out.length - 1] = { ...lowered, else: rest };
        } else if (rest.length > 0) out.push({ k: "if", cond: not(or(flags)), then: rest });
        return out;
      }
    }
    return out;
  }

  private stmt(s: Stmt, loop: LoopFlags): Stmt[] {
    switch (s.k) {
      case "let":
        // `let a = 1, b = a * x` is two statements to differentiate; `let w3: number, w4: number` stays.
        if (s.decls.every((d) => d.init === undefined)) return [s];
        return s.decls.flatMap((d): Stmt[] => {
          if (d.init?.k !== "cond" || this.locals.get(d.name)?.shape !== "array") return [{ k: "let", decl: s.decl, decls: [d] }];
          const kind = this.locals.get(d.name)?.arrayKind ?? "Array";
          const t = this.locals.get(d.name)!.t;
          const type = d.type ?? (isNestedArray(t) ? typeText(t) : arrayTypeText(kind));
          // Two new arrays: start from an empty one, so that the reverse sweep has an array to go back to.
          const empty: Expr | undefined = d.init.a.k !== "var" && d.init.b.k !== "var" ? (isTypedArray(kind) ? { k: "zeros", kind, size: num(0) } : { k: "arraylit", elems: [] }) : undefined;
          return [{ k: "let", decl: "let", decls: [{ name: d.name, type, ...(d.pos !== undefined ? { pos: d.pos } : {}), ...(empty !== undefined ? { init: empty } : {}) }] }, ...this.arrayChoice(d.name, d.init)];
        });
      case "assign":
        if (s.target.k === "var" && s.value.k === "cond" && this.locals.get(s.target.name)?.shape === "array") return this.arrayChoice(s.target.name, s.value);
        return [compound(s)];
      case "if":
        return [{ ...s, then: this.list(s.then, loop), ...(s.else ? { else: this.list(s.else, loop) } : {}) }];
      case "block":
        return [{ k: "block", body: this.list(s.body, loop) }];
      case "switch":
        return this.switchStmt(s, loop);
      case "for":
      case "while":
      case "do":
        return this.loop(s);
      default:
        return [s];
    }
  }

  /** `a = c ? p : q` of arrays is `if (c) a = p; else a = q;`: reverse mode follows each branch's array. */
  private arrayChoice(name: string, value: Extract<Expr, { k: "cond" }>): Stmt[] {
    const branch = (v: Expr): Stmt[] => this.stmt({ k: "assign", target: { k: "var", name }, op: "=", value: v }, {});
    return [{ k: "if", cond: value.c, then: branch(value.a), else: branch(value.b) }];
  }

  private loop(s: Extract<Stmt, { k: "for" | "while" | "do" }>): Stmt[] {
    const ex = exitsOfBody(s.body);
    const out: Stmt[] = [];
    const flags: LoopFlags = {
      ...(ex.brk ? { broke: this.fresh("broke", localOf(BOOL, { type: "boolean" })) } : {}),
      ...(ex.cnt ? { continued: this.fresh("continued", localOf(BOOL, { type: "boolean" })) } : {}),
    };
    if (flags.broke) out.push({ k: "let", decl: "let", decls: [{ name: flags.broke, init: FALSE }] });
    if (flags.continued) out.push({ k: "let", decl: "let", decls: [{ name: flags.continued, init: FALSE }] });
    let body = this.list(s.body, flags);
    if (flags.continued) body = [setFlag(flags.continued, FALSE), ...body];
    const stops: Expr[] = [];
    if (flags.broke) stops.push(ref(flags.broke));
    if (ex.ret && this.returned !== undefined) stops.push(ref(this.returned));
    const guard = (cond: Expr | undefined): Expr | undefined =>
      stops.length === 0 ? cond : cond === undefined ? not(or(stops)) : { k: "logic", op: "&&", a: not(or(stops)), b: cond };
    if (s.k === "while" || s.k === "do") {
      out.push({ ...s, cond: guard(s.cond)!, body });
      return out;
    }
    const init = s.init.map((x) => (x.k === "assign" ? compound(x) : x));
    const update = s.update.map((x) => (x.k === "assign" ? compound(x) : x));
    if (stops.length === 0) {
      out.push({ ...s, init, update, body });
      return out;
    }
    // The update must not run after a break: it moves to the end of the body, behind the guard.
    const loopBody = update.length > 0 ? [...body, { k: "if" as const, cond: not(or(stops)), then: update }] : body;
    out.push({ k: "block", body: [...init, { k: "for", init: [], cond: guard(s.cond), update: [], body: loopBody, ...(s.pos !== undefined ? { pos: s.pos } : {}) }] });
    return out;
  }

  private switchStmt(s: Extract<Stmt, { k: "switch" }>, loop: LoopFlags): Stmt[] {
    const out: Stmt[] = [];
    let disc = s.disc;
    if (disc.k !== "var" && disc.k !== "num") {
      const name = this.fresh("selector", localOf(NUM));
      out.push({ k: "let", decl: "const", decls: [{ name, init: disc, ...(s.pos !== undefined ? { pos: s.pos } : {}) }] });
      disc = ref(name);
    }
    const groups: { tests: Expr[]; isDefault: boolean; body: readonly Stmt[]; fallsThrough: boolean }[] = [];
    let pending: Expr[] = [];
    let pendingDefault = false;
    s.cases.forEach((c, i) => {
      if (c.test !== undefined) pending.push(c.test);
      else pendingDefault = true;
      if (c.body.length === 0 && i < s.cases.length - 1) return;
      let body = c.body;
      const lastStmt = body[body.length - 1];
      if (lastStmt?.k === "break") body = body.slice(0, -1);
      groups.push({ tests: pending, isDefault: pendingDefault, body, fallsThrough: lastStmt?.k !== "break" && i < s.cases.length - 1 && !endsWithJump(body) });
      pending = [];
      pendingDefault = false;
    });
    // A case that falls through runs the next cases' bodies too: give it a copy of them.
    for (let g = groups.length - 2; g >= 0; g--)
      if (groups[g].fallsThrough) groups[g] = { ...groups[g], body: [...groups[g].body, ...groups[g + 1].body] };
    const breaks = groups.some((g) => exitsOfBody(g.body).brk);
    const flags: LoopFlags = { ...loop, ...(breaks ? { broke: this.fresh("broke", localOf(BOOL, { type: "boolean" })) } : {}) };
    if (breaks) out.push({ k: "let", decl: "let", decls: [{ name: flags.broke!, init: FALSE }] });
    const fallback = groups.find((g) => g.isDefault);
    let chain: Stmt[] | undefined = fallback !== undefined ? this.list(fallback.body, flags) : undefined;
    for (const g of [...groups].reverse()) {
      if (g.isDefault) continue;
      const cond = or(g.tests.map((t) => ({ k: "cmp", op: "===", a: disc, b: t })));
      chain = [{ k: "if", cond, then: this.list(g.body, flags), ...(chain !== undefined && chain.length > 0 ? { else: chain } : {}), ...(s.pos !== undefined ? { pos: s.pos } : {}) }];
    }
    out.push(...(chain ?? []));
    return out;
  }
}

/** `x op= e` → `x = x op e` for the non-linear ops; `x = x + e` → `x += e`. */
function compound(s: Extract<Stmt, { k: "assign" }>): Stmt {
  const target = s.target;
  const current: Expr = target.k === "var" ? ref(target.name) : { k: "index", arr: target.arr, index: target.index };
  if (s.op === "*=" || s.op === "/=" || s.op === "%=" || s.op === "**=") {
    const op = s.op.slice(0, -1) as "*" | "/" | "%" | "**";
    return { ...s, op: "=", value: { k: "bin", op, a: current, b: s.value } };
  }
  if (s.op === "=" && s.value.k === "bin" && (s.value.op === "+" || s.value.op === "-")) {
    // x = x + e and a[i] = a[i] + e, with e not reading x (or a).
    const v = s.value;
    const root = lvalueRoot(target);
    const isTarget = (e: Expr): boolean => sameCode(e, current);
    if (root !== undefined && isTarget(v.a) && !exprReads(v.b).has(root)) return { ...s, op: v.op === "+" ? "+=" : "-=", value: v.b };
    if (root !== undefined && v.op === "+" && isTarget(v.b) && !exprReads(v.a).has(root)) return { ...s, op: "+=", value: v.a };
  }
  return s;
}

function countReturns(stmts: readonly Stmt[]): number {
  let n = 0;
  walkStmts(stmts, (s) => {
    if (s.k === "return") n++;
  });
  return n;
}

function hasReturnValue(stmts: readonly Stmt[]): boolean {
  let found = false;
  walkStmts(stmts, (s) => {
    if (s.k === "return" && s.value !== undefined) found = true;
  });
  return found;
}


/** The abrupt exits that leave a statement: returns from anywhere, break/continue not inside a nested loop. */
function exits(s: Stmt): Exits {
  switch (s.k) {
    case "return":
      return { ret: true, brk: false, cnt: false };
    case "break":
      return { ret: false, brk: true, cnt: false };
    case "continue":
      return { ret: false, brk: false, cnt: true };
    case "if":
    case "block":
      return exitsOfBody(childLists(s).flat());
    case "switch": {
      const ex = exitsOfBody(childLists(s).flat());
      return { ...ex, brk: false };
    }
    case "for":
    case "while":
    case "do":
      return { ret: exitsOfBody(s.body).ret, brk: false, cnt: false };
    default:
      return { ret: false, brk: false, cnt: false };
  }
}

function exitsOfBody(stmts: readonly Stmt[]): Exits {
  const ex: Exits = { ret: false, brk: false, cnt: false };
  for (const s of stmts) {
    const e = exits(s);
    ex.ret ||= e.ret;
    ex.brk ||= e.brk;
    ex.cnt ||= e.cnt;
  }
  return ex;
}

/**
 * Calls out of expressions: `s += w * g(x)` becomes `const g2 = g(x); s += w * g2`. Conditions of
 * loops stay as they are (they run once per iteration; a call there is evaluated as written).
 * Reverse mode follows arrays by name, so an array a call takes, an array result a statement drops and
 * an array an element is read from get names too: `g([x, y])` becomes `const arr = [x, y]; g(arr)`,
 * `(c ? a : b)[i]` becomes `c ? a[i] : b[i]`.
 */
class CallHoisting {
  constructor(
    private readonly names: NameScope,
    private readonly locals: Map<string, LocalInfo>,
    private readonly callee: Callees,
  ) {}

  list(stmts: readonly Stmt[]): Stmt[] {
    const out: Stmt[] = [];
    for (const s of stmts) this.stmt(s, out);
    return out;
  }

  private stmt(s: Stmt, out: Stmt[]): void {
    switch (s.k) {
      case "let": {
        const d = s.decls[0];
        if (s.decls.length === 1 && d.init !== undefined) {
          out.push({ k: "let", decl: s.decl, decls: [{ ...d, init: this.expr(d.init, out, true) }] });
          return;
        }
        out.push(s);
        return;
      }
      case "assign": {
        const target = s.target.k === "index" ? { ...s.target, index: this.expr(s.target.index, out) } : s.target;
        out.push({ ...s, target, value: this.expr(s.value, out, s.op === "=") });
        return;
      }
      case "expr": {
        // An array result dropped still has an adjoint (zero) for g_bwd to take: it goes into a variable.
        const dropsArray = s.expr.k === "call" && this.callee.returnShapeOf(s.expr.target)?.shape === "array";
        const expr = this.expr(s.expr, out, !dropsArray);
        if (!dropsArray) out.push({ ...s, expr });
        return;
      }
      case "return":
        out.push(s.value !== undefined ? { ...s, value: this.expr(s.value, out) } : s);
        return;
      case "if":
        out.push({ ...s, cond: this.expr(s.cond, out), then: this.list(s.then), ...(s.else ? { else: this.list(s.else) } : {}) });
        return;
      case "for":
        out.push({ ...s, init: this.list(s.init), body: this.list(s.body) });
        return;
      case "while":
      case "do":
        out.push({ ...s, body: this.list(s.body) });
        return;
      case "block":
        out.push({ k: "block", body: this.list(s.body) });
        return;
      default:
        out.push(s);
        return;
    }
  }

  /** Whether an expression gives an array (a variable, a choice of arrays, an allocation, a call returning one), or may (opaque code). */
  private arrayValued(e: Expr): boolean {
    switch (e.k) {
      case "var":
        return this.locals.get(e.name)?.shape !== "num";
      case "cond":
        return this.arrayValued(e.a) || this.arrayValued(e.b);
      case "call":
        return this.callee.returnShapeOf(e.target)?.shape !== "num";
      case "arraylit":
      case "zeros":
      case "opaque":
        return true;
      case "index":
        // A row of an array of arrays.
        return placeType(e, (n) => this.locals.get(n)?.t)?.k === "array";
      default:
        return false;
    }
  }

  /** The kind of array an expression certainly gives: an array variable, a literal, an allocation, a choice of those. */
  private arrayKindOf(e: Expr): ArrayKind | undefined {
    switch (e.k) {
      case "var": {
        const info = this.locals.get(e.name);
        return info?.shape === "array" ? (info.arrayKind ?? "Array") : undefined;
      }
      case "arraylit":
        return "Array";
      case "zeros":
        return e.kind;
      case "call": {
        const info = this.callee.returnShapeOf(e.target);
        return info?.shape === "array" ? (info.arrayKind ?? "Array") : undefined;
      }
      case "cond": {
        const a = this.arrayKindOf(e.a);
        return a !== undefined && a === this.arrayKindOf(e.b) ? a : undefined;
      }
      default:
        return undefined;
    }
  }

  /**
   * An array expression in a variable of its own: `const arr = [x, y]`, or a choice `if (c) arr = a;
   * else arr = b;` (only the branch taken evaluates its array, calls included). `type`: the parameter's
   * type where the array is an argument (a tuple, a readonly array); else one from its kind.
   */
  private arrayVariable(e: Expr, kind: ArrayKind, out: Stmt[], type?: string): Expr {
    const name = this.names.fresh("arr");
    const t = arrayOf(NUM, kind);
    const plain = typeText(t);
    const declared = type !== undefined && type !== plain ? type : undefined;
    this.locals.set(name, localOf(t, declared !== undefined ? { type: declared } : {}));
    if (e.k !== "cond") {
      out.push({ k: "let", decl: "const", decls: [{ name, ...(declared !== undefined ? { type: declared } : {}), init: this.expr(e, out) }] });
      return ref(name);
    }
    const choose = (x: Expr, into: Stmt[]): void => {
      if (x.k !== "cond") {
        into.push({ k: "assign", target: { k: "var", name }, op: "=", value: this.expr(x, into, true) });
        return;
      }
      const cond = this.expr(x.c, into);
      const then: Stmt[] = [];
      const otherwise: Stmt[] = [];
      choose(x.a, then);
      choose(x.b, otherwise);
      into.push({ k: "if", cond, then, else: otherwise });
    };
    out.push({ k: "let", decl: "let", decls: [{ name, type: declared ?? plain }] });
    choose(e, out);
    return ref(name);
  }

  /** `whole`: the expression is the entire right-hand side, so a call there may stay. */
  private expr(e: Expr, out: Stmt[], whole = false): Expr {
    switch (e.k) {
      case "call": {
        const isArray = (n: string): boolean => this.locals.get(n)?.shape === "array";
        // An array argument without a name (a literal, an allocation, a choice) gets one (arrayVariable).
        const unnamedArray = (a: Expr): ArrayKind | undefined => (a.k === "var" || a.k === "call" ? undefined : this.arrayKindOf(a));
        const passesArray = e.args.some((a) => (a.k === "var" && isArray(a.name)) || unnamedArray(a) !== undefined);
        const args = e.args.map((a, i) => {
          const kind = unnamedArray(a);
          if (kind !== undefined) return this.arrayVariable(a, kind, out, this.callee.paramTypeOf(e.target, i) ?? `Parameters<typeof ${e.fn}>[${i}]`);
          const arg = this.expr(a, out);
          // The reverse sweep evaluates the arguments again after the callee ran: an element read there
          // must not see what the callee wrote into an array passed to it (or another name for one).
          if (!passesArray || this.arrayValued(arg) || ![...exprReadsSized(arg)].some(isArray)) return arg;
          const name = this.names.fresh("arg");
          this.locals.set(name, localOf(NUM));
          out.push({ k: "let", decl: "const", decls: [{ name, init: arg }] });
          return ref(name);
        });
        const call: Expr = { ...e, args };
        if (whole) return call;
        const info = this.callee.returnShapeOf(e.target) ?? localOf(opaque("unknown"));
        const name = this.names.fresh(e.fn.slice(e.fn.lastIndexOf(".") + 1));
        // Reverse mode may declare it before its block, with a type that means the same there: the
        // checker's type at the call where the callee's is not written the same here (generic, another module's names).
        this.locals.set(name, info.shape === "other" && info.type === undefined ? { ...info, type: e.resultType ?? `ReturnType<typeof ${e.fn}>` } : info);
        out.push({ k: "let", decl: "const", decls: [{ name, init: call, pos: e.pos }] });
        return ref(name);
      }
      case "cond": {
        if (!containsCall(e.a) && !containsCall(e.b)) return { ...e, c: this.expr(e.c, out), a: this.expr(e.a, out), b: this.expr(e.b, out) };
        // Only the branch taken may run its call: an if/else into a variable.
        const kind = this.arrayKindOf(e);
        if (kind !== undefined) return this.arrayVariable(e, kind, out);
        const c = this.expr(e.c, out);
        const name = this.names.fresh("chosen");
        this.locals.set(name, localOf(NUM));
        out.push({ k: "let", decl: "let", decls: [{ name, type: "number" }] });
        const thenOut: Stmt[] = [];
        const a = this.expr(e.a, thenOut, true);
        thenOut.push({ k: "assign", target: { k: "var", name }, op: "=", value: a });
        const elseOut: Stmt[] = [];
        const b = this.expr(e.b, elseOut, true);
        elseOut.push({ k: "assign", target: { k: "var", name }, op: "=", value: b });
        out.push({ k: "if", cond: c, then: this.list(thenOut), else: this.list(elseOut) });
        return ref(name);
      }
      case "bin":
        return { ...e, a: this.expr(e.a, out), b: this.expr(e.b, out) };
      case "cmp":
        return { ...e, a: this.expr(e.a, out), b: this.expr(e.b, out) };
      case "neg":
        return { ...e, a: this.expr(e.a, out) };
      case "math":
        return { ...e, args: e.args.map((a) => this.expr(a, out)) };
      case "index": {
        const kind = e.arr.k === "var" || e.arr.k === "call" ? undefined : this.arrayKindOf(e.arr);
        if (kind !== undefined && e.arr.k === "cond") {
          // `(c ? a : g(x))[i]` is `c ? a[i] : g(x)[i]`: each branch reads an element of its own array
          // (and runs its own calls).
          const index = this.expr(e.index, out);
          const at = (arr: Expr): Expr => (arr.k === "cond" ? { ...arr, a: at(arr.a), b: at(arr.b) } : { ...e, arr, index });
          return this.expr(at(e.arr), out);
        }
        const arr = kind !== undefined ? this.arrayVariable(e.arr, kind, out) : this.expr(e.arr, out);
        return { ...e, arr, index: this.expr(e.index, out) };
      }
      case "arraylit":
        return { ...e, elems: e.elems.map((a) => this.expr(a, out)) };
      // && and || decide whether their right side runs: leave calls there as written.
      default:
        return e;
    }
  }
}

/** A case body that cannot run into the next case: it ends in break, continue or return (`{ ...; break; }` too). */
function endsWithJump(body: readonly Stmt[]): boolean {
  const last = body[body.length - 1];
  if (last === undefined) return false;
  if (last.k === "break" || last.k === "continue" || last.k === "return") return true;
  return last.k === "block" && endsWithJump(last.body);
}
