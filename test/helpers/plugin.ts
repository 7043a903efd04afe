/**
 * Test helper: build TypeScript sources the way `tspc` does with `{ "transform": "adc-ts/transformer" }`,
 * in process: a program, an emit with the plugin as a `before` transformer, and the diagnostics it
 * added through `addDiagnostic`.
 */
import ts from "typescript";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import adcTransformer from "../../transformer/index.js";

export const emitOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  skipLibCheck: true,
  types: [],
  sourceMap: true,
};

export interface PluginBuild {
  readonly dir: string;
  /** Emitted files by path relative to the output folder (`f.js`, `f.js.map`). */
  readonly outputs: Record<string, string>;
  /** What the plugin reported, as tsc would print it (`src/f.ts(3,5): error TS92004: ADC2004: ...`). */
  readonly diagnostics: readonly string[];
  readonly raw: readonly ts.Diagnostic[];
}

/** Write `sources` under a temp `src/` and emit them with the plugin into `out/` (on disk too). */
export function buildWithPlugin(sources: Record<string, string>, options: ts.CompilerOptions = {}): PluginBuild {
  const dir = mkdtempSync(join(tmpdir(), "adc-plugin-"));
  const files = Object.entries(sources).map(([rel, text]) => {
    const p = join(dir, "src", rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
    return p;
  });
  const program = ts.createProgram(files, { ...emitOptions, rootDir: join(dir, "src"), outDir: join(dir, "out"), ...options });
  const raw: ts.Diagnostic[] = [];
  const outputs: Record<string, string> = {};
  const write = (name: string, text: string): void => {
    outputs[relative(join(dir, "out"), name)] = text;
    mkdirSync(dirname(name), { recursive: true });
    writeFileSync(name, text);
  };
  program.emit(undefined, write, undefined, false, {
    before: [adcTransformer(program, {}, { ts, addDiagnostic: (d) => raw.push(d) })],
  });
  const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => dir, getNewLine: () => "\n" };
  return { dir, outputs, raw, diagnostics: raw.map((d) => ts.formatDiagnostics([d], host).trim()) };
}

/** JavaScript for one TypeScript text, without the plugin: how tsc compiles `adc transform` output. */
export function emitPlain(text: string, options: ts.CompilerOptions = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "adc-plain-"));
  const file = join(dir, "input.ts");
  writeFileSync(file, text);
  const program = ts.createProgram([file], { ...emitOptions, outDir: join(dir, "out"), ...options });
  let js = "";
  program.emit(undefined, (name, t) => {
    if (name.endsWith(".js")) js = t;
  });
  return js;
}

/** JavaScript for one TypeScript file emitted with the plugin. */
export function emitWithPlugin(file: string, options: ts.CompilerOptions = {}): { js: string; diagnostics: readonly ts.Diagnostic[] } {
  const program = ts.createProgram([file], { ...emitOptions, outDir: join(dirname(file), "out"), ...options });
  const diagnostics: ts.Diagnostic[] = [];
  let js = "";
  program.emit(
    undefined,
    (name, t) => {
      if (name.endsWith(".js")) js = t;
    },
    undefined,
    false,
    { before: [adcTransformer(program, {}, { ts, addDiagnostic: (d) => diagnostics.push(d) })] },
  );
  return { js, diagnostics };
}
