/**
 * ADBench's GMM objective (bench/gmm-objective.ts) written as one function, the way a user might
 * write it without helpers: inline loops, `if (v > mx) mx = v` for each maximum, and the triangular
 * product Q (x - mu) accumulated in place (`qxc[j] += icf[li] * xc[i]; li++`). Same value, same
 * parameters; the bench compares the cost of its gradient with the helper-based version's.
 */

const PI = 3.14159265359;

/** ln Γ(z) for z > 0: Lanczos (g = 7, 9 terms), with the reflection formula below 1/2. */
export function lgammaInline(z: number): number {
  if (z < 0.5) return Math.log(PI / Math.abs(Math.sin(Math.PI * z))) - lgammaInline(1 - z);
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

/** @differentiable wrt=alphas,means,icf */
export function gmmInline(
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
  const sumQs = new Float64Array(k);
  const xc = new Float64Array(d);
  const qxc = new Float64Array(d);
  const mainTerm = new Float64Array(k);

  for (let ik = 0; ik < k; ik++) {
    for (let j = 0; j < d; j++) sumQs[ik] += icf[ik * icfSize + j];
  }

  let slse = 0;
  for (let ix = 0; ix < n; ix++) {
    for (let ik = 0; ik < k; ik++) {
      for (let j = 0; j < d; j++) xc[j] = x[ix * d + j] - means[ik * d + j];
      for (let j = 0; j < d; j++) qxc[j] = Math.exp(icf[ik * icfSize + j]) * xc[j];
      let li = ik * icfSize + d;
      for (let i = 0; i < d; i++) {
        for (let j = i + 1; j < d; j++) {
          qxc[j] += icf[li] * xc[i];
          li++;
        }
      }
      let sq = 0;
      for (let j = 0; j < d; j++) sq += qxc[j] * qxc[j];
      mainTerm[ik] = alphas[ik] + sumQs[ik] - 0.5 * sq;
    }
    let mx = mainTerm[0];
    for (let ik = 1; ik < k; ik++) if (mainTerm[ik] > mx) mx = mainTerm[ik];
    let se = 0;
    for (let ik = 0; ik < k; ik++) se += Math.exp(mainTerm[ik] - mx);
    slse += Math.log(se) + mx;
  }

  let amx = alphas[0];
  for (let ik = 1; ik < k; ik++) if (alphas[ik] > amx) amx = alphas[ik];
  let ase = 0;
  for (let ik = 0; ik < k; ik++) ase += Math.exp(alphas[ik] - amx);
  const lseAlphas = Math.log(ase) + amx;

  // The Wishart prior: 1/2 gamma^2 (|exp(q_k)|^2 + |l_k|^2) - m sum_j q_kj per component, less K C.
  const wn = d + wishartM + 1;
  let lgd = 0.25 * d * (d - 1) * Math.log(PI);
  for (let j = 1; j <= d; j++) lgd += lgammaInline(0.5 * wn + 0.5 * (1 - j));
  const C = wn * d * (Math.log(wishartGamma) - 0.5 * Math.log(2)) - lgd;
  let prior = 0;
  for (let ik = 0; ik < k; ik++) {
    let frobenius = 0;
    for (let j = 0; j < d; j++) {
      const q = Math.exp(icf[ik * icfSize + j]);
      frobenius += q * q;
    }
    for (let j = d; j < icfSize; j++) frobenius += icf[ik * icfSize + j] * icf[ik * icfSize + j];
    prior += 0.5 * wishartGamma * wishartGamma * frobenius - wishartM * sumQs[ik];
  }

  return -n * d * 0.5 * Math.log(2 * PI) + slse - n * lseAlphas + prior - k * C;
}
