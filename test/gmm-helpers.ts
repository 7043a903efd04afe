/** Shared data for the gmm tests: Old Faithful and seeded Gaussian blobs with known parameters. */
import { readFileSync } from "node:fs";
import { SeededRandom, parseNumericCsv } from "adc-ts/gmm";

export const faithful: number[][] = parseNumericCsv(
  readFileSync(new URL("../data/faithful.csv", import.meta.url), "utf8"),
).rows;

export interface Blobs {
  X: number[][];
  labels: number[];
  weights: number[];
  means: number[][];
  covariances: number[][][];
}

/** n points from Gaussians with the given weights, means and (full) covariances, via their Cholesky factors. */
export function gaussianBlobs(n: number, weights: number[], means: number[][], covariances: number[][][], seed: number): Blobs {
  const random = new SeededRandom(seed);
  const d = means[0].length;
  const factors = covariances.map((c) => {
    const L = c.map((row) => row.map(() => 0));
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        let sum = c[i][j];
        for (let k = 0; k < j; k++) sum -= L[i][k] * L[j][k];
        L[i][j] = i === j ? Math.sqrt(sum) : sum / L[j][j];
      }
    }
    return L;
  });
  const X: number[][] = [];
  const labels: number[] = [];
  for (let s = 0; s < n; s++) {
    let u = random.uniform();
    let k = 0;
    while (k < weights.length - 1 && u >= weights[k]) u -= weights[k++];
    const z = Array.from({ length: d }, () => random.normal());
    X.push(means[k].map((m, i) => m + factors[k][i].reduce((acc, l, j) => acc + l * z[j], 0)));
    labels.push(k);
  }
  return { X, labels, weights, means, covariances };
}

/** Three well-separated 2-D clusters with distinct shapes. */
export const threeBlobs = gaussianBlobs(
  3000,
  [0.5, 0.3, 0.2],
  [
    [0, 0],
    [8, 3],
    [-4, 7],
  ],
  [
    [
      [2, 0.8],
      [0.8, 1],
    ],
    [
      [0.5, -0.2],
      [-0.2, 1.5],
    ],
    [
      [1, 0],
      [0, 0.3],
    ],
  ],
  42,
);

export function maxAbsDiff(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return Math.abs(a - b);
  const aa = a as unknown[];
  const bb = b as unknown[];
  if (!Array.isArray(aa) || !Array.isArray(bb) || aa.length !== bb.length) return Infinity;
  return Math.max(0, ...aa.map((v, i) => maxAbsDiff(v, bb[i])));
}

/** Permutation sending each fitted component to the nearest true mean. */
export function matchComponents(fittedMeans: number[][], trueMeans: number[][]): number[] {
  return trueMeans.map((m) => {
    let best = 0;
    let bestDist = Infinity;
    fittedMeans.forEach((f, k) => {
      const dist = f.reduce((acc, v, j) => acc + (v - m[j]) ** 2, 0);
      if (dist < bestDist) {
        bestDist = dist;
        best = k;
      }
    });
    return best;
  });
}
