/**
 * The differential fuzzer's machinery (test/fuzz.test.ts, `npm run fuzz`): compile a batch of random
 * programs in one compilation, type-check the output under --strict in one TypeScript program, run
 * f, f_dual, f_grad, f_vjp, f_jacobian (and f_hessian where the program asks for it) at random inputs
 * and compare them with each other and with the interpreter over dual numbers (first derivatives) and
 * hyper-dual numbers (second derivatives); a failing program is re-run alone under fast-check, which
 * shrinks it.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import fc from "fast-check";
import ts from "typescript";
import { compileProgram, compilerOptions } from "../../transformer/core.js";
import { formatDiagnostic } from "../../transformer/diagnostics.js";
import { tape } from "../../src/runtime/tape.js";
import { strictOptions, strictTypeErrors } from "./typecheck.js";
import {
  ARRAY_LENGTH,
  evalFull,
  evalFullDual,
  expectedTryDiagnostics,
  exportedNames,
  fullProgramArb,
  hyperDuals,
  Overflow,
  printFullProgram,
  printFullProgramFiles,
  type D,
  type Dual,
  type ForbiddenProgram,
  type FProgram,
} from "../generators/full-programs.js";


/** The number of active input elements: x, y and v[0..]. */
export const INPUTS = 2 + ARRAY_LENGTH;

type FDual = (x: number, y: number, v: number[], dx: number, dy: number, dv: number[]) => [number, number];
type FGrad = (x: number, y: number, v: number[]) => [number, number, number, number[]];
type FVjp = (x: number, y: number, v: number[], ybar: number) => [number, number, number, number[]];
type FJacobian = (x: number, y: number, v: number[]) => [number, number[][]];
type FHessian = (x: number, y: number, v: number[]) => [number, number[], number[][]];
export interface FuzzModule {
  f(x: number, y: number, v: number[]): number;
  f_dual: FDual;
  f_grad: FGrad;
  f_vjp: FVjp;
  f_jacobian: FJacobian;
  /** Where the program is tagged `@differentiable hessian`. */
  f_hessian?: FHessian;
}

export interface Point {
  readonly x: number;
  readonly y: number;
  readonly v: readonly number[];
  /** A random direction over the INPUTS elements, and a random output adjoint. */
  readonly direction: readonly number[];
  readonly ybar: number;
}

/**
 * Random inputs in [-2, 2] (x exactly 0 at about one point in four: the base of `x ** n`), a direction
 * in [-1, 1], an adjoint in [-2, 2]; the same for every program of a seed.
 */
export function pointsFor(seed: number, count: number): Point[] {
  // Away from the underflow range (|v| ≥ 1e-3, or exactly 0): there a product of two tiny numbers
  // rounds to 0 and the modes' finite and infinite partials meet in a different order. Likewise away
  // from the program's constants, multiples of 0.1 (at least 1e-3 from one, or exactly a multiple of
  // 0.5): x = 2 - 4 ulp, after `x--; x--`, leaves 4e-15, whose derivatives through atan2 or a quotient
  // are rounding noise, different in each mode.
  const nearConstant = (v: number): boolean => 2 * v !== Math.round(2 * v) && Math.abs(10 * v - Math.round(10 * v)) < 1e-2;
  const value = fc.double({ min: -2, max: 2, noNaN: true }).filter((v) => v === 0 || (Math.abs(v) >= 1e-3 && !nearConstant(v)));
  return fc.sample(
    fc.record({
      x: fc.oneof({ weight: 3, arbitrary: value }, { weight: 1, arbitrary: fc.constant(0) }),
      y: value,
      v: fc.array(value, { minLength: ARRAY_LENGTH, maxLength: ARRAY_LENGTH }),
      direction: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: INPUTS, maxLength: INPUTS }),
      ybar: value,
    }),
    { seed, numRuns: count },
  );
}

// ---------- compilation with the standard library parsed once ----------

const libCache = new Map<string, ts.SourceFile>();

/** A compiler host that parses each file of TypeScript's lib once per process: most of a small compilation's time. */
function cachingHost(options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const libDir = dirname(ts.getDefaultLibFilePath(options));
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (!fileName.startsWith(libDir)) return getSourceFile(fileName, languageVersion, onError, shouldCreate);
    const key = `${fileName}|${JSON.stringify(languageVersion)}`;
    let file = libCache.get(key);
    if (file === undefined) {
      file = getSourceFile(fileName, languageVersion, onError, shouldCreate);
      if (file !== undefined) libCache.set(key, file);
    }
    return file;
  };
  return host;
}

export interface CompiledBatch {
  /** Per program, its module's f and derivatives, or why they are missing. */
  readonly modules: (FuzzModule | string)[];
  /** adc diagnostics (a generated program the compiler rejects is a finding too). */
  readonly diagnostics: string[];
  /** --strict errors in the generated code. */
  readonly typeErrors: string[];
  readonly texts: string[];
  cleanup(): void;
}

let loads = 0;

/** Write each program's modules into `in/p<i>/` under `dir`; per program, its files (f's module first). */
function writePrograms(dir: string, programs: readonly { readonly files: Record<string, string> }[]): string[][] {
  return programs.map((p, i) =>
    Object.entries(p.files).map(([name, text]) => {
      const file = join(dir, "in", `p${i}`, name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      return file;
    }),
  );
}

/** Compile the programs' modules in one compilation (with the standard library parsed once). */
function compileWritten(inputs: readonly string[]): ReturnType<typeof compileProgram> {
  const program = ts.createProgram({ rootNames: inputs, options: compilerOptions, host: cachingHost(compilerOptions) });
  return compileProgram(program, inputs);
}

/** f and its derivatives from the compiled module, under the names `exportedNames` gives, or which are missing. */
function fuzzModule(program: FProgram, exports: Record<string, unknown>): FuzzModule | string {
  const names = exportedNames(program);
  const wanted: [keyof FuzzModule, string][] = [
    ["f", names.f],
    ...(["dual", "grad", "vjp", "jacobian", ...(program.hessian ? ["hessian"] : [])] as const).map((d) => [`f_${d}`, `${names.derivatives}_${d}`] as [keyof FuzzModule, string]),
  ];
  const missing = wanted.filter(([, name]) => typeof exports[name] !== "function").map(([, name]) => name);
  if (missing.length > 0) return `the module exports no ${missing.join(", ")} (it exports ${Object.keys(exports).join(", ")})`;
  return Object.fromEntries(wanted.map(([key, name]) => [key, exports[name]])) as unknown as FuzzModule;
}

/** Compile programs in one compilation, type-check the outputs in one program, import them. */
export async function compileBatch(programs: readonly FProgram[], typeCheck = true): Promise<CompiledBatch> {
  const dir = mkdtempSync(join(tmpdir(), "adc-fuzz-"));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const inputs = writePrograms(dir, programs.map((p) => ({ files: printFullProgramFiles(p) })));
    const result = compileWritten(inputs.flat());
    const diagnostics = result.diagnostics.map((d) => formatDiagnostic(d));
    if (diagnostics.length > 0) return { modules: [], diagnostics, typeErrors: [], texts: [], cleanup };
    // A module without an annotated function is not re-emitted: its output is its input.
    const outputs = inputs.map((files) =>
      files.map((file) => {
        const out = join(dir, "out", relative(join(dir, "in"), file));
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, result.files.get(file)?.text ?? readFileSync(file, "utf8"));
        return out;
      }),
    );
    const texts = outputs.map((files) => readFileSync(files[0], "utf8"));
    const typeErrors = typeCheck ? strictTypeErrors(outputs.flat(), cachingHost(strictOptions)) : [];
    if (typeErrors.length > 0) return { modules: [], diagnostics, typeErrors, texts, cleanup };
    const loaded = await Promise.all(outputs.map((files) => import(/* @vite-ignore */ `${files[0]}?fuzz=${loads++}`) as Promise<Record<string, unknown>>));
    return { modules: loaded.map((exports, i) => fuzzModule(programs[i], exports)), diagnostics, typeErrors, texts, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}



// ---------- the comparison ----------

/** |a - b| within 1e-10 of the scale (at least 1); NaN and infinities must match exactly. */
const close = (a: number, b: number, scale: number): boolean =>
  Number.isFinite(a) && Number.isFinite(b) ? Math.abs(a - b) <= 1e-10 * Math.max(1, scale) : Object.is(a, b);
const maxAbs = (xs: readonly number[]): number => xs.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

export interface PointCheck {
  /** A message when something disagrees, else null. */
  readonly failure: string | null;
  /** False when the interpreter itself left the domain (overflow): the point says nothing. */
  readonly meaningful: boolean;
  readonly nonZeroGradient: boolean;
  /** Whether f_hessian was compared with the hyper-dual Hessian (the program asks for it and the reference is finite). */
  readonly hessianChecked?: boolean;
  readonly nonZeroHessian?: boolean;
}

const seedDual = (p: Point, direction: readonly number[]): [D, D, D[]] => [
  { v: p.x, d: direction[0] },
  { v: p.y, d: direction[1] },
  p.v.map((v, k) => ({ v, d: direction[2 + k] })),
];
const unit = (k: number): number[] => Array.from({ length: INPUTS }, (_, j) => (j === k ? 1 : 0));

/**
 * The Hessian by the interpreter over hyper-dual numbers: input k carries e_i outside and e_j inside,
 * so `.d.d` of the result is ∂²f/∂x_i∂x_j, exact to rounding; one evaluation per i ≤ j.
 */
export function hessianReference(program: FProgram, p: Point): number[][] {
  const H = Array.from({ length: INPUTS }, () => new Array<number>(INPUTS).fill(0));
  const seed = (value: number, k: number, i: number, j: number): Dual<D> => ({ v: { v: value, d: k === j ? 1 : 0 }, d: { v: k === i ? 1 : 0, d: 0 } });
  for (let i = 0; i < INPUTS; i++)
    for (let j = i; j < INPUTS; j++) {
      const r = evalFull(hyperDuals, program, seed(p.x, 0, i, j), seed(p.y, 1, i, j), p.v.map((v, k) => seed(v, 2 + k, i, j)));
      H[i][j] = H[j][i] = r.d.d;
    }
  return H;
}

/** Every derivative program of one compiled program at one point, against each other and the interpreter. */
export function checkPoint(program: FProgram, m: FuzzModule, p: Point): PointCheck {
  let reference: D[];
  let referenceDirectional: D;
  try {
    reference = Array.from({ length: INPUTS }, (_, k) => evalFullDual(program, ...seedDual(p, unit(k))));
    referenceDirectional = evalFullDual(program, ...seedDual(p, p.direction));
  } catch (error) {
    if (error instanceof Overflow) return { failure: null, meaningful: false, nonZeroGradient: false };
    throw error;
  }
  const value = reference[0].v;
  const gradient = reference.map((r) => r.d);
  if (![value, ...gradient, referenceDirectional.d].every(Number.isFinite)) return { failure: null, meaningful: false, nonZeroGradient: false };
  const scale = Math.max(Math.abs(value), maxAbs(gradient));
  const problems: string[] = [];
  const expectNumber = (what: string, got: number, want: number, s = scale): void => {
    if (!close(got, want, s)) problems.push(`${what}: got ${got}, expected ${want}`);
  };
  const expectGradient = (what: string, got: readonly number[]): void => {
    if (got.length !== INPUTS) problems.push(`${what}: ${got.length} components, expected ${INPUTS}`);
    else got.forEach((g, k) => expectNumber(`${what}[${k}]`, g, gradient[k]));
  };
  const args = (): [number, number, number[]] => [p.x, p.y, [...p.v]];
  const tapeClean = (what: string): void => {
    if (!tape.isEmpty()) {
      problems.push(`${what} left the tape unbalanced`);
      // The tape has no public reset; without one every later program of the batch would fail too.
      Object.assign(tape, { valueTop: 0, controlTop: 0, arrayTop: 0 });
    }
  };

  expectNumber("f", m.f(...args()), value);

  const dualGradient: number[] = [];
  for (let k = 0; k < INPUTS; k++) {
    const dir = unit(k);
    const [dv, dt] = m.f_dual(...args(), dir[0], dir[1], dir.slice(2));
    expectNumber(`f_dual value (seed e${k})`, dv, value);
    dualGradient.push(dt);
  }
  expectGradient("f_dual gradient", dualGradient);
  const [, directional] = m.f_dual(...args(), p.direction[0], p.direction[1], p.direction.slice(2));
  expectNumber("f_dual along a random direction", directional, referenceDirectional.d, Math.max(scale, maxAbs(gradient) * INPUTS));

  const [gv, gx, gy, gvs] = m.f_grad(...args());
  tapeClean("f_grad");
  expectNumber("f_grad value", gv, value);
  expectGradient("f_grad", [gx, gy, ...gvs]);

  const [vv, vx, vy, vvs] = m.f_vjp(...args(), p.ybar);
  tapeClean("f_vjp");
  expectNumber("f_vjp value", vv, value);
  const ybarScale = Math.max(1, Math.abs(p.ybar));
  [vx, vy, ...vvs].forEach((a, k) => expectNumber(`f_vjp[${k}] (ȳ = ${p.ybar})`, a, p.ybar * gradient[k], scale * ybarScale));

  const [jv, J] = m.f_jacobian(...args());
  tapeClean("f_jacobian");
  expectNumber("f_jacobian value", jv, value);
  if (J.length !== 1) problems.push(`f_jacobian: ${J.length} rows, expected 1`);
  else expectGradient("f_jacobian row", J[0]);

  let hessianChecked = false;
  let nonZeroHessian = false;
  if (program.hessian) {
    if (m.f_hessian === undefined) problems.push("f_hessian missing");
    else {
      const [hv, hg, H] = m.f_hessian(...args());
      tapeClean("f_hessian");
      // The same primal as f_grad, bit for bit; the same reverse sweep but for f_grad's scalar replacement
      // of adjoint sums in loops (off under forward mode), which may add the same terms in another order.
      if (!Object.is(hv, gv)) problems.push(`f_hessian value: got ${hv}, f_grad gives ${gv}`);
      const grad = [gx, gy, ...gvs];
      if (hg.length !== INPUTS || hg.some((g, k) => !close(g, grad[k], scale))) problems.push(`f_hessian gradient: got [${hg}], f_grad gives [${grad}]`);
      if (H.length !== INPUTS || H.some((row) => row.length !== INPUTS)) problems.push(`f_hessian: H is ${H.length}×${H[0]?.length}, expected ${INPUTS}×${INPUTS}`);
      else {
        for (let i = 0; i < INPUTS; i++)
          for (let j = i + 1; j < INPUTS; j++) if (!Object.is(H[i][j], H[j][i])) problems.push(`f_hessian not symmetric: H[${i}][${j}] = ${H[i][j]}, H[${j}][${i}] = ${H[j][i]}`);
        const reference = hessianReference(program, p);
        // Meaningful where the interpreter's second derivatives are finite (it overflows sooner than the first).
        if (reference.every((row) => row.every(Number.isFinite))) {
          const hScale = Math.max(scale, ...reference.map(maxAbs));
          for (let i = 0; i < INPUTS; i++) for (let j = 0; j <= i; j++) expectNumber(`f_hessian H[${i}][${j}]`, H[i][j], reference[i][j], hScale);
          hessianChecked = true;
          nonZeroHessian = reference.some((row) => row.some((h) => h !== 0));
        }
      }
    }
  }

  return {
    failure: problems.length === 0 ? null : problems.join("\n"),
    meaningful: true,
    nonZeroGradient: gradient.some((g) => g !== 0),
    hessianChecked,
    nonZeroHessian,
  };
}

export interface ProgramFailure {
  readonly index: number;
  readonly message: string;
}

export interface BatchResult {
  readonly failures: ProgramFailure[];
  /** A whole-batch failure: adc diagnostics or type errors, not yet attributed to one program. */
  readonly batchFailure: string | null;
  readonly checked: number;
  readonly meaningless: number;
  readonly nonZero: number;
  /** Points where f_hessian was compared with the hyper-dual Hessian, and those where it is not all 0. */
  readonly hessianChecked: number;
  readonly nonZeroHessian: number;
}

/** Compile, type-check and check a batch; every program at every point. */
export async function runBatch(programs: readonly FProgram[], points: readonly Point[], typeCheck = true): Promise<BatchResult> {
  const compiled = await compileBatch(programs, typeCheck);
  try {
    if (compiled.diagnostics.length > 0 || compiled.typeErrors.length > 0)
      return { failures: [], batchFailure: [...compiled.diagnostics, ...compiled.typeErrors].join("\n"), checked: 0, meaningless: 0, nonZero: 0, hessianChecked: 0, nonZeroHessian: 0 };
    const failures: ProgramFailure[] = [];
    let checked = 0;
    let meaningless = 0;
    let nonZero = 0;
    let hessianChecked = 0;
    let nonZeroHessian = 0;
    programs.forEach((program, index) => {
      for (const point of points) {
        let result: PointCheck;
        const module = compiled.modules[index];
        try {
          result = typeof module === "string" ? { failure: module, meaningful: true, nonZeroGradient: false } : checkPoint(program, module, point);
        } catch (error) {
          result = { failure: `threw ${(error as Error).stack ?? String(error)}`, meaningful: true, nonZeroGradient: false };
        }
        if (result.failure !== null) {
          failures.push({ index, message: `at x=${point.x}, y=${point.y}, v=[${point.v}]:\n${result.failure}` });
          return;
        }
        if (result.meaningful) checked++;
        else meaningless++;
        if (result.nonZeroGradient) nonZero++;
        if (result.hessianChecked === true) hessianChecked++;
        if (result.nonZeroHessian === true) nonZeroHessian++;
      }
    });
    return { failures, batchFailure: null, checked, meaningless, nonZero, hessianChecked, nonZeroHessian };
  } finally {
    compiled.cleanup();
  }
}

/** Whether one program, compiled alone, passes at every point (the property fast-check shrinks against). */
export async function programPasses(program: FProgram, points: readonly Point[], typeCheck = true): Promise<string | null> {
  const result = await runBatch([program], points, typeCheck);
  return result.batchFailure ?? result.failures[0]?.message ?? null;
}

/** Which programs of a batch fail compilation or type-checking, each compiled alone. */
export async function attributeBatchFailure(programs: readonly FProgram[], points: readonly Point[]): Promise<ProgramFailure[]> {
  const out: ProgramFailure[] = [];
  for (let index = 0; index < programs.length; index++) {
    const compiled = await compileBatch([programs[index]]);
    compiled.cleanup();
    const errors = [...compiled.diagnostics, ...compiled.typeErrors];
    if (errors.length > 0) out.push({ index, message: errors.join("\n") });
  }
  void points;
  return out;
}

export interface Shrunk {
  readonly seed: number;
  readonly path: string;
  readonly program: FProgram;
  readonly text: string;
  readonly message: string;
}

/**
 * Re-run program `index` of the batch sampled with `seed` under fast-check (the same seed and path
 * reproduce it), so that fast-check shrinks it; within `timeLimitMs`, the smallest failing program found.
 */
export async function shrinkFailure(seed: number, index: number, points: readonly Point[], timeLimitMs: number): Promise<Shrunk> {
  let lastMessage = "";
  // Type-checking a single program costs as much as compiling it: only a type error needs it.
  const original = fc.sample(fullProgramArb, { seed, numRuns: index + 1 })[index];
  const typeCheck = (await programPasses(original, points, false)) === null;
  const result = await fc.check(
    fc.asyncProperty(fullProgramArb, async (program: FProgram) => {
      const message = await programPasses(program, points, typeCheck);
      if (message !== null) lastMessage = message;
      return message === null;
    }),
    { seed, path: String(index), plugins: [fc.interruptAfterTimeLimit(timeLimitMs, { failOnInterrupt: true })] },
  );
  const program = (result.counterexample as [FProgram] | null)?.[0];
  if (program === undefined) throw new Error(`seed ${seed}, path ${index}: fast-check did not reproduce the failure (${result.failed ? "interrupted" : "passed"})`);
  // The message of the smallest counterexample: re-check it (the last failing run may have been a larger one).
  const message = (await programPasses(program, points)) ?? lastMessage;
  return { seed, path: result.counterexamplePath ?? String(index), program, text: printFullProgram(program), message };
}

/**
 * Compile programs that must not compile, in one compilation: each must get exactly the diagnostics
 * `expectedTryDiagnostics` gives (at least one at each place, with its code and one of its messages),
 * nothing else and no output. The failures, by index.
 */
export function checkForbiddenBatch(programs: readonly ForbiddenProgram[]): ProgramFailure[] {
  const dir = mkdtempSync(join(tmpdir(), "adc-fuzz-"));
  try {
    const inputs = writePrograms(dir, programs.map((p) => ({ files: printFullProgramFiles(p.program) })));
    const result = compileWritten(inputs.flat());
    const unplaced = result.diagnostics.filter((d) => d.pos === undefined);
    if (unplaced.length > 0) return [{ index: -1, message: `diagnostics without a position: ${unplaced.map((d) => formatDiagnostic(d)).join("; ")}` }];
    return programs.flatMap((p, index): ProgramFailure[] => {
      const here = (file: string): string => relative(join(dir, "in", `p${index}`), file);
      const got = result.diagnostics.filter((d) => inputs[index].includes(d.pos!.file));
      const expected = expectedTryDiagnostics(p);
      const problems: string[] = [];
      for (const d of got) {
        const e = expected.find((x) => x.file === here(d.pos!.file) && x.line === d.pos!.line && x.col === d.pos!.col);
        const accepted = e !== undefined && d.code === e.code && e.messages.includes(d.message);
        if (!accepted) problems.push(`unexpected ${formatDiagnostic(d, here)}`);
      }
      for (const e of expected)
        if (!got.some((d) => here(d.pos!.file) === e.file && d.pos!.line === e.line && d.pos!.col === e.col && d.code === e.code))
          problems.push(`no diagnostic at ${e.file}:${e.line}:${e.col} (expected ${e.code}: ${e.messages[e.messages.length - 1]})`);
      if (expected.length === 0) problems.push("no try in the program");
      return problems.length === 0 ? [] : [{ index, message: `${problems.join("\n")}\n${printFullProgram(p.program)}` }];
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
