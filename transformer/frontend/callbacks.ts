/**
 * Callbacks and function values, desugared by the frontend so that every mode gets them for free and
 * no closure is left in generated code:
 * - array methods on arrays of numbers with a callback whose source adc-ts sees (`xs.map((x, i) => …)`,
 *   `reduce`, `forEach`, `filter`, `some`, `every`, `findIndex`, `Array.from({ length: n }, …)`) and
 *   `fill` become plain loops before the statement that holds them;
 * - calls of arrow functions and inner function declarations of the function (`const sq = (t: number)
 *   => t * t * a`) are inlined where they are called: an expression body with its parameters replaced
 *   by the arguments, a block body as a block that binds them.
 * What cannot be desugared stays a diagnostic (ADC2022, ADC2023) or, where it touches no active value,
 * the code as written.
 */
import ts from "typescript";
import { ADC, CompileError } from "../diagnostics.js";
import { add, children, containsCall, exprReads, isCheap, stmtReads, substitute, walkStmts } from "../ir/build.js";
import type { Expr, LocalInfo, Opaque, SourcePos, Stmt } from "../ir/ir.js";
import { BOOL, localOf, NUM, shapeOf, typeText } from "../ir/types.js";
import { posOf, typeOf, type CalleeResolver } from "./frontend.js";

/** What of the converter this file uses (see `Converter` in frontend.ts). */
export interface ConverterAccess {
  readonly sf: ts.SourceFile;
  readonly checker: ts.TypeChecker;
  readonly locals: Map<string, LocalInfo>;
  readonly resolve: CalleeResolver;
  expr(e: ts.Expression): Expr;
  /** Statements converted on their own (no statement around them to move code before). */
  statements(list: readonly ts.Statement[]): Stmt[];
  /** `scope`'s expressions converted as one statement, what they move going to `out` (`Converter.hoisted`). */
  hoisted<T>(scope: ts.Node, out: Stmt[], convert: () => T): T;
  /** The statements before the one being converted, where `node` may move there (else undefined). */
  movable(node: ts.Node): Stmt[] | undefined;
  /** Record `node` as moved before its statement. */
  moved(node: ts.Node): void;
  fresh(base: string): string;
  opaque(node: ts.Node, code: string, reason: string): Opaque;
  /** Take the locals declared under `root` (a helper's, inlined here) into the function's. */
  declareLocals(root: ts.Node): void;
}

type FunctionNode = ts.ArrowFunction | ts.FunctionExpression | ts.FunctionDeclaration;

/** A callback adc-ts sees the source of: a function to inline, or a top-level function to call. */
type Callback = { readonly k: "inline"; readonly fn: FunctionNode; readonly local: boolean } | { readonly k: "call"; readonly callee: ts.Expression; readonly key: string; readonly arity: number };

/** Array methods taking a callback `(value, index, array)`, desugared into a loop. */
const LOOP_METHODS = new Set(["map", "forEach", "reduce", "filter", "some", "every", "findIndex"]);

const num = (value: number): Expr => ({ k: "num", value });
const ref = (name: string): Expr => ({ k: "var", name });
const assign = (name: string, value: Expr, pos?: SourcePos): Stmt => ({ k: "assign", target: { k: "var", name }, op: "=", value, ...(pos !== undefined ? { pos } : {}) });
const declare = (decl: "const" | "let", name: string, init: Expr, pos?: SourcePos, info?: LocalInfo): Stmt => ({
  k: "let",
  decl,
  decls: [{ name, init, ...(pos !== undefined ? { pos } : {}), ...(info !== undefined ? { info } : {}) }],
});
/** `true` or `false`, which the IR keeps as text (no mode differentiates a boolean). */
const bool = (value: boolean, pos: SourcePos): Expr => ({ k: "opaque", text: String(value), reads: [], code: ADC.unsupportedExpression, reason: "a boolean is not a number", pos });

/** `for (let counter = 0; guard && counter < length; counter++) body`. */
function countedLoop(counter: string, length: Expr, body: Stmt[], pos: SourcePos, guard?: Expr): Stmt {
  const bound: Expr = { k: "cmp", op: "<", a: ref(counter), b: length };
  return {
    k: "for",
    init: [declare("let", counter, num(0))],
    cond: guard !== undefined ? { k: "logic", op: "&&", a: guard, b: bound } : bound,
    update: [{ k: "assign", target: { k: "var", name: counter }, op: "+=", value: num(1), increment: "++" }],
    body,
    pos,
  };
}

const unparenthesized = (e: ts.Expression): ts.Expression => (ts.isParenthesizedExpression(e) ? unparenthesized(e.expression) : e);

function isFunctionNode(n: ts.Node): n is FunctionNode {
  return ts.isArrowFunction(n) || ts.isFunctionExpression(n) || ts.isFunctionDeclaration(n);
}

/** Whether `inner` is `outer` or inside it. */
const within = (inner: ts.Node, outer: ts.Node): boolean => inner.pos >= outer.pos && inner.end <= outer.end && inner.getSourceFile() === outer.getSourceFile();

export class Callbacks {
  /** Local functions, by symbol: whether every use of one is a call or a callback this file inlines. */
  private readonly inlined = new Map<ts.Symbol, FunctionNode | undefined>();
  /** Functions being inlined (a function met again inside itself recurses). */
  private readonly inlining: FunctionNode[] = [];
  /** The function parameters of helpers being specialised, by symbol: the callback each is bound to. */
  private readonly bound = new Map<ts.Symbol, Callback>();

  constructor(private readonly cx: ConverterAccess) {}

  /** `e` desugared into loops or inlined, its value; undefined where it is no call this file handles. */
  call(e: ts.CallExpression): Expr | undefined {
    return this.desugar(e, false)?.value;
  }

  /** A call whose value is dropped, desugared: the last of its statements (the others go before it). */
  statement(e: ts.CallExpression): Stmt | undefined {
    const done = this.desugar(e, true);
    if (done === undefined) return undefined;
    if (done.last !== undefined) return done.last;
    // A value computed for nothing: only what has effects stays.
    const value = done.value ?? num(0);
    return containsCall(value) || hasOpaque(value) ? { k: "expr", expr: value, pos: posOf(e, this.cx.sf) } : { k: "block", body: [] };
  }

  /** Whether a statement only declares local functions inlined wherever they are used: it generates nothing. */
  declaresInlined(s: ts.Statement): boolean {
    if (ts.isFunctionDeclaration(s)) return s.name !== undefined && this.localFunction(s.name) !== undefined;
    if (!ts.isVariableStatement(s) || s.declarationList.declarations.length !== 1) return false;
    const d = s.declarationList.declarations[0];
    return ts.isIdentifier(d.name) && this.localFunction(d.name) !== undefined;
  }

  /**
   * The desugaring of `e`: its value (if it has one) with its statements moved before the statement
   * holding it, or, for a dropped value, the last of them in `last`.
   */
  private desugar(e: ts.CallExpression, dropped: boolean): { value?: Expr; last?: Stmt } | undefined {
    const callee = unparenthesized(e.expression);
    if (ts.isIdentifier(callee)) {
      const fn = this.localFunction(callee);
      if (fn !== undefined) return this.inlineCall(fn, e, dropped);
      const bound = this.boundTo(callee);
      if (bound !== undefined) {
        if (bound.k === "inline") return this.inlineCall(bound.fn, e, dropped);
        const call: Expr = { k: "call", fn: bound.callee.getText(this.cx.sf), target: bound.key, args: e.arguments.map((a) => this.cx.expr(a)), pos: posOf(e, this.cx.sf) };
        return { value: call };
      }
      const helper = this.higherOrder(e);
      if (helper !== undefined) return this.specialise(helper, e, dropped);
      return undefined;
    }
    if (!ts.isPropertyAccessExpression(callee)) return undefined;
    const method = callee.name.text;
    const receiver = callee.expression;
    if (method === "from" && ts.isIdentifier(receiver) && receiver.text === "Array" && !this.cx.locals.has("Array")) return this.arrayFrom(e, dropped);
    if (!this.isNumberArray(receiver)) return undefined;
    if (LOOP_METHODS.has(method)) return this.loopMethod(e, method, receiver, dropped);
    if (method === "fill") return this.fill(e, receiver, dropped);
    if (method === "slice") return this.slice(e, receiver);
    if (method === "concat" && this.isNumberArray(e)) return this.joined(e, [receiver, ...e.arguments]);
    return undefined;
  }

  /** `[...a, x, ...b]` of arrays of numbers and numbers: a zero-filled array and a copy loop per array. */
  spread(e: ts.ArrayLiteralExpression): Expr | undefined {
    if (!this.isNumberArray(e) || e.elements.some((x) => ts.isOmittedExpression(x))) return undefined;
    return this.joined(e, e.elements.map((x) => (ts.isSpreadElement(x) ? x.expression : x)))?.value;
  }

  private isNumberArray(e: ts.Expression): boolean {
    return shapeOf(typeOf(this.cx.checker.getTypeAtLocation(e), this.cx.checker)).shape === "array";
  }

  private error(code: string, message: string, at: ts.Node): never {
    throw new CompileError({ code, message, pos: posOf(at, this.cx.sf) });
  }

  /** What the user wrote, shortened for a message. */
  private text(n: ts.Node): string {
    const t = n.getText(this.cx.sf).replace(/\s+/g, " ");
    return t.length > 40 ? `${t.slice(0, 37)}...` : t;
  }

  // ---- callbacks -------------------------------------------------------------------------------

  /** The callback `arg` names, if adc-ts sees its source. */
  private callbackOf(arg: ts.Expression): Callback | undefined {
    const e = unparenthesized(arg);
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return { k: "inline", fn: e, local: false };
    if (ts.isIdentifier(e)) {
      const fn = this.localFunction(e);
      if (fn !== undefined) return { k: "inline", fn, local: true };
      const bound = this.boundTo(e);
      if (bound !== undefined) return bound;
    }
    if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e)) {
      const site = this.cx.resolve(e);
      if (site !== undefined) return { k: "call", callee: e, key: site.key, arity: site.fn.parameters.length };
    }
    return undefined;
  }

  /** Why a function cannot be inlined, if it cannot (its form, not its uses). */
  private unfit(fn: FunctionNode): string | undefined {
    if (fn.asteriskToken !== undefined || (ts.getCombinedModifierFlags(fn) & ts.ModifierFlags.Async) !== 0) return "it is async or a generator";
    if (fn.body === undefined) return "it has no body";
    if (fn.parameters.some((p) => !ts.isIdentifier(p.name) || p.dotDotDotToken !== undefined || p.initializer !== undefined)) return "a parameter is destructured, a rest parameter or has a default value";
    const bad = (n: ts.Node): string | undefined => {
      if (n.kind === ts.SyntaxKind.ThisKeyword) return "it reads `this`";
      if (ts.isIdentifier(n) && n.text === "arguments") return "it reads `arguments`";
      return ts.forEachChild(n, bad);
    };
    return bad(fn.body);
  }

  /**
   * The function a local name declares (`const f = (…) => …`, `function f(…) {…}` inside the function
   * being converted), where every use of it is a call or a callback this file inlines, it does not
   * call itself, and each name it captures is declared once in the function (so it means the same
   * variable where the body lands).
   */
  private localFunction(id: ts.Identifier): FunctionNode | undefined {
    const symbol = this.cx.checker.getSymbolAtLocation(id);
    if (symbol === undefined) return undefined;
    if (!this.inlined.has(symbol)) this.inlined.set(symbol, this.findLocalFunction(symbol));
    return this.inlined.get(symbol);
  }

  private findLocalFunction(symbol: ts.Symbol): FunctionNode | undefined {
    const decl = symbol.valueDeclaration;
    if (decl === undefined || symbol.declarations?.length !== 1 || decl.getSourceFile() !== this.cx.sf) return undefined;
    let fn: FunctionNode | undefined;
    if (ts.isFunctionDeclaration(decl)) fn = decl;
    else if (ts.isVariableDeclaration(decl) && decl.initializer !== undefined && ts.isVariableDeclarationList(decl.parent) && decl.parent.flags & ts.NodeFlags.Const && decl.parent.declarations.length === 1) {
      const init = unparenthesized(decl.initializer);
      if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) fn = init;
    }
    const root = this.root(decl);
    if (fn === undefined || root === undefined || root === fn || this.unfit(fn) !== undefined) return undefined;
    let usedOnlyAsCalled = true;
    const visit = (n: ts.Node): void => {
      if (ts.isIdentifier(n) && n !== (decl as ts.NamedDeclaration).name && n.text === symbol.name && this.cx.checker.getSymbolAtLocation(n) === symbol && !this.isCalledOrPassed(n, fn)) usedOnlyAsCalled = false;
      if (usedOnlyAsCalled) ts.forEachChild(n, visit);
    };
    visit(root);
    if (!usedOnlyAsCalled) return undefined;
    return this.captures(fn, root).every(([name, s]) => this.ownsName(root, name, s)) ? fn : undefined;
  }

  /** Whether a use of a local function is a call of it or a callback this file inlines (not inside itself). */
  private isCalledOrPassed(n: ts.Identifier, fn: FunctionNode): boolean {
    if (within(n, fn)) return false;
    let top: ts.Node = n;
    while (ts.isParenthesizedExpression(top.parent)) top = top.parent;
    const p = top.parent;
    if (!ts.isCallExpression(p)) return false;
    if (p.expression === top || this.higherOrder(p) !== undefined) return true;
    const callee = unparenthesized(p.expression);
    if (!ts.isPropertyAccessExpression(callee)) return false;
    if (callee.name.text === "from" && ts.isIdentifier(callee.expression) && callee.expression.text === "Array") return p.arguments[1] === top;
    return LOOP_METHODS.has(callee.name.text) && p.arguments[0] === top && this.isNumberArray(callee.expression);
  }

  /** The function being converted: the outermost function around `n`. */
  private root(n: ts.Node): ts.SignatureDeclaration | undefined {
    let found: ts.SignatureDeclaration | undefined;
    for (let p: ts.Node | undefined = n.parent; p !== undefined; p = p.parent) if (ts.isFunctionLike(p)) found = p;
    return found;
  }

  /** The names `fn` reads from around it, inside `root` (its captured variables), with their symbols. */
  private captures(fn: FunctionNode, root: ts.Node): [string, ts.Symbol][] {
    const out = new Map<string, ts.Symbol>();
    const visit = (n: ts.Node): void => {
      if (ts.isIdentifier(n)) {
        const s = this.cx.checker.getSymbolAtLocation(n);
        const d = s?.valueDeclaration;
        if (s !== undefined && d !== undefined && within(d, root) && !within(d, fn)) out.set(n.text, s);
      }
      ts.forEachChild(n, visit);
    };
    visit(fn.body!);
    return [...out];
  }

  /** Whether every identifier `name` in `root` means `symbol`: a variable of that name declared there again would be another. */
  private ownsName(root: ts.Node, name: string, symbol: ts.Symbol): boolean {
    const visit = (n: ts.Node): boolean => {
      if (ts.isIdentifier(n) && n.text === name) {
        const p = n.parent;
        const property = (ts.isPropertyAccessExpression(p) && p.name === n) || (ts.isPropertyAssignment(p) && p.name === n);
        if (!property && this.cx.checker.getSymbolAtLocation(n) !== symbol) return true;
      }
      return ts.forEachChild(n, visit) === true;
    };
    return !visit(root);
  }

  /** The names a function declares: its parameters and every variable and function inside it. */
  private declaredIn(fn: FunctionNode): Set<string> {
    const out = new Set<string>();
    const visit = (n: ts.Node): void => {
      if ((ts.isVariableDeclaration(n) || ts.isParameter(n) || ts.isBindingElement(n) || ts.isFunctionDeclaration(n)) && n.name !== undefined && ts.isIdentifier(n.name)) out.add(n.name.text);
      ts.forEachChild(n, visit);
    };
    for (const p of fn.parameters) visit(p);
    if (fn.body !== undefined) visit(fn.body);
    return out;
  }

  /** Whether `fn`'s body reads its parameter `p`. */
  private reads(fn: FunctionNode, p: ts.ParameterDeclaration): boolean {
    const symbol = this.cx.checker.getSymbolAtLocation(p.name);
    const visit = (n: ts.Node): boolean => (ts.isIdentifier(n) && this.cx.checker.getSymbolAtLocation(n) === symbol) || ts.forEachChild(n, visit) === true;
    return fn.body !== undefined && visit(fn.body);
  }

  /** Whether `fn`'s body assigns its parameter `p`. */
  private assigns(fn: FunctionNode, p: ts.ParameterDeclaration): boolean {
    const name = (p.name as ts.Identifier).text;
    const symbol = this.cx.checker.getSymbolAtLocation(p.name);
    const visit = (n: ts.Node): boolean => {
      if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) {
        const t = unparenthesized(n.operand);
        if (ts.isIdentifier(t) && t.text === name && this.cx.checker.getSymbolAtLocation(t) === symbol) return true;
      }
      if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) {
        const t = unparenthesized(n.left);
        if (ts.isIdentifier(t) && t.text === name && this.cx.checker.getSymbolAtLocation(t) === symbol) return true;
      }
      return ts.forEachChild(n, visit) === true;
    };
    return fn.body !== undefined && visit(fn.body);
  }

  /** A parameter's declaration info, where it differs from that of the first declaration of its name. */
  private paramInfo(p: ts.ParameterDeclaration): LocalInfo | undefined {
    const name = (p.name as ts.Identifier).text;
    const info = localOf(typeOf(this.cx.checker.getTypeAtLocation(p.name), this.cx.checker));
    const first = this.cx.locals.get(name);
    if (first === undefined) {
      this.cx.locals.set(name, info);
      return undefined;
    }
    return first.shape !== info.shape || first.arrayKind !== info.arrayKind ? info : undefined;
  }

  /**
   * The body of `fn` with its parameters bound to `args` (`const x = xs[i]`; none for a parameter
   * `skip` names, which already holds its value), each `return v` turned into `onReturn(v)`.
   */
  private inlineBody(fn: FunctionNode, args: readonly (Expr | undefined)[], onReturn: (v: Expr | undefined, pos: SourcePos | undefined) => Stmt[], needsValue: boolean, skip: ReadonlySet<string> = new Set()): Stmt[] {
    if (this.inlining.includes(fn)) this.error(ADC.functionValueNotInlined, `${this.text(fn)} calls itself, so it cannot be inlined; write it as a top-level function`, fn);
    this.inlining.push(fn);
    try {
      const out: Stmt[] = [];
      fn.parameters.forEach((p, i) => {
        const name = (p.name as ts.Identifier).text;
        if (skip.has(name)) return;
        const info = this.paramInfo(p);
        const arg = args[i];
        if (arg === undefined) {
          if (this.reads(fn, p)) this.error(ADC.callbackNotDesugared, `the parameter '${name}' of ${this.text(fn)} is given no value (undefined) where it is called`, p);
          return;
        }
        // A value the modes do not differentiate (a flag) keeps its type: reverse mode may declare it before the block.
        const t = typeOf(this.cx.checker.getTypeAtLocation(p.name), this.cx.checker);
        const local = this.cx.locals.get(name);
        if (shapeOf(t).shape === "other" && local?.shape === "other" && local.type === undefined) this.cx.locals.set(name, { ...local, type: typeText(t) });
        out.push(declare(this.assigns(fn, p) ? "let" : "const", name, arg, posOf(p, this.cx.sf), info));
      });
      const body = fn.body!;
      if (ts.isBlock(body)) {
        const fail = (at: SourcePos | undefined, why: string): never => {
          throw new CompileError({ code: ADC.callbackNotDesugared, message: `${this.text(fn)}: ${why}`, pos: at ?? posOf(fn, this.cx.sf) });
        };
        const lowered = lowerReturns(this.cx.statements(body.statements), onReturn, fail);
        if (needsValue && !lowered.always) this.error(ADC.callbackNotDesugared, `${this.text(fn)} does not return a value on every path`, fn);
        out.push(...lowered.out);
      } else {
        const value = this.cx.hoisted(body, out, () => this.cx.expr(body));
        out.push(...onReturn(value, posOf(body, this.cx.sf)));
      }
      return out;
    } finally {
      this.inlining.pop();
    }
  }

  // ---- calls of local functions ----------------------------------------------------------------

  /**
   * `f(a, b)` of a local function: an expression body that moves nothing and calls nothing is the
   * expression with the parameters replaced by the arguments (`sq(x)` → `x * x * a`; an argument
   * read more than once that is not cheap goes through a copy first); anything else is a block
   * before the statement binding the parameters and assigning the result.
   */
  private inlineCall(fn: FunctionNode, e: ts.CallExpression, dropped: boolean): { value?: Expr; last?: Stmt } {
    const pos = posOf(e, this.cx.sf);
    const name = this.text(e.expression);
    const args = e.arguments.map((a) => this.cx.expr(a));
    const params = fn.parameters.map((p) => (p.name as ts.Identifier).text);
    const needPlace = (why: string): Stmt[] => {
      const pre = this.cx.movable(e);
      if (pre === undefined) this.error(ADC.functionValueNotInlined, `${name}(...) cannot be inlined here (${why}): it is inside a branch of ?:, && or ||, a loop condition or update, or beside a use it would move before; call it in a statement of its own`, e);
      return pre;
    };
    const body = fn.body!;
    if (!ts.isBlock(body)) {
      if (this.inlining.includes(fn)) this.error(ADC.functionValueNotInlined, `${this.text(fn)} calls itself, so it cannot be inlined; write it as a top-level function`, fn);
      this.inlining.push(fn);
      const bodyPre: Stmt[] = [];
      let value: Expr;
      try {
        value = this.cx.hoisted(body, bodyPre, () => this.cx.expr(body));
      } finally {
        this.inlining.pop();
      }
      if (bodyPre.length === 0 && !containsCall(value) && !readsThroughOpaque(value, params)) {
        const counts = new Map<string, number>();
        countReads(value, counts);
        const bound = new Map<string, Expr>();
        fn.parameters.forEach((p, i) => {
          const arg = args[i];
          const reads = counts.get(params[i]) ?? 0;
          if (arg === undefined) {
            if (reads > 0) this.error(ADC.functionValueNotInlined, `${name}(...) gives the parameter '${params[i]}' no value`, e);
            return;
          }
          if (isCheap(arg) || (reads === 1 && !containsCall(arg) && !hasOpaque(arg))) bound.set(params[i], arg);
          else if (reads > 0 || containsCall(arg) || hasOpaque(arg)) {
            const copy = this.cx.fresh(params[i]);
            this.cx.locals.set(copy, this.paramLocal(p));
            needPlace("an argument must be evaluated once").push(declare("const", copy, arg, pos));
            bound.set(params[i], ref(copy));
          }
        });
        for (const extra of args.slice(params.length)) if (containsCall(extra) || hasOpaque(extra)) needPlace("an extra argument has effects").push({ k: "expr", expr: extra, pos });
        const result = substitute(value, (n) => bound.get(n) ?? ref(n));
        if (this.cx.movable(e) !== undefined) this.cx.moved(e);
        return { value: result };
      }
    }
    // A block: `let result = 0; { const t = x; …; result = …; }` before the statement.
    const pre = needPlace("its body has statements");
    const declared = this.declaredIn(fn);
    const bindings = args.map((arg, i): Expr => {
      if (i >= params.length || ![...exprReads(arg)].some((n) => declared.has(n))) return arg;
      const copy = this.cx.fresh(`${params[i]}_arg`);
      this.cx.locals.set(copy, this.paramLocal(fn.parameters[i]));
      pre.push(declare("const", copy, arg, pos));
      return ref(copy);
    });
    for (const extra of bindings.slice(params.length)) if (containsCall(extra) || hasOpaque(extra)) pre.push({ k: "expr", expr: extra, pos });
    let result: string | undefined;
    if (!dropped) {
      const returned = this.cx.checker.getTypeAtLocation(e);
      if (!(returned.flags & ts.TypeFlags.NumberLike)) this.error(ADC.functionValueNotInlined, `${name}(...) returns ${this.cx.checker.typeToString(returned)}, not a number: only a function whose body is one expression is inlined where it gives another value`, e);
      result = this.cx.fresh(ts.isIdentifier(e.expression) ? `${e.expression.text}_result` : "result");
      this.cx.locals.set(result, localOf(NUM));
      pre.push(declare("let", result, num(0), pos));
    }
    const block: Stmt = { k: "block", body: this.inlineBody(fn, bindings, returnsInto(result), result !== undefined) };
    this.cx.moved(e);
    if (dropped) return { last: block };
    pre.push(block);
    return { value: ref(result!) };
  }

  private paramLocal(p: ts.ParameterDeclaration): LocalInfo {
    return localOf(typeOf(this.cx.checker.getTypeAtLocation(p.name), this.cx.checker));
  }

  // ---- functions passed to helpers ---------------------------------------------------------------

  /** The callback a function parameter of a helper being specialised is bound to. */
  private boundTo(id: ts.Identifier): Callback | undefined {
    const symbol = this.cx.checker.getSymbolAtLocation(id);
    return symbol !== undefined ? this.bound.get(symbol) : undefined;
  }

  /**
   * The helper a call passes a function to (`integrate((t) => t * a, 0, 1)`, `step(f, y, h)`): a
   * function of this file whose source adc-ts sees, with an argument that is a function adc-ts sees
   * too, given for a parameter of a function type.
   */
  private higherOrder(e: ts.CallExpression): FunctionNode | undefined {
    const callee = unparenthesized(e.expression);
    if (!ts.isIdentifier(callee)) return undefined;
    const site = this.cx.resolve(callee);
    const fn = site?.fn;
    if (fn === undefined || !isFunctionNode(fn) || fn.getSourceFile() !== this.cx.sf) return undefined;
    const passesFunction = e.arguments.some((a, i) => {
      const p = fn.parameters[i];
      if (p === undefined || this.cx.checker.getTypeAtLocation(p).getCallSignatures().length === 0) return false;
      const u = unparenthesized(a);
      return ts.isArrowFunction(u) || ts.isFunctionExpression(u) || (ts.isIdentifier(u) && this.cx.checker.getTypeAtLocation(u).getCallSignatures().length > 0);
    });
    return passesFunction ? fn : undefined;
  }

  /**
   * A call of a helper with a function argument, specialised: the helper's body inlined as a block
   * binding its number and array parameters, its function parameters bound to the functions passed
   * (calls of them inlined in turn, or calls of the top-level function named). No closure and no
   * function value reaches generated code.
   */
  private specialise(helper: FunctionNode, e: ts.CallExpression, dropped: boolean): { value?: Expr; last?: Stmt } {
    const sf = this.cx.sf;
    const name = this.text(e.expression);
    const fail = (why: string, at: ts.Node = e): never => this.error(ADC.functionArgumentNotSpecialized, `${name}(...) cannot be specialised on the function passed to it: ${why}`, at);
    const why = this.unfit(helper);
    if (why !== undefined) fail(why);
    if (this.inlining.includes(helper)) fail("it calls itself with a function argument");
    const pre = this.cx.movable(e) ?? fail("it is inside a branch of ?:, && or ||, a loop condition or update, or beside a use it would move before; call it in a statement of its own");
    const pos = posOf(e, sf);
    const declared = this.declaredIn(helper);
    const functionParams: string[] = [];
    const symbols: ts.Symbol[] = [];
    const args: (Expr | undefined)[] = [];
    helper.parameters.forEach((p, i) => {
      const arg = e.arguments[i];
      const pname = (p.name as ts.Identifier).text;
      if (arg !== undefined && this.cx.checker.getTypeAtLocation(p).getCallSignatures().length > 0) {
        const cb = this.callbackOf(arg) ?? fail(`the function ${this.text(arg)} given for '${pname}' has no source adc-ts can see`, arg);
        if (cb.k === "inline") {
          const unfitCallback = this.unfit(cb.fn);
          if (unfitCallback !== undefined) fail(`the function given for '${pname}' cannot be inlined: ${unfitCallback}`, arg);
          const root = this.root(cb.fn);
          const clash = root !== undefined ? this.captures(cb.fn, root).find(([n]) => declared.has(n)) : undefined;
          if (clash !== undefined) fail(`the function given for '${pname}' reads '${clash[0]}', a name ${name} declares too; rename one of them`, arg);
        }
        const symbol = this.cx.checker.getSymbolAtLocation(p.name)!;
        this.bound.set(symbol, cb);
        symbols.push(symbol);
        functionParams.push(pname);
        args.push(undefined);
        return;
      }
      const value = arg !== undefined ? this.cx.expr(arg) : undefined;
      // An argument reading a name the helper declares is read before the block that declares it.
      if (value !== undefined && [...exprReads(value)].some((n) => declared.has(n))) {
        const copy = this.cx.fresh(`${pname}_arg`);
        this.cx.locals.set(copy, this.paramLocal(p));
        pre.push(declare("const", copy, value, pos));
        args.push(ref(copy));
      } else args.push(value);
    });
    this.cx.declareLocals(helper);
    try {
      let result: string | undefined;
      if (!dropped) {
        const returned = this.cx.checker.getTypeAtLocation(e);
        if (!(returned.flags & ts.TypeFlags.NumberLike)) fail(`it returns ${this.cx.checker.typeToString(returned)}, not a number`);
        result = this.cx.fresh(`${name}_result`);
        this.cx.locals.set(result, localOf(NUM));
        pre.push(declare("let", result, num(0), pos));
      }
      const body = this.inlineBody(helper, args, returnsInto(result), result !== undefined, new Set(functionParams));
      const leaked = [...stmtReads(body)].find((n) => functionParams.includes(n));
      if (leaked !== undefined) fail(`it uses its parameter '${leaked}' other than by calling it`);
      this.cx.moved(e);
      const block: Stmt = { k: "block", body };
      if (dropped) return { last: block };
      pre.push(block);
      return { value: ref(result!) };
    } finally {
      for (const s of symbols) this.bound.delete(s);
    }
  }

  // ---- array methods ---------------------------------------------------------------------------

  /**
   * The array a loop walks, as a variable: the receiver itself where it is a variable no name of the
   * callback shadows and the callback does not assign, else a copy of it made first.
   */
  private walked(receiver: ts.Expression, pre: Stmt[], shadowing: ReadonlySet<string>, assignedIn?: ts.Node): string {
    const arr = this.cx.expr(receiver);
    if (arr.k === "var" && !shadowing.has(arr.name) && !(assignedIn !== undefined && this.assignedInside(arr.name, assignedIn))) return arr.name;
    const copy = this.cx.fresh(arr.k === "var" ? `${arr.name}_walked` : "walked");
    this.cx.locals.set(copy, localOf(typeOf(this.cx.checker.getTypeAtLocation(receiver), this.cx.checker)));
    pre.push(declare("const", copy, arr, posOf(receiver, this.cx.sf)));
    return copy;
  }

  /** Whether `name` is assigned as a whole inside `n`. */
  private assignedInside(name: string, n: ts.Node): boolean {
    const visit = (c: ts.Node): boolean => {
      if (ts.isBinaryExpression(c) && c.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && c.operatorToken.kind <= ts.SyntaxKind.LastAssignment) {
        const t = unparenthesized(c.left);
        if (ts.isIdentifier(t) && t.text === name) return true;
      }
      return ts.forEachChild(c, visit) === true;
    };
    return visit(n);
  }

  /**
   * `xs.map(cb)`, `forEach`, `reduce`, `filter`, `some`, `every`, `findIndex` on an array of numbers:
   * one loop over the elements, the callback's body inlined in it (or a call of the top-level function
   * it names), before the statement holding the call.
   */
  private loopMethod(e: ts.CallExpression, method: string, receiver: ts.Expression, dropped: boolean): { value?: Expr; last?: Stmt } | undefined {
    const sf = this.cx.sf;
    const what = `.${method}()`;
    const cbArg = e.arguments[0];
    const cb = cbArg !== undefined ? this.callbackOf(cbArg) : undefined;
    if (cb === undefined) {
      if (cbArg === undefined) return undefined;
      return { value: this.cx.opaque(e, ADC.callbackNotDesugared, `the callback ${this.text(cbArg)} of ${what} has no source adc-ts can see (a parameter or a value made at run time); pass an arrow function or the name of a function`) };
    }
    if (cb.k === "inline") {
      const why = this.unfit(cb.fn);
      if (why !== undefined) this.error(ADC.callbackNotDesugared, `the callback of ${what} cannot be inlined: ${why}`, cb.fn);
    }
    if (method === "map" && !this.isNumberArray(e)) return undefined;
    if (method === "reduce" && !(this.cx.checker.getTypeAtLocation(e).flags & ts.TypeFlags.NumberLike)) return undefined;
    if (e.arguments.length > (method === "reduce" ? 2 : 1))
      return { value: this.cx.opaque(e, ADC.callbackNotDesugared, `${what} with a \`this\` argument is not desugared`) };
    const pre = this.cx.movable(e);
    if (pre === undefined) {
      if (cb.k === "inline" && cb.local) this.error(ADC.callbackNotDesugared, `${what} with the inlined function ${this.text(cbArg)} cannot be desugared here: it is inside a branch of ?:, && or ||, a loop condition or update, or beside a use it would move before; call it in a statement of its own`, e);
      return { value: this.cx.opaque(e, ADC.callbackNotDesugared, `${what} with a callback is desugared into a loop only where the loop can run before its statement (not in a branch of ?:, && or ||, nor a loop condition or update)`) };
    }
    const pos = posOf(e, sf);
    const fn = cb.k === "inline" ? cb.fn : undefined;
    const declared = fn !== undefined ? this.declaredIn(fn) : new Set<string>();
    const arr = this.walked(receiver, pre, declared, fn);
    const length: Expr = { k: "length", arr: ref(arr) };
    const root = this.root(e)!;
    const paramName = (i: number): string | undefined => {
      const p = fn?.parameters[i];
      return p !== undefined ? (p.name as ts.Identifier).text : undefined;
    };
    // A callback parameter the loop's own variable can be, where no other variable has its name.
    const owned = (i: number): string | undefined => {
      const p = fn?.parameters[i];
      if (p === undefined) return undefined;
      const s = this.cx.checker.getSymbolAtLocation(p.name);
      return s !== undefined && !this.assigns(fn!, p) && this.ownsName(root, paramName(i)!, s) ? paramName(i) : undefined;
    };
    const reduce = method === "reduce";
    const shift = reduce ? 1 : 0;
    const counter = owned(1 + shift) ?? this.cx.fresh("i");
    this.cx.locals.set(counter, localOf(NUM));
    const element: Expr = { k: "index", arr: ref(arr), index: ref(counter), pos };
    const skip = new Set<string>();
    if (counter === paramName(1 + shift)) skip.add(counter);

    let accumulator: string | undefined;
    let start = 0;
    const before: Stmt[] = [];
    if (reduce) {
      const accParam = fn?.parameters[0];
      accumulator = accParam !== undefined && this.ownsName(root, paramName(0)!, this.cx.checker.getSymbolAtLocation(accParam.name)!) ? paramName(0)! : this.cx.fresh("acc");
      if (accumulator === paramName(0)) skip.add(accumulator);
      this.cx.locals.set(accumulator, localOf(NUM));
      let init: Expr;
      if (e.arguments[1] !== undefined) init = this.cx.expr(e.arguments[1]);
      else {
        // JavaScript throws on an empty array without an initial value; so does the loop.
        before.push({ k: "if", cond: { k: "cmp", op: "===", a: length, b: num(0) }, then: [{ k: "opaque", stmt: { k: "opaque", text: 'throw new TypeError("Reduce of empty array with no initial value");', reads: [], code: ADC.unsupportedStatement, reason: "a throw", pos } }] });
        init = { k: "index", arr: ref(arr), index: num(0), pos };
        start = 1;
      }
      before.push(declare("let", accumulator, init, pos));
    }

    let result: Expr | undefined;
    let guard: Expr | undefined;
    let onValue: (v: Expr, at: SourcePos | undefined) => Stmt[];
    let after: Stmt[] = [];
    switch (method) {
      case "map": {
        const out = this.cx.fresh("mapped");
        this.cx.locals.set(out, localOf(typeOf(this.cx.checker.getTypeAtLocation(e), this.cx.checker)));
        before.push(declare("const", out, { k: "zeros", kind: this.cx.locals.get(arr)?.arrayKind ?? "Array", size: length }, pos));
        onValue = (v, at) => [{ k: "assign", target: { k: "index", arr: ref(out), index: ref(counter) }, op: "=", value: v, ...(at !== undefined ? { pos: at } : {}) }];
        result = ref(out);
        break;
      }
      case "forEach":
        onValue = (v, at) => returnsInto(undefined)(v, at);
        result = num(0);
        break;
      case "reduce":
        onValue = (v, at) => [assign(accumulator!, v, at)];
        result = ref(accumulator!);
        break;
      case "filter": {
        // Kept elements go to an array as long as the input, then into one of the length kept.
        const kept = this.cx.fresh("kept");
        const count = this.cx.fresh("count");
        const out = this.cx.fresh("filtered");
        const info = localOf(typeOf(this.cx.checker.getTypeAtLocation(receiver), this.cx.checker));
        const kind = info.arrayKind ?? "Array";
        this.cx.locals.set(kept, info);
        this.cx.locals.set(out, info);
        this.cx.locals.set(count, localOf(NUM));
        before.push(declare("const", kept, { k: "zeros", kind, size: length }, pos), declare("let", count, num(0), pos));
        onValue = (v) => [{ k: "if", cond: v, then: [{ k: "assign", target: { k: "index", arr: ref(kept), index: ref(count) }, op: "=", value: element }, { k: "assign", target: { k: "var", name: count }, op: "+=", value: num(1), increment: "++" }] }];
        const j = this.cx.fresh("k");
        this.cx.locals.set(j, localOf(NUM));
        result = ref(out);
        after = [
          declare("const", out, { k: "zeros", kind, size: ref(count) }, pos),
          countedLoop(j, ref(count), [{ k: "assign", target: { k: "index", arr: ref(out), index: ref(j) }, op: "=", value: { k: "index", arr: ref(kept), index: ref(j) } }], pos),
        ];
        break;
      }
      case "some":
      case "every": {
        const some = method === "some";
        const flag = this.cx.fresh(some ? "found" : "all");
        this.cx.locals.set(flag, localOf(BOOL));
        before.push(declare("let", flag, bool(!some, pos), pos));
        guard = some ? { k: "not", a: ref(flag) } : ref(flag);
        onValue = (v) => [{ k: "if", cond: some ? v : { k: "not", a: v }, then: [assign(flag, bool(some, pos))] }];
        result = ref(flag);
        break;
      }
      default: {
        // findIndex
        const found = this.cx.fresh("index");
        this.cx.locals.set(found, localOf(NUM));
        before.push(declare("let", found, num(-1), pos));
        guard = { k: "cmp", op: "<", a: ref(found), b: num(0) };
        onValue = (v) => [{ k: "if", cond: v, then: [assign(found, ref(counter))] }];
        result = ref(found);
      }
    }
    const args: (Expr | undefined)[] = reduce ? [ref(accumulator!), element, ref(counter), ref(arr)] : [element, ref(counter), ref(arr)];
    let body: Stmt[];
    if (cb.k === "call") {
      const call: Expr = { k: "call", fn: cb.callee.getText(sf), target: cb.key, args: args.slice(0, cb.arity) as Expr[], pos: posOf(cbArg, sf) };
      body = onValue(call, pos);
    } else body = this.inlineBody(cb.fn, args, (v, at) => (v !== undefined ? onValue(v, at) : []), method === "map" || reduce, skip);
    pre.push(...before);
    const loop = countedLoop(counter, length, body, pos, guard);
    const startAt: Stmt = start === 0 ? loop : { ...loop, init: [declare("let", counter, num(start))] } as Stmt;
    this.cx.moved(e);
    if (dropped && after.length === 0) return { last: startAt };
    pre.push(startAt, ...after);
    return { value: result };
  }

  /** `Array.from({ length: n }, (_, i) => …)`: an array of n numbers filled by a loop. */
  private arrayFrom(e: ts.CallExpression, dropped: boolean): { value?: Expr; last?: Stmt } | undefined {
    const [source, mapper] = e.arguments;
    if (source === undefined || mapper === undefined || e.arguments.length > 2 || !this.isNumberArray(e)) return undefined;
    const src = unparenthesized(source);
    const lengthProp = ts.isObjectLiteralExpression(src) && src.properties.length === 1 ? src.properties[0] : undefined;
    if (lengthProp === undefined || !ts.isPropertyAssignment(lengthProp) || !ts.isIdentifier(lengthProp.name) || lengthProp.name.text !== "length") return undefined;
    const cb = this.callbackOf(mapper);
    if (cb === undefined) return { value: this.cx.opaque(e, ADC.callbackNotDesugared, `the callback ${this.text(mapper)} of Array.from has no source adc-ts can see; pass an arrow function or the name of a function`) };
    if (cb.k === "inline") {
      const why = this.unfit(cb.fn);
      if (why !== undefined) this.error(ADC.callbackNotDesugared, `the callback of Array.from cannot be inlined: ${why}`, cb.fn);
    }
    const pre = this.cx.movable(e);
    if (pre === undefined) {
      if (cb.k === "inline" && cb.local) this.error(ADC.callbackNotDesugared, `Array.from with the inlined function ${this.text(mapper)} cannot be desugared here; write it in a statement of its own`, e);
      return { value: this.cx.opaque(e, ADC.callbackNotDesugared, "Array.from with a callback is desugared into a loop only where the loop can run before its statement (not in a branch of ?:, && or ||, nor a loop condition or update)") };
    }
    const pos = posOf(e, this.cx.sf);
    const size = this.cx.expr(lengthProp.initializer);
    const n = isCheap(size) ? size : ref(this.copyNumber("length", size, pre, pos));
    const out = this.cx.fresh("array");
    this.cx.locals.set(out, localOf(typeOf(this.cx.checker.getTypeAtLocation(e), this.cx.checker)));
    pre.push(declare("const", out, { k: "zeros", kind: "Array", size: n }, pos));
    const fn = cb.k === "inline" ? cb.fn : undefined;
    const indexParam = fn?.parameters[1];
    const root = this.root(e)!;
    const ownIndex =
      indexParam !== undefined && !this.assigns(fn!, indexParam) && this.ownsName(root, (indexParam.name as ts.Identifier).text, this.cx.checker.getSymbolAtLocation(indexParam.name)!)
        ? (indexParam.name as ts.Identifier).text
        : undefined;
    const counter = ownIndex ?? this.cx.fresh("i");
    this.cx.locals.set(counter, localOf(NUM));
    const write = (v: Expr, at: SourcePos | undefined): Stmt[] => [{ k: "assign", target: { k: "index", arr: ref(out), index: ref(counter) }, op: "=", value: v, ...(at !== undefined ? { pos: at } : {}) }];
    const body =
      cb.k === "call"
        ? write({ k: "call", fn: cb.callee.getText(this.cx.sf), target: cb.key, args: [num(0), ref(counter)].slice(0, cb.arity).map((a, i) => (i === 0 ? { k: "opaque", text: "undefined", reads: [], code: ADC.unsupportedExpression, reason: "undefined is not a number", pos } : a)) as Expr[], pos }, pos)
        : this.inlineBody(cb.fn, [undefined, ref(counter)], (v, at) => (v !== undefined ? write(v, at) : []), true, new Set(ownIndex !== undefined ? [ownIndex] : []));
    const loop = countedLoop(counter, n, body, pos);
    this.cx.moved(e);
    if (dropped) return { last: loop };
    pre.push(loop);
    return { value: ref(out) };
  }

  /**
   * The parts (arrays of numbers, or numbers) one after another in a new number[]: `xs.concat(ys, 1)`,
   * `[...xs, 1, ...ys]`. Each part is read once, in order (through a copy unless it is a variable).
   */
  private joined(e: ts.Expression, parts: readonly ts.Expression[]): { value: Expr } | undefined {
    if (!parts.every((p) => this.isNumberArray(p) || this.cx.checker.getTypeAtLocation(p).flags & ts.TypeFlags.NumberLike)) return undefined;
    const pre = this.cx.movable(e);
    if (pre === undefined) return undefined;
    const pos = posOf(e, this.cx.sf);
    const read = parts.map((p) => {
      const isArray = this.isNumberArray(p);
      const value = this.cx.expr(p);
      if (isCheap(value) && (value.k === "var" || !isArray)) return { isArray, value };
      const copy = this.cx.fresh(isArray ? "part" : "element");
      this.cx.locals.set(copy, localOf(typeOf(this.cx.checker.getTypeAtLocation(p), this.cx.checker)));
      pre.push(declare("const", copy, value, posOf(p, this.cx.sf)));
      return { isArray, value: ref(copy) };
    });
    const lengthOf = (r: { isArray: boolean; value: Expr }): Expr => (r.isArray ? { k: "length", arr: r.value } : num(1));
    const total = read.reduce<Expr>((sum, r) => add(sum, lengthOf(r)), num(0));
    const out = this.cx.fresh("joined");
    this.cx.locals.set(out, localOf(typeOf(this.cx.checker.getTypeAtLocation(e), this.cx.checker)));
    pre.push(declare("const", out, { k: "zeros", kind: "Array", size: total }, pos));
    let offset: Expr = num(0);
    for (const r of read) {
      const at = (i: Expr): Expr => add(offset, i);
      if (r.isArray) {
        const k = this.cx.fresh("k");
        this.cx.locals.set(k, localOf(NUM));
        pre.push(countedLoop(k, lengthOf(r), [{ k: "assign", target: { k: "index", arr: ref(out), index: at(ref(k)) }, op: "=", value: { k: "index", arr: r.value, index: ref(k) } }], pos));
      } else pre.push({ k: "assign", target: { k: "index", arr: ref(out), index: at(num(0)) }, op: "=", value: r.value, pos });
      offset = add(offset, lengthOf(r));
    }
    this.cx.moved(e);
    return { value: ref(out) };
  }

  /**
   * `xs.slice()`, `xs.slice(start)`, `xs.slice(start, end)` with JavaScript's bounds (a negative one
   * counts from the end, both clamped to the array): a zero-filled array and a copy loop.
   */
  private slice(e: ts.CallExpression, receiver: ts.Expression): { value: Expr } | undefined {
    if (e.arguments.length > 2 || !e.arguments.every((a) => this.cx.checker.getTypeAtLocation(a).flags & ts.TypeFlags.NumberLike)) return undefined;
    const pre = this.cx.movable(e);
    if (pre === undefined) return undefined;
    const pos = posOf(e, this.cx.sf);
    const arr = this.walked(receiver, pre, new Set());
    const n: Expr = { k: "length", arr: ref(arr) };
    const literal = (a: ts.Expression): number | undefined => {
      const u = unparenthesized(a);
      if (ts.isNumericLiteral(u)) return Number(u.text);
      if (ts.isPrefixUnaryExpression(u) && u.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(u.operand)) return -Number(u.operand.text);
      return undefined;
    };
    // A bound as an index into the array: n + b for a negative b, clamped to [0, n].
    const bound = (a: ts.Expression): Expr => {
      const known = literal(a);
      if (known !== undefined) return known < 0 ? { k: "math", fn: "max", args: [{ k: "bin", op: "-", a: n, b: num(-known) }, num(0)] } : { k: "math", fn: "min", args: [num(known), n] };
      const given = this.cx.expr(a);
      const b = isCheap(given) ? given : ref(this.copyNumber("bound", given, pre, pos));
      return { k: "cond", c: { k: "cmp", op: "<", a: b, b: num(0) }, a: { k: "math", fn: "max", args: [{ k: "bin", op: "+", a: n, b }, num(0)] }, b: { k: "math", fn: "min", args: [b, n] } };
    };
    const start = e.arguments[0];
    const from = start === undefined || literal(start) === 0 ? num(0) : ref(this.copyNumber("from", bound(start), pre, pos));
    const to = e.arguments[1] !== undefined ? bound(e.arguments[1]) : n;
    const length = from.k === "num" ? to : ref(this.copyNumber("count", { k: "math", fn: "max", args: [{ k: "bin", op: "-", a: to, b: from }, num(0)] }, pre, pos));
    const out = this.cx.fresh("sliced");
    this.cx.locals.set(out, localOf(typeOf(this.cx.checker.getTypeAtLocation(e), this.cx.checker)));
    pre.push(declare("const", out, { k: "zeros", kind: this.cx.locals.get(arr)?.arrayKind ?? "Array", size: length }, pos));
    const k = this.cx.fresh("k");
    this.cx.locals.set(k, localOf(NUM));
    const index: Expr = from.k === "num" ? ref(k) : { k: "bin", op: "+", a: from, b: ref(k) };
    pre.push(countedLoop(k, length, [{ k: "assign", target: { k: "index", arr: ref(out), index: ref(k) }, op: "=", value: { k: "index", arr: ref(arr), index } }], pos));
    this.cx.moved(e);
    return { value: ref(out) };
  }

  /** `const base = value` before the statement, for a number read more than once. */
  private copyNumber(base: string, value: Expr, pre: Stmt[], pos: SourcePos): string {
    const name = this.cx.fresh(base);
    this.cx.locals.set(name, localOf(NUM));
    pre.push(declare("const", name, value, pos));
    return name;
  }

  /** `xs.fill(v)` (and `fill(v, start)`, `fill(v, start, end)` with start and end from 0 up): a loop writing v. */
  private fill(e: ts.CallExpression, receiver: ts.Expression, dropped: boolean): { value?: Expr; last?: Stmt } | undefined {
    const [valueArg, ...bounds] = e.arguments;
    if (valueArg === undefined || bounds.length > 2) return undefined;
    const literal = (b: ts.Expression): number | undefined => (ts.isNumericLiteral(unparenthesized(b)) ? Number((unparenthesized(b) as ts.NumericLiteral).text) : undefined);
    if (bounds.some((b) => literal(b) === undefined)) return undefined;
    const pre = this.cx.movable(e);
    if (pre === undefined) return undefined;
    const pos = posOf(e, this.cx.sf);
    const arr = this.walked(receiver, pre, new Set());
    const given = this.cx.expr(valueArg);
    const value = isCheap(given) ? given : ref(this.copyNumber("fill", given, pre, pos));
    const i = this.cx.fresh("i");
    this.cx.locals.set(i, localOf(NUM));
    const length: Expr = { k: "length", arr: ref(arr) };
    const [from, to] = bounds.map(literal) as number[];
    const end: Expr = to !== undefined ? { k: "math", fn: "min", args: [num(to), length] } : length;
    const loop = countedLoop(i, end, [{ k: "assign", target: { k: "index", arr: ref(arr), index: ref(i) }, op: "=", value, pos }], pos);
    const filled: Stmt = from !== undefined && from > 0 ? ({ ...loop, init: [declare("let", i, num(from))] } as Stmt) : loop;
    this.cx.moved(e);
    if (dropped) return { last: filled };
    pre.push(filled);
    return { value: ref(arr) };
  }
}

/** What an inlined `return v` becomes: `result = v`, or, where the value is dropped, `v;` if it has effects. */
function returnsInto(result: string | undefined): (v: Expr | undefined, at: SourcePos | undefined) => Stmt[] {
  return (v, at) => {
    if (v === undefined) return [];
    if (result !== undefined) return [assign(result, v, at)];
    return containsCall(v) || hasOpaque(v) ? [{ k: "expr", expr: v, ...(at !== undefined ? { pos: at } : {}) }] : [];
  };
}

/** How many times each variable is read in `e`. */
function countReads(e: Expr, counts: Map<string, number>): void {
  if (e.k === "var") counts.set(e.name, (counts.get(e.name) ?? 0) + 1);
  for (const c of children(e)) countReads(c, counts);
}

function hasOpaque(e: Expr): boolean {
  return e.k === "opaque" || children(e).some(hasOpaque);
}

/** Whether code kept as text in `e` reads one of `names` (text cannot have a parameter replaced). */
function readsThroughOpaque(e: Expr, names: readonly string[]): boolean {
  if (e.k === "opaque") return e.reads.some((r) => names.includes(r));
  return children(e).some((c) => readsThroughOpaque(c, names));
}

/**
 * A callback's body with each `return v` replaced by `onReturn(v)`, without `return`: the statements
 * after an `if` whose branch returns go into its other branch (`if (c) return a; return b;` → `if (c)
 * { r = a; } else { r = b; }`). `always`: every path ends in a return. A `return` inside a loop or a
 * switch of the callback is an error (`fail`).
 */
export function lowerReturns(
  list: readonly Stmt[],
  onReturn: (v: Expr | undefined, pos: SourcePos | undefined) => Stmt[],
  fail: (at: SourcePos | undefined, why: string) => never,
): { out: Stmt[]; always: boolean } {
  const hasReturn = (s: Stmt): boolean => {
    let found = false;
    walkStmts([s], (c) => (found ||= c.k === "return"));
    return found;
  };
  const out: Stmt[] = [];
  for (let i = 0; i < list.length; i++) {
    const s = list[i];
    if (s.k === "return") {
      out.push(...onReturn(s.value, s.pos));
      return { out, always: true };
    }
    if (!hasReturn(s)) {
      out.push(s);
      continue;
    }
    if (s.k === "if") {
      const rest = list.slice(i + 1);
      const branch = (b: readonly Stmt[]): { out: Stmt[]; always: boolean } => {
        const own = lowerReturns(b, onReturn, fail);
        if (own.always || rest.length === 0) return own;
        // What follows the `if` runs after this branch: it moves in (in a block of its own where a name would be declared twice).
        const clash = declaredNames(b).some((n) => declaredNames(rest).includes(n));
        return lowerReturns([...b, ...(clash ? [{ k: "block", body: rest } as Stmt] : rest)], onReturn, fail);
      };
      const then = branch(s.then);
      const otherwise = branch(s.else ?? []);
      out.push({ ...s, then: then.out, ...(otherwise.out.length > 0 ? { else: otherwise.out } : {}) } as Stmt);
      return { out, always: then.always && otherwise.always };
    }
    if (s.k === "block" && i === list.length - 1) {
      const inner = lowerReturns(s.body, onReturn, fail);
      out.push({ ...s, body: inner.out });
      return { out, always: inner.always };
    }
    return fail("pos" in s ? s.pos : undefined, "a `return` inside a loop, a switch or a nested block of a callback is not desugared; assign a variable and return it at the end");
  }
  return { out, always: false };
}

/** Names declared at the top level of a statement list. */
function declaredNames(list: readonly Stmt[]): string[] {
  return list.flatMap((s) => (s.k === "let" ? s.decls.map((d) => d.name) : []));
}
