/** Functions whose roots the Newton example finds, with derivatives from forward mode. */

/** Wallis's cubic, the classic test of Newton's method: x^3 - 2x - 5 = 0 near x = 2. */
/** @differentiable */
export function cubic(x: number): number {
  return x ** 3 - 2 * x - 5;
}

/** The fixed point of cos: cos x - x = 0. */
/** @differentiable */
export function cosMinusX(x: number): number {
  return Math.cos(x) - x;
}
