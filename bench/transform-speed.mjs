// `npm run bench:transform`: adc transform on a generated project of 1,000 annotated functions against
// `tsc --noEmit` on the same project: medians of 3 runs each, and their ratio, measured in one run.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const FILES = 20;
const PER_FILE = 50;
const RUNS = 3;

function fileText(f) {
  const out = [];
  for (let i = 0; i < PER_FILE; i++) {
    const k = f * PER_FILE + i;
    out.push(`/** @differentiable */
export function f${k}(x: number[], y: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const t = x[i] * y + ${k % 7};
    if (t > 0) s += Math.sqrt(t) * Math.sin(x[i]);
    else s -= Math.exp(t) * x[i];
  }
  return s * s + y;
}
`);
  }
  return out.join("\n");
}

const dir = mkdtempSync(join(tmpdir(), "adc-transform-speed-"));
try {
  mkdirSync(join(dir, "src"));
  for (let f = 0; f < FILES; f++) writeFileSync(join(dir, "src", `m${f}.ts`), fileText(f));
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", skipLibCheck: true, types: [] }, include: ["src"] }));
  const time = (cmd, args) => {
    const t = process.hrtime.bigint();
    execFileSync(cmd, args, { cwd: dir, stdio: "ignore" });
    return Number(process.hrtime.bigint() - t) / 1e9;
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const adc = [];
  const tsc = [];
  for (let r = 0; r < RUNS; r++) {
    rmSync(join(dir, "gen"), { recursive: true, force: true });
    adc.push(time(process.execPath, [join(root, "dist/cli/adc.js"), "transform", "src", "--out", "gen"]));
    tsc.push(time(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"]));
  }
  const a = median(adc);
  const t = median(tsc);
  console.log(`${FILES * PER_FILE} annotated functions in ${FILES} files; ${cpus().length} x ${cpus()[0].model}, Node ${process.version}`);
  console.log(`adc transform: median ${a.toFixed(2)} s (${adc.map((x) => x.toFixed(2)).join(", ")})`);
  console.log(`tsc --noEmit:  median ${t.toFixed(2)} s (${tsc.map((x) => x.toFixed(2)).join(", ")})`);
  console.log(`ratio adc / tsc: ${(a / t).toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
