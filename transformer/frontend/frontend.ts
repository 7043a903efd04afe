/**
 * TypeScript source to IR. Finds the functions tagged `@differentiable` by reading their leading
 * comments (tsc's default JSDoc mode skips unknown tags), converts function bodies to IR, and keeps
 * every construct it cannot represent as an `opaque` node with the reason it would be an error if it
 * touched an active value. This is the one place that knows TypeScript's AST.
 */
import ts from "typescript";
import { ADC, CompileError, type Diagnostic } from "../diagnostics.js";
import { childLists, children, exprReads, lvalueRoot, stmtExprs } from "../ir/build.js";
import { isMathFunction, mathConstants, rules } from "../../src/runtime/rules.js";
import { arrayOf, BOOL, isFlatRecord, localOf, NUM, opaque, paramOf, returning, shapeOf, typeText, type Type } from "../ir/types.js";
import { Callbacks } from "./callbacks.js";
import { onlyReadsFields, planRecords, type RecordLocal, type RecordPlan } from "./records.js";
import type {
  Checkpoint,
  Annotation,
  ArrayKind,
  AssignOp,
  BinaryOp,
  CompareOp,
  Declarator,
  Expr,
  FunctionIR,
  LocalInfo,
  LValue,
  Opaque,
  Param,
  Shape,
  SourcePos,
  Stmt,
  UserRuleCall,
} from "../ir/ir.js";

/** A function declaration the frontend can convert: its node and where its text ends. */
export interface FunctionSite {
  readonly key: string;
  readonly name: string;
  readonly file: string;
  readonly node: ts.FunctionDeclaration | ts.VariableStatement;
  readonly fn: ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression;
  readonly exported: boolean;
  readonly annotation?: Annotation;
  /** From a `@derivative of=f` tag: the function whose derivative rule this function is. */
  readonly ruleFor?: RuleTag;
  /** The position right after the declaration's text, where derivatives are inserted. */
  readonly end: number;
}

export const TAG = "@differentiable";

/** `/** @derivative of=f *\/` before a function: it gives f's partial derivatives. */
export interface RuleTag {
  /** The name `of=` gives, as the rule's module sees it. */
  readonly of: string;
  /** Where `of=` is written. */
  readonly pos: SourcePos;
}

const RULE_TAG = "@derivative";
const RULE_PATTERN = /@derivative(?![\w-])/;

/** The `@derivative` tag in a function's leading JSDoc comment, or its diagnostics. */
function ruleTagOf(sf: ts.SourceFile, node: ts.Node, diagnostics: Diagnostic[]): RuleTag | undefined {
  const [start, comment] = leadingJsDoc(sf, node) ?? [0, ""];
  const m = RULE_PATTERN.exec(comment);
  if (m === null) return undefined;
  const line = comment.slice(m.index + RULE_TAG.length).split(/\r?\n/)[0].replace(/\*\/\s*$/, "");
  let offset = start + m.index + RULE_TAG.length;
  let of: RuleTag | undefined;
  const before = diagnostics.length;
  for (const token of line.split(/(\s+)/)) {
    const here = posAt(sf, offset);
    offset += token.length;
    if (token.trim() === "" || token === "*") continue;
    if (token.startsWith("of=") && /^[A-Za-z_$][\w$]*$/.test(token.slice(3)) && of === undefined) of = { of: token.slice(3), pos: here };
    else
      diagnostics.push({
        code: ADC.badRule,
        message:
          token === "pushforward" || token === "pullback"
            ? `@derivative ${token} (a rule for a function of arrays) is not supported: a rule gives the partial derivatives of a function of numbers, @derivative of=f`
            : `unknown option '${token}' after @derivative (known: of=f, naming the function whose partial derivatives this function returns)`,
        pos: here,
      });
  }
  if (of === undefined && diagnostics.length === before) diagnostics.push({ code: ADC.badRule, message: "@derivative needs of=f, naming the function whose partial derivatives this function returns", pos: posAt(sf, start + m.index) });
  // A tag with a problem is no rule: its function is not checked against one.
  return diagnostics.length === before ? of : undefined;
}

export function posOf(node: ts.Node, sf: ts.SourceFile = node.getSourceFile()): SourcePos {
  const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  return { file: sf.fileName, line: line + 1, col: character + 1 };
}

function posAt(sf: ts.SourceFile, offset: number): SourcePos {
  const { line, character } = sf.getLineAndCharacterOfPosition(offset);
  return { file: sf.fileName, line: line + 1, col: character + 1 };
}

export const siteKey = (file: string, name: string): string => `${file}#${name}`;

/** The JSDoc comment directly before a statement, if any: [start, text]. */
function leadingJsDoc(sf: ts.SourceFile, node: ts.Node): [number, string] | undefined {
  const ranges = ts.getLeadingCommentRanges(sf.text, node.getFullStart()) ?? [];
  const last = ranges[ranges.length - 1];
  if (last === undefined || last.kind !== ts.SyntaxKind.MultiLineCommentTrivia) return undefined;
  const text = sf.text.slice(last.pos, last.end);
  return text.startsWith("/**") ? [last.pos, text] : undefined;
}

/** The JSDoc comment carrying the tag directly before a statement, if any: [start, text]. */
function taggedComment(sf: ts.SourceFile, node: ts.Node): [number, string] | undefined {
  const doc = leadingJsDoc(sf, node);
  return doc !== undefined && hasTag(doc[1]) ? doc : undefined;
}

const TAG_PATTERN = /@differentiable(?![\w-])/;
const hasTag = (comment: string): boolean => TAG_PATTERN.test(comment);

const CHECKPOINT_PATTERN = /@checkpoint(?![\w-])/;
/** The snapshots a `// @checkpoint` without `snapshots=` keeps. */
export const DEFAULT_SNAPSHOTS = 32;

/**
 * The `// @checkpoint [snapshots=N] [segment=K]` comment directly before a statement, read: on anything but a
 * `for` loop, or with an option adc-ts does not know, it is an error (ADC1017), never ignored.
 */
function checkpointPragma(sf: ts.SourceFile, s: ts.Statement): Checkpoint | undefined {
  const ranges = ts.getLeadingCommentRanges(sf.text, s.getFullStart()) ?? [];
  const found = ranges.map((r) => ({ r, text: sf.text.slice(r.pos, r.end) })).filter(({ text }) => CHECKPOINT_PATTERN.test(text));
  if (found.length === 0) return undefined;
  const { r, text } = found[found.length - 1];
  const m = CHECKPOINT_PATTERN.exec(text)!;
  const pos = posAt(sf, r.pos + m.index);
  if (!ts.isForStatement(s) && !ts.isForOfStatement(s))
    throw new CompileError({
      code: ADC.badCheckpoint,
      message: `@checkpoint must come right before a for loop, not ${ts.isWhileStatement(s) ? "a while loop" : ts.isDoStatement(s) ? "a do...while loop" : ts.isForInStatement(s) ? "a for...in loop" : "this statement"}`,
      pos,
    });
  let snapshots = DEFAULT_SNAPSHOTS;
  let segment = 1;
  let offset = r.pos + m.index + "@checkpoint".length;
  const after = text.slice(m.index + "@checkpoint".length).split(/\r?\n/)[0].replace(/\*\/\s*$/, "");
  for (const token of after.split(/(\s+)/)) {
    const here = offset;
    offset += token.length;
    if (token.trim() === "" || token === "*") continue;
    const n = /^(snapshots|segment)=(\d+)$/.exec(token);
    const option = /^(snapshots|segment)=/.exec(token)?.[1];
    if (n !== null && Number(n[2]) >= 1 && Number(n[2]) <= 1e6) {
      if (n[1] === "snapshots") snapshots = Number(n[2]);
      else segment = Number(n[2]);
    } else
      throw new CompileError({
        code: ADC.badCheckpoint,
        message:
          option !== undefined
            ? `${token}: the number of ${option === "snapshots" ? "snapshots" : "iterations in a segment"} must be a whole number from 1 to 1000000`
            : `unknown option '${token}' after @checkpoint (known: snapshots=N, segment=K)`,
        pos: posAt(sf, here),
      });
  }
  exitFromLoop(sf, s.statement);
  return { snapshots, segment, pos };
}

/** A `break`, `continue` or `return` that leaves a checkpointed loop's body early: its trip count would not be known on entry (ADC1018). */
function exitFromLoop(sf: ts.SourceFile, body: ts.Statement): void {
  const visit = (n: ts.Node, inLoop: boolean, inSwitch: boolean): void => {
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
    const leaves = ts.isReturnStatement(n) || (ts.isBreakStatement(n) && (n.label !== undefined || (!inLoop && !inSwitch))) || (ts.isContinueStatement(n) && (n.label !== undefined || !inLoop));
    if (leaves)
      throw new CompileError({
        code: ADC.checkpointTripCount,
        message: `${ts.isReturnStatement(n) ? "a return" : ts.isBreakStatement(n) ? "a break" : "a continue"} leaves the loop under @checkpoint early: its trip count must be known when it starts`,
        pos: posOf(n, sf),
      });
    const loop = ts.isIterationStatement(n, false);
    ts.forEachChild(n, (c) => visit(c, inLoop || loop, inSwitch || ts.isSwitchStatement(n)));
  };
  visit(body, false, false);
}

/** Read `wrt=a,b` and `hessian` after the tag, on its line. */
function parseAnnotation(
  sf: ts.SourceFile,
  commentStart: number,
  comment: string,
  params: readonly Param[],
  diagnostics: Diagnostic[],
  fn: DefaultWrtCheck | undefined,
): Annotation {
  const m = TAG_PATTERN.exec(comment)!;
  const after = comment.slice(m.index + TAG.length).split(/\r?\n/)[0].replace(/\*\/\s*$/, "");
  let wrt: string[] | undefined;
  let hessian = false;
  let offset = m.index + TAG.length;
  for (const token of after.split(/(\s+)/)) {
    const here = offset;
    offset += token.length;
    if (token.trim() === "" || token === "*") continue;
    if (token === "hessian") {
      hessian = true;
    } else if (token.startsWith("wrt=")) {
      wrt = token.slice(4).split(",").filter((s) => s !== "");
      if (wrt.length === 0) diagnostics.push({ code: ADC.badWrt, message: "wrt= names no parameter; list the active parameters, as in wrt=a,b", pos: posAt(sf, commentStart + here) });
      for (const name of wrt) {
        const p = params.find((q) => q.name === name);
        if (p === undefined)
          diagnostics.push({ code: ADC.badWrt, message: `wrt names '${name}', which is not a parameter`, pos: posAt(sf, commentStart + here) });
        else if (p.shape === "other")
          diagnostics.push({
            code: ADC.badWrt,
            message: `wrt names '${name}', whose type ${p.type} is not ${DIFFERENTIABLE_TYPES}`,
            pos: posAt(sf, commentStart + here),
          });
      }
    } else {
      diagnostics.push({
        code: ADC.unknownOption,
        message: `unknown option '${token}' after @differentiable (known: wrt=a,b and hessian)`,
        pos: posAt(sf, commentStart + here),
      });
    }
  }
  if (wrt === undefined && fn !== undefined) checkDefaultWrt(params, fn, diagnostics);
  const chosen = wrt ?? params.filter((p) => p.shape !== "other").map((p) => p.name);
  return { wrt: params.filter((p) => chosen.includes(p.name) && p.shape !== "other").map((p) => p.name), hessian };
}

/** A tagged function as the default `wrt` (every parameter of a differentiable type) sees it. */
interface DefaultWrtCheck {
  readonly name: string;
  readonly pos: SourcePos;
  /** Its parameters holding numbers in a type adc-ts does not differentiate (Float32Array, number[][]). */
  readonly numbersLeftOut: readonly { readonly name: string; readonly type: string; readonly pos: SourcePos }[];
}

const DIFFERENTIABLE_TYPES = "number, number[], readonly number[], Float64Array, Float32Array, arrays of those arrays (number[][]) or an object of numbers";

/**
 * Without `wrt=`, a function with no parameter of a differentiable type would get derivatives that are
 * all zero (or empty), and a Float32Array or number[][] beside active parameters would silently get
 * none: both are errors. Objects, strings, integer arrays and nullable numbers stay inactive data.
 */
function checkDefaultWrt(params: readonly Param[], fn: DefaultWrtCheck, diagnostics: Diagnostic[]): void {
  if (!params.some((p) => p.shape !== "other")) {
    const takes = params.length === 0 ? "it takes none" : params.map((p) => `'${p.name}' is ${p.type}`).join(", ");
    diagnostics.push({
      code: ADC.noActiveParameter,
      message: `${fn.name} has no parameter to differentiate with respect to (${takes}); differentiable parameters are typed ${DIFFERENTIABLE_TYPES}`,
      pos: fn.pos,
    });
    return;
  }
  for (const p of fn.numbersLeftOut)
    diagnostics.push({
      code: ADC.numbersLeftOut,
      message: `'${p.name}' holds numbers, but its type ${p.type} is not ${DIFFERENTIABLE_TYPES}, so it would silently get no derivative; give it one of those types, or name the active parameters with wrt= to leave it out`,
      pos: p.pos,
    });
}

/** A type holding numbers that adc-ts does not differentiate: Float32Array, number[][], Float32Array | number[], Vec[], Vec | null. */
function holdsUndifferentiatedNumbers(type: ts.Type, checker: ts.TypeChecker, within: ReadonlySet<ts.Type> = new Set()): boolean {
  // A recursive type (`type ND = number | ND[]`) is looked at once.
  if (within.has(type)) return false;
  const name = type.getSymbol()?.getName();
  if (name === "Float16Array") return true;
  const inner = new Set([...within, type]);
  const holds = (t: ts.Type): boolean => ["array", "record"].includes(shapeOfType(t, checker).shape) || holdsUndifferentiatedNumbers(t, checker, inner);
  if (type.isUnion()) return type.types.some(holds);
  if (checker.isArrayType(type) || checker.isTupleType(type)) return checker.getTypeArguments(type as ts.TypeReference).some(holds);
  return false;
}

function isExported(node: ts.Node): boolean {
  return (ts.getCombinedModifierFlags(node as ts.Declaration) & ts.ModifierFlags.Export) !== 0;
}

/**
 * The local names a module exports under their own name or as its default (`export { f }`,
 * `export { f as default }`, `export default f`): their derivatives are exported by their own names.
 */
function exportedByClause(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  for (const st of sf.statements) {
    if (ts.isExportAssignment(st) && !st.isExportEquals && ts.isIdentifier(st.expression)) names.add(st.expression.text);
    else if (ts.isExportDeclaration(st) && st.moduleSpecifier === undefined && !st.isTypeOnly && st.exportClause !== undefined && ts.isNamedExports(st.exportClause))
      for (const el of st.exportClause.elements) {
        const local = (el.propertyName ?? el.name).text;
        if (!el.isTypeOnly && (el.name.text === local || el.name.text === "default")) names.add(local);
      }
  }
  return names;
}

/** `export default function (...) {...}` or `export default (...) => ...`: a default export without a name. */
function anonymousDefault(st: ts.Statement): boolean {
  if (ts.isFunctionDeclaration(st)) return st.name === undefined && (ts.getCombinedModifierFlags(st) & ts.ModifierFlags.Default) !== 0;
  if (!ts.isExportAssignment(st) || st.isExportEquals) return false;
  let e: ts.Expression = st.expression;
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
  return ts.isArrowFunction(e) || ts.isFunctionExpression(e);
}

/** The top-level functions of a file, annotated or not (callees need not be annotated). */
export function collectFunctionSites(sf: ts.SourceFile, checker: ts.TypeChecker, diagnostics: Diagnostic[]): FunctionSite[] {
  const sites: FunctionSite[] = [];
  const consumedTags = new Set<number>();
  const byClause = exportedByClause(sf);
  const exported = (node: ts.Node, name: string): boolean => isExported(node) || byClause.has(name);
  for (const st of sf.statements) {
    const tag = taggedComment(sf, st);
    let site: Omit<FunctionSite, "annotation"> | undefined;
    const doc = leadingJsDoc(sf, st);
    if (ts.isFunctionDeclaration(st) && st.name !== undefined && st.body !== undefined) {
      site = { key: siteKey(sf.fileName, st.name.text), name: st.name.text, file: sf.fileName, node: st, fn: st, exported: exported(st, st.name.text), end: st.end };
    } else if (ts.isVariableStatement(st) && st.declarationList.declarations.length === 1) {
      const d = st.declarationList.declarations[0];
      if (ts.isIdentifier(d.name) && d.initializer !== undefined) {
        let init: ts.Expression = d.initializer;
        while (ts.isParenthesizedExpression(init) || ts.isAsExpression(init) || ts.isSatisfiesExpression(init)) init = init.expression;
        if (ts.isArrowFunction(init) || ts.isFunctionExpression(init))
          site = { key: siteKey(sf.fileName, d.name.text), name: d.name.text, file: sf.fileName, node: st, fn: init, exported: exported(st, d.name.text), end: st.end };
      }
    }
    if (site !== undefined && doc !== undefined && RULE_PATTERN.test(doc[1])) {
      consumedTags.add(doc[0]);
      const ruleFor = ruleTagOf(sf, st, diagnostics);
      if (ruleFor !== undefined) site = { ...site, ruleFor };
    }
    if (tag !== undefined) {
      consumedTags.add(tag[0]);
      if (site === undefined && anonymousDefault(st)) {
        diagnostics.push({
          code: ADC.anonymousDefault,
          message: "@differentiable on a default export without a name: its derivatives are named after the function, so name it (export default function f(...) {...}, or declare const f = ... and export default f)",
          pos: posOf(st, sf),
        });
        continue;
      }
      if (site === undefined) {
        diagnostics.push({
          code: ADC.tagNotOnFunction,
          message: "@differentiable must stand before a top-level function declaration or a const bound to an arrow function or function expression",
          pos: posOf(st, sf),
        });
        continue;
      }
      const paramProblems: Diagnostic[] = [];
      const params = convertParams(site.fn, checker, sf, paramProblems);
      const numbersLeftOut = site.fn.parameters.flatMap((p, i) =>
        params[i].shape === "other" && holdsUndifferentiatedNumbers(checker.getTypeAtLocation(p), checker) ? [{ name: params[i].name, type: params[i].type, pos: posOf(p, sf) }] : [],
      );
      // A parameter adc-ts cannot take (destructured, rest) is ADC1006 when the function is converted: no second error for it.
      const check = paramProblems.length === 0 ? { name: site.name, pos: posOf(st, sf), numbersLeftOut } : undefined;
      const annotation = parseAnnotation(sf, tag[0], tag[1], params, diagnostics, check);
      sites.push({ ...site, annotation });
    } else if (site !== undefined) {
      sites.push(site);
    }
  }
  // A tag anywhere else (inside a function, on a class member, ...) would be silently ignored: report it.
  const commentPattern = /\/\*\*[\s\S]*?\*\//g;
  for (let m = commentPattern.exec(sf.text); m !== null; m = commentPattern.exec(sf.text)) {
    if (!(hasTag(m[0]) || RULE_PATTERN.test(m[0])) || consumedTags.has(m.index)) continue;
    // Only real comments: skip matches inside strings, templates, `//` comments or other block comments.
    if (!commentStartsAt(sf, m.index)) continue;
    if (!hasTag(m[0])) {
      diagnostics.push({ code: ADC.badRule, message: "@derivative must stand directly before a top-level function declaration or const-bound function (the rule)", pos: posAt(sf, m.index) });
      continue;
    }
    diagnostics.push({
      code: ADC.tagNotOnFunction,
      message: "@differentiable must stand directly before a top-level function declaration or const-bound function",
      pos: posAt(sf, m.index),
    });
  }
  return sites;
}

/** `new Array(n).fill(0)` (with or without a type argument). */
function isZeroFilledArray(e: ts.Expression): boolean {
  if (!ts.isCallExpression(e) || e.arguments.length !== 1 || !ts.isNumericLiteral(e.arguments[0]) || Number(e.arguments[0].text) !== 0) return false;
  const callee = e.expression;
  return (
    ts.isPropertyAccessExpression(callee) &&
    callee.name.text === "fill" &&
    ts.isNewExpression(callee.expression) &&
    ts.isIdentifier(callee.expression.expression) &&
    callee.expression.expression.text === "Array" &&
    callee.expression.arguments?.length === 1
  );
}

/** Whether a comment starts at `offset`: descend to the token in whose leading trivia (or text) it lies. */
function commentStartsAt(sf: ts.SourceFile, offset: number): boolean {
  let node: ts.Node = sf;
  for (;;) {
    // JSDoc nodes overlap the trivia of the node they document: follow the tokens instead.
    const child = node.getChildren(sf).find((c) => !(c.kind >= ts.SyntaxKind.FirstJSDocNode && c.kind <= ts.SyntaxKind.LastJSDocNode) && c.pos <= offset && offset < c.end);
    if (child === undefined) break;
    node = child;
  }
  return (ts.getLeadingCommentRanges(sf.text, node.pos) ?? []).some((r) => r.pos === offset);
}

/** A declaration inside a function: a local, a parameter or a nested function. */
function isInsideFunction(decl: ts.Node): boolean {
  for (let n = decl.parent; n !== undefined; n = n.parent) if (ts.isFunctionLike(n)) return true;
  return false;
}

/** Whether a type, or each type of a union, has one of `flags`. */
function typeIsAll(type: ts.Type, flags: ts.TypeFlags): boolean {
  return type.isUnion() ? type.types.every((t) => typeIsAll(t, flags)) : (type.flags & flags) !== 0;
}

/** true or false (or undefined or null, as an optional flag may be; or any, as untyped code's is). */
const isBooleanLike = (type: ts.Type): boolean => typeIsAll(type, ts.TypeFlags.BooleanLike | ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void | ts.TypeFlags.Any);

/** A value passed by value: a number, string, boolean, ... (not an object or array, which a callee may write). */
const isPrimitive = (type: ts.Type): boolean =>
  typeIsAll(type, ts.TypeFlags.NumberLike | ts.TypeFlags.StringLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.BigIntLike | ts.TypeFlags.EnumLike | ts.TypeFlags.ESSymbolLike | ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Void);

/**
 * The IR type of a checker type, recursively. A type met again inside itself, or nested too deep, is
 * opaque; so are unions (other than of numbers or of booleans) and types declared outside the inputs
 * (library types: their structure is not the user's data).
 */
export function typeOf(type: ts.Type, checker: ts.TypeChecker, within: readonly ts.Type[] = []): Type {
  if (typeIsAll(type, ts.TypeFlags.NumberLike)) return NUM;
  if (typeIsAll(type, ts.TypeFlags.BooleanLike)) return BOOL;
  const asText = (): Type => opaque(checker.typeToString(type));
  if (within.includes(type) || within.length >= MAX_TYPE_DEPTH) return asText();
  const inner = [...within, type];
  const symbol = type.getSymbol();
  const name = symbol?.getName();
  if (name === "Float64Array" || name === "Float32Array") return arrayOf(NUM, name);
  if (checker.isArrayType(type) || checker.isTupleType(type)) {
    // As before the IR had types: an element that is a union of numbers (`(0 | 1)[]`) is not differentiated.
    const elems = checker.getTypeArguments(type as ts.TypeReference).map((t) => (t.isUnion() && typeIsAll(t, ts.TypeFlags.NumberLike) ? opaque(checker.typeToString(t)) : typeOf(t, checker, inner)));
    const target = (type as ts.TypeReference).target;
    if (checker.isArrayType(type)) return { k: "array", elem: elems[0], kind: "Array", ...(name === "ReadonlyArray" ? { readonly: true as const } : {}) };
    const readonly = (target as ts.TupleType).readonly ? { readonly: true as const } : {};
    if ((target as ts.TupleType).elementFlags.every((f) => f & ts.ElementFlags.Required)) return { k: "tuple", elems, ...readonly };
    // `[number, ...number[]]`, `[number, number?]`: no fixed length, differentiated as the array of numbers it is.
    return elems.length > 0 && elems.every((e) => e.k === "num") ? { k: "array", elem: NUM, kind: "Array", ...readonly } : asText();
  }
  if (!(type.flags & ts.TypeFlags.Object) || type.getConstructSignatures().length > 0 || checker.getIndexInfosOfType(type).length > 0) return asText();
  const calls = type.getCallSignatures();
  if (calls.length > 0) {
    const [sig] = calls;
    const plain = (p: ts.Symbol): boolean => {
      const d = p.valueDeclaration;
      return d !== undefined && ts.isParameter(d) && d.questionToken === undefined && d.dotDotDotToken === undefined && d.initializer === undefined;
    };
    if (calls.length > 1 || sig.getTypeParameters() !== undefined || type.getProperties().length > 0 || !sig.getParameters().every(plain)) return asText();
    return { k: "fn", params: sig.getParameters().map((p) => ({ name: p.getName(), t: typeOf(checker.getTypeOfSymbol(p), checker, inner) })), result: typeOf(sig.getReturnType(), checker, inner) };
  }
  if (symbol === undefined || !(symbol.declarations ?? []).every((d) => !d.getSourceFile().isDeclarationFile)) return asText();
  const fields = checker.getPropertiesOfType(type).map((p) => ({ name: p.getName(), t: typeOf(checker.getTypeOfSymbol(p), checker, inner) }));
  return { k: "record", fields, ...(symbol.flags & ts.SymbolFlags.Class ? { className: checker.typeToString(type) } : {}) };
}

/** Deeper than this, a type is opaque: generic types can nest without end (`interface L<T> { next: L<T[]> }`). */
const MAX_TYPE_DEPTH = 8;

const shapeOfType = (type: ts.Type, checker: ts.TypeChecker): { shape: Shape; arrayKind?: ArrayKind } => shapeOf(typeOf(type, checker));

function convertParams(
  fn: ts.SignatureDeclaration,
  checker: ts.TypeChecker,
  sf: ts.SourceFile,
  diagnostics: Diagnostic[],
): Param[] {
  return fn.parameters.map((p) => {
    if (!ts.isIdentifier(p.name) || p.dotDotDotToken !== undefined) {
      diagnostics.push({ code: ADC.badParameter, message: "destructured and rest parameters are not supported in differentiable code", pos: posOf(p, sf) });
      return paramOf(p.name.getText(sf), "unknown", opaque("unknown"));
    }
    const type = checker.getTypeAtLocation(p);
    const typeText = p.type !== undefined ? p.type.getText(sf) : checker.typeToString(type);
    const param = paramOf(p.name.text, typeText, typeOf(type, checker), { optional: p.questionToken !== undefined || p.initializer !== undefined });
    if (p.initializer === undefined) return param;
    const read = parameterRead(p.initializer, fn, checker);
    if (read !== undefined)
      diagnostics.push({
        code: ADC.badParameter,
        message: `the default value of '${p.name.text}' reads the parameter '${read}': its derivative would be lost where a call leaves the argument out; pass the value at the call instead`,
        pos: posOf(p.initializer, sf),
      });
    const init = p.initializer;
    const length = ts.isArrayLiteralExpression(init) && !init.elements.some(ts.isSpreadElement) ? init.elements.length : undefined;
    return { ...param, init: init.getText(sf), ...(length !== undefined ? { initLength: length } : {}) };
  });
}

/** The name of a parameter of `fn` that `e` (a default value) reads, if any. */
function parameterRead(e: ts.Expression, fn: ts.SignatureDeclaration, checker: ts.TypeChecker): string | undefined {
  const visit = (n: ts.Node): string | undefined => {
    if (ts.isIdentifier(n)) {
      const declaration = checker.getSymbolAtLocation(n)?.valueDeclaration;
      if (declaration !== undefined && ts.isParameter(declaration) && declaration.parent === fn) return n.text;
    }
    return ts.forEachChild(n, visit);
  };
  return visit(e);
}

/** The functions a call may reach: resolves a callee expression to a site of the input. */
export type CalleeResolver = (callee: ts.Expression) => FunctionSite | undefined;

/**
 * The user's derivative rule a callee reaches (`@derivative of=f`), without the call's own fields; or,
 * as a string, why a callee that names a ruled function does not reach its rule (a `let` alias).
 */
export type RuleResolver = (callee: ts.Expression) => Omit<UserRuleCall, "callee" | "pos"> | string | undefined;

const arithmetic: Partial<Record<ts.SyntaxKind, BinaryOp>> = {
  [ts.SyntaxKind.PlusToken]: "+",
  [ts.SyntaxKind.MinusToken]: "-",
  [ts.SyntaxKind.AsteriskToken]: "*",
  [ts.SyntaxKind.SlashToken]: "/",
  [ts.SyntaxKind.PercentToken]: "%",
  [ts.SyntaxKind.AsteriskAsteriskToken]: "**",
};
const comparisons: Partial<Record<ts.SyntaxKind, CompareOp>> = {
  [ts.SyntaxKind.LessThanToken]: "<",
  [ts.SyntaxKind.LessThanEqualsToken]: "<=",
  [ts.SyntaxKind.GreaterThanToken]: ">",
  [ts.SyntaxKind.GreaterThanEqualsToken]: ">=",
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: "===",
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: "!==",
  [ts.SyntaxKind.EqualsEqualsToken]: "==",
  [ts.SyntaxKind.ExclamationEqualsToken]: "!=",
};
const assignments: Partial<Record<ts.SyntaxKind, AssignOp>> = {
  [ts.SyntaxKind.EqualsToken]: "=",
  [ts.SyntaxKind.PlusEqualsToken]: "+=",
  [ts.SyntaxKind.MinusEqualsToken]: "-=",
  [ts.SyntaxKind.AsteriskEqualsToken]: "*=",
  [ts.SyntaxKind.SlashEqualsToken]: "/=",
  [ts.SyntaxKind.PercentEqualsToken]: "%=",
  [ts.SyntaxKind.AsteriskAsteriskEqualsToken]: "**=",
};

/** Converts one function to IR. */
export function convertFunction(site: FunctionSite, checker: ts.TypeChecker, resolve: CalleeResolver, rules: RuleResolver = () => undefined): FunctionIR {
  const sf = site.fn.getSourceFile();
  const fn = site.fn;
  const diagnostics: Diagnostic[] = [];
  if (fn.asteriskToken !== undefined || (ts.getCombinedModifierFlags(fn) & ts.ModifierFlags.Async) !== 0)
    diagnostics.push({ code: ADC.asyncOrGenerator, message: `${site.name} is async or a generator; differentiable functions must be plain`, pos: posOf(fn, sf) });
  const params = convertParams(fn, checker, sf, diagnostics);
  if (diagnostics.length > 0) throw new CompileError(diagnostics[0], diagnostics.slice(1));

  const locals = new Map<string, LocalInfo>();
  /** Declarations holding another kind of value than the first declaration of their name. */
  const ownInfo = new Map<ts.Node, LocalInfo>();
  const usedNames = new Set<string>();
  for (const p of params) locals.set(p.name, localOf(p.t));
  collectLocals(fn, checker, locals, ownInfo, usedNames);

  const signature = checker.getSignatureFromDeclaration(fn);
  const returnTsType = signature !== undefined ? checker.getReturnTypeOfSignature(signature) : undefined;
  const returnType = fn.type !== undefined ? fn.type.getText(sf) : returnTsType !== undefined ? checker.typeToString(returnTsType) : "unknown";

  const isRecordParam = (name: string): boolean => params.some((p) => p.name === name && p.shape === "record");
  // A record's field variables (`p_x`) number a clash `p_x_2`, so the field stays readable.
  const fresh = (base: string): string => freshName(usedNames, base, "_");
  // A parameter met again while it is being asked about (recursion) reads only if nothing else writes it.
  const asking = new Set<ts.ParameterDeclaration>();
  const readsOnly = (call: ts.CallExpression, index: number): boolean => {
    const param = resolve(call.expression)?.fn.parameters[index];
    if (param === undefined) return false;
    if (asking.has(param)) return true;
    asking.add(param);
    try {
      return onlyReadsFields(param, checker, readsOnly);
    } finally {
      asking.delete(param);
    }
  };
  const records = planRecords(fn, checker, (n) => typeOf(checker.getTypeAtLocation(n), checker), isRecordParam, readsOnly, fresh);
  // A replaced record is its field variables from here on; one kept as data cannot hold a derivative.
  for (const r of records.locals) {
    if (r.held) continue;
    if (!records.rejectedNames.includes(r.name) && !records.locals.some((o) => o.held && o.name === r.name)) locals.delete(r.name);
    // A field typed any (`c: z[0]` of a `new Array(n).fill(0)`) holds a number, as an untyped local does.
    for (const f of r.fields) if (r.vars.has(f.name)) locals.set(r.vars.get(f.name)!, localOf(f.t.k === "opaque" && f.t.text === "any" ? NUM : f.t));
  }
  for (const name of records.rejectedNames) locals.set(name, { ...locals.get(name)!, shape: "other" });

  const cx = new Converter(sf, checker, resolve, locals, usedNames, ownInfo, rules, records, isRecordParam);
  const body: Stmt[] = ts.isBlock(fn.body!) ? cx.stmts(fn.body.statements) : cx.returned(fn.body as ts.Expression);

  return {
    name: site.name,
    file: site.file,
    pos: posOf(site.node, sf),
    exported: site.exported,
    params,
    ...returning(returnTsType !== undefined ? typeOf(returnTsType, checker) : opaque("unknown")),
    returnType,
    body,
    locals,
    usedNames,
    annotation: site.annotation,
  };
}

/**
 * Every identifier under `root` into `usedNames`, and every local declared there (parameters of nested
 * functions whose name is not yet taken included) into `locals`, with its shape; a declaration holding
 * another kind of value than the first of its name goes into `ownInfo`.
 */
function collectLocals(root: ts.Node, checker: ts.TypeChecker, locals: Map<string, LocalInfo>, ownInfo: Map<ts.Node, LocalInfo>, usedNames: Set<string>): void {
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n)) usedNames.add(n.text);
    if ((ts.isVariableDeclaration(n) || ts.isBindingElement(n) || (ts.isParameter(n) && !locals.has(n.name.getText()))) && ts.isIdentifier(n.name)) {
      const type = checker.getTypeAtLocation(n.name);
      let info = localOf(typeOf(type, checker));
      // `let best: number | null = null; ... best = x * x`: a number wherever it is read as one (the
      // checker narrows it), so it may hold an active value; its tangent and adjoint are numbers.
      if (info.shape === "other" && !ts.isParameter(n) && checker.getNonNullableType(type).flags & ts.TypeFlags.NumberLike) info = localOf(NUM, { nullable: true });
      // An untyped (any) local holds a number unless its initializer makes an array, or what is assigned
      // to it is something else (`let point; ... point = data[i]`: a row, never a number).
      if (type.flags & ts.TypeFlags.Any && !(ts.isVariableDeclaration(n) && n.initializer !== undefined && (isZeroFilledArray(n.initializer) || ts.isArrayLiteralExpression(n.initializer))))
        info = ts.isVariableDeclaration(n) && n.initializer === undefined ? assignedInfo(n, checker) : localOf(NUM);
      // `new Array(n).fill(0)` is typed any[]: its initializer says what it holds.
      const fromInit = info.shape === "other" && ts.isVariableDeclaration(n) && n.initializer !== undefined && isZeroFilledArray(n.initializer);
      if (fromInit) info = localOf(arrayOf(NUM));
      const first = locals.get(n.name.text);
      if (first === undefined) locals.set(n.name.text, info);
      else if (first.shape !== info.shape || first.arrayKind !== info.arrayKind) ownInfo.set(n, info);
    }
    ts.forEachChild(n, visit);
  };
  visit(root);
}

/**
 * What an untyped `let x;` holds, from the checker's types of the values assigned to it: a number if
 * every one is (or none is assigned), their common type if they agree, else data (`other`), so that a
 * row or a record held that way is never mistaken for a number.
 */
function assignedInfo(decl: ts.VariableDeclaration, checker: ts.TypeChecker): LocalInfo {
  const symbol = checker.getSymbolAtLocation(decl.name);
  const scope = ts.findAncestor(decl, ts.isFunctionLike) ?? decl.getSourceFile();
  const assigned: Type[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left) && checker.getSymbolAtLocation(n.left) === symbol)
      assigned.push(typeOf(checker.getTypeAtLocation(n.right), checker));
    ts.forEachChild(n, visit);
  };
  visit(scope);
  const kinds = assigned.filter((t) => t.k !== "num");
  if (kinds.length === 0) return localOf(NUM);
  const text = typeText(kinds[0]);
  return assigned.every((t) => t.k !== "num" && typeText(t) === text) ? localOf(kinds[0]) : localOf(opaque("mixed"));
}

/** `base`, or `base` numbered from 2 (after `separator`) where the function already uses the name; taken into `used`. */
function freshName(used: Set<string>, base: string, separator = ""): string {
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}${separator}${i}`;
  used.add(name);
  return name;
}

/** Constructs named in words in messages (others are quoted): never by their syntax kind's name. */
const constructNames: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.TypeOfExpression]: "a `typeof` expression",
  [ts.SyntaxKind.VoidExpression]: "a `void` expression",
  [ts.SyntaxKind.DeleteExpression]: "a `delete` expression",
  [ts.SyntaxKind.AwaitExpression]: "`await`",
  [ts.SyntaxKind.YieldExpression]: "`yield`",
  [ts.SyntaxKind.TemplateExpression]: "a template literal",
  [ts.SyntaxKind.NoSubstitutionTemplateLiteral]: "a template literal",
  [ts.SyntaxKind.TaggedTemplateExpression]: "a tagged template",
  [ts.SyntaxKind.SpreadElement]: "a spread (`...`)",
  [ts.SyntaxKind.StringLiteral]: "a string",
  [ts.SyntaxKind.RegularExpressionLiteral]: "a regular expression",
  [ts.SyntaxKind.BigIntLiteral]: "a bigint",
  [ts.SyntaxKind.TrueKeyword]: "a boolean",
  [ts.SyntaxKind.FalseKeyword]: "a boolean",
  [ts.SyntaxKind.NullKeyword]: "null",
  [ts.SyntaxKind.ThisKeyword]: "`this`",
  [ts.SyntaxKind.ThrowStatement]: "a `throw` statement",
  [ts.SyntaxKind.ForInStatement]: "a `for...in` loop",
  [ts.SyntaxKind.DebuggerStatement]: "a `debugger` statement",
  [ts.SyntaxKind.InterfaceDeclaration]: "a type declaration",
  [ts.SyntaxKind.TypeAliasDeclaration]: "a type declaration",
  [ts.SyntaxKind.EnumDeclaration]: "an enum",
  [ts.SyntaxKind.ModuleDeclaration]: "a namespace",
};

/** What the user wrote, for a message: the construct in words, or its text (shortened). */
function written(node: ts.Node, sf: ts.SourceFile): string {
  const named = constructNames[node.kind];
  if (named !== undefined) return named;
  const text = node.getText(sf).replace(/\s+/g, " ");
  return `\`${text.length > 40 ? `${text.slice(0, 37)}...` : text}\``;
}

/** Why an increment stays inside its expression. */
const INCREMENT_REASON =
  "++ and -- inside this expression are not supported (in a condition or update of a loop, a case label, a branch of && or || that may not run, or beside an earlier use of its variable); move the increment to a statement of its own";

/** Why `xs[i + 1] ?? xs[i]` and `xs[k] || 1` stay opaque (see `readsElement`). */
const ELEMENT_GUARD_REASON = "|| and ?? on an array element are not differentiated (the element may be past the end of the array, where reverse mode cannot put its adjoint); compare the index with the length instead";

/** Why an assignment stays inside its expression. */
const ASSIGNMENT_REASON =
  "an assignment inside an expression is not supported here (in a condition or update of a loop, a case label, a branch of && or || that may not run, beside an earlier use of its variable, or to an array element); write it as its own statement";

const isLogicalAssignment = (kind: ts.SyntaxKind): boolean =>
  kind === ts.SyntaxKind.AmpersandAmpersandEqualsToken || kind === ts.SyntaxKind.BarBarEqualsToken || kind === ts.SyntaxKind.QuestionQuestionEqualsToken;

/** Whether an identifier names a variable (not a property). */
function isReference(n: ts.Identifier): boolean {
  const parent = n.parent;
  return !(
    (ts.isPropertyAccessExpression(parent) && parent.name === n) ||
    (ts.isPropertyAssignment(parent) && parent.name === n) ||
    (ts.isMethodDeclaration(parent) && parent.name === n)
  );
}

const unparenthesized = (e: ts.Expression): ts.Expression => (ts.isParenthesizedExpression(e) ? unparenthesized(e.expression) : e);

/**
 * Whether an expression reads an array element: typed number, it may still be undefined (read past the
 * end), which `||` and `??` guard against (`xs[i + 1] ?? xs[i]`), and whose adjoint reverse mode would
 * write past the end of the adjoint array. Such guards stay opaque (ADC2008 where active).
 */
function readsElement(e: ts.Node): boolean {
  return ts.isElementAccessExpression(e) || ts.forEachChild(e, readsElement) === true;
}

/** Whether an identifier reads its variable: not a declaration's name, nor the target of a plain `=`. */
function isRead(n: ts.Identifier): boolean {
  if (!isReference(n)) return false;
  const parent = n.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isBindingElement(parent) || ts.isParameter(parent)) && parent.name === n) return false;
  let top: ts.Node = n;
  while (ts.isParenthesizedExpression(top.parent)) top = top.parent;
  return !(ts.isBinaryExpression(top.parent) && top.parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && top.parent.left === top);
}

/** Whether an identifier is assigned where it stands: `x = ...`, `x += ...`, `x++`, `[x] = ...`, `for (x of ...)`. */
function isAssignedAt(id: ts.Identifier): boolean {
  let n: ts.Node = id;
  for (;;) {
    const p = n.parent;
    if (ts.isParenthesizedExpression(p) || ts.isArrayLiteralExpression(p) || ts.isSpreadElement(p) || ts.isShorthandPropertyAssignment(p) || ts.isObjectLiteralExpression(p) || (ts.isPropertyAssignment(p) && p.initializer === n)) n = p;
    else if ((ts.isPrefixUnaryExpression(p) || ts.isPostfixUnaryExpression(p)) && (p.operator === ts.SyntaxKind.PlusPlusToken || p.operator === ts.SyntaxKind.MinusMinusToken)) return true;
    else if (ts.isBinaryExpression(p) && p.left === n) return assignments[p.operatorToken.kind] !== undefined || isLogicalAssignment(p.operatorToken.kind);
    else return (ts.isForOfStatement(p) || ts.isForInStatement(p)) && p.initializer === n;
  }
}

/**
 * A construct moved out of its expression into statements before it (see `Converter.hoisted`): an
 * assignment, `++`/`--`, a `?:` lowered to if/else, a copy of a value read twice.
 */
interface Unit {
  readonly node: ts.Node;
  /** The locals it may write: those it assigns, and those it passes to calls (which may write their arrays). */
  readonly writes: ReadonlySet<string>;
  /** The locals it names. */
  readonly names: ReadonlySet<string>;
  /** It reads array elements or calls code that may: a call evaluated before it must not run after it. */
  readonly readsMemory: boolean;
  /** It calls code that may write arrays (through any name): an element read evaluated before it must not run after it. */
  readonly calls: boolean;
}

interface Hoisting {
  /** The expressions (or declaration) of the statement. */
  readonly scope: ts.Node;
  /** The statements to run before it. */
  readonly pre: Stmt[];
  /** Units that stay in place. */
  readonly blocked: ReadonlySet<ts.Node>;
  /** The units moved. */
  readonly units: Unit[];
  /** Units moved from inside what became opaque code. */
  readonly swallowed: Set<ts.Node>;
  /** The copies made. */
  readonly temps: string[];
  /** Depth of branches that may not be evaluated. */
  conditional: number;
  /**
   * What holds the expression being converted in one statement: the scope, a moved assignment's right
   * side, a lowered `?:`'s condition. A value read there is read when that statement runs.
   */
  container: ts.Node;
  /** Where the scope is a branch of a lowered `?:`, its variable: a `?:` that is the whole branch continues the if/else chain. */
  readonly into?: string;
}

class Converter {
  constructor(
    private readonly sf: ts.SourceFile,
    private readonly checker: ts.TypeChecker,
    private readonly resolve: CalleeResolver,
    private readonly locals: Map<string, LocalInfo>,
    private readonly usedNames: Set<string>,
    private readonly ownInfo: Map<ts.Node, LocalInfo>,
    private readonly rules: RuleResolver,
    private readonly records: RecordPlan,
    private readonly isRecordParam: (name: string) => boolean,
  ) {
    this.callbacks = new Callbacks({
      sf,
      checker,
      locals,
      resolve,
      expr: (e) => this.expr(e),
      statements: (list) => {
        const outer = this.hoisting;
        this.hoisting = undefined;
        try {
          return this.stmts(list);
        } finally {
          this.hoisting = outer;
        }
      },
      hoisted: (scope, out, convert) => this.hoisted(scope, out, convert),
      movable: (node) => (this.hoisting !== undefined && this.hoisting.conditional === 0 && !this.hoisting.blocked.has(node) ? this.hoisting.pre : undefined),
      moved: (node) => this.moved(node),
      fresh: (base) => this.fresh(base),
      opaque: (node, code, reason) => this.opaque(node, code, reason),
      declareLocals: (root) => collectLocals(root, checker, locals, ownInfo, usedNames),
    });
  }

  /** Array methods with callbacks, and calls of local functions (callbacks.ts). */
  private readonly callbacks: Callbacks;

  /** The record a replaced local finally names: a record parameter, or a local with its field variables. */
  private recordOf(id: ts.Identifier): { readonly param: string } | { readonly local: RecordLocal } {
    const r = this.records.local(id);
    if (r === undefined || r.held) return { param: id.text };
    let target: RecordLocal = r;
    while (target.alias !== undefined) {
      if (typeof target.alias === "string") return { param: target.alias };
      target = target.alias;
    }
    return target.held ? { param: target.name } : { local: target };
  }

  /** `q.x` of a replaced record `q` (its variable `q_x`) or of a record parameter (`p.x`). */
  private fieldRead(id: ts.Identifier, field: string): Expr {
    const r = this.recordOf(id);
    return "param" in r ? { k: "field", obj: { k: "var", name: r.param }, name: field } : { k: "var", name: r.local.vars.get(field)! };
  }

  /** A replaced record as a whole (returned, passed to a function): the object literal of its fields. */
  private recordValue(id: ts.Identifier): Expr {
    const r = this.recordOf(id);
    if ("param" in r) return { k: "var", name: r.param };
    return { k: "record", fields: r.local.fields.map((f) => ({ name: f.name, value: { k: "var", name: r.local.vars.get(f.name)! } })) };
  }

  /** Whether an identifier names a record replaced by its fields (not some other variable of that name). */
  private isReplacedRecord(n: ts.Node): boolean {
    if (!ts.isIdentifier(n) || !isReference(n)) return false;
    const r = this.records.local(n);
    return r !== undefined && !r.held;
  }

  private opaque(node: ts.Node, code: string, reason: string, allowActiveScalars = false): Opaque {
    const reads = new Set<string>();
    // eval and friends can read any local by name: treat them as reading all of them.
    if (code === ADC.dynamicCode) for (const name of this.locals.keys()) reads.add(name);
    let writesAt: SourcePos | undefined;
    const visit = (n: ts.Node): void => {
      if (this.isReplacedRecord(n))
        throw new CompileError({
          code: ADC.recordUse,
          message: `the record '${(n as ts.Identifier).text}' is used in code adc-ts keeps as written (${reason}); it holds one variable per field, so use its fields there`,
          pos: posOf(node, this.sf),
        });
      if (ts.isIdentifier(n) && this.locals.has(n.text) && isReference(n)) reads.add(n.text);
      // `arguments` reads the parameters without naming them.
      if (ts.isIdentifier(n) && n.text === "arguments" && !this.locals.has(n.text)) for (const name of this.locals.keys()) reads.add(name);
      if (writesAt === undefined && this.assignedLocal(n) !== undefined) writesAt = posOf(n, this.sf);
      // A unit converted (and moved) before its expression turned out opaque would run twice.
      if (this.hoisting?.units.some((u) => u.node === n)) this.hoisting.swallowed.add(n);
      ts.forEachChild(n, visit);
    };
    visit(node);
    return {
      k: "opaque",
      text: node.getText(this.sf),
      reads: [...reads],
      code,
      reason,
      pos: posOf(node, this.sf),
      ...(allowActiveScalars ? { allowActiveScalars } : {}),
      ...(writesAt !== undefined ? { writesAt } : {}),
    };
  }

  /** The local an increment or assignment expression writes (a variable or an element of one), if `n` is one. */
  private assignedLocal(n: ts.Node): string | undefined {
    let target: ts.Expression;
    if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) target = n.operand;
    else if (ts.isBinaryExpression(n) && (assignments[n.operatorToken.kind] !== undefined || isLogicalAssignment(n.operatorToken.kind))) target = n.left;
    else return undefined;
    for (;;) {
      if (ts.isParenthesizedExpression(target) || ts.isNonNullExpression(target) || ts.isAsExpression(target) || ts.isElementAccessExpression(target) || ts.isPropertyAccessExpression(target)) target = target.expression;
      else break;
    }
    return ts.isIdentifier(target) && this.locals.has(target.text) ? target.text : undefined;
  }

  /** Units being moved out of the expressions of the statement being converted. */
  private hoisting: Hoisting | undefined;

  /**
   * Convert the expressions of one statement (`scope`), moving the assignments, `++` and `--` inside
   * them into statements of their own, appended to `out` before the statement in evaluation order:
   * `x[i++]` → `const i_old = i; i++;` ... `x[i_old]`, `(t *= 2) <= 1` → `t *= 2;` ... `t <= 1`, and a
   * `?:` with one in a branch into if/else (`lowerConditional`). Each is evaluated exactly once (never in
   * a branch that may not run), and moves only where that keeps JavaScript's evaluation order
   * (`outOfOrder`): the others stay in place, opaque (ADC2010 where a mode would have to repeat them).
   */
  private hoisted<T>(scope: ts.Node, out: Stmt[], convert: () => T, into?: string): T {
    const outer = this.hoisting;
    const blocked = new Set<ts.Node>();
    for (;;) {
      const h: Hoisting = { scope, pre: [], blocked, units: [], swallowed: new Set(), temps: [], conditional: 0, container: scope, ...(into !== undefined ? { into } : {}) };
      this.hoisting = h;
      let result: T;
      try {
        result = convert();
      } finally {
        this.hoisting = outer;
      }
      const bad = h.units.length === 0 ? [] : this.outOfOrder(h);
      if (bad.length === 0) {
        for (const t of h.temps) this.locals.set(t, localOf(NUM));
        out.push(...h.pre);
        return result;
      }
      for (const node of bad) blocked.add(node);
    }
  }

  /**
   * The units whose move before the statement would change what the statement computes: a unit runs
   * there before everything of the statement that stays in place, so nothing evaluated before it in
   * JavaScript may stay in place and read what it writes (`x[i] * x[i++]`), write what it reads, or
   * call code that may write the array elements it reads. What is evaluated before it inside a unit
   * moved before it is fine: those statements keep their order.
   */
  private outOfOrder(h: Hoisting): ts.Node[] {
    const reads: ts.Identifier[] = [];
    const writes: ts.Node[] = [];
    const calls: ts.Node[] = [];
    const elementReads: ts.Node[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isIdentifier(n) && this.locals.has(n.text) && isRead(n)) reads.push(n);
      if (this.assignedLocal(n) !== undefined) writes.push(n);
      if (ts.isCallExpression(n) && this.mathFunction(n.expression) === undefined) calls.push(n);
      if (ts.isElementAccessExpression(n)) elementReads.push(n);
      ts.forEachChild(n, visit);
    };
    visit(h.scope);
    const start = (n: ts.Node): number => n.getStart(this.sf);
    const within = (n: ts.Node, outer: ts.Node): boolean => start(n) >= start(outer) && n.end <= outer.end;
    return h.units
      .filter((u) => {
        if (h.swallowed.has(u.node)) return true;
        const at = start(u.node);
        // Evaluated before u and not moved ahead of it, inside a unit of its own.
        const leftBehind = (n: ts.Node): boolean => n.end <= at && !h.units.some((o) => o !== u && o.node.end <= at && within(n, o.node));
        return (
          reads.some((r) => u.writes.has(r.text) && leftBehind(r)) ||
          writes.some((w) => leftBehind(w) && u.names.has(this.assignedLocal(w)!)) ||
          (u.readsMemory && calls.some(leftBehind)) ||
          // A call may write an array read earlier through another name (`b[0] + (s = fill(a, x))`, b = a).
          (u.calls && elementReads.some(leftBehind))
        );
      })
      .map((u) => u.node);
  }

  /** Record `node` as moved before its statement (see `hoisted`). */
  private moved(node: ts.Node): void {
    const writes = new Set<string>();
    const names = new Set<string>();
    let readsMemory = false;
    let calls = false;
    const visit = (n: ts.Node, inCall: boolean): void => {
      if (ts.isIdentifier(n) && this.locals.has(n.text) && isReference(n)) {
        names.add(n.text);
        if (inCall) writes.add(n.text);
      }
      const assigned = this.assignedLocal(n);
      if (assigned !== undefined) writes.add(assigned);
      const call = ts.isCallExpression(n) && this.mathFunction(n.expression) === undefined;
      if (call || ts.isElementAccessExpression(n)) readsMemory = true;
      if (call) calls = true;
      ts.forEachChild(n, (c) => visit(c, inCall || call));
    };
    visit(node, false);
    this.hoisting!.units.push({ node, writes, names, readsMemory, calls });
  }

  /** Whether the variable `name` is assigned after `after` and before the statement reading its value runs. */
  private writtenAfter(name: string, after: ts.Node): boolean {
    const visit = (n: ts.Node): boolean => (n.getStart(this.sf) >= after.end && this.assignedLocal(n) === name) || ts.forEachChild(n, visit) === true;
    return visit(this.hoisting!.container);
  }

  /** Convert `e`, which a statement moved before the one being converted holds (see `Hoisting.container`). */
  private contained(e: ts.Expression): Expr {
    const h = this.hoisting!;
    const outer = h.container;
    h.container = e;
    try {
      return this.expr(e);
    } finally {
      h.container = outer;
    }
  }

  /** `const base = value` before the statement: the value as it is now. */
  private copy(base: string, value: Expr, pos: SourcePos): Expr {
    const t = this.fresh(base);
    this.hoisting!.temps.push(t);
    this.hoisting!.pre.push({ k: "let", decl: "const", decls: [{ name: t, init: value, pos }] });
    return { k: "var", name: t };
  }

  /** The value of a number variable just assigned: the variable, or a copy where the statement assigns it again later. */
  private assigned(name: string, node: ts.Node, pos: SourcePos): Expr {
    return this.writtenAfter(name, node) ? this.copy(`${name}_new`, { k: "var", name }, pos) : { k: "var", name };
  }

  /** `i++`, `++i`, `i--` or `--i` of a number variable, moved before its statement (see `hoisted`); undefined where it stays. */
  private increment(e: ts.PrefixUnaryExpression | ts.PostfixUnaryExpression): Expr | undefined {
    const h = this.hoisting;
    if (h === undefined || h.conditional > 0 || h.blocked.has(e)) return undefined;
    const operand = unparenthesized(e.operand);
    if (!ts.isIdentifier(operand) || !this.locals.has(operand.text) || !this.isNumeric(operand)) return undefined;
    const name = operand.text;
    const up = e.operator === ts.SyntaxKind.PlusPlusToken;
    const pos = posOf(e, this.sf);
    const step: Stmt = { k: "assign", target: { k: "var", name }, op: up ? "+=" : "-=", value: { k: "num", value: 1 }, increment: up ? "++" : "--", pos };
    this.moved(e);
    if (ts.isPostfixUnaryExpression(e)) {
      const before = this.copy(`${name}_old`, { k: "var", name }, pos);
      h.pre.push(step);
      return before;
    }
    h.pre.push(step);
    return this.assigned(name, e, pos);
  }

  /** `t = v`, `t *= v`, ... of a number variable inside an expression, moved before its statement (see `hoisted`); undefined where it stays. */
  private assignment(e: ts.BinaryExpression): Expr | undefined {
    const h = this.hoisting;
    const op = assignments[e.operatorToken.kind];
    const target = unparenthesized(e.left);
    if (h === undefined || h.conditional > 0 || h.blocked.has(e) || op === undefined) return undefined;
    if (!ts.isIdentifier(target) || this.locals.get(target.text)?.shape !== "num" || !this.isNumeric(e)) return undefined;
    const name = target.text;
    const pos = posOf(e, this.sf);
    // JavaScript evaluates the right side (and what it moves) before it assigns.
    const value = this.contained(e.right);
    this.moved(e);
    h.pre.push({ k: "assign", target: { k: "var", name }, op, value, pos });
    return this.assigned(name, e, pos);
  }

  /**
   * `c ? a : b` with an assignment or `++`/`--` in a branch (d3-ease's `(t *= 2) <= 1 ? t * t * t : (t -= 2)
   * * t * t + 2`), as `let ternary = 0; if (c) { ...; ternary = a; } else { ...; ternary = b; }` before its
   * statement: each branch is a statement scope of its own, run only where JavaScript runs it, so what it
   * assigns moves there. A `?:` that is a whole branch continues the chain (`else if`).
   */
  private lowerConditional(e: ts.ConditionalExpression): Expr | undefined {
    const h = this.hoisting;
    if (h === undefined || h.conditional > 0 || h.blocked.has(e) || !this.isNumeric(e)) return undefined;
    if (!this.hasMovableWrite(e.whenTrue) && !this.hasMovableWrite(e.whenFalse)) return undefined;
    const chained = h.into !== undefined && unparenthesized(h.scope as ts.Expression) === e;
    const name = chained ? h.into! : this.fresh("ternary");
    const pos = posOf(e, this.sf);
    if (!chained) {
      h.temps.push(name);
      h.pre.push({ k: "let", decl: "let", decls: [{ name, init: { k: "num", value: 0 }, pos }] });
    }
    const cond = this.contained(e.condition);
    const branch = (b: ts.Expression): Stmt[] => {
      const out: Stmt[] = [];
      const value = this.hoisted(b, out, () => this.expr(b), name);
      if (!(value.k === "var" && value.name === name)) out.push({ k: "assign", target: { k: "var", name }, op: "=", value, pos: posOf(b, this.sf) });
      return out;
    };
    const then = branch(e.whenTrue);
    h.pre.push({ k: "if", cond, then, else: branch(e.whenFalse), pos });
    this.moved(e);
    return { k: "var", name };
  }

  /** Whether an expression has an assignment or `++`/`--` of a number variable that a statement of its own could take. */
  private hasMovableWrite(e: ts.Node): boolean {
    const visit = (n: ts.Node): boolean => {
      if (ts.isFunctionLike(n)) return false;
      const name = this.assignedLocal(n);
      if (name !== undefined && this.locals.get(name)?.shape === "num" && !(ts.isBinaryExpression(n) && isLogicalAssignment(n.operatorToken.kind))) return true;
      return ts.forEachChild(n, visit) === true;
    };
    return visit(e);
  }

  /** Convert `e`, which may not be evaluated (a branch of ?:, the right of && or ||): nothing in it is hoisted. */
  private maybeEvaluated(e: ts.Expression): Expr {
    if (this.hoisting !== undefined) this.hoisting.conditional++;
    try {
      return this.expr(e);
    } finally {
      if (this.hoisting !== undefined) this.hoisting.conditional--;
    }
  }

  private fresh(base: string): string {
    return freshName(this.usedNames, base);
  }

  /** The body of an arrow function returning an expression. */
  returned(e: ts.Expression): Stmt[] {
    const out: Stmt[] = [];
    const value = this.hoisted(e, out, () => this.expr(e));
    out.push({ k: "return", value });
    return out;
  }

  stmts(list: readonly ts.Statement[]): Stmt[] {
    const out: Stmt[] = [];
    for (const s of list) this.stmt(s, out);
    return out;
  }

  private block(s: ts.Statement): Stmt[] {
    return ts.isBlock(s) ? this.stmts(s.statements) : this.stmts([s]);
  }

  private opaqueStmt(node: ts.Node, code: string, reason: string, allowActiveScalars = false): Stmt {
    return { k: "opaque", stmt: this.opaque(node, code, reason, allowActiveScalars) };
  }

  private stmt(s: ts.Statement, out: Stmt[]): void {
    if (this.callbacks.declaresInlined(s)) return;
    const checkpoint = checkpointPragma(this.sf, s);
    if (ts.isVariableStatement(s)) {
      const pre: Stmt[] = [];
      const decl = this.hoisted(s, pre, () => this.declList(s.declarationList, s));
      const list = s.declarationList.declarations;
      // Another name for a record (`const q = p`) declares nothing.
      const nonEmpty = (st: Stmt): Stmt[] => (st.k === "let" && st.decls.length === 0 ? [] : [st]);
      if (pre.length === 0 || list.length === 1) out.push(...pre, ...nonEmpty(decl));
      // `const a = x * 2, b = (t = a)`: what moves out of one declarator runs after the ones before it.
      else for (const d of list) out.push(...nonEmpty(this.hoisted(d, out, () => this.declList(s.declarationList, s, d))));
    } else if (ts.isExpressionStatement(s)) {
      const st = this.hoisted(s.expression, out, () => this.exprStmt(s.expression, s));
      out.push(st);
    } else if (ts.isIfStatement(s)) {
      const cond = this.hoisted(s.expression, out, () => this.expr(s.expression));
      out.push({ k: "if", cond, then: this.block(s.thenStatement), ...(s.elseStatement ? { else: this.block(s.elseStatement) } : {}), pos: posOf(s, this.sf) });
    } else if (ts.isForStatement(s)) {
      const init: Stmt[] = [];
      if (s.initializer !== undefined) {
        if (ts.isVariableDeclarationList(s.initializer)) init.push(this.declList(s.initializer, s.initializer));
        else for (const e of this.commaList(s.initializer)) init.push(this.exprStmt(e, e));
      }
      const update = s.incrementor !== undefined ? this.commaList(s.incrementor).map((e) => this.exprStmt(e, e)) : [];
      if ([...init, ...update].some((st) => st.k === "opaque")) {
        out.push(this.opaqueStmt(s, ADC.unsupportedStatement, "this for-loop header is not supported"));
        return;
      }
      out.push({ k: "for", init, ...(s.condition ? { cond: this.expr(s.condition) } : {}), update, body: this.block(s.statement), pos: posOf(s, this.sf), ...(checkpoint !== undefined ? { checkpoint } : {}) });
    } else if (ts.isForOfStatement(s)) {
      this.forOf(s, out, checkpoint);
    } else if (ts.isWhileStatement(s)) {
      out.push({ k: "while", cond: this.expr(s.expression), body: this.block(s.statement), pos: posOf(s, this.sf) });
    } else if (ts.isDoStatement(s)) {
      out.push({ k: "do", body: this.block(s.statement), cond: this.expr(s.expression), pos: posOf(s, this.sf) });
    } else if (ts.isSwitchStatement(s)) {
      const disc = this.hoisted(s.expression, out, () => this.expr(s.expression));
      out.push({
        k: "switch",
        disc,
        cases: s.caseBlock.clauses.map((c) => ({ ...(ts.isCaseClause(c) ? { test: this.expr(c.expression) } : {}), body: this.stmts(c.statements) })),
        pos: posOf(s, this.sf),
      });
    } else if (ts.isBreakStatement(s) || ts.isContinueStatement(s)) {
      if (s.label !== undefined) out.push(this.opaqueStmt(s, ADC.labelledStatement, "labelled break and continue are not supported"));
      else out.push({ k: ts.isBreakStatement(s) ? "break" : "continue" });
    } else if (ts.isReturnStatement(s)) {
      const e = s.expression;
      const value = e !== undefined ? this.hoisted(e, out, () => this.expr(e)) : undefined;
      out.push({ k: "return", ...(value !== undefined ? { value } : {}), pos: posOf(s, this.sf) });
    } else if (ts.isBlock(s)) {
      out.push({ k: "block", body: this.stmts(s.statements) });
    } else if (ts.isEmptyStatement(s)) {
      // nothing
    } else if (ts.isTryStatement(s)) {
      out.push(this.opaqueStmt(s, ADC.tryStatement, "try/catch/finally is not differentiated"));
    } else if (ts.isLabeledStatement(s)) {
      out.push(this.opaqueStmt(s, ADC.labelledStatement, "labelled statements are not supported"));
    } else if (ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) {
      out.push(this.opaqueStmt(s, ADC.objectOrClosure, "a nested function or class capturing an active value is not supported"));
    } else if (ts.isWithStatement(s)) {
      out.push(this.opaqueStmt(s, ADC.dynamicCode, "with is not supported"));
    } else {
      // throw, for-in, type declarations, ...: fine while they touch no active value.
      out.push(this.opaqueStmt(s, ADC.unsupportedStatement, `${written(s, this.sf)} is not differentiated`));
    }
  }

  /** `for (const v of xs) body` → `for (let i = 0; i < xs.length; i++) { const v = xs[i]; body }` */
  private forOf(s: ts.ForOfStatement, out: Stmt[], checkpoint?: Checkpoint): void {
    const list = s.initializer;
    if (!ts.isVariableDeclarationList(list) || list.declarations.length !== 1 || !ts.isIdentifier(list.declarations[0].name) || s.awaitModifier !== undefined) {
      out.push(this.opaqueStmt(s, ADC.unsupportedStatement, "only `for (const v of array)` loops are supported"));
      return;
    }
    let arr = this.expr(s.expression);
    if (arr.k !== "var") {
      out.push(this.opaqueStmt(s, ADC.unsupportedStatement, "for-of is supported over a variable holding an array"));
      return;
    }
    const i = this.fresh("i");
    this.locals.set(i, localOf(NUM));
    const name = list.declarations[0].name.text;
    const decl = list.flags & ts.NodeFlags.Const ? "const" : "let";
    const body = this.block(s.statement);
    // for-of walks the array the loop started with, even if the body makes the variable name another:
    // walk a copy of it (another name for it where the body also writes its elements, which the loop sees).
    const iterated = arr.name;
    if (assignsWhole(body, iterated)) {
      const start = this.fresh(`${iterated}_iterated`);
      // The kind of this array (the checker's type here: a name may be a number[] in another block).
      const here = localOf(typeOf(this.checker.getTypeAtLocation(s.expression), this.checker));
      const info = here.shape === "array" ? here : this.locals.get(iterated)!;
      this.locals.set(start, info);
      // Any array: another name of the one iterated (`v = q` before the loop) may be written.
      const isArray = (n: string): boolean => this.locals.get(n)?.shape === "array";
      if (writesElements(body, isArray)) out.push({ k: "let", decl: "const", decls: [{ name: start, init: arr }] });
      else {
        const k = this.fresh("k");
        this.locals.set(k, localOf(NUM));
        const length: Expr = { k: "length", arr };
        out.push({ k: "let", decl: "const", decls: [{ name: start, init: { k: "zeros", kind: info.arrayKind ?? "Array", size: length } }] });
        out.push({
          k: "for",
          init: [{ k: "let", decl: "let", decls: [{ name: k, init: { k: "num", value: 0 } }] }],
          cond: { k: "cmp", op: "<", a: { k: "var", name: k }, b: length },
          update: [{ k: "assign", target: { k: "var", name: k }, op: "+=", value: { k: "num", value: 1 }, increment: "++" }],
          body: [{ k: "assign", target: { k: "index", arr: { k: "var", name: start }, index: { k: "var", name: k } }, op: "=", value: { k: "index", arr, index: { k: "var", name: k } } }],
        });
      }
      arr = { k: "var", name: start };
    }
    out.push({
      k: "for",
      init: [{ k: "let", decl: "let", decls: [{ name: i, init: { k: "num", value: 0 } }] }],
      cond: { k: "cmp", op: "<", a: { k: "var", name: i }, b: { k: "length", arr } },
      update: [{ k: "assign", target: { k: "var", name: i }, op: "+=", value: { k: "num", value: 1 }, increment: "++" }],
      body: [{ k: "let", decl, decls: [{ name, init: { k: "index", arr, index: { k: "var", name: i } }, pos: posOf(list.declarations[0], this.sf), ...(this.ownInfo.has(list.declarations[0]) ? { info: this.ownInfo.get(list.declarations[0]) } : {}) }] }, ...body],
      pos: posOf(s, this.sf),
      ...(checkpoint !== undefined ? { checkpoint } : {}),
    });
  }

  private commaList(e: ts.Expression): ts.Expression[] {
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.CommaToken) return [...this.commaList(e.left), ...this.commaList(e.right)];
    return [e];
  }

  /** A declaration list, or (`only`) one declarator of it as a statement of its own. */
  private declList(list: ts.VariableDeclarationList, node: ts.Node, only?: ts.VariableDeclaration): Stmt {
    const decl = list.flags & ts.NodeFlags.Const ? "const" : "let";
    const decls: Declarator[] = [];
    for (const d of only !== undefined ? [only] : list.declarations) {
      if (!ts.isIdentifier(d.name)) {
        decls.push(...this.destructured(d));
        continue;
      }
      const record = this.records.local(d.name);
      if (record !== undefined && !record.held) {
        decls.push(...this.recordDeclarators(d, record));
        continue;
      }
      decls.push({
        name: d.name.text,
        pos: posOf(d, this.sf),
        ...(d.type !== undefined ? { type: d.type.getText(this.sf) } : {}),
        ...(d.initializer !== undefined ? { init: this.keptAsData(d.name, d.initializer) ?? this.expr(d.initializer) } : {}),
        ...(this.ownInfo.has(d) ? { info: this.ownInfo.get(d) } : {}),
      });
    }
    // A record whose fields are written later holds them in `let` variables.
    const writtenRecord = (only !== undefined ? [only] : list.declarations).some((d) => ts.isIdentifier(d.name) && this.records.local(d.name)?.written === true);
    return { k: "let", decl: writtenRecord ? "let" : decl, decls };
  }

  /** `const b = { x: e, y: f }` → `const b_x = e, b_y = f` (in the order written); `const q = p` names `p`: nothing. */
  private recordDeclarators(d: ts.VariableDeclaration, record: RecordLocal): Declarator[] {
    if (record.alias !== undefined) return [];
    const pos = posOf(d, this.sf);
    if (d.initializer === undefined) return record.fields.map((f) => ({ name: record.vars.get(f.name)!, type: typeText(f.t), pos }));
    let lit: ts.Expression = d.initializer;
    while (ts.isParenthesizedExpression(lit) || ts.isNonNullExpression(lit) || ts.isAsExpression(lit) || ts.isSatisfiesExpression(lit)) lit = lit.expression;
    return this.recordLiteral(lit as ts.ObjectLiteralExpression)!.map((f) => ({ name: record.vars.get(f.name)!, init: f.value, pos }));
  }

  /**
   * `const { a, b: c } = p` → `const a = p.a, c = p.b`, `const [a, , b] = v` → `const a = v[0], b = v[2]`:
   * one declaration per name, so every mode declares each (a pattern kept as text was declared in the
   * forward sweep only, and a callee's reverse half read names it never declared). The source is read
   * once: a variable directly, anything else through a temporary. Defaults, rest elements, nesting and
   * computed keys are an error (ADC2007) wherever they are: they cannot be kept as text either.
   */
  private destructured(d: ts.VariableDeclaration): Declarator[] {
    const pattern = d.name as ts.BindingPattern;
    const unsupported = (at: ts.Node, what: string): never => {
      throw new CompileError({ code: ADC.unsupportedStatement, message: `${what} in a destructuring declaration is not supported in differentiable code; write one declaration per name`, pos: posOf(at, this.sf) });
    };
    if (d.initializer === undefined) return unsupported(d, "a pattern without a value");
    // `[a, b] = ...` reads elements by index only where the value is an array: a Set, a Map or an
    // iterator would be read as `value[0]`, undefined.
    if (ts.isArrayBindingPattern(pattern)) {
      const type = this.checker.getTypeAtLocation(d.initializer);
      const indexable = (t: ts.Type): boolean => this.checker.isArrayType(t) || this.checker.isTupleType(t) || /^(?:Float64|Float32|Int8|Uint8|Uint8Clamped|Int16|Uint16|Int32|Uint32)Array$/.test(t.getSymbol()?.getName() ?? "");
      if (!(type.isUnion() ? type.types.every(indexable) : indexable(type))) return unsupported(d.name, `an array pattern over a value that is not an array (${this.checker.typeToString(type)})`);
    }
    const out: Declarator[] = [];
    let source = d.initializer;
    while (ts.isParenthesizedExpression(source) || ts.isNonNullExpression(source) || ts.isAsExpression(source) || ts.isSatisfiesExpression(source)) source = source.expression;
    let from: string;
    // A record read field by field: a record parameter, a replaced record, a held call result.
    const record = ts.isIdentifier(source) && (this.isRecordParam(source.text) || this.records.local(source) !== undefined) ? source : undefined;
    if (ts.isIdentifier(source) && (this.locals.has(source.text) || this.isReplacedRecord(source))) from = source.text;
    else {
      from = this.fresh("destructured");
      this.locals.set(from, localOf(typeOf(this.checker.getTypeAtLocation(d.initializer), this.checker)));
      out.push({ name: from, pos: posOf(d.initializer, this.sf), init: this.expr(d.initializer) });
    }
    pattern.elements.forEach((el, i) => {
      if (ts.isOmittedExpression(el)) return;
      if (el.dotDotDotToken !== undefined) unsupported(el, "a rest element");
      if (el.initializer !== undefined) unsupported(el, "a default value");
      if (!ts.isIdentifier(el.name)) unsupported(el, "a nested pattern");
      const name = (el.name as ts.Identifier).text;
      const pos = posOf(el, this.sf);
      let init: Expr;
      if (ts.isArrayBindingPattern(pattern)) init = { k: "index", arr: { k: "var", name: from }, index: { k: "num", value: i }, pos };
      else {
        const key = el.propertyName ?? el.name;
        if (!ts.isIdentifier(key) && !ts.isStringLiteral(key) && !ts.isNumericLiteral(key)) return unsupported(el, "a computed key");
        const prop = ts.isIdentifier(key) ? key.text : undefined;
        if (prop === "length") init = { k: "length", arr: { k: "var", name: from } };
        else if (prop !== undefined && record !== undefined) init = this.fieldRead(record, prop);
        else
          init = {
            k: "opaque",
            text: prop !== undefined ? `${from}.${prop}` : `${from}[${key.getText(this.sf)}]`,
            reads: [from],
            code: ADC.propertyOnActive,
            reason: `reading .${prop ?? key.getText(this.sf)} of an active value is not differentiated (only .length is)`,
            pos,
          };
      }
      out.push({ name, pos, init, ...(this.ownInfo.has(el) ? { info: this.ownInfo.get(el) } : {}) });
    });
    return out;
  }

  private lvalue(e: ts.Expression): LValue | undefined {
    while (ts.isParenthesizedExpression(e)) e = e.expression;
    if (ts.isIdentifier(e) && this.locals.has(e.text)) return { k: "var", name: e.text };
    if (ts.isPropertyAccessExpression(e) && this.isReplacedRecord(unparenthesized(e.expression))) {
      const field = this.fieldRead(unparenthesized(e.expression) as ts.Identifier, e.name.text);
      if (field.k === "var") return field;
    }
    if (ts.isElementAccessExpression(e)) {
      const arr = this.expr(e.expression);
      // An element of an array variable, or of a row of one (`m[i][j]`: a place rooted at `m`).
      if (isPlace(arr)) return { k: "index", arr, index: this.expr(e.argumentExpression) };
    }
    return undefined;
  }

  private exprStmt(e: ts.Expression, node: ts.Node): Stmt {
    while (ts.isParenthesizedExpression(e)) e = e.expression;
    if (ts.isBinaryExpression(e)) {
      const op = assignments[e.operatorToken.kind];
      if (op !== undefined) {
        const left = unparenthesized(e.left);
        const written = ts.isPropertyAccessExpression(left) ? unparenthesized(left.expression) : left;
        const param = this.writtenRecordParam(left);
        if (param !== undefined) {
          const message = `this writes the record parameter '${param}', which is the caller's object; copy it into a local record first (const b = { x: ${param}.x, ... })`;
          // Through another name (`q.x = ...` for `const q = p`), which has no variable of its own, it cannot even stay as written.
          if (ts.isPropertyAccessExpression(left) && this.isReplacedRecord(unparenthesized(left.expression))) throw new CompileError({ code: ADC.recordParameterWrite, message, pos: posOf(node, this.sf) });
          return this.opaqueStmt(node, ADC.recordParameterWrite, message);
        }
        if (this.isReplacedRecord(left) && op === "=") return this.recordAssignment(left as ts.Identifier, e.right, node);
        const data = ts.isIdentifier(left) ? this.keptAsData(left, e.right) : undefined;
        if (data !== undefined) return { k: "assign", target: { k: "var", name: (left as ts.Identifier).text }, op, value: data, pos: posOf(e, this.sf) };
        const target = this.lvalue(e.left);
        if (target === undefined)
          return this.opaqueStmt(node, target === undefined && ts.isElementAccessExpression(e.left) ? ADC.nestedActiveArray : ADC.unsupportedStatement, "only variables and elements of array variables can be assigned in differentiable code");
        // The checker's type at the statement: a name may be an array in one block and a number in another.
        if (op !== "=" && shapeOfType(this.checker.getTypeAtLocation(e.left), this.checker).shape === "array")
          return this.opaqueStmt(node, ADC.unsupportedStatement, `${op} on an array is not element-wise arithmetic in JavaScript (it makes a string or NaN); write a loop over the elements`);
        return { k: "assign", target, op, value: this.expr(e.right), pos: posOf(e, this.sf) };
      }
    }
    if ((ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) &&
      (e.operator === ts.SyntaxKind.PlusPlusToken || e.operator === ts.SyntaxKind.MinusMinusToken)) {
      const target = this.lvalue(e.operand);
      if (target !== undefined)
        return e.operator === ts.SyntaxKind.PlusPlusToken
          ? { k: "assign", target, op: "+=", value: { k: "num", value: 1 }, increment: "++", pos: posOf(e, this.sf) }
          : { k: "assign", target, op: "-=", value: { k: "num", value: 1 }, increment: "--", pos: posOf(e, this.sf) };
    }
    if (ts.isCallExpression(e)) {
      const desugared = this.callbacks.statement(e);
      if (desugared !== undefined) return desugared;
      const converted = this.expr(e);
      if (converted.k === "opaque" && converted.code === ADC.opaqueCall)
        // A call whose result is dropped cannot change a derivative through numbers passed by value;
        // it can through an array or object passed, which it may write (`fill(out, x)`).
        return this.opaqueStmt(node, ADC.opaqueCall, converted.reason, e.arguments.every((a) => isPrimitive(this.checker.getTypeAtLocation(a))));
      return { k: "expr", expr: converted, pos: posOf(e, this.sf) };
    }
    return this.opaqueStmt(node, ADC.unsupportedStatement, "this expression statement is not differentiated");
  }

  /**
   * The value given to a record local kept as data: opaque, so that active values in it are an error
   * that says why the record is not differentiated (not that its type is not).
   */
  private keptAsData(id: ts.Identifier, value: ts.Expression): Expr | undefined {
    const why = this.records.rejected(id);
    if (why === undefined) return undefined;
    return this.opaque(value, ADC.recordUse, `the record '${id.text}' is kept as data, so it cannot hold a derivative: ${why}`);
  }

  /** The record parameter an assignment target writes (`p = ...`, `p.x = ...`, `q.x = ...` for `const q = p`), if any. */
  private writtenRecordParam(left: ts.Expression): string | undefined {
    if (ts.isIdentifier(left)) return this.isRecordParam(left.text) && this.locals.has(left.text) ? left.text : undefined;
    if (!ts.isPropertyAccessExpression(left)) return undefined;
    const obj = unparenthesized(left.expression);
    if (!ts.isIdentifier(obj)) return undefined;
    if (this.isReplacedRecord(obj)) {
      const r = this.recordOf(obj as ts.Identifier);
      return "param" in r ? r.param : undefined;
    }
    return this.isRecordParam(obj.text) && this.locals.has(obj.text) ? obj.text : undefined;
  }

  /**
   * `q = { x: a, y: b }` of a replaced record: each field variable assigned, through temporaries first
   * where a value reads a field of `q` (`q = { x: q.y, y: q.x }` swaps).
   */
  private recordAssignment(id: ts.Identifier, value: ts.Expression, node: ts.Node): Stmt {
    let lit: ts.Expression = value;
    while (ts.isParenthesizedExpression(lit)) lit = lit.expression;
    const r = (this.recordOf(id) as { local: RecordLocal }).local;
    const fields = this.recordLiteral(lit as ts.ObjectLiteralExpression)!;
    const vars = new Set(r.vars.values());
    const readsOwn = fields.some((f) => [...exprReads(f.value)].some((n) => vars.has(n)));
    const pos = posOf(node, this.sf);
    if (!readsOwn) return { k: "block", body: fields.map((f) => ({ k: "assign", target: { k: "var", name: r.vars.get(f.name)! }, op: "=", value: f.value, pos })) };
    const temps = fields.map((f) => {
      const t = this.fresh(`${r.vars.get(f.name)!}_new`);
      this.locals.set(t, this.locals.get(r.vars.get(f.name)!)!);
      return t;
    });
    return {
      k: "block",
      body: [
        { k: "let", decl: "const", decls: fields.map((f, i) => ({ name: temps[i], init: f.value, pos })) },
        ...fields.map((f, i): Stmt => ({ k: "assign", target: { k: "var", name: r.vars.get(f.name)! }, op: "=", value: { k: "var", name: temps[i] }, pos })),
      ],
    };
  }

  expr(e: ts.Expression): Expr {
    if (ts.isAsExpression(e) || ts.isTypeAssertionExpression(e)) {
      // An assertion changes the type, not the value: an array asserted to be a number is still an array.
      let value: ts.Expression = e;
      while (ts.isParenthesizedExpression(value) || ts.isNonNullExpression(value) || ts.isAsExpression(value) || ts.isSatisfiesExpression(value) || ts.isTypeAssertionExpression(value)) value = value.expression;
      const from = shapeOfType(this.checker.getTypeAtLocation(value), this.checker).shape;
      const to = shapeOfType(this.checker.getTypeAtLocation(e), this.checker).shape;
      if (from !== "other" && to !== "other" && from !== to)
        return this.opaque(e, ADC.unsupportedExpression, `a type assertion from ${from === "num" ? "a number" : "an array"} to ${to === "num" ? "a number" : "an array"} is not differentiated (the value stays what it was)`);
    }
    if (ts.isNonNullExpression(e)) {
      const inner = this.expr(e.expression);
      // `y!` of a `number | null`: the assertion stays, or the output would not type-check where the input does.
      return inner.k === "var" ? { ...inner, nonNull: true } : inner;
    }
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isTypeAssertionExpression(e))
      return this.expr(e.expression);
    if (ts.isNumericLiteral(e)) return { k: "num", value: Number(e.text.replace(/_/g, "")), text: e.getText(this.sf) };
    if (ts.isIdentifier(e)) {
      if (this.locals.get(e.text)?.nullable && this.checker.getTypeAtLocation(e).flags & ts.TypeFlags.NumberLike)
        // Read where the checker narrowed it to a number: a mode may move the read where it cannot narrow.
        return { k: "var", name: e.text, nonNull: true };
      if (this.isReplacedRecord(e)) return this.recordValue(e);
      if (this.locals.has(e.text)) return { k: "var", name: e.text };
      if (e.text === "Infinity") return { k: "num", value: Infinity, text: "Infinity" };
      if (e.text === "NaN") return { k: "num", value: NaN, text: "NaN" };
      if (e.text === "arguments") return this.opaque(e, ADC.unsupportedExpression, "`arguments` is not differentiated; read the parameters by name");
      return this.opaque(e, ADC.unsupportedExpression, "a module-level value");
    }
    if (ts.isBinaryExpression(e)) {
      const kind = e.operatorToken.kind;
      const op = arithmetic[kind];
      if (op !== undefined) {
        // A + chain is numeric iff its outermost sum is (a string anywhere makes the whole chain a
        // string), so only the outermost is asked: asking the checker at every link is quadratic.
        const insideNumericSum = ts.isBinaryExpression(e.parent) && e.parent.operatorToken.kind === ts.SyntaxKind.PlusToken && e.parent.left === e;
        if (op === "+" && !insideNumericSum && !this.isNumericSum(e)) return this.opaque(e, ADC.unsupportedExpression, "string concatenation of an active value");
        return { k: "bin", op, a: this.expr(e.left), b: this.expr(e.right) };
      }
      const cmp = comparisons[kind];
      if (cmp !== undefined) return { k: "cmp", op: cmp, a: this.expr(e.left), b: this.expr(e.right) };
      if (kind === ts.SyntaxKind.BarBarToken && this.isNumeric(e) && this.isNumeric(e.left)) {
        const or = this.numericOr(e);
        if (or !== undefined) return or;
      }
      if (kind === ts.SyntaxKind.QuestionQuestionToken) {
        const nullish = this.nullishOr(e);
        if (nullish !== undefined) return nullish;
      }
      if (kind === ts.SyntaxKind.AmpersandAmpersandToken || kind === ts.SyntaxKind.BarBarToken) {
        if (this.isNumeric(e)) return this.opaque(e, ADC.unsupportedExpression, "&& and || on numbers are not differentiated; write a ternary");
        // `(c && v) || w` picks an array: as a condition it would read as a constant.
        if (!isBooleanLike(this.checker.getTypeAtLocation(e))) return this.opaque(e, ADC.unsupportedExpression, "&& and || that pick a value other than true or false are not differentiated; write a ternary");
        const a = this.expr(e.left);
        return { k: "logic", op: kind === ts.SyntaxKind.AmpersandAmpersandToken ? "&&" : "||", a, b: this.maybeEvaluated(e.right) };
      }
      if (assignments[kind] !== undefined) return this.assignment(e) ?? this.opaque(e, ADC.assignmentInExpression, ASSIGNMENT_REASON);
      return this.opaque(e, ADC.unsupportedExpression, `the operator ${ts.tokenToString(kind)} is not differentiated`);
    }
    if (ts.isPrefixUnaryExpression(e)) {
      switch (e.operator) {
        case ts.SyntaxKind.MinusToken:
          return { k: "neg", a: this.expr(e.operand) };
        case ts.SyntaxKind.PlusToken:
          return this.expr(e.operand);
        case ts.SyntaxKind.ExclamationToken:
          return { k: "not", a: this.expr(e.operand) };
        case ts.SyntaxKind.PlusPlusToken:
        case ts.SyntaxKind.MinusMinusToken:
          return this.increment(e) ?? this.opaque(e, ADC.assignmentInExpression, INCREMENT_REASON);
        default:
          return this.opaque(e, ADC.unsupportedExpression, "bitwise operators are not differentiated");
      }
    }
    if (ts.isPostfixUnaryExpression(e)) return this.increment(e) ?? this.opaque(e, ADC.assignmentInExpression, INCREMENT_REASON);
    if (ts.isConditionalExpression(e)) {
      const lowered = this.lowerConditional(e);
      if (lowered !== undefined) return lowered;
      const c = this.expr(e.condition);
      const a = this.maybeEvaluated(e.whenTrue);
      return { k: "cond", c, a, b: this.maybeEvaluated(e.whenFalse) };
    }
    if (ts.isElementAccessExpression(e)) return { k: "index", arr: this.expr(e.expression), index: this.expr(e.argumentExpression), pos: posOf(e, this.sf) };
    if (ts.isPropertyAccessExpression(e)) {
      if (ts.isIdentifier(e.expression) && e.expression.text === "Math" && !this.locals.has("Math")) {
        if (e.name.text in mathConstants) return { k: "math", fn: e.name.text, args: [] };
        return this.opaque(e, ADC.unknownMathFunction, `Math.${e.name.text} is not a number`);
      }
      const obj = unparenthesized(e.expression);
      if (this.isReplacedRecord(obj)) return this.fieldRead(obj as ts.Identifier, e.name.text);
      if (ts.isIdentifier(obj) && (this.isRecordParam(obj.text) || this.records.local(obj)?.held) && this.locals.has(obj.text)) return { k: "field", obj: { k: "var", name: obj.text }, name: e.name.text };
      if (ts.isIdentifier(obj) && this.records.rejected(obj) !== undefined)
        return this.opaque(e, ADC.recordUse, `the record '${obj.text}' is kept as data, so its fields carry no derivative: ${this.records.rejected(obj)!}`);
      if (e.name.text === "length") {
        const arr = this.expr(e.expression);
        if (arr.k !== "opaque") return { k: "length", arr };
      }
      return this.opaque(e, ADC.propertyOnActive, `reading .${e.name.text} of an active value is not differentiated (only .length is)`);
    }
    if (ts.isArrayLiteralExpression(e)) {
      if (e.elements.some((x) => ts.isSpreadElement(x) || ts.isOmittedExpression(x)))
        return this.callbacks.spread(e) ?? this.opaque(e, ADC.unsupportedExpression, "spread and holes in array literals are not differentiated");
      return { k: "arraylit", elems: e.elements.map((x) => this.expr(x)) };
    }
    if (ts.isNewExpression(e)) return this.newExpr(e);
    if (ts.isCallExpression(e)) return this.call(e);
    if (ts.isObjectLiteralExpression(e) && isFlatRecord(typeOf(this.checker.getTypeAtLocation(e), this.checker))) {
      const fields = this.recordLiteral(e);
      if (fields !== undefined) return { k: "record", fields };
    }
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e) || ts.isObjectLiteralExpression(e) || ts.isClassExpression(e))
      return this.opaque(e, ADC.objectOrClosure, "objects and closures holding active values are not differentiated");
    return this.opaque(e, ADC.unsupportedExpression, `${written(e, this.sf)} is not differentiated`);
  }

  /** The fields of an object literal in the order written (`{ x, y: e }`), or undefined if it has others than plain and shorthand ones. */
  private recordLiteral(e: ts.ObjectLiteralExpression): { name: string; value: Expr }[] | undefined {
    if (!e.properties.every((p) => (ts.isShorthandPropertyAssignment(p) && p.objectAssignmentInitializer === undefined) || (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)))))
      return undefined;
    return e.properties.map((p) => ({ name: (p.name as ts.Identifier | ts.StringLiteral).text, value: this.expr(ts.isShorthandPropertyAssignment(p) ? p.name : (p as ts.PropertyAssignment).initializer) }));
  }

  /**
   * The left side of `||` or `??`, read once: a variable as it is, anything else through a copy moved
   * before the statement (`const left = xs[i + 1]`); undefined where it cannot move (it stays opaque).
   */
  private readOnce(left: ts.Expression): Expr | undefined {
    const bare = unparenthesized(left);
    if (ts.isIdentifier(bare) && this.locals.has(bare.text)) return this.expr(bare);
    const h = this.hoisting;
    if (h === undefined || h.conditional > 0 || h.blocked.has(left)) return undefined;
    const value = this.contained(left);
    this.moved(left);
    return this.copy("left", value, posOf(left, this.sf));
  }

  /**
   * `a || b` on numbers: `a ? a : b` (0, NaN and undefined are falsy), the derivative that of the
   * branch taken; `a` is read once, through a copy unless it is a variable (gl-matrix's `w = w || 1.0`).
   */
  private numericOr(e: ts.BinaryExpression): Expr | undefined {
    const left = unparenthesized(e.left);
    if (left.kind === ts.SyntaxKind.NumericLiteral) return Number((left as ts.NumericLiteral).text.replace(/_/g, "")) ? this.expr(left) : this.expr(e.right);
    if (readsElement(left)) return this.opaque(e, ADC.unsupportedExpression, ELEMENT_GUARD_REASON);
    const a = this.readOnce(e.left);
    if (a === undefined) return undefined;
    // JavaScript's own truthiness (`a ? a : b`): 0 and NaN take b.
    return { k: "cond", c: a, a, b: this.maybeEvaluated(e.right) };
  }

  /**
   * `a ?? b` giving a number: `b` where `a` is null or undefined, else `a`: `a != null ? a! : b` for a
   * variable that may hold null or undefined; `a` for a number that cannot (`b` never runs), `b` for
   * `null ?? b`. Other left sides stay opaque.
   */
  private nullishOr(e: ts.BinaryExpression): Expr | undefined {
    const left = unparenthesized(e.left);
    const type = this.checker.getTypeAtLocation(e.left);
    // `null ?? b`, or a variable the checker knows holds null here (nothing of the left to evaluate).
    if (left.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(left) && typeIsAll(type, ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Void))) return this.expr(e.right);
    if (!this.isNumeric(e)) return undefined;
    if (readsElement(left)) return this.opaque(e, ADC.unsupportedExpression, ELEMENT_GUARD_REASON);
    if (typeIsAll(type, ts.TypeFlags.NumberLike)) return this.expr(e.left);
    if (!ts.isIdentifier(left) || !this.locals.has(left.text) || !typeIsAll(this.checker.getNonNullableType(type), ts.TypeFlags.NumberLike)) return undefined;
    const name = left.text;
    const isNull: Expr = { k: "opaque", text: "null", reads: [], code: ADC.unsupportedExpression, reason: "null is not a number", pos: posOf(left, this.sf) };
    return { k: "cond", c: { k: "cmp", op: "!=", a: { k: "var", name }, b: isNull }, a: { k: "var", name, nonNull: true }, b: this.maybeEvaluated(e.right) };
  }

  /** Aliases of Math functions, by their symbol (see `mathFunction`). */
  private readonly aliases = new Map<ts.Symbol, string | undefined>();

  /**
   * The Math function a callee names: `Math.sqrt`, or an alias never assigned again (`const sqrt =
   * Math.sqrt`, `var sqrt = Math.sqrt`, `const { cbrt, sqrt } = Math`, in the module or the function).
   */
  private mathFunction(callee: ts.Expression): string | undefined {
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === "Math" && !this.locals.has("Math")) return callee.name.text;
    if (!ts.isIdentifier(callee)) return undefined;
    const symbol = this.checker.getSymbolAtLocation(callee);
    if (symbol === undefined) return undefined;
    if (!this.aliases.has(symbol)) this.aliases.set(symbol, this.mathAlias(symbol));
    return this.aliases.get(symbol);
  }

  private mathAlias(symbol: ts.Symbol): string | undefined {
    const decl = symbol.valueDeclaration;
    if (decl === undefined || symbol.declarations?.length !== 1) return undefined;
    const isGlobalMath = (e: ts.Expression): boolean => this.isGlobal(e, "Math");
    let fn: string | undefined;
    let declaration: ts.VariableDeclaration | undefined;
    if (ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name) && decl.initializer !== undefined) {
      const init = unparenthesized(decl.initializer);
      if (ts.isPropertyAccessExpression(init) && isGlobalMath(init.expression)) [fn, declaration] = [init.name.text, decl];
    } else if (ts.isBindingElement(decl) && decl.dotDotDotToken === undefined && decl.initializer === undefined && ts.isObjectBindingPattern(decl.parent) && ts.isVariableDeclaration(decl.parent.parent)) {
      const init = decl.parent.parent.initializer;
      const key = decl.propertyName ?? decl.name;
      if (init !== undefined && isGlobalMath(unparenthesized(init)) && ts.isIdentifier(key)) [fn, declaration] = [key.text, decl.parent.parent];
    }
    if (fn === undefined || declaration === undefined || typeof (Math as unknown as Record<string, unknown>)[fn] !== "function") return undefined;
    if (declaration.parent.flags & ts.NodeFlags.Const) return fn;
    // A `var` or `let` alias assigned anywhere in its file may be another function when called.
    const assigned = (n: ts.Node): boolean =>
      (ts.isIdentifier(n) && n.text === symbol.name && isAssignedAt(n) && this.checker.getSymbolAtLocation(n) === symbol) || ts.forEachChild(n, assigned) === true;
    return assigned(decl.getSourceFile()) ? undefined : fn;
  }

  /** Whether `e` is the global `name` (declared by the standard library, not the user). */
  private isGlobal(e: ts.Expression, name: string): boolean {
    return ts.isIdentifier(e) && e.text === name && (this.checker.getSymbolAtLocation(e)?.declarations?.every((d) => d.getSourceFile().isDeclarationFile) ?? false);
  }

  private isNumeric(e: ts.Expression): boolean {
    return shapeOfType(this.checker.getTypeAtLocation(e), this.checker).shape === "num";
  }

  /**
   * Whether a sum is numeric (not a string concatenation), answered from the operands: asking the
   * checker about a long sum makes it check the whole sum, which is quadratic in its length.
   */
  private isNumericSum(e: ts.Expression): boolean {
    const pending: ts.Expression[] = [e];
    while (pending.length > 0) {
      let x = pending.pop()!;
      while (ts.isParenthesizedExpression(x)) x = x.expression;
      if (ts.isNumericLiteral(x) || ts.isPrefixUnaryExpression(x)) continue;
      if (ts.isIdentifier(x) && this.locals.get(x.text)?.shape === "num") continue;
      if (ts.isConditionalExpression(x)) {
        // Numeric iff both branches are: the checker types `c ? n : z[i]` with z from
        // `new Array(n).fill(0)` as any, though the element is known to be a number.
        pending.push(x.whenTrue, x.whenFalse);
        continue;
      }
      if (ts.isBinaryExpression(x)) {
        const kind = x.operatorToken.kind;
        if (kind === ts.SyntaxKind.PlusToken) {
          pending.push(x.left, x.right);
          continue;
        }
        if (arithmetic[kind] !== undefined) continue; // - * / % ** always give numbers
      }
      if (ts.isCallExpression(x) && ts.isPropertyAccessExpression(x.expression) && ts.isIdentifier(x.expression.expression) && x.expression.expression.text === "Math" && !this.locals.has("Math"))
        continue;
      if (ts.isElementAccessExpression(x) && ts.isIdentifier(x.expression) && this.locals.get(x.expression.text)?.shape === "array") continue;
      if (!this.isNumeric(x)) return false;
    }
    return true;
  }

  private newExpr(e: ts.NewExpression): Expr {
    const args = e.arguments ?? [];
    if (ts.isIdentifier(e.expression) && (e.expression.text === "Float64Array" || e.expression.text === "Float32Array") && args.length === 1 && this.isNumeric(args[0]))
      return { k: "zeros", kind: e.expression.text, size: this.expr(args[0]) };
    if (ts.isIdentifier(e.expression) && e.expression.text === "Function")
      return this.opaque(e, ADC.dynamicCode, "new Function is not supported");
    return this.opaque(e, ADC.unsupportedExpression, `new ${e.expression.getText(this.sf)}(...) of active values is not differentiated`);
  }

  private call(e: ts.CallExpression): Expr {
    const callee = e.expression;
    if (isZeroFilledArray(e) && ts.isPropertyAccessExpression(callee) && ts.isNewExpression(callee.expression))
      return { k: "zeros", kind: "Array", size: this.expr(callee.expression.arguments![0]) };
    const desugared = this.callbacks.call(e);
    if (desugared !== undefined) return desugared;
    const fn = this.mathFunction(callee);
    if (fn !== undefined) {
      if (!isMathFunction(fn)) return this.opaque(e, ADC.unknownMathFunction, `Math.${fn} has no derivative rule`);
      const args = e.arguments.map((a) => this.expr(a));
      if (fn === "min" || fn === "max") {
        // min(a, b, c) = min(min(a, b), c): the same value, and ties still go to the earliest argument.
        if (args.length === 0) return { k: "num", value: fn === "min" ? Infinity : -Infinity, text: fn === "min" ? "Infinity" : "-Infinity" };
        return args.slice(1).reduce<Expr>((acc, x) => ({ k: "math", fn, args: [acc, x] }), args[0]);
      }
      const arity = rules[fn].arity;
      if (arity !== "variadic" && args.length !== arity) return this.opaque(e, ADC.unknownMathFunction, `Math.${fn} takes ${String(arity)} argument(s) in differentiable code`);
      return { k: "math", fn, args };
    }
    if (ts.isIdentifier(callee) && callee.text === "eval") return this.opaque(e, ADC.dynamicCode, "eval is not supported");
    // A function with a user's rule is an intrinsic, its source (if adc-ts sees it) not differentiated.
    const rule = ts.isIdentifier(callee) || ts.isPropertyAccessExpression(callee) ? this.rules(callee) : undefined;
    if (typeof rule === "string") return this.opaque(e, ADC.opaqueCall, rule);
    if (rule !== undefined) {
      // The derivative calls the rule function by its name where it lives in this module.
      if (this.locals.has(rule.name) && rule.target === siteKey(this.sf.fileName, rule.name))
        return this.opaque(e, ADC.opaqueCall, `its derivative calls the rule ${rule.name}, which the local ${rule.name} here hides: rename the local`);
      if (e.arguments.length !== rule.arity || e.arguments.some(ts.isSpreadElement))
        return this.opaque(e, ADC.opaqueCall, `${callee.getText(this.sf)} is called with ${String(e.arguments.length)} argument(s) here, and its rule ${rule.name} takes ${String(rule.arity)}`);
      return { k: "math", fn: rule.target, args: e.arguments.map((a) => this.expr(a)), rule: { ...rule, callee: callee.getText(this.sf), pos: posOf(e, this.sf) } };
    }
    const site = this.resolve(callee);
    if (site !== undefined && (ts.isIdentifier(callee) || ts.isPropertyAccessExpression(callee))) {
      const resultType = this.checker.typeToString(this.checker.getTypeAtLocation(e), e, ts.TypeFormatFlags.NoTruncation);
      return { k: "call", fn: callee.getText(this.sf), target: site.key, args: e.arguments.map((a) => this.expr(a)), pos: posOf(e, this.sf), resultType };
    }
    if (ts.isPropertyAccessExpression(callee) && !(ts.isIdentifier(callee.expression) && !this.locals.has(callee.expression.text)))
      return this.opaque(e, ADC.methodOnActive, `the method .${callee.name.text}() is not differentiated`);
    if (ts.isIdentifier(callee) && this.checker.getSymbolAtLocation(callee)?.declarations?.some(isInsideFunction))
      return this.opaque(e, ADC.objectOrClosure, `${callee.text} is a function value or nested function, which adc-ts does not differentiate through; call a top-level function by its name`);
    // A test of numbers (`Number.isInteger(n)`, `isNaN(x)`, a library's `isnan`): numbers go in by value
    // and a boolean comes out, which carries no derivative. An array passed may be written: still an error.
    const booleanResult = typeIsAll(this.checker.getTypeAtLocation(e), ts.TypeFlags.BooleanLike);
    return this.opaque(e, ADC.opaqueCall, `${callee.getText(this.sf)} has no source adc-ts can see, so it cannot be differentiated`, booleanResult);
  }
}

/** A variable, or an element of a place (`m`, `m[i]`, `m[i][j]`): what an assignment can write. */
const isPlace = (e: Expr): boolean => e.k === "var" || (e.k === "index" && isPlace(e.arr));

/** Whether statements assign the variable `name` as a whole (not one of its elements), or opaque code may. */
function assignsWhole(stmts: readonly Stmt[], name: string): boolean {
  return stmts.some(
    (s) => (s.k === "assign" && s.target.k === "var" && s.target.name === name) || (s.k === "opaque" && s.stmt.reads.includes(name)) || childLists(s).some((list) => assignsWhole(list, name)),
  );
}

/** Whether statements write elements of an array `names` accepts (or opaque code or a callee may). */
function writesElements(stmts: readonly Stmt[], names: (name: string) => boolean): boolean {
  return stmts.some(
    (s) =>
      (s.k === "assign" && s.target.k === "index" && names(lvalueRoot(s.target) ?? "")) ||
      (s.k === "opaque" && s.stmt.reads.some(names)) ||
      stmtExprs(s).some((e) => passesToCall(e, names)) ||
      childLists(s).some((list) => writesElements(list, names)),
  );
}

/** Whether an expression passes an array `names` accepts to a call (which may write it). */
function passesToCall(e: Expr, names: (name: string) => boolean): boolean {
  if (e.k === "call" && e.args.some((a) => a.k === "var" && names(a.name))) return true;
  return children(e).some((c) => passesToCall(c, names));
}
