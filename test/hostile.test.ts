/**
 * Hostile inputs, each answered by correct code (checked with numbers) or a precise diagnostic, never
 * a crash, hang or stack overflow. Compiled through the built `adc` command, as a user runs it, in one
 * run over one input tree.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relErr } from "./helpers/compile.js";

const adc = join(import.meta.dirname, "..", "dist", "cli", "adc.js");
let dir: string;
let run: { status: number | null; stdout: string; stderr: string };

const TERMS = 10_000;
const DEPTH = 1_000;
const FUNCTIONS = 2_000;

function longSum(): string {
  const terms: string[] = [];
  for (let i = 0; i < TERMS; i++) terms.push(i % 3 === 0 ? `${(i % 7) + 1} * Math.sin(x * ${(i % 5) + 1})` : `x * y * ${i % 11}`);
  return `/** @differentiable */\nexport function f(x: number, y: number): number {\n  return ${terms.join(" + ")};\n}\n`;
}

function deepNest(): string {
  let e = "x";
  for (let i = 0; i < DEPTH; i++) e = i % 2 ? `Math.sin(${e} + y)` : `(${e} * 0.999 + x)`;
  return `/** @differentiable */\nexport function f(x: number, y: number): number {\n  return ${e};\n}\n`;
}

function manyFunctions(): string {
  const out: string[] = [];
  for (let i = 0; i < FUNCTIONS; i++)
    out.push(`/** @differentiable */\nexport function f${i}(x: number, y: number): number {\n  const a = x * y + ${i};\n  return Math.exp(Math.sin(a)) * x;\n}\n`);
  return out.join("\n");
}

const sources: Record<string, string> = {
  "long.ts": longSum(),
  "deep.ts": deepNest(),
  "many.ts": manyFunctions(),
  // Names that collide with generated ones: a local dt, a parameter dx, an existing f_dual, the tape.
  "names.ts": `/** @differentiable */
export function f(x: number, dx: number): number {
  const t = x * dx;
  const dt = Math.sin(t);
  return t * dt;
}
export function f_dual(): number {
  return 0;
}
`,
  // A parameter named like the reverse-mode tape, in a loop that needs the tape.
  "tape-name.ts": `/** @differentiable */
export function g(x: number, tape: number): number {
  let p = 1;
  for (let i = 0; i < 3; i++) p = Math.sin(p * x + tape);
  return p;
}
`,
  "unicode.ts": `/** @differentiable */
export function g(ξ: number, 変数: number): number {
  let x = ξ * 変数;
  {
    const x2 = x * x;
    x = x2 + ξ;
  }
  for (let i = 0; i < 2; i++) {
    const x = 3;
    ξ = ξ * x;
  }
  return x + ξ;
}
`,
  "mutual.ts": `/** @differentiable wrt=x */
export function even(n: number, x: number): number {
  return n <= 0 ? x : odd(n - 1, x * x);
}
export function odd(n: number, x: number): number {
  return n <= 0 ? -x : even(n - 1, Math.sin(x));
}
`,
  "cycle/a.ts": `import { b } from "./b.js";
/** @differentiable wrt=x */
export function a(x: number, n: number): number {
  return n <= 0 ? x : b(x * 2, n - 1);
}
`,
  "cycle/b.ts": `import { a } from "./a.js";
export function b(x: number, n: number): number {
  return Math.sin(a(x, n));
}
`,
};

type Pair = [number, number];
const load = async <T>(rel: string): Promise<T> => (await import(join(dir, "out", rel))) as T;
const runtime = join(import.meta.dirname, "..", "dist", "src", "runtime", "index.js");

/**
 * Very long or deep generated code: TypeScript's emitter (and vite's module runner) recurse on
 * nesting, as they do on such input itself. Strip the types with rolldown's native transform and
 * evaluate calls in a plain Node process; returns what each call expression gives.
 */
async function evaluateLarge(rel: string, calls: string[]): Promise<number[][]> {
  const file = join(dir, "out", rel);
  const target = file.replace(/\.ts$/, ".mjs");
  const { transform } = await import("rolldown/experimental");
  const result = await transform(file, readFileSync(file, "utf8"), {});
  expect(result.errors).toEqual([]);
  writeFileSync(target, result.code.replaceAll('"adc-ts/runtime"', JSON.stringify(runtime)));
  const script = `import * as m from ${JSON.stringify(target)}; console.log(JSON.stringify([${calls.map((c) => `m.${c}`).join(", ")}]));`;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 120_000 });
  expect(child.stderr).toBe("");
  return JSON.parse(child.stdout) as number[][];
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "adc-hostile-"));
  for (const [rel, text] of Object.entries(sources)) {
    mkdirSync(dirname(join(dir, "in", rel)), { recursive: true });
    writeFileSync(join(dir, "in", rel), text);
  }
  run = spawnSync(process.execPath, [adc, "transform", "in", "--out", "out"], { cwd: dir, encoding: "utf8", timeout: 240_000 });
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("hostile inputs", () => {
  it("compile in one run without a crash", () => {
    // The one thing on stderr: names.ts takes f_dual itself, so ours is f_dual2, with a warning.
    expect(run.stderr).toBe("in/names.ts:2:17 - warning ADC4001: f_dual is already declared in this module (names.ts:7:17); f's forward derivative is named f_dual2\n");
    expect(run.status).toBe(0);
  });

  it(`a ${TERMS}-term expression`, async () => {
    const [x, y] = [0.7, -1.3];
    const [dualX, dualY, grad] = await evaluateLarge("long.ts", [`f_dual(${x}, ${y}, 1, 0)`, `f_dual(${x}, ${y}, 0, 1)`, `f_grad(${x}, ${y})`]);
    let fx = 0, fy = 0, scale = 0;
    for (let i = 0; i < TERMS; i++) {
      const term = i % 3 === 0 ? ((i % 7) + 1) * ((i % 5) + 1) * Math.cos(x * ((i % 5) + 1)) : y * (i % 11);
      fx += term;
      fy += i % 3 === 0 ? 0 : x * (i % 11);
      scale += Math.abs(term);
    }
    expect(Math.abs(dualX[1] - fx) / scale).toBeLessThan(1e-13);
    expect(relErr(dualY[1], fy)).toBeLessThan(1e-12);
    expect(Math.abs(grad[1] - fx) / scale).toBeLessThan(1e-13);
    expect(relErr(grad[2], fy)).toBeLessThan(1e-12);
  });

  it(`nesting ${DEPTH} deep`, async () => {
    const [x, y] = [0.3, 0.2];
    const [alongX, alongY, grad] = await evaluateLarge("deep.ts", [`f_dual(${x}, ${y}, 1, 0)`, `f_dual(${x}, ${y}, 0, 1)`, `f_grad(${x}, ${y})`]);
    // The same chain over dual numbers, by hand.
    const directions: [number, number, number[], number][] = [[1, 0, alongX, grad[1]], [0, 1, alongY, grad[2]]];
    for (const [dx, dy, got, g] of directions) {
      let v = x, d: number = dx;
      for (let i = 0; i < DEPTH; i++) {
        if (i % 2) [v, d] = [Math.sin(v + y), Math.cos(v + y) * (d + dy)];
        else [v, d] = [v * 0.999 + x, d * 0.999 + dx];
      }
      expect(got[0]).toBe(v);
      expect(relErr(got[1], d)).toBeLessThan(1e-12);
      expect(relErr(g, d)).toBeLessThan(1e-12);
    }
  });

  it(`a file of ${FUNCTIONS} annotated functions`, async () => {
    const m = await load<Record<string, (...a: number[]) => number[]>>("many.ts");
    for (const i of [0, 999, FUNCTIONS - 1]) {
      const [x, y] = [0.4, 1.1];
      const a = x * y + i;
      const e = Math.exp(Math.sin(a));
      expect(relErr(m[`f${i}_dual`](x, y, 1, 0)[1], e + x * e * Math.cos(a) * y)).toBeLessThan(1e-12);
      expect(relErr(m[`f${i}_grad`](x, y)[2], x * e * Math.cos(a) * x)).toBeLessThan(1e-12);
    }
  });

  it("names that collide with generated ones", async () => {
    const text = readFileSync(join(dir, "out", "names.ts"), "utf8");
    expect(text).toContain("export function f_dual(): number {");
    const m = await load<{ f_dual: () => number; f_dual2: (x: number, dx: number, dx2: number, ddx: number) => Pair }>("names.ts");
    expect(m.f_dual()).toBe(0);
    // f = t sin t with t = x·dx: ∂f/∂x = (sin t + t cos t)·dx
    const [x, dx] = [0.8, 1.7];
    const t = x * dx;
    expect(relErr(m.f_dual2(x, dx, 1, 0)[1], (Math.sin(t) + t * Math.cos(t)) * dx)).toBeLessThan(1e-14);
  });

  it("a parameter named like the reverse-mode tape", async () => {
    const m = await load<{ g_grad: (x: number, tape: number) => [number, number, number]; g_dual: (x: number, tape: number, dx: number, dtape: number) => Pair }>("tape-name.ts");
    const [, gx, gtape] = m.g_grad(0.6, 0.3);
    expect(relErr(gx, m.g_dual(0.6, 0.3, 1, 0)[1])).toBeLessThan(1e-12);
    expect(relErr(gtape, m.g_dual(0.6, 0.3, 0, 1)[1])).toBeLessThan(1e-12);
  });

  it("unicode identifiers and shadowing", async () => {
    const m = await load<{ g_dual: (a: number, b: number, da: number, db: number) => Pair }>("unicode.ts");
    const [a, b] = [0.5, 1.5];
    expect(m.g_dual(a, b, 1, 0)).toEqual([(a * b) ** 2 + a + 9 * a, 2 * a * b * b + 10]);
    expect(m.g_dual(a, b, 0, 1)[1]).toBe(2 * a * a * b);
  });

  it("mutual recursion: even(2, x) = sin(x²)", async () => {
    const m = await load<{ even_dual: (n: number, x: number, dx: number) => Pair; even_grad: (n: number, x: number) => [number, number] }>("mutual.ts");
    const x = 0.7;
    expect(m.even_dual(2, x, 1)).toEqual([Math.sin(x * x), Math.cos(x * x) * (x + x)]);
    expect(relErr(m.even_grad(2, x)[1], 2 * x * Math.cos(x * x))).toBeLessThan(1e-15);
  });

  it("an import cycle: a(x, 1) = sin(2x)", async () => {
    const m = await load<{ a_dual: (x: number, n: number, dx: number) => Pair; a_grad: (x: number, n: number) => [number, number] }>("cycle/a.ts");
    expect(m.a_dual(0.4, 1, 1)).toEqual([Math.sin(0.8), 2 * Math.cos(0.8)]);
    expect(relErr(m.a_grad(0.4, 1)[1], 2 * Math.cos(0.8))).toBeLessThan(1e-15);
  });
});
