#!/usr/bin/env node
// `npm run fuzz -- --seconds N [--seed S] [--singular] [--open NAMES]`: the differential fuzzer
// (test/fuzz.test.ts) for N seconds instead of CI's fixed budget. --open puts back constructs left
// out because of open findings (comma-separated names, or `all`: see test/generators/full-programs.ts).
// It runs under vitest, which compiles the TypeScript test helpers and resolves `adc-ts/runtime` in
// generated code to the repository's source.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const env = { ...process.env };
for (let i = 0; i < args.length; i++) {
  const value = args[i + 1];
  if (args[i] === "--seconds" && value !== undefined) (env.ADC_FUZZ_SECONDS = value), i++;
  else if (args[i] === "--seed" && value !== undefined) (env.ADC_FUZZ_SEED = value), i++;
  else if (args[i] === "--singular") env.ADC_FUZZ_SINGULAR = "1";
  else if (args[i] === "--open" && value !== undefined) (env.ADC_FUZZ_OPEN = value), i++;
  else {
    console.error(`usage: npm run fuzz -- --seconds N [--seed S] [--singular] [--open NAMES]   (unknown argument ${args[i]})`);
    process.exit(2);
  }
}
if (env.ADC_FUZZ_SECONDS === undefined) env.ADC_FUZZ_SECONDS = "300";
if (!(Number(env.ADC_FUZZ_SECONDS) > 0) || (env.ADC_FUZZ_SEED !== undefined && !Number.isInteger(Number(env.ADC_FUZZ_SEED)))) {
  console.error("--seconds takes a positive number, --seed an integer");
  process.exit(2);
}
if (env.ADC_FUZZ_SEED === undefined) env.ADC_FUZZ_SEED = String(Date.now() % 1_000_000_000);
console.log(`fuzzing for ${env.ADC_FUZZ_SECONDS} s from seed ${env.ADC_FUZZ_SEED}`);
const root = fileURLToPath(new URL("..", import.meta.url));
const vitest = fileURLToPath(new URL("../node_modules/vitest/vitest.mjs", import.meta.url));
const run = spawnSync(process.execPath, [vitest, "run", "test/fuzz.test.ts"], { cwd: root, env, stdio: "inherit" });
process.exit(run.status ?? 1);
