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

/**
 * A system of two equations, F(x, y) = 0: the circle x^2 + y^2 = 4 meets the curve y = 1 - e^x at
 * (-1.81626..., 0.83737...) and (1.00417..., -1.72964...). Newton's method needs its 2 x 2 Jacobian.
 */
/** @differentiable */
export function circleMeetsExp(v: number[]): number[] {
  const x = v[0];
  const y = v[1];
  return [x * x + y * y - 4, Math.exp(x) + y - 1];
}
