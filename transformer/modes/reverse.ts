/**
 * Reverse mode: IR to IR. A forward sweep runs the function and pushes on the tape what the reverse
 * sweep will need and the forward sweep overwrites (only that: `analyses/tbr.ts`), plus the branches
 * taken and the trip counts of loops; the reverse sweep then walks every statement list backwards,
 * popping as it goes, and accumulates adjoints (`x_b`, the x̄ of the lecture) with the partials of the
 * rule table (`src/runtime/rules.ts`), the same table forward mode reads.
 *
 * Two shapes come out of one generator:
 * - `joint` (f_grad, f_vjp): forward sweep, then reverse sweep, in one function sharing its locals;
 * - `split` (g_fwd and g_bwd, for callees): g_fwd is the forward sweep and ends by pushing the locals
 *   the reverse sweep starts from; g_bwd pops them and runs the reverse sweep. A caller calls g_fwd in
 *   its forward sweep and g_bwd in its reverse sweep, so a call costs no recomputation, and recursion
 *   works because the tape is a stack. The caller saves (whole) the arrays a callee writes, when it
 *   needs their old values, and restores them after g_bwd.
 * Counted loops run backwards without a trip count on the tape when the index is an integer; index
 * increments are undone (`i -= 1`) rather than saved. With `forHessian` the output is IR that forward
 * mode can differentiate again (f_hessian): pops of active values name the variable they restore.
 * Before all this, `lower.ts` removes return/break/continue/switch and moves calls into statements.
 */
import { ADC, CompileError } from "../diagnostics.js";
import type { ArrayKind, Expr, FunctionIR, LocalInfo, LValue, Param, SourcePos, Stmt, UserRuleCall } from "../ir/ir.js";
import { arrayOf, irZeros, localOf, NUM, numberFields, opaque, paramOf, returning, tangentType, typeText, zeroOf, type Type, arrayTypeText, isNestedArray, isTypedArray, placeType, writable, zeroRows } from "../ir/types.js";
import { freeReads, add, allArguments, callsIn, childLists, children, containsCall, containsOpaque, div, exprReads, exprReadsSized, forEachVarWrite, irAlgebra, isCheap, lengthKey, lvalueRoot, mapChildLists, placeOn, mapExpr, mapStmtExprs, mul, neg, num, readVariable, reassignedNames, ref, renameReads, ruleOf, sameCode, select, stmtExprs, stmtPos, stmtReads, sub, walkStmts, writtenNames } from "../ir/build.js";
import { rules, type Comparison } from "../../src/runtime/rules.js";
import type { Activity, CallExpr } from "../analyses/activity.js";
import { toBeRecorded, type CountedLoop, type TbrResult } from "../analyses/tbr.js";
import { findPointers, placeRoot, type Pointers } from "../analyses/pointers.js";
import { primalParams, printExpr, type GeneratedFunction } from "../emit/print.js";
import { scalarizeAccumulators } from "./scalarize.js";
import type { LoweredFunction } from "./lower.js";
import { NameScope } from "./names.js";
import { ruleAlgebra } from "./partials.js";
import { CheckpointedLoop, type CheckpointHost } from "./checkpoint.js";

export interface ReverseContext {
  /** The callees a caller writes for the split derivatives of a call's function with these active parameters. */
  splitNames(call: Pick<CallExpr, "fn" | "target" | "pos">, activeParams: readonly string[]): { readonly fwd: string; readonly bwd: string };
  /**
   * Whether every call of the function being differentiated passes different arrays, none a possible
   * alias of another, to its array parameters and receives its array result in yet another: then the
   * adjoints its reverse half receives are different arrays too.
   */
  distinctArrayArguments(): boolean;
  /** The array parameters a function may write (directly or through its own calls). */
  writtenArrayParams(target: string): ReadonlySet<string>;
  /** The array parameters whose values a callee's g_bwd reads (as the call left them), for these active parameters. */
  reverseReadArrays(target: string, activeParams: readonly string[]): ReadonlySet<string>;
  /** How a function returns (`num`, `array` or `other`). */
  returnShape(target: string): string;
  /** The indices of the array parameters whose array (not a copy) a function may return (`return v`). */
  returnedParams(target: string): ReadonlySet<number>;
  /** What the module calls the runtime's tape. */
  readonly tape: string;
  /** The type of a local as the checker prints it, for declarations moved to the top. */
  localType(name: string): string | undefined;
  /**
   * Forward over reverse: pops of active values are written so that forward mode can follow them
   * (`x = tape.popActive(x)`, whose tangent version pops the tangent too).
   */
  readonly forHessian?: boolean;
  /** The callee text the module writes for a user rule's function (importing it when it lives in another file). */
  ruleCallee(rule: UserRuleCall): string;
}

export interface JointOptions {
  readonly name: string;
  readonly exported: boolean;
  /** grad seeds the result's adjoint with 1; vjp takes it as a last parameter. */
  readonly seed: "one" | "parameter";
  /** Return the gradient flattened into one number[] (the Hessian's inner function). */
  readonly flatGradient?: boolean;
}

export interface SplitNames {
  readonly fwd: string;
  readonly bwd: string;
  readonly exported: boolean;
}

/** A counted loop folding `m = Math.max(m, e)`, `Math.min` or `if (c) m = e` over its index (see Reverse.reduction). */
interface Reduction {
  readonly target: string;
  readonly index: string;
  /** The operand other than the target: e. */
  readonly other: Expr;
  /** `m = Math.max(m, e)` (or min, m on either side), or `when`: the condition under which m takes e. */
  readonly fold: { readonly fn: "max" | "min"; readonly targetFirst: boolean } | { readonly when: Expr };
  /** The variable recording the index of the last iteration that changed the target. */
  readonly at: string;
  /** Its value when no iteration did: the start less one step. */
  readonly none: Expr;
}

/** The adjoint of a parameter or local: x → x_b. */
export const adjointName = (names: NameScope, name: string): string => names.derivedName("", name, "_b");

/** The tape's functions, as IR calls. */
const TAPE_TARGET = "adc-ts/runtime#tape";

export function reverseJoint(lowered: LoweredFunction, act: Activity, reserved: Iterable<string>, ctx: ReverseContext, opts: JointOptions): GeneratedFunction {
  const r = new Reverse(lowered, act, new NameScope([...lowered.fn.usedNames, ...reserved]), ctx);
  return r.joint(opts);
}

/** The array parameters the reverse sweep of `lowered` reads as its forward sweep left them. */
export function reverseReadArrays(lowered: LoweredFunction, act: Activity, reserved: Iterable<string>, ctx: ReverseContext): Set<string> {
  const r = new Reverse(lowered, act, new NameScope([...lowered.fn.usedNames, ...reserved]), ctx);
  return r.readArrayParams();
}

export function reverseSplit(lowered: LoweredFunction, act: Activity, reserved: Iterable<string>, ctx: ReverseContext, names: SplitNames): [GeneratedFunction, GeneratedFunction] {
  const r = new Reverse(lowered, act, new NameScope([...lowered.fn.usedNames, ...reserved]), ctx);
  return r.split(names);
}

/** The statements of a call of a tape function. */
function tapeCall(ctx: ReverseContext, method: string, args: readonly Expr[], pos: FunctionIR["pos"]): Expr {
  return { k: "call", fn: `${ctx.tape}.${method}`, target: `${TAPE_TARGET}.${method}`, args, pos };
}

export const isTapeTarget = (target: string): boolean => target.startsWith(TAPE_TARGET);

/**
 * Forward over reverse calls the callees' halves, which are functions of their own to forward mode:
 * `file#g|fwd|x,out` is g_fwd for active x and out, `file#g|bwd|x,out` its g_bwd.
 */
export const splitTarget = (target: string, half: "fwd" | "bwd", active: readonly string[]): string => `${target}|${half}|${active.join(",")}`;

export function parseSplitTarget(target: string): { base: string; half: "fwd" | "bwd"; active: string[] } | undefined {
  const m = /^(.*)\|(fwd|bwd)\|([^|]*)$/.exec(target);
  if (m === null) return undefined;
  return { base: m[1], half: m[2] as "fwd" | "bwd", active: m[3] === "" ? [] : m[3].split(",") };
}

/**
 * Forward over reverse: the tape's functions as forward mode sees them. Those taking an active value
 * have a tangent version that carries the tangent along (`push(x)` → `pushDual(x, dx)`); the pops of
 * active values take the variable they restore, so that activity and forward mode can follow them.
 */
const tapeDuals: Readonly<Record<string, { dual: string; param: "num" | "array"; returns: "num" | "array" | "other" }>> = {
  push: { dual: "pushDual", param: "num", returns: "other" },
  popActive: { dual: "popDual", param: "num", returns: "num" },
  pushArray: { dual: "pushArrayDual", param: "array", returns: "other" },
  popArrayActive: { dual: "popArrayDual", param: "array", returns: "array" },
  pushAll: { dual: "pushAllDual", param: "array", returns: "other" },
  popAll: { dual: "popAllDual", param: "array", returns: "other" },
};

/** Array types an empty array literal `[]` is a value of. */
const PLAIN_ARRAY_TYPE = /^(?:(?:readonly )?number\[\]|(?:Readonly)?Array<number>|ReadonlyArray<number>|Readonly<number\[\]>)$/;

const tapeMethod = (target: string): string => target.slice(TAPE_TARGET.length + 1);

/** The IR activity analysis reads for a tape function: one parameter, no body. */
export function tapeFunctionIR(target: string, pos: FunctionIR["pos"]): FunctionIR {
  const d = tapeDuals[tapeMethod(target)];
  const param = d?.param === "array" ? paramOf("array", "number[]", arrayOf(NUM)) : paramOf("value", "number", NUM);
  return {
    name: tapeMethod(target),
    file: "adc-ts/runtime",
    pos,
    exported: true,
    params: d !== undefined ? [param] : [],
    ...returning(d?.returns === "array" ? arrayOf(NUM) : d?.returns === "other" ? opaque("void") : NUM),
    returnType: d?.returns === "array" ? "number[]" : "number",
    body: [],
    locals: new Map(),
    usedNames: new Set(),
  };
}

export const tapeReturnsActive = (target: string): boolean => tapeDuals[tapeMethod(target)]?.returns !== "other" && tapeDuals[tapeMethod(target)] !== undefined;
export const tapeDualName = (target: string): string => tapeDuals[tapeMethod(target)]?.dual ?? tapeMethod(target);

/**
 * A generated function as IR again, for forward mode over it: the shapes of its new locals (adjoints,
 * temporaries, counters) read from their declarations.
 */
export function asFunctionIR(gen: GeneratedFunction, base: FunctionIR, returns: { t: Type; tuple?: number } = { t: arrayOf(NUM) }, params: readonly Param[] = base.params): FunctionIR {
  const locals = new Map(base.locals);
  for (const p of params) locals.set(p.name, localOf(p.t));
  const names = new Set([...base.usedNames, ...params.map((p) => p.name)]);
  const declare = (name: string, init: Expr | undefined, info?: LocalInfo): void => {
    names.add(name);
    if (locals.has(name)) return;
    if (info !== undefined) locals.set(name, info);
    else if (init?.k === "zeros") locals.set(name, localOf(arrayOf(NUM, init.kind)));
    else if (init?.k === "arraylit") locals.set(name, localOf(arrayOf(NUM)));
    else if (init?.k === "var" && locals.get(init.name)?.shape === "array") locals.set(name, locals.get(init.name)!);
    else if (init?.k === "cond" && init.a.k === "var" && locals.get(init.a.name)?.shape === "array") locals.set(name, locals.get(init.a.name)!);
    else locals.set(name, localOf(NUM));
  };
  const visit = (stmts: readonly Stmt[]): void => {
    for (const st of stmts) {
      if (st.k === "let") for (const d of st.decls) declare(d.name, d.init, d.info);
      if (st.k === "destructure") for (const n of st.names) declare(n, undefined);
      for (const name of stmtReads([st])) names.add(name);
      for (const child of childLists(st)) visit(child);
    }
  };
  visit(gen.body);
  return {
    ...base,
    name: gen.name,
    exported: gen.exported,
    params,
    ...returning(returns.t),
    returnType: gen.returnType,
    ...(returns.tuple !== undefined ? { returnTuple: returns.tuple } : {}),
    body: gen.body,
    locals,
    usedNames: names,
    annotation: undefined,
  };
}

class Reverse {
  private readonly fn: FunctionIR;
  private readonly value?: string;
  private readonly adjointMemo = new Map<Stmt, { stmts: Stmt[]; postOrder: boolean; uses: Set<string> }>();
  private readonly reverseMemo = new Map<Stmt, Stmt[]>();
  private readonly countedMemo = new Map<Stmt, CountedLoop | undefined>();
  private readonly reductionMemo = new Map<Stmt, Reduction | undefined>();
  /** Calls of callees' g_bwd, to the positions of the arrays passed that g_bwd does not read. */
  private readonly unreadArguments = new Map<Expr, ReadonlySet<number>>();
  /** f_grad/f_vjp (one function holding both sweeps) rather than g_fwd and g_bwd. */
  private jointShape = false;
  /** Adjoint names in use, to their primal variable. */
  private readonly adjointsUsed = new Map<string, string>();
  private readonly tbr: TbrResult;
  private readonly pointers: Pointers;
  private readonly nestedDeclarations = new Set<string>();
  private readonly onceDefined = new Map<string, boolean>();
  /** The variables the function writes (for varyingLength, once). */
  private writtenInBody?: ReadonlySet<string>;
  private hoisted = new Set<string>();
  private out: Stmt[] = [];
  private zeroIndex?: string;
  /** Array adjoints reallocated in the reverse sweep (declared `let`). */
  private readonly resizedAdjoints = new Set<string>();
  private readonly lengthVaries = new Map<string, boolean>();
  private readonly body: readonly Stmt[];
  /** Variables used as array indices: integers, so `i += 1` is undone exactly by `i -= 1`. */
  private readonly indexVariables: ReadonlySet<string>;
  /** Where the statement being differentiated was written, for diagnostics. */
  private at?: SourcePos;

  constructor(
    lowered: LoweredFunction,
    private readonly act: Activity,
    private readonly names: NameScope,
    private readonly ctx: ReverseContext,
  ) {
    this.fn = lowered.fn;
    this.value = lowered.value;
    const last = this.fn.body[this.fn.body.length - 1];
    this.body = last?.k === "return" ? this.fn.body.slice(0, -1) : this.fn.body;
    collectNested(this.body, true, this.nestedDeclarations);
    this.indexVariables = indexReads(this.body);
    // An active array parameter's adjoint is the adjoint of the caller's array, for the whole sweep
    // (lowering gives a parameter assigned another array a local of its own, unless opaque code reads it).
    walkStmts(this.body, (s) => {
      if (s.k !== "assign" || s.op !== "=" || s.target.k !== "var") return;
      const name = s.target.name;
      if (!this.act.active.has(name) || !this.fn.params.some((p) => p.name === name && p.shape === "array")) return;
      throw new CompileError({
        code: ADC.aliasedActiveArray,
        message: `reverse mode cannot follow the array parameter '${name}' assigned another array here while code adc-ts cannot see reads it (it reads the caller's array by name)`,
        pos: s.pos ?? this.fn.pos,
      });
    });
    this.pointers = findPointers(this.body, {
      isArray: (n) => this.isArray(n),
      params: this.fn.params.map((p) => p.name),
      returned: this.value,
      pos: this.fn.pos,
      resultMayBe: (call) => [...this.ctx.returnedParams(call.target)].flatMap((i) => (call.args[i]?.k === "var" ? [(call.args[i] as { name: string }).name] : [])),
    });
    // A caller saves the arrays it passes to a callee that writes them (whole, and only if it needs
    // their old values), so a callee starts with nothing required.
    const firstDeclarations = new Set<Stmt>();
    const writtenEarlier = new Set<string>();
    for (const st of this.body) {
      if (st.k === "let" && st.decls.every((d) => !writtenEarlier.has(d.name))) firstDeclarations.add(st);
      writtenNames([st], writtenEarlier);
    }
    this.tbr = toBeRecorded(this.body, {
      uses: (s) => this.uses(s),
      counted: (s) => this.counted(s),
      reduction: (s) => this.reduction(s),
      isArray: (n) => this.isArray(n),
      arraysWritten: (s) => this.arraysWritten(s),
      invertible: (s) => this.invertible(s),
      aliasesOf: (n) => this.aliasesOf(n),
      // A declaration of the function's body runs once, before anything reads its name, unless an
      // earlier block declared that name too (`for (...) { const d = ... }` then `const d = ...`):
      // the reverse sweep still needs the block's last value.
      firstValue: (s) => firstDeclarations.has(s) || (s.k === "assign" && s.target.k === "var" && this.definedOnce(s.target.name)),
      isLength: (n, bound) => this.isLength(n, bound),
    });
    // Code the fence rejects (a try around active code, say) has its own diagnostic already.
    const [first] = this.tbr.unrestorable.filter((u) => !this.act.rejects(u.opaque));
    if (first !== undefined)
      throw new CompileError({
        code: first.code ?? ADC.unsupportedStatement,
        message: `reverse mode needs the values of '${first.name}' that this code may overwrite, and cannot save them (${first.reason})`,
        pos: first.pos,
      });
  }

  /** The array parameters whose values (not only lengths) the reverse sweep reads as the forward sweep left them. */
  readArrayParams(): Set<string> {
    const read = new Set<string>();
    for (const p of this.fn.params)
      if (p.shape === "array" && [...this.tbr.requiredAtEnd].some((n) => n === readVariable(n) && this.aliasesOf(n).includes(p.name))) read.add(p.name);
    return read;
  }

  /**
   * The names that may denote the same array as `name`: a pointer and what it names, and the array
   * parameters, unless every call passes them different arrays (a caller may pass one array twice).
   */
  private aliasesOf(name: string): readonly string[] {
    const names = this.pointers.aliasesOf(name);
    const arrayParams = this.fn.params.filter((p) => p.shape === "array").map((p) => p.name);
    if (arrayParams.length < 2 || !names.some((n) => arrayParams.includes(n))) return names;
    this.paramsDistinct ??= this.ctx.distinctArrayArguments();
    return this.paramsDistinct ? names : [...new Set([...names, ...arrayParams])];
  }

  private paramsDistinct?: boolean;

  // ---------------------------------------------------------------- names and small builders

  private adj(name: string): string {
    const a = adjointName(this.names, name);
    this.adjointsUsed.set(a, name);
    return a;
  }

  /** The adjoint of the field `field` of the record parameter `record`: `p_b_x`. */
  private fieldAdj(record: string, field: string): string {
    const a = this.names.derivedName("", record, `_b_${field}`);
    this.adjointsUsed.set(a, record);
    return a;
  }

  private isRecord(name: string): boolean {
    return this.fn.locals.get(name)?.shape === "record";
  }

  private recordAsValue(): CompileError {
    return new CompileError({ code: ADC.recordInMode, message: "reverse mode does not take a record as a whole here yet (returned, or passed on); only forward mode (f_dual) does", pos: this.here() });
  }

  /**
   * `const q = { x: e, y: f }` (the result, as lowering keeps it) or `const q = g(...)` of a record
   * local, given once: each number field's adjoint `q_b_x` goes down into its value (or to g_bwd).
   */
  private recordAssignmentAdjoint(name: string, value: Expr, once: boolean): void {
    if (!once) throw this.recordAsValue();
    if (value.k === "call") {
      this.callAdjoint({ k: "var", name }, value);
      return;
    }
    if (value.k === "var" && this.isRecord(value.name)) {
      // Another name for a record (a call's result kept by lowering): its fields get these adjoints.
      for (const f of numberFields(this.fn.locals.get(name)!.t)) this.distribute({ k: "field", obj: value, name: f }, ref(this.fieldAdj(name, f)));
      return;
    }
    if (value.k !== "record") throw this.recordAsValue();
    for (const f of numberFields(this.fn.locals.get(name)!.t)) {
      const given = value.fields.find((g) => g.name === f);
      if (given !== undefined) this.distribute(given.value, ref(this.fieldAdj(name, f)));
    }
  }

  /** The adjoint of a record variable as one record (`{ x: q_b_x, y: q_b_y }`), for a callee's g_bwd. */
  private recordAdjoint(name: string): Expr {
    return { k: "record", fields: numberFields(this.fn.locals.get(name)!.t).map((f) => ({ name: f, value: ref(this.fieldAdj(name, f)) })) };
  }

  /** The gradient of a parameter: its adjoint; a record's, the record of its fields' adjoints. */
  private gradientOf(p: Param): Expr {
    if (p.shape !== "record") return ref(adjointName(this.names, p.name));
    return { k: "record", fields: numberFields(p.t).map((f) => ({ name: f, value: ref(this.fieldAdj(p.name, f)) })) };
  }

  private adjRef(name: string): Expr {
    return ref(this.adj(name));
  }

  private isArray(name: string): boolean {
    return this.fn.locals.get(name)?.shape === "array";
  }

  private arrayKind(name: string): ArrayKind {
    return this.fn.locals.get(name)?.arrayKind ?? "Array";
  }

  private tape(method: string, args: readonly Expr[] = []): Expr {
    return tapeCall(this.ctx, method, args, this.fn.pos);
  }

  /** The most specific position known: the statement being differentiated, else the function. */
  private here(): SourcePos {
    return this.at ?? this.fn.pos;
  }

  private keep(e: Expr, base = "t"): Expr {
    if (isCheap(e)) return e;
    const t = this.names.fresh(base);
    this.out.push({ k: "let", decl: "const", decls: [{ name: t, init: e }] });
    return ref(t);
  }

  private accumulate(target: LValue, value: Expr): void {
    if (value.k === "num" && value.value === 0) return;
    // Two contributions in a row to the same adjoint (x * x) become one update.
    const last = this.out[this.out.length - 1];
    if (last?.k === "assign" && (last.op === "+=" || last.op === "-=") && sameCode(last.target, target)) {
      const before = last.op === "+=" ? last.value : neg(last.value);
      const sum = add(before, value);
      this.out[this.out.length - 1] = sum.k === "neg" ? { k: "assign", target, op: "-=", value: sum.a } : { k: "assign", target, op: "+=", value: sum };
      return;
    }
    if (value.k === "neg") this.out.push({ k: "assign", target, op: "-=", value: value.a });
    else this.out.push({ k: "assign", target, op: "+=", value });
  }

  /** `for (let j = 0; j < a.length; j++) a[j] = 0;` (a loop, not `fill`, so forward mode can follow it). */
  private zeroArray(arr: string): Stmt {
    this.zeroIndex ??= this.names.fresh("j");
    const j = this.zeroIndex;
    return {
      k: "for",
      init: [{ k: "let", decl: "let", decls: [{ name: j, init: num(0) }] }],
      cond: { k: "cmp", op: "<", a: ref(j), b: { k: "length", arr: ref(arr) } },
      update: [{ k: "assign", target: { k: "var", name: j }, op: "+=", value: num(1), increment: "++" }],
      body: [{ k: "assign", target: { k: "index", arr: ref(arr), index: ref(j) }, op: "=", value: num(0) }],
    };
  }

  private zeros(kind: ArrayKind, size: Expr): Expr {
    return { k: "zeros", kind, size };
  }

  /** A zero adjoint for the array `primal`, as long as `of` (the array itself unless given). */
  private zeroAdjoint(primal: string, of: Expr = ref(primal)): Expr {
    if (this.isNested(primal))
      throw new CompileError({
        code: ADC.nestedArrayForm,
        message: `reverse mode cannot give the array of arrays '${primal}' a new adjoint here (it is re-pointed, reallocated with another length, or passed to a call that returns it); write its numbers into an array allocated once`,
        pos: this.at ?? this.declaredAt(primal),
      });
    return zeroOf(arrayOf(NUM, this.arrayKind(primal)), of, irZeros)!;
  }

  // ---------------------------------------------------------------- arrays of arrays

  private isNested(name: string): boolean {
    return isNestedArray(this.fn.locals.get(name)?.t);
  }

  /** The type of the value at a place (`m`: number[][], `m[i]`: number[], `m[i][j]`: number). */
  private placeType(place: LValue | Expr): Type {
    return placeType(place, (n) => this.fn.locals.get(n)?.t) ?? NUM;
  }

  /** The zero adjoint of an array of arrays, declared empty and filled row by row (`zeroRows`). */
  private nestedAdjointDeclaration(a: string, primal: string): Stmt[] {
    const t = writable(this.fn.locals.get(primal)!.t);
    // `info`: forward mode over this sweep (the Hessian) reads the adjoint's type from its declaration.
    const decl = this.resizedAdjoints.has(a) ? "let" : "const";
    return [{ k: "let", decl, decls: [{ name: a, type: typeText(t), init: { k: "arraylit", elems: [] }, info: localOf(t) }] }, ...zeroRows(ref(a), t, ref(primal), () => this.names.fresh("i"))];
  }

  /** Loops setting every number of the array (of arrays) at `place`, of type `t`, to 0. */
  private zeroNumbers(place: Expr, t: Type): Stmt {
    if (t.k !== "array") return { k: "assign", target: place as LValue, op: "=", value: num(0) };
    const j = this.names.fresh("j");
    return {
      k: "for",
      init: [{ k: "let", decl: "let", decls: [{ name: j, init: num(0) }] }],
      cond: { k: "cmp", op: "<", a: ref(j), b: { k: "length", arr: place } },
      update: [{ k: "assign", target: { k: "var", name: j }, op: "+=", value: num(1), increment: "++" }],
      body: [this.zeroNumbers({ k: "index", arr: place, index: ref(j) }, t.elem)],
    };
  }

  /** A copy of an array of rows of numbers (`ybar`, a result the reverse sweep restores): each row sliced. */
  private copyRows(name: string, of: string, t: Type): Stmt[] {
    if (t.k !== "array" || t.elem.k !== "array" || t.elem.elem.k !== "num")
      throw new CompileError({ code: ADC.nestedArrayForm, message: `reverse mode copies arrays of arrays of numbers only (${typeText(t)} is deeper)`, pos: this.fn.pos });
    const k = this.names.fresh("k");
    return [
      { k: "let", decl: "const", decls: [{ name, type: typeText(writable(t)), init: { k: "arraylit", elems: [] } }] },
      {
        k: "for",
        init: [{ k: "let", decl: "let", decls: [{ name: k, init: num(0) }] }],
        cond: { k: "cmp", op: "<", a: ref(k), b: { k: "length", arr: ref(of) } },
        update: [{ k: "assign", target: { k: "var", name: k }, op: "+=", value: num(1), increment: "++" }],
        body: [{ k: "assign", target: { k: "index", arr: ref(name), index: ref(k) }, op: "=", value: { k: "opaque", text: `${of}[${k}].slice()`, reads: [of], code: ADC.unsupportedExpression, reason: "copy of a row", pos: this.fn.pos } }],
      },
    ];
  }

  /**
   * A row of an array of arrays assigned (`out[i] = new Array(n).fill(0)`, `out[i] = [a, b]`): the
   * numbers of the literal receive their adjoints, then the row's adjoint is zero (its old row, which
   * the tape restores where needed, has the adjoints accumulated before this statement).
   */
  private rowAssignmentAdjoint(target: LValue, value: Expr): void {
    const root = lvalueRoot(target)!;
    const slot = placeOn(target, this.adj(root)) as Expr;
    if (value.k === "arraylit" && value.elems.length > 0) {
      this.literalAdjoint(value, slot);
      return;
    }
    if (this.act.isActive(value))
      throw new CompileError({
        code: ADC.rowAlias,
        message: `reverse mode cannot follow an active array stored as a row of '${root}' here (two names for one row); build the row in place (${root}[i][j] = ...)`,
        pos: this.here(),
      });
    this.out.push(this.zeroNumbers(slot, this.placeType(target)));
  }

  /** `[[a, b], [c, d]]` into the adjoint place `slot`: each number receives its element's adjoint, which is then zero. */
  private literalAdjoint(value: Extract<Expr, { k: "arraylit" }>, slot: Expr): void {
    value.elems.forEach((e, i) => {
      const place: Expr = { k: "index", arr: slot, index: num(i) };
      if (e.k === "arraylit") {
        this.literalAdjoint(e, place);
        return;
      }
      if (e.k === "var" && this.isArray(e.name) && this.act.isActive(e))
        throw new CompileError({ code: ADC.rowAlias, message: `reverse mode cannot follow the active array '${e.name}' used as a row of an array literal; write its numbers into the literal`, pos: this.here() });
      this.distribute(e, place);
      this.out.push({ k: "assign", target: place as LValue, op: "=", value: num(0) });
    });
  }

  // ---------------------------------------------------------------- adjoints of simple statements

  /** The adjoint statements of an assignment, a declaration with a value or a call statement. */
  private adjointOf(s: Stmt): { stmts: Stmt[]; postOrder: boolean; uses: Set<string> } {
    const memo = this.adjointMemo.get(s);
    if (memo !== undefined) return memo;
    const saved = this.out;
    const savedAt = this.at;
    this.out = [];
    this.at = stmtPos(s) ?? savedAt;
    let postOrder = false;
    if (s.k === "let" && s.decls.length === 1 && s.decls[0].init !== undefined) {
      // A declaration in the function body runs once: the adjoint of its array needs no reset.
      postOrder = this.assignmentAdjoint({ k: "var", name: s.decls[0].name }, "=", s.decls[0].init, this.body.includes(s));
    } else if (s.k === "assign") {
      postOrder = this.assignmentAdjoint(s.target, s.op, s.value, s.target.k === "var" && this.definedOnce(s.target.name));
    } else if (s.k === "expr" && s.expr.k === "call") {
      this.callAdjoint(undefined, s.expr);
    } else if (this.reduction(s) !== undefined) {
      this.reductionAdjoint(this.reduction(s)!);
    }
    const stmts = this.out;
    this.out = saved;
    this.at = savedAt;
    const uses = new Set<string>();
    for (const name of stmtReads(stmts.map((st) => this.withoutUnreadArguments(st)), new Set(), exprReadsSized)) if (this.fn.locals.has(readVariable(name))) uses.add(name);
    const result = { stmts, postOrder, uses };
    this.adjointMemo.set(s, result);
    return result;
  }

  /** A statement calling a g_bwd, with the arrays whose values g_bwd does not read reduced to their lengths. */
  private withoutUnreadArguments(st: Stmt): Stmt {
    const mask = (e: Expr): Expr => {
      const unread = this.unreadArguments.get(e);
      if (unread === undefined || e.k !== "call") return e;
      return { ...e, args: e.args.map((a, i) => (unread.has(i) && a.k === "var" ? { k: "length", arr: a } : a)) };
    };
    if (st.k === "expr") return { ...st, expr: mask(st.expr) };
    if (st.k === "let" && st.decls.length === 1 && st.decls[0].init !== undefined) return { ...st, decls: [{ ...st.decls[0], init: mask(st.decls[0].init) }] };
    if (st.k === "destructure") return { ...st, value: mask(st.value) };
    return st;
  }

  /** Whether a call's arguments read elements (or the length) of the array `name`. */
  private readsElementsOf(call: CallExpr, name: string): boolean {
    return call.args.some((x) => !(x.k === "var" && x.name === name) && exprReads(x).has(name));
  }

  private uses(s: Stmt): { pre: Set<string>; post: Set<string> } {
    const a = this.adjointOf(s);
    const call = callOf(s);
    if (call !== undefined) {
      // g_bwd reads the arrays passed to it as the call left them; everything else (the numbers passed,
      // elements read to compute them) as it was before the call.
      // An array whose element receives the result is read before that store (pre), passed or not.
      const passed = new Set(call.args.flatMap((x) => (x.k === "var" && this.isArray(x.name) ? [x.name] : [])));
      const stored = s.k === "assign" && s.target.k === "index" ? lvalueRoot(s.target) : undefined;
      const pre = new Set<string>();
      const post = new Set<string>();
      for (const n of a.uses) {
        const v = readVariable(n);
        (v !== stored && (passed.has(v) || (this.isArray(v) && !this.readsElementsOf(call, v))) ? post : pre).add(n);
      }
      // The array a call's result replaces sizes the adjoint after the call's reverse: its old value. A
      // declaration of the function's body replaces none, and saving its name before it would read it in
      // its temporal dead zone; a nested one is hoisted, and in a loop replaces the previous iteration's.
      const target =
        s.k === "let" ? (this.nestedDeclarations.has(s.decls[0].name) ? s.decls[0].name : undefined) : s.k === "assign" && s.target.k === "var" && !this.definedOnce(s.target.name) ? s.target.name : undefined;
      // Passed to the call itself (`v = g(v)`), the array is g_bwd's argument: the one v held before.
      const passedItself = call.args.some((x) => x.k === "var" && x.name === target);
      if (target !== undefined && (post.has(target) || post.has(lengthKey(target))) && this.isArray(target) && (passedItself || this.varyingLength(target))) {
        for (const n of [target, lengthKey(target)]) if (post.delete(n)) pre.add(n);
      }
      return { pre, post };
    }
    if (!a.postOrder) return { pre: a.uses, post: new Set() };
    const target = s.k === "let" ? s.decls[0].name : lvalueRoot((s as Extract<Stmt, { k: "assign" }>).target)!;
    const pre = new Set(a.uses);
    const post = new Set<string>();
    for (const n of [target, lengthKey(target)]) if (pre.delete(n)) post.add(n);
    return { pre, post };
  }

  /**
   * Whether every assignment of `name` gives it its first value: declared without one in the function
   * body (`let v: number[];`, as lowering writes a choice of arrays), and assigned at most once on any
   * path, never in a loop. Its value before such an assignment is nothing the reverse sweep goes back to.
   */
  private definedOnce(name: string): boolean {
    let known = this.onceDefined.get(name);
    if (known !== undefined) return known;
    const declaredEmpty = this.body.some((s) => s.k === "let" && s.decls.some((d) => d.name === name && d.init === undefined));
    // The most assignments of name on one path through stmts (2 stands for "more than one").
    const most = (stmts: readonly Stmt[]): number =>
      Math.min(2, stmts.reduce((n, st) => n + assignments(st), 0));
    const assignments = (st: Stmt): number => {
      switch (st.k) {
        case "assign":
          return st.target.k === "var" && st.target.name === name ? 1 : 0;
        case "destructure":
          return st.names.includes(name) ? 2 : 0;
        case "let":
          return st.decls.some((d) => d.name === name && d.init !== undefined) ? 2 : 0;
        case "if":
          return Math.max(most(st.then), most(st.else ?? []));
        case "block":
          return most(st.body);
        default:
          return childLists(st).some((l) => most(l) > 0) ? 2 : 0;
      }
    };
    known = declaredEmpty && !this.nestedDeclarations.has(name) && most(this.body) <= 1;
    this.onceDefined.set(name, known);
    return known;
  }

  /** Returns whether the adjoint reads the target's new value (then it runs before the target is restored). */
  private assignmentAdjoint(target: LValue, op: string, value: Expr, once = false): boolean {
    const root = lvalueRoot(target);
    if (root === undefined || !this.act.active.has(root)) {
      if (value.k === "call") this.callAdjoint(target, value);
      return false;
    }
    if (target.k === "var" && this.isRecord(root)) {
      this.recordAssignmentAdjoint(root, value, once);
      return false;
    }
    if (value.k === "call") {
      this.callAdjoint(target, value);
      return false;
    }
    // The value reads the target itself, or (an element write) another name of the same array.
    const valueReads = exprReads(value);
    const readsTarget = target.k === "index" ? this.aliasesOf(root).some((n) => valueReads.has(n)) : valueReads.has(root);
    const targetAdjoint: LValue = placeOn(target, this.adj(root));
    const targetAdjointExpr: Expr = targetAdjoint as Expr;

    if (target.k === "index" && this.placeType(target).k === "array") {
      if (op !== "=") throw new Error(`internal: ${op} on a row reached reverse mode`);
      this.rowAssignmentAdjoint(target, value);
      return false;
    }
    if (target.k === "var" && this.isArray(root)) {
      this.arrayAssignmentAdjoint(root, op, value, once);
      return false;
    }
    if (op === "+=" || op === "-=") {
      let ab = targetAdjointExpr;
      if (readsTarget) {
        // The value reads the target: its adjoint grows while the value's adjoint is pushed down, so
        // take it before (x += x * y: x_b += y * x_b would otherwise read the updated x_b).
        const t = this.names.fresh(`${root}_b_old`);
        this.out.push({ k: "let", decl: "const", decls: [{ name: t, init: ab }] });
        ab = ref(t);
      }
      this.distribute(value, op === "-=" ? neg(ab) : ab);
      return false;
    }
    if (op !== "=") throw new Error(`internal: ${op} reached reverse mode`);
    if (!this.act.isActive(value)) {
      this.out.push({ k: "assign", target: targetAdjoint, op: "=", value: num(0) });
      return false;
    }
    if (readsTarget) {
      const t = this.names.fresh(`${root}_b_old`);
      this.out.push({ k: "let", decl: "const", decls: [{ name: t, init: targetAdjointExpr }] });
      this.out.push({ k: "assign", target: targetAdjoint, op: "=", value: num(0) });
      this.distribute(value, ref(t));
      return false;
    }
    // The new value is the result of the outermost operation: a rule that reads its result reads it here.
    const resultReused = target.k === "var" && usesResult(value);
    this.distribute(value, targetAdjointExpr, resultReused ? ref(root) : undefined);
    this.out.push({ k: "assign", target: targetAdjoint, op: "=", value: num(0) });
    return resultReused;
  }

  /** `a = zeros(n)`, `a = [e0, e1]`, and the return of an array variable. */
  private arrayAssignmentAdjoint(root: string, op: string, value: Expr, once: boolean): void {
    if (op !== "=") throw new CompileError({ code: ADC.unsupportedStatement, message: `${op} on a whole array is not differentiated`, pos: this.here() });
    if (this.isNested(root) && value.k === "arraylit") {
      if (this.aliasesOf(root).some((n) => exprReads(value).has(n)))
        throw new CompileError({ code: ADC.nestedArrayForm, message: `reverse mode cannot differentiate an array of arrays '${root}' replaced by a literal that reads it; write into a new variable`, pos: this.here() });
      this.literalAdjoint(value, this.adjRef(root));
      if (!once) this.out.push(...this.resetArrayAdjoint(root));
      return;
    }
    if (this.isNested(root) && value.k === "var" && root === this.value && this.act.isActive(value)) {
      // The result is the array of arrays itself: its adjoint flows back number by number.
      const t = this.fn.locals.get(root)!.t;
      const add = (to: Expr, from: Expr, at: Type): Stmt => {
        if (at.k !== "array") return { k: "assign", target: to as LValue, op: "+=", value: from };
        const j = this.names.fresh("j");
        return {
          k: "for",
          init: [{ k: "let", decl: "let", decls: [{ name: j, init: num(0) }] }],
          cond: { k: "cmp", op: "<", a: ref(j), b: { k: "length", arr: to } },
          update: [{ k: "assign", target: { k: "var", name: j }, op: "+=", value: num(1), increment: "++" }],
          body: [add({ k: "index", arr: to, index: ref(j) }, { k: "index", arr: from, index: ref(j) }, at.elem)],
        };
      };
      this.out.push(add(this.adjRef(value.name), this.adjRef(root), t));
      return;
    }
    if (value.k === "arraylit") {
      const reads = exprReads(value);
      if (this.aliasesOf(root).some((n) => reads.has(n))) {
        // The literal reads the array it replaces (`v = [v[1], v[0]]`): its elements' adjoints are taken
        // first, then the name's adjoint goes back to the old array, which receives them.
        const taken = value.elems.map((_, i) => {
          const t = this.names.fresh(`${this.adj(root)}_${i}`);
          this.out.push({ k: "let", decl: "const", decls: [{ name: t, init: { k: "index", arr: this.adjRef(root), index: num(i) } }] });
          this.out.push({ k: "assign", target: { k: "index", arr: this.adjRef(root), index: num(i) }, op: "=", value: num(0) });
          return t;
        });
        if (!once && (this.varyingLength(root) || this.pointers.shared.has(root))) this.out.push(...this.resetArrayAdjoint(root));
        value.elems.forEach((e, i) => this.distribute(e, ref(taken[i])));
        return;
      }
      value.elems.forEach((e, i) => {
        const slot: Expr = { k: "index", arr: this.adjRef(root), index: num(i) };
        this.distribute(e, slot);
        this.out.push({ k: "assign", target: { k: "index", arr: this.adjRef(root), index: num(i) }, op: "=", value: num(0) });
      });
      // Each element's adjoint was reset above; the adjoint still follows the array restored (its length,
      // or the adjoint of another name of it).
      if (!once && (this.varyingLength(root) || this.pointers.shared.has(root))) this.out.push(...this.resetArrayAdjoint(root));
      return;
    }
    if (value.k === "var" && root === this.value && this.act.isActive(value)) {
      // The result is the array itself: its adjoint flows back element by element.
      this.zeroIndex ??= this.names.fresh("j");
      const j = this.zeroIndex;
      this.out.push({
        k: "for",
        init: [{ k: "let", decl: "let", decls: [{ name: j, init: num(0) }] }],
        cond: { k: "cmp", op: "<", a: ref(j), b: { k: "length", arr: this.adjRef(value.name) } },
        update: [{ k: "assign", target: { k: "var", name: j }, op: "+=", value: num(1), increment: "++" }],
        body: [{ k: "assign", target: { k: "index", arr: this.adjRef(value.name), index: ref(j) }, op: "+=", value: { k: "index", arr: this.adjRef(root), index: ref(j) } }],
      });
      return;
    }
    if (value.k === "var" && this.pointers.shared.has(root)) {
      // Re-pointed: once restored, its adjoint is that of the array it named before.
      if (!once) this.out.push(...this.resetArrayAdjoint(root));
      return;
    }
    if (value.k === "var" && this.pointers.targets.has(root)) {
      // A pointer re-pointed: once restored, its adjoint is that of the array it named before.
      if (!once) this.out.push({ k: "assign", target: { k: "var", name: this.adj(root) }, op: "=", value: this.pointerAdjoint(root) });
      return;
    }
    if (value.k === "zeros" || !this.act.isActive(value)) {
      if (!once) this.out.push(...this.resetArrayAdjoint(root));
      return;
    }
    if (value.k === "index")
      throw new CompileError({
        code: ADC.rowAlias,
        message: `reverse mode cannot follow '${root}', a row of an active array of arrays, here (it or its index is assigned again while it is used, or code adc-ts cannot see reads it); read the elements through the array (m[i][j])`,
        pos: this.here(),
      });
    throw new CompileError({
      code: ADC.aliasedActiveArray,
      message:
        root === this.value
          ? "reverse mode cannot follow an active array returned here (an alias of another array); copy it element by element"
          : `reverse mode cannot follow an active array assigned to '${root}' (an alias of another array); copy it element by element`,
      pos: this.here(),
    });
  }

  /** Adjoint sums kept in locals inside reverse loops (see scalarize.ts). */
  private scalarize(reverse: Stmt[], split: boolean): Stmt[] {
    // Not under forward mode (Hessians): a guarded write-back (`if (acc !== 0)`) would drop a tangent.
    if (this.ctx.forHessian) return reverse;
    const passedIn = (primal: string): boolean => split && (primal === this.value || this.fn.params.some((p) => p.name === primal));
    const distinct = (a: string, b: string): boolean => {
      if (a === b) return false;
      const pa = this.adjointsUsed.get(a);
      const pb = this.adjointsUsed.get(b);
      // An adjoint is never a primal array; two primal arrays may be one (a caller passed it twice).
      if (pa === undefined || pb === undefined) return pa !== pb;
      if (this.pointers.aliasesOf(pa).includes(pb)) return false;
      // Adjoints this function allocates are fresh; a g_bwd's adjoint parameters come from its callers.
      return !(passedIn(pa) && passedIn(pb)) || this.ctx.distinctArrayArguments();
    };
    return scalarizeAccumulators(reverse, { distinct, arrayKind: (n) => this.arrayKind(this.adjointsUsed.get(n) ?? n) }, this.names);
  }

  /** The adjoint of the array pointer `p` names now: `p === a ? a_b : b_b`. */
  private pointerAdjoint(p: string): Expr {
    const targets = this.pointers.targets.get(p)!;
    let e: Expr = this.adjRef(targets[targets.length - 1]);
    for (let i = targets.length - 2; i >= 0; i--) e = { k: "cond", c: { k: "cmp", op: "===", a: ref(p), b: ref(targets[i]) }, a: this.adjRef(targets[i]), b: e };
    return e;
  }

  /**
   * The adjoint of the array `v` names now, where `v`'s alias class holds arrays allocated more than
   * once: that of another name of the class naming the same array (`v === a ? a_b : ...`), else zeros
   * (no later read reaches an array no other name holds). `before` limits the names compared to those
   * preceding `v` in its class (the start of the reverse sweep, declaring the adjoints in that order).
   */
  private sharedAdjoint(v: string, before = false): Expr {
    const cls = this.pointers.shared.get(v)!;
    const others = before ? cls.slice(0, cls.indexOf(v)) : cls.filter((n) => n !== v);
    let e: Expr = this.zeroAdjoint(v);
    for (let i = others.length - 1; i >= 0; i--) e = { k: "cond", c: { k: "cmp", op: "===", a: ref(v), b: ref(others[i]) }, a: this.adjRef(others[i]), b: e };
    return e;
  }

  /**
   * Before an array is (re)allocated, the reverse sweep continues with the array it had before: zero
   * its adjoint, and where the array's length may differ from one allocation to the next, give the
   * adjoint that array's length (reading the array makes the to-be-recorded analysis keep it).
   */
  private resetArrayAdjoint(root: string): Stmt[] {
    if (this.pointers.shared.has(root)) return [{ k: "assign", target: { k: "var", name: this.adj(root) }, op: "=", value: this.sharedAdjoint(root) }];
    const a = this.adj(root);
    if (this.isNested(root)) {
      // Shaped again like the array restored (its rows may be other rows, of other lengths): the
      // restore runs before this, and reading the array makes the to-be-recorded analysis keep it.
      this.resizedAdjoints.add(a);
      const t = writable(this.fn.locals.get(root)!.t);
      return [{ k: "assign", target: { k: "var", name: a }, op: "=", value: { k: "arraylit", elems: [] } }, ...zeroRows(ref(a), t, ref(root), () => this.names.fresh("i"))];
    }
    if (!this.varyingLength(root)) return [this.zeroArray(a)];
    this.resizedAdjoints.add(a);
    const length: Expr = { k: "length", arr: ref(root) };
    return [
      {
        k: "if",
        cond: { k: "cmp", op: "===", a: { k: "length", arr: ref(a) }, b: length },
        then: [this.zeroArray(a)],
        else: [{ k: "assign", target: { k: "var", name: a }, op: "=", value: this.zeroAdjoint(root) }],
      },
    ];
  }

  /** Whether the array may get another length from one allocation to the next (sizes that vary, a call's result). */
  private varyingLength(root: string): boolean {
    let known = this.lengthVaries.get(root);
    if (known !== undefined) return known;
    const { sizes, varies } = this.allocationSizes(root);
    known = varies || sizes.size > 1;
    this.lengthVaries.set(root, known);
    return known;
  }

  /**
   * The sizes the function allocates the array with, by their text (`new Float64Array(d)`, `[0, 0]`), and
   * whether some allocation's size may vary (it reads a variable the function writes, or is a call's result).
   */
  private allocationSizes(root: string): { sizes: Map<string, Expr>; varies: boolean } {
    this.writtenInBody ??= writtenNames(this.fn.body);
    const written = this.writtenInBody;
    const sizes = new Map<string, Expr>();
    let varies = false;
    const note = (value: Expr): void => {
      if (value.k === "zeros" && ![...exprReads(value.size)].some((n) => written.has(n))) sizes.set(printExpr(value.size), value.size);
      else if (value.k === "arraylit") sizes.set(String(value.elems.length), num(value.elems.length));
      else varies = true;
    };
    forEachVarWrite(this.fn.body, (name, value) => {
      if (name === root) note(value);
    });
    return { sizes, varies };
  }

  /** Whether `bound` is the array's length wherever a loop that does not re-point it runs: its `.length`, or the one size it is allocated with. */
  private isLength(root: string, bound: Expr): boolean {
    if (bound.k === "length" && bound.arr.k === "var" && bound.arr.name === root) return true;
    if (this.fn.params.some((p) => p.name === root)) return false;
    const { sizes, varies } = this.allocationSizes(root);
    return !varies && sizes.size === 1 && sameCode([...sizes.values()][0], bound);
  }

  /**
   * Push the adjoint `ab` of expression `e` down to its leaves: `x_b += ∂e/∂x * ab`. `result` names a
   * variable already holding e's value, for rules that read their result (exp, sqrt, ...).
   */
  private distribute(e: Expr, ab: Expr, result?: Expr): void {
    if (!this.act.isActive(e)) return;
    switch (e.k) {
      case "var":
        if (this.isArray(e.name))
          throw new CompileError({ code: ADC.aliasedActiveArray, message: `reverse mode cannot follow the active array '${e.name}' used as a value here`, pos: this.here() });
        if (this.isRecord(e.name)) throw this.recordAsValue();
        this.accumulate({ k: "var", name: this.adj(e.name) }, ab);
        return;
      case "field":
        // A record parameter's fields have adjoints of their own (`p_b_x`), returned as a record.
        if (e.obj.k !== "var" || !this.isRecord(e.obj.name)) throw this.recordAsValue();
        this.accumulate({ k: "var", name: this.fieldAdj(e.obj.name, e.name) }, ab);
        return;
      case "record":
        throw this.recordAsValue();
      case "index": {
        // An element of a row (`m[i][j]`): its adjoint is at the same place of the root's (`m_b[i][j]`).
        if (e.arr.k === "index" && placeRoot(e) !== undefined) {
          this.accumulate(placeOn(e as LValue, this.adj(placeRoot(e)!)), ab);
          return;
        }
        if (e.arr.k !== "var")
          throw new CompileError({
            code: ADC.nestedActiveArray,
            message:
              e.arr.k === "index"
                ? "arrays of arrays cannot hold active values"
                : "reverse mode reads active elements of array variables only, not of an array expression (write c ? a[i] : b[i], not (c ? a : b)[i])",
            pos: e.pos ?? this.here(),
          });
        this.accumulate({ k: "index", arr: this.adjRef(e.arr.name), index: e.index }, ab);
        return;
      }
      case "neg":
        this.distribute(e.a, neg(ab));
        return;
      case "bin":
        this.binary(e, ab, result);
        return;
      case "math":
        this.applyRule(e, e.args, ab, (vs) => ({ ...e, args: vs }), result);
        return;
      case "cond": {
        const a = this.sub(() => this.distribute(e.a, ab));
        const b = this.sub(() => this.distribute(e.b, ab));
        if (a.length > 0 || b.length > 0) this.out.push({ k: "if", cond: e.c, then: a, ...(b.length > 0 ? { else: b } : {}) });
        return;
      }
      case "call":
        throw new CompileError({ code: ADC.unsupportedExpression, message: `the call of ${e.fn} with active arguments must be a statement of its own here`, pos: e.pos });
      default:
        throw new CompileError({ code: ADC.unsupportedExpression, message: `reverse mode cannot differentiate this ${e.k} expression`, pos: this.here() });
    }
  }

  /** Statements produced by `f` into a list of their own. */
  private sub(f: () => void): Stmt[] {
    const saved = this.out;
    this.out = [];
    f();
    const result = this.out;
    this.out = saved;
    return result;
  }

  private binary(e: Extract<Expr, { k: "bin" }>, ab: Expr, result?: Expr): void {
    const aActive = this.act.isActive(e.a);
    const bActive = this.act.isActive(e.b);
    const shared = aActive && bActive ? this.keep(ab, "t_b") : ab;
    switch (e.op) {
      case "+":
        this.distribute(e.a, shared);
        this.distribute(e.b, shared);
        return;
      case "-":
        this.distribute(e.a, shared);
        this.distribute(e.b, neg(shared));
        return;
      case "*": {
        // x * x: one contribution, 2 x ȳ (a square is common: norms, Gaussians).
        if (aActive && bActive && sameCode(e.a, e.b) && !containsCall(e.a)) {
          this.distribute(e.a, mul(num(2), mul(ab, this.keep(e.a))));
          return;
        }
        const a = bActive ? this.keep(e.a) : e.a;
        const b = aActive ? this.keep(e.b) : e.b;
        // A factor kept in a temporary is the result its own rule may read (exp(u) * v: exp once).
        if (aActive) this.distribute(e.a, mul(shared, b), a !== e.a ? a : undefined);
        if (bActive) this.distribute(e.b, mul(a, shared), b !== e.b ? b : undefined);
        return;
      }
      case "/": {
        const b = this.keep(e.b);
        if (aActive) this.distribute(e.a, div(shared, b));
        // ∂(a/b)/∂b = -a/b², written as -(ȳ a)/(b b).
        if (bActive) this.distribute(e.b, neg(div(mul(shared, this.keep(e.a)), mul(b, b))), b !== e.b ? b : undefined);
        return;
      }
      case "%": {
        // a % b = a - trunc(a / b) * b, and trunc is piecewise constant.
        this.distribute(e.a, shared);
        if (bActive) this.distribute(e.b, neg(mul({ k: "math", fn: "trunc", args: [div(e.a, e.b)] }, shared)));
        return;
      }
      case "**":
        this.applyRule(undefined, [e.a, e.b], ab, (vs) => ({ k: "bin", op: "**", a: vs[0], b: vs[1] }), result);
        return;
    }
  }

  /**
   * The adjoint through an intrinsic `e` (a power `a ** b` where undefined): argument i receives
   * partial_i × ȳ, partials from the rule table (or the user's rule).
   */
  private applyRule(e: Extract<Expr, { k: "math" }> | undefined, args: readonly Expr[], ab: Expr, build: (values: Expr[]) => Expr, result?: Expr): void {
    const fn = e?.fn ?? "pow";
    const rule = e !== undefined ? ruleOf(e) : rules.pow;
    if (rule === undefined || rule.zeroDerivative) return;
    const active = args.map((a) => this.act.isActive(a));
    const callee = e?.rule !== undefined ? this.ctx.ruleCallee(e.rule) : "";
    // Keep in a temporary only the arguments the partials read (exp reads its result, not its argument).
    const placeholders = args.map((_, i) => ref(`\u0000${i}`));
    const probe = rule.partials(e !== undefined ? ruleAlgebra(e, callee) : irAlgebra, placeholders, ref("\u0000y"));
    const read = new Set<string>();
    for (const p of probe) exprReads(p, read);
    const values = args.map((a, i) => (read.has(`\u0000${i}`) || (rule.usesResult && result === undefined) ? this.keep(a) : a));
    let y = result;
    if (rule.usesResult && y === undefined) y = this.keep(build(values));
    // Under forward mode (Hessians), x^p's guard `p === 0 ? 0 : p x^(p-1)` would be differentiated as the
    // constant 0 where p is 0, losing ∂²/∂x∂p = x^(p-1) when p is active: take the partial itself there
    // (it is undefined only at x = 0). An inactive p has no tangent, so its guard stays: without it
    // p = 0 at x = 0 gives 0 · 0^-1 = NaN in the gradient and the Hessian.
    const zeroGuard = (op: string, rhs: Expr, then: Expr): boolean => op === "===" && rhs.k === "num" && rhs.value === 0 && then.k === "num" && then.value === 0;
    const algebra =
      this.ctx.forHessian && fn === "pow" && active[1]
        ? { ...irAlgebra, select: (l: Expr, op: Comparison, r: Expr, then: Expr, otherwise: Expr) => (zeroGuard(op, r, then) ? otherwise : irAlgebra.select(l, op, r, then, otherwise)) }
        : e !== undefined
          ? ruleAlgebra(e, callee, { fresh: (base) => this.names.fresh(base), push: (s) => this.out.push(s) })
          : irAlgebra;
    const partials = rule.partials(algebra, values, y ?? build(values));
    // Where a partial can be infinite (sqrt at 0, acos at ±1), a zero adjoint must contribute 0, not 0 · ∞.
    // Not under forward mode (Hessians): there an adjoint that is 0 may still have a tangent, whose
    // term `partial · tangent` the test would drop.
    const singular = !this.ctx.forHessian && rule.singular?.(values.map((v) => (v.k === "num" ? v.value : undefined))) === true;
    const shared = active.filter(Boolean).length > 1 || singular ? this.keep(ab, "t_b") : ab;
    args.forEach((a, i) => {
      if (!active[i]) return;
      const contribution = mul(partials[i], shared);
      this.distribute(a, singular ? select(shared, "===", num(0), num(0), contribution) : contribution);
    });
  }

  // ---------------------------------------------------------------- calls

  private callNeedsReverse(call: CallExpr): boolean {
    if (this.act.isActive(call)) return true;
    const params = this.act.calleeParams(call.target);
    return call.args.some((a, i) => params[i]?.shape === "array" && this.act.isActive(a));
  }

  private callAdjoint(target: LValue | undefined, call: CallExpr): void {
    if (!this.callNeedsReverse(call)) {
      // The call's result does not depend on active values: an active target is simply overwritten.
      const root = target !== undefined ? lvalueRoot(target) : undefined;
      if (target !== undefined && root !== undefined && this.act.active.has(root)) {
        if (target.k === "var" && this.isArray(root)) this.out.push(...this.resetArrayAdjoint(root));
        else if (target.k === "index" && this.placeType(target).k === "array") this.out.push(this.zeroNumbers(placeOn(target, this.adj(root)) as Expr, this.placeType(target)));
        else this.out.push({ k: "assign", target: placeOn(target, this.adj(root)), op: "=", value: num(0) });
      }
      return;
    }
    const activeParams = this.act.calleeActiveParams(call);
    const returnActive = this.act.isActive(call);
    const params = this.act.calleeParams(call.target);
    const names = this.ctx.splitNames(call, activeParams);
    const args = allArguments(call.args, params.length);
    params.forEach((p, i) => {
      if (!activeParams.includes(p.name) || p.shape !== "array") return;
      const arg = call.args[i];
      // A row of an array of arrays (`dot(m[i], x)`): g_bwd accumulates into the row of its adjoint (`m_b[i]`).
      const row = arg.k === "index" ? placeRoot(arg) : undefined;
      if (row !== undefined && this.isArray(row)) {
        if (this.ctx.writtenArrayParams(call.target).has(p.name))
          throw new CompileError({ code: ADC.nestedArrayForm, message: `reverse mode cannot pass a row of the array of arrays '${row}' to ${call.fn}, which writes it (the caller cannot save that row); pass a variable holding a copy`, pos: call.pos });
        args.push(placeOn(arg as LValue, this.adj(row)) as Expr);
        return;
      }
      if (arg.k !== "var")
        throw new CompileError({ code: ADC.activeArgumentNotVariable, message: `pass a variable as argument ${i + 1} of ${call.fn}: reverse mode accumulates its adjoint there`, pos: call.pos });
      args.push(this.adjRef(arg.name));
    });
    let targetAdjoint: LValue | undefined;
    const root = target !== undefined ? lvalueRoot(target) : undefined;
    const recordResult = root !== undefined && this.isRecord(root) && this.act.active.has(root);
    if (recordResult) {
      // A record result: g_bwd takes its fields' adjoints as one record (`q` is given once: no reset).
      if (returnActive) args.push(this.recordAdjoint(root));
    } else if (target !== undefined && root !== undefined && this.act.active.has(root))
      targetAdjoint = placeOn(target, this.adj(root));
    // A callee that may return an array passed to it (`return v`): the result's adjoint and that
    // argument's may be one array.
    const returnsArgument = targetAdjoint?.k === "var" && this.isArray(root!) && this.ctx.returnedParams(call.target).size > 0;
    if (returnActive && targetAdjoint?.k === "var" && this.isArray(root!) && call.args.some((x, i) => x.k === "var" && x.name === root && activeParams.includes(params[i]?.name) && params[i]?.shape === "array")) {
      // `v = g(v)`: the result's adjoint is the seed, and the argument (the array v held before) gets
      // an adjoint of its own (fresh, or that of another name of it) before g_bwd adds to it.
      const seed = this.names.fresh(`${root}_b_result`);
      if (returnsArgument) this.out.push(...this.moveArrayAdjoint(root!, seed));
      else this.out.push({ k: "let", decl: "const", decls: [{ name: seed, init: ref(targetAdjoint.name) }] });
      if (this.pointers.shared.has(root!)) this.out.push(...this.resetArrayAdjoint(root!));
      else {
        this.resizedAdjoints.add(targetAdjoint.name);
        this.out.push({ k: "assign", target: targetAdjoint, op: "=", value: this.zeroAdjoint(root!) });
      }
      targetAdjoint = undefined;
      args.push(ref(seed));
    } else if (returnActive && !recordResult) {
      if (targetAdjoint === undefined) {
        if (this.ctx.returnShape(call.target) === "array")
          throw new CompileError({ code: ADC.unsupportedStatement, message: `the array ${call.fn} returns is dropped; assign it to a variable`, pos: call.pos });
        args.push(num(0));
      } else if (targetAdjoint.k === "index" && targetAdjoint.arr.k === "var" && args.some((x) => sameCode(x, (targetAdjoint as Extract<LValue, { k: "index" }>).arr))) {
        // The result goes into an element of an array whose adjoint g_bwd also accumulates into
        // (`v[0] = g(v)`): take the seed and clear the element first.
        const seed = this.names.fresh("seed_b");
        this.out.push({ k: "let", decl: "const", decls: [{ name: seed, init: targetAdjoint }] });
        this.out.push({ k: "assign", target: targetAdjoint, op: "=", value: num(0) });
        targetAdjoint = undefined;
        args.push(ref(seed));
      } else if (returnsArgument) {
        // The result may be an array passed in, whose adjoint g_bwd also adds to: move the seed out first.
        const seed = this.names.fresh(`${root}_b_result`);
        this.out.push(...this.moveArrayAdjoint(root!, seed));
        args.push(ref(seed));
      } else args.push(targetAdjoint.k === "var" ? ref(targetAdjoint.name) : targetAdjoint);
    }
    const bwdTarget = this.ctx.forHessian ? splitTarget(call.target, "bwd", activeParams) : call.target;
    const bwd: Expr = { k: "call", fn: names.bwd, target: bwdTarget, args, pos: call.pos };
    const read = this.ctx.reverseReadArrays(call.target, activeParams);
    const unread = new Set(params.flatMap((p, i) => (p.shape === "array" && call.args[i]?.k === "var" && !read.has(p.name) ? [i] : [])));
    if (unread.size > 0) this.unreadArguments.set(bwd, unread);
    // g_bwd returns the adjoints of the numbers, and of each number field of a record, in order.
    const scalars = params
      .map((p, i) => ({ p, i }))
      .filter(({ p }) => activeParams.includes(p.name) && (p.shape === "num" || p.shape === "record"))
      .flatMap(({ p, i }) => (p.shape === "record" ? numberFields(p.t).map((f) => ({ p, i, field: f as string | undefined })) : [{ p, i, field: undefined as string | undefined }]));
    const zeroTarget = (): void => {
      if (targetAdjoint === undefined) return;
      if (targetAdjoint.k === "var" && this.isArray(root!)) this.out.push(...this.resetArrayAdjoint(root!));
      else if (this.placeType(target!).k === "array") this.out.push(this.zeroNumbers(targetAdjoint as Expr, this.placeType(target!)));
      else this.out.push({ k: "assign", target: targetAdjoint, op: "=", value: num(0) });
    };
    if (scalars.length === 0) {
      this.out.push({ k: "expr", expr: bwd });
      zeroTarget();
      return;
    }
    const base = call.fn.slice(call.fn.lastIndexOf(".") + 1);
    const results = scalars.map(({ p, field }) => this.names.fresh(`${base}_${p.name}_b${field !== undefined ? `_${field}` : ""}`));
    if (results.length === 1) this.out.push({ k: "let", decl: "const", decls: [{ name: results[0], init: bwd }] });
    else this.out.push({ k: "destructure", decl: "const", names: results, value: bwd });
    zeroTarget();
    scalars.forEach(({ i, field }, k) => {
      const arg = call.args[i];
      if (field === undefined) this.distribute(arg, ref(results[k]));
      else if (arg.k === "record") {
        const given = arg.fields.find((f) => f.name === field);
        if (given !== undefined) this.distribute(given.value, ref(results[k]));
      } else if (arg.k === "var") this.distribute({ k: "field", obj: arg, name: field }, ref(results[k]));
      else throw this.recordAsValue();
    });
  }

  /** `seed = <the adjoint of root's array>` as a new array, that adjoint left zero. */
  private moveArrayAdjoint(root: string, seed: string): Stmt[] {
    this.zeroIndex ??= this.names.fresh("j");
    const j = this.zeroIndex;
    const adjoint = this.adjRef(root);
    return [
      { k: "let", decl: "const", decls: [{ name: seed, init: this.zeroAdjoint(root, adjoint) }] },
      {
        k: "for",
        init: [{ k: "let", decl: "let", decls: [{ name: j, init: num(0) }] }],
        cond: { k: "cmp", op: "<", a: ref(j), b: { k: "length", arr: adjoint } },
        update: [{ k: "assign", target: { k: "var", name: j }, op: "+=", value: num(1), increment: "++" }],
        body: [
          { k: "assign", target: { k: "index", arr: ref(seed), index: ref(j) }, op: "=", value: { k: "index", arr: adjoint, index: ref(j) } },
          { k: "assign", target: { k: "index", arr: adjoint, index: ref(j) }, op: "=", value: num(0) },
        ],
      },
    ];
  }

  private arraysWritten(s: Stmt): string[] {
    const call = callOf(s);
    if (call === undefined) return [];
    const written = this.ctx.writtenArrayParams(call.target);
    const params = this.act.calleeParams(call.target);
    const out: string[] = [];
    call.args.forEach((a, i) => {
      if (a.k === "var" && this.isArray(a.name) && params[i] !== undefined && written.has(params[i].name) && !out.includes(a.name)) out.push(a.name);
    });
    return out;
  }

  private invertible(s: Stmt): boolean {
    if (s.k !== "assign" || s.target.k !== "var" || (s.op !== "+=" && s.op !== "-=")) return false;
    const v = s.value;
    return v.k === "num" && Number.isInteger(v.value) && !this.act.active.has(s.target.name) && this.indexVariables.has(s.target.name);
  }

  // ---------------------------------------------------------------- loops

  private counted(s: Stmt): CountedLoop | undefined {
    if (this.countedMemo.has(s)) return this.countedMemo.get(s);
    const c = countedLoop(s, this.indexVariables, (n) => this.aliasesOf(n));
    this.countedMemo.set(s, c);
    return c;
  }

  /**
   * A counted loop that only folds `m = Math.max(m, e)` (or min) over its index, or only overwrites m
   * with e under a condition (`if (e > m) m = e`, `m = e > m ? e : m`): the whole adjoint of m goes to e
   * at the last iteration that changed m (or stays with m's value before the loop), so the forward sweep
   * records that one index instead of m, or the branch taken, at every iteration. The conditional form
   * needs no comparison at all: a later write of m makes the adjoints of the earlier ones zero, so only
   * the last write's e receives m̄, whatever the condition (a maximum, a minimum, a first or last match).
   */
  private reduction(s: Stmt): Reduction | undefined {
    if (this.reductionMemo.has(s)) return this.reductionMemo.get(s);
    const found = this.findReduction(s);
    this.reductionMemo.set(s, found);
    return found;
  }

  private findReduction(s: Stmt): Reduction | undefined {
    const counted = this.counted(s);
    if (counted === undefined || s.k !== "for" || s.body.length !== 1) return undefined;
    const fold = foldOf(s.body[0]);
    if (fold === undefined) return undefined;
    const { target, value } = fold;
    if (target === counted.index || this.isArray(target) || !this.act.active.has(target)) return undefined;
    let other: Expr;
    let form: Reduction["fold"];
    if (fold.when !== undefined) {
      if (containsCallOrOpaque(fold.when)) return undefined;
      other = value;
      form = { when: fold.when };
    } else if (value.k === "cond" && ((value.b.k === "var" && value.b.name === target) || (value.a.k === "var" && value.a.name === target))) {
      // `m = c ? e : m` is `if (c) m = e`; `m = c ? m : e` is `if (!c) m = e`.
      const keepsOnFalse = value.b.k === "var" && value.b.name === target;
      if (containsCallOrOpaque(value.c)) return undefined;
      other = keepsOnFalse ? value.a : value.b;
      form = { when: keepsOnFalse ? value.c : { k: "not", a: value.c } };
    } else if (value.k === "math" && (value.fn === "max" || value.fn === "min") && value.args.length === 2) {
      const [a, b] = value.args;
      const targetFirst = a.k === "var" && a.name === target;
      if (!targetFirst && !(b.k === "var" && b.name === target)) return undefined;
      other = targetFirst ? b : a;
      form = { fn: value.fn, targetFirst };
    } else return undefined;
    if (exprReads(other).has(target) || containsCallOrOpaque(other)) return undefined;
    return { target, index: counted.index, other, fold: form, at: this.names.fresh(`${target}_at`), none: sub(counted.start, num(counted.step)) };
  }

  /** `if (m_at !== none) { e̅ at m_at += m̄; m̄ = 0; }` */
  private reductionAdjoint(r: Reduction): void {
    const atWinner = renameReads(r.other, (n) => (n === r.index ? r.at : n));
    const win = this.sub(() => {
      this.distribute(atWinner, this.adjRef(r.target));
      this.out.push({ k: "assign", target: { k: "var", name: this.adj(r.target) }, op: "=", value: num(0) });
    });
    this.out.push({ k: "if", cond: { k: "cmp", op: "!==", a: ref(r.at), b: r.none }, then: win });
  }

  /** The index of a reduction's winner is pushed, unless the reverse sweep runs in the same scope once. */
  private reductionPushes(s: Stmt): boolean {
    return !(this.jointShape && this.body.includes(s));
  }

  // ---------------------------------------------------------------- checkpointed loops

  private readonly checkpointMemo = new Map<Stmt, CheckpointedLoop>();

  /**
   * A loop under `// @checkpoint` whose reverse does something, in f_grad/f_vjp (checkpoint.ts); a
   * callee's halves and forward over reverse (Hessians) tape it as any loop, and so does a reduction.
   */
  private checkpointed(s: Extract<Stmt, { k: "for" }>): CheckpointedLoop | undefined {
    if (s.checkpoint === undefined || !this.jointShape || this.ctx.forHessian || this.reduction(s) !== undefined) return undefined;
    let loop = this.checkpointMemo.get(s);
    if (loop === undefined) {
      if (this.reverseList(s.body).length === 0) return undefined;
      loop = new CheckpointedLoop(this.checkpointHost(), s);
      this.checkpointMemo.set(s, loop);
    }
    return loop;
  }

  private checkpointHost(): CheckpointHost {
    return {
      fn: this.fn,
      body: this.body,
      names: this.names,
      tapeCall: (method, args) => this.tape(method, args),
      isActive: (e) => this.act.isActive(e),
      isArray: (n) => this.isArray(n),
      aliasesOf: (n) => this.aliasesOf(n),
      arraysWritten: (s) => this.arraysWritten(s),
      counted: (s) => this.counted(s),
      isInteger: (e) => isIntegerExpr(e, this.indexVariables),
      forwardList: (stmts, hoisted) => {
        const saved = this.hoisted;
        this.hoisted = new Set([...saved, ...hoisted]);
        try {
          return this.forwardList(stmts);
        } finally {
          this.hoisted = saved;
        }
      },
      declaration: (n) => this.declaration(n),
      saves: (st) => this.tbr.saves.has(st),
      reverseList: (stmts) => this.reverseList(stmts),
      current: (n) => (this.declaredWithoutValue().has(n) ? { k: "var", name: n, nonNull: true } : ref(n)),
      saveIndex: (s) => (this.tbr.savesIndex.has(s) ? [this.save({ k: "var", name: this.counted(s)!.index })] : []),
      restoreIndex: (s) => (this.tbr.savesIndex.has(s) ? [this.restore({ k: "var", name: this.counted(s)!.index })] : []),
    };
  }

  // ---------------------------------------------------------------- the reverse sweep

  private reverseList(stmts: readonly Stmt[]): Stmt[] {
    const out: Stmt[] = [];
    for (let i = stmts.length - 1; i >= 0; i--) out.push(...this.reverse(stmts[i]));
    return out;
  }

  private reverse(s: Stmt): Stmt[] {
    let r = this.reverseMemo.get(s);
    if (r === undefined) {
      r = this.reverseOf(s);
      this.reverseMemo.set(s, r);
    }
    return r;
  }

  /** Restore what a statement overwrote: `x = tape.pop()`. */
  private restore(target: LValue): Stmt {
    const root = lvalueRoot(target)!;
    if (target.k === "var" && this.isArray(root)) {
      const kind = this.ctx.localType(root) ?? (this.isNested(root) ? typeText(this.fn.locals.get(root)!.t) : arrayTypeText(this.arrayKind(root)));
      if (this.ctx.forHessian && this.act.active.has(root))
        return { k: "assign", target, op: "=", value: this.tape("popArrayActive", [ref(root), ...this.activityWitness()]) };
      return { k: "assign", target, op: "=", value: { ...this.tape("popArray"), fn: `${this.ctx.tape}.popArray<${kind}>` } as Expr };
    }
    if (target.k === "var" && this.byReference(root))
      return { k: "assign", target, op: "=", value: { ...this.tape("popValue"), fn: `${this.ctx.tape}.popValue<${this.nameableType(root)}>` } as Expr };
    // A row of an array of arrays goes on the tape's array stack, by reference, as an array variable does.
    if (target.k === "index" && this.placeType(target).k === "array")
      return { k: "assign", target, op: "=", value: { ...this.tape("popArray"), fn: `${this.ctx.tape}.popArray<${typeText(this.placeType(target))}>` } as Expr };
    const current: Expr = target.k === "var" ? ref(target.name) : { k: "index", arr: target.arr, index: target.index };
    if (this.ctx.forHessian && this.act.active.has(root)) return { k: "assign", target, op: "=", value: this.tape("popActive", [current, ...this.activityWitness()]) };
    return { k: "assign", target, op: "=", value: this.tape("pop") };
  }

  /** Arrays saved whole before a call are restored after its adjoint (in the reverse order). */
  private restoreArrays(s: Stmt): Stmt[] {
    const saved = this.tbr.savedArrays.get(s) ?? [];
    return [...saved].reverse().map((a) => ({ k: "expr" as const, expr: this.tape("popAll", [ref(a)]) }));
  }

  private saveArrays(s: Stmt): Stmt[] {
    const nested = (this.tbr.savedArrays.get(s) ?? []).find((a) => this.isNested(a));
    if (nested !== undefined)
      throw new CompileError({ code: ADC.nestedArrayForm, message: `reverse mode needs the values of the array of arrays '${nested}' that this call (or code it inlines) overwrites, and saves whole arrays of numbers only; write into a copy`, pos: stmtPos(s) ?? this.fn.pos });
    return (this.tbr.savedArrays.get(s) ?? []).map((a) => ({ k: "expr" as const, expr: this.tape("pushAll", [ref(a)]) }));
  }

  /**
   * A g_bwd has no forward sweep, so a variable it only pops would look constant to activity analysis:
   * an active parameter passed along (and ignored) says the popped value varies with the inputs.
   */
  private activityWitness(): Expr[] {
    const p = this.act.activeParams[0];
    return p !== undefined ? [ref(p)] : [];
  }

  private save(target: LValue): Stmt {
    const root = lvalueRoot(target)!;
    if (target.k === "var" && this.isArray(root)) return { k: "expr", expr: this.tape("pushArray", [ref(root)]) };
    // The tape's number stack holds numbers only: anything else goes by reference.
    if (target.k === "var" && this.byReference(root)) return { k: "expr", expr: this.tape("pushValue", [ref(root)]) };
    if (target.k === "index" && this.placeType(target).k === "array") return { k: "expr", expr: this.tape("pushArray", [{ k: "index", arr: target.arr, index: target.index }]) };
    // A number declared without a value (`let t;`) may be saved before its first assignment, a read
    // strict TypeScript rejects: `t!` (the tape keeps NaN for undefined, and nothing reads that value).
    const current: Expr = target.k === "var" ? (this.declaredWithoutValue().has(root) ? { k: "var", name: root, nonNull: true } : ref(root)) : { k: "index", arr: target.arr, index: target.index };
    return { k: "expr", expr: this.tape("push", [current]) };
  }

  private withoutValue?: ReadonlySet<string>;

  /** The locals some declaration of the body leaves without a value. */
  private declaredWithoutValue(): ReadonlySet<string> {
    if (this.withoutValue === undefined) {
      const names = new Set<string>();
      walkStmts(this.body, (st) => {
        if (st.k === "let") for (const d of st.decls) if (d.init === undefined) names.add(d.name);
      });
      this.withoutValue = names;
    }
    return this.withoutValue;
  }

  /** A variable the tape keeps by reference: not a number, or a number that may be null (Float64Array would make it 0). */
  private byReference(name: string): boolean {
    const info = this.fn.locals.get(name);
    if (info?.nullable && this.ctx.forHessian && this.act.active.has(name))
      throw new CompileError({
        code: ADC.unsupportedStatement,
        message: `the Hessian needs the values of '${name}' that later code overwrites, and its tape keeps numbers with their tangents, not null: declare '${name}' as a number`,
        pos: this.declaredAt(name),
      });
    return info?.shape === "other" || info?.nullable === true;
  }

  private reverseOf(s: Stmt): Stmt[] {
    switch (s.k) {
      case "let":
      case "assign": {
        // Lowering gives each declaration a statement of its own, except in a for-loop header.
        const active = s.k === "let" && s.decls.length > 1 ? s.decls.find((d) => d.init !== undefined && this.act.isActive(d.init)) : undefined;
        if (active !== undefined)
          throw new CompileError({ code: ADC.activeLoopHeader, message: `reverse mode cannot differentiate '${active.name}' declared beside another variable in this for-loop header; declare it before the loop`, ...(active.pos !== undefined ? { pos: active.pos } : {}) });
        if (s.k === "let" && (s.decls.length !== 1 || s.decls[0].init === undefined)) return [];
        const target: LValue = s.k === "let" ? { k: "var", name: s.decls[0].name } : s.target;
        const a = this.adjointOf(s);
        const restore = this.tbr.saves.has(s) ? [this.restore(target)] : this.tbr.undoes.has(s) ? [undo(s as Extract<Stmt, { k: "assign" }>)] : [];
        const body = a.postOrder ? [...a.stmts, ...restore] : [...restore, ...a.stmts];
        return [...body, ...this.restoreArrays(s)];
      }
      case "expr":
        return [...this.adjointOf(s).stmts, ...this.restoreArrays(s)];
      case "if": {
        const then = this.reverseList(s.then);
        const otherwise = this.reverseList(s.else ?? []);
        if (then.length === 0 && otherwise.length === 0) return [];
        const cond: Expr = { k: "cmp", op: "===", a: this.tape("popControl"), b: num(1) };
        return [{ k: "if", cond, then, ...(otherwise.length > 0 ? { else: otherwise } : {}) }];
      }
      case "block": {
        const body = this.reverseList(s.body);
        if (s.inlined !== undefined) return this.regionGuard([...body, ...this.restoreArrays(s)]);
        return body.length > 0 ? [{ k: "block", body }] : [];
      }
      case "for": {
        const checkpointed = this.checkpointed(s);
        if (checkpointed !== undefined) return checkpointed.reverse();
        const counted = this.counted(s);
        const reduced = this.reduction(s);
        if (counted !== undefined && reduced !== undefined) {
          const pop: Stmt[] = this.reductionPushes(s) ? [{ k: "let", decl: "const", decls: [{ name: reduced.at, init: this.tape("pop") }] }] : [];
          const restoreTarget = this.tbr.saves.has(s) ? [this.restore({ k: "var", name: reduced.target })] : [];
          const restoreIndex = this.tbr.savesIndex.has(s) ? [this.restore({ k: "var", name: counted.index })] : [];
          return [...pop, ...restoreTarget, ...this.adjointOf(s).stmts, ...restoreIndex];
        }
        if (counted !== undefined) {
          const body = this.reverseList(s.body);
          const restoreIndex = this.tbr.savesIndex.has(s) ? [this.restore({ k: "var", name: counted.index })] : [];
          if (body.length === 0) return restoreIndex;
          const i = counted.index;
          const step = Math.abs(counted.step);
          const first = sub(counted.end ?? this.tape("pop"), num(counted.step));
          const cond: Expr = { k: "cmp", op: counted.step > 0 ? ">=" : "<=", a: ref(i), b: counted.start };
          const update: Stmt =
            step === 1
              ? { k: "assign", target: { k: "var", name: i }, op: counted.step > 0 ? "-=" : "+=", value: num(1), increment: counted.step > 0 ? "--" : "++" }
              : { k: "assign", target: { k: "var", name: i }, op: counted.step > 0 ? "-=" : "+=", value: num(step) };
          return [{ k: "for", init: [{ k: "assign", target: { k: "var", name: i }, op: "=", value: first }], cond, update: [update], body }, ...restoreIndex];
        }
        const body = [...this.reverseList(s.update), ...this.reverseList(s.body)];
        const init = this.reverseList(s.init);
        if (body.length === 0) return init;
        return [this.reverseLoop(body), ...init];
      }
      case "while":
      case "do": {
        const body = this.reverseList(s.body);
        return body.length > 0 ? [this.reverseLoop(body)] : [];
      }
      case "opaque":
        // `buf.fill(0)` on an array earlier adjoints read: saved whole before, restored here.
        return this.restoreArrays(s);
      default:
        return [];
    }
  }

  private reverseLoop(body: Stmt[]): Stmt {
    const k = this.names.fresh("iteration");
    return {
      k: "for",
      init: [{ k: "let", decl: "let", decls: [{ name: k, init: this.tape("popControl") }] }],
      cond: { k: "cmp", op: ">", a: ref(k), b: num(0) },
      update: [{ k: "assign", target: { k: "var", name: k }, op: "-=", value: num(1), increment: "--" }],
      body,
    };
  }

  // ---------------------------------------------------------------- the forward sweep

  private forwardList(stmts: readonly Stmt[]): Stmt[] {
    return stmts.flatMap((s) => this.forward(s));
  }

  /** A call whose derivative the reverse sweep needs goes to the callee's forward sweep. */
  private forwardCall(e: Expr): Expr {
    if (e.k !== "call" || !this.callNeedsReverse(e)) return e;
    const names = this.ctx.splitNames(e, this.act.calleeActiveParams(e));
    const activeParams = this.act.calleeActiveParams(e);
    return { ...e, fn: names.fwd, ...(this.ctx.forHessian ? { target: splitTarget(e.target, "fwd", activeParams) } : {}) };
  }

  /**
   * A call of a callee's forward sweep pushes on the tape itself, so the old value of the variable it
   * overwrites is pushed after the call (and popped before the callee's reverse sweep):
   * `const g2 = g_fwd(x); tape.push(y); y = g2;`.
   */
  private afterCall(value: Expr, out: Stmt[]): Expr {
    if (value.k !== "call" || !this.callNeedsReverse(value)) return value;
    const t = this.names.fresh(value.fn.slice(value.fn.lastIndexOf(".") + 1).replace(/_fwd.*$/, ""));
    out.push({ k: "let", decl: "const", decls: [{ name: t, init: value }] });
    return ref(t);
  }

  private forward(s: Stmt): Stmt[] {
    switch (s.k) {
      case "let": {
        if (s.decls.length !== 1) {
          // Declarations without values: those moved to the top go.
          const kept = s.decls.filter((d) => !this.hoisted.has(d.name));
          return kept.length > 0 ? [{ ...s, decls: kept }] : [];
        }
        const d = s.decls[0];
        let init = d.init !== undefined ? this.forwardCall(d.init) : undefined;
        const pre = this.saveArrays(s);
        if (this.tbr.saves.has(s)) {
          init = this.afterCall(init!, pre);
          pre.push(this.save({ k: "var", name: d.name }));
        }
        if (this.hoisted.has(d.name)) return init !== undefined ? [...pre, { k: "assign", target: { k: "var", name: d.name }, op: "=", value: init }] : [];
        return [...pre, { k: "let", decl: s.decl, decls: [{ ...d, ...(init !== undefined ? { init } : {}) }] }];
      }
      case "assign": {
        let value = this.forwardCall(s.value);
        const pre = this.saveArrays(s);
        if (this.tbr.saves.has(s)) {
          value = this.afterCall(value, pre);
          pre.push(this.save(s.target));
        }
        return [...pre, { ...s, value }];
      }
      case "expr":
        return [...this.saveArrays(s), { k: "expr", expr: this.forwardCall(s.expr) }];
      case "if": {
        const record = this.reverse(s).length > 0;
        const branch = (stmts: readonly Stmt[], taken: number): Stmt[] => [
          ...this.forwardList(stmts),
          ...(record ? [{ k: "expr" as const, expr: this.tape("pushControl", [num(taken)]) }] : []),
        ];
        const then = branch(s.then, 1);
        const otherwise = branch(s.else ?? [], 0);
        return [{ k: "if", cond: s.cond, then, ...(otherwise.length > 0 ? { else: otherwise } : {}) }];
      }
      case "block":
        // An inlined callee's statements go where the call was (their names are the caller's own).
        if (s.inlined !== undefined) return [...this.saveArrays(s), ...this.forwardList(s.body)];
        return [{ k: "block", body: this.forwardList(s.body) }];
      case "for": {
        const checkpointed = this.checkpointed(s);
        if (checkpointed !== undefined) return checkpointed.forward();
        const counted = this.counted(s);
        const reduced = this.reduction(s);
        if (counted !== undefined && reduced !== undefined) return this.reductionForward(s as Extract<Stmt, { k: "for" }>, counted, reduced);
        if (counted !== undefined) {
          const saveIndex = this.tbr.savesIndex.has(s) ? [this.save({ k: "var", name: counted.index })] : [];
          if (this.reverseList(s.body).length === 0) return [...saveIndex, s];
          const init: Stmt = { k: "assign", target: { k: "var", name: counted.index }, op: "=", value: counted.start };
          return [
            ...saveIndex,
            { k: "for", init: [init], ...(s.cond ? { cond: s.cond } : {}), update: s.update, body: this.forwardList(s.body) },
            ...(counted.end === undefined ? [{ k: "expr" as const, expr: this.tape("push", [ref(counted.index)]) }] : []),
          ];
        }
        const init = this.forwardList(s.init);
        const update = this.forwardList(s.update);
        const loopReversed = this.reverseList(s.body).length > 0 || this.reverseList(s.update).length > 0;
        if (!loopReversed) {
          const inlineInit = init.every(isInline) && init.length <= 1;
          return [...(inlineInit ? [] : init), { ...s, init: inlineInit ? init : [], update: update.every(isInline) ? update : [], body: update.every(isInline) ? this.forwardList(s.body) : [...this.forwardList(s.body), ...update] }];
        }
        const count = this.names.fresh("iterations");
        const inlineInit = init.every(isInline) && init.length <= 1;
        const inlineUpdate = update.every(isInline);
        const body = [increment(count), ...this.forwardList(s.body), ...(inlineUpdate ? [] : update)];
        return [
          ...(inlineInit ? [] : init),
          { k: "let", decl: "let", decls: [{ name: count, init: num(0) }] },
          { k: "for", init: inlineInit ? init : [], ...(s.cond ? { cond: s.cond } : {}), update: inlineUpdate ? update : [], body },
          { k: "expr", expr: this.tape("pushControl", [ref(count)]) },
        ];
      }
      case "while":
      case "do": {
        if (this.reverseList(s.body).length === 0) return [{ ...s, body: this.forwardList(s.body) }];
        const count = this.names.fresh("iterations");
        const body = [increment(count), ...this.forwardList(s.body)];
        return [
          { k: "let", decl: "let", decls: [{ name: count, init: num(0) }] },
          { ...s, body },
          { k: "expr", expr: this.tape("pushControl", [ref(count)]) },
        ];
      }
      case "opaque":
        return [...this.saveArrays(s), s];
      default:
        return [s];
    }
  }

  /**
   * The fold as written, plus `if (!(m >= e)) m_at = i;` before it (the per-step rule's choice); a
   * conditional overwrite becomes `if (c) { m_at = i; m = e; }`.
   */
  private reductionForward(s: Extract<Stmt, { k: "for" }>, counted: CountedLoop, r: Reduction): Stmt[] {
    const saveIndex = this.tbr.savesIndex.has(s) ? [this.save({ k: "var", name: counted.index })] : [];
    const saveTarget = this.tbr.saves.has(s) ? [this.save({ k: "var", name: r.target })] : [];
    const body: Stmt[] = [];
    const record: Stmt = { k: "assign", target: { k: "var", name: r.at }, op: "=", value: ref(counted.index) };
    if ("when" in r.fold) body.push({ k: "if", cond: r.fold.when, then: [record, { k: "assign", target: { k: "var", name: r.target }, op: "=", value: r.other }] });
    else {
      let other = r.other;
      if (!isCheap(other)) {
        const t = this.names.fresh("t");
        body.push({ k: "let", decl: "const", decls: [{ name: t, init: other }] });
        other = ref(t);
      }
      const op = r.fold.fn === "max" ? ">=" : "<=";
      const m = ref(r.target);
      const wins: Expr = r.fold.targetFirst ? { k: "not", a: { k: "cmp", op, a: m, b: other } } : { k: "cmp", op, a: other, b: m };
      const args = r.fold.targetFirst ? [m, other] : [other, m];
      body.push({ k: "if", cond: wins, then: [record] }, { k: "assign", target: { k: "var", name: r.target }, op: "=", value: { k: "math", fn: r.fold.fn, args } });
    }
    // The index keeps its own declaration unless the reverse sweep reads it (then it was moved to the top).
    const init: readonly Stmt[] = this.hoisted.has(counted.index) ? [{ k: "assign", target: { k: "var", name: counted.index }, op: "=", value: counted.start }] : s.init;
    return [
      ...saveIndex,
      ...saveTarget,
      { k: "let", decl: "let", decls: [{ name: r.at, init: r.none }] },
      { k: "for", init, ...(s.cond ? { cond: s.cond } : {}), update: s.update, body },
      ...(this.reductionPushes(s) ? [{ k: "expr" as const, expr: this.tape("push", [ref(r.at)]) }] : []),
    ];
  }

  // ---------------------------------------------------------------- assembling functions

  /**
   * Both sweeps. `referenced`: the locals the reverse sweep reads (a split reverse sweep declares them
   * all); those declared inside blocks move to the top of the function so the reverse sweep sees them.
   */
  private sweeps(): { forward: Stmt[]; reverse: Stmt[]; referenced: string[]; hoisted: string[] } {
    const reverse = this.reverseList(this.body);
    // Not those the reverse sweep declares itself (a checkpointed loop runs its body again there).
    const names = freeReads(reverse);
    const rerun = new Set<Stmt>();
    for (const loop of this.checkpointMemo.keys()) walkStmts((loop as Extract<Stmt, { k: "for" }>).body, (st) => rerun.add(st));
    for (const s of this.tbr.saves) {
      // A checkpointed loop saves and restores inside the block that runs its body again.
      if (rerun.has(s)) continue;
      const root = s.k === "let" ? s.decls[0].name : s.k === "assign" ? lvalueRoot(s.target) : undefined;
      if (root !== undefined) names.add(root);
    }
    // An array's adjoint is allocated from its length.
    for (const a of this.adjointsUsed.values()) if (this.isArray(a)) names.add(a);
    const params = new Set(this.fn.params.map((p) => p.name));
    const referenced = [...names].filter((n) => this.fn.locals.has(n) && !params.has(n)).sort();
    const hoisted = referenced.filter((n) => this.nestedDeclarations.has(n));
    this.hoisted = new Set(hoisted);
    const reverseSweep = assertAssigned(dropDeadResets(reverse, this.adjointsUsed, this.fn.params.map((p) => adjointName(this.names, p.name))), this.declaredWithoutValue());
    return { forward: flattenInlined(this.forwardList(this.body)), reverse: flattenInlined(reverseSweep), referenced, hoisted };
  }

  /** Make sure an active parameter has an adjoint, used or not (its gradient may be zero). */
  private ensureAdjoint(p: Param): void {
    if (p.shape === "record") for (const f of numberFields(p.t)) this.fieldAdj(p.name, f);
    else this.adj(p.name);
  }

  private declaration(name: string, init?: Expr): Stmt {
    const info = this.fn.locals.get(name)!;
    if (init !== undefined) return { k: "let", decl: "let", decls: [{ name, ...(info.shape === "num" ? {} : { type: this.typeOf(name) }), init }] };
    // A number that may be null keeps its type: the tape restores null.
    if (info.shape === "num") return { k: "let", decl: "let", decls: [{ name, ...(info.nullable ? { type: this.typeOf(name) } : {}), init: num(0) }] };
    if (info.shape === "array") {
      const type = this.typeOf(name);
      // A tuple or a type named after a parameter's holds no empty array: one in its place until the forward sweep assigns it.
      const empty: Expr =
        isTypedArray(info.arrayKind)
          ? this.zeros(info.arrayKind, num(0))
          : PLAIN_ARRAY_TYPE.test(type) || (isNestedArray(info.t) && type === typeText(info.t))
            ? { k: "arraylit", elems: [] }
            : { k: "opaque", text: `[] as unknown as ${type}`, reads: [], code: ADC.unsupportedExpression, reason: "an empty array in place", pos: this.fn.pos };
      return { k: "let", decl: "let", decls: [{ name, type, init: empty }] };
    }
    return { k: "let", decl: "let", decls: [{ name: `${name}!`, type: this.nameableType(name) }] };
  }

  /** The type of a variable of another type than number and array, as the reverse sweep declares it. */
  private nameableType(name: string): string {
    const type = this.fn.locals.get(name)?.type ?? this.ctx.localType(name);
    if (type === undefined) throw new CompileError({ code: ADC.unsupportedStatement, message: `reverse mode needs '${name}' after its block ends, but cannot name its type`, pos: this.declaredAt(name) });
    return type;
  }

  /** Where a local is declared (its first declaration), else the function. */
  private declaredAt(name: string): SourcePos {
    let found: SourcePos | undefined;
    const visit = (stmts: readonly Stmt[]): void => {
      for (const s of stmts) {
        if (found !== undefined) return;
        if (s.k === "let") found = s.decls.find((d) => d.name === name)?.pos;
        for (const child of childLists(s)) visit(child);
      }
    };
    visit(this.fn.body);
    return found ?? this.fn.pos;
  }

  private typeOf(name: string): string {
    const info = this.fn.locals.get(name)!;
    if (info.shape === "num") return info.nullable ? this.nameableType(name) : "number";
    if (info.shape === "other") return this.nameableType(name);
    return info.type ?? this.ctx.localType(name) ?? (isNestedArray(info.t) ? typeText(info.t) : arrayTypeText(info.arrayKind));
  }

  /** Declarations of the adjoints the reverse sweep uses (parameters' ones excepted when given). */
  private adjointDeclarations(skip: ReadonlySet<string>): Stmt[] {
    const out: Stmt[] = [];
    for (const primal of [...this.adjointsUsed.values()]) for (const t of this.pointers.targets.get(primal) ?? []) this.adj(t);
    this.completeSharedAdjoints();
    const entries = [...this.adjointsUsed.entries()].filter(([, primal]) => !skip.has(primal));
    const order = (primal: string): number => {
      const i = this.fn.params.findIndex((p) => p.name === primal);
      return i >= 0 ? i : this.fn.params.length;
    };
    // Pointers last: their adjoints start as the adjoints of the arrays they name.
    // Then the names of classes whose adjoints follow their arrays, in their class's order.
    const shared = (primal: string): number => (this.pointers.shared.has(primal) && !this.fn.params.some((p) => p.name === primal) ? 1 + this.pointers.shared.get(primal)!.indexOf(primal) : 0);
    const pointer = (primal: string): number => (this.pointers.targets.has(primal) ? 1 : 0);
    entries.sort((a, b) => shared(a[1]) - shared(b[1]) || pointer(a[1]) - pointer(b[1]) || order(a[1]) - order(b[1]) || a[0].localeCompare(b[0]));
    for (const [a, primal] of entries) {
      if (shared(primal) > 0) {
        out.push({ k: "let", decl: "let", decls: [{ name: a, init: this.sharedAdjoint(primal, true) }] });
        continue;
      }
      if (this.pointers.targets.has(primal)) {
        out.push({ k: "let", decl: "let", decls: [{ name: a, init: this.pointerAdjoint(primal) }] });
        continue;
      }
      if (this.isNested(primal)) out.push(...this.nestedAdjointDeclaration(a, primal));
      else if (this.isArray(primal)) out.push({ k: "let", decl: this.resizedAdjoints.has(a) ? "let" : "const", decls: [{ name: a, init: this.zeroAdjoint(primal) }] });
      else out.push({ k: "let", decl: "let", decls: [{ name: a, init: num(0) }] });
    }
    return out;
  }

  /** Where one name of a class whose adjoints follow their arrays has an adjoint, every name has one. */
  private completeSharedAdjoints(): void {
    for (const primal of [...this.adjointsUsed.values()]) for (const n of this.pointers.shared.get(primal) ?? []) this.adj(n);
  }

  private activeParams(): Param[] {
    return this.fn.params.filter((p) => this.act.activeParams.includes(p.name));
  }

  joint(opts: JointOptions): GeneratedFunction {
    const value = this.value;
    if (value === undefined) throw new Error("internal: a differentiable function returns a value");
    const valueActive = this.act.active.has(value);
    const seedName = valueActive ? this.adj(value) : undefined;
    const ybar = opts.seed === "parameter" ? this.names.fresh("ybar") : undefined;
    this.jointShape = true;
    const { forward, reverse: swept, hoisted } = this.sweeps();
    const reverse = this.scalarize(swept, false);
    const top = hoisted.map((n) => this.declaration(n));
    for (const p of this.activeParams()) this.ensureAdjoint(p);
    const adjoints = this.adjointDeclarations(new Set(valueActive ? [value] : []));
    const seed: Stmt[] = [];
    if (seedName !== undefined && this.fn.returnShape === "record") {
      // ȳ of a record result is a record: each number field's adjoint starts from its field.
      for (const f of numberFields(this.fn.returnT)) seed.push({ k: "let", decl: "let", decls: [{ name: this.fieldAdj(value, f), init: { k: "field", obj: ref(ybar!), name: f } }] });
    } else if (seedName !== undefined) {
      if (this.fn.returnShape === "num") seed.push({ k: "let", decl: "let", decls: [{ name: seedName, init: ybar !== undefined ? ref(ybar) : num(1) }] });
      // `let` where the reverse sweep points it at a new array (the result restored to one of another length).
      else if (isNestedArray(this.fn.returnT)) seed.push(...this.copyRows(seedName, ybar!, this.fn.returnT));
      else seed.push({ k: "let", decl: reassignedNames(reverse).has(seedName) ? "let" : "const", decls: [{ name: seedName, init: { k: "opaque", text: `${ybar}.slice()`, reads: [], code: ADC.unsupportedExpression, reason: "copy of the seed", pos: this.fn.pos } }] });
    }
    // The reverse sweep may restore the variable holding the result, or the elements of its array (a
    // parameter written in place and returned): keep the result first, its values too.
    let result = value;
    const kept: Stmt[] = [];
    const names = new Set([value]);
    if (this.isArray(value))
      forEachVarWrite(this.body, (name, assigned) => {
        if (name === value && assigned.k === "var") for (const n of this.aliasesOf(assigned.name)) names.add(n);
      });
    let elementsRestored = false;
    walkStmts(reverse, (st) => {
      if (st.k === "assign" && st.target.k === "index" && names.has(lvalueRoot(st.target) ?? "")) elementsRestored = true;
    });
    if (callsIn(reverse).some((c) => c.args.some((a) => a.k === "var" && names.has(a.name)))) elementsRestored = true;
    if (this.isNested(value) && elementsRestored) {
      result = this.names.fresh(`${value}_result`);
      kept.push(...this.copyRows(result, value, this.fn.locals.get(value)!.t));
    } else if (this.isArray(value) && elementsRestored) {
      result = this.names.fresh(`${value}_result`);
      kept.push({ k: "let", decl: "const", decls: [{ name: result, init: { k: "opaque", text: `${value}.slice()`, reads: [value], code: ADC.unsupportedExpression, reason: "copy of the result", pos: this.fn.pos } }] });
    } else if (writtenNames(reverse).has(value)) {
      result = this.names.fresh(`${value}_result`);
      kept.push({ k: "let", decl: "const", decls: [{ name: result, init: ref(value) }] });
    }
    const gradients = this.activeParams().map((p) => this.gradientOf(p));
    const params = primalParams(this.fn.params);
    // ȳ is read only (copied): any array of the result's length will do, a tuple result's too.
    const seedType = this.fn.returnShape === "num" ? "number" : this.fn.returnShape === "record" ? typeText(tangentType(this.fn.returnT)!) : isNestedArray(this.fn.returnT) ? typeText(writable(this.fn.returnT)) : PLAIN_ARRAY_TYPE.test(this.fn.returnType) || isTypedArray(this.fn.returnArrayKind) ? this.fn.returnType : "readonly number[]";
    if (ybar !== undefined) params.push({ name: ybar, type: seedType });
    let ret: Stmt;
    let returnType: string;
    if (opts.flatGradient) {
      const { stmts, flat } = this.flatten(gradients);
      reverse.push(...stmts);
      ret = { k: "return", value: flat };
      returnType = "number[]";
    } else {
      ret = { k: "return", value: { k: "arraylit", elems: [ref(result), ...gradients] } };
      returnType = `[${[this.fn.returnType, ...this.activeParams().map((p) => gradientType(p))].join(", ")}]`;
    }
    return {
      name: opts.name,
      exported: opts.exported,
      params,
      returnType,
      body: [...top, ...forward, ...kept, ...seed, ...adjoints, ...reverse, ret],
    };
  }

  /** All gradients in one number[]: scalars as they are, arrays element by element. */
  private flatten(gradients: Expr[]): { stmts: Stmt[]; flat: Expr } {
    const params = this.activeParams();
    if (params.length === 1 && params[0].shape === "array" && !isTypedArray(params[0].arrayKind)) return { stmts: [], flat: gradients[0] };
    const flat = this.names.fresh("gradient");
    const stmts: Stmt[] = [];
    let size: Expr = num(0);
    for (const p of params) size = add(size, p.shape === "array" ? { k: "length", arr: ref(p.name) } : num(p.shape === "record" ? numberFields(p.t).length : 1));
    stmts.push({ k: "let", decl: "const", decls: [{ name: flat, init: this.zeros("Array", size) }] });
    const at = this.names.fresh("at");
    stmts.push({ k: "let", decl: "let", decls: [{ name: at, init: num(0) }] });
    params.forEach((p, i) => {
      const g = gradients[i];
      if (p.shape === "num") {
        stmts.push({ k: "assign", target: { k: "index", arr: ref(flat), index: ref(at) }, op: "=", value: g }, increment(at));
        return;
      }
      if (g.k === "record") {
        for (const f of g.fields) stmts.push({ k: "assign", target: { k: "index", arr: ref(flat), index: ref(at) }, op: "=", value: f.value }, increment(at));
        return;
      }
      const j = this.names.fresh("j");
      stmts.push({
        k: "for",
        init: [{ k: "let", decl: "let", decls: [{ name: j, init: num(0) }] }],
        cond: { k: "cmp", op: "<", a: ref(j), b: { k: "length", arr: g } },
        update: [increment(j)],
        body: [{ k: "assign", target: { k: "index", arr: ref(flat), index: ref(at) }, op: "=", value: { k: "index", arr: g, index: ref(j) } }, increment(at)],
      });
    });
    return { stmts, flat: ref(flat) };
  }

  /**
   * g_bwd returns at once when every adjoint flowing into it is exactly 0 (the seed, and the adjoints of
   * the arrays it writes, whose values its reverse sweep reads): the adjoints of the arrays it only reads
   * just accumulate, so the sweep would add zeros. Only where that sweep runs nested loops (the check
   * costs a pass over the arrays; a single loop costs about as much as it saves, measured on ADBench's
   * GMM) and touches neither the tape nor other functions (whose pops must happen); not under forward
   * mode, where a zero adjoint can carry a nonzero tangent. Exact, but for 0 · ∞ (NaN in the sweep)
   * and the sign of a zero sum.
   */
  private zeroGuard(reverse: readonly Stmt[], seed: string | undefined, scalarResults: number): Stmt[] {
    if (this.ctx.forHessian || !reverse.some((s) => hasLoop(s, 2)) || callsIn(reverse).length > 0 || containsOpaque(reverse)) return [];
    const arrays = this.activeParams().filter((p) => p.shape === "array").map((p) => adjointName(this.names, p.name));
    const accumulators = new Set(arrays.filter((a) => onlyAccumulated(reverse, a)));
    const sources = [...(seed !== undefined ? [seed] : []), ...arrays.filter((a) => !accumulators.has(a))];
    if (sources.length === 0) return [];
    // tape.allZero reads numbers: an adjoint of an array of arrays (or the seed of one) is not tested.
    const nestedAdjoint = (a: string): boolean => (a === seed ? isNestedArray(this.fn.returnT) : this.isNested(this.adjointsUsed.get(a) ?? ""));
    if (sources.some(nestedAdjoint)) return [];
    const isZero = (name: string): Expr =>
      name === seed && this.fn.returnShape === "num" ? { k: "cmp", op: "===", a: ref(name), b: num(0) } : this.tape("allZero", [ref(name)]);
    const cond = sources.map(isZero).reduce((a, b) => ({ k: "logic", op: "&&", a, b }));
    const zeros: Expr | undefined = scalarResults === 0 ? undefined : scalarResults === 1 ? num(0) : { k: "arraylit", elems: Array.from({ length: scalarResults }, () => num(0)) };
    return [{ k: "if", cond, then: [{ k: "return", ...(zeros !== undefined ? { value: zeros } : {}) }] }];
  }

  /**
   * The reverse of an inlined callee with nested loops runs only where an adjoint flowing into it is
   * not exactly 0 (the zeroGuard of g_bwd, for a callee inlined); otherwise only its pops and the
   * restores of values run (`else`). Not around pointers or re-allocated adjoints, whose re-pointing
   * must happen.
   */
  private regionGuard(reverse: Stmt[]): Stmt[] {
    if (this.ctx.forHessian || !reverse.some((s) => hasLoop(s, 2)) || containsOpaque(reverse)) return reverse;
    if (callsIn(reverse).some((c) => !isTapeTarget(c.target))) return reverse;
    const mentioned = new Set<string>();
    let structural = false;
    walkStmts(reverse, (st) => {
      for (const e of stmtExprs(st)) exprReads(e, mentioned);
      if (st.k === "assign") {
        const root = lvalueRoot(st.target);
        if (root !== undefined) mentioned.add(root);
        if (st.target.k === "var" && this.adjointsUsed.has(st.target.name) && this.isArray(this.adjointsUsed.get(st.target.name)!)) structural = true;
      }
    });
    if (structural || [...mentioned].some((n) => this.pointers.targets.has(n) || this.pointers.shared.has(n))) return reverse;
    const adjoints = [...mentioned].filter((n) => this.adjointsUsed.has(n)).sort();
    const sources = adjoints.filter((a) => !onlyAccumulated(reverse, a));
    if (sources.length === 0) return reverse;
    // tape.allZero reads numbers: not around the adjoint of an array of arrays.
    if (sources.some((a) => this.isNested(this.adjointsUsed.get(a)!))) return reverse;
    const isArrayAdjoint = (a: string): boolean => this.isArray(this.adjointsUsed.get(a)!);
    // Numbers first: they decide at once where the flow is not zero.
    const ordered = [...sources.filter((a) => !isArrayAdjoint(a)), ...sources.filter(isArrayAdjoint)];
    const nonzero = ordered
      .map((a): Expr => (isArrayAdjoint(a) ? { k: "not", a: this.tape("allZero", [ref(a)]) } : { k: "cmp", op: "!==", a: ref(a), b: num(0) }))
      .reduce((a, b) => ({ k: "logic", op: "||", a, b }));
    const skeleton = dropDeadUpdates(tapeSkeleton(reverse, (n) => this.fn.locals.has(n) && !this.adjointsUsed.has(n)));
    // A kept statement must not read a temporary the skeleton dropped.
    const declared = declaredIn(reverse);
    const kept = declaredIn(skeleton);
    if ([...stmtReads(skeleton)].some((n) => declared.has(n) && !kept.has(n))) return reverse;
    return [{ k: "if", cond: nonzero, then: reverse, ...(skeleton.length > 0 ? { else: skeleton } : {}) }];
  }

  split(names: SplitNames): [GeneratedFunction, GeneratedFunction] {
    const value = this.value;
    const valueActive = value !== undefined && this.act.active.has(value);
    const seedName = valueActive ? this.adj(value) : undefined;
    const { forward, reverse: swept, referenced, hoisted } = this.sweeps();
    this.completeSharedAdjoints();
    const reverse = this.scalarize(swept, true);
    // What the reverse sweep starts from: required at the end, except what the caller passes back in
    // (unmodified scalar parameters and every array parameter).
    const written = writtenNames(this.body);
    const params = new Set(this.fn.params.map((p) => p.name));
    // A local array's adjoint is made as long as the array: carry the array (a reference) even where
    // the reverse sweep needs none of its values.
    const sized = [...this.adjointsUsed.values()].filter((n) => this.isArray(n) && !params.has(n) && n !== value);
    const carried = [...new Set([...[...this.tbr.requiredAtEnd].map(readVariable), ...sized])]
      .filter((n) => ((referenced.includes(n) || sized.includes(n)) && !params.has(n)) || (params.has(n) && written.has(n) && !this.isArray(n)))
      .sort();
    const fwdBody: Stmt[] = [...hoisted.map((n) => this.declaration(n)), ...forward];
    for (const n of carried) fwdBody.push(this.save({ k: "var", name: n }));
    if (value !== undefined) fwdBody.push({ k: "return", value: ref(value) });

    // g_bwd: the locals (those carried over popped), the adjoints, the reverse sweep.
    const bwdBody: Stmt[] = [];
    const carriedSet = new Set(carried);
    for (const n of [...carried].reverse()) {
      const restore = this.restore({ k: "var", name: n }) as Extract<Stmt, { k: "assign" }>;
      // Forward over reverse pops into the variable itself (`e = tape.popActive(e)`): declare it first.
      if (params.has(n)) bwdBody.push(restore);
      else if (this.ctx.forHessian) bwdBody.push(this.declaration(n), restore);
      else bwdBody.push(this.declaration(n, restore.value));
    }
    for (const n of referenced) if (!carriedSet.has(n)) bwdBody.push(this.declaration(n));
    // Numbers' adjoints are returned, and a record's as the adjoints of its fields, in order.
    const scalarParams = this.activeParams().filter((p) => p.shape === "num" || p.shape === "record");
    const scalarAdjoints = scalarParams.flatMap((p) => {
      const g = this.gradientOf(p);
      return g.k === "record" ? g.fields.map((f) => f.value) : [g];
    });
    bwdBody.push(...this.zeroGuard(reverse, seedName, scalarAdjoints.length));
    for (const p of scalarParams) this.ensureAdjoint(p);
    const arrayParams = new Set(this.activeParams().filter((p) => p.shape === "array").map((p) => p.name));
    bwdBody.push(...this.adjointDeclarations(new Set([...arrayParams, ...(valueActive ? [value!] : [])])));
    // A record result's seed comes as one record: each number field's adjoint starts from its field.
    if (seedName !== undefined && this.fn.returnShape === "record")
      for (const f of numberFields(this.fn.returnT)) bwdBody.push({ k: "let", decl: "let", decls: [{ name: this.fieldAdj(value!, f), init: { k: "field", obj: ref(seedName), name: f } }] });
    bwdBody.push(...reverse);
    let returnType = "void";
    if (scalarAdjoints.length === 1) {
      bwdBody.push({ k: "return", value: scalarAdjoints[0] });
      returnType = "number";
    } else if (scalarAdjoints.length > 1) {
      bwdBody.push({ k: "return", value: { k: "arraylit", elems: scalarAdjoints } });
      returnType = `[${scalarAdjoints.map(() => "number").join(", ")}]`;
    }
    const bwdParams = [
      ...primalParams(this.fn.params),
      ...this.activeParams()
        .filter((p) => p.shape === "array")
        .map((p) => ({ name: adjointName(this.names, p.name), type: gradientType(p) })),
      // The seed is an adjoint g_bwd writes (zeroes), whatever the result's type (readonly, a tuple).
      ...(seedName !== undefined ? [{ name: seedName, type: this.fn.returnShape === "num" ? "number" : this.fn.returnShape === "record" ? typeText(tangentType(this.fn.returnT)!) : isNestedArray(this.fn.returnT) ? typeText(writable(this.fn.returnT)) : arrayTypeText(this.fn.returnArrayKind) }] : []),
    ];
    const fwd: GeneratedFunction = {
      name: names.fwd,
      exported: names.exported,
      params: primalParams(this.fn.params),
      returnType: this.fn.returnType,
      body: fwdBody,
    };
    const bwd: GeneratedFunction = { name: names.bwd, exported: names.exported, params: bwdParams, returnType, body: bwdBody };
    return [fwd, bwd];
  }
}

/**
 * `x_b = 0` resets an adjoint for the statements before the one it belongs to; at the top level of the
 * reverse sweep, a reset that nothing after it reads again is dead: drop it (the adjoints of
 * parameters are returned, so theirs stay).
 */
function dropDeadResets(stmts: Stmt[], adjoints: ReadonlyMap<string, string>, returned: readonly string[]): Stmt[] {
  const out: Stmt[] = [];
  const readLater = new Set<string>(returned);
  for (let i = stmts.length - 1; i >= 0; i--) {
    const s = stmts[i];
    const isReset = s.k === "assign" && s.op === "=" && s.target.k === "var" && s.value.k === "num" && adjoints.has(s.target.name);
    if (isReset && !readLater.has((s.target as { name: string }).name)) continue;
    out.push(s);
    stmtReads([s], readLater);
  }
  return out.reverse();
}

/** Whether `s` holds loops nested `depth` deep. */
function hasLoop(s: Stmt, depth = 1): boolean {
  const isLoop = s.k === "for" || s.k === "while" || s.k === "do";
  if (isLoop && depth === 1) return true;
  const inner = isLoop ? depth - 1 : depth;
  return childLists(s).some((list) => list.some((c) => hasLoop(c, inner)));
}

/** The names `let` declarations in `stmts` (nested ones included) declare. */
function declaredIn(stmts: readonly Stmt[]): Set<string> {
  const out = new Set<string>();
  walkStmts(stmts, (s) => {
    if (s.k === "let") for (const d of s.decls) out.add(d.name);
  });
  return out;
}

/** Inlined callees' statements in place of their regions, wherever a sweep kept a statement as it was. */
function flattenInlined(stmts: readonly Stmt[]): Stmt[] {
  return stmts.flatMap((s) => (s.k === "block" && s.inlined !== undefined ? flattenInlined(s.body) : [mapChildLists(s, flattenInlined)]));
}

const containsTapeCall = (e: Expr): boolean => (e.k === "call" && isTapeTarget(e.target)) || children(e).some(containsTapeCall);

/**
 * What of a reverse sweep must still run when its adjoints are all 0: the pops (restores, branches
 * taken, trip counts) and the updates of the forward sweep's own variables (`primal`), nothing else.
 */
function tapeSkeleton(stmts: readonly Stmt[], primal: (name: string) => boolean): Stmt[] {
  const out: Stmt[] = [];
  for (const s of stmts) {
    const pops = stmtExprs(s).some(containsTapeCall);
    switch (s.k) {
      case "if": {
        const then = tapeSkeleton(s.then, primal);
        const otherwise = tapeSkeleton(s.else ?? [], primal);
        if (then.length === 0 && otherwise.length === 0) {
          if (pops) out.push({ k: "expr", expr: s.cond });
        } else out.push({ ...s, then, ...(otherwise.length > 0 ? { else: otherwise } : {}) });
        break;
      }
      case "for":
      case "while":
      case "do": {
        const body = tapeSkeleton(s.body, primal);
        const header = s.k === "for" ? [...s.init, ...s.update] : [];
        const headerPops = pops || header.some((h) => stmtExprs(h).some(containsTapeCall));
        if (body.length > 0 || headerPops) out.push({ ...s, body } as Stmt);
        break;
      }
      case "block": {
        const body = tapeSkeleton(s.body, primal);
        if (body.length > 0) out.push({ ...s, body });
        break;
      }
      case "assign":
        if (pops || (lvalueRoot(s.target) !== undefined && primal(lvalueRoot(s.target)!))) out.push(s);
        break;
      default:
        if (pops) out.push(s);
    }
  }
  return out;
}

/** Updates `v += c` (or loops of nothing else) of a variable a later `v = ...` overwrites unread. */
function dropDeadUpdates(stmts: readonly Stmt[]): Stmt[] {
  const updated = (s: Stmt): string | undefined => {
    if (s.k === "assign" && s.target.k === "var" && (s.op === "+=" || s.op === "-=") && s.value.k === "num") return s.target.name;
    if (s.k !== "for" || s.body.length === 0) return undefined;
    const names = new Set(s.body.map(updated));
    const [v] = names;
    if (names.size !== 1 || v === undefined) return undefined;
    const header = stmtReads([...s.init, ...s.update], new Set(s.cond !== undefined ? exprReads(s.cond) : []));
    return header.has(v) ? undefined : v;
  };
  return stmts.filter((s, i) => {
    const v = updated(s);
    if (v === undefined) return true;
    for (const later of stmts.slice(i + 1)) {
      if (later.k === "assign" && later.target.k === "var" && later.target.name === v && later.op === "=" && !exprReads(later.value).has(v)) return false;
      if (stmtReads([later]).has(v) || writtenNames([later]).has(v)) return true;
    }
    return true;
  });
}

/** Whether `name` appears in `stmts` only as what a `+=` or `-=` adds to (the variable or its elements). */
function onlyAccumulated(stmts: readonly Stmt[], name: string): boolean {
  return stmts.every((s) => {
    if (s.k === "assign" && (s.op === "+=" || s.op === "-=") && s.target.k === "var" && s.target.name === name) return !exprReads(s.value).has(name);
    if (s.k === "assign" && (s.op === "+=" || s.op === "-=") && s.target.k === "index" && s.target.arr.k === "var" && s.target.arr.name === name)
      return !exprReads(s.target.index).has(name) && !exprReads(s.value).has(name);
    return !stmtExprs(s).some((e) => exprReads(e).has(name)) && !(s.k === "assign" && lvalueRoot(s.target) === name) && childLists(s).every((list) => onlyAccumulated(list, name));
  });
}


/** The call a statement makes as a whole (`g(x);`, `y = g(x)`, `const y = g(x)`), if any. */
function callOf(s: Stmt): CallExpr | undefined {
  if (s.k === "expr" && s.expr.k === "call") return s.expr;
  if (s.k === "assign" && s.value.k === "call") return s.value;
  if (s.k === "let" && s.decls.length === 1 && s.decls[0].init?.k === "call") return s.decls[0].init;
  return undefined;
}

/** `i += c` undone: `i -= c`. */
function undo(s: Extract<Stmt, { k: "assign" }>): Stmt {
  return { k: "assign", target: s.target, op: s.op === "+=" ? "-=" : "+=", value: s.value, ...(s.increment ? { increment: s.increment === "++" ? "--" : "++" } : {}) };
}

/** Every variable read inside an index expression. */
function indexReads(stmts: readonly Stmt[]): Set<string> {
  const out = new Set<string>();
  const visit = (e: Expr): void => {
    if (e.k === "index") exprReads(e.index, out);
    for (const c of children(e)) visit(c);
  };
  const visitStmts = (list: readonly Stmt[]): void => {
    for (const s of list) {
      if (s.k === "let") for (const d of s.decls) if (d.init) visit(d.init);
      if (s.k === "assign") {
        visit(s.value);
        if (s.target.k === "index") exprReads(s.target.index, out);
      }
      if (s.k === "expr") visit(s.expr);
      if (s.k === "return" && s.value) visit(s.value);
      for (const child of childLists(s)) visitStmts(child);
    }
  };
  visitStmts(stmts);
  return out;
}

/** How many numbers g_bwd returns for these active parameters: one per number, one per number field of a record. */
export function returnedAdjoints(params: readonly Param[], active: readonly string[]): number {
  return params.filter((p) => active.includes(p.name)).reduce((n, p) => n + (p.shape === "num" ? 1 : p.shape === "record" ? numberFields(p.t).length : 0), 0);
}

/** The type of a gradient shaped like a parameter (a read-only input still gets a writable gradient). */
export function gradientType(p: Param): string {
  if (p.shape === "num") return "number";
  if (p.shape === "record") return typeText(tangentType(p.t)!);
  if (isNestedArray(p.t)) return typeText(writable(p.t));
  return arrayTypeText(p.arrayKind);
}

const isInline = (s: Stmt): boolean => s.k === "let" || s.k === "assign" || s.k === "expr";

const increment = (name: string): Stmt => ({ k: "assign", target: { k: "var", name }, op: "+=", value: num(1), increment: "++" });

/** Whether the outermost operation of an expression is a rule that reads its own result. */
function usesResult(e: Expr): boolean {
  if (e.k === "math") return ruleOf(e)?.usesResult === true && !ruleOf(e)!.zeroDerivative;
  if (e.k === "bin" && e.op === "**") return true;
  return false;
}

/** `for (i = a; i < b; i += c)` (or counting down) with `i` and the variables of `a` untouched by the body. */
function countedLoop(s: Stmt, integers: ReadonlySet<string>, aliasesOf: (name: string) => readonly string[]): CountedLoop | undefined {
  if (s.k !== "for" || s.init.length !== 1 || s.update.length !== 1 || s.cond === undefined) return undefined;
  const init = s.init[0];
  let index: string;
  let start: Expr;
  if (init.k === "let" && init.decls.length === 1 && init.decls[0].init !== undefined) {
    index = init.decls[0].name;
    start = init.decls[0].init;
  } else if (init.k === "assign" && init.op === "=" && init.target.k === "var") {
    index = init.target.name;
    start = init.value;
  } else return undefined;
  const update = s.update[0];
  if (update.k !== "assign" || update.target.k !== "var" || update.target.name !== index || (update.op !== "+=" && update.op !== "-=")) return undefined;
  if (update.value.k !== "num" || !Number.isInteger(update.value.value) || update.value.value === 0) return undefined;
  const step = update.op === "+=" ? update.value.value : -update.value.value;
  const cond = s.cond;
  if (cond.k !== "cmp" || cond.a.k !== "var" || cond.a.name !== index) return undefined;
  const okUp = cond.op === "<" || cond.op === "<=" || cond.op === "!==";
  const okDown = cond.op === ">" || cond.op === ">=" || cond.op === "!==";
  if ((step > 0 && !okUp) || (step < 0 && !okDown)) return undefined;
  // An array the body writes through another name of it is written too (a bound reading `u[0]`).
  const written = new Set([...writtenNames([...s.body, ...s.update.slice(1)])].flatMap((n) => [n, ...aliasesOf(n)]));
  if (written.has(index)) return undefined;
  for (const v of exprReads(start)) if (written.has(v) || v === index) return undefined;
  if (containsCallOrOpaque(start)) return undefined;
  return { index, start, step, ...endOf(cond.op, cond.b, step, integers.has(index), written, integers) };
}

/**
 * Where a counting loop stops, from its bound: an index used to index arrays is an integer, so
 * `i < b` stops at ceil(b) (b itself when b is an integer too), `i <= b` at floor(b) + 1, `i > b` at
 * floor(b), `i >= b` at ceil(b) - 1, and the reverse loop needs no trip count from the tape. Only for steps of ±1 and a bound the body leaves alone.
 */
function endOf(op: string, bound: Expr, step: number, indexIsInteger: boolean, written: ReadonlySet<string>, integers: ReadonlySet<string>): { end?: Expr } {
  if (!indexIsInteger || Math.abs(step) !== 1 || containsCallOrOpaque(bound)) return {};
  for (const v of exprReads(bound)) if (written.has(v)) return {};
  const isInteger = isIntegerExpr(bound, integers);
  const round = (fn: "ceil" | "floor"): Expr => (isInteger ? bound : { k: "math", fn, args: [bound] });
  if (step > 0 && op === "<") return { end: round("ceil") };
  if (step > 0 && op === "<=") return { end: add(round("floor"), num(1)) };
  if (step < 0 && op === ">") return { end: round("floor") };
  if (step < 0 && op === ">=") return { end: sub(round("ceil"), num(1)) };
  return {};
}

/** An expression built from integer literals, lengths and index variables with +, - and *. */
function isIntegerExpr(e: Expr, integers: ReadonlySet<string>): boolean {
  switch (e.k) {
    case "num":
      return Number.isInteger(e.value);
    case "var":
      return integers.has(e.name);
    case "length":
      return true;
    case "neg":
      return isIntegerExpr(e.a, integers);
    case "bin":
      return (e.op === "+" || e.op === "-" || e.op === "*") && isIntegerExpr(e.a, integers) && isIntegerExpr(e.b, integers);
    default:
      return false;
  }
}

/** `m = v` or `if (c) m = v` (no else): the variable overwritten, its new value, and the condition. */
function foldOf(st: Stmt): { target: string; value: Expr; when?: Expr } | undefined {
  if (st.k === "assign" && st.target.k === "var" && st.op === "=") return { target: st.target.name, value: st.value };
  if (st.k !== "if" || st.then.length !== 1 || (st.else ?? []).length !== 0) return undefined;
  const inner = st.then[0];
  if (inner.k !== "assign" || inner.target.k !== "var" || inner.op !== "=") return undefined;
  return { target: inner.target.name, value: inner.value, when: st.cond };
}

function containsCallOrOpaque(e: Expr): boolean {
  let found = false;
  const visit = (x: Expr): void => {
    if (x.k === "call" || x.k === "opaque") found = true;
    for (const c of children(x)) visit(c);
  };
  visit(e);
  return found;
}


/** Declarations not directly in the function body (in blocks, branches, loops, for headers). */
function collectNested(stmts: readonly Stmt[], top: boolean, out: Set<string>): void {
  for (const s of stmts) {
    if (s.k === "let" && !top) for (const d of s.decls) out.add(d.name);
    // An inlined callee's body is printed in place: its declarations are as nested as the call was.
    for (const child of childLists(s)) collectNested(child, top && s.k === "block" && s.inlined !== undefined, out);
  }
}

/**
 * Reads of `names` asserted (`m!`): the reverse sweep reads locals the user declared without a value
 * (`let m;`) where TypeScript cannot see that the forward sweep assigned them (strict: possibly undefined).
 */
function assertAssigned(stmts: readonly Stmt[], names: ReadonlySet<string>): Stmt[] {
  if (names.size === 0) return [...stmts];
  const expr = (e: Expr): Expr => (e.k === "var" ? (names.has(e.name) ? { ...e, nonNull: true } : e) : mapExpr(e, expr));
  return stmts.map((st) => mapChildLists(mapStmtExprs(st, expr), (list) => assertAssigned(list, names)));
}
