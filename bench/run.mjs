// Then the n-body energy over records (bench/nbody.ts): median f, `_grad`/f and `_dual`/f.
//
// Reverse mode on ADBench's GMM objective: for every input in ../shared/data/adbench-gmm (1k and 10k
// points), the median time of the objective and of its gradient by reverse mode (gmmObjective_grad)
// measured in one run, their ratio (target: at most 3), the tape's peak size, and for comparison
// forward mode (gmmObjective_dual, one direction), central differences (one direction: time and
// error), the runtime's Dual class (operator overloading, one direction) and tfjs-core's tf.grads.
// Then the same objective in three formulations (the bench's helpers, one function with inline loops
// and if-maxima, flat helpers returning numbers): f, `_grad`, their ratio and the tape peak of each,
// and how far each one's value and gradient are from the bench's.
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
/** The objective as written three ways: the file, the exported function's name, what it shows. */
const formulations = [
  { file: "gmm-objective", fn: "gmmObjective", label: "helpers (bench/gmm-objective.ts)" },
  { file: "gmm-inline", fn: "gmmInline", label: "one function, inline loops, if-maxima (bench/gmm-inline.ts)" },
  { file: "gmm-flat", fn: "gmmFlat", label: "flat helpers returning numbers (bench/gmm-flat.ts)" },
];
const sources = formulations.map((f) => join(root, "bench", `${f.file}.ts`));
const compiled = compileProgram(createProgram(sources), sources);
if (compiled.diagnostics.length > 0) throw new Error(compiled.diagnostics.map((d) => formatDiagnostic(d)).join("\n"));
const modules = [];
for (const [i, f] of formulations.entries()) modules.push(await import(emit(`${f.file}.mjs`, compiled.files.get(sources[i]).text)));
const gmm = modules[0];
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

// ---------------------------------------------------------------- n-body over records

const nbodySource = join(root, "bench", "nbody.ts");
const nbodyCompiled = compileProgram(createProgram([nbodySource]), [nbodySource]);
if (nbodyCompiled.diagnostics.length > 0) throw new Error(nbodyCompiled.diagnostics.map((d) => formatDiagnostic(d)).join("\n"));
const nbody = await import(emit("nbody.mjs", nbodyCompiled.files.get(nbodySource).text));
const body = (x, y, z, vx, vy, vz, m) => ({ x, y, z, vx, vy, vz, m });
const bodies = [body(0, 0, 0, 0.01, -0.02, 0, 10), body(1, 0.2, -0.1, 0.05, 3.1, 0.2, 0.05), body(-0.4, 2.1, 0.3, -2.2, -0.1, 0.1, 0.02)];
const nbodyRows = [];
for (const steps of [10, 100]) {
  const nArgs = [...bodies, 0.001, steps];
  const [f, grad] = pairedMedians(() => nbody.nbodyEnergy(...nArgs), () => nbody.nbodyEnergy_grad(...nArgs));
  const direction = bodies.map((_, i) => body(...randomDirection(7, 3 + i)));
  const [f2, dual] = pairedMedians(() => nbody.nbodyEnergy(...nArgs), () => nbody.nbodyEnergy_dual(...nArgs, ...direction, 1));
  // ∇f·v from _grad against _dual's tangent, as a check that the timed code computes the derivative.
  const [, ...g] = nbody.nbodyEnergy_grad(...nArgs);
  const v = [...direction, 1];
  const exact = g.reduce((s, gi, i) => s + (typeof gi === "number" ? gi * v[i] : Object.keys(gi).reduce((t, k) => t + gi[k] * v[i][k], 0)), 0);
  const dualError = Math.abs(nbody.nbodyEnergy_dual(...nArgs, ...direction, 1)[1] - exact) / Math.abs(exact);
  nbodyRows.push({ steps, f: (f + f2) / 2, grad, gradRatio: grad / f, dual, dualRatio: dual / f2, dualError });
  console.error(`nbody ${steps} steps: f ${f.toFixed(4)} ms, grad/f ${(grad / f).toFixed(2)}, dual/f ${(dual / f2).toFixed(2)}`);
}

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
  // The other formulations: their own f and _grad timed together, as the bench's were.
  const others = formulations.slice(1).map((f, i) => {
    const m = modules[i + 1];
    const [fo, go] = pairedMedians(() => m[f.fn](...a), () => m[`${f.fn}_grad`](...a));
    tape.resetPeak();
    const [v, ...gr] = m[`${f.fn}_grad`](...a);
    const peak = tape.peakBytes();
    const gradientError = Math.max(...gr.flatMap((gj, j) => [...gj].map((e, q) => Math.abs(e - gradient[j][q]) / Math.max(1, Math.abs(gradient[j][q])))));
    console.error(`  ${f.fn}: objective ${fo.toFixed(2)} ms, grad ${go.toFixed(2)} ms, ratio ${(go / fo).toFixed(2)}, tape ${(peak / 1e6).toFixed(1)} MB`);
    return { objective: fo, grad: go, ratio: go / fo, tapeBytes: peak, valueError: Math.abs(v - value) / Math.abs(value), gradientError };
  });
  const row = { group, file, d: g.d, k: g.k, n: g.n, params, objective, grad, ratio: grad / objective, tapeBytes, dual, dualError, central, centralError, dualClass, dualClassError, tf, others };
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
const formulationHeader = [
  `| input | ${formulations.map((f) => `${f.fn}: f (ms), \`_grad\` (ms), **ratio**, tape peak`).join(" | ")} | value, gradient vs the bench's |`,
  `|---|${formulations.map(() => "---").join("|")}|---|`,
];
const formulationLines = rows.map((r) => {
  const cells = [r, ...r.others].map((o) => `${ms(o.objective)}, ${ms(o.grad)}, **${o.ratio.toFixed(2)}**, ${mb(o.tapeBytes)}`);
  const errors = r.others.map((o) => `${sci(o.valueError)}, ${sci(o.gradientError)}`).join("; ");
  return `| ${r.group}/${r.file.replace(".txt", "")} | ${cells.join(" | ")} | ${errors} |`;
});
const worstOf = (i) => rows.reduce((w, r) => Math.max(w, i === 0 ? r.ratio : r.others[i - 1].ratio), 0);
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

### The same objective written three ways

The gradient's cost should not depend on how the objective is spelled. Each formulation's f and
\`_grad\` are warmed up and timed together as above, in the same run; the last column gives the
relative difference of the other two formulations' value and largest gradient entry error from the
bench's (${formulations
  .slice(1)
  .map((f) => f.fn)
  .join(", then ")}).
${formulations.map((f) => `- \`${f.fn}\`: ${f.label}`).join("\n")}

${[...formulationHeader, ...formulationLines].join("\n")}

Largest ratio: ${formulations.map((f, i) => `${f.fn} ${worstOf(i).toFixed(2)}`).join(", ")}.
`;
const nbodySection = `## N-body over records

\`npm run bench\` on ${date} (the same machine and load): \`bench/nbody.ts\`, three bodies \`{ x, y, z, vx, vy, vz, m }\`
passed as record parameters (arrays of records are not differentiated yet), copied into local records
(one variable per field in generated code), moved by symplectic Euler steps, the energy at the end.
\`_grad\` is the gradient with respect to all 22 inputs (every field of every body, and dt), returned as three
records and a number; \`_dual\` one direction. Each pair is warmed up together and timed alternately;
medians and their ratio.

| steps | f (ms) | \`_grad\` (ms) | **\`_grad\`/f** | \`_dual\` (ms) | **\`_dual\`/f** | \`_dual\` vs \`_grad\`·v |
|---|---|---|---|---|---|---|
${nbodyRows.map((r) => `| ${r.steps} | ${r.f.toFixed(4)} | ${r.grad.toFixed(4)} | **${r.gradRatio.toFixed(2)}** | ${r.dual.toFixed(4)} | **${r.dualRatio.toFixed(2)}** | ${sci(r.dualError)} |`).join("\n")}
`;
if (section !== undefined) console.log(section);
console.log(nbodySection);
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
  const nbodyHeading = "## N-body over records";
  const at = updated.indexOf(nbodyHeading);
  if (at < 0) updated = `${updated.trimEnd()}\n\n${nbodySection}`;
  else {
    const next = updated.indexOf("\n## ", at + nbodyHeading.length);
    updated = updated.slice(0, at) + nbodySection + (next >= 0 ? updated.slice(next + 1) : "");
  }
  writeFileSync(file, updated);
}
if (write) {
  if (section !== undefined) writeSection("## Reverse mode on ADBench GMM", section);
  writeSection("## Loop checkpointing", checkpointSection);
}
rmSync(work, { recursive: true, force: true });
