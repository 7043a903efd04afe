/** Generated code is strict-mode clean: the fixtures' outputs type-check with `strict` and no implicit any. */
import { readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

export function typeErrors(files: string[]): string[] {
  const program = ts.createProgram({
    rootNames: files,
    options: {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
      types: [],
      paths: { "adc-ts/runtime": [join(root, "src/runtime/index.ts")], "adc-ts": [join(root, "src/index.ts")] },
    },
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : "";
    return where + ts.flattenDiagnosticMessageText(d.messageText, "\n");
  });
}

describe("generated code type-checks under --strict", () => {
  it("every fixture output", () => {
    const files = readdirSync(join(root, "fixtures"))
      .map((d) => join(root, "fixtures", d, "output.ts"))
      .filter((f) => existsSync(f));
    expect(files.length).toBeGreaterThanOrEqual(8);
    expect(typeErrors(files)).toEqual([]);
  });
});
