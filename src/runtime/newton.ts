/**
 * Newton's method on f(x) = 0 with the derivative from a generated `_dual`:
 * x_{n+1} = x_n - f(x_n) / f'(x_n), where `fDual(x, 1)` returns `[f(x), f'(x)]`.
 */

export interface NewtonOptions {
  /** Stop when |f(x)| <= tol or the step |Δx| <= tol · max(1, |x|). Default 1e-12. */
  readonly tol?: number;
  /** Give up after this many iterations. Default 50. */
  readonly maxIter?: number;
  /** Called with each iterate (after the step), for printing convergence. */
  readonly onIterate?: (iteration: number, x: number, fx: number) => void;
}

export interface NewtonResult {
  readonly x: number;
  readonly fx: number;
  readonly iterations: number;
  /** Every iterate, x0 first. */
  readonly history: readonly number[];
}

export class NewtonError extends Error {
  constructor(message: string, readonly history: readonly number[]) {
    super(message);
    this.name = "NewtonError";
  }
}

export function newton(fDual: (x: number, dx: number) => readonly [number, number], x0: number, options: NewtonOptions = {}): NewtonResult {
  const tol = options.tol ?? 1e-12;
  const maxIter = options.maxIter ?? 50;
  let x = x0;
  const history = [x0];
  for (let k = 1; k <= maxIter; k++) {
    const [fx, dfx] = fDual(x, 1);
    if (!Number.isFinite(fx) || !Number.isFinite(dfx))
      throw new NewtonError(`Newton's method met a non-finite value at x = ${x} (f = ${fx}, f' = ${dfx})`, history);
    if (fx === 0) return { x, fx, iterations: k - 1, history };
    if (dfx === 0) throw new NewtonError(`Newton's method stopped: f'(x) = 0 at x = ${x}`, history);
    const step = fx / dfx;
    x -= step;
    history.push(x);
    options.onIterate?.(k, x, fx);
    if (Math.abs(step) <= tol * Math.max(1, Math.abs(x))) return { x, fx: fDual(x, 0)[0], iterations: k, history };
  }
  throw new NewtonError(`Newton's method did not converge in ${maxIter} iterations (last x = ${x})`, history);
}

export interface NewtonSystemResult {
  readonly x: number[];
  readonly residual: number;
  readonly iterations: number;
  readonly history: readonly number[][];
}

/**
 * Newton's method on a system F(x) = 0 with the Jacobian from a generated `_jacobian`
 * (`fJacobian(x)` returns `[F(x), J]`), solving J Δx = F(x) by Gaussian elimination with pivoting.
 */
export function newtonSystem(
  fJacobian: (x: number[]) => readonly [ArrayLike<number>, readonly (readonly number[])[]],
  x0: readonly number[],
  options: Omit<NewtonOptions, "onIterate"> & { onIterate?: (iteration: number, x: readonly number[], residual: number) => void } = {},
): NewtonSystemResult {
  const tol = options.tol ?? 1e-12;
  const maxIter = options.maxIter ?? 50;
  let x = [...x0];
  const history = [[...x]];
  for (let k = 1; k <= maxIter; k++) {
    const [fx, jac] = fJacobian(x);
    const residual = Math.hypot(...Array.from(fx));
    if (!Number.isFinite(residual)) throw new NewtonError(`Newton's method met a non-finite residual at x = [${x.join(", ")}]`, history.map((h) => h[0]));
    if (residual === 0) return { x, residual, iterations: k - 1, history };
    const step = solve(jac.map((row) => [...row]), Array.from(fx));
    x = x.map((xi, i) => xi - step[i]);
    history.push([...x]);
    options.onIterate?.(k, x, residual);
    if (Math.hypot(...step) <= tol * Math.max(1, Math.hypot(...x))) return { x, residual: Math.hypot(...Array.from(fJacobian(x)[0])), iterations: k, history };
  }
  throw new NewtonError(`Newton's method did not converge in ${maxIter} iterations`, history.map((h) => h[0]));
}

/** Solve A x = b in place by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (a[pivot][col] === 0) throw new NewtonError("Newton's method stopped: the Jacobian is singular", []);
    [a[col], a[pivot]] = [a[pivot], a[col]];
    [b[col], b[pivot]] = [b[pivot], b[col]];
    for (let r = col + 1; r < n; r++) {
      const factor = a[r][col] / a[col][col];
      for (let c = col; c < n; c++) a[r][c] -= factor * a[col][c];
      b[r] -= factor * b[col];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let c = r + 1; c < n; c++) s -= a[r][c] * x[c];
    x[r] = s / a[r][r];
  }
  return x;
}
