/**
 * Every error and warning adc-ts reports, with a stable code. Codes never change meaning; new kinds get
 * new codes. A diagnostic reads `path:line:col - error ADC1234: message` (1-based line and column);
 * warnings (ADC4xxx) read `warning ADC4001:` and do not fail the compile.
 */
import type { SourcePos } from "./ir/ir.js";

export const ADC = {
  /** The input does not parse. */
  syntax: "ADC1001",
  /** `@differentiable` on something that is not a top-level function. */
  tagNotOnFunction: "ADC1002",
  /** An option after `@differentiable` that adc-ts does not know. */
  unknownOption: "ADC1003",
  /** `wrt=` names something that is not a differentiable parameter. */
  badWrt: "ADC1004",
  /** A differentiable function returns something other than number, number[] or Float64Array. */
  badReturn: "ADC1005",
  /** A parameter form adc-ts cannot differentiate through (destructuring, rest), or a default value that reads another parameter. */
  badParameter: "ADC1006",
  /** `hessian` on a function that does not return a number. */
  badHessian: "ADC1007",
  /** Input nested too deeply for the stack of the process compiling it (the `adc` command has a large one). */
  tooDeep: "ADC1008",
  /** A differentiable function without `wrt=` none of whose parameters has a differentiable type. */
  noActiveParameter: "ADC1009",
  /** A parameter holding numbers in a type adc-ts does not differentiate (Float32Array, number[][]), left out by the default `wrt`. */
  numbersLeftOut: "ADC1010",
  /** `@differentiable` on a default export without a name (`export default function (x) {...}`). */
  anonymousDefault: "ADC1011",
  /** A call to a function imported in a way its derivatives cannot be imported through (a module outside the inputs, `import f = require(...)`, ...). */
  unreachableDerivative: "ADC1012",
  /** A derivative's exported name (`g_dual` for `export { f as g }`) that the module already exports. */
  derivativeExportTaken: "ADC1013",
  /** A `@derivative` rule that is misplaced, names no function (`of=`), or is a second rule for one function. */
  badRule: "ADC1014",
  /** A `@derivative` rule whose signature does not match its function's (arity, number parameters, one partial per argument). */
  ruleSignature: "ADC1015",
  /** A `@derivative` rule used from another module that does not export it, so its partials cannot be imported there. */
  ruleNotExported: "ADC1016",
  /** A `// @checkpoint` comment adc-ts cannot read: an unknown option, a bad snapshot count, or not right before a `for` loop. */
  badCheckpoint: "ADC1017",
  /** A loop under `// @checkpoint` whose trip count is not known when it starts (not `for (let i = a; i < b; i++)` with `i` and `b` left alone by the body, or a `break`, `continue` or `return` inside). */
  checkpointTripCount: "ADC1018",
  /** An active value passed to a function whose source adc-ts cannot see. */
  opaqueCall: "ADC2001",
  /** A method called on an active value (other than the supported ones). */
  methodOnActive: "ADC2002",
  /** An object, closure or nested function holding an active value. */
  objectOrClosure: "ADC2003",
  /** `try`/`catch`/`finally` around active code. */
  tryStatement: "ADC2004",
  /** `eval`, `new Function` or `with`. */
  dynamicCode: "ADC2005",
  /** A property (other than `.length`) read from an active value, or a getter. */
  propertyOnActive: "ADC2006",
  /** A statement adc-ts does not differentiate, touching an active value. */
  unsupportedStatement: "ADC2007",
  /** An expression adc-ts does not differentiate, touching an active value. */
  unsupportedExpression: "ADC2008",
  /** A `for` header whose active update cannot be written inline. */
  activeLoopHeader: "ADC2009",
  /** An assignment, or a `++`/`--` that cannot have a statement of its own, inside an expression with an active value. */
  assignmentInExpression: "ADC2010",
  /** An async function or generator. */
  asyncOrGenerator: "ADC2011",
  /** A labelled statement, touching an active value. */
  labelledStatement: "ADC2012",
  /** An element assigned in an array that is not a local array variable or a row of one (a module-level array, an array expression). */
  nestedActiveArray: "ADC2013",
  /** A callee with an active argument whose derivative would have to write a tangent nobody owns. */
  activeArgumentNotVariable: "ADC2014",
  /** A Math function without a derivative rule, applied to an active value. */
  unknownMathFunction: "ADC2015",
  /** Reverse mode: an alias of an active array it cannot follow (an array parameter re-pointed where code adc-ts cannot see reads it). */
  aliasedActiveArray: "ADC2016",
  /** A record (object of numbers) used as a whole where adc-ts cannot keep one variable per field: stored, compared, passed where it may be written, aliased and reassigned. */
  recordUse: "ADC2017",
  /** A field of a record parameter written, or the parameter reassigned: it is the caller's object. */
  recordParameterWrite: "ADC2018",
  /** A record that a mode does not take yet: a record result or an active record argument in reverse mode (f_vjp, f_grad, f_jacobian rows, f_hessian). */
  recordInMode: "ADC2019",
  /** An array of arrays holding active values in a form a mode does not differentiate yet (a ?: between arrays of arrays, a row replaced, ...). */
  nestedArrayForm: "ADC2020",
  /** Reverse mode: a row of an active array of arrays held in a variable it cannot follow (the variable or its index reassigned while it is used). */
  rowAlias: "ADC2021",
  /** An array method's callback (`xs.map(cb)`, `reduce`, `forEach`, ...) that cannot be desugared into a loop: unknown source, `this`, a `return` inside a loop, a value missing on some path, or a place where the loop cannot run. */
  callbackNotDesugared: "ADC2022",
  /** A call of an arrow function or inner function that cannot be inlined where it is called: recursion, a captured name declared twice, or a place where its statements cannot run. */
  functionValueNotInlined: "ADC2023",
  /** A function passed to a helper whose source adc-ts sees (`integrate(f, a, b)`) that cannot be specialised there: the helper uses it other than by calling it, is in another file, or declares a name the function captures. */
  functionArgumentNotSpecialized: "ADC2024",
  /** A Hessian through a `@derivative` rule whose partials function adc-ts cannot differentiate: the rule has no second derivative. */
  ruleNoSecondDerivative: "ADC2026",
  /** Reverse mode: a loop under `// @checkpoint` whose state it cannot snapshot (an array the body re-points, a value that is not a number or an array of numbers, an active bound). */
  checkpointState: "ADC2028",
  /** An input file could not be read. */
  unreadableInput: "ADC3001",
  /** Bad command-line use: an --out inside the inputs, no inputs, ... */
  usage: "ADC3002",
  /** The output directory could not be written. */
  unwritableOutput: "ADC3003",
  /** Warning: a name a derivative would take is already declared in the module, so the derivative gets a numbered name. */
  derivativeNameTaken: "ADC4001",
  /** An internal compiler error (a bug in adc-ts: please report it), at the function or file it happened in. */
  internal: "ADC9001",
} as const;

export type AdcCode = (typeof ADC)[keyof typeof ADC];

export interface Diagnostic {
  readonly code: string;
  readonly message: string;
  readonly pos?: SourcePos;
  /** A warning (ADC4xxx) is printed and reported but does not fail the compile; absent: an error. */
  readonly severity?: "warning";
  /**
   * In a function called with active arguments: the calls that reach it, as function keys
   * (`file#name`) from the caller down to the function at fault. The compiler folds it into the
   * message (`foldCallChain`) before reporting.
   */
  readonly via?: readonly string[];
}

/** A diagnostic as reported: its call chain, if any, at the end of its message. */
export function foldCallChain(d: Diagnostic): Diagnostic {
  const { via, ...rest } = d;
  if (via === undefined) return rest;
  return { ...rest, message: `${d.message}, in the call chain ${via.map((key) => key.slice(key.lastIndexOf("#") + 1)).join(" → ")}` };
}

export function formatDiagnostic(d: Diagnostic, relativeTo?: (file: string) => string): string {
  const where = d.pos !== undefined ? `${relativeTo ? relativeTo(d.pos.file) : d.pos.file}:${d.pos.line}:${d.pos.col} - ` : "";
  return `${where}${d.severity ?? "error"} ${d.code}: ${d.message}`;
}

/** What makes two diagnostics the same one (an error found on two paths is reported once). */
export const diagnosticKey = (d: Diagnostic): string => `${d.pos?.file}:${d.pos?.line}:${d.pos?.col}:${d.code}:${d.message}`;

/** Thrown inside the compiler where one construct cannot go on; caught per function. */
export class CompileError extends Error {
  /** `diagnostic` and any others found at the same time (every bad parameter of a function, say). */
  readonly diagnostics: readonly Diagnostic[];

  constructor(readonly diagnostic: Diagnostic, others: readonly Diagnostic[] = []) {
    super(formatDiagnostic(diagnostic));
    this.diagnostics = [diagnostic, ...others];
  }
}
