/**
 * Custom derivative rules (`/** @derivative of=f *\/`): library functions adc-ts does not see (declared in
 * a .d.ts, a `declare function`), given their partials by the user, checked in every mode against
 * central differences of the real function (a JavaScript implementation supplied at load time); rules
 * of several arguments (a tuple, an array), a rule in another file, a rule overriding a visible body,
 * aliases, the signature checks (code, line:col, message) and strict type-checking of the output.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADC } from "../transformer/diagnostics.js";
import { grad, hessian } from "../src/api.js";
import { compileSources, compileWithText, relErr } from "./helpers/compile.js";
import { strictTypeErrors } from "./helpers/typecheck.js";
import { buildWithPlugin } from "./helpers/plugin.js";
import { erf, gammaln, logaddexp } from "./helpers/special.js";

type Fn = (...args: number[]) => unknown;
type Module = Record<string, Fn>;

/** The same functions as a module adc-ts never sees (its .d.ts is an input; this .js is written beside the output). */
const SPECIAL_JS = `const gammaln = ${gammaln.toString()};
const erf = ${erf.toString()};
export { gammaln, erf };
export default function lbeta(a, b) { return gammaln(a) + gammaln(b) - gammaln(a + b); }
`;

const SPECIAL_DTS = `export declare function gammaln(x: number): number;
export declare function erf(x: number): number;
declare function lbeta(a: number, b: number): number;
export default lbeta;
`;

/** ψ(x) for x > 0, written to be differentiable itself (the Hessians differentiate it): recurrence to 6, then the asymptotic series. */
const DIGAMMA = `export function digamma(x: number): number {
  let r = 0;
  while (x < 6) {
    r -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  return r + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))));
}
`;

const RULES = `import { gammaln, erf } from "./special.js";
import lbeta from "./special.js";

${DIGAMMA}
/** @derivative of=gammaln */
export function gammaln_partials(x: number): number {
  return digamma(x);
}

/** @derivative of=erf */
export function erf_partials(x: number): number {
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x);
}

/** @derivative of=lbeta */
export function lbeta_partials(a: number, b: number): [number, number] {
  const s = digamma(a + b);
  return [digamma(a) - s, digamma(b) - s];
}
`;

const MODEL = `import { gammaln, erf } from "./special.js";
import lbeta from "./special.js";
import * as special from "./special.js";

/** The log density of a gamma distribution, shape k and scale theta. */
/** @differentiable hessian */
export function logGammaPdf(x: number, k: number, theta: number): number {
  return (k - 1) * Math.log(x) - x / theta - gammaln(k) - k * Math.log(theta);
}

/** @differentiable hessian */
export function f(a: number, b: number): number {
  const lg = special.gammaln;
  return lbeta(a, b) * erf(a - b) + lg(a * b);
}
`;

/** ∂f/∂x_i at `x` by central differences (step h relative to the point). */
function partial(f: (...x: number[]) => number, x: readonly number[], i: number, h = 1e-5): number {
  const step = h * Math.max(1, Math.abs(x[i]));
  const up = [...x];
  const down = [...x];
  up[i] += step;
  down[i] -= step;
  return (f(...up) - f(...down)) / (2 * step);
}

/** ∂²f/∂x_i∂x_j at `x` by central differences of central differences. */
function secondPartial(f: (...x: number[]) => number, x: readonly number[], i: number, j: number, h = 1e-4): number {
  const at = (si: number, sj: number): number => {
    const y = [...x];
    y[i] += si * h;
    y[j] += sj * h;
    return f(...y);
  };
  return (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h * h);
}

/**
 * Every mode of `name` at `x` against central differences of the real function `real`: f_dual along
 * each axis, f_grad, f_vjp (ȳ = 2.5), f_jacobian and, with `hessian`, f_hessian and f_hvp (H·v).
 */
function checkEveryMode(m: Module, name: string, real: (...x: number[]) => number, x: readonly number[], options: { hessian?: boolean } = {}): void {
  const n = x.length;
  const value = real(...x);
  const g = x.map((_, i) => partial(real, x, i));
  for (let i = 0; i < n; i++) {
    const seed = x.map((_, j) => (j === i ? 1 : 0));
    const [v, d] = m[`${name}_dual`](...x, ...seed) as [number, number];
    expect(v).toBe(value);
    expect(relErr(d, g[i])).toBeLessThan(1e-7);
  }
  const [gv, ...gs] = m[`${name}_grad`](...x) as number[];
  expect(gv).toBe(value);
  gs.forEach((gi, i) => expect(relErr(gi, g[i])).toBeLessThan(1e-7));
  const [, ...bs] = m[`${name}_vjp`](...x, 2.5) as number[];
  bs.forEach((b, i) => expect(b).toBeCloseTo(2.5 * gs[i], 12));
  const [, jac] = m[`${name}_jacobian`](...x) as [number, number[][]];
  expect(jac).toEqual([gs]);
  if (options.hessian !== true) return;
  const [hv, hg, h] = m[`${name}_hessian`](...x) as [number, number[], number[][]];
  expect(hv).toBe(value);
  expect(hg).toEqual(gs);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(relErr(h[i][j], secondPartial(real, x, i, j))).toBeLessThan(1e-5);
  const dir = x.map((_, i) => 0.3 - 0.7 * i);
  const out = m[`${name}_hvp`](...x, ...dir) as number[];
  expect(out.slice(0, n + 1)).toEqual([value, ...gs]);
  out.slice(n + 1).forEach((hvi, i) => expect(hvi).toBeCloseTo(h[i].reduce((s, hij, j) => s + hij * dir[j], 0), 10));
}

describe("a library's functions (a .d.ts adc-ts sees, JavaScript it does not) with rules in another file", () => {
  let c: ReturnType<typeof compileSources>;
  let m: Module;
  beforeAll(async () => {
    c = compileSources({ "special.d.ts": SPECIAL_DTS, "rules.ts": RULES, "model.ts": MODEL });
    expect(c.diagnostics).toEqual([]);
    writeFileSync(join(c.dir, "out", "special.js"), SPECIAL_JS);
    m = await c.load<Module>("model.ts");
  });
  afterAll(() => c.cleanup());

  it("logGammaPdf (gammaln, imported by name): every mode, Hessian included, against central differences", () => {
    const real = (x: number, k: number, theta: number): number => (k - 1) * Math.log(x) - x / theta - gammaln(k) - k * Math.log(theta);
    for (const x of [[2.5, 3.2, 1.5], [0.7, 1.3, 0.4], [7, 9.5, 2]]) checkEveryMode(m, "logGammaPdf", real, x, { hessian: true });
  });

  it("f (lbeta as the default import, a tuple rule; erf; gammaln through a namespace and a const alias): every mode", () => {
    const lbeta = (a: number, b: number): number => gammaln(a) + gammaln(b) - gammaln(a + b);
    const real = (a: number, b: number): number => lbeta(a, b) * erf(a - b) + gammaln(a * b);
    for (const x of [[1.5, 2.25], [3.1, 0.9], [0.8, 1.7]]) checkEveryMode(m, "f", real, x, { hessian: true });
  });

  it("∂/∂k of logGammaPdf is hand-derived: log x - ψ(k) - log θ (ψ from the rule file's digamma)", async () => {
    const rules = await c.load<Module>("rules.ts");
    const [, , dk] = m.logGammaPdf_grad(2.5, 3.2, 1.5) as number[];
    expect(dk).toBeCloseTo(Math.log(2.5) - (rules.digamma(3.2) as number) - Math.log(1.5), 14);
  });

  it("the model imports the rules it uses by an import of its own, and calls each once per use", () => {
    const out = c.outputs["model.ts"];
    // The Hessians differentiate the rules' functions: their derivatives come the same way.
    expect(out).toContain('import { erf_partials, erf_partials_dual, gammaln_partials, gammaln_partials_dual, lbeta_partials, lbeta_partials_dual } from "./rules.js";');
    expect(out).toContain("const lg_partial = gammaln_partials(t4);");
    expect(out).toContain("const lbeta_partial = lbeta_partials(a, b);");
    expect(out).not.toContain("special.gammaln_dual");
    // The rules' own module: the rule functions' derivatives for the Hessians, nothing else added.
    expect(c.outputs["rules.ts"]).toContain("export function lbeta_partials_dual(");
  });

  it("the output type-checks under tsc --strict", () => {
    writeFileSync(join(c.dir, "out", "special.d.ts"), SPECIAL_DTS);
    expect(strictTypeErrors([join(c.dir, "out", "model.ts"), join(c.dir, "out", "rules.ts")])).toEqual([]);
  });

  it("the call-site API finds the derivatives of a function calling ruled functions", () => {
    expect(grad(m.f as (a: number, b: number) => number)(1.5, 2.25)).toEqual(m.f_grad(1.5, 2.25));
    expect(hessian(m.f as (a: number, b: number) => number)(1.5, 2.25)).toEqual(m.f_hessian(1.5, 2.25));
  });
});

const globals = globalThis as unknown as Record<string, unknown>;

describe("declare function, in the same file", () => {
  beforeAll(() => {
    globals.gammaln = gammaln;
    globals.logaddexp = logaddexp;
  });
  afterAll(() => {
    delete globals.gammaln;
    delete globals.logaddexp;
  });

  const SOURCE = `declare function logaddexp(a: number, b: number): number;

/** An array of partials: the softmax of (a, b). */
/** @derivative of=logaddexp */
function logaddexp_partials(a: number, b: number): number[] {
  const pa = 1 / (1 + Math.exp(b - a));
  return [pa, 1 - pa];
}

/** @differentiable hessian */
export function g(x: number, y: number): number {
  let s = 0;
  for (let i = 1; i <= 3; i++) s += logaddexp(x * i, y) * x;
  return s;
}
`;

  it("a rule returning number[] (several arguments), in a loop: every mode, Hessian included", async () => {
    const { m, text } = await compileWithText<Module>(SOURCE, { strict: true });
    const real = (x: number, y: number): number => {
      let s = 0;
      for (let i = 1; i <= 3; i++) s += logaddexp(x * i, y) * x;
      return s;
    };
    for (const x of [[0.3, -0.2], [1.2, 2.5], [-0.7, 0.4]]) checkEveryMode(m, "g", real, x, { hessian: true });
    expect(text).toContain("const logaddexp_partial = logaddexp_partials(t, y);");
    expect(text).toContain("logaddexp_partial[0] * (dx * i)");
  });

  it("the golden fixture fixtures/rules: every function in every mode against central differences", async () => {
    globals.gammaln = gammaln;
    const source = readFileSync(join(import.meta.dirname, "..", "fixtures", "rules", "input.ts"), "utf8");
    const { m } = await compileWithText<Module>(source, { strict: true });
    const lbeta = (a: number, b: number): number => gammaln(a) + gammaln(b) - gammaln(a + b);
    for (const x of [[1.5, 2.25], [0.6, 4]]) checkEveryMode(m, "logBeta", lbeta, x, { hessian: true });
    const softplus = (x: number): number => Math.log(1 + Math.exp(x));
    const smoothMax = (x: number, y: number): number => logaddexp(x, y) + softplus(x * y);
    for (const x of [[0.3, -0.2], [1.2, 2.5]]) checkEveryMode(m, "smoothMax", smoothMax, x);
  });
});

describe("a rule overriding a visible body", () => {
  it("the rule's derivative, not the body's: softplus' = the logistic function, finite where the body's is NaN", async () => {
    const { m, text } = await compileWithText<Module>(
      `export function softplus(x: number): number {
  return Math.log(1 + Math.exp(x));
}

/** @derivative of=softplus */
export function softplus_partials(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** @differentiable */
export function loss(w: number, x: number): number {
  return softplus(w * x);
}
`,
      { strict: true },
    );
    expect(text).toContain("softplus_partials(");
    expect(text).not.toContain("softplus_dual");
    const logistic = (t: number): number => 1 / (1 + Math.exp(-t));
    for (const [w, x] of [[0.5, 2], [-3, 1.5], [800, 1]]) {
      const [, dw, dx] = m.loss_grad(w, x) as number[];
      expect(dw).toBeCloseTo(logistic(w * x) * x, 14);
      expect(dx).toBeCloseTo(logistic(w * x) * w, 12);
      expect((m.loss_dual(w, x, 1, 0) as number[])[1]).toBeCloseTo(logistic(w * x) * x, 14);
    }
    // At w x = 800 the body's own derivative is e^800 / (1 + e^800) = Infinity / Infinity = NaN.
    expect(Number.isNaN(Math.exp(800) / (1 + Math.exp(800)))).toBe(true);
  });
});

describe("aliases of a ruled function", () => {
  it("const lg = gammaln is the ruled function; let lg = gammaln is ADC2001, saying why", () => {
    const rule = "declare function gammaln(x: number): number;\n/** @derivative of=gammaln */\nfunction gp(x: number): number { return 1 / x; }\n";
    const ok = compileSources({ "input.ts": `${rule}/** @differentiable */\nexport function f(x: number): number {\n  const lg = gammaln;\n  return lg(x);\n}\n` });
    expect(ok.diagnostics).toEqual([]);
    expect(ok.outputs["input.ts"]).toContain("const lg_partial = gp(x);");
    ok.cleanup();
    const bad = compileSources({ "input.ts": `${rule}let lg = gammaln;\n/** @differentiable */\nexport function f(x: number): number {\n  return lg(x);\n}\n` });
    expect(bad.diagnostics.map((d) => [d.code, d.pos?.line, d.pos?.col])).toEqual([[ADC.opaqueCall, 7, 10]]);
    expect(bad.diagnostics[0].message).toContain("lg is a let or var alias of gammaln, whose derivative rule is gp: declare the alias const");
    bad.cleanup();
  });
});

describe("a local hiding the rule function", () => {
  it("is ADC2001 at the call, naming both", () => {
    const c = compileSources({ "input.ts": "declare function lib(x: number): number;\n/** @derivative of=lib */\nfunction lib_partials(x: number): number { return 2 * x; }\n/** @differentiable */\nexport function f(x: number): number {\n  const lib_partials = 3;\n  return lib(x) * lib_partials;\n}\n" });
    expect(c.diagnostics.map((d) => [d.code, d.pos?.line, d.pos?.col])).toEqual([[ADC.opaqueCall, 7, 10]]);
    expect(c.diagnostics[0].message).toContain("its derivative calls the rule lib_partials, which the local lib_partials here hides: rename the local");
    c.cleanup();
  });
});

describe("the rule's signature is checked against its function's", () => {
  const LIB = "declare function lib(a: number, b: number): number;\ndeclare function norm(v: number[]): number;\n";
  const cases: { name: string; rule: string; code: string; line: number; col: number; says: string }[] = [
    { name: "too few parameters", rule: "/** @derivative of=lib */\nexport function r(a: number): [number, number] { return [a, a]; }", code: ADC.ruleSignature, line: 4, col: 1, says: "r takes 1 parameter(s) and lib takes 2: a rule takes the function's arguments, in order" },
    { name: "one number for two arguments", rule: "/** @derivative of=lib */\nexport function r(a: number, b: number): number { return a * b; }", code: ADC.ruleSignature, line: 4, col: 1, says: "r returns number; the rule for lib, a function of 2 number(s), returns [number, number] or number[] (one partial per argument)" },
    { name: "a tuple of the wrong length", rule: "/** @derivative of=lib */\nexport function r(a: number, b: number): [number, number, number] { return [a, b, 0]; }", code: ADC.ruleSignature, line: 4, col: 1, says: "r returns [number, number, number]" },
    { name: "a parameter that is not a number", rule: "/** @derivative of=lib */\nexport function r(a: number, b: string): [number, number] { return [a, a]; }", code: ADC.ruleSignature, line: 4, col: 1, says: "r's parameter b is string; a rule is for a function of numbers" },
    { name: "a function of an array", rule: "/** @derivative of=norm */\nexport function r(v: number[]): number[] { return v; }", code: ADC.ruleSignature, line: 4, col: 1, says: "norm's parameter v is number[]; a rule is for a function of numbers (rules for functions of arrays, a pushforward or pullback, are not supported)" },
    { name: "of= naming nothing", rule: "/** @derivative of=gammaln */\nexport function r(x: number): number { return x; }", code: ADC.badRule, line: 3, col: 17, says: "of=gammaln names nothing r's module sees" },
    { name: "of= naming a number", rule: "const k = 2;\n/** @derivative of=k */\nexport function r(x: number): number { return x; }", code: ADC.badRule, line: 4, col: 17, says: "of=k names something that is not a function" },
    { name: "no of=", rule: "/** @derivative */\nexport function r(x: number): number { return x; }", code: ADC.badRule, line: 3, col: 5, says: "@derivative needs of=f" },
    { name: "pushforward", rule: "/** @derivative of=norm pushforward */\nexport function r(v: number[], dv: number[]): number { return v[0] * dv[0]; }", code: ADC.badRule, line: 3, col: 25, says: "@derivative pushforward (a rule for a function of arrays) is not supported" },
    { name: "a second rule", rule: "/** @derivative of=lib */\nexport function r(a: number, b: number): [number, number] { return [b, a]; }\n/** @derivative of=lib */\nexport function s(a: number, b: number): [number, number] { return [b, a]; }", code: ADC.badRule, line: 5, col: 17, says: "lib already has a rule, r (input.ts:4:1); a function has one rule" },
    { name: "not before a function", rule: "/** @derivative of=lib */\nexport const r = 3;", code: ADC.badRule, line: 3, col: 1, says: "@derivative must stand directly before a top-level function declaration" },
    { name: "a rule for itself", rule: "/** @derivative of=r */\nexport function r(x: number): number { return x; }", code: ADC.badRule, line: 3, col: 17, says: "r is a rule for itself" },
  ];
  for (const t of cases) {
    it(`${t.name}: ${t.code} at ${t.line}:${t.col}`, () => {
      const c = compileSources({ "input.ts": `${LIB}${t.rule}\n` });
      try {
        expect(c.diagnostics.map((d) => [d.code, d.pos?.line, d.pos?.col])).toEqual([[t.code, t.line, t.col]]);
        expect(c.diagnostics[0].message).toContain(t.says);
      } finally {
        c.cleanup();
      }
    });
  }

  it("a rule another file uses must be exported: ADC1016 at the call", () => {
    const c = compileSources({
      "rules.ts": "export declare function lib(x: number): number;\n/** @derivative of=lib */\nfunction lib_partials(x: number): number { return 2 * x; }\n",
      "model.ts": 'import { lib } from "./rules.js";\n/** @differentiable */\nexport function f(x: number): number {\n  return lib(x) * x;\n}\n',
    });
    expect(c.diagnostics.map((d) => [d.code, d.pos?.file.endsWith("model.ts"), d.pos?.line, d.pos?.col])).toEqual([[ADC.ruleNotExported, true, 4, 10]]);
    expect(c.diagnostics[0].message).toContain("the derivative rule lib_partials lives in rules.ts, which does not export it, so model.ts cannot call it: export lib_partials");
    c.cleanup();
  });

  it("a Hessian through a rule whose function calls code adc-ts cannot see: ADC2026 at the call, first-order modes fine", () => {
    const c = compileSources({
      "input.ts": "declare function lib(x: number): number;\ndeclare function libPrime(x: number): number;\n/** @derivative of=lib */\nfunction lib_partials(x: number): number { return libPrime(x); }\n/** @differentiable */\nexport function f(x: number): number {\n  return lib(x) * x;\n}\n/** @differentiable hessian */\nexport function h(x: number): number {\n  return lib(x) * x;\n}\n",
    });
    expect(c.diagnostics.map((d) => [d.code, d.pos?.line, d.pos?.col])).toEqual([[ADC.ruleNoSecondDerivative, 11, 10]]);
    expect(c.diagnostics[0].message).toBe(
      "the second derivative of lib needs the derivative of its rule lib_partials, which adc-ts cannot differentiate: ADC2001 (input.ts:4:51): libPrime has no source adc-ts can see, so it cannot be differentiated (it touches the active value 'x')",
    );
    c.cleanup();
  });
});

describe("a call adc-ts does not see whose result is a boolean", () => {
  it("Number.isInteger, isNaN and a library's isnan of an active number carry no derivative: allowed, the branches differentiated", async () => {
    const globals = globalThis as unknown as Record<string, unknown>;
    globals.isnan = (x: number): boolean => x !== x;
    try {
      const { m } = await compileWithText<Module>(
        `declare function isnan(x: number): boolean;
/** @differentiable */
export function f(x: number): number {
  if (isnan(x) || !Number.isFinite(x)) return NaN;
  if (Number.isInteger(x)) return x * x;
  return isNaN(x * 2) ? 0 : x * x * x;
}
`,
        { strict: true },
      );
      expect(m.f_grad(3)).toEqual([9, 6]);
      expect(m.f_grad(1.5)).toEqual([3.375, 6.75]);
      expect((m.f_dual(1.5, 1) as number[])[1]).toBe(6.75);
      expect(m.f_grad(NaN)).toEqual([NaN, 0]);
    } finally {
      delete globals.isnan;
    }
  });

  it("an active array passed to one is still ADC2001 (the function may write it)", () => {
    const c = compileSources({ "input.ts": "declare function scan(v: number[]): boolean;\n/** @differentiable */\nexport function f(v: number[]): number {\n  return scan(v) ? v[0] : v[1] * 2;\n}\n" });
    expect(c.diagnostics.map((d) => [d.code, d.pos?.line, d.pos?.col])).toEqual([[ADC.opaqueCall, 4, 10]]);
    c.cleanup();
  });
});

describe("through the ts-patch plugin", () => {
  it("a rule in another file: the built program imports it, and grad(f) at the call site computes the derivative", async () => {
    const build = buildWithPlugin({
      "special.d.ts": "export declare function gammaln(x: number): number;\n",
      "rules.ts": `import { gammaln } from "./special.js";\n\n${DIGAMMA}\n/** @derivative of=gammaln */\nexport function gammaln_partials(x: number): number {\n  return digamma(x);\n}\n`,
      "main.ts": `import { grad } from "adc-ts";\nimport { gammaln } from "./special.js";\n\n/** @differentiable */\nexport function f(x: number, y: number): number {\n  return gammaln(x * y) * x;\n}\n\nexport const gradient = (x: number, y: number) => grad(f)(x, y);\n`,
    });
    expect(build.diagnostics).toEqual([]);
    const main = build.outputs["main.js"];
    expect(main).toContain('import { gammaln_partials } from "./rules.js";');
    expect(main).toContain("f_grad(x, y)");
    writeFileSync(join(build.dir, "out", "special.js"), SPECIAL_JS);
    const mod = (await import(/* @vite-ignore */ join(build.dir, "out", "main.js"))) as Record<string, (x: number, y: number) => number[]>;
    const real = (x: number, y: number): number => gammaln(x * y) * x;
    for (const x of [[1.5, 2.25], [0.9, 3.1]]) {
      const [value, ...g] = mod.gradient(x[0], x[1]);
      expect(value).toBe(real(x[0], x[1]));
      g.forEach((gi, i) => expect(relErr(gi, partial(real, x, i))).toBeLessThan(1e-7));
    }
  });
});
