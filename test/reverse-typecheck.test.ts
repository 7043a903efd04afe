/**
 * Reverse-mode output type-checks under --strict (in-process TypeScript): f_grad, f_vjp, g_fwd/g_bwd,
 * f_jacobian and f_hessian of the GMM objective, the Hessian, parity and default-parameter tests' functions and
 * every fixture input.
 */
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileSources } from "./helpers/compile.js";
import { strictTypeErrors } from "./helpers/typecheck.js";

const root = join(import.meta.dirname, "..");


/** The program a test file holds in `const source = \`...\``. */
const sourceOf = (testFile: string): string => readFileSync(join(root, "test", testFile), "utf8").match(/const source = `([\s\S]*?)`;/)![1];
const hessianSource = sourceOf("reverse-hessian.test.ts");

describe("reverse-mode output is strict-mode clean", () => {
  it("the GMM objective, the Hessian test functions and the fixtures", () => {
    const sources: Record<string, string> = {
      "gmm-objective.ts": readFileSync(join(root, "bench", "gmm-objective.ts"), "utf8"),
      "hessian.ts": hessianSource,
      "parity.ts": sourceOf("reverse-parity.test.ts"),
      "defaults.ts": sourceOf("defaults-and-names.test.ts"),
    };
    for (const d of readdirSync(join(root, "fixtures"))) {
      const input = join(root, "fixtures", d, "input.ts");
      if (existsSync(input)) sources[`fixtures/${d}.ts`] = readFileSync(input, "utf8");
    }
    const c = compileSources(sources);
    try {
      expect(c.diagnostics).toEqual([]);
      expect(c.outputs["gmm-objective.ts"]).toContain("export function gmmObjective_grad(");
      expect(c.outputs["hessian.ts"]).toContain("export function rosenbrock_hessian(");
      const files = Object.keys(sources).map((f) => join(c.dir, "out", f));
      expect(strictTypeErrors(files)).toEqual([]);
    } finally {
      c.cleanup();
    }
  });
});
