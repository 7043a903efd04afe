/**
 * Activity analysis: which locals carry a derivative. A local is active when it is assigned a value
 * that depends on an active parameter; an array is active when any element is. Calls are analysed
 * through the callee's summary (does its result depend on its active parameters, which array
 * parameters does it write active values into), so activity flows across functions and recursion.
 * The analysis also fences the language: an opaque construct that touches an active value is an error.
 */
import { basename } from "node:path";
import { ADC, diagnosticKey, foldCallChain, type Diagnostic } from "../diagnostics.js";
import type { Expr, FunctionIR, LValue, Opaque, SourcePos, Stmt } from "../ir/ir.js";
import { arrayHolders, children, lvalueRoot, ruleOf, stmtExprs } from "../ir/build.js";
import { aliasSources, placeRoot } from "./pointers.js";
import { rules } from "../../src/runtime/rules.js";
import { NUM, numberFields } from "../ir/types.js";

export interface Summary {
  readonly returnActive: boolean;
  /** Array parameters the function writes active values into. */
  readonly activatedParams: ReadonlySet<string>;
  /**
   * The fence's errors in the function with these parameters active: a caller passing it an active
   * value reports them, whether or not the result turns out active (code the fence rejects may hide
   * the dependence, as a `try` around the `return` does).
   */
  readonly diagnostics: readonly Diagnostic[];
}

export interface ActivityContext {
  functionIR(target: string): FunctionIR;
  summary(target: string, activeParams: readonly string[]): Summary;
}

export type CallExpr = Extract<Expr, { k: "call" }>;

export class Activity {
  readonly active = new Set<string>();
  returnActive = false;
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly fn: FunctionIR,
    readonly activeParams: readonly string[],
    private readonly ctx: ActivityContext,
  ) {
    for (const p of activeParams) this.active.add(p);
    let changed = true;
    while (changed) {
      const before = this.active.size + (this.returnActive ? 1 : 0);
      this.stmts(fn.body);
      // Two names of one array: a write through either makes both active.
      for (const [a, b] of this.aliases.values())
        if (this.active.has(a) !== this.active.has(b)) for (const n of [a, b]) this.markActive(n);
      changed = this.active.size + (this.returnActive ? 1 : 0) !== before;
    }
    this.fence(fn.body);
    this.activeCache = new WeakMap();
  }

  /**
   * Record an error and go on: every error of the function is found in one run. What the error is
   * about stays inactive, and a mode never runs on a function with errors (see core.ts).
   */
  private report(d: Diagnostic): void {
    const key = diagnosticKey(d);
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.diagnostics.push(d);
  }

  private readonly reported = new Set<string>();

  /** The callee's errors with these arguments active are this call's: reported with the calls that reach them. */
  private reportCallee(call: CallExpr): void {
    const self = `${this.fn.file}#${this.fn.name}`;
    const problems = this.ctx.summary(call.target, this.calleeActiveParams(call)).diagnostics;
    if (call.partialsOf !== undefined && problems.length > 0) {
      // Only a second derivative (forward over reverse) differentiates a rule's function.
      const [first] = problems.map(foldCallChain);
      const where = first.pos !== undefined ? ` (${basename(first.pos.file)}:${first.pos.line}:${first.pos.col})` : "";
      this.report({
        code: ADC.ruleNoSecondDerivative,
        message: `the second derivative of ${call.partialsOf} needs the derivative of its rule ${call.fn}, which adc-ts cannot differentiate: ${first.code}${where}: ${first.message}`,
        pos: call.pos,
      });
      return;
    }
    for (const d of problems) {
      const chain = d.via ?? [call.target];
      // Around a recursive cycle each error is reported on the path without the cycle.
      if (!chain.includes(self)) this.report({ ...d, via: [self, ...chain] });
    }
  }

  /** Array parameters (not among the active ones) that became active by writes. */
  get activatedParams(): Set<string> {
    return new Set(this.fn.params.filter((p) => p.shape === "array" && this.active.has(p.name) && !this.activeParams.includes(p.name)).map((p) => p.name));
  }

  get summary(): Summary {
    return { returnActive: this.returnActive, activatedParams: this.activatedParams, diagnostics: this.diagnostics };
  }

  /** isActive per node once the analysis is done (modes ask it at every level of a tree). */
  private activeCache: WeakMap<Expr, boolean> | undefined;

  /** Whether the fence rejects code adc-ts cannot see into: it touches an active value (numbers passed by value to a call excepted). */
  rejects(e: Opaque): boolean {
    const touched = e.reads.filter((r) => this.active.has(r));
    return touched.length > 0 && !(e.allowActiveScalars === true && touched.every((r) => this.fn.locals.get(r)?.shape === "num"));
  }

  isActive(e: Expr): boolean {
    if (this.activeCache === undefined) return this.computeActive(e);
    let known = this.activeCache.get(e);
    if (known === undefined) {
      known = this.computeActive(e);
      this.activeCache.set(e, known);
    }
    return known;
  }

  private computeActive(e: Expr): boolean {
    switch (e.k) {
      case "var":
        return this.active.has(e.name);
      case "index":
        return this.isActive(e.arr);
      case "bin":
        return this.isActive(e.a) || this.isActive(e.b);
      case "neg":
        return this.isActive(e.a);
      case "cond":
        return this.isActive(e.a) || this.isActive(e.b);
      case "math": {
        const rule = ruleOf(e);
        return rule !== undefined && !rule.zeroDerivative && e.args.some((a) => this.isActive(a));
      }
      case "call":
        return e.args.some((a) => this.isActive(a)) && this.ctx.summary(e.target, this.calleeActiveParams(e)).returnActive;
      case "arraylit":
        return e.elems.some((a) => this.isActive(a));
      case "field":
        // Only a number field carries a derivative (a string field of an active record does not).
        return this.isActive(e.obj) && e.obj.k === "var" && numberFields(this.fn.locals.get(e.obj.name)?.t ?? NUM).includes(e.name);
      case "record":
        return e.fields.some((f) => this.isActive(f.value));
      default:
        return false;
    }
  }

  calleeIR(target: string): FunctionIR {
    return this.ctx.functionIR(target);
  }

  calleeParams(target: string): FunctionIR["params"] {
    return this.ctx.functionIR(target).params;
  }

  /** The callee's parameters that receive active arguments at this call. */
  calleeActiveParams(call: CallExpr): string[] {
    const callee = this.ctx.functionIR(call.target);
    const names: string[] = [];
    callee.params.forEach((p, i) => {
      const arg = call.args[i];
      if (arg === undefined || !this.isActive(arg)) return;
      if (p.shape === "other")
        this.report({
          code: ADC.activeArgumentNotVariable,
          message: `argument ${i + 1} of ${call.fn} is active, but its parameter '${p.name}' has type ${p.type}, which cannot carry a derivative`,
          pos: call.pos,
        });
      else names.push(p.name);
    });
    return names;
  }

  private markActive(name: string | undefined, pos: SourcePos = this.fn.pos): void {
    if (name === undefined || this.active.has(name)) return;
    if (this.fn.locals.get(name)?.shape === "other")
      // A value that cannot hold a tangent would silently lose the derivative: refuse instead.
      this.report({
        code: ADC.unsupportedStatement,
        message: `'${name}' receives an active value, but its type is not number, number[] or Float64Array; give it one of those types`,
        pos,
      });
    else this.active.add(name);
  }

  /** Visit calls inside an expression: active array arguments the callee writes make the caller's array active. */
  private calls(e: Expr): void {
    switch (e.k) {
      case "call": {
        for (const a of e.args) this.calls(a);
        if (!e.args.some((a) => this.isActive(a))) return;
        const callee = this.ctx.functionIR(e.target);
        const summary = this.ctx.summary(e.target, this.calleeActiveParams(e));
        callee.params.forEach((p, i) => {
          const arg = e.args[i];
          // An active choice of arrays (`c ? z : v`) may hand the callee either: one it writes active
          // values into makes both active, as two names of one array would be.
          const activeChoice = p.shape === "array" && arg?.k === "cond" && this.isActive(arg);
          if (!summary.activatedParams.has(p.name) && !activeChoice) return;
          // The callee writes derivatives into the array it receives: the variables that may hold it
          // become active. A new array (a literal, an allocation, a call's result) is nobody's after the call.
          const holders = arg === undefined ? undefined : arrayHolders(arg);
          if (holders === undefined)
            this.report({
              code: ADC.activeArgumentNotVariable,
              message: `${e.fn} writes derivatives into its parameter '${p.name}'; pass a variable there`,
              pos: e.pos,
            });
          else for (const name of holders) this.markActive(name, e.pos);
        });
        return;
      }
      case "bin":
      case "cmp":
      case "logic":
        this.calls(e.a);
        this.calls(e.b);
        return;
      case "neg":
      case "not":
        this.calls(e.a);
        return;
      case "cond":
        this.calls(e.c);
        this.calls(e.a);
        this.calls(e.b);
        return;
      case "math":
        for (const a of e.args) this.calls(a);
        return;
      case "index":
        this.calls(e.arr);
        this.calls(e.index);
        return;
      case "length":
        this.calls(e.arr);
        return;
      case "zeros":
        this.calls(e.size);
        return;
      case "arraylit":
        for (const a of e.elems) this.calls(a);
        return;
      case "field":
        this.calls(e.obj);
        return;
      case "record":
        for (const f of e.fields) this.calls(f.value);
        return;
      default:
        return;
    }
  }

  /** Pairs of array variables that may name the same array (`const v = w`, `v = c ? w : u`). */
  private readonly aliases = new Map<string, [string, string]>();

  private noteAliases(name: string, value: Expr): void {
    const isArray = (n: string): boolean => this.fn.locals.get(n)?.shape === "array";
    if (!isArray(name)) return;
    // A row held in a variable (`row = m[i]`) is part of its array: a write through either is seen by both.
    const row = value.k === "index" ? placeRoot(value) : undefined;
    const sources = row !== undefined && isArray(row) ? [row] : aliasSources(value, isArray);
    for (const source of sources) if (source !== name) this.aliases.set(`${name} ${source}`, [name, source]);
  }

  private assignTo(target: LValue, value: Expr, pos?: SourcePos): void {
    if (target.k === "var") this.noteAliases(target.name, value);
    this.calls(value);
    if (target.k === "index") this.calls(target.index);
    if (this.isActive(value)) {
      if (lvalueRoot(target) === undefined) this.report({ code: ADC.nestedActiveArray, message: "arrays of arrays cannot hold active values", pos: pos ?? this.fn.pos });
      else this.markActive(lvalueRoot(target), pos);
    }
  }

  private stmts(list: readonly Stmt[]): void {
    for (const s of list) this.stmt(s);
  }

  private stmt(s: Stmt): void {
    switch (s.k) {
      case "let":
        for (const d of s.decls) if (d.init !== undefined) this.assignTo({ k: "var", name: d.name }, d.init, d.pos);
        return;
      case "assign":
        this.assignTo(s.target, s.value, s.pos);
        return;
      case "destructure":
        this.calls(s.value);
        if (this.isActive(s.value)) for (const name of s.names) this.markActive(name);
        return;
      case "if":
        this.calls(s.cond);
        this.stmts(s.then);
        if (s.else) this.stmts(s.else);
        return;
      case "for":
        this.stmts(s.init);
        if (s.cond) this.calls(s.cond);
        this.stmts(s.update);
        this.stmts(s.body);
        return;
      case "while":
      case "do":
        this.calls(s.cond);
        this.stmts(s.body);
        return;
      case "switch":
        this.calls(s.disc);
        for (const c of s.cases) {
          if (c.test) this.calls(c.test);
          this.stmts(c.body);
        }
        return;
      case "return":
        if (s.value !== undefined) {
          this.calls(s.value);
          if (this.isActive(s.value)) {
            if (this.fn.returnShape === "other" && this.fn.returnTuple === undefined)
              this.report({ code: ADC.badReturn, message: `${this.fn.name} returns an active value of type ${this.fn.returnType}; differentiable functions return number, number[] or Float64Array`, pos: s.pos ?? this.fn.pos });
            else this.returnActive = true;
          }
        }
        return;
      case "expr":
        this.calls(s.expr);
        return;
      case "block":
        this.stmts(s.body);
        return;
      default:
        return;
    }
  }

  /**
   * Report an assignment or increment left inside an expression (the frontend hoists those it can) in a
   * statement that computes with an active value: modes repeat its expressions (an index in the tangent
   * or adjoint statement), which would run it twice. Conditions run once in every mode (reverse mode
   * records the branches taken and the iterations), so they may keep theirs.
   */
  private fenceWrites(s: Stmt): void {
    if (s.k !== "let" && s.k !== "assign" && s.k !== "return" && s.k !== "expr") return;
    const exprs = stmtExprs(s);
    const touches = (e: Expr): boolean => this.isActive(e) || children(e).some(touches);
    const targetActive = s.k === "assign" && this.active.has(lvalueRoot(s.target) ?? "");
    if (!targetActive && !exprs.some(touches)) return;
    const visit = (e: Expr): void => {
      // One touching an active value is reported as such below.
      if (e.k === "opaque" && e.writesAt !== undefined && !e.reads.some((r) => this.active.has(r)))
        this.report({
          code: ADC.assignmentInExpression,
          message: `an assignment, ++ or -- inside an expression with an active value is not supported here (on the right of && or ||, or in a branch of ?: that may not run, in a for-loop update, beside an earlier use of its variable, or of an array element); move it to a statement of its own`,
          pos: e.writesAt,
        });
      for (const c of children(e)) visit(c);
    };
    for (const e of exprs) visit(e);
  }

  /** Report every opaque construct that reads or writes an active local. */
  private fence(list: readonly Stmt[]): void {
    const checkExpr = (e: Expr): void => {
      switch (e.k) {
        case "opaque": {
          const touched = e.reads.filter((r) => this.active.has(r));
          if (this.rejects(e)) {
            const params = touched.filter((t) => this.activeParams.includes(t));
            // Only a tagged function's parameters are chosen with wrt=; a callee's are active because a caller passes active values.
            const hint = this.fn.annotation !== undefined && params.length === touched.length ? `; if ${params.map((t) => `'${t}'`).join(", ")} need${params.length > 1 ? "" : "s"} no derivative, leave ${params.length > 1 ? "them" : "it"} out with @differentiable wrt=...` : "";
            this.report({ code: e.code, message: `${e.reason} (it touches the active value${touched.length > 1 ? "s" : ""} ${touched.map((t) => `'${t}'`).join(", ")}${hint})`, pos: e.pos });
          }
          return;
        }
        case "bin":
        case "cmp":
        case "logic":
          checkExpr(e.a);
          checkExpr(e.b);
          return;
        case "neg":
        case "not":
          checkExpr(e.a);
          return;
        case "cond":
          checkExpr(e.c);
          checkExpr(e.a);
          checkExpr(e.b);
          return;
        case "math":
          for (const a of e.args) checkExpr(a);
          return;
        case "call":
          for (const a of e.args) checkExpr(a);
          if (e.args.some((a) => this.isActive(a))) this.reportCallee(e);
          return;
        case "index":
          checkExpr(e.arr);
          checkExpr(e.index);
          return;
        case "length":
          checkExpr(e.arr);
          return;
        case "zeros":
          checkExpr(e.size);
          return;
        case "arraylit":
          for (const a of e.elems) checkExpr(a);
          return;
        default:
          return;
      }
    };
    const visit = (stmts: readonly Stmt[]): void => {
      for (const s of stmts) {
        this.fenceWrites(s);
        switch (s.k) {
          case "let":
            for (const d of s.decls) if (d.init) checkExpr(d.init);
            break;
          case "assign":
            checkExpr(s.value);
            if (s.target.k === "index") checkExpr(s.target.index);
            break;
          case "if":
            checkExpr(s.cond);
            visit(s.then);
            if (s.else) visit(s.else);
            break;
          case "for":
            visit(s.init);
            if (s.cond) checkExpr(s.cond);
            visit(s.update);
            visit(s.body);
            break;
          case "while":
          case "do":
            checkExpr(s.cond);
            visit(s.body);
            break;
          case "switch":
            checkExpr(s.disc);
            for (const c of s.cases) {
              if (c.test) checkExpr(c.test);
              visit(c.body);
            }
            break;
          case "return":
            if (s.value) checkExpr(s.value);
            break;
          case "expr":
            checkExpr(s.expr);
            break;
          case "block":
            visit(s.body);
            break;
          case "opaque":
            checkExpr(s.stmt);
            break;
          default:
            break;
        }
      }
    };
    visit(list);
  }
}
