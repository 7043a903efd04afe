/** Every ```ts snippet in docs/gmm.md runs (imports of "adc-ts/gmm" resolve to the source). */
import { afterAll, describe, expect, it, vi } from "vitest";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";

const docs = readFileSync(new URL("../docs/gmm.md", import.meta.url), "utf8");
const snippets = [...docs.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
// Inside the project so that vitest transforms the snippets and applies the adc-ts/gmm alias.
const dir = new URL("./.gmm-docs-snippets/", import.meta.url);

describe("docs/gmm.md snippets", () => {
  mkdirSync(dir, { recursive: true });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("has snippets", () => expect(snippets.length).toBeGreaterThanOrEqual(5));

  snippets.forEach((code, i) => {
    it(`snippet ${i + 1} runs`, async () => {
      const file = new URL(`snippet-${i + 1}.ts`, dir);
      writeFileSync(file, code);
      const logs: unknown[][] = [];
      const spy = vi.spyOn(console, "log").mockImplementation((...args) => void logs.push(args));
      try {
        await import(file.href);
      } finally {
        spy.mockRestore();
      }
      if (code.includes("ILL_DEFINED_COVARIANCE_MESSAGE")) expect(logs).toEqual([[true]]);
    });
  });
});
