/**
 * Reader for ADBench's GMM input format (whitespace separated): `d k n`, K alphas, K rows of d means,
 * K rows of icf (d(d+1)/2 each), n rows of d coordinates, then `gamma m`. ADBench's files after the
 * first (`gmm_d*_K*.txt`) store a single point and replicate it n times; a file that lists fewer than
 * n points is read that way.
 */
export interface GmmInput {
  readonly d: number;
  readonly k: number;
  readonly n: number;
  readonly alphas: Float64Array;
  readonly means: Float64Array;
  readonly icf: Float64Array;
  readonly x: Float64Array;
  readonly wishartGamma: number;
  readonly wishartM: number;
}

export function parseGmmInput(text: string): GmmInput {
  const tokens = text.split(/\s+/).filter((t) => t !== "");
  let at = 0;
  const next = (): number => {
    if (at >= tokens.length) throw new Error("ADBench GMM input ends early");
    return Number(tokens[at++]);
  };
  const d = next();
  const k = next();
  const n = next();
  const icfSize = (d * (d + 1)) / 2;
  const read = (count: number): Float64Array => {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = next();
    return out;
  };
  const alphas = read(k);
  const means = read(k * d);
  const icf = read(k * icfSize);
  // The points, then `gamma m`: as many points as the file holds, the rest copies of the last one.
  const remaining = tokens.length - at;
  const listed = Math.min(n, Math.floor((remaining - 2) / d));
  const x = new Float64Array(n * d);
  for (let i = 0; i < listed * d; i++) x[i] = next();
  for (let i = listed; i < n; i++) x.copyWithin(i * d, (listed - 1) * d, listed * d);
  const wishartGamma = next();
  const wishartM = next();
  return { d, k, n, alphas, means, icf, x, wishartGamma, wishartM };
}
