// Reverse mode on ADBench's GMM objective: for every input in ../shared/data/adbench-gmm (1k and 10k
// points), the median time of the objective and of its gradient by reverse mode (gmmObjective_grad)
// measured in one run, their ratio (target: at most 3), the tape's peak size, and for comparison
// forward mode (gmmObjective_dual, one direction), central differences (one direction: time and
// error), the runtime's Dual class (operator overloading, one direction) and tfjs-core's tf.grads.
//
//   npm run bench                       # build, then print the table
//   node bench/run.mjs --write          # also replace the section in BENCHMARKS.md
//   node bench/run.mjs --only d10_K5    # inputs whose name contains the text
//   ADBENCH_GMM=/path/to/adbench-gmm    # another copy of the inputs
//   node bench/run.mjs --checkpoint-only  # only loop checkpointing (bench/checkpoint.mjs), which follows the GMM table
import { register } from "node:module";
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, existsSync, rmSync } from "node:fs";
import { tmpdir, cpus, loadavg } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { compileProgram, createProgram } from "../dist/transformer/core.js";
import { formatDiagnostic } from "../dist/transformer/diagnostics.js";
import { checkpointBenchmark } from "./checkpoint.mjs";

register("./tfjs-hook.mjs", import.meta.url);

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const write = args.includes("--write");
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const dataDir = process.env.ADBENCH_GMM ?? join(root, "..", "shared", "data", "adbench-gmm");
const checkpointOnly = args.includes("--checkpoint-only");

// ---------------------------------------------------------------- compile the TypeScript sources

const work = mkdtempSync(join(tmpdir(), "adc-bench-"));
const runtimeUrl = pathToFileURL(join(root, "dist", "src", "runtime", "index.js")).href;
const dualUrl = pathToFileURL(join(root, "dist", "src", "runtime", "dual.js")).href;

function emit(name, text) {
  let js = ts.transpileModule(text, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  js = js
    .replaceAll('"adc-ts/runtime"', JSON.stringify(runtimeUrl))
    .replaceAll('"../src/runtime/dual.js"', JSON.stringify(dualUrl))
    .replaceAll('"./gmm-objective.js"', '"./gmm-objective.mjs"');
  const file = join(work, name);
  writeFileSync(file, js);
  return pathToFileURL(file).href;
}

const objectiveSource = join(root, "bench", "gmm-objective.ts");
const compiled = compileProgram(createProgram([objectiveSource]), [objectiveSource]);
if (compiled.diagnostics.length > 0) throw new Error(compiled.diagnostics.map((d) => formatDiagnostic(d)).join("\n"));
const gmm = await import(emit("gmm-objective.mjs", compiled.files.get(objectiveSource).text));
const { parseGmmInput } = await import(emit("adbench-gmm.mjs", readFileSync(join(root, "bench", "adbench-gmm.ts"), "utf8")));
const { gmmObjectiveDual } = await import(emit("gmm-dual.mjs", readFileSync(join(root, "bench", "gmm-dual.ts"), "utf8")));
const { tape } = await import(runtimeUrl);
let tfjs;
let tfjsProblem;
try {
  tfjs = await import("./gmm-tfjs.mjs");
} catch (e) {
  tfjsProblem = String(e?.message ?? e).split("\n")[0];
}

// ---------------------------------------------------------------- timing

/**
 * Median wall times (ms) of f and g timed alternately, after warming both up (the JIT compiles the
 * derivative's many small functions later than f): the ratio of two medians taken in one interleaved
 * run is what a shared, noisy machine measures best.
 */
function pairedMedians(f, g, { warm = 400, min = 15, max = 300, budget = 3000 } = {}) {
  const w0 = performance.now();
  while (performance.now() - w0 < warm) {
    f();
    g();
  }
  return timedMedians([f, g], { min, max, budget });
}

/** Median wall time (ms) of f over repetitions: at least `min` runs and about `budget` ms in all. */
function median(f, { min = 5, max = 25, budget = 1500 } = {}) {
  f(); // warm-up (and JIT)
  return timedMedians([f], { min, max, budget })[0];
}

/** Each function timed in turn, round after round (at least `min`, about `budget` ms): their medians. */
function timedMedians(fns, { min, max, budget }) {
  const times = fns.map(() => []);
  const start = performance.now();
  while (times[0].length < min || (times[0].length < max && performance.now() - start < budget)) {
    fns.forEach((fn, i) => {
      const t0 = performance.now();
      fn();
      times[i].push(performance.now() - t0);
    });
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
}

function randomDirection(n, seed) {
  let a = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

const dotAll = (gs, vs) => gs.reduce((s, g, j) => s + g.reduce((t, e, i) => t + e * vs[j][i], 0), 0);

// ---------------------------------------------------------------- the inputs

const inputs = [];
for (const group of ["1k", "10k"]) {
  const dir = join(dataDir, group);
  if (!existsSync(dir)) continue;
  const files = readdirSync(dir).filter((f) => f.endsWith(".txt"));
  const key = (f) => f.match(/d(\d+)_K(\d+)/).slice(1).map(Number);
  files.sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1]);
  for (const f of files) if (only === undefined || f.includes(only)) inputs.push({ group, file: f, path: join(dir, f) });
}
if (inputs.length === 0 && !checkpointOnly) throw new Error(`no ADBench GMM inputs under ${dataDir}`);
if (checkpointOnly) inputs.length = 0;

const rows = [];
for (const { group, file, path } of inputs) {
  const g = parseGmmInput(readFileSync(path, "utf8"));
  const a = [g.d, g.k, g.n, g.alphas, g.means, g.icf, g.x, g.wishartGamma, g.wishartM];
  const params = g.alphas.length + g.means.length + g.icf.length;
  const [objective, grad] = pairedMedians(() => gmm.gmmObjective(...a), () => gmm.gmmObjective_grad(...a));
  tape.resetPeak();
  const [value, ...gradient] = gmm.gmmObjective_grad(...a);
  const tapeBytes = tape.peakBytes();

  // One direction v: forward mode, the Dual class, central differences; all against ∇f·v.
  const v = [g.alphas.length, g.means.length, g.icf.length].map((len, i) => randomDirection(len, 17 + i));
  const exact = dotAll(gradient, v);
  const dual = median(() => gmm.gmmObjective_dual(...a, ...v));
  const dualError = Math.abs(gmm.gmmObjective_dual(...a, ...v)[1] - exact) / Math.abs(exact);
  const dualClass = median(() => gmmObjectiveDual(...a, ...v), { min: 3, max: 9 });
  const dualClassError = Math.abs(gmmObjectiveDual(...a, ...v)[1] - exact) / Math.abs(exact);
  const h = 1e-6;
  const shifted = (s) => [g.alphas, g.means, g.icf].map((p, j) => p.map((e, i) => e + s * v[j][i]));
  const plus = shifted(h);
  const minus = shifted(-h);
  const at = (p) => gmm.gmmObjective(g.d, g.k, g.n, ...p, g.x, g.wishartGamma, g.wishartM);
  const central = median(() => (at(plus) - at(minus)) / (2 * h));
  const centralError = Math.abs((at(plus) - at(minus)) / (2 * h) - exact) / Math.abs(exact);

  let tf = { value: NaN, grad: NaN, error: NaN };
  if (tfjs !== undefined) {
    const t = tfjs.tfjsGmm(g, gmm.logGammaDistrib);
    const tv = median(() => t.value(), { min: 3, max: 9 });
    const tg = median(() => t.gradient(), { min: 3, max: 9 });
    const tgrad = t.gradient();
    tf = { value: tv, grad: tg, error: Math.abs(dotAll(tgrad, v) - exact) / Math.abs(exact), valueError: Math.abs(t.value() - value) / Math.abs(value) };
  }
  const row = { group, file, d: g.d, k: g.k, n: g.n, params, objective, grad, ratio: grad / objective, tapeBytes, dual, dualError, central, centralError, dualClass, dualClassError, tf };
  rows.push(row);
  console.error(`${group}/${file}: objective ${objective.toFixed(2)} ms, grad ${grad.toFixed(2)} ms, ratio ${row.ratio.toFixed(2)}, tape ${(tapeBytes / 1e6).toFixed(1)} MB`);
}

// ---------------------------------------------------------------- the table

const ms = (t) => (Number.isNaN(t) ? "–" : t >= 100 ? t.toFixed(0) : t >= 10 ? t.toFixed(1) : t.toFixed(2));
const sci = (e) => (Number.isNaN(e) ? "–" : e.toExponential(0));
const mb = (b) => (b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(0)} kB`);
const cpu = cpus()[0]?.model ?? "unknown CPU";
const date = new Date().toISOString().slice(0, 10);
const header = [
  "| input | d | K | n | params | f (ms) | `_grad` (ms) | **ratio** | tape peak | `_dual` 1 dir (ms) | central diff. 1 dir (ms), error | full FD gradient (est.) | `Dual` class 1 dir (ms) | tfjs f (ms) | tfjs `tf.grads` (ms), error |",
  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
];
const lines = rows.map((r) =>
  [
    `${r.group}/${r.file.replace(".txt", "")}`,
    r.d,
    r.k,
    r.n,
    r.params,
    ms(r.objective),
    ms(r.grad),
    `**${r.ratio.toFixed(2)}**`,
    mb(r.tapeBytes),
    ms(r.dual),
    `${ms(r.central)}, ${sci(r.centralError)}`,
    `${((2 * r.params * r.objective) / 1000).toFixed(1)} s`,
    ms(r.dualClass),
    ms(r.tf.value),
    `${ms(r.tf.grad)}, ${sci(r.tf.error)}`,
  ].join(" | "),
);
const worst = rows.reduce((w, r) => (r.ratio > w.ratio ? r : w), rows[0]);
const section = checkpointOnly ? undefined : `## Reverse mode on ADBench GMM

\`npm run bench\` (\`bench/run.mjs\`) on ${date}: ${cpus().length} × ${cpu}, Node ${process.version}, load average at the end
${loadavg()[0].toFixed(1)} (other processes share the machine: compare the ratios, measured in one run, rather than the times). f and
\`_grad\` are warmed up together for 0.4 s, then timed alternately (at least 15 pairs, about 3 s); the
table gives the median of each and their ratio. f is ADBench's \`gmm_objective\` in TypeScript (\`bench/gmm-objective.ts\`), \`_grad\` its
gradient by adc-ts reverse mode (all K(1 + d + d(d+1)/2) parameters), ratio = \`_grad\` / f (target ≤ 3;
ADBench's hand-written C++ gradient: 1.9–7.2, Tapenade: 3.7–15.5). The tape peak is the most the tape held
during \`_grad\`. The one-direction columns compute ∇f·v for a random v: \`_dual\` (forward mode),
central differences (h = 1e-6; error relative to \`_grad\`·v) and the runtime's \`Dual\` class (operator
overloading); a full gradient needs one of them per parameter (2 × params × f for central differences).
tfjs-core 4.22 with its cpu backend computes in float32 (its only precision), hence its error.
${tfjsProblem ? `\ntfjs could not run: ${tfjsProblem}\n` : ""}
${[...header, ...lines.map((l) => `| ${l} |`)].join("\n")}

Largest ratio: ${worst.ratio.toFixed(2)} (${worst.group}/${worst.file}).
`;
if (section !== undefined) console.log(section);
const checkpointSection = await checkpointBenchmark();
console.log(checkpointSection);

/** Replace the section under `heading` in BENCHMARKS.md (or append it). */
function writeSection(heading, body) {
  const file = join(root, "BENCHMARKS.md");
  const text = readFileSync(file, "utf8");
  const start = text.indexOf(heading);
  let updated;
  if (start < 0) updated = `${text.trimEnd()}\n\n${body}`;
  else {
    const next = text.indexOf("\n## ", start + heading.length);
    updated = text.slice(0, start) + body + (next >= 0 ? text.slice(next + 1) : "");
  }
  writeFileSync(file, updated);
}
if (write) {
  if (section !== undefined) writeSection("## Reverse mode on ADBench GMM", section);
  writeSection("## Loop checkpointing", checkpointSection);
}
rmSync(work, { recursive: true, force: true });
