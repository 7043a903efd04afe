/**
 * The differential fuzzer (issue 7): random programs over the whole language (test/generators/
 * full-programs.ts), compiled in batches, their output type-checked under --strict, and f, f_dual,
 * f_grad, f_vjp and f_jacobian compared with each other and with a dual-number interpreter to 1e-10
 * relative; for the programs tagged `@differentiable hessian`, f_hessian too (value and gradient equal
 * to f_grad's bit for bit, H exactly symmetric and equal to the interpreter's over hyper-dual numbers to
 * 1e-10 relative). A failing program is shrunk by fast-check and printed with its seed and path.
 *
 * A second property compiles programs that must not compile (a try around active code at a random
 * spot in a helper: `forbiddenProgramArb`) and asserts exactly the ADC2004 at the `try`, by code,
 * file:line:col and message, and no output.
 *
 * CI: a fixed seed and a fixed number of batches (about a minute on the development machine).
 * `npm run fuzz -- --seconds N [--seed S]` (scripts/fuzz.mjs) runs batches until N seconds are spent
 * (the second property a fifth of that), through ADC_FUZZ_SECONDS and ADC_FUZZ_SEED.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { forbiddenProgramArb, fullProgramArb } from "./generators/full-programs.js";
import { attributeBatchFailure, checkForbiddenBatch, pointsFor, runBatch, shrinkFailure, type ProgramFailure } from "./helpers/fuzz.js";

const SEED = Number(process.env.ADC_FUZZ_SEED ?? 7_2026);
const SECONDS = process.env.ADC_FUZZ_SECONDS === undefined ? undefined : Number(process.env.ADC_FUZZ_SECONDS);
/** Programs per compilation: compiling and type-checking dominate, and batching amortises them. */
const BATCH = 50;
/**
 * The CI budget: 6 batches of 50 programs (half of them with f_hessian) and one batch of 50 that must
 * not compile; about the CPU time of the 7 batches before issue 13's constructs made programs larger
 * (measured back to back on the development machine, 2 cores shared: 62-66 s of CPU against 62 s,
 * 46-67 s wall against 49 s).
 */
const CI_BATCHES = 6;
const POINTS = 3;
/** Batches of programs that must not compile: one compilation each, no type-check, nothing run. */
const CI_FORBIDDEN_BATCHES = 1;
const SHRINK_MS = Number(process.env.ADC_FUZZ_SHRINK_MS ?? 120_000);

describe("differential fuzzing", () => {
  it(
    `f, f_dual, f_grad, f_vjp, f_jacobian and f_hessian agree with a (hyper-)dual-number interpreter (seed ${SEED})`,
    async () => {
      const started = performance.now();
      const deadline = SECONDS === undefined ? Infinity : started + SECONDS * 1000;
      let checked = 0;
      let meaningless = 0;
      let nonZero = 0;
      let hessians = 0;
      let nonZeroHessians = 0;
      let programs = 0;
      for (let batch = 0; SECONDS === undefined ? batch < CI_BATCHES : performance.now() < deadline; batch++) {
        // Each batch has its own seed, so a failure is replayed by (batch seed, index in the batch).
        const batchSeed = SEED + batch;
        const sample = fc.sample(fullProgramArb, { seed: batchSeed, numRuns: BATCH });
        const points = pointsFor(batchSeed, POINTS);
        const result = await runBatch(sample, points);
        programs += sample.length;
        let failures: ProgramFailure[] = result.failures;
        if (result.batchFailure !== null) {
          failures = await attributeBatchFailure(sample, points);
          if (failures.length === 0) throw new Error(`batch seed ${batchSeed} fails as a whole but no program alone does:\n${result.batchFailure}`);
        }
        if (failures.length > 0) {
          const first = failures[0];
          const shrunk = await shrinkFailure(batchSeed, first.index, points, SHRINK_MS);
          const report = [
            `${failures.length} of ${sample.length} programs fail in batch seed ${batchSeed}; the first (index ${first.index}), shrunk:`,
            `replay: fc.check(property, { seed: ${shrunk.seed}, path: "${shrunk.path}" }), points pointsFor(${batchSeed}, ${POINTS})`,
            shrunk.text,
            shrunk.message,
            `(unshrunk: ${first.message.split("\n").slice(0, 4).join("; ")})`,
          ].join("\n");
          console.error(report);
          throw new Error(report);
        }
        checked += result.checked;
        meaningless += result.meaningless;
        nonZero += result.nonZero;
        hessians += result.hessianChecked;
        nonZeroHessians += result.nonZeroHessian;
      }
      const seconds = (performance.now() - started) / 1000;
      console.log(`fuzz: ${programs} programs, ${checked} points checked (${meaningless} outside the interpreter's range), ${nonZero} with a non-zero gradient, ${hessians} with f_hessian checked (${nonZeroHessians} non-zero), ${seconds.toFixed(1)} s, seed ${SEED}`);
      // The comparison means something only if most points are in range and most programs depend on their inputs.
      expect(checked).toBeGreaterThan(0.9 * programs * POINTS);
      expect(nonZero).toBeGreaterThan(0.3 * checked);
      expect(hessians).toBeGreaterThan(0.2 * checked);
      expect(nonZeroHessians).toBeGreaterThan(0.15 * hessians);
    },
    30 * 60_000,
  );

  it(
    `a try around active code at a random spot in a helper is ADC2004 at the try, and nothing else (seed ${SEED})`,
    () => {
      const started = performance.now();
      const deadline = SECONDS === undefined ? Infinity : started + (SECONDS * 1000) / 5;
      let programs = 0;
      for (let batch = 0; SECONDS === undefined ? batch < CI_FORBIDDEN_BATCHES : performance.now() < deadline; batch++) {
        const batchSeed = SEED + batch;
        const sample = fc.sample(forbiddenProgramArb, { seed: batchSeed, numRuns: BATCH });
        const failures = checkForbiddenBatch(sample);
        programs += sample.length;
        if (failures.length > 0) {
          const report = `${failures.length} of ${sample.length} programs fail in batch seed ${batchSeed}; the first (index ${failures[0].index}, fc.sample(forbiddenProgramArb, { seed: ${batchSeed}, numRuns: ${BATCH} })):\n${failures[0].message}`;
          console.error(report);
          throw new Error(report);
        }
      }
      console.log(`fuzz: ${programs} programs with a try in a helper, each ADC2004 at its try, ${((performance.now() - started) / 1000).toFixed(1)} s, seed ${SEED}`);
    },
    30 * 60_000,
  );
});
