/**
 * Local records, scalar-replaced: a local holding an object of numbers (`const b = { x, y, vx }`)
 * becomes one variable per field (`b_x`, `b_y`, `b_vx`), so every mode differentiates it as the
 * numbers it is, with no object per operation in generated code. This file decides which locals can
 * be replaced: those used only through their fields, as a whole where a copy means the same (returned,
 * passed to a function that only reads it, destructured), or as another name for a record that is
 * never reassigned (`const q = p`). Any other use keeps the local as data, and the reason is what a
 * field read of it reports if it turns out active.
 */
import ts from "typescript";
import type { Member } from "../ir/types.js";
import { isFlatRecord, type Type } from "../ir/types.js";

/** A local record replaced by a variable per field, or another name for a record. */
export interface RecordLocal {
  readonly fields: readonly Member[];
  /** Another name for this record (`const q = p`): a record parameter or another record local. */
  readonly alias?: string;
  /** Field name → its variable (for a record that is not an alias). */
  readonly vars: ReadonlyMap<string, string>;
  /** Some field of it (or of a name for it) is written: its variables are declared `let`. */
  readonly written: boolean;
  /**
   * A call's result (`const q = g(...)`), never written: kept as the one record it is, read through
   * its fields like a record parameter (`q.x`), rather than replaced.
   */
  readonly held?: true;
}

export interface RecordPlan {
  readonly locals: ReadonlyMap<string, RecordLocal>;
  /** Record locals kept as data, with why (for the diagnostic of a field read of them once active). */
  readonly rejected: ReadonlyMap<string, string>;
}

interface Candidate {
  readonly name: string;
  readonly decl: ts.VariableDeclaration;
  readonly fields: readonly Member[];
  alias?: string;
  held?: true;
  reassigned: boolean;
  written: boolean;
  reason?: string;
}

const unwrap = (e: ts.Node): ts.Node => {
  let n = e;
  while (ts.isParenthesizedExpression(n.parent) || ts.isNonNullExpression(n.parent)) n = n.parent;
  return n;
};

/** Whether an object literal gives each field of a record once, by name or shorthand (no spread, method or computed key). */
export function coversFields(lit: ts.ObjectLiteralExpression, fields: readonly Member[]): boolean {
  const given: string[] = [];
  for (const p of lit.properties) {
    if (ts.isShorthandPropertyAssignment(p) && p.objectAssignmentInitializer === undefined) given.push(p.name.text);
    else if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) given.push(p.name.text);
    else return false;
  }
  return given.length === fields.length && new Set(given).size === given.length && fields.every((f) => given.includes(f.name));
}

/** Whether the write of `n` (a target) is an assignment or an increment. */
function isWriteTarget(n: ts.Node): boolean {
  const top = unwrap(n);
  const p = top.parent;
  if ((ts.isPrefixUnaryExpression(p) || ts.isPostfixUnaryExpression(p)) && (p.operator === ts.SyntaxKind.PlusPlusToken || p.operator === ts.SyntaxKind.MinusMinusToken)) return true;
  return ts.isBinaryExpression(p) && p.left === top && p.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && p.operatorToken.kind <= ts.SyntaxKind.LastAssignment;
}

/**
 * Whether the function parameter `param` is only read through its fields (`p.x`), never written or
 * stored, passed on only to functions that only read it (`readsOnly`): a copy of the caller's record then behaves as the record itself.
 */
export function onlyReadsFields(param: ts.ParameterDeclaration, checker: ts.TypeChecker, readsOnly: (call: ts.CallExpression, index: number) => boolean): boolean {
  if (!ts.isIdentifier(param.name)) return false;
  const symbol = checker.getSymbolAtLocation(param.name);
  const body = (param.parent as ts.SignatureDeclaration & { body?: ts.Node }).body;
  if (symbol === undefined || body === undefined) return false;
  let ok = true;
  const visit = (n: ts.Node): void => {
    if (!ok) return;
    if (ts.isIdentifier(n) && n !== param.name && checker.getSymbolAtLocation(n) === symbol) {
      const use = unwrap(n);
      const p = use.parent;
      const passed = ts.isCallExpression(p) && p.arguments.includes(use as ts.Expression) && readsOnly(p, p.arguments.indexOf(use as ts.Expression));
      if (!passed && !(ts.isPropertyAccessExpression(p) && p.expression === use && !isWriteTarget(p))) ok = false;
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
  return ok;
}

/**
 * Which locals of `fn` to replace by their fields. `typeOf` gives a declaration's IR type;
 * `isRecordParam` says whether a name is a parameter of record shape; `readsOnly` whether the callee of
 * a call only reads the record passed as argument `index`.
 */
export function planRecords(
  fn: ts.SignatureDeclaration,
  checker: ts.TypeChecker,
  typeOf: (n: ts.Node) => Type,
  isRecordParam: (name: string) => boolean,
  readsOnly: (call: ts.CallExpression, index: number) => boolean,
  fresh: (base: string) => string,
): RecordPlan {
  const byName = new Map<string, ts.VariableDeclaration[]>();
  const collect = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name)) byName.set(n.name.text, [...(byName.get(n.name.text) ?? []), n]);
    else if ((ts.isBindingElement(n) || ts.isParameter(n)) && ts.isIdentifier(n.name)) byName.set(n.name.text, [...(byName.get(n.name.text) ?? []), n as never]);
    ts.forEachChild(n, collect);
  };
  collect(fn);
  const candidates = new Map<string, Candidate>();
  const rejected = new Map<string, string>();
  for (const [name, decls] of byName) {
    const [decl] = decls;
    if (!ts.isVariableDeclaration(decl)) continue;
    const t = typeOf(decl.name);
    if (!isFlatRecord(t)) continue;
    const c: Candidate = { name, decl, fields: t.fields, reassigned: false, written: false };
    candidates.set(name, c);
    if (decls.length > 1) c.reason = `'${name}' is declared more than once`;
    else if (ts.isForOfStatement(decl.parent.parent) || ts.isForInStatement(decl.parent.parent)) c.reason = `'${name}' is a loop variable`;
    else if (decl.initializer !== undefined) {
      const init = decl.initializer;
      let source: ts.Expression = init;
      while (ts.isParenthesizedExpression(source) || ts.isNonNullExpression(source) || ts.isAsExpression(source) || ts.isSatisfiesExpression(source)) source = source.expression;
      if (ts.isObjectLiteralExpression(source) && coversFields(source, t.fields)) {
        // fine
      } else if (ts.isIdentifier(source)) c.alias = source.text;
      else if (ts.isCallExpression(source)) c.held = true;
      else c.reason = ts.isObjectLiteralExpression(source) ? `the object literal given to '${name}' does not set each of its fields by name once` : `'${name}' is initialised with something other than an object literal or another record`;
    }
  }
  // Every use of each candidate.
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n)) use(n);
    ts.forEachChild(n, visit);
  };
  const use = (id: ts.Identifier): void => {
    const c = candidates.get(id.text);
    if (c === undefined || c.reason !== undefined || id === c.decl.name) return;
    const symbol = checker.getSymbolAtLocation(id);
    if (symbol === undefined || symbol.valueDeclaration !== c.decl) return;
    // A property name `{ q: 1 }` or `o.q` is not a use.
    const parent0 = id.parent;
    if ((ts.isPropertyAccessExpression(parent0) && parent0.name === id) || (ts.isPropertyAssignment(parent0) && parent0.name === id)) return;
    const top = unwrap(id);
    const p = top.parent;
    for (let up: ts.Node | undefined = id.parent; up !== undefined && up !== fn; up = up.parent)
      if (ts.isFunctionLike(up)) {
        c.reason = `'${c.name}' is used inside a nested function`;
        return;
      }
    if (ts.isPropertyAccessExpression(p) && p.expression === top) {
      if (!c.fields.some((f) => f.name === p.name.text)) c.reason = `.${p.name.text} is not a field of '${c.name}'`;
      else if (isWriteTarget(p)) c.written = true;
      return;
    }
    if (ts.isReturnStatement(p) || (ts.isArrowFunction(p) && p.body === top)) return;
    if (ts.isCallExpression(p) && p.arguments.includes(top as ts.Expression)) {
      if (!readsOnly(p, p.arguments.indexOf(top as ts.Expression))) c.reason = `'${c.name}' is passed to ${p.expression.getText()}, which may keep or change it (it may only read its fields)`;
      return;
    }
    if (ts.isVariableDeclaration(p) && p.initializer === top) {
      if (ts.isObjectBindingPattern(p.name)) return;
      if (ts.isIdentifier(p.name) && candidates.get(p.name.text)?.alias === c.name) return;
    }
    if (ts.isBinaryExpression(p) && p.left === top && p.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isExpressionStatement(p.parent)) {
      let right: ts.Expression = p.right;
      while (ts.isParenthesizedExpression(right)) right = right.expression;
      if (ts.isObjectLiteralExpression(right) && coversFields(right, c.fields)) {
        c.reassigned = true;
        return;
      }
      c.reason = `'${c.name}' is assigned something other than an object literal setting each field`;
      return;
    }
    c.reason = `'${c.name}' is used as a whole in \`${p.getText().replace(/\s+/g, " ").slice(0, 40)}\``;
  };
  visit(fn);
  // Another name for a record: the record it names must be a parameter or a replaced local, and
  // neither name reassigned (then both would no longer name one object).
  let changed = true;
  while (changed) {
    changed = false;
    for (const c of candidates.values()) {
      if (c.reason !== undefined || c.alias === undefined) continue;
      const target = candidates.get(c.alias);
      const bad =
        c.reassigned || (target === undefined ? !isRecordParam(c.alias) : target.reason !== undefined || target.reassigned);
      if (bad) {
        c.reason = c.reassigned ? `'${c.name}' names the record '${c.alias}' and is reassigned` : target?.reassigned ? `'${c.name}' names the record '${c.alias}', which is reassigned` : `'${c.name}' names '${c.alias}', which adc-ts keeps as data`;
        changed = true;
      }
    }
  }
  // A write through another name is a write of the record it names.
  const root = (c: Candidate): Candidate => (c.alias !== undefined && candidates.has(c.alias) ? root(candidates.get(c.alias)!) : c);
  for (const c of candidates.values()) if (c.reason === undefined && c.written) root(c).written = true;
  for (const c of candidates.values())
    if (c.reason === undefined && c.held && (c.written || c.reassigned)) c.reason = `'${c.name}' holds a function's result and is written (copy it into an object literal first)`;
  const locals = new Map<string, RecordLocal>();
  for (const c of candidates.values()) {
    if (c.reason !== undefined) {
      rejected.set(c.name, c.reason);
      continue;
    }
    const vars = new Map<string, string>();
    if (c.alias === undefined && !c.held) for (const f of c.fields) vars.set(f.name, fresh(`${c.name}_${/^[A-Za-z_$][\w$]*$/.test(f.name) ? f.name : "field"}`));
    locals.set(c.name, { fields: c.fields, ...(c.alias !== undefined ? { alias: c.alias } : {}), ...(c.held ? { held: true as const } : {}), vars, written: c.written });
  }
  return { locals, rejected };
}
