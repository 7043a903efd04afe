/**
 * Scalar replacement of adjoint accumulators in the reverse sweep. The reverse of
 * `out[j] += L[l] * x[i]` inside a `j` loop adds into `x_b[i]` on every iteration, a read-modify-write
 * of memory where the forward loop had none; with `i` fixed in the loop, the sum can live in a local:
 *
 *   let x_b_i = 0; for (...) { ...; x_b_i += L[l] * out_b[j]; } x_b[i] += x_b_i;
 *
 * Valid when the element is only ever added to in the loop (read nowhere else) and no other array the
 * loop touches can be the same array (`distinct`), since those writes would otherwise have to see the
 * sum. Floating-point addition is not associative: the sum of the loop's terms is formed first and
 * added once, which changes rounding in the last bits (as any reordering compiler would).
 */
import type { ArrayKind, Expr, LValue, Stmt } from "../ir/ir.js";
import { isTypedArray } from "../ir/types.js";
import { children, exprReads, mapChildLists, mapExpr, sameCode } from "../ir/build.js";
import type { NameScope } from "./names.js";

export interface ScalarizeQuestions {
  /** Whether two array variables certainly hold different arrays. */
  distinct(a: string, b: string): boolean;
  /** The kind of an array variable (an `Array` written out of range would grow: guarded). */
  arrayKind(name: string): ArrayKind;
}

export function scalarizeAccumulators(stmts: readonly Stmt[], q: ScalarizeQuestions, names: NameScope): Stmt[] {
  const out: Stmt[] = [];
  for (const s of stmts) {
    if (s.k === "for") out.push(...scalarizeLoop({ ...s, body: scalarizeAccumulators(s.body, q, names) }, q, names));
    else out.push(mapChildLists(s, (list) => scalarizeAccumulators(list, q, names)));
  }
  return out;
}

type Accumulation = Extract<Stmt, { k: "assign" }> & { readonly target: Extract<LValue, { k: "index" }> };

function scalarizeLoop(loop: Extract<Stmt, { k: "for" }>, q: ScalarizeQuestions, names: NameScope): Stmt[] {
  // Straight-line bodies only: a nested loop or branch is scalarized on its own level.
  if (!loop.body.every((s) => s.k === "assign" || (s.k === "let" && s.decls.every((d) => d.init !== undefined)))) return [loop];
  const written = new Set<string>();
  for (const s of [...loop.init, ...loop.update, ...loop.body]) {
    if (s.k === "assign" && s.target.k === "var") written.add(s.target.name);
    if (s.k === "let") for (const d of s.decls) written.add(d.name);
  }
  const arraysIn = (e: Expr, into: Set<string>): void => {
    if (e.k === "index" && e.arr.k === "var") into.add(e.arr.name);
    for (const c of children(e)) arraysIn(c, into);
  };
  /** Arrays read or written by each statement, and every index expression of each array. */
  const touched = new Set<string>();
  for (const s of loop.body) {
    if (s.k === "assign") {
      arraysIn(s.value, touched);
      if (s.target.k === "index") {
        arraysIn(s.target.index, touched);
        if (s.target.arr.k === "var") touched.add(s.target.arr.name);
      }
    } else if (s.k === "let") for (const d of s.decls) arraysIn(d.init!, touched);
  }
  const candidates: Accumulation[] = [];
  for (const s of loop.body) {
    if (s.k !== "assign" || (s.op !== "+=" && s.op !== "-=") || s.target.k !== "index" || s.target.arr.k !== "var") continue;
    const acc = s as Accumulation;
    const arr = (acc.target.arr as { name: string }).name;
    // Not an adjoint the loop re-points (it follows a pointer restored in the loop).
    if (written.has(arr) || [...exprReads(acc.target.index)].some((n) => written.has(n))) continue;
    if (candidates.some((c) => (c.target.arr as { name: string }).name === arr)) continue;
    // Every other use of the array in the loop must be this same accumulation of the same element.
    const others = loop.body.filter((t) => t !== s);
    const usedElsewhere = others.some((t) => {
      if (t.k === "assign" && t.target.k === "index" && t.target.arr.k === "var" && t.target.arr.name === arr)
        return !((t.op === "+=" || t.op === "-=") && sameCode(t.target.index, acc.target.index)) || exprReads(t.value).has(arr) || exprReads(t.target.index).has(arr);
      if (t.k === "assign") return exprReads(t.value).has(arr) || (t.target.k === "index" && exprReads(t.target.index).has(arr));
      return t.k === "let" && t.decls.some((d) => exprReads(d.init!).has(arr));
    });
    if (usedElsewhere || exprReads(acc.value).has(arr) || exprReads(acc.target.index).has(arr)) continue;
    if ([...touched].some((b) => b !== arr && !q.distinct(arr, b))) continue;
    candidates.push(acc);
  }
  const before: Stmt[] = [];
  const after: Stmt[] = [];
  let body = loop.body;
  for (const c of candidates) {
    const arr = (c.target.arr as { name: string }).name;
    const index = c.target.index;
    const local = names.fresh(index.k === "var" ? `${arr}_${index.name}` : `${arr}_acc`);
    before.push({ k: "let", decl: "let", decls: [{ name: local, init: { k: "num", value: 0 } }] });
    body = body.map((t) =>
      t.k === "assign" && t.target.k === "index" && t.target.arr.k === "var" && t.target.arr.name === arr ? { ...t, target: { k: "var", name: local } } : t,
    );
    const add: Stmt = { k: "assign", target: c.target, op: "+=", value: { k: "var", name: local } };
    // A loop that ran no iteration adds 0; into a plain array only where the element exists.
    after.push(isTypedArray(q.arrayKind(arr)) ? add : { k: "if", cond: { k: "cmp", op: "!==", a: { k: "var", name: local }, b: { k: "num", value: 0 } }, then: [add] });
  }
  const hoisted = hoistReads(body, written, q, names);
  if (candidates.length === 0 && hoisted.invariant.length === 0 && hoisted.body === body) return [loop];
  return [...before, ...hoisted.invariant, { ...loop, body: hoisted.body }, ...after];
}

/**
 * Element reads the loop need not repeat: one whose array no statement of the loop writes (under any
 * name) or re-points, and whose index the loop does not change is read once before the loop (`const x_i = x[i]`);
 * one whose index changes only between iterations, read twice or more, once at the top of the body.
 */
function hoistReads(body: readonly Stmt[], written: ReadonlySet<string>, q: ScalarizeQuestions, names: NameScope): { invariant: Stmt[]; body: readonly Stmt[] } {
  const writtenArrays = new Set<string>();
  const writtenInBody = new Set<string>();
  for (const s of body) {
    if (s.k === "assign" && s.target.k === "index" && s.target.arr.k === "var") writtenArrays.add(s.target.arr.name);
    if (s.k === "assign" && s.target.k === "var") writtenInBody.add(s.target.name);
    if (s.k === "let") for (const d of s.decls) writtenInBody.add(d.name);
  }
  const reads: Extract<Expr, { k: "index" }>[] = [];
  const collect = (e: Expr): void => {
    if (e.k === "index" && e.arr.k === "var") reads.push(e);
    for (const c of children(e)) collect(c);
  };
  for (const s of body) {
    if (s.k === "assign") {
      collect(s.value);
      if (s.target.k === "index") collect(s.target.index);
    } else if (s.k === "let") for (const d of s.decls) collect(d.init!);
  }
  const unwritten = (arr: string): boolean => !writtenArrays.has(arr) && [...writtenArrays].every((w) => q.distinct(arr, w));
  const invariant: Stmt[] = [];
  const perIteration: Stmt[] = [];
  const replacements: { e: Expr; name: string }[] = [];
  const seen = new Set<string>();
  for (const r of reads) {
    const arr = (r.arr as { name: string }).name;
    const key = `${arr}[${JSON.stringify(r.index)}]`;
    // Not an array variable the loop re-points (`v = tape.popArray()`): its elements change with it.
    if (seen.has(key) || !unwritten(arr) || written.has(arr) || r.index.k === "opaque") continue;
    seen.add(key);
    const indexReads = [...exprReads(r.index)];
    if (indexReads.some((n) => writtenInBody.has(n))) continue;
    const same = reads.filter((o) => sameCode(o, r));
    const loopInvariant = !indexReads.some((n) => written.has(n));
    if (!loopInvariant && same.length < 2) continue;
    const name = names.fresh(r.index.k === "var" ? `${arr}_${r.index.name}` : `${arr}_k`);
    (loopInvariant ? invariant : perIteration).push({ k: "let", decl: "const", decls: [{ name, init: r }] });
    replacements.push({ e: r, name });
  }
  if (replacements.length === 0) return { invariant, body };
  const replace = (e: Expr): Expr => {
    const hit = replacements.find((x) => sameCode(x.e, e));
    if (hit !== undefined) return { k: "var", name: hit.name };
    return mapExpr(e, replace);
  };
  const rewritten = body.map((s): Stmt => {
    if (s.k === "assign") return { ...s, value: replace(s.value), ...(s.target.k === "index" ? { target: { ...s.target, index: replace(s.target.index) } } : {}) };
    if (s.k === "let") return { ...s, decls: s.decls.map((d) => ({ ...d, init: replace(d.init!) })) };
    return s;
  });
  return { invariant, body: [...perIteration, ...rewritten] };
}
