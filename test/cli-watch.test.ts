/**
 * `adc transform --watch`: regenerates on change, keeps running through errors (printing them), and
 * the command stays up until stopped. Every wait is bounded.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { watchTransform, type TransformWatcher } from "../cli/watch.js";

const GOOD = (k: number): string => `/** @differentiable */
export function f(x: number): number {
  return ${k} * Math.sin(x);
}
`;
const BAD = `/** @differentiable */
export function f(x: number): number {
  let y = 0;
  try {
    y = x * x;
  } catch {
    y = 0;
  }
  return y;
}
`;

/** The next run's exit code, or a failure after `ms`. */
async function nextRun(w: TransformWatcher, ms = 20_000): Promise<number> {
  const it = w.runs[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no run within ${ms} ms`)), ms)));
  try {
    const r = await Promise.race([it.next(), timeout]);
    if (r.done === true) throw new Error("watcher closed");
    return r.value;
  } finally {
    clearTimeout(timer);
  }
}

let open: TransformWatcher | undefined;
afterEach(() => open?.close());

function project(): { dir: string; src: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), "adc-watch-"));
  const src = join(dir, "src");
  mkdirSync(src);
  writeFileSync(join(src, "f.ts"), GOOD(3));
  return { dir, src, out: join(dir, "gen") };
}

describe("adc transform --watch", () => {
  it("transforms at once, regenerates on change, prints errors and keeps going until the file is fixed", async () => {
    const { dir, src, out } = project();
    const lines: string[] = [];
    const io = { stdout: (l: string) => lines.push(l), stderr: (l: string) => lines.push(l) };
    const w = (open = watchTransform(["src"], { out: "gen", cwd: dir, debounceMs: 50 }, io));
    expect(await nextRun(w)).toBe(0);
    expect(readFileSync(join(out, "f.ts"), "utf8")).toContain("return [3 * Math.sin(x), ");

    writeFileSync(join(src, "f.ts"), GOOD(5));
    expect(await nextRun(w)).toBe(0);
    expect(readFileSync(join(out, "f.ts"), "utf8")).toContain("return [5 * Math.sin(x), ");

    lines.length = 0;
    writeFileSync(join(src, "f.ts"), BAD);
    expect(await nextRun(w)).toBe(1);
    expect(lines.join("\n")).toMatch(/src\/f\.ts:4:3 - error ADC2004: /);
    expect(lines.join("\n")).toContain("nothing written");
    // The previous output stays until the source is fixed.
    expect(readFileSync(join(out, "f.ts"), "utf8")).toContain("return [5 * Math.sin(x), ");

    writeFileSync(join(src, "g.ts"), GOOD(7).replace("function f", "function g"));
    expect(await nextRun(w)).toBe(1); // f.ts is still wrong
    writeFileSync(join(src, "f.ts"), GOOD(2));
    expect(await nextRun(w)).toBe(0);
    expect(readFileSync(join(out, "f.ts"), "utf8")).toContain("return [2 * Math.sin(x), ");
    expect(readFileSync(join(out, "g.ts"), "utf8")).toContain("export function g_dual(");
    w.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("ignores files that are not TypeScript sources", async () => {
    const { dir, src } = project();
    const io = { stdout: () => {}, stderr: () => {} };
    const w = (open = watchTransform(["src"], { out: "gen", cwd: dir, debounceMs: 50 }, io));
    expect(await nextRun(w)).toBe(0);
    writeFileSync(join(src, "notes.md"), "# notes\n");
    await expect(nextRun(w, 600)).rejects.toThrow(/no run within/);
    w.close();
  });

  it("the adc command keeps running with --watch and regenerates; --watch with --check is a usage error", async () => {
    const { dir, src, out } = project();
    // The built command, as test/cli.test.ts runs it (npm install builds dist/).
    const adc = join(import.meta.dirname, "..", "dist", "cli", "adc.js");
    const child = spawn(process.execPath, [adc, "transform", "src", "--out", "gen", "--watch"], { cwd: dir });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const waitFor = async (pattern: RegExp, ms = 20_000): Promise<void> => {
      const until = Date.now() + ms;
      while (!pattern.test(output)) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${pattern}; output so far:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await waitFor(/watching src for changes/);
      expect(readFileSync(join(out, "f.ts"), "utf8")).toContain("return [3 * Math.sin(x), ");
      writeFileSync(join(src, "f.ts"), GOOD(4));
      await waitFor(/watching src for changes[\s\S]*watching src for changes/);
      expect(readFileSync(join(out, "f.ts"), "utf8")).toContain("return [4 * Math.sin(x), ");
      expect(child.exitCode).toBe(null);
    } finally {
      child.kill();
    }
    const both = spawnSync(process.execPath, [adc, "transform", "src", "--out", "gen", "--watch", "--check"], { cwd: dir, encoding: "utf8" });
    expect(both.status).toBe(2);
    expect(both.stderr).toContain("--watch and --check cannot be combined");
    rmSync(dir, { recursive: true, force: true });
  });
});
