/**
 * The functions of the divided-differences example: the lecture's x^3, and sin. Their `_dual` gives
 * f'(x) to rounding level, which the example compares with forward and central differences.
 */

/** The lecture's function, f(x) = x^3, whose derivative is 3x^2. */
/** @differentiable */
export function cube(x: number): number {
  return x * x * x;
}

/** A transcendental second function, f(x) = sin x, whose derivative is cos x. */
/** @differentiable */
export function sine(x: number): number {
  return Math.sin(x);
}
