/** KMeans (Lloyd) and its k-means++ seeding. */
import { describe, expect, it } from "vitest";
import { KMeans, SeededRandom, kmeansPlusPlus } from "adc-ts/gmm";
import { toDenseMatrix } from "../src/gmm/matrix.js";
import { faithful, matchComponents, maxAbsDiff, threeBlobs } from "./gmm-helpers.js";

describe("KMeans", () => {
  it("recovers known clusters", () => {
    const km = new KMeans({ nClusters: 3, randomState: 0 }).fit(threeBlobs.X);
    const order = matchComponents(km.clusterCenters, threeBlobs.means);
    expect(new Set(order).size).toBe(3);
    order.forEach((c, t) => expect(maxAbsDiff(km.clusterCenters[c], threeBlobs.means[t])).toBeLessThan(0.15));
    const agree = km.labels.filter((l, i) => l === order[threeBlobs.labels[i]]).length;
    expect(agree / km.labels.length).toBeGreaterThan(0.99);
    expect(km.predict(threeBlobs.X)).toEqual(km.labels);
    expect(km.nFeaturesIn).toBe(2);
  });

  it("inertia is the sum of squared distances to the assigned centers, and never increases", () => {
    for (const init of ["k-means++", "random"] as const) {
      const km = new KMeans({ nClusters: 6, init, nInit: 1, randomState: 3 }).fit(threeBlobs.X);
      const centers = km.clusterCenters;
      const inertia = threeBlobs.X.reduce((acc, x, i) => acc + x.reduce((a, v, j) => a + (v - centers[km.labels[i]][j]) ** 2, 0), 0);
      expect(km.inertia).toBeCloseTo(inertia, 6);
      const history = km.inertias;
      expect(history.length).toBe(km.nIter);
      for (let i = 1; i < history.length; i++) expect(history[i]).toBeLessThanOrEqual(history[i - 1] + 1e-9);
      expect(km.inertia).toBeLessThanOrEqual(history[history.length - 1] + 1e-9);
      // Every point is at its nearest center.
      const d2 = (x: number[], c: number[]) => x.reduce((a, v, j) => a + (v - c[j]) ** 2, 0);
      threeBlobs.X.forEach((x, i) => expect(d2(x, centers[km.labels[i]])).toBeLessThanOrEqual(Math.min(...centers.map((c) => d2(x, c))) + 1e-12));
    }
  });

  it("k-means++ seeding is reproducible with a seed", () => {
    const X = toDenseMatrix(threeBlobs.X);
    const a = kmeansPlusPlus(X, 5, new SeededRandom(7));
    const b = kmeansPlusPlus(X, 5, new SeededRandom(7));
    expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
    expect(Array.from(a.centers)).toEqual(Array.from(b.centers));
    expect(new Set(a.indices).size).toBe(5);
    Array.from(a.indices).forEach((row, c) => expect(Array.from(a.centers.slice(c * 2, c * 2 + 2))).toEqual(threeBlobs.X[row]));
    // Seeds spread out: the three true clusters each get a seed.
    const seeds = kmeansPlusPlus(X, 3, new SeededRandom(1)).indices;
    expect(new Set(Array.from(seeds).map((i) => threeBlobs.labels[i])).size).toBe(3);
    const fitA = new KMeans({ nClusters: 4, randomState: 12 }).fit(faithful);
    const fitB = new KMeans({ nClusters: 4, randomState: 12 }).fit(faithful);
    expect(fitB.clusterCenters).toEqual(fitA.clusterCenters);
    expect(fitB.inertia).toBe(fitA.inertia);
  });

  it("more initialisations never give a higher inertia; explicit centers are honoured", () => {
    for (let seed = 0; seed < 5; seed++) {
      const one = new KMeans({ nClusters: 5, init: "random", nInit: 1, randomState: seed }).fit(faithful);
      const ten = new KMeans({ nClusters: 5, init: "random", nInit: 10, randomState: seed }).fit(faithful);
      expect(ten.inertia).toBeLessThanOrEqual(one.inertia);
    }
    const km = new KMeans({ nClusters: 2, init: [[2, 55], [4.5, 80]], maxIter: 1 }).fit(faithful);
    expect(km.nIter).toBe(1);
    const short = faithful.filter((r) => (r[0] - 2) ** 2 + (r[1] - 55) ** 2 <= (r[0] - 4.5) ** 2 + (r[1] - 80) ** 2);
    expect(km.clusterCenters[0][1]).toBeCloseTo(short.reduce((a, r) => a + r[1], 0) / short.length, 10);
  });

  it("empty clusters are relocated instead of becoming NaN", () => {
    const X = [[0, 0], [0, 0], [0, 0], [10, 10], [10, 10.5], [10.5, 10]];
    const km = new KMeans({ nClusters: 3, init: [[0, 0], [100, 100], [10, 10]], maxIter: 10 }).fit(X);
    expect(km.clusterCenters.flat().every(Number.isFinite)).toBe(true);
    expect(new Set(km.labels).size).toBe(3);
  });
});
