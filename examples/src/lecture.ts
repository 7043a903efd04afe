/**
 * The lecture's example: f(x1, x2) = x1 x2 + sin(x1), written as its decomposition into w3, w4, w5.
 * `adc transform` turns it into f_dual(x1, x2, dx1, dx2), the lecture's dual program.
 */

/** @differentiable */
export function f(x1: number, x2: number): number {
  let w3: number, w4: number, w5: number;
  w3 = x1 * x2;
  w4 = Math.sin(x1);
  w5 = w3 + w4;
  return w5;
}
