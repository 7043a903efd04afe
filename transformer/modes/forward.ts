/**
 * Forward mode: IR to IR. Each primal statement is followed by its tangent statement, tangents are
 * named after their variables, and temporaries appear only where a value is needed twice and is not
 * cheap to repeat. The tangent of an expression comes from the rule table (`src/runtime/rules.ts`).
 */
import { ADC, CompileError } from "../diagnostics.js";
import type { ArrayKind, Declarator, Expr, FunctionIR, LocalInfo, LValue, Param, SourcePos, Stmt, UserRuleCall } from "../ir/ir.js";
import { add, allArguments, children, div, exprReads, irAlgebra, isCheap, lvalueRoot, mul, neg, num, placeOn, ref, ruleOf, select, stmtPos, sub } from "../ir/build.js";
import { rules, type Algebra, type Rule } from "../../src/runtime/rules.js";
import type { Activity, CallExpr } from "../analyses/activity.js";
import { primalParams, type GeneratedFunction, type GeneratedParam } from "../emit/print.js";
import { zeroTangent } from "./drivers.js";
import { arrayOf, differentiatedAs, irZeros, isNestedArray, isTypedArray, localOf, NUM, tangentType, textZeros, typeText, writable, zeroOf, zeroRows, type Type } from "../ir/types.js";
import { NameScope } from "./names.js";
import { ruleAlgebra } from "./partials.js";
import { arrayAliases, rowAliases } from "../analyses/pointers.js";

/** A value and its tangent; `d === null` is a zero tangent. */
interface Dual {
  readonly v: Expr;
  readonly d: Expr | null;
}

export interface ForwardContext {
  /** The callee to write for the forward derivative of a call's function with these active parameters (`g_dual`, `m.g_dual`). */
  dualCallee(call: CallExpr, activeParams: readonly string[]): string;
  /** Whether `target`'s forward derivative returns `[value, tangent]` (false: it returns nothing). */
  returnsPair(target: string): boolean;
  /** The length of the tuple of numbers `target` returns, if it returns one (its derivative appends as many tangents). */
  returnTuple(target: string): number | undefined;
  /** Whether `target` may write the array passed as its argument `index` (true when unknown). */
  writesArrayArgument(target: string, index: number): boolean;
  /** The callee text the module writes for a user rule's function (importing it when it lives in another file). */
  ruleCallee(rule: UserRuleCall): string;
}

/** Replace the last name of a callee expression: `g` → `g_dual`, `m.g` → `m.g_dual`. */
export function renameCallee(callee: string, name: string): string {
  const dot = callee.lastIndexOf(".");
  return dot < 0 ? name : `${callee.slice(0, dot + 1)}${name}`;
}

export const pairType = (t: string): string => `[${t}, ${t}]`;
const tupleType = (n: number): string => `[${new Array<string>(n).fill("number").join(", ")}]`;

export function forwardMode(
  fn: FunctionIR,
  act: Activity,
  name: string,
  exported: boolean,
  reserved: Iterable<string>,
  ctx: ForwardContext,
): GeneratedFunction {
  const names = new NameScope(fn.usedNames, reserved instanceof Set ? reserved : new Set(reserved));
  const fwd = new Forward(fn, act, names, ctx);
  const prologue: Stmt[] = [];
  // Array parameters that only become active through writes get a zero tangent of their own.
  for (const p of act.activatedParams) {
    prologue.push(...fwd.zeroTangentDeclaration("const", { name: fwd.tan(p) }, fn.locals.get(p)!.t, ref(p)));
  }
  // A number parameter outside wrt that is assigned an active value starts with a zero tangent.
  for (const p of fn.params) {
    if (p.shape === "num" && act.active.has(p.name) && !act.activeParams.includes(p.name))
      prologue.push({ k: "let", decl: "let", decls: [{ name: fwd.tan(p.name), init: num(0) }] });
  }
  const body = [...prologue, ...fwd.block(fn.body)];
  const tangentParams = act.activeParams.map((p) => tangentParam(fn.params.find((q) => q.name === p)!, fwd.tan(p)));
  const returnsPair = fn.returnShape !== "other";
  // A record's tangent holds only its number fields: `[Body, { x: number; ... }]`.
  const returnType = fn.returnShape === "record" ? `[${fn.returnType}, ${typeText(tangentType(fn.returnT)!)}]` : returnsPair ? pairType(fn.returnType) : fn.returnTuple !== undefined ? tupleType(2 * fn.returnTuple) : fn.returnType;
  return {
    name,
    exported,
    params: [...primalParams(fn.params), ...tangentParams],
    returnType,
    body,
  };
}

/**
 * The tangent parameter of `param`. A parameter a caller may leave out gets a tangent it may leave
 * out too, zero by default: `dy: number = 0`; for an array default, zeros as long as it (`[0, 0]` for
 * `[1, 2]`). An optional array without a default keeps an optional tangent.
 */
export function tangentParam(param: Param, name: string): GeneratedParam {
  // A record's tangent is the record of its number fields (`p: Body` has `dp: { x: number; ... }`).
  const tangent = { name, type: param.shape === "record" ? typeText(tangentType(param.t)!) : param.type, optional: param.optional };
  if (!param.optional) return tangent;
  if (param.shape === "num") return { ...tangent, init: "0" };
  // The zero of the default's tuple type: [0, 0].
  if (param.initLength !== undefined) return { ...tangent, init: zeroOf({ k: "tuple", elems: new Array<Type>(param.initLength).fill(NUM) }, param.name, textZeros)! };
  if (param.init !== undefined) return { ...tangent, init: zeroTangent(param) };
  return tangent;
}

class Forward {
  private out: Stmt[] = [];

  constructor(
    private readonly fn: FunctionIR,
    private readonly act: Activity,
    private readonly names: NameScope,
    private readonly ctx: ForwardContext,
  ) {}

  tan(name: string): string {
    return this.names.derivedName("d", name);
  }

  private shapeOf(name: string): LocalInfo {
    return this.fn.locals.get(name) ?? localOf(NUM);
  }

  /** Arrays that may be one array under two names: parameters (a caller may pass one twice) and aliases. */
  private sharedArrays?: Set<string>;

  /** Whether writing an element of `root` may change what `name` reads (its own elements, or through an alias). */
  private mayAlias(name: string, root: string): boolean {
    if (name === root) return true;
    if (this.shapeOf(name).shape !== "array" || this.shapeOf(root).shape !== "array") return false;
    this.sharedArrays ??= new Set([...this.fn.params.filter((p) => p.shape === "array").map((p) => p.name), ...arrayAliases(this.fn), ...rowAliases(this.fn)]);
    return this.sharedArrays.has(name) && this.sharedArrays.has(root);
  }

  block(stmts: readonly Stmt[]): Stmt[] {
    const saved = this.out;
    this.out = [];
    for (const s of stmts) this.stmt(s);
    const result = this.out;
    this.out = saved;
    return result;
  }

  /** Keep a value in a `const` if it is not cheap to repeat. */
  private keep(e: Expr, base = "t", type?: string): Expr {
    if (isCheap(e)) return e;
    const t = this.names.fresh(base);
    this.out.push({ k: "let", decl: "const", decls: [{ name: t, ...(type !== undefined ? { type } : {}), init: e }] });
    return ref(t);
  }

  /** A zero tangent for a value of type `t`, shaped as the modes differentiate it (a number when they do not). */
  zeroLike(t: Type, value: Expr): Expr {
    const d = differentiatedAs(t) ?? NUM;
    if (d.k === "num") return num(0);
    // A literal's zero is as long as it, without keeping the literal.
    if (value.k === "arraylit" && value.elems.length > 0 && !isNestedArray(t)) return { k: "zeros", kind: "Array", size: num(value.elems.length) };
    if (!isNestedArray(d)) return zeroOf(d, this.keep(value), irZeros)!;
    const zeros = this.names.fresh("zeros");
    this.out.push(...this.zeroTangentDeclaration("const", { name: zeros }, t, value));
    return ref(zeros);
  }

  /**
   * The declaration of the zero tangent of a value of type `t` (`const dm = ...`); an array of arrays
   * is declared empty and filled row by row, by loops (`zeroRows`).
   */
  zeroTangentDeclaration(decl: "const" | "let", d: Omit<Declarator, "init">, t: Type, value: Expr): Stmt[] {
    if (!isNestedArray(t)) return [{ k: "let", decl, decls: [{ ...d, init: this.zeroLike(t, value) }] }];
    const saved = this.out;
    this.out = [];
    const of = this.keep(value);
    const kept = this.out;
    this.out = saved;
    const tangent = writable(t);
    return [...kept, { k: "let", decl, decls: [{ ...d, type: typeText(tangent), init: { k: "arraylit", elems: [] } }] }, ...zeroRows(ref(d.name), tangent, of, () => this.names.fresh("i"))];
  }

  /** The type of the value of an expression, as far as its tangent's shape goes (a number unless an array). */
  private valueType(e: Expr): Type {
    switch (e.k) {
      case "var":
        return this.shapeOf(e.name).t;
      case "index": {
        const t = this.valueType(e.arr);
        return t.k === "array" ? t.elem : t.k === "tuple" ? (t.elems[0] ?? NUM) : NUM;
      }
      case "zeros":
        return arrayOf(NUM, e.kind);
      case "arraylit":
        return arrayOf(e.elems.length > 0 ? this.valueType(e.elems[0]) : NUM);
      case "cond": {
        const a = this.valueType(e.a);
        return a.k === "num" ? this.valueType(e.b) : a;
      }
      case "call":
        return this.act.calleeIR(e.target).returnT;
      default:
        return NUM;
    }
  }

  /** Inactive expressions stay as written, but a call that writes derivatives cannot hide in them. */
  private inactive(e: Expr): Expr {
    const visit = (x: Expr): void => {
      // Only an array can carry a derivative out of a call whose result is not needed; numbers go by value.
      // A callee that only reads the array (its result inactive) leaves nothing to carry.
      if (x.k === "call" && x.args.some((a, i) => this.act.isActive(a) && a.k === "var" && this.shapeOf(a.name).shape === "array" && this.ctx.writesArrayArgument(x.target, i)))
        throw new CompileError({
          code: ADC.activeArgumentNotVariable,
          message: `${x.fn} receives an active array inside a condition or index; call it in a statement of its own`,
          pos: x.pos,
        });
      for (const c of children(x)) visit(c);
    };
    visit(e);
    return e;
  }

  fwd(e: Expr, result?: Expr): Dual {
    if (!this.act.isActive(e)) {
      if (e.k === "call" && e.args.some((a) => this.act.isActive(a))) return { v: this.call(e).v, d: null };
      return { v: this.inactive(e), d: null };
    }
    switch (e.k) {
      case "var":
        // `x!` (a variable the checker may think unassigned): its tangent is declared alike, so `dx!`.
        return { v: e, d: e.nonNull === true ? { k: "var", name: this.tan(e.name), nonNull: true } : ref(this.tan(e.name)) };
      case "index": {
        const arr = this.fwd(e.arr);
        const index = this.inactive(e.index);
        return { v: { k: "index", arr: arr.v, index }, d: arr.d !== null ? { k: "index", arr: arr.d, index } : null };
      }
      case "neg": {
        const a = this.fwd(e.a);
        return { v: { k: "neg", a: a.v }, d: a.d !== null ? neg(a.d) : null };
      }
      case "bin":
        return this.binary(e.op, e.a, e.b, result);
      case "math":
        return this.intrinsic(e, result);
      case "cond":
        return this.conditional(e);
      case "call":
        return this.call(e);
      case "arraylit": {
        const elems = e.elems.map((x) => this.fwd(x));
        // An inactive element of a literal of rows has a zero row for its tangent.
        return { v: { k: "arraylit", elems: elems.map((x) => x.v) }, d: { k: "arraylit", elems: elems.map((x, i) => x.d ?? this.zeroLike(this.valueType(e.elems[i]), x.v)) } };
      }
      case "field": {
        const obj = this.fwd(e.obj);
        return { v: { ...e, obj: obj.v }, d: obj.d !== null ? { k: "field", obj: obj.d, name: e.name } : null };
      }
      case "record":
        return this.recordLiteral(e);
      default:
        return { v: e, d: null };
    }
  }

  /**
   * An object literal and its tangent, the literal of its fields' tangents: a number field without one
   * gets 0, data fields (strings, ...) have none. Which fields are numbers is read from the values'
   * shapes: a literal is built from numbers and data the frontend typed.
   */
  private recordLiteral(e: Extract<Expr, { k: "record" }>): Dual {
    const fields = e.fields.map((f) => ({ name: f.name, r: this.fwd(f.value) }));
    const tangents = fields.flatMap(({ name, r }) => (r.d !== null ? [{ name, value: r.d }] : this.isNumber(e.fields.find((f) => f.name === name)!.value) ? [{ name, value: num(0) }] : []));
    return { v: { k: "record", fields: fields.map(({ name, r }) => ({ name, value: r.v })) }, d: { k: "record", fields: tangents } };
  }

  /** A record literal's tangent with exactly the number fields of `t`, the type it is given as (0 where it has none). */
  private conform(d: Expr | null, t: Type): Expr | null {
    if (d === null || d.k !== "record" || t.k !== "record") return d;
    const numbers = t.fields.filter((f) => f.t.k === "num").map((f) => f.name);
    return { k: "record", fields: numbers.map((name) => d.fields.find((f) => f.name === name) ?? { name, value: num(0) }) };
  }

  /** Whether an inactive expression is a number (its tangent, if it had one, would be 0). */
  private isNumber(e: Expr): boolean {
    switch (e.k) {
      case "num":
      case "bin":
      case "neg":
      case "math":
        return true;
      case "var":
        return this.shapeOf(e.name).shape === "num";
      case "field":
        return e.obj.k === "var" && this.shapeOf(e.obj.name).t.k === "record" && (this.shapeOf(e.obj.name).t as Extract<Type, { k: "record" }>).fields.some((f) => f.name === e.name && f.t.k === "num");
      case "index":
        return e.arr.k === "var" && this.shapeOf(e.arr.name).shape === "array";
      case "cond":
        return this.isNumber(e.a) && this.isNumber(e.b);
      case "call":
        return this.act.calleeIR(e.target).returnShape === "num";
      default:
        return false;
    }
  }

  private binary(op: "+" | "-" | "*" | "/" | "%" | "**", ea: Expr, eb: Expr, result?: Expr): Dual {
    let a = this.fwd(ea);
    let b = this.fwd(eb);
    switch (op) {
      case "+":
      case "-": {
        const d = a.d === null && b.d === null ? null : op === "+" ? add(a.d ?? num(0), b.d ?? num(0)) : sub(a.d ?? num(0), b.d ?? num(0));
        return { v: { k: "bin", op, a: a.v, b: b.v }, d };
      }
      case "*": {
        if (b.d !== null) a = { v: this.keep(a.v), d: a.d };
        if (a.d !== null) b = { v: this.keep(b.v), d: b.d };
        const d = add(a.d !== null ? mul(a.d, b.v) : num(0), b.d !== null ? mul(a.v, b.d) : num(0));
        return { v: { k: "bin", op, a: a.v, b: b.v }, d };
      }
      case "/": {
        if (b.d === null) return { v: { k: "bin", op, a: a.v, b: b.v }, d: div(a.d!, b.v) };
        a = { v: this.keep(a.v), d: a.d };
        b = { v: this.keep(b.v), d: b.d };
        const numerator = sub(a.d !== null ? mul(a.d, b.v) : num(0), mul(a.v, b.d!));
        return { v: { k: "bin", op, a: a.v, b: b.v }, d: div(numerator, mul(b.v, b.v)) };
      }
      case "%": {
        if (b.d === null) return { v: { k: "bin", op, a: a.v, b: b.v }, d: a.d };
        a = { v: this.keep(a.v), d: a.d };
        b = { v: this.keep(b.v), d: b.d };
        // a % b = a - trunc(a / b) * b, and trunc is piecewise constant.
        const d = sub(a.d ?? num(0), mul({ k: "math", fn: "trunc", args: [div(a.v, b.v)] }, b.d!));
        return { v: { k: "bin", op, a: a.v, b: b.v }, d };
      }
      case "**":
        return this.applyRule(rules.pow, irAlgebra, [a, b], (args) => ({ k: "bin", op: "**", a: args[0], b: args[1] }), result);
    }
  }

  private intrinsic(e: Extract<Expr, { k: "math" }>, result?: Expr): Dual {
    const args = e.args.map((x) => this.fwd(x));
    const binder = { fresh: (base: string) => this.names.fresh(base), push: (s: Stmt) => this.out.push(s) };
    const algebra = e.rule !== undefined ? ruleAlgebra(e, this.ctx.ruleCallee(e.rule), binder) : irAlgebra;
    return this.applyRule(ruleOf(e)!, algebra, args, (vs) => ({ ...e, args: vs }), result);
  }

  /** The tangent of an intrinsic: the sum of partial × argument tangent, partials from the rule table (or the user's rule). */
  private applyRule(rule: Rule, algebra: Algebra<Expr>, args: Dual[], build: (values: Expr[]) => Expr, result?: Expr): Dual {
    const values = args.map((a) => (rule.zeroDerivative ? a.v : this.keep(a.v)));
    let value = build(values);
    if (rule.zeroDerivative || args.every((a) => a.d === null)) return { v: value, d: null };
    // Where a partial can be infinite, a zero tangent must contribute 0, not 0 · ∞ = NaN.
    const singular = rule.singular?.(values.map((v) => (v.k === "num" ? v.value : undefined))) === true;
    const tangents = args.map((a) => (a.d !== null && singular ? this.keep(a.d, "d") : a.d));
    const tangent = (resultRef: Expr): Expr => {
      const partials = rule.partials(algebra, values, resultRef);
      let d: Expr = num(0);
      tangents.forEach((t, i) => {
        if (t === null) return;
        const contribution = mul(partials[i], t);
        d = add(d, singular && !(t.k === "num" && t.value !== 0) ? select(t, "===", num(0), num(0), contribution) : contribution);
      });
      return d;
    };
    if (result !== undefined || !rule.usesResult) return { v: value, d: tangent(result ?? value) };
    // Keep the result in a variable only if this tangent really reads it (x ** 3 does not).
    const placeholder = "#result"; // not an identifier, so it cannot collide
    const probe = tangent(ref(placeholder));
    if (!exprReads(probe).has(placeholder)) return { v: value, d: probe };
    value = this.keep(value);
    return { v: value, d: tangent(value) };
  }

  private conditional(e: Extract<Expr, { k: "cond" }>): Dual {
    // A test of a number that may be null (`acc === null`) in a loop that assigns it: typed, or tsc
    // finds the type of `c` circular (it narrows what the loop assigns, which reads `c`).
    const nullable = [...exprReads(e.c)].some((n) => this.fn.locals.get(n)?.nullable);
    const c = this.keep(this.inactive(e.c), "c", nullable ? "boolean" : undefined);
    const thenOut: Stmt[] = [];
    const elseOut: Stmt[] = [];
    const saved = this.out;
    this.out = thenOut;
    const a = this.fwd(e.a);
    this.out = elseOut;
    const b = this.fwd(e.b);
    this.out = saved;
    // A branch without a tangent has a zero one, shaped like the value (an array for arrays).
    const kind = this.arrayKindOf(e);
    const nested = isNestedArray(this.valueType(e));
    if (nested && (thenOut.length > 0 || elseOut.length > 0 || a.d === null || b.d === null))
      throw new CompileError({ code: ADC.nestedArrayForm, message: "forward mode cannot choose between arrays of arrays here (a branch calls a function or is constant); assign each branch to a variable in an if/else", pos: this.at ?? this.fn.pos });
    const zero = (x: Dual): Expr =>
      kind === undefined ? num(0) : x.v.k === "arraylit" ? { k: "zeros", kind: "Array", size: num(x.v.elems.length) } : this.zeroLike(arrayOf(NUM, kind), x.v);
    if (thenOut.length === 0 && elseOut.length === 0) {
      const value: Expr = { k: "cond", c, a: a.v, b: b.v };
      if (a.d === null && b.d === null) return { v: value, d: null };
      return { v: value, d: { k: "cond", c, a: a.d ?? zero(a), b: b.d ?? zero(b) } };
    }
    // A branch needs statements of its own (a call): lower the ternary to if/else so only one runs.
    const t = this.names.fresh("t");
    const dt = this.tan(t);
    // A branch giving a readonly array (a callee's result, a parameter) makes the variable readonly too.
    const readonlyType = (x: Expr): string | undefined =>
      x.k === "call" ? this.act.calleeIR(x.target).returnType : x.k === "var" ? this.fn.params.find((p) => p.name === x.name)?.type : undefined;
    const readonly = [e.a, e.b].some((x) => /^(?:readonly |ReadonlyArray<|Readonly<)/.test(readonlyType(x) ?? ""));
    const type = kind === undefined ? "number" : isTypedArray(kind) ? kind : readonly ? "readonly number[]" : "number[]";
    this.out.push({ k: "let", decl: "let", decls: [{ name: t, type }, { name: dt, type }] });
    const branch = (pre: Stmt[], x: Dual): Stmt[] => [
      ...pre,
      { k: "assign", target: { k: "var", name: t }, op: "=", value: x.v },
      { k: "assign", target: { k: "var", name: dt }, op: "=", value: x.d ?? zero(x) },
    ];
    this.out.push({ k: "if", cond: c, then: branch(thenOut, a), else: branch(elseOut, b) });
    return { v: ref(t), d: ref(dt) };
  }

  /** The kind of array an expression evaluates to, or undefined for a number. */
  private arrayKindOf(e: Expr): ArrayKind | undefined {
    switch (e.k) {
      case "arraylit":
        return "Array";
      case "zeros":
        return e.kind;
      case "var":
        return this.shapeOf(e.name).shape === "array" ? (this.shapeOf(e.name).arrayKind ?? "Array") : undefined;
      case "cond":
        return this.arrayKindOf(e.a) ?? this.arrayKindOf(e.b);
      case "call": {
        const callee = this.act.calleeIR(e.target);
        return callee.returnShape === "array" ? (callee.returnArrayKind ?? "Array") : undefined;
      }
      default:
        return undefined;
    }
  }

  /** The call of `e`'s forward derivative; with `bind`, its `[value, tangent]` bound to fresh names. */
  private call(e: CallExpr, bind = true): Dual {
    const args = e.args.map((a) => this.fwd(a));
    const activeParams = this.act.calleeActiveParams(e);
    const callee = this.act.calleeParams(e.target);
    const tangents = callee
      .filter((p) => activeParams.includes(p.name))
      .map((p) => this.conform(args[callee.indexOf(p)].d, p.t) ?? num(0));
    const derived: Expr = {
      k: "call",
      fn: this.ctx.dualCallee(e, activeParams),
      target: e.target,
      args: [...allArguments(args.map((a) => a.v), callee.length), ...tangents],
      pos: e.pos,
    };
    if (!bind || !this.ctx.returnsPair(e.target)) return { v: derived, d: null };
    const base = e.fn.slice(e.fn.lastIndexOf(".") + 1);
    const v = this.names.fresh(base);
    const returnActive = this.act.isActive(e);
    const d = this.tan(v);
    this.out.push({ k: "destructure", decl: "const", names: returnActive ? [v, d] : [v], value: derived });
    return { v: ref(v), d: returnActive ? ref(d) : null };
  }

  /** Where the statement being differentiated was written, for diagnostics. */
  private at?: SourcePos;

  private stmt(s: Stmt): void {
    this.at = stmtPos(s) ?? this.at;
    switch (s.k) {
      case "let":
        this.declaration(s.decl, s.decls);
        return;
      case "assign":
        this.assignment(s);
        return;
      case "if":
        this.out.push({ k: "if", cond: this.inactive(s.cond), then: this.block(s.then), ...(s.else ? { else: this.block(s.else) } : {}) });
        return;
      case "for": {
        const init = this.header(s.init, s.pos);
        const update = this.header(s.update, s.pos);
        this.out.push({ k: "for", init: mergeDeclarations(init), ...(s.cond ? { cond: this.inactive(s.cond) } : {}), update, body: this.block(s.body) });
        return;
      }
      case "while":
        this.out.push({ k: "while", cond: this.inactive(s.cond), body: this.block(s.body) });
        return;
      case "do":
        this.out.push({ k: "do", body: this.block(s.body), cond: this.inactive(s.cond) });
        return;
      case "switch":
        this.out.push({
          k: "switch",
          disc: this.inactive(s.disc),
          cases: s.cases.map((c) => ({ ...(c.test ? { test: this.inactive(c.test) } : {}), body: this.block(c.body) })),
        });
        return;
      case "return": {
        if (s.value?.k === "arraylit" && this.fn.returnTuple !== undefined) {
          // `return [a, b]` from a tuple-returning function: the values, then their tangents.
          const rs = s.value.elems.map((e) => this.fwd(e));
          this.out.push({ k: "return", value: { k: "arraylit", elems: [...rs.map((r) => r.v), ...rs.map((r) => r.d ?? num(0))] } });
          return;
        }
        if (s.value === undefined || this.fn.returnShape === "other") {
          this.out.push(s.value !== undefined ? { k: "return", value: this.inactive(s.value) } : s);
          return;
        }
        const r = this.fwd(s.value);
        const v = r.d === null && this.fn.returnShape !== "num" ? this.keep(r.v) : r.v;
        this.out.push({ k: "return", value: { k: "arraylit", elems: [v, this.conform(r.d, this.fn.returnT) ?? this.zeroLike(this.fn.returnT, v)] } });
        return;
      }
      case "expr": {
        if (s.expr.k === "call" && s.expr.args.some((a) => this.act.isActive(a))) {
          const r = this.call(s.expr);
          if (!this.ctx.returnsPair(s.expr.target)) this.out.push({ k: "expr", expr: r.v });
          return;
        }
        this.out.push({ k: "expr", expr: this.inactive(s.expr) });
        return;
      }
      case "block":
        this.out.push({ k: "block", body: this.block(s.body) });
        return;
      case "destructure":
        this.destructure(s);
        return;
      default:
        this.out.push(s);
        return;
    }
  }

  /** `const [a, b] = g(...)` of a tuple-returning callee: `const [a, b, da, db] = g_dual(...)`. */
  private destructure(s: Extract<Stmt, { k: "destructure" }>): void {
    const call = s.value;
    if (call.k !== "call" || !call.args.some((a) => this.act.isActive(a))) {
      this.out.push({ ...s, value: this.fwdInactive(call) });
      return;
    }
    const size = this.ctx.returnTuple(call.target);
    if (size !== s.names.length)
      throw new CompileError({ code: ADC.unsupportedStatement, message: `forward mode cannot differentiate this destructuring of ${call.fn}'s result`, pos: call.pos });
    const { v } = this.call(call, false);
    // An inactive name's tangent is an elision (`[a, b, , db]`); trailing ones are left out.
    const tangents = s.names.map((n) => (this.act.active.has(n) ? this.tan(n) : ""));
    while (tangents.length > 0 && tangents[tangents.length - 1] === "") tangents.pop();
    this.out.push({ k: "destructure", decl: s.decl, names: [...s.names, ...tangents], value: v });
  }

  /** A `for` header: its statements must stay inline (no temporaries). */
  private header(stmts: readonly Stmt[], pos = this.fn.pos): Stmt[] {
    const lowered = this.block(stmts);
    if (lowered.some((s) => s.k !== "let" && s.k !== "assign" && s.k !== "expr"))
      throw new CompileError({ code: ADC.activeLoopHeader, message: "this for-loop header needs temporaries for its derivative; move the active part into the loop body", pos });
    return lowered;
  }

  private declaration(decl: "const" | "let", decls: readonly Declarator[]): void {
    const activeDecls = decls.filter((d) => this.act.active.has(d.name));
    if (decls.every((d) => d.init === undefined)) {
      // `let w3: number, w4: number;` is followed by `let dw3: number, dw4: number;`
      this.out.push({ k: "let", decl, decls });
      if (activeDecls.length > 0) this.out.push({ k: "let", decl, decls: activeDecls.map((d) => this.tangentDeclarator(d)) });
      return;
    }
    for (const d of decls) {
      if (!this.act.active.has(d.name)) {
        this.out.push({ k: "let", decl, decls: [d.init !== undefined ? { ...d, init: this.fwdInactive(d.init) } : d] });
        continue;
      }
      if (d.init === undefined) {
        this.out.push({ k: "let", decl, decls: [d] });
        this.out.push({ k: "let", decl, decls: [this.tangentDeclarator(d)] });
        continue;
      }
      const r = this.fwd(d.init, ref(d.name));
      this.out.push({ k: "let", decl, decls: [{ ...d, init: r.v }] });
      const info = d.info ?? this.shapeOf(d.name);
      if (r.d === null && isNestedArray(info.t)) {
        // An empty array of rows has an empty tangent; rows assigned later get theirs then.
        const empty = d.init.k === "arraylit" && d.init.elems.length === 0;
        this.out.push(...(empty ? [{ k: "let" as const, decl, decls: [{ name: this.tan(d.name), type: typeText(writable(info.t)), init: d.init }] }] : this.zeroTangentDeclaration(decl, { name: this.tan(d.name) }, info.t, ref(d.name))));
        continue;
      }
      const tangent = r.d ?? this.zeroLike(info.t, ref(d.name));
      this.out.push({ k: "let", decl, decls: [this.tangentDeclarator(d, tangent)] });
    }
  }

  /** A local's tangent: a number where the local holds one, even one declared `number | null`. */
  private tangentDeclarator(d: Declarator, init?: Expr): Declarator {
    const type = d.type !== undefined && (d.info ?? this.shapeOf(d.name)).shape === "num" ? "number" : d.type;
    return { name: this.tan(d.name), ...(type !== undefined ? { type } : {}), ...(init !== undefined ? { init } : {}) };
  }

  /** An inactive value that may still contain calls whose derivative writes tangents. */
  private fwdInactive(e: Expr): Expr {
    return this.fwd(e).v;
  }

  private assignment(s: Extract<Stmt, { k: "assign" }>): void {
    const root = lvalueRoot(s.target);
    const targetActive = root !== undefined && this.act.active.has(root);
    if (!targetActive) {
      this.out.push({ ...s, value: this.fwdInactive(s.value) });
      return;
    }
    const target = s.target;
    const tangentTarget: LValue = placeOn(target, this.tan(root!));
    const reads = exprReads(s.value);
    if (target.k === "index") exprReads(target.index, reads);
    // An element write through one name changes what another name of the same array reads.
    const readsTarget = target.k === "index" ? [...reads].some((n) => this.mayAlias(n, root!)) : reads.has(root!);

    if (s.op === "+=" || s.op === "-=") {
      const r = this.fwd(s.value);
      const tangent: Stmt | null = r.d !== null ? { k: "assign", target: tangentTarget, op: s.op, value: r.d } : null;
      // x += f(x): the tangent reads the old x, so it goes first.
      if (tangent && readsTarget) this.out.push(tangent);
      this.out.push({ ...s, value: r.v });
      if (tangent && !readsTarget) this.out.push(tangent);
      return;
    }
    if (s.op !== "=") {
      // x op= e: the tangent of x = x op e, written before the primal overwrites x.
      const op = s.op.slice(0, -1) as "*" | "/" | "%" | "**";
      const current: Expr = target.k === "var" ? ref(target.name) : { k: "index", arr: target.arr, index: target.index };
      const r = this.binary(op, current, s.value);
      this.out.push({ k: "assign", target: tangentTarget, op: "=", value: r.d ?? num(0) });
      this.out.push({ ...s, value: this.stripCurrent(r.v, s.value) });
      return;
    }
    // A result the tangent may reuse only if the primal is written first, i.e. the value does not read the target.
    const r = this.fwd(s.value, readsTarget || target.k === "index" ? undefined : ref(target.name));
    const info = this.shapeOf(root!);
    let value = r.v;
    let tangentValue = r.d;
    if (tangentValue === null) {
      const placeType = target.k === "index" ? this.valueType(target) : info.t;
      if (isNestedArray(info.t) && (target.k === "var" || placeType.k === "array")) {
        // A whole array of arrays, or a row of one, assigned a constant: a zero of its shape.
        if (readsTarget) value = this.keep(value);
        tangentValue = this.zeroLike(placeType, readsTarget ? value : target.k === "index" ? { k: "index", arr: target.arr, index: target.index } : ref(target.name));
      } else if (target.k === "var" && info.shape === "array") {
        // An array's zero tangent is of the value's kind (the name may hold another kind in another block)
        // and of the value's length: where the value reads the target (`u1 = mkf(u1[0], 2)`), the tangent
        // goes first, and the target's length is still the old array's, so the value is kept and measured.
        if (readsTarget) value = this.keep(value);
        tangentValue = this.zeroLike(arrayOf(NUM, this.arrayKindOf(s.value) ?? info.arrayKind), readsTarget ? value : ref(target.name));
      } else tangentValue = num(0);
    }
    const primal: Stmt = { ...s, value };
    const tangent: Stmt = { k: "assign", target: tangentTarget, op: "=", value: tangentValue };
    if (readsTarget) this.out.push(tangent, primal);
    else this.out.push(primal, tangent);
  }

  /** The primal of `x op= e` keeps its compound form: take e's (possibly hoisted) value back out. */
  private stripCurrent(value: Expr, original: Expr): Expr {
    return value.k === "bin" ? value.b : original;
  }
}

/** `let i = 0; let di = 0` in a for header becomes `let i = 0, di = 0`. */
function mergeDeclarations(stmts: Stmt[]): Stmt[] {
  if (stmts.length > 1 && stmts.every((s) => s.k === "let" && s.decl === (stmts[0] as { decl: string }).decl))
    return [{ k: "let", decl: (stmts[0] as Extract<Stmt, { k: "let" }>).decl, decls: stmts.flatMap((s) => (s as Extract<Stmt, { k: "let" }>).decls) }];
  return stmts;
}

