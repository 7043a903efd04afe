/** The Old Faithful data (272 eruptions: duration and waiting time, in minutes), standardised. */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readNumericCsv } from "adc-ts/gmm";

export interface StandardisedData {
  /** Column names of the CSV. */
  readonly columns: readonly string[];
  /** Each column shifted to mean 0 and scaled to standard deviation 1 (population). */
  readonly rows: number[][];
  readonly mean: readonly number[];
  readonly sd: readonly number[];
}

/**
 * The bundled data/faithful.csv, found from this file so that the examples run from any directory:
 * one level up from examples/*.ts (vitest), two from the compiled examples/dist/*.js (npm start).
 */
export const FAITHFUL_CSV = ["../data/faithful.csv", "../../data/faithful.csv"]
  .map((relative) => fileURLToPath(new URL(relative, import.meta.url)))
  .find((path) => existsSync(path)) ?? "data/faithful.csv";

/**
 * Standardised, as in Bishop's figures of the same data: EM with full covariances does not care, but
 * k-means does (raw waiting times would dominate its distances), and gradient ascent takes better
 * steps when the parameters are on comparable scales.
 */
export function oldFaithful(path = FAITHFUL_CSV): StandardisedData {
  const { columns, rows } = readNumericCsv(path);
  const d = columns.length;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j], 0) / rows.length);
  const sd = Array.from({ length: d }, (_, j) => Math.sqrt(rows.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / rows.length));
  return { columns, rows: rows.map((r) => r.map((v, j) => (v - mean[j]) / sd[j])), mean, sd };
}
