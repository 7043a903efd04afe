/**
 * Loops under `// @checkpoint`: f_grad and f_vjp by binomial checkpointing equal the taped version
 * (1e-12 relative) and central differences; the revolve schedule reverses every step once with the
 * number of recomputations the theory gives; the tape stays one iteration deep; what stays out is a
 * diagnostic with its code, position and reason; the generated code type-checks strictly.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileSources, compileWithText, relErr } from "./helpers/compile.js";
import { ADC } from "../transformer/diagnostics.js";
import { Checkpoints, Revolve, type RevolveAction } from "../src/runtime/revolve.js";
import { tape } from "../src/runtime/tape.js";

type Fn = (...args: never[]) => unknown;
type Module = Record<string, Fn>;

/** The module compiled with the pragma (strict type-check of the output) and without it. */
async function both(source: (pragma: string) => string, pragma: string): Promise<{ checkpointed: Module; taped: Module; text: string }> {
  const { m: checkpointed, text } = await compileWithText<Module>(source(pragma), { strict: true });
  const { m: taped } = await compileWithText<Module>(source(""));
  return { checkpointed, taped, text };
}

/** Every number in a (nested) result, in order. */
const flat = (v: unknown): number[] => (typeof v === "number" ? [v] : Array.isArray(v) || ArrayBuffer.isView(v) ? Array.from(v as ArrayLike<unknown>).flatMap(flat) : []);

function expectClose(a: unknown, b: unknown, tol = 1e-12): void {
  const x = flat(a);
  const y = flat(b);
  expect(x.length).toBe(y.length);
  x.forEach((v, i) => expect(relErr(v, y[i]), `entry ${i}: ${v} vs ${y[i]}`).toBeLessThanOrEqual(tol));
}

// A pendulum by explicit Euler: scalar state (x, v), a constant read in the body, the trip count a parameter.
const pendulum = (pragma: string): string => `
/** @differentiable wrt=x0,k */
export function pendulum(x0: number, k: number, n: number): number {
  let x = x0;
  let v = 0;
  const h = 0.01;
  ${pragma}
  for (let i = 0; i < n; i++) {
    const a = -k * Math.sin(x);
    x = x + h * v;
    v = v + h * a;
  }
  return x * x + v;
}
`;

// A tanh recurrence over a sequence (an RNN cell): array state, loops nested in the checkpointed body.
const rnn = (pragma: string): string => `
/** @differentiable wrt=w,h0 */
export function rnn(w: number[], h0: number[], xs: number[], n: number): number {
  const m = h0.length;
  const h = new Float64Array(m);
  for (let j = 0; j < m; j++) h[j] = h0[j];
  const next = new Float64Array(m);
  let loss = 0;
  ${pragma}
  for (let t = 0; t < n; t++) {
    for (let j = 0; j < m; j++) {
      let s = xs[t % xs.length];
      for (let k = 0; k < m; k++) s += w[j * m + k] * h[k];
      next[j] = Math.tanh(s);
    }
    for (let j = 0; j < m; j++) h[j] = next[j];
    loss += h[0] * h[0];
  }
  return loss;
}
`;

// The state returned: an array parameter integrated in place (Lotka-Volterra), an array result for _vjp.
const predators = (pragma: string): string => `
/** @differentiable wrt=p,a */
export function predators(p: number[], a: number, steps: number): number[] {
  const dt = 0.001;
  ${pragma}
  for (let s = 1; s <= steps; s++) {
    const prey = p[0];
    const pred = p[1];
    p[0] = prey + dt * (a * prey - prey * pred);
    p[1] = pred + dt * (prey * pred - pred);
  }
  return [p[0], p[1] * p[0]];
}
`;

const W = [0.3, -0.2, 0.5, 0.1, 0.2, -0.4, 0.3, 0.1, -0.2];

describe("checkpointed f_grad equals the taped one and central differences", () => {
  it("scalar state: a pendulum, every trip count from 0 and several snapshot counts", async () => {
    for (const pragma of ["snapshots=1", "snapshots=2", "snapshots=5", "", "snapshots=2 segment=4"]) {
      const { checkpointed, taped } = await both(pendulum, `// @checkpoint ${pragma}`);
      const grad = checkpointed.pendulum_grad as (x0: number, k: number, n: number) => number[];
      for (const n of [0, 1, 2, 3, 7, 40, 150]) {
        const g = grad(0.3, 2, n);
        expectClose(g, (taped.pendulum_grad as typeof grad)(0.3, 2, n));
        const f = checkpointed.pendulum as (x0: number, k: number, n: number) => number;
        const h = 1e-6;
        expect(g[0]).toBe(f(0.3, 2, n));
        expect(relErr(g[1], (f(0.3 + h, 2, n) - f(0.3 - h, 2, n)) / (2 * h))).toBeLessThan(1e-7);
        expect(relErr(g[2], (f(0.3, 2 + h, n) - f(0.3, 2 - h, n)) / (2 * h))).toBeLessThan(1e-7);
        expect(tape.isEmpty()).toBe(true);
      }
    }
  });

  it("array state with nested loops in the body: an RNN cell", async () => {
    for (const pragma of ["snapshots=1", "snapshots=3", "", "snapshots=2 segment=3"]) {
      const { checkpointed, taped } = await both(rnn, `// @checkpoint ${pragma}`);
      const grad = checkpointed.rnn_grad as (w: number[], h0: number[], xs: number[], n: number) => [number, number[], number[]];
      for (const n of [0, 1, 4, 25]) {
        const g = grad(W, [0.1, 0.2, 0.3], [0.5, -0.1], n);
        expectClose(g, (taped.rnn_grad as typeof grad)(W, [0.1, 0.2, 0.3], [0.5, -0.1], n));
        const f = checkpointed.rnn as (w: number[], h0: number[], xs: number[], n: number) => number;
        const h = 1e-6;
        for (let i = 0; i < W.length; i++) {
          const up = W.slice();
          const down = W.slice();
          up[i] += h;
          down[i] -= h;
          const fd = (f(up, [0.1, 0.2, 0.3], [0.5, -0.1], n) - f(down, [0.1, 0.2, 0.3], [0.5, -0.1], n)) / (2 * h);
          expect(Math.abs(g[1][i] - fd)).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd)));
        }
        expect(tape.isEmpty()).toBe(true);
      }
    }
  });

  it("_vjp of an array result, the state an array parameter written in place, counting from 1 with <=", async () => {
    for (const pragma of ["snapshots=4", "snapshots=3 segment=7"]) {
      const { checkpointed, taped } = await both(predators, `// @checkpoint ${pragma}`);
      const vjp = checkpointed.predators_vjp as (p: number[], a: number, steps: number, ybar: number[]) => [number[], number[], number];
      for (const steps of [0, 1, 9, 60]) {
        const got = vjp([1.2, 0.8], 1.1, steps, [0.7, -0.4]);
        expectClose(got, (taped.predators_vjp as typeof vjp)([1.2, 0.8], 1.1, steps, [0.7, -0.4]));
        const f = checkpointed.predators as (p: number[], a: number, steps: number) => number[];
        const h = 1e-6;
        const dot = (y: number[]): number => 0.7 * y[0] - 0.4 * y[1];
        const fd = (dot(f([1.2, 0.8], 1.1 + h, steps)) - dot(f([1.2, 0.8], 1.1 - h, steps))) / (2 * h);
        expect(relErr(got[2], fd)).toBeLessThan(1e-7);
        expect(got[0]).toEqual(f([1.2, 0.8], 1.1, steps));
      }
    }
  });

  it("counting down by 2, the index declared before the loop and read after it", async () => {
    const source = (pragma: string): string => `
/** @differentiable wrt=x */
export function down(x: number, n: number): number {
  let y = x;
  let i: number;
  ${pragma}
  for (i = n; i > 0; i -= 2) {
    y = Math.cos(y) + 0.1 * i * y;
  }
  return y * i;
}
`;
    for (const pragma of ["snapshots=2", "snapshots=2 segment=3"]) {
      const { checkpointed, taped } = await both(source, `// @checkpoint ${pragma}`);
      for (const n of [0, 1, 2, 7, 30]) {
        const g = (checkpointed.down_grad as (x: number, n: number) => number[])(0.4, n);
        expectClose(g, (taped.down_grad as (x: number, n: number) => number[])(0.4, n));
        const f = checkpointed.down as (x: number, n: number) => number;
        expect(g[0]).toBe(f(0.4, n));
        if (n > 0) expect(relErr(g[1], (f(0.4 + 1e-6, n) - f(0.4 - 1e-6, n)) / 2e-6)).toBeLessThan(1e-6);
      }
    }
  });

  it("an input the body reads only to branch, changed after the loop, is put back before the recomputation", async () => {
    const source = (pragma: string): string => `
/** @differentiable wrt=x */
export function clipped(x: number, n: number): number {
  let limit = 1.5;
  let y = x;
  ${pragma}
  for (let i = 0; i < n; i++) {
    if (y > limit) y = y * 0.5;
    else y = y * y + 0.3;
  }
  limit = 100;
  return y + limit;
}
`;
    const { checkpointed, taped, text } = await both(source, "// @checkpoint snapshots=2");
    expect(text).toContain("tape.push(limit);");
    for (const n of [1, 5, 12]) {
      const g = (checkpointed.clipped_grad as (x: number, n: number) => number[])(0.9, n);
      expectClose(g, (taped.clipped_grad as (x: number, n: number) => number[])(0.9, n));
      const f = checkpointed.clipped as (x: number, n: number) => number;
      expect(relErr(g[1], (f(0.9 + 1e-7, n) - f(0.9 - 1e-7, n)) / 2e-7)).toBeLessThan(1e-5);
    }
  });

  it("arrays the body only reads, written or re-pointed after the loop, are put back as they were", async () => {
    const source = (pragma: string): string => `
/** @differentiable wrt=x */
export function weights(x: number, n: number): number {
  const c = [0.5, -0.25];
  let d = [1.5, 2];
  let y = x;
  ${pragma}
  for (let i = 0; i < n; i++) {
    if (y > d[1]) y = y * c[i % 2];
    else y = y * y + c[0] + d[0];
  }
  c[0] = 100;
  d = [0, 0];
  return y + c[0] + d[1];
}
`;
    const { checkpointed, taped, text } = await both(source, "// @checkpoint snapshots=2 segment=2");
    expect(text).toContain("tape.pushAll(c);");
    expect(text).toContain("d = tape.popArray<number[]>();");
    for (const n of [1, 6, 15]) {
      const g = (checkpointed.weights_grad as (x: number, n: number) => number[])(0.9, n);
      expectClose(g, (taped.weights_grad as (x: number, n: number) => number[])(0.9, n));
      const f = checkpointed.weights as (x: number, n: number) => number;
      expect(relErr(g[1], (f(0.9 + 1e-7, n) - f(0.9 - 1e-7, n)) / 2e-7)).toBeLessThan(1e-5);
      expect(tape.isEmpty()).toBe(true);
    }
  });

  it("a checkpointed loop inside another loop: each schedule travels on the tape", async () => {
    const source = (pragma: string): string => `
/** @differentiable wrt=x */
export function outer(x: number, n: number): number {
  let y = x;
  let total = 0;
  for (let r = 0; r < 3; r++) {
    ${pragma}
    for (let i = 0; i < n; i++) y = Math.sin(y) + 0.5 * y;
    total += y * (r + 1);
  }
  return total;
}
`;
    const { checkpointed, taped, text } = await both(source, "// @checkpoint snapshots=2");
    expect(text).toContain("tape.popCheckpoints()");
    for (const n of [0, 1, 6]) {
      const g = (checkpointed.outer_grad as (x: number, n: number) => number[])(0.7, n);
      expectClose(g, (taped.outer_grad as (x: number, n: number) => number[])(0.7, n));
      expect(tape.isEmpty()).toBe(true);
    }
  });

  it("a callee in the body (its g_fwd/g_bwd in each turn) and the state returned as it is", async () => {
    const source = (pragma: string): string => `
function field(x: number, mu: number, out: number[]): number {
  out[0] = mu * Math.cos(x);
  return x * out[0];
}
/** @differentiable wrt=x,mu */
export function flow(x: number, mu: number, n: number): number {
  const buf = [0];
  ${pragma}
  for (let i = 0; i < n; i++) {
    const f = field(x, mu, buf);
    x = x + 0.01 * (f + buf[0]);
  }
  return x;
}
`;
    const { checkpointed, taped } = await both(source, "// @checkpoint snapshots=3 segment=2");
    for (const n of [0, 1, 5, 20]) {
      const g = (checkpointed.flow_grad as (x: number, mu: number, n: number) => number[])(0.4, 1.7, n);
      expectClose(g, (taped.flow_grad as (x: number, mu: number, n: number) => number[])(0.4, 1.7, n));
      const f = checkpointed.flow as (x: number, mu: number, n: number) => number;
      expect(g[0]).toBe(f(0.4, 1.7, n));
      expect(relErr(g[2], (f(0.4, 1.7 + 1e-6, n) - f(0.4, 1.7 - 1e-6, n)) / 2e-6)).toBeLessThan(1e-6);
      expect(tape.isEmpty()).toBe(true);
    }
  });

  it("a checkpointed loop in a branch, and one inside another checkpointed loop's body", async () => {
    const source = (pragma: string): string => `
/** @differentiable wrt=x */
export function nested(x: number, n: number, label: string): number {
  let y = x;
  let total = 0;
  if (n > 2) {
    ${pragma.replace("snapshots=2", "snapshots=3")}
    for (let r = 0; r < n; r++) {
      ${pragma}
      for (let i = 0; i < r; i++) {
        y = Math.sin(y) + 0.3 * y;
        console.log(label);
      }
      total += y * y;
    }
  }
  return total;
}
`;
    const log = console.log;
    console.log = () => undefined;
    try {
      const { checkpointed, taped } = await both(source, "// @checkpoint snapshots=2");
      for (const n of [1, 3, 8]) {
        const g = (checkpointed.nested_grad as (x: number, n: number, label: string) => number[])(0.6, n, "");
        expectClose(g, (taped.nested_grad as (x: number, n: number, label: string) => number[])(0.6, n, ""));
        const f = checkpointed.nested as (x: number, n: number, label: string) => number;
        if (n > 2) expect(relErr(g[1], (f(0.6 + 1e-6, n, "") - f(0.6 - 1e-6, n, "")) / 2e-6)).toBeLessThan(1e-6);
        expect(tape.isEmpty()).toBe(true);
      }
    } finally {
      console.log = log;
    }
  });

  it("for...of under the pragma, and jacobian, hessian and a callee (the last two tape the loop) agree", async () => {
    const source = (pragma: string): string => `
function step(x: number, c: number, n: number): number {
  let y = x;
  ${pragma}
  for (let i = 0; i < n; i++) y = y + 0.1 * Math.sin(c * y);
  return y;
}
/** @differentiable wrt=x,c hessian */
export function f(x: number, c: number, xs: number[]): number {
  let y = step(x, c, 5);
  ${pragma}
  for (const u of xs) y = y * Math.cos(u * c) + u;
  return y * y;
}
`;
    const { checkpointed, taped } = await both(source, "// @checkpoint snapshots=2");
    const xs = [0.3, -0.5, 0.9, 0.1];
    for (const name of ["f_grad", "f_jacobian", "f_hessian"]) expectClose((checkpointed[name] as (...a: unknown[]) => unknown)(0.4, 1.3, xs), (taped[name] as (...a: unknown[]) => unknown)(0.4, 1.3, xs));
  });
});

describe("fixtures/checkpoint", () => {
  it("its functions' gradients equal the taped ones and central differences", async () => {
    const input = readFileSync(join(import.meta.dirname, "..", "fixtures", "checkpoint", "input.ts"), "utf8");
    const { checkpointed, taped } = await both((pragma) => (pragma === "" ? input.replace(/\/\/ @checkpoint.*\n/g, "\n") : input), "on");
    const pendulum = (m: Module): ((x0: number, k: number, n: number) => number[]) => m.pendulum_grad as (x0: number, k: number, n: number) => number[];
    const g = pendulum(checkpointed)(0.2, 3, 500);
    expectClose(g, pendulum(taped)(0.2, 3, 500));
    const f = checkpointed.pendulum as (x0: number, k: number, n: number) => number;
    expect(relErr(g[2], (f(0.2, 3 + 1e-6, 500) - f(0.2, 3 - 1e-6, 500)) / 2e-6)).toBeLessThan(1e-6);
    const xs = Array.from({ length: 300 }, (_, t) => Math.sin(t / 7));
    const rnn = (m: Module): ((w: number[], h0: number[], xs: number[]) => [number, number[], number[]]) => m.rnn_grad as (w: number[], h0: number[], xs: number[]) => [number, number[], number[]];
    const r = rnn(checkpointed)(W, [0.1, 0.2, 0.3], xs);
    expectClose(r, rnn(taped)(W, [0.1, 0.2, 0.3], xs));
    const loss = checkpointed.rnn as (w: number[], h0: number[], xs: number[]) => number;
    const up = [0.1, 0.2 + 1e-6, 0.3];
    const down = [0.1, 0.2 - 1e-6, 0.3];
    expect(relErr(r[2][1], (loss(W, up, xs) - loss(W, down, xs)) / 2e-6)).toBeLessThan(1e-6);
    type Predators = (p: number[], a: number, steps: number) => [number, number[], number];
    const p = (checkpointed.predators_grad as Predators)([1.2, 0.8], 1.1, 1000);
    expectClose(p, (taped.predators_grad as Predators)([1.2, 0.8], 1.1, 1000));
    const lv = checkpointed.predators as (p: number[], a: number, steps: number) => number;
    expect(relErr(p[2], (lv([1.2, 0.8], 1.1 + 1e-6, 1000) - lv([1.2, 0.8], 1.1 - 1e-6, 1000)) / 2e-6)).toBeLessThan(1e-6);
  });
});

describe("memory: the tape holds one iteration, the snapshots a few states", () => {
  it("tape peak and snapshot bytes are bounded while the taped version grows with the trip count", async () => {
    const { checkpointed, taped } = await both(pendulum, "// @checkpoint snapshots=8");
    const peak = (m: Module, n: number): number => {
      tape.resetPeak();
      (m.pendulum_grad as (x0: number, k: number, n: number) => number[])(0.3, 2, n);
      return tape.peakBytes();
    };
    expect(peak(checkpointed, 10_000)).toBe(peak(checkpointed, 100));
    expect(peak(checkpointed, 10_000)).toBeLessThanOrEqual(64);
    expect(peak(taped, 10_000)).toBeGreaterThanOrEqual(8 * 10_000);
    // Snapshots: (8 + 1) slots of the state (x, v), in a buffer grown by doubling from 64 numbers.
    const cp = new Checkpoints(0, 1, 10_000, 8);
    for (let a = cp.forward(); a !== "done"; a = cp.forward()) if (a === "takeshot") (cp.save(1), cp.save(2));
    expect(cp.bytes()).toBe(64 * 8);
  });
});

describe("the revolve schedule", () => {
  const beta = (c: number, r: number): number => {
    if (r < 0) return 0;
    let b = 1;
    for (let i = 1; i <= r; i++) b = (b * (c + i)) / i;
    return b;
  };

  /** Runs the schedule on a counter standing for the state; returns what it did. */
  function simulate(steps: number, snapshots: number): { turns: number[]; advances: number; most: number } {
    const rv = new Revolve(steps, snapshots);
    let state = 0;
    const stored = new Map<number, number>();
    const turns: number[] = [];
    let advances = 0;
    let most = 0;
    for (let action: RevolveAction = rv.next(); action !== "terminate"; action = rv.next()) {
      if (action === "takeshot") stored.set(rv.check, state);
      else if (action === "restore") state = stored.get(rv.check)!;
      else if (action === "advance") {
        expect(state).toBe(rv.oldcapo);
        advances += rv.capo - state;
        state = rv.capo;
      } else {
        expect(state).toBe(rv.capo);
        turns.push(state);
      }
      expect(state).toBe(rv.capo);
      most = Math.max(most, rv.check + 1);
    }
    return { turns, advances, most };
  }

  it("reverses every step once, last first, with at most c snapshots and r·l − β(c+1, r−1) advances", () => {
    for (const c of [1, 2, 3, 5, 32])
      for (const l of [0, 1, 2, 3, 7, 10, 50, 100, 1000]) {
        const { turns, advances, most } = simulate(l, c);
        expect(turns).toEqual(Array.from({ length: l }, (_, i) => l - 1 - i));
        expect(most).toBeLessThanOrEqual(c);
        let r = 0;
        while (beta(c, r) < l) r++;
        expect(advances, `l=${l} c=${c}`).toBe(l === 0 ? 0 : r * l - beta(c + 1, r - 1));
      }
  });

  it("one snapshot recomputes quadratically, as many as steps once", () => {
    expect(simulate(100, 1).advances).toBe((100 * 99) / 2);
    expect(simulate(100, 100).advances).toBe(99);
  });

  it("Checkpoints: loop indices, the last iteration's state, states reloaded as saved", () => {
    // A state x_k = first + k*step after k iterations of `x += step`, checked at every turn.
    const first = 10;
    const step = -3;
    const steps = 23;
    const cp = new Checkpoints(first, step, steps, 3);
    let x = first;
    for (let a = cp.forward(); a !== "done"; a = cp.forward()) {
      if (a === "takeshot") cp.save(x);
      else for (let i = cp.from; i !== cp.to; i += step) x += step;
    }
    expect(x).toBe(first + steps * step);
    const turned: number[] = [];
    for (let a = cp.reverse(); a !== "done"; a = cp.reverse()) {
      if (a === "takeshot") cp.save(x);
      else if (a === "restore") x = cp.load();
      else if (a === "advance") for (let i = cp.from; i !== cp.to; i += step) x += step;
      else {
        expect(x).toBe(cp.from);
        turned.push(cp.from);
      }
    }
    expect(turned).toEqual(Array.from({ length: steps }, (_, k) => first + (steps - 1 - k) * step));
  });

  it("Checkpoints in segments: every index turned once, last segment first, the last one shorter", () => {
    const cp = new Checkpoints(5, 2, 11, 2, 4);
    expect(cp.steps).toBe(3);
    const advanced: number[] = [];
    for (let a = cp.forward(); a !== "done"; a = cp.forward()) if (a === "advance") for (let i = cp.from; i < cp.to; i += 2) advanced.push(i);
    expect(advanced).toEqual(Array.from({ length: 11 }, (_, k) => 5 + 2 * k));
    const turned: number[][] = [];
    for (let a = cp.reverse(); a !== "done"; a = cp.reverse()) if (a === "turn") turned.push([cp.from, cp.to]);
    expect(turned).toEqual([[21, 27], [13, 21], [5, 13]]);
  });

  it("refuses a trip count that is not a whole number, and takes NaN or a negative count as 0", () => {
    expect(() => new Revolve(2.5, 3)).toThrow(RangeError);
    expect(() => new Revolve(10, 0)).toThrow(RangeError);
    for (const steps of [Number.NaN, -4]) {
      const cp = new Checkpoints(0, 1, steps, 3);
      expect(cp.forward()).toBe("done");
      expect(cp.reverse()).toBe("done");
    }
  });
});

describe("what stays out of @checkpoint is a diagnostic", () => {
  const loop = (pragma: string, header: string, body: string, more = ""): string =>
    `/** @differentiable wrt=x */\nexport function f(x: number, n: number): number {\n  let y = x;\n  let flag = false;\n  const v = [x, x];\n  ${pragma}\n  ${header} {\n    ${body}\n  }\n${more}  return y + (flag ? 1 : 0) + v[0];\n}\n`;
  const cases: Record<string, { source: string; code: string; line: number; col: number; says: string }> = {
    unknownOption: { source: loop("// @checkpoint every=4", "for (let i = 0; i < n; i++)", "y = y * x;"), code: ADC.badCheckpoint, line: 6, col: 18, says: "unknown option 'every=4' after @checkpoint (known: snapshots=N, segment=K)" },
    zeroSegment: { source: loop("// @checkpoint segment=0", "for (let i = 0; i < n; i++)", "y = y * x;"), code: ADC.badCheckpoint, line: 6, col: 18, says: "segment=0: the number of iterations in a segment must be a whole number from 1 to 1000000" },
    zeroSnapshots: { source: loop("// @checkpoint snapshots=0", "for (let i = 0; i < n; i++)", "y = y * x;"), code: ADC.badCheckpoint, line: 6, col: 18, says: "snapshots=0: the number of snapshots must be a whole number from 1 to 1000000" },
    onWhile: { source: loop("// @checkpoint", "while (y < n)", "y = y * x;"), code: ADC.badCheckpoint, line: 6, col: 6, says: "@checkpoint must come right before a for loop, not a while loop" },
    breakInside: { source: loop("// @checkpoint", "for (let i = 0; i < n; i++)", "if (y > 3) break;\n    y = y * x;"), code: ADC.checkpointTripCount, line: 8, col: 16, says: "a break leaves the loop under @checkpoint early: its trip count must be known when it starts" },
    returnInside: { source: loop("// @checkpoint", "for (let i = 0; i < n; i++)", "if (y > 3) return y;\n    y = y * x;"), code: ADC.checkpointTripCount, line: 8, col: 16, says: "a return leaves the loop" },
    boundWritten: { source: loop("// @checkpoint", "for (let i = 0; i < n; i++)", "y = y * x;\n    n = n - 1;"), code: ADC.checkpointTripCount, line: 7, col: 3, says: "needs a trip count known when it starts: the body writes 'n', which the bound reads" },
    notCounted: { source: loop("// @checkpoint", "for (let i = 1; i < n; i *= 2)", "y = y * x;"), code: ADC.checkpointTripCount, line: 7, col: 3, says: "write it as for (let i = a; i < b; i++)" },
    activeBound: { source: loop("// @checkpoint", "for (let i = 0; i < x * 10; i++)", "y = y * x;"), code: ADC.checkpointTripCount, line: 7, col: 3, says: "its bound depends on the active parameters (leave them out with wrt=)" },
    booleanState: { source: loop("// @checkpoint", "for (let i = 0; i < n; i++)", "y = y * x;\n    flag = y > 2;"), code: ADC.checkpointState, line: 6, col: 6, says: "the loop under @checkpoint writes 'flag', which its snapshots cannot hold (only numbers and arrays of numbers)" },
    repointedArray: { source: loop("// @checkpoint", "for (let i = 0; i < n; i++)", "y = y * x;\n    v = [y, y];").replace("const v", "let v"), code: ADC.checkpointState, line: 9, col: 5, says: "makes 'v' name another array; its snapshots copy arrays in place: write its elements instead" },
  };
  for (const [name, c] of Object.entries(cases))
    it(`${name}: ${c.code} at ${c.line}:${c.col}`, () => {
      const compiled = compileSources({ "input.ts": c.source });
      try {
        expect(compiled.diagnostics.length).toBeGreaterThan(0);
        const [first] = compiled.diagnostics;
        expect({ code: first.code, line: first.pos?.line, col: first.pos?.col }).toEqual({ code: c.code, line: c.line, col: c.col });
        expect(first.message).toContain(c.says);
      } finally {
        compiled.cleanup();
      }
    });
});
