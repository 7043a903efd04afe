/**
 * Dense row-major matrices in one Float64Array, input validation, and the few factorisations EM
 * needs (Cholesky, triangular inverse, symmetric 2x2 eigen-decomposition).
 */

/** Data accepted by the estimators: rows as plain arrays or typed arrays. */
export type DataRows = ReadonlyArray<ArrayLike<number>>;

/** n rows by d columns, row-major in one contiguous buffer. */
export interface DenseMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/**
 * Validates rows (non-empty, rectangular, finite) and copies them into one contiguous buffer.
 * `what` names the argument in error messages.
 */
export function toDenseMatrix(X: DataRows, what = "X"): DenseMatrix {
  if (!Array.isArray(X) && !(X && typeof X === "object" && "length" in X)) {
    throw new TypeError(`${what} must be an array of rows (number[][] or Float64Array[])`);
  }
  const rows = X.length;
  if (rows === 0) throw new RangeError(`${what} is empty: expected at least one row`);
  const first = X[0];
  if (first === null || typeof first !== "object" || typeof first.length !== "number") {
    throw new TypeError(`${what} must be an array of rows (number[][] or Float64Array[]); row 0 is not an array`);
  }
  const cols = first.length;
  if (cols === 0) throw new RangeError(`${what} has rows with no features: expected at least one column`);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = X[i];
    if (row === null || typeof row !== "object" || typeof row.length !== "number") {
      throw new TypeError(`${what} row ${i} is not an array`);
    }
    if (row.length !== cols) {
      throw new RangeError(`${what} is ragged: row 0 has ${cols} values but row ${i} has ${row.length}`);
    }
    for (let j = 0; j < cols; j++) {
      const v = row[j];
      if (typeof v !== "number") throw new TypeError(`${what}[${i}][${j}] is not a number (${String(v)})`);
      if (!Number.isFinite(v)) {
        throw new RangeError(`${what} contains ${Number.isNaN(v) ? "NaN" : "infinity"} at row ${i}, column ${j}`);
      }
      data[i * cols + j] = v;
    }
  }
  return { rows, cols, data };
}

/** Shape of a nested array, following the first element at each level (as NumPy would report it). */
export function shapeOf(value: unknown): number[] {
  const shape: number[] = [];
  let current: unknown = value;
  while (current !== null && typeof current === "object" && typeof (current as ArrayLike<unknown>).length === "number") {
    const arr = current as ArrayLike<unknown>;
    shape.push(arr.length);
    if (arr.length === 0) break;
    current = arr[0];
  }
  return shape;
}

function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/**
 * Flattens a nested numeric array of exactly `shape` (every sub-array checked, not just the first),
 * with scikit-learn's wording when the shape differs. Non-finite values are rejected.
 */
export function flattenWithShape(value: unknown, shape: readonly number[], name: string): Float64Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(size);
  let offset = 0;
  const mismatch = (): never => {
    throw new RangeError(
      `The parameter '${name}' should have the shape of ${formatShape(shape)}, but got ${formatShape(shapeOf(value))}` +
        (sameShape(shapeOf(value), shape) ? " (ragged)" : ""),
    );
  };
  const walk = (node: unknown, level: number): void => {
    if (level === shape.length) {
      if (typeof node !== "number") mismatch();
      const v = node as number;
      if (!Number.isFinite(v)) throw new RangeError(`The parameter '${name}' contains a non-finite value (${v})`);
      out[offset++] = v;
      return;
    }
    if (node === null || typeof node !== "object" || typeof (node as ArrayLike<unknown>).length !== "number") mismatch();
    const arr = node as ArrayLike<unknown>;
    if (arr.length !== shape[level]) mismatch();
    for (let i = 0; i < arr.length; i++) walk(arr[i], level + 1);
  };
  walk(value, 0);
  return out;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Rows of an n x d buffer as nested arrays. */
export function toNested2(data: ArrayLike<number>, rows: number, cols: number, offset = 0): number[][] {
  const out: number[][] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    const row = new Array<number>(cols);
    for (let j = 0; j < cols; j++) row[j] = data[offset + i * cols + j];
    out[i] = row;
  }
  return out;
}

/**
 * Lower Cholesky factor of the symmetric d x d matrix at `a[offset..]`, written to `out[outOffset..]`
 * (upper part zeroed). Returns false when the matrix is not positive definite, like LAPACK's potrf.
 */
export function choleskyLower(
  a: ArrayLike<number>,
  offset: number,
  d: number,
  out: Float64Array,
  outOffset: number,
): boolean {
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[offset + i * d + j];
      for (let k = 0; k < j; k++) sum -= out[outOffset + i * d + k] * out[outOffset + j * d + k];
      if (i === j) {
        // `!(sum > 0)` also rejects NaN, so a degenerate covariance never turns into NaN output.
        if (!(sum > 0)) return false;
        out[outOffset + i * d + i] = Math.sqrt(sum);
      } else {
        out[outOffset + i * d + j] = sum / out[outOffset + j * d + j];
      }
    }
    for (let j = i + 1; j < d; j++) out[outOffset + i * d + j] = 0;
  }
  return true;
}

/**
 * Inverse of a lower-triangular d x d matrix by forward substitution (what
 * `solve_triangular(L, I, lower=True)` computes), into `out[outOffset..]`, optionally transposed.
 */
export function invertLowerTriangular(
  L: ArrayLike<number>,
  offset: number,
  d: number,
  out: Float64Array,
  outOffset: number,
  transpose: boolean,
): void {
  const inv = new Float64Array(d * d);
  for (let col = 0; col < d; col++) {
    for (let i = 0; i < d; i++) {
      let sum = i === col ? 1 : 0;
      for (let k = 0; k < i; k++) sum -= L[offset + i * d + k] * inv[k * d + col];
      inv[i * d + col] = sum / L[offset + i * d + i];
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      out[outOffset + i * d + j] = transpose ? inv[j * d + i] : inv[i * d + j];
    }
  }
}

/** A * A^T for the d x d matrix at `a[offset..]`, into `out[outOffset..]`. */
export function multiplyByOwnTranspose(
  a: ArrayLike<number>,
  offset: number,
  d: number,
  out: Float64Array,
  outOffset: number,
): void {
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let k = 0; k < d; k++) sum += a[offset + i * d + k] * a[offset + j * d + k];
      out[outOffset + i * d + j] = sum;
    }
  }
}

/**
 * Inverse of a symmetric positive-definite d x d matrix via its Cholesky factor.
 * Returns false if the matrix is not positive definite.
 */
export function invertSpd(a: ArrayLike<number>, offset: number, d: number, out: Float64Array, outOffset: number): boolean {
  const L = new Float64Array(d * d);
  if (!choleskyLower(a, offset, d, L, 0)) return false;
  const Linv = new Float64Array(d * d);
  invertLowerTriangular(L, 0, d, Linv, 0, false);
  // inv(A) = L^-T L^-1
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let k = Math.max(i, j); k < d; k++) sum += Linv[k * d + i] * Linv[k * d + j];
      out[outOffset + i * d + j] = sum;
    }
  }
  return true;
}

/** Eigen-decomposition of the symmetric 2x2 matrix [[a, b], [b, c]]: values descending, unit vectors. */
export function symmetricEigen2(
  a: number,
  b: number,
  c: number,
): { values: [number, number]; vectors: [[number, number], [number, number]] } {
  const mean = (a + c) / 2;
  const radius = Math.hypot((a - c) / 2, b);
  const l1 = mean + radius;
  const l2 = mean - radius;
  let v1: [number, number];
  if (Math.abs(b) > 1e-300 * Math.max(1, Math.abs(a), Math.abs(c))) {
    // (l1 - c, b) and (b, l1 - a) are both eigenvectors; take the longer for accuracy.
    const p: [number, number] = [l1 - c, b];
    const q: [number, number] = [b, l1 - a];
    v1 = Math.hypot(p[0], p[1]) >= Math.hypot(q[0], q[1]) ? p : q;
  } else {
    v1 = a >= c ? [1, 0] : [0, 1];
  }
  const norm = Math.hypot(v1[0], v1[1]);
  v1 = [v1[0] / norm, v1[1] / norm];
  return { values: [l1, l2], vectors: [v1, [-v1[1], v1[0]]] };
}
