/**
 * Strict type-checking of generated files with the TypeScript API in process, the way the tests of
 * generated code check them (`strict`, no emit, adc-ts resolved to this checkout's sources).
 */
import { join } from "node:path";
import ts from "typescript";

const root = join(import.meta.dirname, "..", "..");

export const strictOptions: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  skipLibCheck: true,
  types: [],
  paths: { "adc-ts/runtime": [join(root, "src/runtime/index.ts")], "adc-ts": [join(root, "src/index.ts")] },
};

/** The strict type errors of `files`, each as `file:line: message`; `host` may cache library files. */
export function strictTypeErrors(files: readonly string[], host?: ts.CompilerHost): string[] {
  const program = ts.createProgram({ rootNames: files, options: strictOptions, ...(host !== undefined ? { host } : {}) });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : `${d.file?.fileName ?? ""}: `;
    return where + ts.flattenDiagnosticMessageText(d.messageText, "\n");
  });
}
