/**
 * Drivers over the derivative functions: `f_jacobian` (forward columns through f_dual or reverse rows
 * through f_vjp, whichever needs fewer sweeps) and `f_hessian` (forward mode over the reverse mode's
 * gradient, one column per input, symmetrised). They are loops around calls, written out as text.
 */
import { ADC, CompileError } from "../diagnostics.js";
import type { FunctionIR, Param, Stmt } from "../ir/ir.js";
import { primalParams, printStmts, type GeneratedFunction } from "../emit/print.js";
import { NameScope } from "./names.js";
import { differentiatedAs, numberFields, textZeros, zeroOf, isTypedArray, isNestedArray, typeText, writable, zeroRows, type Type } from "../ir/types.js";
import { ref } from "../ir/build.js";
import { tangentParam } from "./forward.js";
import { gradientType } from "./reverse.js";

export interface DriverNames {
  readonly name: string;
  readonly exported: boolean;
  readonly dual: string;
  readonly vjp: string;
  /** Array parameters the function writes: each sweep gets a fresh copy of what the caller passed. */
  readonly written: ReadonlySet<string>;
}

/**
 * Arguments for several sweeps of a function that writes some of its array parameters: the caller's
 * arrays are copied once (`x_in`) before the first call, and each sweep gets a copy of that copy, so
 * that every sweep starts from the caller's values and the caller's arrays change once, as by f.
 * A single sweep (`only`) may have the copies themselves.
 */
function sweepArguments(
  fn: FunctionIR,
  written: ReadonlySet<string>,
  n: (base: string) => string,
  lines: string[],
): {
  first: string;
  each: string;
  only: string;
  seeds: (active: readonly Param[], tangents: readonly string[]) => string[];
  /** Lines before each sweep: its own copies of the arrays of arrays (and their seeds) the function writes. */
  prepare: (active: readonly Param[], tangents: readonly string[], indent: string, lines: string[]) => void;
} {
  const copies = new Map<string, string>();
  for (const p of fn.params) if (p.shape === "array" && written.has(p.name)) copies.set(p.name, n(`${p.name}_in`));
  // An array of arrays is copied row by row (a slice would share its rows), in statements of its own.
  const nested = new Map<string, Param>(fn.params.filter((p) => copies.has(p.name) && isNestedArray(p.t)).map((p) => [p.name, p]));
  const sweepCopies = new Map([...nested.keys()].map((p) => [p, n(`${p}_sweep`)]));
  const seedCopies = new Map([...nested.keys()].map((p) => [p, n(`d${p}_sweep`)]));
  for (const [p, copy] of copies) {
    if (nested.has(p)) copyRows(copy, nested.get(p)!.t, p, n, "", lines);
    else lines.push(`const ${copy} = ${p}.slice();`);
  }
  const first = fn.params.map((p) => p.name).join(", ");
  const each = fn.params.map((p) => sweepCopies.get(p.name) ?? (copies.has(p.name) ? `${copies.get(p.name)}.slice()` : p.name)).join(", ");
  const only = fn.params.map((p) => copies.get(p.name) ?? p.name).join(", ");
  // A tangent seed the function writes along with its array (dv beside v) is copied for each sweep too.
  const seeds = (active: readonly Param[], tangents: readonly string[]): string[] =>
    active.map((p, k) => seedCopies.get(p.name) ?? (copies.has(p.name) ? `${tangents[k]}.slice()` : tangents[k]));
  const prepare = (active: readonly Param[], tangents: readonly string[], indent: string, out: string[]): void => {
    for (const [p, param] of nested) {
      copyRows(sweepCopies.get(p)!, param.t, copies.get(p)!, n, indent, out);
      const k = active.indexOf(param);
      if (k >= 0) copyRows(seedCopies.get(p)!, param.t, tangents[k], n, indent, out);
    }
  };
  return { first, each, only, seeds, prepare };
}

/** `const name = <of, its rows copied>;` as lines, for an array of rows of numbers. */
function copyRows(name: string, t: Type, of: string, n: (base: string) => string, indent: string, lines: string[]): void {
  const k = n("k");
  lines.push(`${indent}const ${name}: ${typeText(writable(t))} = [];`);
  lines.push(`${indent}for (let ${k} = 0; ${k} < ${of}.length; ${k}++) ${name}[${k}] = ${of}[${k}].slice();`);
}

function text(lines: string[], fn: FunctionIR): Stmt {
  return { k: "opaque", stmt: { k: "opaque", text: lines.join("\n"), reads: [], code: ADC.unsupportedStatement, reason: "driver", pos: fn.pos } };
}

/** The places of a number or record tangent that a sweep seeds with 1 in turn: `dx`, or `dp.x`, `dp.y`. */
const seedsOf = (p: Param, tangent: string): string[] => (p.shape === "record" ? numberFields(p.t).map((f) => textZeros.field(tangent, f)) : [tangent]);

/** The zero tangent of an active parameter, as text: `0`, `new Float64Array(x.length)`, `new Array<number>(x.length).fill(0)`. */
export const zeroTangent = (p: Param): string => zeroOf(differentiatedAs(p.t)!, p.name, textZeros)!;

/**
 * `const name = <zeros shaped like of>;` as lines: a flat array in one expression, an array of arrays
 * declared empty and filled by loops (`zeroRows`).
 */
function declareZeros(name: string, t: Type, of: string, n: (base: string) => string, indent: string, lines: string[]): void {
  if (!isNestedArray(t)) {
    lines.push(`${indent}const ${name} = ${zeroOf(differentiatedAs(t)!, of, textZeros)!};`);
    return;
  }
  lines.push(`${indent}const ${name}: ${typeText(writable(t))} = [];`);
  printStmts(zeroRows(ref(name), writable(t), ref(of), () => n("k")), indent, lines);
}

/**
 * Loops over the rows of numbers of `of`, a value of type `t` (itself for a flat array, each row of an
 * array of arrays, in row-major order): `body` gets the text of the row, the indices that reach it
 * (`[k][k2]`, for another array of the same shape) and the indent inside the loops.
 */
function eachRow(of: string, t: Type, n: (base: string) => string, indent: string, lines: string[], body: (row: string, indent: string, path: string) => void, path = ""): void {
  if (t.k !== "array" || t.elem.k !== "array") {
    body(`${of}${path}`, indent, path);
    return;
  }
  const k = n("k");
  lines.push(`${indent}for (let ${k} = 0; ${k} < ${of}${path}.length; ${k}++) {`);
  eachRow(of, t.elem, n, `${indent}  `, lines, body, `${path}[${k}]`);
  lines.push(`${indent}}`);
}

/** The count of numbers in `of` (a value of type `t`) as lines adding to the variable `count`. */
function countNumbers(count: string, of: string, t: Type, n: (base: string) => string, indent: string, lines: string[]): void {
  eachRow(of, t, n, indent, lines, (row, inner) => lines.push(`${inner}${count} += ${row}.length;`));
}

/**
 * Drivers copy the array parameters a function writes, an array of arrays row by row: one deeper than
 * that (number[][][]) written in place is refused. The Hessian's flat gradient does not take arrays of
 * arrays yet either.
 */
function refuseNested(fn: FunctionIR, active: readonly string[], written: ReadonlySet<string>, what: string, hessian: boolean): void {
  const deep = (t: Type): boolean => t.k === "array" && t.elem.k === "array" && t.elem.elem.k === "array";
  const p = fn.params.find((q) => isNestedArray(q.t) && ((written.has(q.name) && deep(q.t)) || (hessian && active.includes(q.name))));
  if (p === undefined) return;
  throw new CompileError({
    code: ADC.nestedArrayForm,
    message: hessian && active.includes(p.name)
      ? `${what} cannot be generated for ${fn.name}: the Hessian of a function of an array of arrays ('${p.name}') is not supported yet; flatten it into a number[]`
      : `${what} cannot be generated for ${fn.name}, which may write elements of its array of arrays of arrays '${p.name}' (each sweep needs a copy of it); write into an array of its own`,
    pos: fn.pos,
  });
}

export function jacobianDriver(fn: FunctionIR, activeParams: readonly string[], names: DriverNames): GeneratedFunction {
  refuseNested(fn, activeParams, names.written, `${fn.name}_jacobian`, false);
  const scope = new NameScope([...fn.params.map((p) => p.name), names.dual, names.vjp, fn.name]);
  const n = (base: string): string => scope.fresh(base);
  const active = fn.params.filter((p) => activeParams.includes(p.name));
  const args = fn.params.map((p) => p.name).join(", ");
  const value = n("value");
  const lines: string[] = [];
  const rowOf = (row: string, adjoints: string[], lines: string[], indent: string): void => {
    active.forEach((p, i) => {
      if (p.shape === "num") lines.push(`${indent}${row}.push(${adjoints[i]});`);
      else if (p.shape === "record") lines.push(`${indent}${row}.push(${numberFields(p.t).map((f) => textZeros.field(adjoints[i], f)).join(", ")});`);
      // An array of arrays contributes its numbers row by row (the columns of J follow its row-major order).
      else eachRow(adjoints[i], p.t, n, indent, lines, (of, inner) => lines.push(`${inner}for (const g of ${of}) ${row}.push(g);`));
    });
  };
  const adjoints = active.map((p) => n(`${p.name}_b`));
  if (fn.returnShape === "num") {
    // One output: one reverse sweep gives the whole row.
    const row = n("row");
    lines.push(`const [${[value, ...adjoints].join(", ")}] = ${names.vjp}(${args}, 1);`);
    lines.push(`const ${row}: number[] = [];`);
    rowOf(row, adjoints, lines, "");
    lines.push(`return [${value}, [${row}]];`);
    return { name: names.name, exported: names.exported, params: primalParams(fn.params), returnType: `[number, number[][]]`, body: [text(lines, fn)] };
  }
  const outputs = n("outputs");
  const inputs = n("inputs");
  const jacobian = n("jacobian");
  const r = n("r");
  const column = n("column");
  const tangents = active.map((p) => n(`d${p.name}`));
  const dvalue = n(`d${value}`);
  const ybar = n("ybar");
  const flatSize =
    active
      .filter((p) => !isNestedArray(p.t))
      .map((p) => (p.shape === "num" ? "1" : p.shape === "record" ? String(numberFields(p.t).length) : `${p.name}.length`))
      .join(" + ") || "0";
  const nestedInputs = active.filter((p) => isNestedArray(p.t));
  const nestedResult = isNestedArray(fn.returnT);
  const sweep = sweepArguments(fn, names.written, n, lines);
  lines.push(`const ${value} = ${fn.name}(${sweep.first});`);
  // A record result's rows are its number fields, in declaration order: `keys[r]` names row r.
  const fields = fn.returnShape === "record" ? numberFields(fn.returnT) : undefined;
  const keys = fields !== undefined ? n("keys") : "";
  const at = (arr: string, r: string): string => (fields !== undefined ? `${arr}[${keys}[${r}]]` : `${arr}[${r}]`);
  if (fields !== undefined) {
    lines.push(`const ${keys} = [${fields.map((f) => JSON.stringify(f)).join(", ")}] as const;`);
    lines.push(`const ${outputs} = ${keys}.length;`);
  } else {
    // An array of arrays (in or out) counts its numbers row by row.
    lines.push(`${nestedResult ? "let" : "const"} ${outputs} = ${nestedResult ? "0" : `${value}.length`};`);
    if (nestedResult) countNumbers(outputs, value, fn.returnT, n, "", lines);
  }
  lines.push(`${nestedInputs.length > 0 ? "let" : "const"} ${inputs} = ${flatSize};`);
  for (const p of nestedInputs) countNumbers(inputs, p.name, p.t, n, "", lines);
  lines.push(`const ${jacobian}: number[][] = [];`);
  lines.push(`for (let ${r} = 0; ${r} < ${outputs}; ${r}++) ${jacobian}.push(new Array<number>(${inputs}).fill(0));`);
  lines.push(`if (${inputs} <= ${outputs}) {`);
  lines.push(`  // One forward sweep per input element: a column.`);
  lines.push(`  let ${column} = 0;`);
  active.forEach((p, i) => {
    if (p.shape === "num") lines.push(`  let ${tangents[i]} = 0;`);
    else declareZeros(tangents[i], p.t, p.name, n, "  ", lines);
  });
  const dualCall = `${names.dual}(${[sweep.each, ...sweep.seeds(active, tangents)].join(", ")})`;
  const storeColumn = (indent: string): void => {
    sweep.prepare(active, tangents, indent, lines);
    lines.push(`${indent}const [, ${dvalue}] = ${dualCall};`);
    if (nestedResult) {
      // The rows of J follow the result's row-major order.
      lines.push(`${indent}let ${r} = 0;`);
      eachRow(dvalue, fn.returnT, n, indent, lines, (row, inner) => lines.push(`${inner}for (const y of ${row}) ${jacobian}[${r}++][${column}] = y;`));
    } else lines.push(`${indent}for (let ${r} = 0; ${r} < ${outputs}; ${r}++) ${jacobian}[${r}][${column}] = ${at(dvalue, r)};`);
    lines.push(`${indent}${column}++;`);
  };
  active.forEach((p, i) => {
    if (p.shape === "num" || p.shape === "record") {
      for (const seed of seedsOf(p, tangents[i])) {
        lines.push(`  {`);
        lines.push(`    ${seed} = 1;`);
        storeColumn("    ");
        lines.push(`    ${seed} = 0;`);
        lines.push(`  }`);
      }
      return;
    }
    // One column per number, row by row for an array of arrays.
    eachRow(p.name, p.t, n, "  ", lines, (row, indent, path) => {
      const k = n("k");
      lines.push(`${indent}for (let ${k} = 0; ${k} < ${row}.length; ${k}++) {`);
      lines.push(`${indent}  ${tangents[i]}${path}[${k}] = 1;`);
      storeColumn(`${indent}  `);
      lines.push(`${indent}  ${tangents[i]}${path}[${k}] = 0;`);
      lines.push(`${indent}}`);
    });
  });
  lines.push(`} else {`);
  lines.push(`  // One reverse sweep per output element: a row.`);
  const row = n("row");
  if (nestedResult) {
    // ȳ shaped like the result, one number set at a time, row by row.
    declareZeros(ybar, fn.returnT, value, n, "  ", lines);
    lines.push(`  let ${r} = 0;`);
    eachRow(ybar, fn.returnT, n, "  ", lines, (seedRow, indent) => {
      const k = n("k");
      lines.push(`${indent}for (let ${k} = 0; ${k} < ${seedRow}.length; ${k}++) {`);
      lines.push(`${indent}  ${seedRow}[${k}] = 1;`);
      sweep.prepare([], [], `${indent}  `, lines);
      lines.push(`${indent}  const [, ${adjoints.join(", ")}] = ${names.vjp}(${sweep.each}, ${ybar});`);
      lines.push(`${indent}  ${seedRow}[${k}] = 0;`);
      lines.push(`${indent}  const ${row}: number[] = [];`);
      rowOf(row, adjoints, lines, `${indent}  `);
      lines.push(`${indent}  ${jacobian}[${r}++] = ${row};`);
      lines.push(`${indent}}`);
    });
    lines.push(`}`);
    lines.push(`return [${value}, ${jacobian}];`);
    return { name: names.name, exported: names.exported, params: primalParams(fn.params), returnType: `[${fn.returnType}, number[][]]`, body: [text(lines, fn)] };
  }
  const seedZero = fields !== undefined ? zeroOf(fn.returnT, value, textZeros)! : isTypedArray(fn.returnArrayKind) ? `new ${fn.returnArrayKind}(${outputs})` : `new Array<number>(${outputs}).fill(0)`;
  lines.push(`  const ${ybar} = ${seedZero};`);
  lines.push(`  for (let ${r} = 0; ${r} < ${outputs}; ${r}++) {`);
  lines.push(`    ${at(ybar, r)} = 1;`);
  sweep.prepare([], [], "    ", lines);
  lines.push(`    const [, ${adjoints.join(", ")}] = ${names.vjp}(${sweep.each}, ${ybar});`);
  lines.push(`    ${at(ybar, r)} = 0;`);
  lines.push(`    const ${row}: number[] = [];`);
  rowOf(row, adjoints, lines, "    ");
  lines.push(`    ${jacobian}[${r}] = ${row};`);
  lines.push(`  }`);
  lines.push(`}`);
  lines.push(`return [${value}, ${jacobian}];`);
  return { name: names.name, exported: names.exported, params: primalParams(fn.params), returnType: `[${fn.returnType}, number[][]]`, body: [text(lines, fn)] };
}

export interface HessianNames {
  readonly name: string;
  readonly exported: boolean;
  /** Array parameters the function writes (see DriverNames). */
  readonly written: ReadonlySet<string>;
  /** The forward derivative of the flat gradient (`f_gradient_dual`): `(params, tangents) => [gradient, dgradient]`. */
  readonly gradientDual: string;
}

/**
 * `[value, gradient, H]`: one forward sweep over the reverse sweep per input element gives a column
 * of H; H is then made exactly symmetric, each pair set to (H_ij + H_ji) / 2, which rounds the same
 * whichever way round it is added.
 */
export function hessianDriver(fn: FunctionIR, activeParams: readonly string[], names: HessianNames): GeneratedFunction {
  refuseNested(fn, activeParams, names.written, `${fn.name}_hessian`, true);
  const scope = new NameScope([...fn.params.map((p) => p.name), names.gradientDual, fn.name]);
  const n = (base: string): string => scope.fresh(base);
  const active = fn.params.filter((p) => activeParams.includes(p.name));
  const value = n("value");
  const hessian = n("hessian");
  const gradient = n("gradient");
  const g = n("g");
  const dg = n("dg");
  const size = n("size");
  const i = n("i");
  const j = n("j");
  const tangents = active.map((p) => n(`d${p.name}`));
  const lines: string[] = [];
  const sweep = sweepArguments(fn, names.written, n, lines);
  lines.push(`const ${value} = ${fn.name}(${sweep.first});`);
  lines.push(`const ${hessian}: number[][] = [];`);
  lines.push(`let ${gradient}: number[] = [];`);
  active.forEach((p, k) => lines.push(p.shape === "num" ? `let ${tangents[k]} = 0;` : `const ${tangents[k]} = ${zeroTangent(p)};`));
  const call = `${names.gradientDual}(${[sweep.each, ...sweep.seeds(active, tangents)].join(", ")})`;
  const column = (indent: string): void => {
    sweep.prepare(active, tangents, indent, lines);
    lines.push(`${indent}const [${g}, ${dg}] = ${call};`);
    lines.push(`${indent}${gradient} = ${g};`);
    lines.push(`${indent}${hessian}.push(${dg});`);
  };
  active.forEach((p, k) => {
    if (p.shape === "num" || p.shape === "record") {
      for (const seed of seedsOf(p, tangents[k])) {
        lines.push(`{`);
        lines.push(`  ${seed} = 1;`);
        column("  ");
        lines.push(`  ${seed} = 0;`);
        lines.push(`}`);
      }
      return;
    }
    const e = n("k");
    lines.push(`for (let ${e} = 0; ${e} < ${p.name}.length; ${e}++) {`);
    lines.push(`  ${tangents[k]}[${e}] = 1;`);
    column("  ");
    lines.push(`  ${tangents[k]}[${e}] = 0;`);
    lines.push(`}`);
  });
  lines.push(`const ${size} = ${hessian}.length;`);
  lines.push(`for (let ${i} = 0; ${i} < ${size}; ${i}++) {`);
  lines.push(`  for (let ${j} = 0; ${j} < ${i}; ${j}++) {`);
  lines.push(`    const symmetric = (${hessian}[${i}][${j}] + ${hessian}[${j}][${i}]) / 2;`);
  lines.push(`    ${hessian}[${i}][${j}] = symmetric;`);
  lines.push(`    ${hessian}[${j}][${i}] = symmetric;`);
  lines.push(`  }`);
  lines.push(`}`);
  lines.push(`return [${value}, ${gradient}, ${hessian}];`);
  return { name: names.name, exported: names.exported, params: primalParams(fn.params), returnType: "[number, number[], number[][]]", body: [text(lines, fn)] };
}

/**
 * `[value, g1, ..., gk, Hv1, ..., Hvk]` for directions (dp1, ..., dpk), one per active parameter and
 * shaped like it: one call of f_gradient_dual, whose tangent is H·v; H is never built. The gradient
 * is cut up as `_grad` returns it, and H·v the same way.
 */
export function hvpDriver(fn: FunctionIR, activeParams: readonly string[], names: HessianNames): GeneratedFunction {
  refuseNested(fn, activeParams, names.written, `${fn.name}_hvp`, true);
  const scope = new NameScope([...fn.params.map((p) => p.name), names.gradientDual, fn.name]);
  const n = (base: string): string => scope.fresh(base);
  const active = fn.params.filter((p) => activeParams.includes(p.name));
  const tangents = active.map((p) => n(`d${p.name}`));
  const value = n("value");
  const gradient = n("gradient");
  const hv = n("hv");
  const lines: string[] = [];
  const sweep = sweepArguments(fn, names.written, n, lines);
  lines.push(`const ${value} = ${fn.name}(${sweep.first});`);
  lines.push(`const [${gradient}, ${hv}] = ${names.gradientDual}(${[sweep.only, ...sweep.seeds(active, tangents)].join(", ")});`);
  lines.push(`return [${[value, ...perParameter(gradient, active), ...perParameter(hv, active)].join(", ")}];`);
  const types = active.map(gradientType);
  return {
    name: names.name,
    exported: names.exported,
    params: [...primalParams(fn.params), ...active.map((p, k) => tangentParam(p, tangents[k]))],
    returnType: `[${["number", ...types, ...types].join(", ")}]`,
    body: [text(lines, fn)],
  };
}

/** A flat vector over the active parameters (`flat`), as one piece per parameter shaped like it: `g[0]`, `g.slice(1, 1 + v.length)`. */
function perParameter(flat: string, active: readonly Param[]): string[] {
  let numbers = 0;
  const lengths: string[] = [];
  const offset = (): string => [...(numbers > 0 || lengths.length === 0 ? [String(numbers)] : []), ...lengths].join(" + ");
  return active.map((p, k) => {
    const start = offset();
    if (p.shape === "num") {
      numbers++;
      return `${flat}[${start}]`;
    }
    if (p.shape === "record") {
      // A record's gradient is the record of its fields' entries.
      const entries = numberFields(p.t).map((f) => {
        const at = offset();
        numbers++;
        return `${JSON.stringify(f).slice(1, -1) === f && /^[A-Za-z_$][\w$]*$/.test(f) ? f : JSON.stringify(f)}: ${flat}[${at}]`;
      });
      return `{ ${entries.join(", ")} }`;
    }
    lengths.push(`${p.name}.length`);
    const last = k === active.length - 1;
    const piece = last ? (start === "0" ? flat : `${flat}.slice(${start})`) : `${flat}.slice(${start}, ${offset()})`;
    return isTypedArray(p.arrayKind) ? `${p.arrayKind}.from(${piece})` : piece;
  });
}
