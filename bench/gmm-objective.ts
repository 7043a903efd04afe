/**
 * ADBench's GMM objective (Srajer, Kukelova and Fitzgibbon 2018; `gmm_objective` in ADBench's
 * `src/cpp/shared/gmm.h`), in TypeScript and annotated for adc-ts: the log-likelihood of n points
 * under a K-component Gaussian mixture plus a Wishart prior on the precisions,
 *
 *   -(n d / 2) ln(2 pi) + sum_i logsumexp_k(alpha_k + sum_j q_kj - 1/2 |Q_k (x_i - mu_k)|^2)
 *     - n logsumexp(alpha) + sum_k (1/2 gamma^2 (|exp(q_k)|^2 + |l_k|^2) - m sum_j q_kj) - K C,
 *
 * with the same helpers, loops and constants (pi is 3.14159265359, as in ADBench's defs.h), so that
 * its value and cost compare with the published ones. Parameters: `alphas` (K), `means` (K x d, row by
 * row), `icf` (K x d(d+1)/2: each component's d log-diagonal entries q, then its strictly-lower
 * entries l column by column); `x` holds the n points row by row.
 */

const PI = 3.14159265359;

/** ln Γ(z) for z > 0: Lanczos (g = 7, 9 terms), with the reflection formula below 1/2. */
export function lgamma(z: number): number {
  if (z < 0.5) return Math.log(PI / Math.abs(Math.sin(Math.PI * z))) - lgamma(1 - z);
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

/** ln Γ_p(a), the multivariate gamma function (ADBench's `log_gamma_distrib`). */
export function logGammaDistrib(a: number, p: number): number {
  let out = 0.25 * p * (p - 1) * Math.log(PI);
  for (let j = 1; j <= p; j++) out = out + lgamma(a + 0.5 * (1 - j));
  return out;
}

function arrMax(n: number, x: Float64Array): number {
  let m = x[0];
  for (let i = 1; i < n; i++) m = Math.max(m, x[i]);
  return m;
}

function logsumexp(n: number, x: Float64Array): number {
  const mx = arrMax(n, x);
  let semx = 0;
  for (let i = 0; i < n; i++) semx = semx + Math.exp(x[i] - mx);
  return Math.log(semx) + mx;
}

/** |x[offset .. offset + n)|^2 */
function sqnorm(n: number, x: Float64Array, offset: number): number {
  let out = 0;
  for (let i = 0; i < n; i++) out = out + x[offset + i] * x[offset + i];
  return out;
}

/** out = x[xOffset ..] - y[yOffset ..], d entries */
function subtract(d: number, x: Float64Array, xOffset: number, y: Float64Array, yOffset: number, out: Float64Array): void {
  for (let id = 0; id < d; id++) out[id] = x[xOffset + id] - y[yOffset + id];
}

/** sum_qs[k] = sum_j q_kj and Qdiags[k d + j] = exp(q_kj). */
function preprocessQs(d: number, k: number, icf: Float64Array, sumQs: Float64Array, Qdiags: Float64Array): void {
  const icfSize = (d * (d + 1)) / 2;
  for (let ik = 0; ik < k; ik++) {
    sumQs[ik] = 0;
    for (let id = 0; id < d; id++) {
      const q = icf[ik * icfSize + id];
      sumQs[ik] = sumQs[ik] + q;
      Qdiags[ik * d + id] = Math.exp(q);
    }
  }
}

/** out = Q x, with Q = diag(Qdiag[qOffset ..]) + the strictly lower part ltri[lOffset ..], column by column. */
function Qtimesx(d: number, Qdiag: Float64Array, qOffset: number, ltri: Float64Array, lOffset: number, x: Float64Array, out: Float64Array): void {
  for (let id = 0; id < d; id++) out[id] = Qdiag[qOffset + id] * x[id];
  let Lparamsidx = lOffset;
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      out[j] = out[j] + ltri[Lparamsidx] * x[i];
      Lparamsidx++;
    }
  }
}

function logWishartPrior(p: number, k: number, wishartGamma: number, wishartM: number, sumQs: Float64Array, Qdiags: Float64Array, icf: Float64Array): number {
  const n = p + wishartM + 1;
  const icfSize = (p * (p + 1)) / 2;
  const C = n * p * (Math.log(wishartGamma) - 0.5 * Math.log(2)) - logGammaDistrib(0.5 * n, p);
  let out = 0;
  for (let ik = 0; ik < k; ik++) {
    const frobenius = sqnorm(p, Qdiags, ik * p) + sqnorm(icfSize - p, icf, ik * icfSize + p);
    out = out + 0.5 * wishartGamma * wishartGamma * frobenius - wishartM * sumQs[ik];
  }
  return out - k * C;
}

/** @differentiable wrt=alphas,means,icf */
export function gmmObjective(
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
  const CONSTANT = -n * d * 0.5 * Math.log(2 * PI);
  const icfSize = (d * (d + 1)) / 2;

  const Qdiags = new Float64Array(d * k);
  const sumQs = new Float64Array(k);
  const xcentered = new Float64Array(d);
  const Qxcentered = new Float64Array(d);
  const mainTerm = new Float64Array(k);

  preprocessQs(d, k, icf, sumQs, Qdiags);

  let slse = 0;
  for (let ix = 0; ix < n; ix++) {
    for (let ik = 0; ik < k; ik++) {
      subtract(d, x, ix * d, means, ik * d, xcentered);
      Qtimesx(d, Qdiags, ik * d, icf, ik * icfSize + d, xcentered, Qxcentered);
      mainTerm[ik] = alphas[ik] + sumQs[ik] - 0.5 * sqnorm(d, Qxcentered, 0);
    }
    slse = slse + logsumexp(k, mainTerm);
  }

  const lseAlphas = logsumexp(k, alphas);
  const err = CONSTANT + slse - n * lseAlphas;
  return err + logWishartPrior(d, k, wishartGamma, wishartM, sumQs, Qdiags, icf);
}
