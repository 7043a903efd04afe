/**
 * Inlining for reverse mode: a call inside a loop of a small leaf function (one that calls nothing) is
 * replaced by the callee's lowered body, its locals renamed apart, before activity and reverse mode
 * see the caller. The caller's reverse sweep then handles the callee's statements as its own: no
 * g_fwd/g_bwd pair per iteration, no locals carried over the tape from one half to the other, and the
 * to-be-recorded analysis sees exactly which of the callee's values the sweep needs. Forward mode keeps
 * the calls (a tangent costs no more across a call).
 */
import type { Expr, FunctionIR, LocalInfo, Stmt } from "../ir/ir.js";
import { localOf } from "../ir/types.js";
import { add, callsIn, children, containsExpr, containsOpaque, mapChildLists, mapExpr, mapStmtExprs, mul, reassignedNames, stmtReads, sub, substitute, walkStmts } from "../ir/build.js";
import type { LoweredFunction } from "./lower.js";
import { NameScope } from "./names.js";

/** Statements (nested ones included) a callee may have to be inlined. */
const MAX_STATEMENTS = 12;

/**
 * Whether a lowered function can be inlined: it calls nothing, holds no code adc-ts cannot see into
 * (whose text could not be renamed), has only numbers and arrays as locals, never re-points an array
 * parameter, and is small.
 */
export function inlinable(callee: LoweredFunction): boolean {
  const fn = callee.fn;
  if (callsIn(fn.body).length > 0 || containsOpaque(fn.body)) return false;
  // A call with a user's rule names its function as the callee's module does, not as the caller's.
  if (containsExpr(fn.body, (e) => e.k === "math" && e.rule !== undefined)) return false;
  for (const [name, info] of fn.locals) if (info.shape === "other" && !fn.params.some((p) => p.name === name)) return false;
  const assigned = reassignedNames(fn.body);
  if (fn.params.some((p) => p.shape === "array" && assigned.has(p.name))) return false;
  if (fn.params.some((p) => p.shape === "other")) return false;
  // An array result would make the caller's variable another name for the callee's allocation.
  if (fn.returnShape === "array") return false;
  let count = 0;
  walkStmts(fn.body, () => count++);
  return count <= MAX_STATEMENTS + 1;
}

/**
 * The caller with the calls inside its loops of functions `calleeOf` gives (inlinable ones) replaced by
 * their bodies. A call passing an array parameter anything but an array variable stays a call.
 */
export function inlineLeafCalls(caller: LoweredFunction, calleeOf: (target: string) => LoweredFunction | undefined): LoweredFunction {
  const names = new NameScope(caller.fn.usedNames);
  const locals = new Map(caller.fn.locals);
  let changed = false;

  const inlineCall = (s: Stmt): Stmt[] | undefined => {
    const call = s.k === "expr" ? s.expr : s.k === "let" && s.decls.length === 1 ? s.decls[0].init : s.k === "assign" && s.op === "=" ? s.value : undefined;
    if (call?.k !== "call") return undefined;
    const callee = calleeOf(call.target);
    if (callee === undefined || callee.fn.params.length !== call.args.length) return undefined;
    const fn = callee.fn;
    if (fn.params.some((p, i) => p.shape === "array" && call.args[i].k !== "var")) return undefined;
    const assigned = reassignedNames(fn.body);
    const rename = new Map<string, string>();
    const out: Stmt[] = [];
    const substituted = new Map<string, Expr>();
    fn.params.forEach((p, i) => {
      const arg = call.args[i];
      // A variable passed to a parameter the callee leaves alone is read in its place; so is an
      // expression of numbers only (the callee cannot change them); otherwise a copy.
      if (arg.k === "var" && (p.shape === "array" || !assigned.has(p.name))) {
        rename.set(p.name, arg.name);
        return;
      }
      if (p.shape === "num" && !assigned.has(p.name) && ofNumbersOnly(arg, locals)) {
        substituted.set(p.name, arg);
        return;
      }
      const copy = names.fresh(p.name);
      locals.set(copy, localOf(p.t));
      rename.set(p.name, copy);
      out.push({ k: "let", decl: assigned.has(p.name) ? "let" : "const", decls: [{ name: copy, init: arg }] });
    });
    // The result goes straight into a variable the call declares.
    const declared = s.k === "let" ? s.decls[0].name : undefined;
    for (const [name, info] of fn.locals) {
      if (rename.has(name) || fn.params.some((p) => p.name === name)) continue;
      const fresh = name === callee.value && declared !== undefined ? declared : names.fresh(name);
      rename.set(name, fresh);
      if (fresh !== declared) locals.set(fresh, info as LocalInfo);
    }
    const body = fn.body[fn.body.length - 1]?.k === "return" ? fn.body.slice(0, -1) : fn.body;
    const r = (n: string): string => rename.get(n) ?? n;
    const e = (x: Expr): Expr => substitute(x, (n) => substituted.get(n) ?? { k: "var", name: r(n) });
    // The callee's `const value = ...` declares the caller's variable: `let` if the caller's was (it may be assigned again).
    const asDeclared = (st: Stmt): Stmt => (s.k === "let" && s.decl === "let" && st.k === "let" && st.decls.some((d) => d.name === declared) ? { ...st, decl: "let" } : st);
    out.push(...body.map((st) => asDeclared(renameStmt(st, r, e))));
    changed = true;
    const region: Stmt = { k: "block", body: out, inlined: fn.name };
    if (callee.value !== undefined && declared === undefined && s.k === "assign") return [region, { ...s, value: { k: "var", name: r(callee.value) } }];
    return [region];
  };

  const list = (stmts: readonly Stmt[], inLoop: boolean): Stmt[] =>
    stmts.flatMap((s): Stmt[] => {
      const inlined = inLoop ? inlineCall(s) : undefined;
      if (inlined !== undefined) return inlined;
      // A for header keeps its statements as they are: only bodies take inlined code.
      if (s.k === "for") return [{ ...s, body: list(s.body, true) }];
      return [mapChildLists(s, (l) => list(l, inLoop || s.k === "while" || s.k === "do"))];
    });

  const body = list(caller.fn.body, false);
  if (!changed) return caller;
  const usedNames = new Set(names.names());
  for (const n of stmtReads(body)) usedNames.add(n);
  const fn: FunctionIR = { ...caller.fn, body, locals, usedNames };
  return { ...caller, fn };
}

/** Variables assigned as a whole (not declared) somewhere in `stmts`. */
/**
 * Whether an expression is a sum or product of numbers and lengths: cheap to evaluate again, and no
 * callee can change it (it writes elements, never the caller's variables).
 */
function ofNumbersOnly(e: Expr, locals: ReadonlyMap<string, LocalInfo>): boolean {
  if (e.k === "var") return locals.get(e.name)?.shape === "num";
  // A length stays as it is: the callee can write elements, not make another array of the caller's.
  if (e.k === "length") return e.arr.k === "var";
  if (e.k === "num") return true;
  // Cheap to evaluate again wherever the callee reads its parameter: sums and products only.
  if ((e.k === "bin" && (e.op === "+" || e.op === "-" || e.op === "*")) || e.k === "neg") return children(e).every((c) => ofNumbersOnly(c, locals));
  return false;
}

/** A statement (nested ones too) with declared and assigned names through `r`, expressions through `e`. */
function renameStmt(s: Stmt, r: (name: string) => string, e: (x: Expr) => Expr): Stmt {
  return mapChildLists(mapStmtExprs(s, e, r), (list) => list.map((c) => renameStmt(c, r, e)));
}
