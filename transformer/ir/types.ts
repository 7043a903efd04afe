/**
 * The IR's types: what a value is, recursively, free of TypeScript's own type objects (the frontend
 * builds them from the checker). Today's modes differentiate numbers and flat arrays of numbers, which
 * they read as a `Shape` (`shapeOf`); records, nested arrays and classes are described here so that
 * their tangents (`tangentType`) and zeros (`zeroOf`) come from one recursion when the modes take them.
 */
import type { ArrayKind, Expr, LocalInfo, LValue, Param, Shape, Stmt } from "./ir.js";
import { index, num } from "./build.js";

/** The constructor of an array: the IR's `ArrayKind`s. */
export type ArrayTypeKind = ArrayKind;

/** Whether arrays of this kind are typed arrays (zero-filled when made, of a fixed element precision). */
export const isTypedArray = (kind: ArrayKind | undefined): kind is "Float64Array" | "Float32Array" => kind === "Float64Array" || kind === "Float32Array";

/** The TypeScript type of a flat array of numbers of this kind, as generated code declares it. */
export const arrayTypeText = (kind: ArrayKind | undefined): string => (isTypedArray(kind) ? kind : "number[]");

/** A named member: a record's field or a function type's parameter. */
export interface Member {
  readonly name: string;
  readonly t: Type;
}

export type Type =
  | { readonly k: "num" }
  | { readonly k: "bool" }
  /** `elem[]` (`readonly elem[]`), or a typed array (`elem` is then `num`). */
  | { readonly k: "array"; readonly elem: Type; readonly kind: ArrayTypeKind; readonly readonly?: true }
  | { readonly k: "tuple"; readonly elems: readonly Type[]; readonly readonly?: true }
  /** An object type, its properties in declaration order; a class's instances name the class (methods are `fn` fields). */
  | { readonly k: "record"; readonly fields: readonly Member[]; readonly className?: string }
  | { readonly k: "fn"; readonly params: readonly Member[]; readonly result: Type }
  /** Anything else (strings, unions, library types, ...), as TypeScript prints it. */
  | { readonly k: "opaque"; readonly text: string };

export const NUM: Type = { k: "num" };
export const BOOL: Type = { k: "bool" };
export const opaque = (text: string): Type => ({ k: "opaque", text });
export const arrayOf = (elem: Type, kind: ArrayTypeKind = "Array"): Type => ({ k: "array", elem, kind });

/** A type's TypeScript text, as generated code declares it. */
export function typeText(t: Type): string {
  switch (t.k) {
    case "num":
      return "number";
    case "bool":
      return "boolean";
    case "array":
      if (t.kind !== "Array") return t.kind;
      return `${t.readonly ? "readonly " : ""}${elemText(t.elem)}[]`;
    case "tuple":
      return `${t.readonly ? "readonly " : ""}[${t.elems.map(typeText).join(", ")}]`;
    case "record":
      return t.className ?? (t.fields.length === 0 ? "{}" : `{ ${t.fields.map((f) => `${propertyName(f.name)}: ${typeText(f.t)}`).join("; ")} }`);
    case "fn":
      return `(${t.params.map((p) => `${p.name}: ${typeText(p.t)}`).join(", ")}) => ${typeText(t.result)}`;
    case "opaque":
      return t.text;
  }
}

/** An element type before `[]`, parenthesised where `[]` would bind to less than all of it. */
function elemText(t: Type): string {
  const text = typeText(t);
  const loose = t.k === "fn" || ((t.k === "array" || t.k === "tuple") && t.readonly) || (t.k === "opaque" && /[|&]|=>|^readonly |^keyof |^typeof /.test(text));
  return loose ? `(${text})` : text;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const propertyName = (name: string): string => (IDENTIFIER.test(name) ? name : JSON.stringify(name));

/** An array of numbers, or of such arrays at any depth (`number[]`, `Float32Array`, `number[][]`, `Float64Array[]`). */
const holdsNumbers = (t: Type): boolean => t.k === "array" && (t.elem.k === "num" || holdsNumbers(t.elem));

/** An array of arrays of numbers (`number[][]`, `readonly number[][]`, `Float64Array[]`, `number[][][]`): its elements are rows. */
export const isNestedArray = (t: Type | undefined): boolean => t !== undefined && t.k === "array" && t.elem.k === "array" && holdsNumbers(t);

/**
 * What the modes differentiate a value of this type as: a number, an array (of numbers, or of arrays
 * of numbers: `arrayKind` is the outer array's), or data.
 */
export function shapeOf(t: Type): { shape: Shape; arrayKind?: ArrayKind } {
  if (t.k === "num") return { shape: "num" };
  if (holdsNumbers(t)) return { shape: "array", arrayKind: (t as { kind: ArrayKind }).kind };
  // A tuple of numbers is differentiated as the array of numbers it is.
  if (t.k === "tuple" && t.elems.length > 0 && t.elems.every((e) => e.k === "num")) return { shape: "array", arrayKind: "Array" };
  if (isFlatRecord(t)) return { shape: "record" };
  return { shape: "other" };
}

/**
 * A record the modes differentiate: an object type (not a class) of numbers, and of data that has no
 * tangent (strings, booleans, ...), at least one number; no field of it a function, array or record.
 */
export function isFlatRecord(t: Type): t is Extract<Type, { k: "record" }> {
  return t.k === "record" && t.className === undefined && t.fields.some((f) => f.t.k === "num") && t.fields.every((f) => f.t.k === "num" || (tangentType(f.t) === undefined && f.t.k !== "fn" && f.t.k !== "record"));
}

/** The fields of a flat record that carry a derivative (its tangent's fields), in declaration order. */
export const numberFields = (t: Type): string[] => (t.k === "record" ? t.fields.filter((f) => f.t.k === "num").map((f) => f.name) : []);

/** The type that the modes differentiate `t` as (what `shapeOf` says), if they differentiate it. */
export function differentiatedAs(t: Type): Type | undefined {
  if (isNestedArray(t)) return writable(t);
  const s = shapeOf(t);
  return s.shape === "num" ? NUM : s.shape === "array" ? arrayOf(NUM, s.arrayKind) : s.shape === "record" ? tangentType(t) : undefined;
}

/**
 * The type of the value at a place (`m`: number[][], `m[i]`: number[], `m[i][j]`: number), from the
 * type of its root variable (`typeOfVar`); undefined where it is not a place of a known variable.
 */
export function placeType(place: Expr | LValue, typeOfVar: (name: string) => Type | undefined): Type | undefined {
  if (place.k === "var") return typeOfVar(place.name);
  if (place.k !== "index") return undefined;
  const t = placeType(place.arr, typeOfVar);
  return t?.k === "array" ? t.elem : t?.k === "tuple" ? t.elems[0] : undefined;
}

/** `t` without `readonly` at any depth: a tangent or adjoint is written even where its value is read-only. */
export function writable(t: Type): Type {
  if (t.k === "array") return { k: "array", elem: writable(t.elem), kind: t.kind };
  if (t.k === "tuple") return { k: "tuple", elems: t.elems.map(writable) };
  return t;
}

/**
 * The zero tangent of an array of arrays `of` as statements filling `target`, which holds an empty
 * array (`[]`): a loop per level (no closure), each row a zero row of the element's kind (`zeroOf`).
 * `fresh` names a loop index.
 */
export function zeroRows(target: Expr, t: Type, of: Expr, fresh: () => string): Stmt[] {
  if (t.k !== "array" || t.elem.k !== "array") throw new Error("internal: zeroRows of an array of numbers");
  const i = fresh();
  const row: LValue = { k: "index", arr: target, index: { k: "var", name: i } };
  const rowOf: Expr = index(of, { k: "var", name: i });
  const body: Stmt[] =
    t.elem.elem.k === "num"
      ? [{ k: "assign", target: row, op: "=", value: zeroOf(t.elem, rowOf, irZeros)! }]
      : [{ k: "assign", target: row, op: "=", value: { k: "arraylit", elems: [] } }, ...zeroRows(row, t.elem, rowOf, fresh)];
  return [
    {
      k: "for",
      init: [{ k: "let", decl: "let", decls: [{ name: i, init: num(0) }] }],
      cond: { k: "cmp", op: "<", a: { k: "var", name: i }, b: { k: "length", arr: of } },
      update: [{ k: "assign", target: { k: "var", name: i }, op: "+=", value: num(1), increment: "++" }],
      body,
    },
  ];
}

/** A local's facts, its shape derived from its type. */
export const localOf = (t: Type, more: Omit<LocalInfo, "t" | "shape" | "arrayKind"> = {}): LocalInfo => ({ t, ...shapeOf(t), ...more });

/** A parameter, its shape derived from its type. */
export const paramOf = (name: string, type: string, t: Type, more: Omit<Param, "name" | "type" | "t" | "shape" | "arrayKind"> = {}): Param => ({ name, type, t, ...shapeOf(t), ...more });

/**
 * The type of a value's tangent (and adjoint), or undefined if it has none: numbers have numbers,
 * arrays arrays of the same kind, records a record of their differentiable fields (a class's: its
 * fields, not the class), tuples a tuple (`undefined` where an element has none).
 */
export function tangentType(t: Type): Type | undefined {
  switch (t.k) {
    case "num":
      return NUM;
    case "array": {
      const elem = tangentType(t.elem);
      return elem === undefined ? undefined : { ...t, elem };
    }
    case "tuple": {
      const elems = t.elems.map(tangentType);
      // The empty tuple (a default `v: number[] = []`) is its own tangent: `dv = []`.
      return t.elems.length > 0 && elems.every((e) => e === undefined) ? undefined : { ...t, elems: elems.map((e) => e ?? UNDEFINED) };
    }
    case "record": {
      const fields = t.fields.flatMap((f) => {
        const ft = tangentType(f.t);
        return ft === undefined ? [] : [{ name: f.name, t: ft }];
      });
      return fields.length === 0 ? undefined : { k: "record", fields };
    }
    default:
      return undefined;
  }
}

const UNDEFINED = opaque("undefined");

/** How `zeroOf` writes a value: as IR for the modes (`irZeros`), or as text (`textZeros`). */
export interface ZeroWriter<T> {
  readonly zero: T;
  readonly undefined: T;
  /** A zero-filled array as long as `of`. */
  array(kind: ArrayTypeKind, of: T): T;
  /** `of` with each element replaced by `each(element)`. */
  map(of: T, each: (elem: T) => T): T;
  index(of: T, i: number): T;
  field(of: T, name: string): T;
  tuple(elems: readonly T[]): T;
  record(fields: readonly (readonly [string, T])[]): T;
}

/** The zero tangent of `primal`, a value of type `t` (sized from it), or undefined if `t` has no tangent. */
export function zeroOf<T>(t: Type, primal: T, w: ZeroWriter<T>): T | undefined {
  if (tangentType(t) === undefined) return undefined;
  switch (t.k) {
    case "num":
      return w.zero;
    case "array":
      return t.elem.k === "num" ? w.array(t.kind, primal) : w.map(primal, (e) => zeroOf(t.elem, e, w)!);
    case "tuple":
      return w.tuple(t.elems.map((e, i) => zeroOf(e, w.index(primal, i), w) ?? w.undefined));
    case "record":
      return w.record(t.fields.flatMap((f) => {
        const z = zeroOf(f.t, w.field(primal, f.name), w);
        return z === undefined ? [] : [[f.name, z] as const];
      }));
    default:
      return undefined;
  }
}

/** Types the IR has no node for yet: the modes do not differentiate them (`shapeOf` says "other"). */
const notInIR = (what: string): never => {
  throw new Error(`internal: the IR has no ${what} yet`);
};

/** `zeroOf` as IR: numbers, flat arrays (`new Float64Array(n)`, `new Array<number>(n).fill(0)`), tuples and records. */
export const irZeros: ZeroWriter<Expr> = {
  zero: num(0),
  undefined: { k: "var", name: "undefined" },
  array: (kind, of) => ({ k: "zeros", kind, size: { k: "length", arr: of } }),
  map: () => notInIR("map over an array"),
  index: (of, i) => index(of, num(i)),
  field: (of, name) => ({ k: "field", obj: of, name }),
  tuple: (elems) => ({ k: "arraylit", elems }),
  record: (fields) => ({ k: "record", fields: fields.map(([name, value]) => ({ name, value })) }),
};

/** `zeroOf` as TypeScript text, for code written as text (drivers, default values of tangent parameters). */
export const textZeros: ZeroWriter<string> = {
  zero: "0",
  undefined: "undefined",
  array: (kind, of) => (kind === "Array" ? `new Array<number>(${of}.length).fill(0)` : `new ${kind}(${of}.length)`),
  // The element's name shadows an outer map's: each level reads only its own.
  map: (of, each) => {
    const body = each("e");
    return `${of}.map((e) => ${body.startsWith("{") ? `(${body})` : body})`;
  },
  index: (of, i) => `${of}[${i}]`,
  field: (of, name) => (IDENTIFIER.test(name) ? `${of}.${name}` : `${of}[${JSON.stringify(name)}]`),
  tuple: (elems) => `[${elems.join(", ")}]`,
  record: (fields) => (fields.length === 0 ? "{}" : `{ ${fields.map(([name, z]) => `${propertyName(name)}: ${z}`).join(", ")} }`),
};

/** A function's return type and the shape derived from it, for a `FunctionIR`. */
export function returning(t: Type): { returnT: Type; returnShape: Shape; returnArrayKind?: ArrayKind } {
  const s = shapeOf(t);
  return { returnT: t, returnShape: s.shape, ...(s.arrayKind !== undefined ? { returnArrayKind: s.arrayKind } : {}) };
}
