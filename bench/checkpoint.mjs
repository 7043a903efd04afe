// Loop checkpointing (`// @checkpoint`): `_grad` of a 1e6-step RK4 integration (bench/checkpoint-ode.ts)
// taped (every iteration on the tape) and checkpointed (revolve, a few snapshots), timed alternately in
// one run; the tape's peak and each variant's peak RSS measured in a fresh process of its own.
//
//   node bench/checkpoint.mjs            # print the section (bench/run.mjs appends it to its own)
//   node bench/checkpoint.mjs --child <module url> <steps>    # (internal) one _grad, print memory
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir, cpus, loadavg } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const runtimeUrl = pathToFileURL(join(root, "dist", "src", "runtime", "index.js")).href;
const STEPS = 1_000_000;
/** The pragmas measured: one iteration taped at a time, then segments (two levels: sqrt(l) snapshots of sqrt(l) iterations). */
const PRAGMAS = ["snapshots=32", "snapshots=1000", "snapshots=150 segment=100", "snapshots=1000 segment=1000"];

if (process.argv[2] === "--child") {
  const m = await import(process.argv[3]);
  const { tape } = await import(runtimeUrl);
  const steps = Number(process.argv[4]);
  const before = process.memoryUsage().rss;
  tape.resetPeak();
  const [value] = m.vanDerPol_grad(1.5, 2, 0, steps);
  // VmHWM: this process's peak RSS (getrusage's maxRSS carries the parent's over fork and exec).
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  console.log(JSON.stringify({ tape: tape.peakBytes(), maxRss: hwm !== null ? Number(hwm[1]) * 1024 : process.resourceUsage().maxRSS * 1024, before, value }));
  process.exit(0);
}

/** Median wall times (ms) of the functions, timed in turn after warming them up together. */
function pairedMedians(fns, { warm = 1, min = 7, budget = 20000 } = {}) {
  for (let i = 0; i < warm; i++) for (const f of fns) f();
  const times = fns.map(() => []);
  const start = performance.now();
  while (times[0].length < min || performance.now() - start < budget / 4) {
    fns.forEach((f, i) => {
      const t0 = performance.now();
      f();
      times[i].push(performance.now() - t0);
    });
    if (performance.now() - start > budget) break;
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
}

export async function checkpointBenchmark() {
  const ts = (await import("typescript")).default;
  const { compileProgram, createProgram } = await import("../dist/transformer/core.js");
  const { formatDiagnostic } = await import("../dist/transformer/diagnostics.js");
  const work = mkdtempSync(join(tmpdir(), "adc-bench-checkpoint-"));
  const source = readFileSync(join(here, "checkpoint-ode.ts"), "utf8");
  /** One variant compiled and emitted as JavaScript: its module URL. */
  const variant = (name, text) => {
    const file = join(work, `${name}.ts`);
    writeFileSync(file, text);
    const out = compileProgram(createProgram([file]), [file]);
    if (out.diagnostics.length > 0) throw new Error(out.diagnostics.map((d) => formatDiagnostic(d)).join("\n"));
    const js = ts.transpileModule(out.files.get(file).text, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const mjs = join(work, `${name}.mjs`);
    writeFileSync(mjs, js.replaceAll('"adc-ts/runtime"', JSON.stringify(runtimeUrl)));
    return pathToFileURL(mjs).href;
  };
  const urls = { taped: variant("taped", source.replace(/^\s*\/\/ @checkpoint.*\n/m, "")) };
  PRAGMAS.forEach((p, i) => (urls[`p${i}`] = variant(`p${i}`, source.replace("snapshots=SNAPSHOTS", p))));
  const modules = {};
  for (const [k, url] of Object.entries(urls)) modules[k] = await import(url);

  const args = [1.5, 2, 0, STEPS];
  const g = Object.fromEntries(Object.entries(modules).map(([k, m]) => [k, m.vanDerPol_grad(...args)]));
  const keys = ["taped", ...PRAGMAS.map((_, i) => `p${i}`)];
  const agree = Math.max(...keys.flatMap((k) => g[k].map((e, i) => Math.abs(e - g.taped[i]) / Math.max(1, Math.abs(g.taped[i])))));
  const [f, ...grads] = pairedMedians([() => modules.taped.vanDerPol(...args), ...keys.map((k) => () => modules[k].vanDerPol_grad(...args))]);
  const child = (args) => JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--child", ...args], { encoding: "utf8" }));
  const memory = Object.fromEntries(keys.map((k) => [k, child([urls[k], String(STEPS)])]));
  const baseline = child([urls.taped, "0"]).maxRss;
  rmSync(work, { recursive: true, force: true });

  const mb = (b) => `${(b / 1e6).toFixed(1)} MB`;
  const kb = (b) => (b >= 1e6 ? mb(b) : `${(b / 1e3).toFixed(2)} kB`);
  const rows = keys.map((k, i) => {
    const pragma = k === "taped" ? undefined : PRAGMAS[i - 1];
    const c = pragma === undefined ? 0 : Number(/snapshots=(\d+)/.exec(pragma)[1]);
    const ratio = grads[i] / grads[0];
    return `| ${pragma === undefined ? "taped (no pragma)" : `\`// @checkpoint ${pragma}\``} | ${grads[i].toFixed(0)} | ${(grads[i] / f).toFixed(2)} | ${pragma === undefined ? "1" : `**${ratio.toFixed(2)}**`} | ${kb(memory[k].tape)} | ${pragma === undefined ? "–" : kb((c + 1) * 2 * 8)} | ${mb(memory[k].maxRss)} | ${mb(memory[k].maxRss - baseline)} |`;
  });
  const section = `## Loop checkpointing

\`npm run bench\` (\`bench/checkpoint.mjs\`) on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}, load average at the end ${loadavg()[0].toFixed(1)}.
\`vanDerPol_grad\` (bench/checkpoint-ode.ts): the Van der Pol oscillator by classical RK4, ${STEPS.toLocaleString("en")} steps, the
gradient of the final energy with respect to mu and the initial state. Compiled without the pragma (every iteration
taped) and with \`// @checkpoint snapshots=c segment=K\` (revolve over segments of K iterations, K = 1 unless
given: the state (x, v) kept at most c + 1 times, one segment taped at a time); all timed alternately in one run
(median of at least 7 after a warm-up; f = ${f.toFixed(0)} ms). The checkpointed gradients equal the taped one to
${agree.toExponential(0)} (relative). Tape peak: the most the tape held; snapshots: (c + 1) × 2 numbers; peak RSS:
VmHWM of a fresh process running one \`_grad\`, and less that of the same process with 0 steps (Node itself).
Bound: memory = (c + 1) × state + K iterations' tape, whatever the trip count; time = the taped sweeps plus the
iterations revolve runs again, K·(r·l' − β(c+1, r−1)) for l' = l/K segments and r the repetition number
(β(c, r−1) < l' ≤ β(c, r)): r = 6, 3, 2, 1 for the four pragmas below at l = 10⁶.

| variant | \`_grad\` (ms) | \`_grad\` / f | **\`_grad\` / taped** | tape peak | snapshots | peak RSS | RSS less Node's |
|---|---|---|---|---|---|---|---|
${rows.join("\n")}
`;
  return section;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(await checkpointBenchmark());
