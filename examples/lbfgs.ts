/**
 * A small L-BFGS minimiser (Nocedal and Wright, algorithm 7.4/7.5) with a backtracking Armijo line
 * search: enough for the smooth, low-dimensional objectives of the examples. It takes the value and
 * gradient together because that is what a generated `_grad` returns in one sweep.
 */

export interface LbfgsOptions {
  /** Pairs (s, y) kept for the inverse-Hessian approximation. Default 10. */
  readonly memory?: number;
  /** Default 1000. */
  readonly maxIterations?: number;
  /** Stop when the largest gradient entry is at most this. Default 1e-10. */
  readonly gradientTolerance?: number;
  /** Called with the iterate after each accepted step (and once with iteration 0 at the start). */
  readonly onIteration?: (iteration: number, value: number, x: Float64Array) => void;
}

export interface LbfgsResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly iterations: number;
  /** Calls of valueAndGradient, line-search trials included. */
  readonly evaluations: number;
  readonly converged: boolean;
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const maxAbs = (a: Float64Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

export function minimizeLbfgs(
  valueAndGradient: (x: Float64Array) => readonly [number, Float64Array],
  x0: ArrayLike<number>,
  options: LbfgsOptions = {},
): LbfgsResult {
  const memory = options.memory ?? 10;
  const maxIterations = options.maxIterations ?? 1000;
  const gradientTolerance = options.gradientTolerance ?? 1e-10;
  const n = x0.length;
  let x: Float64Array = Float64Array.from(x0);
  let [value, gradient] = valueAndGradient(x);
  let evaluations = 1;
  const history: { s: Float64Array; y: Float64Array; rho: number }[] = [];
  options.onIteration?.(0, value, x);

  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    if (maxAbs(gradient) <= gradientTolerance) return { x, value, iterations: iteration - 1, evaluations, converged: true };

    // Two-loop recursion: direction = -H gradient, H scaled by s'y / y'y of the newest pair.
    const q = Float64Array.from(gradient);
    const alphas = new Array<number>(history.length);
    for (let i = history.length - 1; i >= 0; i--) {
      const { s, y, rho } = history[i];
      alphas[i] = rho * dot(s, q);
      for (let j = 0; j < n; j++) q[j] -= alphas[i] * y[j];
    }
    const newest = history.at(-1);
    const scale = newest ? dot(newest.s, newest.y) / dot(newest.y, newest.y) : 1 / Math.max(1, Math.sqrt(dot(gradient, gradient)));
    for (let j = 0; j < n; j++) q[j] *= scale;
    for (let i = 0; i < history.length; i++) {
      const { s, y, rho } = history[i];
      const beta = rho * dot(y, q);
      for (let j = 0; j < n; j++) q[j] += s[j] * (alphas[i] - beta);
    }
    const direction = q.map((v) => -v);
    let slope = dot(gradient, direction);
    if (!(slope < 0)) {
      // Not a descent direction (the curvature pairs went stale): restart from steepest descent.
      history.length = 0;
      for (let j = 0; j < n; j++) direction[j] = -gradient[j];
      slope = -dot(gradient, gradient);
    }

    // Backtracking until the Armijo condition f(x + t d) <= f(x) + 1e-4 t slope holds.
    let step = 1;
    let next: Float64Array;
    let nextValue: number;
    let nextGradient: Float64Array;
    for (;;) {
      next = x.map((v, j) => v + step * direction[j]);
      [nextValue, nextGradient] = valueAndGradient(next);
      evaluations++;
      if (Number.isFinite(nextValue) && nextValue <= value + 1e-4 * step * slope) break;
      step /= 2;
      if (step < 1e-20) return { x, value, iterations: iteration - 1, evaluations, converged: false };
    }

    const s = next.map((v, j) => v - x[j]);
    const y = nextGradient.map((v, j) => v - gradient[j]);
    const sy = dot(s, y);
    // Keep the pair only with positive curvature, which keeps the approximation positive definite.
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      history.push({ s, y, rho: 1 / sy });
      if (history.length > memory) history.shift();
    }
    const previousValue = value;
    [x, value, gradient] = [next, nextValue, nextGradient];
    options.onIteration?.(iteration, value, x);
    // No progress left at double precision: as converged as the arithmetic allows.
    if (previousValue - value <= 1e-16 * Math.abs(value) && maxAbs(gradient) <= Math.sqrt(gradientTolerance)) {
      return { x, value, iterations: iteration, evaluations, converged: true };
    }
  }
  return { x, value, iterations: maxIterations, evaluations, converged: maxAbs(gradient) <= gradientTolerance };
}
