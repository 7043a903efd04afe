/**
 * The loop checkpointing benchmark (bench/checkpoint.mjs): the Van der Pol oscillator
 * x'' = mu (1 - x^2) x' - x integrated by classical RK4, and the gradient of the final energy with
 * respect to mu and the initial state. bench/checkpoint.mjs compiles it as written and without the
 * `// @checkpoint` line (every iteration taped); SNAPSHOTS is replaced by the count measured.
 */

/** @differentiable wrt=mu,x0,v0 */
export function vanDerPol(mu: number, x0: number, v0: number, steps: number): number {
  const h = 1e-4;
  let x = x0;
  let v = v0;
  // @checkpoint snapshots=SNAPSHOTS
  for (let i = 0; i < steps; i++) {
    const k1x = v;
    const k1v = mu * (1 - x * x) * v - x;
    const x2 = x + 0.5 * h * k1x;
    const v2 = v + 0.5 * h * k1v;
    const k2x = v2;
    const k2v = mu * (1 - x2 * x2) * v2 - x2;
    const x3 = x + 0.5 * h * k2x;
    const v3 = v + 0.5 * h * k2v;
    const k3x = v3;
    const k3v = mu * (1 - x3 * x3) * v3 - x3;
    const x4 = x + h * k3x;
    const v4 = v + h * k3v;
    const k4x = v4;
    const k4v = mu * (1 - x4 * x4) * v4 - x4;
    x = x + (h / 6) * (k1x + 2 * k2x + 2 * k3x + k4x);
    v = v + (h / 6) * (k1v + 2 * k2v + 2 * k3v + k4v);
  }
  return x * x + v * v;
}
