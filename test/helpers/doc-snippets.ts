/**
 * Test helper: run every ```ts snippet of a Markdown page, so that the docs cannot drift from the
 * code. Each snippet is written into a folder inside the repository (so that vitest transforms it and
 * applies the `adc-ts/...` aliases of vitest.config.ts) and imported; its console.log lines are
 * captured. Relative imports in a snippet are written as from the repository root (the way a reader
 * runs them there) and are rewritten to absolute paths before the import.
 */
import { afterAll, describe, expect, it, vi } from "vitest";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const REPOSITORY_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The bodies of the ```ts fences of a Markdown text, in order. */
export function extractTsSnippets(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** Rewrites `from "./x"` and `import("./x")` specifiers to absolute paths under the repository root. */
export function rootRelativeImports(code: string): string {
  return code.replace(/(from\s+|import\s*\(\s*)(["'])\.\/([^"']+)\2/g, (_, keyword: string, quote: string, path: string) => `${keyword}${quote}${REPOSITORY_ROOT}${path}${quote}`);
}

export interface SnippetRun {
  /** Arguments of each console.log call made by the snippet. */
  readonly logs: unknown[][];
}

/**
 * Declares a describe block with one test per snippet of `docsPath` (relative to the repository
 * root), at least `minimum` snippets, and an optional check on each snippet's output.
 */
export function describeDocSnippets(
  docsPath: string,
  options: { minimum: number; check?: (code: string, run: SnippetRun, index: number) => void },
): void {
  const snippets = extractTsSnippets(readFileSync(new URL(docsPath, `file://${REPOSITORY_ROOT}`), "utf8"));
  const folderName = `.snippets-${docsPath.replace(/[^A-Za-z0-9]+/g, "-")}`;
  const dir = new URL(`../${folderName}/`, import.meta.url);

  describe(`${docsPath} snippets`, () => {
    mkdirSync(dir, { recursive: true });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("has snippets", () => expect(snippets.length).toBeGreaterThanOrEqual(options.minimum));

    snippets.forEach((code, i) => {
      it(`snippet ${i + 1} runs`, async () => {
        const file = new URL(`snippet-${i + 1}.ts`, dir);
        writeFileSync(file, rootRelativeImports(code));
        const logs: unknown[][] = [];
        const spy = vi.spyOn(console, "log").mockImplementation((...args) => void logs.push(args));
        try {
          await import(file.href);
        } finally {
          spy.mockRestore();
        }
        options.check?.(code, { logs }, i);
      });
    });
  });
}
