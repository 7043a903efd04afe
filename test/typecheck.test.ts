/** Generated code is strict-mode clean: the fixtures' outputs type-check with `strict` and no implicit any. */
import { readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { strictTypeErrors } from "./helpers/typecheck.js";

const root = join(import.meta.dirname, "..");


describe("generated code type-checks under --strict", () => {
  it("every fixture output", () => {
    const files = readdirSync(join(root, "fixtures"))
      .map((d) => join(root, "fixtures", d, "output.ts"))
      .filter((f) => existsSync(f));
    expect(files.length).toBeGreaterThanOrEqual(8);
    expect(strictTypeErrors(files)).toEqual([]);
  });
});
