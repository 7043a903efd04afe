/** The README's reference tables are made from the code (npm run readme:update) and cannot drift. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { blockOf, codesTable, rulesTable } from "../test-support/readme-tables.js";
import { rules } from "../src/runtime/rules.js";
import { ADC } from "../transformer/diagnostics.js";
import { intrinsics, dualOf } from "../src/runtime/index.js";
import { compileWithText, relErr } from "./helpers/compile.js";
import { gammaln } from "./helpers/special.js";

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
  it("its derivative-rule example compiles and gives logBeta's derivatives (central differences of the real log Γ)", async () => {
    const example = /<!-- rule-example:start -->\n```ts\n([\s\S]*?)```\n<!-- rule-example:end -->/.exec(readme)![1];
    const globals = globalThis as unknown as Record<string, unknown>;
    globals.gammaln = gammaln;
    try {
      type F = (...x: number[]) => number[];
      const { m, text } = await compileWithText<Record<string, F>>(example, { strict: true });
      // The lines the README quotes.
      expect(text).toContain("const gammaln_partial = gammaln_partials(a);");
      expect(text).toMatch(/return \[gammaln\(a\) \+ gammaln\(b\) - gammaln\(t\), gammaln_partial \* da \+ /);
      expect(text).toContain("a_b += gammaln_partial * value_b;");
      const logBeta = (a: number, b: number): number => gammaln(a) + gammaln(b) - gammaln(a + b);
      const h = 1e-6;
      for (const [a, b] of [[1.5, 2.25], [0.7, 4.6]]) {
        const [, da, db] = m.logBeta_grad(a, b);
        expect(relErr(da, (logBeta(a + h, b) - logBeta(a - h, b)) / (2 * h))).toBeLessThan(1e-7);
        expect(relErr(db, (logBeta(a, b + h) - logBeta(a, b - h)) / (2 * h))).toBeLessThan(1e-7);
        const [, , [[haa, hab], [hba, hbb]]] = m.logBeta_hessian(a, b) as unknown as [number, number[], number[][]];
        const up = m.logBeta_grad(a + h, b);
        const down = m.logBeta_grad(a - h, b);
        expect(relErr(haa, (up[1] - down[1]) / (2 * h))).toBeLessThan(1e-6);
        expect(relErr(hab, (up[2] - down[2]) / (2 * h))).toBeLessThan(1e-6);
        expect(hba).toBe(hab);
        const upB = m.logBeta_grad(a, b + h);
        const downB = m.logBeta_grad(a, b - h);
        expect(relErr(hbb, (upB[2] - downB[2]) / (2 * h))).toBeLessThan(1e-6);
      }
    } finally {
      delete globals.gammaln;
    }
  });
});
