/**
 * Reverse mode of a loop marked `// @checkpoint` (binomial checkpointing, Griewank's revolve): instead
 * of taping every iteration, the forward sweep runs the loop as written and stores its state at the
 * few iterations the schedule picks; the reverse sweep reloads the nearest state, runs forward again,
 * and tapes and reverses one iteration at a time, last first. Memory: the snapshots times the state,
 * plus one iteration's tape; time: the iterations run again (revolve.ts gives how many).
 *
 * The schedule and the snapshots live in the runtime (`tape.checkpoints`, src/runtime/revolve.ts), so
 * the generated code is two loops over the schedule's actions:
 *
 *   const schedule = tape.checkpoints(0, 1, Math.max(0, Math.ceil(n)), 32);
 *   for (let action = schedule.forward(); action !== "done"; action = schedule.forward())
 *     if (action === "takeshot") { schedule.save(x); ... } else for (i = schedule.from; i < schedule.to; i++) body;
 *   ...
 *   for (let action = schedule.reverse(); action !== "done"; action = schedule.reverse())
 *     "turn": i = schedule.from; <body, taped>; <its reverse>   "restore": x = schedule.load(); ...
 *     "takeshot": as above   "advance": as above
 *
 * The state is every variable the body writes that lives across iterations (numbers and arrays of
 * numbers, arrays copied in place). The body's other inputs that later code may change are kept on the
 * tape once and put back before the reverse loop, since the reverse sweep runs the body again. Only the
 * joint shape (f_grad, f_vjp) checkpoints; a callee's halves and the Hessian's sweep tape the loop.
 */
import { ADC, CompileError } from "../diagnostics.js";
import type { Expr, FunctionIR, SourcePos, Stmt } from "../ir/ir.js";
import { add, childLists, div, exprReads, forEachVarWrite, freeReads, lvalueRoot, num, ref, stmtReads, sub, walkStmts, writtenNames } from "../ir/build.js";
import type { CountedLoop } from "../analyses/tbr.js";
import type { NameScope } from "./names.js";

type ForStmt = Extract<Stmt, { k: "for" }>;

/** What the checkpointed loop needs from the reverse-mode generator. */
export interface CheckpointHost {
  readonly fn: FunctionIR;
  /** The statements the generator differentiates (the function's body, its final return removed). */
  readonly body: readonly Stmt[];
  readonly names: NameScope;
  tapeCall(method: string, args: readonly Expr[]): Expr;
  isActive(e: Expr): boolean;
  isArray(name: string): boolean;
  aliasesOf(name: string): readonly string[];
  /** Arrays a call statement passes to a callee that may write them. */
  arraysWritten(s: Stmt): readonly string[];
  counted(s: Stmt): CountedLoop | undefined;
  /** Whether an expression certainly has a whole-number value (literals, lengths, index variables). */
  isInteger(e: Expr): boolean;
  /** The body taped (the forward sweep of a loop body), `hoisted` declared before it, and its reverse. */
  forwardList(stmts: readonly Stmt[], hoisted: ReadonlySet<string>): Stmt[];
  reverseList(stmts: readonly Stmt[]): Stmt[];
  /** Whether the forward sweep saves what a statement overwrites (the to-be-recorded analysis). */
  saves(s: Stmt): boolean;
  /** A local's declaration before the code that assigns it. */
  declaration(name: string): Stmt;
  /** The value of a variable as the forward sweep saves it (`t!` for one declared without a value). */
  current(name: string): Expr;
  /** The loop's index saved around it (the to-be-recorded analysis' `savesIndex`), forward and reverse. */
  saveIndex(s: ForStmt): Stmt[];
  restoreIndex(s: ForStmt): Stmt[];
}

const RUNTIME = "adc-ts/runtime#checkpoints";

const text = (value: string): Expr => ({ k: "num", value: 0, text: JSON.stringify(value) });

export class CheckpointedLoop {
  private readonly counted: CountedLoop;
  private readonly bound: Expr;
  private readonly op: string;
  /** The state: numbers and arrays, in the order saved. */
  private readonly state: readonly string[];
  /** Inputs the body reads that later code may change: kept once, put back before the reverse loop. */
  private readonly inputs: readonly { readonly name: string; readonly repointed: boolean }[];
  private readonly schedule: string;
  private readonly action: string;
  /** The schedule is a local of the function (the loop stands in its body), else it travels on the tape. */
  private readonly local: boolean;

  constructor(
    private readonly host: CheckpointHost,
    private readonly loop: ForStmt,
  ) {
    const at = loop.checkpoint?.pos ?? loop.pos ?? host.fn.pos;
    const counted = host.counted(loop);
    const cond = loop.cond;
    const tripCount = (reason: string, pos: SourcePos = at): CompileError =>
      new CompileError({ code: ADC.checkpointTripCount, message: `the loop under @checkpoint needs a trip count known when it starts: ${reason}`, pos });
    if (counted === undefined || cond === undefined || cond.k !== "cmp" || cond.op === "!==" || cond.op === "===" || cond.op === "==" || cond.op === "!=")
      throw tripCount(`write it as for (let i = a; i < b; i++) (or <=, >, >=, and i += c with c a whole number), with i and a left alone by the body`, loop.pos ?? at);
    const written = new Set([...writtenNames(loop.body)].flatMap((n) => [n, ...host.aliasesOf(n)]));
    const changed = [...exprReads(cond.b)].find((n) => written.has(n));
    if (changed !== undefined) throw tripCount(`the body writes '${changed}', which the bound reads`, loop.pos ?? at);
    for (const [what, e] of [["bound", cond.b], ["start", counted.start]] as const)
      if (host.isActive(e)) throw tripCount(`its ${what} depends on the active parameters (leave them out with wrt=)`, loop.pos ?? at);
    this.counted = counted;
    this.bound = cond.b;
    this.op = cond.op;

    const declared = new Set<string>();
    walkStmts(loop.body, (s) => {
      if (s.k === "let") for (const d of s.decls) declared.add(d.name);
    });
    const bodyWrites = writtenNames(loop.body);
    walkStmts(loop.body, (s) => host.arraysWritten(s).forEach((a) => bodyWrites.add(a)));
    const state = [...bodyWrites].filter((n) => !declared.has(n) && n !== counted.index && host.fn.locals.has(n)).sort();
    forEachVarWrite(loop.body, (name, value, w) => {
      if (!state.includes(name) || !host.isArray(name)) return;
      throw new CompileError({
        code: ADC.checkpointState,
        message: `the loop under @checkpoint makes '${name}' name another array; its snapshots copy arrays in place: write its elements instead`,
        pos: w.pos ?? at,
      });
    });
    // A name opaque code only mentions (`console.log(label)`) is state only if a snapshot can hold it;
    // whatever opaque code does to an object runs again with the body.
    const assigned = new Set<string>();
    walkStmts(loop.body, (s) => {
      if (s.k === "assign") assigned.add(lvalueRoot(s.target) ?? "");
      if (s.k === "destructure") s.names.forEach((n) => assigned.add(n));
    });
    this.state = state.filter((n) => assigned.has(n) || host.isArray(n) || host.fn.locals.get(n)?.shape === "num");
    for (const n of this.state) this.storable(n, "writes", at);

    const later = writesAfter(host.body, loop, host) ?? new Set<string>();
    const laterWrites = new Set([...later].flatMap((n) => [n, ...host.aliasesOf(n)]));
    const repointed = new Set<string>();
    forEachVarWrite(laterStatements(host.body, loop) ?? [], (name) => repointed.add(name));
    this.inputs = [...stmtReads(loop.body)]
      .filter((n) => !declared.has(n) && !state.includes(n) && n !== counted.index && host.fn.locals.has(n) && laterWrites.has(n))
      .sort()
      .map((name) => {
        this.storable(name, "reads", at);
        return { name, repointed: host.isArray(name) && repointed.has(name) };
      });
    this.local = host.body.includes(loop);
    this.schedule = host.names.fresh("schedule");
    this.action = host.names.fresh("action");
  }

  /** A number (not one that may be null) or an array of numbers: what a snapshot holds. */
  private storable(name: string, verb: string, at: SourcePos): void {
    const info = this.host.fn.locals.get(name)!;
    if ((info.shape === "num" && info.nullable !== true) || info.shape === "array") return;
    throw new CompileError({
      code: ADC.checkpointState,
      message: `the loop under @checkpoint ${verb} '${name}', which its snapshots cannot hold (only numbers and arrays of numbers${info.nullable ? "; declare it as a number" : ""})`,
      pos: at,
    });
  }

  /** The forward sweep: the loop as written, the state saved where the schedule says. */
  forward(): Stmt[] {
    const { counted, host } = this;
    const init = this.loop.init[0];
    const steps = tripCount(counted, this.op, this.bound, host.isInteger(this.bound) && host.isInteger(counted.start));
    const { snapshots, segment } = this.loop.checkpoint!;
    const create = host.tapeCall("checkpoints", [counted.start, num(counted.step), steps, num(snapshots), ...(segment > 1 ? [num(segment)] : [])]);
    return [
      ...host.saveIndex(this.loop),
      ...(init.k === "assign" ? [init] : []),
      ...this.inputs.flatMap(({ name, repointed }): Stmt[] => {
        if (!host.isArray(name)) return [{ k: "expr", expr: host.tapeCall("push", [host.current(name)]) }];
        return [{ k: "expr", expr: host.tapeCall("pushAll", [ref(name)]) }, ...(repointed ? [{ k: "expr" as const, expr: host.tapeCall("pushArray", [ref(name)]) }] : [])];
      }),
      { k: "let", decl: "const", decls: [{ name: this.schedule, init: create }] },
      this.actions("forward", [
        ["takeshot", this.saveState()],
        [undefined, [this.advance()]],
      ]),
      ...(this.local ? [] : [{ k: "expr" as const, expr: host.tapeCall("pushValue", [ref(this.schedule)]) }]),
    ];
  }

  /** The reverse sweep: the schedule's turns, restores, snapshots and advances. */
  reverse(): Stmt[] {
    const { counted, host } = this;
    // One iteration (or segment) taped and reversed in one block: the body's locals its reverse reads
    // where their declaration is out of sight (in the body's own blocks; for a segment, in the forward
    // loop) are declared at the block's top, as the whole sweep does for a loop taped.
    const segment = this.loop.checkpoint!.segment;
    const reversed = host.reverseList(this.loop.body);
    const hidden = new Set<string>();
    const declarations = (st: Stmt): void => (st.k === "let" ? st.decls.forEach((d) => hidden.add(d.name)) : undefined);
    if (segment > 1) walkStmts(this.loop.body, declarations);
    else for (const s of this.loop.body) for (const child of childLists(s)) walkStmts(child, declarations);
    const hoisted = new Set([...freeReads(reversed)].filter((n) => hidden.has(n) && host.fn.locals.has(n)));
    // A declaration the taped body saves before (its value of the iteration before, as the loop taped sees it).
    walkStmts(this.loop.body, (st) => st.k === "let" && host.saves(st) && st.decls.forEach((d) => hoisted.add(d.name)));
    const declare = [...hoisted].sort().map((n) => host.declaration(n));
    const taped = host.forwardList(this.loop.body, hoisted);
    const turn: Stmt[] =
      segment > 1
        ? [...declare, this.indexLoop(this.member("from"), this.member("to"), taped), this.indexLoop(counted.step > 0 ? sub(this.member("to"), num(counted.step)) : add(this.member("to"), num(-counted.step)), this.member("from"), reversed, true)]
        : [{ k: "assign", target: { k: "var", name: counted.index }, op: "=", value: this.member("from") }, ...declare, ...taped, ...reversed];
    const restoreInputs = [...this.inputs].reverse().flatMap(({ name, repointed }): Stmt[] => {
      if (!host.isArray(name)) return [{ k: "assign", target: { k: "var", name }, op: "=", value: host.tapeCall("pop", []) }];
      const type = host.fn.locals.get(name)?.arrayKind === "Float64Array" ? "Float64Array" : "number[]";
      const pop = host.tapeCall("popArray", []) as Extract<Expr, { k: "call" }>;
      return [
        ...(repointed ? [{ k: "assign" as const, target: { k: "var" as const, name }, op: "=" as const, value: { ...pop, fn: `${pop.fn}<${type}>` } }] : []),
        { k: "expr", expr: host.tapeCall("popAll", [ref(name)]) },
      ];
    });
    const sweep: Stmt[] = [
      ...restoreInputs,
      this.actions("reverse", [
        ["turn", turn],
        ["restore", this.loadState()],
        ["takeshot", this.saveState()],
        [undefined, [this.advance()]],
      ]),
    ];
    // A schedule from the tape gets a block of its own: the forward sweep's may be in the same scope
    // (a loop inside the iteration another checkpointed loop tapes).
    const popped: Stmt[] = this.local ? sweep : [{ k: "block", body: [{ k: "let", decl: "const", decls: [{ name: this.schedule, init: host.tapeCall("popCheckpoints", []) }] }, ...sweep] }];
    return [...popped, ...host.restoreIndex(this.loop)];
  }

  /** `schedule.name` (a field of the runtime's schedule). */
  private member(name: string): Expr {
    return { k: "var", name: `${this.schedule}.${name}` };
  }

  private method(name: string, args: readonly Expr[]): Expr {
    return { k: "call", fn: `${this.schedule}.${name}`, target: `${RUNTIME}.${name}`, args, pos: this.loop.pos ?? this.host.fn.pos };
  }

  /** `for (let action = schedule.sweep(); action !== "done"; action = schedule.sweep()) if (action === ...) ... else ...` */
  private actions(sweep: "forward" | "reverse", cases: readonly (readonly [string | undefined, Stmt[]])[]): Stmt {
    const next = this.method(sweep, []);
    let chain: Stmt[] = cases[cases.length - 1][1];
    for (let i = cases.length - 2; i >= 0; i--) {
      const [action, body] = cases[i];
      chain = [{ k: "if", cond: { k: "cmp", op: "===", a: ref(this.action), b: text(action!) }, then: body, else: chain }];
    }
    return {
      k: "for",
      init: [{ k: "let", decl: "let", decls: [{ name: this.action, init: next }] }],
      cond: { k: "cmp", op: "!==", a: ref(this.action), b: text("done") },
      update: [{ k: "assign", target: { k: "var", name: this.action }, op: "=", value: next }],
      body: chain,
    };
  }

  /** The iterations from `schedule.from` to `schedule.to`, as written (untaped). */
  private advance(): Stmt {
    return this.indexLoop(this.member("from"), this.member("to"), this.loop.body);
  }

  /** `for (i = from; i < to; i++) body`, counting as the loop does (`backwards`: down to `to` included). */
  private indexLoop(from: Expr, to: Expr, body: readonly Stmt[], backwards = false): Stmt {
    const { index, step } = this.counted;
    const up = step > 0 !== backwards;
    const by = Math.abs(step);
    return {
      k: "for",
      init: [{ k: "assign", target: { k: "var", name: index }, op: "=", value: from }],
      cond: { k: "cmp", op: backwards ? (up ? "<=" : ">=") : up ? "<" : ">", a: ref(index), b: to },
      update: [
        by === 1
          ? { k: "assign", target: { k: "var", name: index }, op: up ? "+=" : "-=", value: num(1), increment: up ? "++" : "--" }
          : { k: "assign", target: { k: "var", name: index }, op: up ? "+=" : "-=", value: num(by) },
      ],
      body,
    };
  }

  private saveState(): Stmt[] {
    return this.state.map((n) => ({ k: "expr", expr: this.method(this.host.isArray(n) ? "saveAll" : "save", [this.host.isArray(n) ? ref(n) : this.host.current(n)]) }));
  }

  private loadState(): Stmt[] {
    return this.state.map((n): Stmt => (this.host.isArray(n) ? { k: "expr", expr: this.method("loadAll", [ref(n)]) } : { k: "assign", target: { k: "var", name: n }, op: "=", value: this.method("load", []) }));
  }
}

/**
 * The loop's trip count, known on entry: for `i < b` counting up by s, ceil((b - a) / s); for `i <= b`,
 * floor((b - a) / s) + 1 (down: a - b and -s; no rounding for whole numbers and s = 1); never below 0
 * (the runtime takes NaN as 0 too).
 */
function tripCount(c: CountedLoop, op: string, bound: Expr, whole: boolean): Expr {
  const span = c.step > 0 ? sub(bound, c.start) : sub(c.start, bound);
  const per = div(span, num(Math.abs(c.step)));
  const exact = whole && Math.abs(c.step) === 1;
  const count: Expr = op === "<" || op === ">" ? (exact ? per : { k: "math", fn: "ceil", args: [per] }) : add(exact ? per : { k: "math", fn: "floor", args: [per] }, num(1));
  return { k: "math", fn: "max", args: [num(0), count] };
}

/** The statements that run after `loop` starts, in the lists enclosing it: those after it, and whole enclosing loops. */
function laterStatements(stmts: readonly Stmt[], loop: Stmt): Stmt[] | undefined {
  for (let p = 0; p < stmts.length; p++) {
    const s = stmts[p];
    if (s === loop) return stmts.slice(p + 1);
    for (const child of childLists(s)) {
      const inner = laterStatements(child, loop);
      if (inner === undefined) continue;
      const repeats = s.k === "for" || s.k === "while" || s.k === "do";
      return [...inner, ...(repeats ? [s] : []), ...stmts.slice(p + 1)];
    }
  }
  return undefined;
}

/** What those statements may write: variables, elements, arrays passed to callees that write them. */
function writesAfter(stmts: readonly Stmt[], loop: Stmt, host: CheckpointHost): Set<string> | undefined {
  const later = laterStatements(stmts, loop);
  if (later === undefined) return undefined;
  const out = writtenNames(later);
  walkStmts(later, (s) => host.arraysWritten(s).forEach((a) => out.add(a)));
  return out;
}

