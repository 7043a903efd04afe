/**
 * Every ES export and import form around differentiated functions (issue 13, items 8 and 10):
 * derivatives exported under the names a user expects, calls through every import form
 * differentiated across files (Hessians included), generated output that type-checks under --strict,
 * and the warning (ADC4001) for a derivative's name the user already took.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTransform, EXIT } from "../cli/transform.js";
import { formatDiagnostic } from "../transformer/diagnostics.js";
import { compileSources, relErr, type Compiled } from "./helpers/compile.js";
import { strictTypeErrors } from "./helpers/typecheck.js";
import { buildWithPlugin } from "./helpers/plugin.js";

type Fn = (...args: number[]) => unknown;

/** Compile sources that must compile: no diagnostics, and every output type-checks under --strict. */
function compileClean(sources: Record<string, string>): Compiled {
  const c = compileSources(sources);
  expect(c.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
  expect(strictTypeErrors(Object.keys(sources).map((rel) => join(c.dir, "out", rel)))).toEqual([]);
  return c;
}

// f(x) = x² + sin x, f'(x) = 2x + cos x: the export forms' function.
const F_BODY = "return x * x + Math.sin(x);";
const f = (x: number): number => x * x + Math.sin(x);
const df = (x: number): number => 2 * x + Math.cos(x);

describe("export forms: derivatives exported beside the function, under the names a user expects", () => {
  const forms: Record<string, { source: string; keys: string[]; prefix: string }> = {
    "export default f": { source: `/** @differentiable */\nfunction f(x: number): number { ${F_BODY} }\nexport default f;\n`, keys: ["default", "f_dual", "f_grad", "f_jacobian", "f_vjp"], prefix: "f" },
    "export default function f": { source: `/** @differentiable */\nexport default function f(x: number): number { ${F_BODY} }\n`, keys: ["default", "f_dual", "f_grad", "f_jacobian", "f_vjp"], prefix: "f" },
    "export { f as default }": { source: `/** @differentiable */\nfunction f(x: number): number { ${F_BODY} }\nexport { f as default };\n`, keys: ["default", "f_dual", "f_grad", "f_jacobian", "f_vjp"], prefix: "f" },
    "export { f }": { source: `/** @differentiable */\nfunction f(x: number): number { ${F_BODY} }\nexport { f };\n`, keys: ["f", "f_dual", "f_grad", "f_jacobian", "f_vjp"], prefix: "f" },
    "export { f as g }": { source: `/** @differentiable */\nfunction f(x: number): number { ${F_BODY} }\nexport { f as g };\n`, keys: ["g", "g_dual", "g_grad", "g_jacobian", "g_vjp"], prefix: "g" },
    "export const f = (...) => ...": { source: `/** @differentiable */\nexport const f = (x: number): number => x * x + Math.sin(x);\n`, keys: ["f", "f_dual", "f_grad", "f_jacobian", "f_vjp"], prefix: "f" },
  };
  const files = Object.fromEntries(Object.entries(forms).map(([, form], i) => [`form${i}.ts`, form.source]));
  let c: Compiled;
  beforeAll(() => {
    c = compileClean(files);
  });
  afterAll(() => c.cleanup());

  Object.entries(forms).forEach(([title, form], i) => {
    it(`${title}: exports ${form.keys.join(", ")}; values and derivatives of x² + sin x at 0.7 to 1e-12`, async () => {
      const m = await c.load<Record<string, Fn>>(`form${i}.ts`);
      expect(Object.keys(m).sort()).toEqual(form.keys);
      const x = 0.7;
      const primal = m[form.keys.includes("default") ? "default" : form.prefix];
      expect(primal(x)).toBe(f(x));
      const [v, t] = m[`${form.prefix}_dual`](x, 1) as number[];
      const [gv, g] = m[`${form.prefix}_grad`](x) as number[];
      const [, vjp] = m[`${form.prefix}_vjp`](x, 2) as number[];
      const [, [[j]]] = m[`${form.prefix}_jacobian`](x) as [number, number[][]];
      expect(relErr(v, f(x))).toBeLessThan(1e-12);
      expect(relErr(gv, f(x))).toBeLessThan(1e-12);
      for (const d of [t, g, j]) expect(relErr(d, df(x))).toBeLessThan(1e-12);
      expect(relErr(vjp, 2 * df(x))).toBeLessThan(1e-12);
    });
  });

  it("export { f as g } adds one export list after the user's, in the user's form", () => {
    const text = c.outputs[`form${Object.keys(forms).indexOf("export { f as g }")}.ts`];
    expect(text).toContain("export { f as g };\nexport { f_dual as g_dual, f_grad as g_grad, f_vjp as g_vjp, f_jacobian as g_jacobian };\n");
    expect(text).toMatch(/^function f_dual\(/m); // f itself is not exported under its own name, nor are its derivatives
  });
});

// Through every import form a caller h(x) = sq(x) · x = x³: h' = 3x², h'' = 6x, by f_dual, f_grad, f_hessian.
const SQ = "export function sq(x: number): number { return x * x; }\n";
const caller = (imports: string, call: string): string => `${imports}\n/** @differentiable hessian */\nexport function h(x: number): number { return ${call}(x) * x; }\n`;

describe("import forms: calls differentiate across files, Hessians included", () => {
  const modules: Record<string, string> = {
    "sq.ts": SQ,
    "sq-default.ts": "export default function sq(x: number): number { return x * x; }\n",
    "sq-default-later.ts": "function sq(x: number): number { return x * x; }\nexport default sq;\n",
    "sq-renamed.ts": "function sq(x: number): number { return x * x; }\nexport { sq as square };\n",
    "sq-clause.ts": "function sq(x: number): number { return x * x; }\nexport { sq };\n",
    "sq-as-default.ts": "const sq = (x: number): number => x * x;\nexport { sq as default };\n",
    "sq-arrow.ts": "export const sq = (x: number): number => x * x;\n",
    "re-named.ts": 'export { sq } from "./sq.js";\n',
    "re-renamed.ts": 'export { sq as square } from "./sq.js";\n',
    "re-star.ts": 'export * from "./sq.js";\n',
    "re-star-ns.ts": 'export * as ns from "./sq.js";\n',
    "re-import.ts": 'import { sq } from "./sq.js";\nexport { sq as power2 };\n',
    "re-default.ts": 'import { sq } from "./sq.js";\nexport default sq;\n',
  };
  const callers: Record<string, string> = {
    'import { sq } from "./sq.js"': caller('import { sq } from "./sq.js";', "sq"),
    'import { sq as p1 } from "./sq.js", beside a local sq': caller('import { sq as p1 } from "./sq.js";\nexport function sq(s: string): string { return s + s; }', "p1"),
    'import square from "./sq-default.js" (export default function sq)': caller('import square from "./sq-default.js";', "square"),
    'import sq from "./sq-default-later.js" (export default sq)': caller('import sq from "./sq-default-later.js";', "sq"),
    'import * as m from "./sq.js"; m.sq(x)': caller('import * as m from "./sq.js";', "m.sq"),
    'import { square } from "./sq-renamed.js" (export { sq as square })': caller('import { square } from "./sq-renamed.js";', "square"),
    'import { sq } from "./sq-clause.js" (export { sq })': caller('import { sq } from "./sq-clause.js";', "sq"),
    'import q from "./sq-as-default.js" (const sq = ...; export { sq as default })': caller('import q from "./sq-as-default.js";', "q"),
    'import { sq } from "./sq-arrow.js" (export const sq = ...)': caller('import { sq } from "./sq-arrow.js";', "sq"),
    'import { sq } from "./re-named.js" (export { sq } from)': caller('import { sq } from "./re-named.js";', "sq"),
    'import { square } from "./re-renamed.js" (export { sq as square } from)': caller('import { square } from "./re-renamed.js";', "square"),
    'import { sq } from "./re-star.js" (export * from)': caller('import { sq } from "./re-star.js";', "sq"),
    'import * as lib from "./re-star-ns.js"; lib.ns.sq(x) (export * as ns from)': caller('import * as lib from "./re-star-ns.js";', "lib.ns.sq"),
    'import { power2 } from "./re-import.js" (import, then export { sq as power2 })': caller('import { power2 } from "./re-import.js";', "power2"),
    'import two from "./re-default.js" (import, then export default sq)': caller('import two from "./re-default.js";', "two"),
  };
  const callerFiles = Object.fromEntries(Object.values(callers).map((source, i) => [`caller${i}.ts`, source]));
  let c: Compiled;
  beforeAll(() => {
    c = compileClean({ ...callerFiles, ...modules });
  });
  afterAll(() => c.cleanup());

  Object.keys(callers).forEach((title, i) => {
    it(`${title}: h = x³ at 1.3 and -0.4: h_dual, h_grad 3x², h_hessian 6x to 1e-12`, async () => {
      const m = await c.load<Record<string, Fn>>(`caller${i}.ts`);
      for (const x of [1.3, -0.4]) {
        const [v, t] = m.h_dual(x, 1) as number[];
        const [gv, g] = m.h_grad(x) as number[];
        const [hv, [hg], [[hh]]] = m.h_hessian(x) as [number, number[], number[][]];
        for (const value of [v, gv, hv]) expect(relErr(value, x ** 3)).toBeLessThan(1e-12);
        for (const d of [t, g, hg]) expect(relErr(d, 3 * x * x)).toBeLessThan(1e-12);
        expect(relErr(hh, 6 * x)).toBeLessThan(1e-12);
      }
    });
  });

  it("with the plugin too: every caller's h_hessian at 1.3 is [x³, [3x²], [[6x]]] to 1e-12", async () => {
    const build = buildWithPlugin({ ...callerFiles, ...modules });
    expect(build.diagnostics).toEqual([]);
    const x = 1.3;
    for (const i of Object.keys(callers).keys()) {
      const m = (await import(/* @vite-ignore */ join(build.dir, "out", `caller${i}.js`))) as Record<string, Fn>;
      const [hv, [hg], [[hh]]] = m.h_hessian(x) as [number, number[], number[][]];
      expect(relErr(hv, x ** 3)).toBeLessThan(1e-12);
      expect(relErr(hg, 3 * x * x)).toBeLessThan(1e-12);
      expect(relErr(hh, 6 * x)).toBeLessThan(1e-12);
    }
  });

  it("imports the callee's derivative halves under the caller's names for them, and re-exports them where the user re-exports", () => {
    const out = (title: string): string => c.outputs[`caller${Object.keys(callers).indexOf(title)}.ts`];
    expect(out('import { sq as p1 } from "./sq.js", beside a local sq')).toContain(
      'import { sq as p1, sq_bwd as p1_bwd, sq_bwd_dual as p1_bwd_dual, sq_dual as p1_dual, sq_fwd as p1_fwd, sq_fwd_dual as p1_fwd_dual } from "./sq.js";',
    );
    expect(out('import square from "./sq-default.js" (export default function sq)')).toContain(
      'import square from "./sq-default.js";\nimport { sq_bwd as square_bwd, sq_bwd_dual as square_bwd_dual, sq_dual as square_dual, sq_fwd as square_fwd, sq_fwd_dual as square_fwd_dual } from "./sq-default.js";\n',
    );
    expect(out('import * as m from "./sq.js"; m.sq(x)')).toContain("m.sq_fwd_dual(x, dx)");
    expect(c.outputs["re-renamed.ts"]).toBe(
      'export { sq as square } from "./sq.js";\nexport { sq_dual as square_dual, sq_fwd as square_fwd, sq_bwd as square_bwd, sq_fwd_dual as square_fwd_dual, sq_bwd_dual as square_bwd_dual } from "./sq.js";\n',
    );
    // The callee module exports its tangent sweeps for the Hessian in another module (item 10).
    expect(c.outputs["sq.ts"]).toMatch(/^export function sq_fwd_dual\(/m);
    expect(c.outputs["sq.ts"]).toMatch(/^export function sq_bwd_dual\(/m);
  });
});

describe("two imported functions of one name (aliased imports)", () => {
  it("import { p as p2 } and { p as p3 } from two modules: h = p2 · p3 = x⁵, h' = 5x⁴, h'' = 20x³ to 1e-12, no duplicate names", async () => {
    const c = compileClean({
      "h.ts": 'import { p as p2 } from "./two.js";\nimport { p as p3 } from "./three.js";\n/** @differentiable hessian */\nexport function h(x: number): number { return p2(x) * p3(x); }\n',
      "two.ts": "export function p(x: number): number { return x * x; }\n",
      "three.ts": "export function p(x: number): number { return x * x * x; }\n",
    });
    try {
      const m = await c.load<Record<string, Fn>>("h.ts");
      const x = 1.1;
      const [, t] = m.h_dual(x, 1) as number[];
      const [, [g], [[hh]]] = m.h_hessian(x) as [number, number[], number[][]];
      expect(relErr(t, 5 * x ** 4)).toBeLessThan(1e-12);
      expect(relErr(g, 5 * x ** 4)).toBeLessThan(1e-12);
      expect(relErr(hh, 20 * x ** 3)).toBeLessThan(1e-12);
      expect(c.outputs["h.ts"]).toContain(
        'import { p as p2, p_bwd as p2_bwd, p_bwd_dual as p2_bwd_dual, p_dual as p2_dual, p_fwd as p2_fwd, p_fwd_dual as p2_fwd_dual } from "./two.js";\n' +
          'import { p as p3, p_bwd as p3_bwd, p_bwd_dual as p3_bwd_dual, p_dual as p3_dual, p_fwd as p3_fwd, p_fwd_dual as p3_fwd_dual } from "./three.js";\n',
      );
    } finally {
      c.cleanup();
    }
  });
});

describe("module forms adc-ts cannot differentiate are errors", () => {
  it("ADC1011: @differentiable on an anonymous default export, at the export", () => {
    for (const source of ["/** @differentiable */\nexport default function (x: number): number { return x * x; }\n", "/** @differentiable */\nexport default (x: number): number => x * x;\n"]) {
      const c = compileSources({ "anon.ts": source });
      expect(c.diagnostics.map((d) => formatDiagnostic(d, () => "anon.ts"))).toEqual([
        "anon.ts:2:1 - error ADC1011: @differentiable on a default export without a name: its derivatives are named after the function, so name it (export default function f(...) {...}, or declare const f = ... and export default f)",
      ]);
      c.cleanup();
    }
  });

  it("ADC1012: a call through a namespace held in a variable, at the call", () => {
    const c = compileSources({
      "main.ts": 'import * as m from "./sq.js";\nconst mm = m;\n/** @differentiable */\nexport function h(x: number): number {\n  return mm.sq(x) * x;\n}\n',
      "sq.ts": SQ,
    });
    expect(c.diagnostics.map((d) => formatDiagnostic(d, (p) => p.slice(p.lastIndexOf("/") + 1)))).toEqual([
      "main.ts:5:10 - error ADC1012: mm.sq is sq from sq.ts, reached through mm, which is not a namespace import of a module exporting it, so its derivatives cannot be imported here: import sq by name, as the default or as a namespace (import * as m) from an input file that exports it",
    ]);
    c.cleanup();
  });

  it("ADC1013: export { f as g } where the module already exports a g_dual, at the export", () => {
    const c = compileSources({
      "a.ts": `/** @differentiable */\nfunction f(x: number): number { ${F_BODY} }\nexport { f as g };\nexport function g_dual(): number { return 0; }\n`,
    });
    expect(c.diagnostics.map((d) => formatDiagnostic(d, () => "a.ts"))).toEqual([
      "a.ts:3:10 - error ADC1013: this export would also export a derivative as g_dual, which the module already exports: rename one of them",
    ]);
    c.cleanup();
  });
});

describe("ADC4001: a derivative's name the user already declared", () => {
  const SOURCE = `/** @differentiable */
export function g(x: number): number {
  return x * x * x;
}

// The user's own function of that name: ours becomes g_dual2.
export function g_dual(x: number): number {
  return 3 * x * x;
}
`;
  const WARNING = "a.ts:2:17 - warning ADC4001: g_dual is already declared in this module (a.ts:7:17); g's forward derivative is named g_dual2";

  it("warns naming both, compiles, and g_dual2 computes g' = 3x² (to 1e-12) beside the user's g_dual", async () => {
    const c = compileSources({ "a.ts": SOURCE });
    try {
      expect(c.diagnostics).toEqual([]);
      expect(c.warnings.map((d) => formatDiagnostic(d, () => "a.ts"))).toEqual([WARNING]);
      const m = await c.load<Record<string, Fn>>("a.ts");
      const [v, t] = m.g_dual2(1.5, 1) as number[];
      expect(relErr(v, 1.5 ** 3)).toBeLessThan(1e-12);
      expect(relErr(t, 3 * 1.5 ** 2)).toBeLessThan(1e-12);
      expect(m.g_dual(2)).toBe(12); // the user's, untouched
      expect(c.outputs["a.ts"]).toContain("registerDerivatives(g, { dual: g_dual2, grad: g_grad,");
    } finally {
      c.cleanup();
    }
  });

  it("adc transform prints it to stderr, exits 0 and writes the output", () => {
    const dir = mkdtempSync(join(tmpdir(), "adc-warn-"));
    try {
      mkdirSync(join(dir, "src"));
      writeFileSync(join(dir, "src", "a.ts"), SOURCE);
      const stdout: string[] = [];
      const stderr: string[] = [];
      const code = runTransform(["src"], { out: "gen", cwd: dir }, { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) });
      expect(code).toBe(EXIT.ok);
      expect(stderr).toEqual([WARNING.replace("a.ts:2:17", "src/a.ts:2:17")]);
      expect(readFileSync(join(dir, "gen", "a.ts"), "utf8")).toContain("export function g_dual2(x: number, dx: number): [number, number] {");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the plugin reports it as a warning (TS94001) and still emits the derivatives", () => {
    const build = buildWithPlugin({ "a.ts": SOURCE });
    expect(build.diagnostics).toEqual([WARNING.replace("a.ts:2:17 - warning ADC4001", "src/a.ts(2,17): warning TS94001: ADC4001")]);
    expect(build.outputs["a.js"]).toContain("export function g_dual2(x, dx) {");
  });
});

describe("the call-site API with default-exported and renamed functions", () => {
  const sources = {
    "fns.ts": `/** @differentiable */\nfunction f(x: number): number { ${F_BODY} }\nexport default f;\n/** @differentiable */\nfunction k(x: number): number { ${F_BODY} }\nexport { k as g };\n`,
    "main.ts": `import { grad, jvp } from "adc-ts";\nimport f from "./fns.js";\nimport { g } from "./fns.js";\nimport * as fns from "./fns.js";\nexport const gradF = (x: number) => grad(f)(x);\nexport const gradG = (x: number) => grad(g)(x);\nexport const tangentG = (x: number) => jvp(fns.g)(x, 1);\n`,
  };
  const check = (m: Record<string, Fn>): void => {
    for (const x of [0.7, -2]) {
      for (const [value, d] of [m.gradF(x), m.gradG(x), m.tangentG(x)] as number[][]) {
        expect(relErr(value, f(x))).toBeLessThan(1e-12);
        expect(relErr(d, df(x))).toBeLessThan(1e-12);
      }
    }
  };

  it("adc transform output: grad(f), grad(g), jvp(fns.g) find the registered derivatives (values and f' = 2x + cos x to 1e-12)", async () => {
    const c = compileClean(sources);
    try {
      check(await c.load<Record<string, Fn>>("main.ts"));
    } finally {
      c.cleanup();
    }
  });

  it("the plugin compiles grad(f) to f_grad, grad(g) to g_grad and jvp(fns.g) to fns.g_dual, and the program computes the same numbers", async () => {
    const build = buildWithPlugin(sources);
    expect(build.diagnostics).toEqual([]);
    const main = build.outputs["main.js"];
    expect(main).toContain('import { f_grad, g_grad } from "./fns.js";');
    expect(main).toContain("export const gradF = (x) => f_grad(x);");
    expect(main).toContain("export const gradG = (x) => g_grad(x);");
    expect(main).toContain("fns.g_dual(x, 1)");
    check((await import(/* @vite-ignore */ join(build.dir, "out", "main.js"))) as Record<string, Fn>);
  });
});

