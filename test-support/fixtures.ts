/** Shared by the fixture test and `npm run fixtures:update`: a fixture's generated text. */
import { readFileSync } from "node:fs";
import { compileProgram, createProgram } from "../transformer/core.js";
import { formatDiagnostic } from "../transformer/diagnostics.js";

export function compileFixture(input: string): { text: string; diagnostics: string[] } {
  const result = compileProgram(createProgram([input]), [input]);
  return {
    text: result.files.get(input)?.text ?? readFileSync(input, "utf8"),
    diagnostics: result.diagnostics.map((d) => formatDiagnostic(d)),
  };
}
