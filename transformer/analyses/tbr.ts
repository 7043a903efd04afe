/**
 * To-be-recorded analysis (Tapenade's TBR): which writes of the forward sweep destroy a value that the
 * reverse sweep will read, so that only those push the old value on the tape. A forward data-flow
 * problem over the lowered IR: `required` is the set of variables whose current value some adjoint of
 * an already executed statement reads. A statement that writes a required variable saves it first;
 * writing a whole variable then removes it from the set, writing one element of an array does not (the
 * other elements are still required), unless a counted loop writes every element (see `overwritten`).
 * Loops iterate to a fixed point, branches join by union.
 *
 * The reverse sweep regenerates the index of a counted loop (`for (i = a; i < b; i++)` with `i` and `a`
 * untouched by the body), so such an index is never saved per iteration, only around the whole loop.
 */
import { ADC } from "../diagnostics.js";
import type { Expr, Opaque, SourcePos, Stmt } from "../ir/ir.js";
import { childLists, children, containsOpaque, exprReadsSized, forEachVarWrite, lengthKey, lvalueRoot, stmtExprs, walkStmts } from "../ir/build.js";

/** A counted loop whose reverse runs the index backwards. */
export interface CountedLoop {
  readonly index: string;
  readonly start: Expr;
  /** The increment: an integer, negative for a loop counting down. */
  readonly step: number;
  /** The last index + step, recomputed from the bound instead of saved (when the index is an integer). */
  readonly end?: Expr;
}

export interface TbrQuestions {
  /** Variables the adjoint of a simple statement reads, before (`pre`) and after (`post`) it runs. */
  uses(s: Stmt): { readonly pre: ReadonlySet<string>; readonly post: ReadonlySet<string> };
  counted(s: Stmt): CountedLoop | undefined;
  /** A counted loop folding a variable with max or min, reversed as a whole (its target written once). */
  reduction(s: Stmt): { readonly target: string; readonly index: string } | undefined;
  isArray(name: string): boolean;
  /** Arrays a call statement passes to a callee that may write them (saved whole by the caller). */
  arraysWritten(s: Stmt): readonly string[];
  /** Whether the reverse sweep can undo the statement's write exactly (`i += 1` on an index: `i -= 1`). */
  invertible(s: Stmt): boolean;
  /** The array names that may denote the same array as `name` (itself included): a pointer and what it names. */
  aliasesOf(name: string): readonly string[];
  /** Whether a declaration or assignment gives its variable its first value (none the reverse sweep could go back to). */
  firstValue(s: Stmt): boolean;
  /** Whether `bound` is the length of the array `name` wherever a loop that does not re-point it runs. */
  isLength(name: string, bound: Expr): boolean;
}

export interface TbrResult {
  /** Simple statements whose target (variable, array reference or element) is pushed before they write it. */
  readonly saves: ReadonlySet<Stmt>;
  /** Statements whose overwritten value the reverse sweep recomputes by the inverse operation. */
  readonly undoes: ReadonlySet<Stmt>;
  /** Calls (and inlined callees) before which whole arrays are pushed (they write them; earlier adjoints read them). */
  readonly savedArrays: ReadonlyMap<Stmt, readonly string[]>;
  /** Counted loops whose index holds a required value before the loop and is saved around it. */
  readonly savesIndex: ReadonlySet<Stmt>;
  /** What is required at the end of the function (a split forward sweep pushes these). */
  readonly requiredAtEnd: ReadonlySet<string>;
  /** Code adc-ts cannot see into that may overwrite a required variable: it cannot be restored. */
  readonly unrestorable: readonly { readonly stmt: Stmt; readonly name: string; readonly reason: string; readonly pos: SourcePos; readonly code?: string; readonly opaque: Opaque }[];
}

export function toBeRecorded(body: readonly Stmt[], q: TbrQuestions, requiredAtStart: Iterable<string> = []): TbrResult {
  const saves = new Set<Stmt>();
  const undoes = new Set<Stmt>();
  const savesIndex = new Set<Stmt>();
  const savedArrays = new Map<Stmt, string[]>();
  const unrestorable: { stmt: Stmt; name: string; reason: string; pos: SourcePos; code?: string; opaque: Opaque }[] = [];

  /** Array `a` saved whole before `s` (which may write it) and restored after its reverse. */
  const saveWhole = (s: Stmt, a: string): void => {
    const list = savedArrays.get(s) ?? [];
    if (!list.includes(a)) list.push(a);
    savedArrays.set(s, list);
  };

  /** A call that writes arrays: those earlier adjoints read are saved whole; they stay required. */
  const callWrites = (s: Stmt, need: Set<string>): void => {
    for (const a of q.arraysWritten(s)) if (requiredThrough(a, need)) saveWhole(s, a);
  };

  const list = (stmts: readonly Stmt[], req: Set<string>): Set<string> => {
    let r = req;
    for (const s of stmts) r = stmt(s, r);
    return r;
  };

  /** Whether writing elements of array `a` destroys required values: its own, or those of another name for it. */
  const requiredThrough = (a: string, need: ReadonlySet<string>): boolean => q.aliasesOf(a).some((n) => need.has(n));

  const write = (s: Stmt, root: string, whole: boolean, req: Set<string>): Set<string> => {
    const { pre, post } = q.uses(s);
    callWrites(s, req);
    const need = new Set([...req, ...pre]);
    // A whole write replaces what the variable names (its length too); an element write changes the
    // values of the array it names.
    const destroys = whole && q.firstValue(s) ? false : whole || !q.isArray(root) ? need.has(root) || need.has(lengthKey(root)) : requiredThrough(root, need);
    if (destroys && q.invertible(s)) {
      undoes.add(s);
      for (const p of post) need.add(p);
      return need;
    }
    if (destroys) {
      saves.add(s);
      // The restore `a[i] = tape.pop()` runs in the reverse sweep with the index as it was here.
      // Every index of the place: `m[i][j] = tape.pop()` reads i and j.
      if (s.k === "assign") for (let place: Expr = s.target as Expr; place.k === "index"; place = place.arr) exprReadsSized(place.index, need);
    }
    // An element write leaves the other elements as they were: the array stays required.
    if (whole || !q.isArray(root)) {
      // Re-pointing a name leaves the array it named alive under its other names, its values still required.
      if (whole && q.isArray(root) && need.has(root)) for (const n of q.aliasesOf(root)) if (n !== root) need.add(n);
      if (whole && q.isArray(root) && need.has(lengthKey(root))) for (const n of q.aliasesOf(root)) if (n !== root) need.add(lengthKey(n));
      need.delete(root);
      need.delete(lengthKey(root));
    }
    for (const p of post) need.add(p);
    return need;
  };

  /** Opaque code inside a statement may write what it mentions (`buf.fill(0)`). */
  const checkOpaque = (s: Stmt, e: Expr | undefined, req: ReadonlySet<string>): void => {
    if (e === undefined) return;
    const visit = (x: Expr): void => {
      if (x.k === "opaque") {
        // A call receives numbers by value: only arrays (or an assignment) can be overwritten here.
        const writes = x.writesAt !== undefined ? x.reads : x.reads.filter((n) => q.isArray(n));
        for (const name of writes) {
          if (!req.has(name)) continue;
          // A statement that is one method call keeping the length (`buf.fill(0)`): saved whole, as for a call.
          if (x.writesAt === undefined && s.k === "expr" && s.expr === x && q.isArray(name) && keepsLength(x.text, name)) saveWhole(s, name);
          else if (!unrestorable.some((u) => u.stmt === s && u.name === name))
            unrestorable.push({ stmt: s, name, reason: x.reason, opaque: x, ...(x.writesAt !== undefined ? { pos: x.writesAt, code: ADC.assignmentInExpression } : { pos: x.pos }) });
        }
        return;
      }
      for (const c of children(x)) visit(c);
    };
    visit(e);
  };

  /** Whether an adjoint of `stmts` reads a value of one of `names` (or may: a call writing it, code adc-ts cannot see). */
  const adjointsRead = (stmts: readonly Stmt[], names: readonly string[]): boolean =>
    stmts.some((s) => {
      const reads = (st: Stmt): boolean => {
        const { pre, post } = q.uses(st);
        return names.some((n) => pre.has(n) || post.has(n)) || q.arraysWritten(st).some((n) => names.includes(n));
      };
      switch (s.k) {
        case "let":
          return s.decls.length === 1 && s.decls[0].init !== undefined && reads(s);
        case "assign":
        case "expr":
          return reads(s);
        case "for":
          if (q.reduction(s) !== undefined) return reads(s);
          return adjointsRead(q.counted(s) !== undefined ? s.body : [...s.init, ...s.body, ...s.update], names);
        case "opaque":
          return s.stmt.reads.some((n) => names.includes(n));
        case "destructure":
          return true;
        default:
          return childLists(s).some((l) => adjointsRead(l, names));
      }
    });

  /**
   * The arrays a counted loop `for (i = 0; i < length; i++)` overwrites whole, element by element: its
   * body assigns `a[i]` at its top level (every iteration), never re-points `a`, and has no adjoint
   * reading a value of `a` (or of another name of it), nor code adc-ts cannot see. After the loop no
   * value of `a` an earlier adjoint read is left, so later writes of its elements (`a[j] += e`) destroy
   * nothing the reverse sweep reads: the loop's own saves restore those values before the adjoints run.
   */
  const overwritten = (s: Extract<Stmt, { k: "for" }>, counted: CountedLoop): string[] => {
    const cond = s.cond;
    if (counted.step !== 1 || counted.start.k !== "num" || counted.start.value !== 0 || cond?.k !== "cmp" || cond.op !== "<" || containsOpaque(s.body)) return [];
    const out: string[] = [];
    for (const st of s.body) {
      if (st.k !== "assign" || st.target.k !== "index" || st.target.arr.k !== "var" || st.target.index.k !== "var" || st.target.index.name !== counted.index) continue;
      const a = st.target.arr.name;
      if (out.includes(a) || !q.isLength(a, cond.b)) continue;
      let repointed = false;
      forEachVarWrite(s.body, (n) => (repointed ||= n === a));
      if (!repointed && !adjointsRead(s.body, q.aliasesOf(a))) out.push(a);
    }
    return out;
  };

  const stmt = (s: Stmt, req: Set<string>): Set<string> => {
    const before = effect(s, req);
    // A condition (run once per branch or iteration) that writes a variable needed around it.
    if (s.k === "if" || s.k === "for" || s.k === "while" || s.k === "do" || s.k === "switch") for (const e of stmtExprs(s)) checkOpaque(s, e, union(req, before));
    return before;
  };

  const effect = (s: Stmt, req: Set<string>): Set<string> => {
    if (s.k === "let") for (const d of s.decls) checkOpaque(s, d.init, req);
    if (s.k === "assign") checkOpaque(s, s.value, req);
    if (s.k === "expr") checkOpaque(s, s.expr, req);
    switch (s.k) {
      case "let": {
        const d = s.decls[0];
        if (s.decls.length !== 1 || d.init === undefined) return req;
        return write(s, d.name, true, req);
      }
      case "assign": {
        const root = lvalueRoot(s.target);
        if (root === undefined) return req;
        return write(s, root, s.target.k === "var", req);
      }
      case "expr": {
        const { pre, post } = q.uses(s);
        callWrites(s, req);
        return new Set([...req, ...pre, ...post]);
      }
      case "if":
        return union(list(s.then, req), list(s.else ?? [], req));
      case "block": {
        if (s.inlined === undefined) return list(s.body, req);
        // An inlined callee: the arrays it writes that earlier adjoints read are saved whole before it
        // (as the caller of a call would), so its own writes of them save nothing for those adjoints.
        const written = new Set<string>();
        walkStmts(s.body, (st) => {
          const root = st.k === "assign" && st.target.k === "index" ? lvalueRoot(st.target) : undefined;
          if (root !== undefined) written.add(root);
        });
        const saved = [...written].filter((a) => requiredThrough(a, req)).sort();
        if (saved.length === 0) return list(s.body, req);
        savedArrays.set(s, saved);
        const covered = new Set(saved.flatMap((a) => q.aliasesOf(a)));
        const after = list(s.body, new Set([...req].filter((n) => !covered.has(n))));
        for (const n of req) if (covered.has(n)) after.add(n);
        return after;
      }
      case "for": {
        const reduced = q.reduction(s);
        if (reduced !== undefined) {
          // Like an assignment of its target; the reverse sweep reads the index of the winner, not the index.
          if (req.has(reduced.index)) savesIndex.add(s);
          const need = write(s, reduced.target, true, req);
          need.delete(reduced.index);
          return need;
        }
        const counted = q.counted(s);
        if (counted !== undefined) {
          if (req.has(counted.index)) savesIndex.add(s);
          let entry = new Set(req);
          entry.delete(counted.index);
          entry = fixpoint(entry, (r) => list(s.body, r));
          entry.delete(counted.index);
          for (const a of overwritten(s, counted)) entry.delete(a);
          // The reverse loop runs from the end back to the start: what it reads must be there.
          exprReadsSized(counted.start, entry);
          if (counted.end !== undefined) exprReadsSized(counted.end, entry);
          return entry;
        }
        const afterInit = list(s.init, req);
        return fixpoint(afterInit, (r) => list(s.update, list(s.body, r)));
      }
      case "while":
        return fixpoint(req, (r) => list(s.body, r));
      case "do":
        return fixpoint(list(s.body, req), (r) => list(s.body, r));
      case "opaque":
        for (const name of s.stmt.allowActiveScalars ? s.stmt.reads.filter((n) => q.isArray(n)) : s.stmt.reads) {
          if (!req.has(name)) continue;
          // A method that changes values but not the length (`buf.fill(0)`): saved whole, as for a call.
          if (q.isArray(name) && keepsLength(s.stmt.text, name)) saveWhole(s, name);
          else if (!unrestorable.some((u) => u.stmt === s && u.name === name)) unrestorable.push({ stmt: s, name, reason: s.stmt.reason, pos: s.stmt.pos, opaque: s.stmt });
        }
        return req;
      default:
        return req;
    }
  };

  /** The required set at a loop head: the entry's, joined with the end of the body's, until stable. */
  const fixpoint = (entry: Set<string>, body: (r: Set<string>) => Set<string>): Set<string> => {
    let head = entry;
    for (;;) {
      const next = union(head, body(head));
      if (next.size === head.size) return next;
      head = next;
    }
  };

  const requiredAtEnd = list(body, new Set(requiredAtStart));
  return { saves, undoes, savesIndex, savedArrays, requiredAtEnd, unrestorable };
}

function union(a: ReadonlySet<string>, b: ReadonlySet<string>): Set<string> {
  return new Set([...a, ...b]);
}

/** Array methods that may change elements but never the length (nor what the variable names). */
const LENGTH_KEEPING = /^(?:fill|sort|reverse|copyWithin|set)$/;

/**
 * Whether opaque statement text touches `name` only as `name.method(...)` with a method that keeps
 * the length: its whole statement is one such call, and the name appears nowhere else.
 */
function keepsLength(text: string, name: string): boolean {
  const m = /^\s*([A-Za-z_$][\w$]*)\.([A-Za-z_$][\w$]*)\(([\s\S]*)\)\s*;?\s*$/.exec(text);
  return m !== null && m[1] === name && LENGTH_KEEPING.test(m[2]) && !new RegExp(`(^|[^\\w$.])${name.replace(/\$/g, "\\$")}([^\\w$]|$)`).test(m[3]);
}
