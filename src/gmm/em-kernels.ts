/**
 * The hot loops of EM on flat row-major buffers. One small function per covariance type keeps each
 * one monomorphic (V8 deoptimises a big function that switches on the type inside its loops), and the
 * O(n K d^2) loops handle four rows at a time so each factor entry loaded from memory feeds four
 * independent multiply-adds. Summation order differs from NumPy's BLAS only at rounding level.
 */

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Full/tied log-density plus `offsets[k]` (log det + log weight) into out (n x K):
 * -0.5 (d log 2pi + |(x - mu_k) F_k|^2) + offsets[k], where F_k is triangular (`upper` or lower).
 * `factorStride` is d*d for full (one factor per component) and 0 for tied (one shared factor).
 */
export function logProbCholesky(
  data: Float64Array,
  n: number,
  d: number,
  K: number,
  means: Float64Array,
  factors: Float64Array,
  factorStride: number,
  upper: boolean,
  offsets: Float64Array,
  out: Float64Array,
): void {
  const constant = d * LOG_2PI;
  // Factor transposed so that y_j = sum_i diff_i F_ij reads one contiguous run ft[j*d + lo..hi].
  const ft = new Float64Array(d * d);
  const diff = new Float64Array(4 * d);
  const lo = new Int32Array(d);
  const hi = new Int32Array(d);
  for (let j = 0; j < d; j++) {
    lo[j] = upper ? 0 : j;
    hi[j] = upper ? j + 1 : d;
  }
  const blockEnd = n - (n % 4);
  for (let k = 0; k < K; k++) {
    const f = k * factorStride;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) ft[j * d + i] = factors[f + i * d + j];
    const mu = k * d;
    const add = offsets[k];
    let s = 0;
    for (; s < blockEnd; s += 4) {
      const r0 = s * d;
      for (let i = 0; i < d; i++) {
        const m = means[mu + i];
        diff[i] = data[r0 + i] - m;
        diff[d + i] = data[r0 + d + i] - m;
        diff[2 * d + i] = data[r0 + 2 * d + i] - m;
        diff[3 * d + i] = data[r0 + 3 * d + i] - m;
      }
      let q0 = 0;
      let q1 = 0;
      let q2 = 0;
      let q3 = 0;
      // Two factor columns at a time over their common range [lo[j+1], hi[j]) (upper: [0, j+1),
      // lower: [j+1, d)), then the one entry that only one of the two columns has.
      let j = 0;
      for (; j + 1 < d; j += 2) {
        let y0 = 0, y1 = 0, y2 = 0, y3 = 0;
        let z0 = 0, z1 = 0, z2 = 0, z3 = 0;
        const col = j * d;
        const colNext = col + d;
        const start = lo[j + 1];
        const end = hi[j];
        for (let i = start; i < end; i++) {
          const u = ft[col + i];
          const v = ft[colNext + i];
          const x0 = diff[i];
          const x1 = diff[d + i];
          const x2 = diff[2 * d + i];
          const x3 = diff[3 * d + i];
          y0 += x0 * u;
          y1 += x1 * u;
          y2 += x2 * u;
          y3 += x3 * u;
          z0 += x0 * v;
          z1 += x1 * v;
          z2 += x2 * v;
          z3 += x3 * v;
        }
        if (upper) {
          const i = j + 1;
          const v = ft[colNext + i];
          z0 += diff[i] * v;
          z1 += diff[d + i] * v;
          z2 += diff[2 * d + i] * v;
          z3 += diff[3 * d + i] * v;
        } else {
          const i = j;
          const u = ft[col + i];
          y0 += diff[i] * u;
          y1 += diff[d + i] * u;
          y2 += diff[2 * d + i] * u;
          y3 += diff[3 * d + i] * u;
        }
        q0 += y0 * y0 + z0 * z0;
        q1 += y1 * y1 + z1 * z1;
        q2 += y2 * y2 + z2 * z2;
        q3 += y3 * y3 + z3 * z3;
      }
      for (; j < d; j++) {
        let y0 = 0;
        let y1 = 0;
        let y2 = 0;
        let y3 = 0;
        const col = j * d;
        const end = hi[j];
        for (let i = lo[j]; i < end; i++) {
          const u = ft[col + i];
          y0 += diff[i] * u;
          y1 += diff[d + i] * u;
          y2 += diff[2 * d + i] * u;
          y3 += diff[3 * d + i] * u;
        }
        q0 += y0 * y0;
        q1 += y1 * y1;
        q2 += y2 * y2;
        q3 += y3 * y3;
      }
      out[s * K + k] = -0.5 * (constant + q0) + add;
      out[(s + 1) * K + k] = -0.5 * (constant + q1) + add;
      out[(s + 2) * K + k] = -0.5 * (constant + q2) + add;
      out[(s + 3) * K + k] = -0.5 * (constant + q3) + add;
    }
    for (; s < n; s++) {
      const row = s * d;
      for (let i = 0; i < d; i++) diff[i] = data[row + i] - means[mu + i];
      let q = 0;
      for (let j = 0; j < d; j++) {
        let y = 0;
        const col = j * d;
        const end = hi[j];
        for (let i = lo[j]; i < end; i++) y += diff[i] * ft[col + i];
        q += y * y;
      }
      out[s * K + k] = -0.5 * (constant + q) + add;
    }
  }
}

/**
 * Diagonal log-density, expanded as scikit-learn writes it:
 * sum_j mu_j^2 p_j - 2 x.(mu p) + (x^2).p, then -0.5 (d log 2pi + .) + offsets[k].
 */
export function logProbDiag(
  data: Float64Array,
  n: number,
  d: number,
  K: number,
  means: Float64Array,
  precisionsCholesky: Float64Array,
  offsets: Float64Array,
  out: Float64Array,
): void {
  const constant = d * LOG_2PI;
  const precisions = new Float64Array(K * d);
  const meanTimesPrecision = new Float64Array(K * d);
  const meanTerm = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let t = 0;
    for (let j = 0; j < d; j++) {
      const p = precisionsCholesky[k * d + j] * precisionsCholesky[k * d + j];
      const m = means[k * d + j];
      precisions[k * d + j] = p;
      meanTimesPrecision[k * d + j] = m * p;
      t += m * m * p;
    }
    meanTerm[k] = t;
  }
  const blockEnd = n - (n % 4);
  let s = 0;
  for (; s < blockEnd; s += 4) {
    const r0 = s * d;
    for (let k = 0; k < K; k++) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      let q0 = 0, q1 = 0, q2 = 0, q3 = 0;
      const base = k * d;
      for (let j = 0; j < d; j++) {
        const a = meanTimesPrecision[base + j];
        const p = precisions[base + j];
        const x0 = data[r0 + j];
        const x1 = data[r0 + d + j];
        const x2 = data[r0 + 2 * d + j];
        const x3 = data[r0 + 3 * d + j];
        c0 += x0 * a;
        c1 += x1 * a;
        c2 += x2 * a;
        c3 += x3 * a;
        q0 += x0 * x0 * p;
        q1 += x1 * x1 * p;
        q2 += x2 * x2 * p;
        q3 += x3 * x3 * p;
      }
      const t = meanTerm[k];
      const add = offsets[k];
      out[s * K + k] = -0.5 * (constant + (t - 2 * c0 + q0)) + add;
      out[(s + 1) * K + k] = -0.5 * (constant + (t - 2 * c1 + q1)) + add;
      out[(s + 2) * K + k] = -0.5 * (constant + (t - 2 * c2 + q2)) + add;
      out[(s + 3) * K + k] = -0.5 * (constant + (t - 2 * c3 + q3)) + add;
    }
  }
  for (; s < n; s++) {
    const row = s * d;
    for (let k = 0; k < K; k++) {
      let cross = 0;
      let square = 0;
      const base = k * d;
      for (let j = 0; j < d; j++) {
        const x = data[row + j];
        cross += x * meanTimesPrecision[base + j];
        square += x * x * precisions[base + j];
      }
      out[s * K + k] = -0.5 * (constant + (meanTerm[k] - 2 * cross + square)) + offsets[k];
    }
  }
}

/** Spherical log-density: (sum mu^2) p - 2 x.(mu p) + |x|^2 p, as scikit-learn writes it. */
export function logProbSpherical(
  data: Float64Array,
  n: number,
  d: number,
  K: number,
  means: Float64Array,
  precisionsCholesky: Float64Array,
  offsets: Float64Array,
  out: Float64Array,
): void {
  const constant = d * LOG_2PI;
  const precisions = new Float64Array(K);
  const meanTimesPrecision = new Float64Array(K * d);
  const meanTerm = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const p = precisionsCholesky[k] * precisionsCholesky[k];
    precisions[k] = p;
    let t = 0;
    for (let j = 0; j < d; j++) {
      const m = means[k * d + j];
      meanTimesPrecision[k * d + j] = m * p;
      t += m * m;
    }
    meanTerm[k] = t * p;
  }
  for (let s = 0; s < n; s++) {
    const row = s * d;
    let rowNorm = 0;
    for (let j = 0; j < d; j++) rowNorm += data[row + j] * data[row + j];
    for (let k = 0; k < K; k++) {
      let cross = 0;
      const base = k * d;
      for (let j = 0; j < d; j++) cross += data[row + j] * meanTimesPrecision[base + j];
      out[s * K + k] = -0.5 * (constant + (meanTerm[k] - 2 * cross + rowNorm * precisions[k])) + offsets[k];
    }
  }
}

/**
 * Turns weighted log-probabilities (n x K) into responsibilities in place, with the log-sum-exp
 * trick, and returns sum over rows of log p(x); per-row log p(x) goes to `logProbNorm` if given.
 */
export function normalizeLogProb(values: Float64Array, n: number, K: number, logProbNorm: Float64Array | null): number {
  let total = 0;
  for (let s = 0; s < n; s++) {
    const row = s * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) if (values[row + k] > max) max = values[row + k];
    // scipy's logsumexp: a non-finite maximum is replaced by 0 before subtracting.
    const shift = max > -Infinity && max < Infinity ? max : 0;
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(values[row + k] - shift);
      values[row + k] = e;
      sum += e;
    }
    const norm = Math.log(sum) + shift;
    // exp(a - max) / sum equals exp(a - logsumexp(a)) to rounding, with one exp per entry instead of two.
    const inverse = 1 / sum;
    for (let k = 0; k < K; k++) values[row + k] *= inverse;
    if (logProbNorm) logProbNorm[s] = norm;
    total += norm;
  }
  return total;
}

/** nk[k] = sum_s resp[s,k] + 10 eps and means[k] = sum_s resp[s,k] x_s / nk[k]. */
export function weightedMeans(
  data: Float64Array,
  n: number,
  d: number,
  K: number,
  resp: Float64Array,
  nk: Float64Array,
  means: Float64Array,
): void {
  nk.fill(0);
  means.fill(0);
  const blockEnd = n - (n % 4);
  for (let k = 0; k < K; k++) {
    const base = k * d;
    let total = 0;
    let s = 0;
    for (; s < blockEnd; s += 4) {
      const w0 = resp[s * K + k];
      const w1 = resp[(s + 1) * K + k];
      const w2 = resp[(s + 2) * K + k];
      const w3 = resp[(s + 3) * K + k];
      total += w0 + w1 + w2 + w3;
      const r0 = s * d;
      for (let j = 0; j < d; j++) {
        means[base + j] += w0 * data[r0 + j] + w1 * data[r0 + d + j] + w2 * data[r0 + 2 * d + j] + w3 * data[r0 + 3 * d + j];
      }
    }
    for (; s < n; s++) {
      const w = resp[s * K + k];
      total += w;
      for (let j = 0; j < d; j++) means[base + j] += w * data[s * d + j];
    }
    nk[k] = total + 10 * 2.220446049250313e-16;
    for (let j = 0; j < d; j++) means[base + j] /= nk[k];
  }
}

/** Full covariances: sum_s resp (x - mu)(x - mu)^T / nk + regCovar I, lower triangle then mirrored. */
export function fullCovariances(
  data: Float64Array,
  n: number,
  d: number,
  K: number,
  resp: Float64Array,
  nk: Float64Array,
  means: Float64Array,
  regCovar: number,
  cov: Float64Array,
): void {
  cov.fill(0);
  const diff = new Float64Array(4 * d);
  const blockEnd = n - (n % 4);
  for (let k = 0; k < K; k++) {
    const offset = k * d * d;
    const mu = k * d;
    let s = 0;
    for (; s < blockEnd; s += 4) {
      const w0 = resp[s * K + k];
      const w1 = resp[(s + 1) * K + k];
      const w2 = resp[(s + 2) * K + k];
      const w3 = resp[(s + 3) * K + k];
      const r0 = s * d;
      for (let i = 0; i < d; i++) {
        const m = means[mu + i];
        diff[i] = data[r0 + i] - m;
        diff[d + i] = data[r0 + d + i] - m;
        diff[2 * d + i] = data[r0 + 2 * d + i] - m;
        diff[3 * d + i] = data[r0 + 3 * d + i] - m;
      }
      // Two lines of the lower triangle at a time: each diff entry loaded feeds eight multiply-adds.
      let i = 0;
      for (; i + 1 < d; i += 2) {
        const a0 = w0 * diff[i];
        const a1 = w1 * diff[d + i];
        const a2 = w2 * diff[2 * d + i];
        const a3 = w3 * diff[3 * d + i];
        const b0 = w0 * diff[i + 1];
        const b1 = w1 * diff[d + i + 1];
        const b2 = w2 * diff[2 * d + i + 1];
        const b3 = w3 * diff[3 * d + i + 1];
        const line = offset + i * d;
        const next = line + d;
        for (let j = 0; j <= i; j++) {
          const x0 = diff[j];
          const x1 = diff[d + j];
          const x2 = diff[2 * d + j];
          const x3 = diff[3 * d + j];
          cov[line + j] += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3;
          cov[next + j] += b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3;
        }
        cov[next + i + 1] += b0 * diff[i + 1] + b1 * diff[d + i + 1] + b2 * diff[2 * d + i + 1] + b3 * diff[3 * d + i + 1];
      }
      if (i < d) {
        const a0 = w0 * diff[i];
        const a1 = w1 * diff[d + i];
        const a2 = w2 * diff[2 * d + i];
        const a3 = w3 * diff[3 * d + i];
        const line = offset + i * d;
        for (let j = 0; j <= i; j++) {
          cov[line + j] += a0 * diff[j] + a1 * diff[d + j] + a2 * diff[2 * d + j] + a3 * diff[3 * d + j];
        }
      }
    }
    for (; s < n; s++) {
      const w = resp[s * K + k];
      const row = s * d;
      for (let i = 0; i < d; i++) diff[i] = data[row + i] - means[mu + i];
      for (let i = 0; i < d; i++) {
        const a = w * diff[i];
        const line = offset + i * d;
        for (let j = 0; j <= i; j++) cov[line + j] += a * diff[j];
      }
    }
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        const v = cov[offset + i * d + j] / nk[k];
        cov[offset + i * d + j] = v;
        cov[offset + j * d + i] = v;
      }
      cov[offset + i * d + i] += regCovar;
    }
  }
}

/** X^T X (d x d), for the tied estimator; constant over a fit. */
export function crossProduct(data: Float64Array, n: number, d: number): Float64Array {
  const xtx = new Float64Array(d * d);
  for (let s = 0; s < n; s++) {
    const row = s * d;
    for (let i = 0; i < d; i++) {
      const xi = data[row + i];
      const line = i * d;
      for (let j = 0; j <= i; j++) xtx[line + j] += xi * data[row + j];
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) xtx[j * d + i] = xtx[i * d + j];
  return xtx;
}

/** Tied covariance: (X^T X - sum_k nk mu_k mu_k^T) / sum nk + regCovar I, as scikit-learn computes it. */
export function tiedCovariance(
  xtx: Float64Array,
  d: number,
  K: number,
  nk: Float64Array,
  means: Float64Array,
  regCovar: number,
  cov: Float64Array,
): void {
  let nkSum = 0;
  for (let k = 0; k < K; k++) nkSum += nk[k];
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let meanProducts = 0;
      for (let k = 0; k < K; k++) meanProducts += nk[k] * means[k * d + i] * means[k * d + j];
      cov[i * d + j] = (xtx[i * d + j] - meanProducts) / nkSum;
    }
    cov[i * d + i] += regCovar;
  }
}

/**
 * Diagonal variances E[x^2] - 2 mu E[x] + mu^2 + regCovar (scikit-learn's expression) into cov (K x d),
 * or, when `spherical`, their mean over features into cov (K). Computes nk and the means in the same
 * pass over the data (one read of each row serves both moments).
 */
export function diagMomentsAndCovariances(
  data: Float64Array,
  n: number,
  d: number,
  K: number,
  resp: Float64Array,
  nk: Float64Array,
  means: Float64Array,
  regCovar: number,
  spherical: boolean,
  cov: Float64Array,
): void {
  const sumX = new Float64Array(d);
  const sumX2 = new Float64Array(d);
  const blockEnd = n - (n % 4);
  for (let k = 0; k < K; k++) {
    sumX.fill(0);
    sumX2.fill(0);
    let total = 0;
    let s = 0;
    for (; s < blockEnd; s += 4) {
      const w0 = resp[s * K + k];
      const w1 = resp[(s + 1) * K + k];
      const w2 = resp[(s + 2) * K + k];
      const w3 = resp[(s + 3) * K + k];
      total += w0 + w1 + w2 + w3;
      const r0 = s * d;
      for (let j = 0; j < d; j++) {
        const x0 = data[r0 + j];
        const x1 = data[r0 + d + j];
        const x2 = data[r0 + 2 * d + j];
        const x3 = data[r0 + 3 * d + j];
        const v0 = w0 * x0;
        const v1 = w1 * x1;
        const v2 = w2 * x2;
        const v3 = w3 * x3;
        sumX[j] += v0 + v1 + v2 + v3;
        sumX2[j] += v0 * x0 + v1 * x1 + v2 * x2 + v3 * x3;
      }
    }
    for (; s < n; s++) {
      const w = resp[s * K + k];
      total += w;
      for (let j = 0; j < d; j++) {
        const x = data[s * d + j];
        sumX[j] += w * x;
        sumX2[j] += w * x * x;
      }
    }
    const weight = total + 10 * 2.220446049250313e-16;
    nk[k] = weight;
    let sphericalSum = 0;
    for (let j = 0; j < d; j++) {
      const m = sumX[j] / weight;
      means[k * d + j] = m;
      const v = sumX2[j] / weight - 2 * (m * m) + m * m + regCovar;
      if (spherical) sphericalSum += v;
      else cov[k * d + j] = v;
    }
    if (spherical) cov[k] = sphericalSum / d;
  }
}
