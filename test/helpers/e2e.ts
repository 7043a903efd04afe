/**
 * End-to-end helpers: `npm pack` this package once, install the tarball into fresh downstream
 * projects in a temp folder (with the TypeScript, ts-patch and Node versions a test names), and run
 * commands there the way a user would.
 *
 * Everything lives under one temp folder named after a hash of the package's sources, so the e2e
 * files of one run (vitest runs them in parallel) share the tarball and each project is installed
 * once; npm's download cache sits beside it and makes the next run's installs quick.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const repoRoot = join(import.meta.dirname, "..", "..");

/** The package's own sources: what `npm pack` (through `prepare`) builds into the tarball. */
function sourceHash(): string {
  const hash = createHash("sha256");
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".ts")) hash.update(p).update(readFileSync(p));
    }
  };
  for (const dir of ["transformer", "src", "cli"]) walk(join(repoRoot, dir));
  for (const file of ["package.json", "tsconfig.json", "tsconfig.build.json"]) hash.update(readFileSync(join(repoRoot, file)));
  return hash.digest("hex").slice(0, 16);
}

export const e2eRoot = join(tmpdir(), `adc-e2e-${sourceHash()}`);
const npmCache = join(tmpdir(), "adc-e2e-npm-cache");

/** Folders of earlier runs on other sources (hundreds of MB each); an hour old, no run still uses them. */
function removeStaleRoots(): void {
  for (const name of readdirSync(tmpdir())) {
    const p = join(tmpdir(), name);
    if (!/^adc-e2e-[0-9a-f]{16}$/.test(name) || p === e2eRoot) continue;
    try {
      if (Date.now() - statSync(p).mtimeMs > 3_600_000) rmSync(p, { recursive: true, force: true });
    } catch {
      // removed by another worker meanwhile
    }
  }
}
removeStaleRoots();

export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run a command; resolves with its exit status and output whatever the status. */
export function run(command: string, args: readonly string[], cwd: string, timeoutMs = 240_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_cache: npmCache, npm_config_update_notifier: "false", NO_COLOR: "1", FORCE_COLOR: "0" } },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number") reject(new Error(`${command} ${args.join(" ")}: ${error.message}\n${stderr}`));
        else resolve({ status: error === null ? 0 : (error.code as number), stdout, stderr });
      },
    );
  });
}

async function runOk(command: string, args: readonly string[], cwd: string): Promise<RunResult> {
  const r = await run(command, args, cwd);
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} (in ${cwd}) exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Do `make(staging)` once across parallel workers: the first to take the lock builds into a staging
 * folder and renames it into place; the others wait for the result.
 */
async function once(target: string, make: (staging: string) => Promise<void>, timeoutMs = 600_000): Promise<string> {
  if (existsSync(target)) return target;
  mkdirSync(dirname(target), { recursive: true });
  const lock = `${target}.lock`;
  try {
    mkdirSync(lock);
  } catch {
    const until = Date.now() + timeoutMs;
    while (!existsSync(target)) {
      if (!existsSync(lock)) return once(target, make, timeoutMs); // the other worker failed: try ourselves
      if (Date.now() > until) throw new Error(`timed out waiting for ${target}`);
      await sleep(250);
    }
    return target;
  }
  const staging = `${target}.staging-${process.pid}`;
  try {
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    await make(staging);
    renameSync(staging, target);
    return target;
  } finally {
    rmSync(staging, { recursive: true, force: true });
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The tarball `npm pack` makes of this repository (its `prepare` script builds dist/ first). */
export async function packedTarball(): Promise<string> {
  const dir = await once(join(e2eRoot, "pack"), async (staging) => {
    await runOk("npm", ["pack", "--pack-destination", staging], repoRoot);
  });
  const tgz = readdirSync(dir).find((n) => n.endsWith(".tgz"));
  if (tgz === undefined) throw new Error(`npm pack wrote no tarball into ${dir}`);
  return join(dir, tgz);
}

/**
 * A downstream project with `dependencies` installed from the registry (and adc-ts from the packed
 * tarball), its `files` written (they may change between tests; the install is reused).
 */
export async function downstreamProject(name: string, dependencies: Record<string, string>): Promise<string> {
  const tarball = await packedTarball();
  return once(join(e2eRoot, name), async (staging) => {
    writeFileSync(join(staging, "package.json"), JSON.stringify({ name: `downstream-${name}`, private: true, type: "module", dependencies: { "adc-ts": `file:${tarball}`, ...dependencies } }, null, 2));
    await runOk("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], staging);
  });
}

/** Write files (relative path → text) into a folder, replacing what was there. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
}

/** The downstream sources every e2e test builds: the lecture's function, a loop, the call-site API. */
export const DOWNSTREAM_SOURCES: Record<string, string> = {
  "src/model.ts": `/** The lecture's function, f(x1, x2) = x1 x2 + sin(x1). */
/** @differentiable */
export function f(x1: number, x2: number): number {
  const w3 = x1 * x2;
  const w4 = Math.sin(x1);
  return w3 + w4;
}

/** @differentiable */
export const sumSquares = (x: number[]): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
};
`,
  "src/main.ts": `import { grad, jvp, valueAndGrad, vjp } from "adc-ts";
import { f, sumSquares } from "./model.js";

// The one Node global this program reads, declared here so that no @types/node is needed.
declare const process: { argv: string[] };

const [x1, x2] = [Number(process.argv[2] ?? 0.5), Number(process.argv[3] ?? 2)];
console.log(
  JSON.stringify({
    jvp: jvp(f)(x1, x2, 1, 0),
    grad: grad(f)(x1, x2),
    vjp: vjp(f)(x1, x2, 3),
    valueAndGrad: valueAndGrad(sumSquares)([1, -2, 3]),
  }),
);
`,
};

/** What main.ts prints at (x1, x2), from the hand-derived formulas ∂f/∂x1 = x2 + cos x1, ∂f/∂x2 = x1. */
export function expectedOutput(x1: number, x2: number): { jvp: number[]; grad: number[]; vjp: number[]; valueAndGrad: [number, number[][]] } {
  const value = x1 * x2 + Math.sin(x1);
  const d1 = x2 + Math.cos(x1);
  return { jvp: [value, d1], grad: [value, d1, x1], vjp: [value, 3 * d1, 3 * x1], valueAndGrad: [14, [[2, -4, 6]]] };
}

/** A file with an unsupported construct: `try` around active code (ADC2004) at line 4, column 3. */
export const BAD_SOURCE = `/** @differentiable */
export function bad(x: number): number {
  let y = 0;
  try {
    y = x * x;
  } catch {
    y = 0;
  }
  return y;
}
`;

export function tsconfig(options: Record<string, unknown>, include: readonly string[]): string {
  return JSON.stringify(
    {
      compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, lib: ["ES2022", "DOM"], types: [], ...options },
      include,
    },
    null,
    2,
  );
}

/** Remove ANSI colour codes from compiler output. */
export const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;]*m/g, "");
