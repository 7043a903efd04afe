/** Golden pairs: fixtures/<case>/output.ts is exactly what the compiler writes for input.ts. */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileFixture } from "../test-support/fixtures.js";

const root = join(import.meta.dirname, "..", "fixtures");
const cases = readdirSync(root).filter((d) => existsSync(join(root, d, "input.ts"))).sort();

describe("fixtures", () => {
  it("has the cases the contract names", () => {
    expect(cases).toEqual(expect.arrayContaining(["lecture", "intrinsics", "control-flow", "loops", "arrays", "calls", "overwrite", "options"]));
  });
  for (const name of cases) {
    it(`${name}: output.ts is what adc-ts generates (npm run fixtures:update to accept a change)`, () => {
      const { text, diagnostics } = compileFixture(join(root, name, "input.ts"));
      expect(diagnostics).toEqual([]);
      expect(text).toBe(readFileSync(join(root, name, "output.ts"), "utf8"));
    });
  }

  it("lecture: the output reads as the lecture's dual program", () => {
    const out = readFileSync(join(root, "lecture", "output.ts"), "utf8");
    expect(out).toContain(
      [
        "export function f_dual(x1: number, x2: number, dx1: number, dx2: number): [number, number] {",
        "  let w3: number, w4: number, w5: number;",
        "  let dw3: number, dw4: number, dw5: number;",
        "  w3 = x1 * x2;",
        "  dw3 = dx1 * x2 + x1 * dx2;",
        "  w4 = Math.sin(x1);",
        "  dw4 = Math.cos(x1) * dx1;",
        "  w5 = w3 + w4;",
        "  dw5 = dw3 + dw4;",
        "  return [w5, dw5];",
        "}",
      ].join("\n"),
    );
  });
});
