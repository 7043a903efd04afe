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
  readonly name: string;
  readonly fields: readonly Member[];
  /** Another name for this record (`const q = p`): a record parameter's name, or another record local. */
  readonly alias?: string | RecordLocal;
  /** Field name → its variable (for a record that is neither an alias nor held). */
  readonly vars: ReadonlyMap<string, string>;
  /** Some field of it (or of a name for it) is written, or it is reassigned whole: its variables are declared `let`. */
  readonly written: boolean;
  /**
   * A call's result (`const q = g(...)`), never written: kept as the one record it is, read through
   * its fields like a record parameter (`q.x`), rather than replaced.
   */
  readonly held?: true;
}

/** The plan, looked up by a declaration's name or a reference (a name may be declared in several blocks). */
export interface RecordPlan {
  local(id: ts.Identifier): RecordLocal | undefined;
  /** Why a record local is kept as data (for the diagnostic of an active use of it). */
  rejected(id: ts.Identifier): string | undefined;
  readonly locals: readonly RecordLocal[];
  readonly rejectedNames: readonly string[];
}

interface Candidate {
  readonly name: string;
  readonly decl: ts.VariableDeclaration;
  readonly fields: readonly Member[];
  /** The name it is initialised from (`const q = p`), resolved to `aliasOf` once all are known. */
  aliasName?: ts.Identifier;
  aliasOf?: Candidate | string;
  held?: true;
  reassigned: boolean;
  written: boolean;
  reason?: string;
}

/** The variable an identifier refers to (a shorthand property `{ q }` refers to q). */
export function declarationOf(id: ts.Identifier, checker: ts.TypeChecker): ts.Declaration | undefined {
  const parent = id.parent;
  const symbol = ts.isShorthandPropertyAssignment(parent) && parent.name === id ? checker.getShorthandAssignmentValueSymbol(parent) : checker.getSymbolAtLocation(id);
  return symbol?.valueDeclaration;
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
  const candidates = new Map<ts.Node, Candidate>();
  const collect = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name)) consider(n);
    ts.forEachChild(n, collect);
  };
  const consider = (decl: ts.VariableDeclaration): void => {
    const name = (decl.name as ts.Identifier).text;
    const t = typeOf(decl.name);
    if (!isFlatRecord(t)) return;
    const c: Candidate = { name, decl, fields: t.fields, reassigned: false, written: false };
    candidates.set(decl, c);
    if (ts.isForOfStatement(decl.parent.parent) || ts.isForInStatement(decl.parent.parent)) c.reason = `'${name}' is a loop variable`;
    else if (decl.initializer !== undefined) {
      let source: ts.Expression = decl.initializer;
      while (ts.isParenthesizedExpression(source) || ts.isNonNullExpression(source) || ts.isAsExpression(source) || ts.isSatisfiesExpression(source)) source = source.expression;
      if (ts.isObjectLiteralExpression(source) && coversFields(source, t.fields)) {
        // fine
      } else if (ts.isIdentifier(source)) c.aliasName = source;
      else if (ts.isCallExpression(source)) c.held = true;
      else c.reason = ts.isObjectLiteralExpression(source) ? `the object literal given to '${name}' does not set each of its fields by name once` : `'${name}' is initialised with something other than an object literal or another record`;
    }
  };
  collect(fn);
  for (const c of candidates.values()) {
    if (c.aliasName === undefined) continue;
    const target = declarationOf(c.aliasName, checker);
    const local = target !== undefined ? candidates.get(target) : undefined;
    if (local !== undefined) c.aliasOf = local;
    else if (target !== undefined && ts.isParameter(target) && isRecordParam(c.aliasName.text)) c.aliasOf = c.aliasName.text;
    else c.reason = `'${c.name}' names '${c.aliasName.text}', which adc-ts keeps as data`;
  }
  // Every use of each candidate.
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n)) use(n);
    ts.forEachChild(n, visit);
  };
  const use = (id: ts.Identifier): void => {
    // A property name `{ q: 1 }` or `o.q` is not a use.
    const parent0 = id.parent;
    if ((ts.isPropertyAccessExpression(parent0) && parent0.name === id) || (ts.isPropertyAssignment(parent0) && parent0.name === id)) return;
    const declaration = declarationOf(id, checker);
    const c = declaration !== undefined ? candidates.get(declaration) : undefined;
    if (c === undefined || c.reason !== undefined || id === c.decl.name) return;
    if ((ts.isPropertyAccessExpression(parent0) && parent0.name === id) || (ts.isPropertyAssignment(parent0) && parent0.name === id)) return;
    const top = unwrap(id);
    const p = top.parent;
    // Code kept as written (a nested function, a try, a labelled statement) must find the record itself.
    for (let up: ts.Node | undefined = id.parent; up !== undefined && up !== fn; up = up.parent) {
      const inside = ts.isFunctionLike(up) ? "a nested function" : ts.isTryStatement(up) ? "a try statement" : ts.isLabeledStatement(up) ? "a labelled statement" : ts.isWithStatement(up) ? "a with statement" : undefined;
      if (inside !== undefined) {
        c.reason = `'${c.name}' is used inside ${inside}`;
        return;
      }
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
      if (candidates.get(p)?.aliasOf === c) return;
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
      if (c.reason !== undefined || c.aliasOf === undefined) continue;
      const target = typeof c.aliasOf === "string" ? undefined : c.aliasOf;
      if (c.reassigned) c.reason = `'${c.name}' names another record and is reassigned`;
      else if (target?.reassigned) c.reason = `'${c.name}' names the record '${target.name}', which is reassigned`;
      else if (target?.reason !== undefined) c.reason = `'${c.name}' names '${target.name}', which adc-ts keeps as data`;
      else continue;
      changed = true;
    }
  }
  // A write through another name is a write of the record it names.
  const root = (c: Candidate): Candidate => (c.aliasOf !== undefined && typeof c.aliasOf !== "string" ? root(c.aliasOf) : c);
  for (const c of candidates.values()) if (c.reason === undefined && c.written) root(c).written = true;
  for (const c of candidates.values())
    if (c.reason === undefined && c.held && (c.written || c.reassigned)) c.reason = `'${c.name}' holds a function's result and is written (copy it into an object literal first)`;
  const planned = new Map<Candidate, RecordLocal>();
  const make = (c: Candidate): RecordLocal => {
    let r = planned.get(c);
    if (r !== undefined) return r;
    const vars = new Map<string, string>();
    if (c.aliasOf === undefined && !c.held) for (const f of c.fields) vars.set(f.name, fresh(`${c.name}_${/^[A-Za-z_$][\w$]*$/.test(f.name) ? f.name : "field"}`));
    const alias = c.aliasOf === undefined ? undefined : typeof c.aliasOf === "string" ? c.aliasOf : make(c.aliasOf);
    r = { name: c.name, fields: c.fields, ...(alias !== undefined ? { alias } : {}), ...(c.held ? { held: true as const } : {}), vars, written: c.written || c.reassigned };
    planned.set(c, r);
    return r;
  };
  const byDecl = new Map<ts.Node, RecordLocal>();
  const rejected = new Map<ts.Node, string>();
  for (const c of candidates.values()) {
    if (c.reason !== undefined) rejected.set(c.decl, c.reason);
    else byDecl.set(c.decl, make(c));
  }
  const at = <T>(map: ReadonlyMap<ts.Node, T>, id: ts.Identifier): T | undefined => {
    const d = declarationOf(id, checker);
    return d !== undefined ? map.get(d) : undefined;
  };
  return {
    local: (id) => at(byDecl, id),
    rejected: (id) => at(rejected, id),
    locals: [...byDecl.values()],
    rejectedNames: [...candidates.values()].filter((c) => c.reason !== undefined).map((c) => c.name),
  };
}
