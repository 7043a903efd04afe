/**
 * The compiler's own IR: a small typed tree of scalars, arrays, loops, branches and calls, free of
 * TypeScript AST types so that every mode maps IR to IR and modes compose.
 */

/** Where a construct came from, for diagnostics (1-based line and column). */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

import type { Type } from "./types.js";

/**
 * What a value is, as far as today's modes differentiate it: derived from its `Type` by `shapeOf`. A
 * `record` (an object of numbers, and of data that is not differentiated) is a parameter or a result:
 * the frontend scalar-replaces local records by one variable per field (`records.ts`).
 */
export type Shape = "num" | "array" | "record" | "other";

/** The constructor of an array value, so tangents and adjoints are made alike. */
export type ArrayKind = "Float64Array" | "Float32Array" | "Array";

export type BinaryOp = "+" | "-" | "*" | "/" | "%" | "**";
export type CompareOp = "<" | "<=" | ">" | ">=" | "===" | "!==" | "==" | "!=";
export type AssignOp = "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "**=";

/** An expression the frontend could not represent; kept verbatim and legal only while inactive. */
export interface Opaque {
  readonly k: "opaque";
  readonly text: string;
  /** Local names it reads or writes; if any of them is active the construct is an error. */
  readonly reads: readonly string[];
  readonly code: string;
  readonly reason: string;
  readonly pos: SourcePos;
  /** A statement-level call: numbers passed by value cannot carry a derivative away, arrays can. */
  readonly allowActiveScalars?: boolean;
  /**
   * Where it assigns a local (`++`, `--` or an assignment inside it), if it does: its text must run
   * exactly once, so it may not sit in an expression a mode differentiates (and so repeats).
   */
  readonly writesAt?: SourcePos;
}

/** A call of a function with a user's derivative rule (`/** @derivative of=f *\/ function f_partials`). */
export interface UserRuleCall {
  /** The callee as written at the call (`gammaln`, `lg` for `const lg = gammaln`, `m.gammaln`). */
  readonly callee: string;
  /** The rule function: its key (`file#name`) and name. */
  readonly target: string;
  readonly name: string;
  readonly arity: number;
  /** 0: the rule returns the one partial; n: the n partials, in a tuple or an array. */
  readonly count: number;
  /** The call, for diagnostics. */
  readonly pos: SourcePos;
}

export type Expr =
  | { readonly k: "num"; readonly value: number; readonly text?: string }
  /** `nonNull`: written `name!` (a `number | null` narrowed by the user); printed so, so the output type-checks as the input does. */
  | { readonly k: "var"; readonly name: string; readonly nonNull?: true }
  | { readonly k: "bin"; readonly op: BinaryOp; readonly a: Expr; readonly b: Expr }
  | { readonly k: "neg"; readonly a: Expr }
  | { readonly k: "cmp"; readonly op: CompareOp; readonly a: Expr; readonly b: Expr }
  | { readonly k: "logic"; readonly op: "&&" | "||"; readonly a: Expr; readonly b: Expr }
  | { readonly k: "not"; readonly a: Expr }
  | { readonly k: "cond"; readonly c: Expr; readonly a: Expr; readonly b: Expr }
  /**
   * `Math.fn(args)`, or a Math constant when `args` is empty and `fn` names one. With `rule`, a call of
   * a function the user gave a derivative rule (`@derivative of=f`): `fn` is then the rule's key (never
   * a Math name) and the call is printed as `rule.callee(args)`.
   */
  | { readonly k: "math"; readonly fn: string; readonly args: readonly Expr[]; readonly rule?: UserRuleCall }
  /** A call of a function whose source the compiler sees. */
  | {
      readonly k: "call";
      /** The callee as written (`g`, `m.g`). */
      readonly fn: string;
      /** The callee's identity: `file#name`. */
      readonly target: string;
      readonly args: readonly Expr[];
      readonly pos: SourcePos;
      /** The checker's type of the result at the call (a generic callee's, instantiated), as this module names it. */
      readonly resultType?: string;
      /** A call modes write of a user rule's function: the callee (as written) whose partials it gives. */
      readonly partialsOf?: string;
    }
  /** `pos`: where the frontend read it (absent on those modes build). */
  | { readonly k: "index"; readonly arr: Expr; readonly index: Expr; readonly pos?: SourcePos }
  | { readonly k: "length"; readonly arr: Expr }
  /** `new Float64Array(size)` or `new Array(size).fill(0)`: a zero-filled array. */
  | { readonly k: "zeros"; readonly kind: ArrayKind; readonly size: Expr }
  | { readonly k: "arraylit"; readonly elems: readonly Expr[] }
  /** `obj.name`: a field of a record parameter (local records are variables per field by now). */
  | { readonly k: "field"; readonly obj: Expr; readonly name: string }
  /** `{ a: e, b: f }`: an object literal, where a record is returned or passed to a function. */
  | { readonly k: "record"; readonly fields: readonly RecordField[] }
  | Opaque;

export interface RecordField {
  readonly name: string;
  readonly value: Expr;
}

export type LValue =
  | { readonly k: "var"; readonly name: string }
  | { readonly k: "index"; readonly arr: Expr; readonly index: Expr };

export interface Declarator {
  readonly name: string;
  /** The type annotation as written (TypeScript text), if any. */
  readonly type?: string;
  readonly init?: Expr;
  readonly pos?: SourcePos;
  /**
   * What this declaration holds where it differs from the function's `locals` entry for the name (that
   * of the name's first declaration): a name declared again in another block may hold another kind.
   */
  readonly info?: LocalInfo;
}

/**
 * Statements. `pos` (on declarators, assignments, returns, expression statements, branches and loops)
 * is where the frontend read them, for diagnostics; statements modes build may have none.
 */
export type Stmt =
  | { readonly k: "let"; readonly decl: "const" | "let"; readonly decls: readonly Declarator[] }
  | {
      readonly k: "assign";
      readonly target: LValue;
      readonly op: AssignOp;
      readonly value: Expr;
      /** Written as `x++` / `x--` (op is `+=`/`-=` with value 1). */
      readonly increment?: "++" | "--";
      readonly pos?: SourcePos;
    }
  /** `const [a, b, ...] = value` (only produced by modes, for calls of derivative functions). */
  | { readonly k: "destructure"; readonly decl: "const" | "let"; readonly names: readonly string[]; readonly value: Expr }
  | { readonly k: "if"; readonly cond: Expr; readonly then: readonly Stmt[]; readonly else?: readonly Stmt[]; readonly pos?: SourcePos }
  | {
      readonly k: "for";
      readonly init: readonly Stmt[];
      readonly cond?: Expr;
      readonly update: readonly Stmt[];
      readonly body: readonly Stmt[];
      readonly pos?: SourcePos;
      /** Written after `// @checkpoint`: reverse mode stores a few states instead of taping every iteration. */
      readonly checkpoint?: Checkpoint;
    }
  | { readonly k: "while"; readonly cond: Expr; readonly body: readonly Stmt[]; readonly pos?: SourcePos }
  | { readonly k: "do"; readonly body: readonly Stmt[]; readonly cond: Expr; readonly pos?: SourcePos }
  | {
      readonly k: "switch";
      readonly disc: Expr;
      readonly cases: readonly { readonly test?: Expr; readonly body: readonly Stmt[] }[];
      readonly pos?: SourcePos;
    }
  | { readonly k: "break" }
  | { readonly k: "continue" }
  | { readonly k: "return"; readonly value?: Expr; readonly pos?: SourcePos }
  | { readonly k: "expr"; readonly expr: Expr; readonly pos?: SourcePos }
  /** `inlined`: a callee's body inlined for reverse mode (a region of the caller, printed without braces). */
  | { readonly k: "block"; readonly body: readonly Stmt[]; readonly inlined?: string }
  /** A statement the frontend could not represent (e.g. a nested function); legal only while inactive. */
  | { readonly k: "opaque"; readonly stmt: Opaque };

/** A loop's `// @checkpoint snapshots=N segment=K` pragma. */
export interface Checkpoint {
  /** The most states the reverse sweep keeps at once (besides the last iteration's). */
  readonly snapshots: number;
  /** The iterations taped together in the reverse sweep (revolve's steps are segments of this many). */
  readonly segment: number;
  /** Where the pragma was written. */
  readonly pos: SourcePos;
}

export interface Param {
  readonly name: string;
  /** The parameter's type as written, or as the checker printed it. */
  readonly type: string;
  /** What it is; `shape` and `arrayKind` are derived from it (`paramOf`). */
  readonly t: Type;
  readonly shape: Shape;
  readonly arrayKind?: ArrayKind;
  /** Written `name?: T` or with a default: a caller may leave it out. */
  readonly optional?: boolean;
  /** The default value as written (`3` of `y: number = 3`); generated signatures keep it. */
  readonly init?: string;
  /** The default is an array literal of this many elements (`[1, 2]`: 2), so its tangent can be `[0, 0]`. */
  readonly initLength?: number;
}

/** The facts the frontend learned about a local variable. */
export interface LocalInfo {
  /** What it holds; `shape` and `arrayKind` are derived from it (`localOf`). */
  readonly t: Type;
  readonly shape: Shape;
  readonly arrayKind?: ArrayKind;
  /** The type to declare it with, for variables lowering makes (the checker names the user's). */
  readonly type?: string;
  /** A number declared `number | null` or `number | undefined` (its `t` is `num`): it may hold null until assigned. */
  readonly nullable?: true;
}

export interface FunctionIR {
  readonly name: string;
  readonly file: string;
  readonly pos: SourcePos;
  readonly exported: boolean;
  readonly params: readonly Param[];
  /** What it returns; `returnShape` and `returnArrayKind` are derived from it (`returning`). */
  readonly returnT: Type;
  readonly returnShape: Shape;
  readonly returnArrayKind?: ArrayKind;
  readonly returnType: string;
  /** A function returning a fixed tuple of numbers (a callee's reverse half, `[a_b, b_b]`): its length. */
  readonly returnTuple?: number;
  readonly body: readonly Stmt[];
  /** Every local (params included) by name. Names are merged across block scopes. */
  readonly locals: ReadonlyMap<string, LocalInfo>;
  /** Every identifier the function's text uses, for collision-free naming. */
  readonly usedNames: ReadonlySet<string>;
  /** From the tag: the annotated function's active parameters, or undefined if not annotated. */
  readonly annotation?: Annotation;
}

export interface Annotation {
  /** Names of the active parameters, in parameter order. */
  readonly wrt: readonly string[];
  readonly hessian: boolean;
}
