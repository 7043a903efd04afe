/**
 * Test helper: compile TypeScript sources with adc-ts into a temporary directory and import the
 * generated modules, so tests can call `f_dual`, `f_grad`, ... as users would.
 */
import { expect } from "vitest";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { compileFiles } from "../../transformer/core.js";
import { formatDiagnostic, type Diagnostic } from "../../transformer/diagnostics.js";
import { strictTypeErrors } from "./typecheck.js";

export interface Compiled {
  readonly dir: string;
  readonly diagnostics: readonly Diagnostic[];
  /** Warnings (ADC4xxx): the output is written and loads all the same. */
  readonly warnings: readonly Diagnostic[];
  /** Generated text per input file name (relative), or the input itself where nothing was generated. */
  readonly outputs: Record<string, string>;
  /** Import the generated module for an input file. */
  load<T = Record<string, (...args: never[]) => unknown>>(file?: string): Promise<T>;
  cleanup(): void;
}

let counter = 0;

export function compileSources(sources: Record<string, string>): Compiled {
  const dir = mkdtempSync(join(tmpdir(), "adc-test-"));
  const inDir = join(dir, "in");
  const outDir = join(dir, "out");
  const files = Object.keys(sources).map((rel) => {
    const p = join(inDir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, sources[rel]);
    return p;
  });
  const result = compileFiles(files);
  const outputs: Record<string, string> = {};
  for (const rel of Object.keys(sources)) {
    const out = result.files.get(join(inDir, rel));
    const text = out?.text ?? sources[rel];
    outputs[rel] = text;
    const p = join(outDir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return {
    dir,
    diagnostics: result.diagnostics,
    warnings: result.warnings,
    outputs,
    load: async <T>(file = Object.keys(sources)[0]) => {
      if (result.diagnostics.length > 0) throw new Error(result.diagnostics.map((d) => formatDiagnostic(d)).join("\n"));
      return (await import(/* @vite-ignore */ `${join(outDir, file)}?v=${counter++}`)) as T;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Compile one source and import its generated module; throws with the diagnostics on failure. */
export async function compileAndLoad<T = Record<string, (...args: never[]) => unknown>>(source: string): Promise<T> {
  return compileSources({ "input.ts": source }).load<T>();
}

/**
 * Compile one source (no diagnostics expected), import its generated module, and keep its text; with
 * `strict`, the output must also type-check under tsc --strict.
 */
export async function compileWithText<T = Record<string, (...args: never[]) => unknown>>(source: string, options: { readonly strict?: boolean } = {}): Promise<{ m: T; text: string }> {
  const c = compileSources({ "input.ts": source });
  expect(c.diagnostics).toEqual([]);
  try {
    if (options.strict === true) expect(strictTypeErrors([join(c.dir, "out", "input.ts")])).toEqual([]);
    return { m: await c.load<T>(), text: c.outputs["input.ts"] };
  } finally {
    c.cleanup();
  }
}

/** Relative error |a - b| / max(1, |b|). */
export function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1, Math.abs(b));
}

/** Central difference of a scalar function of one variable, with step h. */
export function centralDiff(f: (x: number) => number, x: number, h = 1e-6): number {
  return (f(x + h) - f(x - h)) / (2 * h);
}
