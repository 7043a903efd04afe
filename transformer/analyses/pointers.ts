/**
 * Array variables that are pointers: assigned another array variable (`cur = next`, the swap of a
 * double buffer) rather than an array of their own. Which arrays a pointer may name is a small
 * points-to problem over the lowered IR; reverse mode uses it to point each pointer's adjoint at the
 * adjoint of the array the pointer names, and the to-be-recorded analysis to know that a write through
 * one name changes the values read through another.
 */
import type { Expr, FunctionIR, SourcePos, Stmt } from "../ir/ir.js";
import { childLists, forEachVarWrite } from "../ir/build.js";

export interface Pointers {
  /** Each pointer and the arrays (parameters or arrays allocated once) it may name, in a fixed order. */
  readonly targets: ReadonlyMap<string, readonly string[]>;
  /**
   * The array variables whose adjoint follows, at run time, the array they name: those of an alias
   * class holding an array allocated more than once, or a variable that names another array in one
   * place and an array of its own in another. Each maps to its class (itself included): the array
   * parameters first, then the other names in the order they are first written.
   */
  readonly shared: ReadonlyMap<string, readonly string[]>;
  /** The names that may denote the same array as `name` (itself included). */
  aliasesOf(name: string): readonly string[];
}

export interface PointerQuestions {
  isArray(name: string): boolean;
  params: readonly string[];
  /** The variable holding the return value (its adjoint is the seed, handled apart). */
  returned?: string;
  pos: SourcePos;
  /** The arrays passed to a call that its result may be (a callee that returns its parameter). */
  resultMayBe?(call: Extract<Expr, { k: "call" }>): readonly string[];
}

/**
 * `body` is the lowered function body. Where a pointer is only ever assigned array variables, and the
 * arrays it may name are stable (parameters never reassigned, or arrays allocated at most once per
 * call), their adjoints exist once and a pointer's adjoint is one of them (`targets`). Otherwise (an
 * array allocated more than once, a name assigned both another array and an array of its own) the
 * whole alias class is `shared`: each name's adjoint follows the array it names at run time.
 */
export function findPointers(body: readonly Stmt[], q: PointerQuestions): Pointers {
  const edges = new Map<string, string[]>();
  const edgePos = new Map<string, SourcePos>();
  const allocations = new Map<string, { pos?: SourcePos }>();
  /** The first assignment (not declaration) of each array: where a conflict between two of them shows. */
  const assignedAt = new Map<string, SourcePos>();
  const note = (name: string, value: Expr, pos?: SourcePos, declaration = false): void => {
    if (!q.isArray(name) || name === q.returned) return;
    if (!declaration && pos !== undefined && !assignedAt.has(name)) assignedAt.set(name, pos);
    const join = (other: string): void => {
      if (pos !== undefined && !edgePos.has(name)) edgePos.set(name, pos);
      const list = edges.get(name) ?? [];
      if (!list.includes(other)) list.push(other);
      edges.set(name, list);
    };
    if (value.k === "var" && q.isArray(value.name)) {
      join(value.name);
      return;
    }
    // A call's result may be an array passed to it (`y = scale(x, c)` returning x), or an array of its own.
    if (value.k === "call") for (const passed of q.resultMayBe?.(value) ?? []) if (q.isArray(passed)) join(passed);
    if (!allocations.has(name)) allocations.set(name, { pos });
  };
  forEachVarWrite(body, (name, value, at) => note(name, value, at.pos, at.declaration));
  const perCall = allocationsPerCall(body, (name, value) => q.isArray(name) && name !== q.returned && !(value.k === "var" && q.isArray(value.name)));

  // The alias classes: names joined by an assignment of one to the other.
  const classOf = new Map<string, string>();
  const find = (n: string): string => {
    let r = n;
    while (classOf.has(r) && classOf.get(r) !== r) r = classOf.get(r)!;
    return r;
  };
  for (const [p, list] of edges) for (const n of list) if (find(p) !== find(n)) classOf.set(find(p), find(n));

  const targets = new Map<string, string[]>();
  /** Classes whose adjoints follow their arrays at run time (by representative). */
  const dynamic = new Set<string>();
  for (const p of [...edges.keys()].sort()) {
    // A variable that names another array here and an array of its own elsewhere.
    if (allocations.has(p)) dynamic.add(find(p));
    const found: string[] = [];
    const seen = new Set<string>([p]);
    const stack = [...edges.get(p)!];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      if (edges.has(n)) stack.push(...edges.get(n)!);
      else found.push(n);
    }
    for (const r of found) {
      const a = allocations.get(r);
      const stable = a === undefined ? q.params.includes(r) : perCall.get(r)! <= 1;
      // A pointer to an array allocated more than once (in a loop, in two places, or in a block).
      if (!stable) dynamic.add(find(p));
    }
    targets.set(p, found.sort());
  }

  const shared = new Map<string, string[]>();
  if (dynamic.size > 0) {
    const order: string[] = [...q.params.filter((n) => q.isArray(n))];
    forEachVarWrite(body, (name) => {
      if (!order.includes(name)) order.push(name);
    });
    for (const [p, list] of edges) for (const n of [p, ...list]) if (!order.includes(n)) order.push(n);
    const members = order.filter((n) => q.isArray(n) && n !== q.returned && (edges.has(n) || [...edges.values()].some((l) => l.includes(n))) && dynamic.has(find(n)));
    for (const n of members) {
      const cls = members.filter((m) => find(m) === find(n));
      shared.set(n, cls);
      targets.delete(n);
    }
  }
  const aliasesOf = (name: string): readonly string[] => {
    const cls = shared.get(name);
    if (cls !== undefined) return cls;
    const mine = targets.get(name) ?? [name];
    const out = new Set<string>([name, ...mine]);
    for (const [p, ts] of targets) if (ts.some((t) => mine.includes(t))) out.add(p);
    return [...out];
  };
  return { targets, shared, aliasesOf };
}

/**
 * The most allocations of each array one call may run (`allocates` tells which writes are): the larger
 * branch of an `if` (`u = c ? [a] : [b, c]` lowered), every case of a `switch` (they may fall through),
 * any number in a loop. The empty array lowering declares `let u = []` with, before the choice that
 * replaces it on every path, is no allocation: no other name can take it in between.
 */
function allocationsPerCall(body: readonly Stmt[], allocates: (name: string, value: Expr) => boolean): Map<string, number> {
  const replaces = (s: Stmt, name: string): boolean =>
    (s.k === "assign" && s.target.k === "var" && s.target.name === name && allocates(name, s.value)) ||
    (s.k === "if" && s.else !== undefined && [s.then, s.else].every((branch) => branch.some((b) => replaces(b, name))));
  const isEmpty = (e: Expr): boolean => (e.k === "arraylit" && e.elems.length === 0) || (e.k === "zeros" && e.size.k === "num" && e.size.value === 0);
  const most = (stmts: readonly Stmt[]): Map<string, number> => {
    const total = new Map<string, number>();
    const add = (counts: ReadonlyMap<string, number>): void => {
      for (const [name, n] of counts) total.set(name, (total.get(name) ?? 0) + n);
    };
    for (const [i, s] of stmts.entries()) {
      if (s.k === "let")
        for (const d of s.decls) {
          const placeholder = d.init !== undefined && isEmpty(d.init) && i + 1 < stmts.length && replaces(stmts[i + 1], d.name);
          if (d.init !== undefined && allocates(d.name, d.init) && !placeholder) add(new Map([[d.name, 1]]));
        }
      if (s.k === "assign" && s.target.k === "var" && allocates(s.target.name, s.value)) add(new Map([[s.target.name, 1]]));
      const children = childLists(s).map(most);
      if (s.k === "if") {
        const larger = new Map(children[0]);
        for (const [name, n] of children[1] ?? []) larger.set(name, Math.max(n, larger.get(name) ?? 0));
        add(larger);
      } else if (s.k === "for" || s.k === "while" || s.k === "do") {
        for (const counts of children) add(new Map([...counts.keys()].map((name) => [name, Infinity])));
      } else children.forEach(add);
    }
    return total;
  };
  return most(body);
}

/** The variables an array value may be (`q`, each branch of `c ? q : r`): the other side of an alias. */
export function aliasSources(value: Expr, isArray: (name: string) => boolean): string[] {
  if (value.k === "cond") return [...aliasSources(value.a, isArray), ...aliasSources(value.b, isArray)];
  return value.k === "var" && isArray(value.name) ? [value.name] : [];
}

/** The array variable an element read (`m[i]`, `m[i][j]`) is rooted at, if any. */
export function placeRoot(e: Expr): string | undefined {
  while (e.k === "index") e = e.arr;
  return e.k === "var" ? e.name : undefined;
}

/**
 * Array variables that hold a row of another (`const row = m[i]`: `row` and `m`, either side): a write
 * through one changes what the other reads.
 */
export function rowAliases(fn: FunctionIR): Set<string> {
  const isArray = (n: string): boolean => fn.locals.get(n)?.shape === "array";
  const out = new Set<string>();
  forEachVarWrite(fn.body, (name, value) => {
    const root = value.k === "index" ? placeRoot(value) : undefined;
    if (isArray(name) && root !== undefined && isArray(root)) out.add(name).add(root);
  });
  return out;
}

/** Array variables of a function that take part in an alias (`p = q`, `p = c ? q : r`): either side. */
export function arrayAliases(fn: FunctionIR): Set<string> {
  const isArray = (n: string): boolean => fn.locals.get(n)?.shape === "array";
  const out = new Set<string>();
  forEachVarWrite(fn.body, (name, value) => {
    if (!isArray(name)) return;
    for (const source of aliasSources(value, isArray)) out.add(name).add(source);
  });
  return out;
}
