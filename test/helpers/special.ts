/**
 * Special functions for tests of derivative rules: the "library" implementations adc-ts never sees,
 * accurate enough (about 1e-13 or better where the tests evaluate them) for central differences of
 * them to check the derivatives the rules give.
 */

/** log Γ(x) for x > 0.5: Lanczos (g = 7, 9 terms), about 1e-15 relative. */
export function gammaln(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const y = x - 1;
  let a = c[0];
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** erf(x) by its Taylor series (|x| <= 3: about 1e-13). */
export function erf(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 100; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

export const erfc = (x: number): number => 1 - erf(x);

/** log(e^a + e^b) without overflow. */
export const logaddexp = (a: number, b: number): number => Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
