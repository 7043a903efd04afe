/**
 * ADBench's GMM objective (bench/gmm-objective.ts) with small helpers over flat Float64Arrays that
 * return numbers instead of writing work arrays: the k-th row of Q (x - mu) is computed where it is
 * used, from `icf` directly (no Qdiags, xcentered or Qxcentered arrays), and every reduction is a
 * function of its inputs. Same value, same parameters; the bench compares the cost of its gradient.
 */

const PI = 3.14159265359;

/** ln Γ(z) for z > 0: Lanczos (g = 7, 9 terms), with the reflection formula below 1/2. */
export function lgammaFlat(z: number): number {
  if (z < 0.5) return Math.log(PI / Math.abs(Math.sin(Math.PI * z))) - lgammaFlat(1 - z);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const w = z - 1;
  let a = c[0];
  const t = w + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (w + i);
  return 0.5 * Math.log(2 * Math.PI) + (w + 0.5) * Math.log(t) - t + Math.log(a);
}

/** log sum_i exp(x[offset + i]), i < n, shifted by the largest entry. */
function logsumexpAt(n: number, x: Float64Array, offset: number): number {
  let mx = x[offset];
  for (let i = 1; i < n; i++) mx = Math.max(mx, x[offset + i]);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(x[offset + i] - mx);
  return Math.log(s) + mx;
}

/**
 * Entry j of Q_k (x - mu_k): exp(q_kj) (x_j - mu_kj) + sum_{i<j} L_k[j][i] (x_i - mu_ki), with L_k's
 * strictly lower entries stored column by column after the d log-diagonal entries of icf (column i
 * starts i (2d - i - 1) / 2 entries in).
 */
function qxEntry(d: number, icf: Float64Array, icfOffset: number, x: Float64Array, xOffset: number, means: Float64Array, meanOffset: number, j: number): number {
  let v = Math.exp(icf[icfOffset + j]) * (x[xOffset + j] - means[meanOffset + j]);
  for (let i = 0; i < j; i++) v += icf[icfOffset + d + (i * (2 * d - i - 1)) / 2 + j - i - 1] * (x[xOffset + i] - means[meanOffset + i]);
  return v;
}

/** |Q_k (x - mu_k)|^2 */
function sqMahalanobis(d: number, icf: Float64Array, icfOffset: number, x: Float64Array, xOffset: number, means: Float64Array, meanOffset: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const v = qxEntry(d, icf, icfOffset, x, xOffset, means, meanOffset, j);
    s += v * v;
  }
  return s;
}

/** sum_j q_kj, the log-determinant of Q_k. */
function sumLogDiag(d: number, icf: Float64Array, icfOffset: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += icf[icfOffset + j];
  return s;
}

/** 1/2 gamma^2 (|exp(q_k)|^2 + |l_k|^2) - m sum_j q_kj, one component's Wishart term. */
function wishartTerm(d: number, icf: Float64Array, icfOffset: number, wishartGamma: number, wishartM: number): number {
  const icfSize = (d * (d + 1)) / 2;
  let frobenius = 0;
  for (let j = 0; j < d; j++) frobenius += Math.exp(2 * icf[icfOffset + j]);
  for (let j = d; j < icfSize; j++) frobenius += icf[icfOffset + j] * icf[icfOffset + j];
  return 0.5 * wishartGamma * wishartGamma * frobenius - wishartM * sumLogDiag(d, icf, icfOffset);
}

/** ln Γ_p(a), the multivariate gamma function. */
function logGammaDistribFlat(a: number, p: number): number {
  let out = 0.25 * p * (p - 1) * Math.log(PI);
  for (let j = 1; j <= p; j++) out += lgammaFlat(a + 0.5 * (1 - j));
  return out;
}

/** @differentiable wrt=alphas,means,icf */
export function gmmFlat(
  d: number,
  k: number,
  n: number,
  alphas: Float64Array,
  means: Float64Array,
  icf: Float64Array,
  x: Float64Array,
  wishartGamma: number,
  wishartM: number,
): number {
  const icfSize = (d * (d + 1)) / 2;
  const mainTerm = new Float64Array(k);
  let slse = 0;
  for (let ix = 0; ix < n; ix++) {
    for (let ik = 0; ik < k; ik++)
      mainTerm[ik] = alphas[ik] + sumLogDiag(d, icf, ik * icfSize) - 0.5 * sqMahalanobis(d, icf, ik * icfSize, x, ix * d, means, ik * d);
    slse += logsumexpAt(k, mainTerm, 0);
  }
  const wn = d + wishartM + 1;
  const C = wn * d * (Math.log(wishartGamma) - 0.5 * Math.log(2)) - logGammaDistribFlat(0.5 * wn, d);
  let prior = 0;
  for (let ik = 0; ik < k; ik++) prior += wishartTerm(d, icf, ik * icfSize, wishartGamma, wishartM);
  return -n * d * 0.5 * Math.log(2 * PI) + slse - n * logsumexpAt(k, alphas, 0) + prior - k * C;
}
