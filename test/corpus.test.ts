/**
 * The corpus (issues 13 and 14): numeric functions copied as written from public libraries
 * (test/corpus/*.ts, one tagged function per file; test/corpus/README.md has the table). Each file
 * is compiled on its own and must either come out as the diagnostics the manifest lists (code and
 * line:col, inside the file) or compile and pass an independent oracle in every generated mode:
 * f_dual against central differences of f, f_vjp / f_grad / f_jacobian against f_dual, f_hessian
 * against central differences of f_grad. A compile that succeeds and fails the oracle is a
 * silent-wrong finding: those are the `knownWrong` entries, run with it.fails so the suite records
 * them until the compiler reports them (or differentiates them) instead.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileSources, type Compiled } from "./helpers/compile.js";
import { checkModes, type Fn, type Oracle } from "./helpers/oracle.js";
import { strictTypeErrors } from "./helpers/typecheck.js";
import { erfc, gammaln } from "./helpers/special.js";

type Entry =
  /** `strictKnownWrong`: the derivatives are right but the generated code fails tsc --strict (the issue item). */
  | { readonly file: string; readonly fn: string; readonly pass: Oracle; readonly strictKnownWrong?: string }
  | { readonly file: string; readonly fn: string; readonly diagnostics: readonly string[] }
  /** Compiles, but the derivative is wrong: `item` names the defect (an item of the issue). */
  | { readonly file: string; readonly fn: string; readonly knownWrong: string; readonly oracle: Oracle };

const f64 = (...v: number[]) => new Float64Array(v);


/** "ADCxxxx line:col" per diagnostic, in the order the compiler reports them. */
const manifest: readonly Entry[] = [
  // Plain scalar math.
  { file: "d3-ease-sinInOut.ts", fn: "sinInOut", pass: { points: [[0.3], [0.77]], active: [0] } },
  { file: "d3-ease-polyIn.ts", fn: "polyIn", pass: { points: [[0.5, undefined], [0.8, 2.5]], active: [0] } },
  { file: "d3-ease-elasticOut.ts", fn: "elasticOut", pass: { points: [[0.2, 1.5, 0.4], [0.6, undefined, undefined]], active: [0] } },
  { file: "d3-ease-cubicInOut.ts", fn: "cubicInOut", pass: { points: [[0.3], [0.8]], active: [0] } },
  { file: "d3-ease-backInOut.ts", fn: "backInOut", pass: { points: [[0.2, undefined], [0.9, undefined], [0.3, 2.5]], active: [0] } },
  { file: "d3-ease-bounceOut.ts", fn: "bounceOut", pass: { points: [[0.2], [0.5], [0.8], [0.95]], active: [0] } },
  { file: "simple-statistics-errorFunction.ts", fn: "errorFunction", pass: { points: [[0.4], [-1.1]], active: [0], hessian: true } },
  { file: "simple-statistics-gammaln.ts", fn: "gammaln", pass: { points: [[2.4], [7.3]], active: [0], hessian: true } },
  { file: "simple-statistics-logit.ts", fn: "logit", pass: { points: [[0.3], [0.85]], active: [0], hessian: true } },
  { file: "simple-statistics-gamma.ts", fn: "gamma", pass: { points: [[2.4], [7.3], [-1.5]], active: [0] } },
  // Library functions adc-ts does not see, with the derivative rules the file gives (issue 14 item 5).
  { file: "stdlib-normal-cdf.ts", fn: "cdf", pass: { points: [[2, 0.5, 1.5], [-0.4, 0.1, 0.8], [1.1, 1, 2.5]], active: [0, 1, 2], hessian: true, library: { erfc } } },
  { file: "stdlib-gamma-logpdf.ts", fn: "logpdf", pass: { points: [[2, 0.5, 1], [3.5, 4.2, 0.7], [0.4, 1.7, 2.5]], active: [0, 1, 2], hessian: true, library: { gammaln, ln: Math.log } } },
  { file: "stdlib-hypot.ts", fn: "hypot", pass: { points: [[3, -4], [-0.5, 2], [2.5, 1]], active: [0, 1] } },
  { file: "bezier-easing-newtonRaphsonIterate.ts", fn: "newtonRaphsonIterate", pass: { points: [[0.4, 0.4, 0.25, 0.75], [0.7, 0.65, 0.42, 0.58]], active: [0, 1, 2, 3] } },
  { file: "bezier-easing-binarySubdivide.ts", fn: "binarySubdivide", pass: { points: [[0.4, 0.3, 0.5, 0.25, 0.75], [0.7, 0.6, 0.8, 0.42, 0.58]], active: [0, 1, 2, 3, 4] } },
  { file: "bezier-easing-x2t.ts", fn: "x2t", pass: { points: [[0.5, 0.2, 0.6, 0.1, 0.3], [0.5, 0.2, 0.6, -0.5, 0.3], [0.5, 0.8, -0.6, -0.5, 0.3], [0.5, -0.4, 0.6, -0.5, -0.3]], active: [0, 1, 2, 3, 4] } },
  { file: "brain.js-leakyRelu.ts", fn: "activate", pass: { points: [[0.7], [-1.3]], active: [0] } },
  { file: "brain.js-mish.ts", fn: "activate", pass: { points: [[0.5], [-1.2]], active: [0], hessian: true } },
  { file: "three-damp.ts", fn: "damp", pass: { points: [[0.2, 1.5, 3, 0.016], [5, -1, 0.5, 0.1]], active: [0, 1, 2, 3] } },
  { file: "three-pingpong.ts", fn: "pingpong", pass: { points: [[0.3, 1], [2.7, 1.5]], active: [0, 1] } },
  { file: "three-smootherstep.ts", fn: "smootherstep", pass: { points: [[0.3, 0, 1], [2, 1, 4]], active: [0, 1, 2], hessian: true } },
  // Array loops.
  { file: "simple-statistics-mean.ts", fn: "mean", pass: { points: [[[0.5, 10, -3, 2.25]], [[-1, 0.25]]], active: [0] } },
  { file: "simple-statistics-sampleVariance.ts", fn: "sampleVariance", pass: { points: [[[1, 2, 3, 4, 5.5]], [[-0.5, 0.25, 3]]], active: [0] } },
  { file: "simple-statistics-sampleCovariance.ts", fn: "sampleCovariance", pass: { points: [[[1, 2, 3, 4, 5, 6], [6, 5, 4, 3.5, 2, 1]], [[0.1, -2], [3, 7]]], active: [0, 1] } },
  { file: "simple-statistics-sampleSkewness.ts", fn: "sampleSkewness", pass: { points: [[[2, 4, 6, 3, 1]], [[0.5, -1, 2.5, 0]]], active: [0] } },
  { file: "simple-statistics-geometricMean.ts", fn: "geometricMean", pass: { points: [[[1.8, 1.166666, 1.428571]], [[0.5, 2, 3, 0.25]]], active: [0] } },
  { file: "simple-statistics-rootMeanSquare.ts", fn: "rootMeanSquare", pass: { points: [[[-1, 1, -1, 2]], [[0.3, 4]]], active: [0] } },
  { file: "stdlib-dvariancewd.ts", fn: "dvariancewd", pass: { points: [[4, 1, f64(1, -2, 2, 0.5), 1], [3, 0, f64(0.5, 7, -1), -1]], active: [2] } },
  { file: "stdlib-ddot.ts", fn: "ddot", pass: { points: [[7, f64(4, 2, -3, 5, -1, 0.5, 2), 1, f64(2, 6, -1, -4, 8, 3, -0.5), 1], [3, f64(1, 9, 2, 9, 3, 9), 2, f64(0.5, -1, 4), -1]], active: [1, 3] } },
  { file: "stdlib-evalpoly.ts", fn: "evalpoly", pass: { points: [[[3, 2, 1, 0.5], 1.3], [[1, -2], 0.7]], active: [0, 1], hessian: true } },
  { file: "stdlib-dasum.ts", fn: "dasum", diagnostics: ["ADC2013 31:2"] },
  { file: "mljs-euclidean.ts", fn: "euclidean", pass: { points: [[[1, 2, 3], [0.5, -1, 4]], [[0, 0.5], [2, -1]]], active: [0, 1], hessian: true } },
  { file: "fmin-norm2.ts", fn: "norm2", pass: { points: [[[1, -2, 3]], [[0.25, 0.5, -0.125, 4]]], active: [0], hessian: true } },
  { file: "gl-matrix-cross.ts", fn: "cross", pass: { points: [[[0, 0, 0], [1, 2, 3], [-1, 0.5, 2]], [[9, 9, 9], [0.3, -0.7, 0.1], [2, 1, -4]]], active: [0, 1, 2] } },
  { file: "gl-matrix-hermite.ts", fn: "hermite", pass: { points: [[[0, 0, 0], [1, 2, 3], [-1, 0.5, 2], [0, 1, 0], [4, -2, 1], 0.3]], active: [0, 1, 2, 3, 4, 5] } },
  { file: "gl-matrix-transformMat4.ts", fn: "transformMat4", pass: { points: [[[0, 0, 0], [1, 2, 3], [1, 0.5, 0, 0.2, 0, 1, 0.3, 0.1, 0.4, 0, 1, -0.3, 2, -1, 0.5, 1.5]], [[9, 9, 9], [-0.7, 0.4, 1.1], [0.9, 0.1, -0.2, 0, 0.3, 1.2, 0.5, 0, -0.4, 0.2, 0.8, 0, 0.1, 0.2, 0.3, 1]]], active: [0, 1, 2] } },
  { file: "gl-matrix-angle.ts", fn: "angle", diagnostics: ["ADC2007 16:3", "ADC2007 17:3", "ADC2007 18:3"] },
  { file: "fmin-weightedSum.ts", fn: "weightedSum", diagnostics: ["ADC1005 8:1"] },
  // Records (objects of numbers): Phaser's point helpers.
  { file: "phaser-DistanceBetweenPoints.ts", fn: "DistanceBetweenPoints", pass: { points: [[{ x: 1, y: 2 }, { x: -0.5, y: 4 }], [{ x: 0.3, y: -0.7 }, { x: 2, y: 0.1 }]], active: [0, 1], hessian: true } },
  { file: "phaser-GetMagnitude.ts", fn: "GetMagnitude", pass: { points: [[{ x: 3, y: -4 }], [{ x: 0.2, y: 0.9 }]], active: [0], hessian: true } },
  { file: "phaser-AngleBetweenPoints.ts", fn: "BetweenPoints", pass: { points: [[{ x: 1, y: 2 }, { x: -0.5, y: 4 }], [{ x: 0.3, y: -0.7 }, { x: 2, y: 0.1 }]], active: [0, 1] } },
  { file: "phaser-RotateAround.ts", fn: "RotateAround", diagnostics: ["ADC2018 39:5", "ADC2018 40:5"] },
  // Objects, classes, number[][], callbacks, closures.
  { file: "simple-statistics-linearRegression.ts", fn: "linearRegression", diagnostics: ["ADC2021 38:13"] },
  { file: "d3-array-variance.ts", fn: "variance", diagnostics: ["ADC1005 13:1"] },
  { file: "d3-interpolate-number.ts", fn: "interpolateNumber", diagnostics: ["ADC1005 9:1"] },
  { file: "bezier-easing-bezier.ts", fn: "bezier", diagnostics: ["ADC1005 40:1"] },
  { file: "fmin-bisect.ts", fn: "bisect", diagnostics: ["ADC2003 14:16", "ADC2003 15:16", "ADC2003 28:22"] },
  { file: "fmin-gemv.ts", fn: "gemv", diagnostics: ["ADC1005 16:1"] },
  { file: "ode-rk4-step.ts", fn: "step", diagnostics: ["ADC1002 38:1"] },
  { file: "simple-statistics-rSquared.ts", fn: "rSquared", diagnostics: ["ADC2003 34:35"] },
  { file: "brain.js-mse.ts", fn: "mse", diagnostics: ["ADC1009 8:1"] },
];

const corpusDir = join(import.meta.dirname, "corpus");
const compiled: Compiled[] = [];
afterAll(() => compiled.forEach((c) => c.cleanup()));

function compile(file: string): Compiled {
  const c = compileSources({ [file]: readFileSync(join(corpusDir, file), "utf8") });
  compiled.push(c);
  return c;
}

// ---- The tests --------------------------------------------------------------------------------

/** Files that compiled: their generated output must type-check under tsc --strict. */
const generated: string[] = [];

describe("corpus: real numeric code, as written", () => {
  it("has one manifest entry per corpus file", () => {
    const files = readdirSync(corpusDir).filter((f) => f.endsWith(".ts")).sort();
    expect(manifest.map((e) => e.file).sort()).toEqual(files);
  });

  for (const entry of manifest) {
    if ("diagnostics" in entry) {
      it(`${entry.file}: ${entry.fn} is rejected with ${[...new Set(entry.diagnostics.map((d) => d.split(" ")[0]))].join(", ")}`, () => {
        const c = compile(entry.file);
        const lines = readFileSync(join(corpusDir, entry.file), "utf8").split("\n");
        expect(c.diagnostics.map((d) => `${d.code} ${d.pos?.line}:${d.pos?.col}`)).toEqual(entry.diagnostics);
        for (const d of c.diagnostics) {
          expect(d.pos?.file.endsWith(entry.file)).toBe(true);
          expect(d.pos!.line).toBeLessThanOrEqual(lines.length);
          expect(d.pos!.col).toBeLessThanOrEqual(lines[d.pos!.line - 1].length);
          // Says what the user wrote, never a TypeScript syntax-kind name.
          expect(d.message).not.toMatch(/[A-Z][a-z]+(Expression|Statement|Declaration|Literal|Keyword)\b/);
        }
      });
    } else if ("pass" in entry) {
      it(`${entry.file}: ${entry.fn} compiles and every mode matches the oracle`, async () => {
        const c = compile(entry.file);
        expect(c.diagnostics).toEqual([]);
        generated.push(join(c.dir, "out", entry.file));
        const globals = globalThis as unknown as Record<string, unknown>;
        const library = Object.entries(entry.pass.library ?? {});
        for (const [name, f] of library) globals[name] = f;
        try {
          checkModes(await c.load<Record<string, Fn>>(), entry.fn, entry.pass);
        } finally {
          for (const [name] of library) delete globals[name];
        }
      });
    } else {
      it(`${entry.file}: ${entry.fn} compiles`, () => {
        const c = compile(entry.file);
        expect(c.diagnostics).toEqual([]);
        generated.push(join(c.dir, "out", entry.file));
      });
      // Known wrong on main: the oracle fails (see `knownWrong`); it.fails turns green when fixed.
      it.fails(`${entry.file}: ${entry.fn} known wrong: ${entry.knownWrong}`, async () => {
        const c = compile(entry.file);
        checkModes(await c.load<Record<string, Fn>>(), entry.fn, entry.oracle);
      });
    }
  }

  it("every compiled corpus file's output type-checks under tsc --strict, but the known-wrong ones", () => {
    expect(generated.length).toBe(manifest.filter((e) => !("diagnostics" in e)).length);
    const failing = [...strictErrorsByFile().keys()].sort();
    expect(failing).toEqual(manifest.filter((e) => "pass" in e && e.strictKnownWrong !== undefined).map((e) => e.file).sort());
  });

  for (const entry of manifest) {
    if (!("pass" in entry) || entry.strictKnownWrong === undefined) continue;
    it.fails(`${entry.file}: ${entry.fn} known wrong: ${entry.strictKnownWrong}`, () => {
      expect(strictErrorsByFile().get(entry.file) ?? []).toEqual([]);
    });
  }
});

/** The strict type errors of all compiled corpus outputs, by corpus file (one program: the lib files load once). */
let strictErrors: Map<string, string[]> | undefined;
function strictErrorsByFile(): Map<string, string[]> {
  if (strictErrors === undefined) {
    strictErrors = new Map();
    for (const e of strictTypeErrors(generated)) {
      const file = manifest.find((m) => e.includes(`/out/${m.file}:`))?.file ?? e;
      strictErrors.set(file, [...(strictErrors.get(file) ?? []), e]);
    }
  }
  return strictErrors;
}
