/**
 * The derivative rules of every Math intrinsic: ONE table, read by the compiler (which instantiates it
 * over IR expressions) and by the runtime (which instantiates it over numbers). Each rule gives the
 * partial derivatives of the result with respect to each argument, written against an abstract algebra,
 * so that both modes and both worlds share one statement of the mathematics.
 */

export type Comparison = "<" | "<=" | ">" | ">=" | "===";

/** What a rule may build: numbers, arithmetic, Math calls and a select at a comparison. */
export interface Algebra<T> {
  num(value: number): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  neg(a: T): T;
  pow(a: T, b: T): T;
  math(fn: string, args: T[]): T;
  /** `lhs op rhs ? then : otherwise` */
  select(lhs: T, op: Comparison, rhs: T, then: T, otherwise: T): T;
  /**
   * The partials a user's rule function gives (`@derivative of=f`, see `userRule`): its call on the
   * arguments, once; `count` 0 where it returns one number, else the elements of the `count` it returns.
   */
  userPartials(fn: string, args: T[], count: number): T[];
}

export interface Rule {
  /** Number of arguments, or "variadic" (hypot). */
  readonly arity: number | "variadic";
  /** Piecewise constant: the derivative is zero wherever it exists (floor, sign, ...). */
  readonly zeroDerivative?: boolean;
  /** Whether `partials` reads the result, so that callers keep it in a variable. */
  readonly usesResult?: boolean;
  /** Partial derivative of the result with respect to each argument. */
  partials<T>(A: Algebra<T>, args: readonly T[], result: T): T[];
  /** The choice made where the function is not differentiable or at the edge of its domain. */
  readonly edge: string;
  /**
   * Whether a partial can be infinite where the function itself is finite (sqrt at 0, asin at ±1),
   * given the arguments known to be constants. There a zero tangent or adjoint must contribute 0,
   * not 0 · ∞ = NaN. (Where the function is infinite too, as log at 0, no guard is needed.)
   */
  readonly singular?: (constants: readonly (number | undefined)[]) => boolean;
}

const always = (): boolean => true;

const unary = (
  edge: string,
  partial: <T>(A: Algebra<T>, x: T, y: T) => T,
  usesResult = false,
  singular?: () => boolean,
): Rule => ({ arity: 1, usesResult, edge, partials: (A, args, y) => [partial(A, args[0], y)], ...(singular ? { singular } : {}) });

const zero = (edge: string): Rule => ({ arity: 1, zeroDerivative: true, edge, partials: (A) => [A.num(0)] });

/** 1 / sqrt(s) */
const invSqrt = <T>(A: Algebra<T>, s: T): T => A.div(A.num(1), A.math("sqrt", [s]));

export const rules: Readonly<Record<string, Rule>> = {
  sin: unary("everywhere differentiable", (A, x) => A.math("cos", [x])),
  cos: unary("everywhere differentiable", (A, x) => A.neg(A.math("sin", [x]))),
  tan: unary("1 + tan(x)^2; infinite at the poles as tan is", (A, _x, y) => A.add(A.num(1), A.mul(y, y)), true),
  asin: unary("1/sqrt(1 - x^2): +Infinity at x = ±1, NaN outside [-1, 1]", (A, x) =>
    invSqrt(A, A.sub(A.num(1), A.mul(x, x))), false, always,
  ),
  acos: unary("-1/sqrt(1 - x^2): -Infinity at x = ±1, NaN outside [-1, 1]", (A, x) =>
    A.neg(invSqrt(A, A.sub(A.num(1), A.mul(x, x)))), false, always,
  ),
  atan: unary("everywhere differentiable", (A, x) => A.div(A.num(1), A.add(A.num(1), A.mul(x, x)))),
  atan2: {
    arity: 2,
    edge: "∂/∂y = x/(x²+y²), ∂/∂x = -y/(x²+y²); 0 for both at the origin",
    partials: (A, [y, x]) => {
      const r2 = A.add(A.mul(x, x), A.mul(y, y));
      return [
        A.select(r2, "===", A.num(0), A.num(0), A.div(x, r2)),
        A.select(r2, "===", A.num(0), A.num(0), A.neg(A.div(y, r2))),
      ];
    },
  },
  sinh: unary("everywhere differentiable", (A, x) => A.math("cosh", [x])),
  cosh: unary("everywhere differentiable", (A, x) => A.math("sinh", [x])),
  tanh: unary("1 - tanh(x)^2", (A, _x, y) => A.sub(A.num(1), A.mul(y, y)), true),
  asinh: unary("everywhere differentiable", (A, x) => invSqrt(A, A.add(A.mul(x, x), A.num(1)))),
  acosh: unary("1/sqrt(x^2 - 1): +Infinity at x = 1, NaN below", (A, x) =>
    invSqrt(A, A.sub(A.mul(x, x), A.num(1))), false, always,
  ),
  atanh: unary("1/(1 - x^2): Infinity at x = ±1", (A, x) => A.div(A.num(1), A.sub(A.num(1), A.mul(x, x)))),
  exp: unary("everywhere differentiable", (_A, _x, y) => y, true),
  expm1: unary("everywhere differentiable", (A, _x, y) => A.add(y, A.num(1)), true),
  log: unary("1/x: Infinity at 0, NaN below", (A, x) => A.div(A.num(1), x)),
  log1p: unary("1/(1 + x): Infinity at -1", (A, x) => A.div(A.num(1), A.add(A.num(1), x))),
  log2: unary("1/(x ln 2): Infinity at 0", (A, x) => A.div(A.num(1), A.mul(x, A.math("LN2", [])))),
  log10: unary("1/(x ln 10): Infinity at 0", (A, x) => A.div(A.num(1), A.mul(x, A.math("LN10", [])))),
  sqrt: unary("1/(2 sqrt(x)): +Infinity at 0 (the one-sided derivative)", (A, _x, y) =>
    A.div(A.num(1), A.mul(A.num(2), y)), true, always),
  cbrt: unary("1/(3 cbrt(x)^2): +Infinity at 0", (A, _x, y) => A.div(A.num(1), A.mul(A.num(3), A.mul(y, y))), true, always),
  pow: {
    arity: 2,
    usesResult: true,
    edge:
      "∂/∂x = p x^(p-1) (a constant p = 0 gives 0; a constant p folds, e.g. 2x); ∂/∂p = x^p ln x for x > 0, and 0 for x <= 0",
    partials: (A, [x, p], y) => [
      A.select(p, "===", A.num(0), A.num(0), A.mul(p, A.pow(x, A.sub(p, A.num(1))))),
      A.select(x, ">", A.num(0), A.mul(y, A.math("log", [x])), A.num(0)),
    ],
    // x^(p-1) is infinite at x = 0 unless p is a constant that is 0 or at least 1.
    singular: ([, p]) => p === undefined || (p !== 0 && p < 1),
  },
  hypot: {
    arity: "variadic",
    usesResult: true,
    edge: "x_i / hypot(x); 0 at the origin",
    partials: (A, args, y) => args.map((x) => A.select(y, "===", A.num(0), A.num(0), A.div(x, y))),
  },
  abs: unary("sign(x): 0 at x = 0 (the subgradient of least magnitude)", (A, x) => A.math("sign", [x])),
  min: {
    arity: 2,
    edge: "the derivative of the first smallest argument: on a tie the earlier argument wins",
    partials: (A, [a, b]) => [
      A.select(a, "<=", b, A.num(1), A.num(0)),
      A.select(a, "<=", b, A.num(0), A.num(1)),
    ],
  },
  max: {
    arity: 2,
    edge: "the derivative of the first largest argument: on a tie the earlier argument wins",
    partials: (A, [a, b]) => [
      A.select(a, ">=", b, A.num(1), A.num(0)),
      A.select(a, ">=", b, A.num(0), A.num(1)),
    ],
  },
  floor: zero("0 (a step function; its jumps are ignored)"),
  ceil: zero("0 (a step function; its jumps are ignored)"),
  round: zero("0 (a step function; its jumps are ignored)"),
  trunc: zero("0 (a step function; its jumps are ignored)"),
  sign: zero("0 (a step function; its jumps are ignored)"),
  fround: zero("0 (as specified by the contract: a rounding, treated as piecewise constant)"),
};

/**
 * The rule of a function whose derivative the user gives (`/** @derivative of=f *\/ function f_partials`):
 * the partials are what `partials` (the rule function's key) returns for the same arguments: one number
 * for a function of one argument (`count` 0), or `count` of them in a tuple or array. The rule table is
 * open to these: forward and reverse mode read them as they read the Math rows.
 */
export function userRule(partials: string, arity: number, count: number): Rule {
  return {
    arity,
    edge: "as the user's rule gives",
    partials: (A, args) => A.userPartials(partials, [...args], count),
  };
}

/** Math constants the compiler treats as numbers. */
export const mathConstants: Readonly<Record<string, number>> = {
  PI: Math.PI,
  E: Math.E,
  LN2: Math.LN2,
  LN10: Math.LN10,
  LOG2E: Math.LOG2E,
  LOG10E: Math.LOG10E,
  SQRT2: Math.SQRT2,
  SQRT1_2: Math.SQRT1_2,
};

export function isMathFunction(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(rules, name);
}

/** The rule table over plain numbers: what the runtime's intrinsics evaluate. */
export const numberAlgebra: Algebra<number> = {
  num: (v) => v,
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  neg: (a) => -a,
  pow: (a, b) => a ** b,
  math: (fn, args) => {
    if (fn in mathConstants) return mathConstants[fn];
    return (Math as unknown as Record<string, (...xs: number[]) => number>)[fn](...args);
  },
  select: (lhs, op, rhs, then, otherwise) => {
    switch (op) {
      case "<": return lhs < rhs ? then : otherwise;
      case "<=": return lhs <= rhs ? then : otherwise;
      case ">": return lhs > rhs ? then : otherwise;
      case ">=": return lhs >= rhs ? then : otherwise;
      case "===": return lhs === rhs ? then : otherwise;
    }
  },
  userPartials: (fn) => {
    throw new Error(`the rule ${fn} is a function of the compiled program: only generated code calls it`);
  },
};
