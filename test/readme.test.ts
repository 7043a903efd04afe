/** The README's reference tables are made from the code (npm run readme:update) and cannot drift. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { blockOf, codesTable, rulesTable } from "../test-support/readme-tables.js";
import { rules } from "../src/runtime/rules.js";
import { ADC } from "../transformer/diagnostics.js";
import { intrinsics, dualOf } from "../src/runtime/index.js";

const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");

describe("README", () => {
  it("lists every derivative rule with its choice at the edge of its domain", () => {
    expect(blockOf(readme, "rules")).toBe(rulesTable());
    for (const name of Object.keys(rules)) expect(readme).toContain(`| \`Math.${name}\` |`);
  });
  it("lists every diagnostic code", () => {
    expect(blockOf(readme, "codes")).toBe(codesTable());
    for (const code of Object.values(ADC)) expect(readme).toContain(`| ${code} |`);
  });
  it("states runtime values that are true", () => {
    expect(intrinsics.atan2.partials(1, 2)).toEqual([0.4, -0.2]);
    expect(dualOf("sin", [0.5], [1])).toEqual([Math.sin(0.5), Math.cos(0.5)]);
    expect(readme).toContain("[0.4, -0.2]");
  });
});
