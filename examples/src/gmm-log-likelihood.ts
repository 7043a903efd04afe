/**
 * The mean log-likelihood of a Gaussian mixture, in the parameterisation of ADBench's GMM objective
 * (Srajer, Kukelova and Fitzgibbon, 2018), which makes every parameter vector valid, so that gradient
 * ascent needs no constraints:
 * - `alphas` (K): log-weights up to a constant; the weights are softmax(alphas);
 * - `means` (K x d, row by row);
 * - `icf` (K x d(d+1)/2): each component's precision Cholesky factor Q (precision = Q^T Q, Q lower
 *   triangular) as its d log-diagonal entries q, then its strictly-lower entries column by column.
 * Unlike ADBench's objective it has no Wishart prior: it is the quantity EM maximises, so that the two
 * methods can be compared (scikit-learn's `score`, the mean of log p(x_i)).
 */

/** @differentiable wrt=alphas,means,icf */
export function gmmLogLikelihood(alphas: number[], means: number[], icf: number[], x: number[], d: number): number {
  const K = alphas.length;
  const n = x.length / d;
  const icfSize = (d * (d + 1)) / 2;

  // log sum_k exp(alpha_k), shifted by the largest alpha so that exp cannot overflow.
  let alphaMax = alphas[0];
  for (let k = 1; k < K; k++) alphaMax = Math.max(alphaMax, alphas[k]);
  let alphaSum = 0;
  for (let k = 0; k < K; k++) alphaSum += Math.exp(alphas[k] - alphaMax);
  const logWeightNorm = alphaMax + Math.log(alphaSum);

  // log N(x | mu_k, (Q_k^T Q_k)^-1) + alpha_k for each k, reused for every sample.
  const terms = new Float64Array(K);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) {
      const qOffset = k * icfSize;
      let logDet = 0;
      let squaredNorm = 0;
      // Row r of Q (x_i - mu_k): exp(q_r) (x_ir - mu_kr) + sum_{c < r} L_rc (x_ic - mu_kc), where
      // L_rc is entry (r - c - 1) of column c's strictly-lower block, after the d diagonal entries.
      for (let r = 0; r < d; r++) {
        logDet += icf[qOffset + r];
        let row = Math.exp(icf[qOffset + r]) * (x[i * d + r] - means[k * d + r]);
        for (let c = 0; c < r; c++) {
          const lowerIndex = d + c * d - (c * (c + 1)) / 2 + (r - c - 1);
          row += icf[qOffset + lowerIndex] * (x[i * d + c] - means[k * d + c]);
        }
        squaredNorm += row * row;
      }
      terms[k] = alphas[k] + logDet - 0.5 * squaredNorm;
    }
    let termMax = terms[0];
    for (let k = 1; k < K; k++) termMax = Math.max(termMax, terms[k]);
    let termSum = 0;
    for (let k = 0; k < K; k++) termSum += Math.exp(terms[k] - termMax);
    total += termMax + Math.log(termSum);
  }
  return total / n - logWeightNorm - 0.5 * d * Math.log(2 * Math.PI);
}
