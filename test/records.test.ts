/**
 * Records (objects of numbers) in every mode: as parameters (`p: Vec`, interfaces and type aliases),
 * locals (object literals, shorthand, field reads and writes, destructuring, another name `const q = p`,
 * reassignment of the whole), results (f_dual), and passed to functions that read them. Derivatives
 * are checked against central differences over the record's number fields (tolerance 1e-6 relative),
 * f_dual against f_grad, f_hessian against differences of f_grad, and the generated code under
 * --strict. What stays out is a diagnostic with its code and position.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSources, compileWithText, relErr, type Compiled } from "./helpers/compile.js";
import { strictTypeErrors } from "./helpers/typecheck.js";
import { formatDiagnostic } from "../transformer/diagnostics.js";

type Fn = (...args: never[]) => unknown;
type Rec = Record<string, number | string>;
type Arg = number | Rec;

const source = `
interface Vec {
  x: number;
  y: number;
  label: string;
}
type V2 = { x: number; y: number };

function dot(a: V2, b: V2): number {
  return a.x * b.x + a.y * b.y;
}
function len(a: V2): number {
  return Math.sqrt(dot(a, a));
}

/** Local records: field writes, destructuring, shorthand, another name, helpers taking records. */
/** @differentiable hessian */
export function energy(p: Vec, k: number): number {
  const q = { x: p.x * k, y: p.y - k };
  q.x += q.y * 2;
  q.y *= q.x;
  const { x, y } = q;
  const r: V2 = { x, y: y + Math.sin(p.x) };
  const same = r;
  same.y -= 0.5 * k;
  return len(r) * dot(p, q) + x * y + (p.label === "double" ? 2 : 1) * r.y;
}

/** A record reassigned as a whole (a swap that reads its own fields) in a loop. */
/** @differentiable hessian */
export function rotate(a: V2, t: number): number {
  let v = { x: a.x, y: a.y };
  for (let i = 0; i < 4; i++) {
    v = { x: Math.cos(t) * v.x - Math.sin(t) * v.y, y: Math.sin(t) * v.x + Math.cos(t) * v.y };
  }
  return v.x * v.x * 3 + v.y;
}

interface Body {
  x: number;
  y: number;
  vx: number;
  vy: number;
  m: number;
}

/** Two bodies, a few symplectic Euler steps under gravity, the final energy. */
/** @differentiable */
export function twoBody(a0: Body, b0: Body, dt: number): number {
  const a = { x: a0.x, y: a0.y, vx: a0.vx, vy: a0.vy, m: a0.m };
  const b = { x: b0.x, y: b0.y, vx: b0.vx, vy: b0.vy, m: b0.m };
  for (let s = 0; s < 3; s++) {
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const r2 = dx * dx + dy * dy;
    const f = 1 / (r2 * Math.sqrt(r2));
    a.vx += dt * dx * f * b.m;
    a.vy += dt * dy * f * b.m;
    b.vx -= dt * dx * f * a.m;
    b.vy -= dt * dy * f * a.m;
    a.x += dt * a.vx;
    a.y += dt * a.vy;
    b.x += dt * b.vx;
    b.y += dt * b.vy;
  }
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const kinetic = 0.5 * (a.m * (a.vx * a.vx + a.vy * a.vy) + b.m * (b.vx * b.vx + b.vy * b.vy));
  return kinetic - (a.m * b.m) / Math.sqrt(dx * dx + dy * dy);
}

/** Only the record: wrt=p. */
/** @differentiable wrt=p */
export function weighted(p: V2, w: number): number {
  return w * p.x * p.x + p.y / w;
}

/** An array result over a record: f_jacobian by columns. */
/** @differentiable */
export function polar(a: V2): number[] {
  const r = Math.sqrt(a.x * a.x + a.y * a.y);
  return [r, Math.atan2(a.y, a.x), a.x * a.y];
}

/** A record result: f_dual returns the record and its tangent (the number fields only). */
/** @differentiable */
export function scaled(p: Vec, k: number): Vec {
  const out = { x: p.x * k, y: Math.exp(p.y * k), label: p.label };
  return out;
}

function plus(a: V2, b: V2): V2 {
  return { x: a.x + b.x, y: a.y + b.y };
}
function times(a: V2, k: number): V2 {
  return { x: a.x * k, y: a.y * k };
}

/** Records returned by callees, read through their fields: f = r.x r.y + q.y, q = p + k p, r = q.x q. */
/** @differentiable hessian */
export function chained(p: V2, k: number): number {
  const q = plus(p, times(p, k));
  const r = times(q, q.x);
  return r.x * r.y + q.y;
}
`;

/** The number leaves of arguments, in order (a record's number fields in its key order). */
function flatten(args: readonly Arg[]): number[] {
  return args.flatMap((a) => (typeof a === "number" ? [a] : Object.values(a).filter((v): v is number => typeof v === "number")));
}

/** Arguments shaped like `like`, their number leaves taken from `flat`. */
function unflatten(flat: readonly number[], like: readonly Arg[]): Arg[] {
  let k = 0;
  return like.map((a) => (typeof a === "number" ? flat[k++] : Object.fromEntries(Object.entries(a).map(([key, v]) => [key, typeof v === "number" ? flat[k++] : v]))));
}

/** The gradient of `f` over the number leaves, by central differences with step h. */
function numericGradient(f: (...args: Arg[]) => number, args: readonly Arg[], h = 1e-6): number[] {
  const x = flatten(args);
  return x.map((_, i) => {
    const plus = x.slice();
    const minus = x.slice();
    plus[i] += h;
    minus[i] -= h;
    return (f(...unflatten(plus, args)) - f(...unflatten(minus, args))) / (2 * h);
  });
}

const close = (a: readonly number[], b: readonly number[], tol = 1e-6): void => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(relErr(v, b[i]), `entry ${i}: ${v} vs ${b[i]}`).toBeLessThan(tol));
};

let compiled: Compiled;
let m: Record<string, Fn>;
beforeAll(async () => {
  compiled = compileSources({ "records.ts": source });
  expect(compiled.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
  m = await compiled.load();
});
afterAll(() => compiled.cleanup());

const call = (name: string, ...args: unknown[]): unknown => (m[name] as unknown as (...a: unknown[]) => unknown)(...args);

const cases: readonly { readonly name: string; readonly args: readonly Arg[]; readonly hessian: boolean }[] = [
  { name: "energy", args: [{ x: 0.7, y: -1.3, label: "double" }, 0.9], hessian: true },
  { name: "energy", args: [{ x: -0.4, y: 0.8, label: "single" }, 1.7], hessian: true },
  { name: "rotate", args: [{ x: 0.6, y: -0.2 }, 0.35], hessian: true },
  { name: "chained", args: [{ x: 0.4, y: -0.9 }, 1.3], hessian: true },
  { name: "twoBody", args: [{ x: 0, y: 0, vx: 0.1, vy: -0.2, m: 2 }, { x: 1.1, y: 0.4, vx: -0.3, vy: 0.5, m: 0.7 }, 0.05], hessian: false },
];

describe("records in every mode, against central differences", () => {
  for (const c of cases) {
    const f = (...args: Arg[]): number => call(c.name, ...args) as number;
    const numbers = (args: readonly Arg[]): number[] => flatten(args);
    it(`${c.name}${JSON.stringify(c.args)}: f_grad returns each record's gradient as a record of its number fields`, () => {
      const [value, ...grads] = call(`${c.name}_grad`, ...c.args) as [number, ...Arg[]];
      expect(value).toBe(f(...c.args));
      // A record's gradient has exactly the record's number fields (no label).
      grads.forEach((g, i) => {
        const a = c.args[i];
        if (typeof a !== "number") expect(Object.keys(g as Rec).sort()).toEqual(Object.keys(a).filter((k) => typeof a[k] === "number").sort());
      });
      close(numbers(grads), numericGradient(f, c.args));
    });
    it(`${c.name}: f_dual in each direction is the gradient's dot product (f_dual as oracle for reverse), f_vjp scales it, f_jacobian is its row`, () => {
      const [, ...grads] = call(`${c.name}_grad`, ...c.args) as [number, ...Arg[]];
      const g = numbers(grads);
      const x = flatten(c.args);
      const direction = x.map((_, i) => Math.sin(1 + 2 * i));
      const tangents = unflatten(direction, c.args).map((t) => (typeof t === "number" ? t : Object.fromEntries(Object.entries(t).filter(([, v]) => typeof v === "number"))));
      const [v, dv] = call(`${c.name}_dual`, ...c.args, ...tangents) as [number, number];
      expect(v).toBe(f(...c.args));
      expect(relErr(dv, g.reduce((s, gi, i) => s + gi * direction[i], 0))).toBeLessThan(1e-12);
      const [, ...scaled] = call(`${c.name}_vjp`, ...c.args, -2.5) as [number, ...Arg[]];
      close(numbers(scaled), g.map((gi) => -2.5 * gi), 1e-12);
      const [, jac] = call(`${c.name}_jacobian`, ...c.args) as [number, number[][]];
      close(jac[0], g, 1e-12);
    });
    if (c.hessian)
      it(`${c.name}: f_hessian is the central difference of f_grad, flattened over the record's fields; f_hvp its product`, () => {
        const [, gradient, H] = call(`${c.name}_hessian`, ...c.args) as [number, number[], number[][]];
        const [, ...grads] = call(`${c.name}_grad`, ...c.args) as [number, ...Arg[]];
        close(gradient, numbers(grads), 1e-12);
        const x = flatten(c.args);
        x.forEach((_, j) => {
          const column = x.map((_, i) => numericGradient((...a: Arg[]) => numbers((call(`${c.name}_grad`, ...a) as Arg[]).slice(1))[i], c.args)[j]);
          close(H.map((row) => row[j]), column, 1e-5);
        });
        const v = x.map((_, i) => 0.5 - 0.3 * i);
        const dirs = unflatten(v, c.args).map((t) => (typeof t === "number" ? t : Object.fromEntries(Object.entries(t).filter(([, e]) => typeof e === "number"))));
        const out = call(`${c.name}_hvp`, ...c.args, ...dirs) as Arg[];
        const hv = numbers(out.slice(1 + c.args.length));
        close(hv, H.map((row) => row.reduce((s, h, j) => s + h * v[j], 0)), 1e-10);
      });
  }

  it("wrt=p: f_grad returns only p's gradient, { x: 2 w x, y: 1/w }", () => {
    expect(call("weighted_grad", { x: 1.5, y: 2 }, 4)).toEqual([4 * 1.5 * 1.5 + 2 / 4, { x: 2 * 4 * 1.5, y: 1 / 4 }]);
    expect(call("weighted_dual", { x: 1.5, y: 2 }, 4, { x: 1, y: 0 })).toEqual([4 * 1.5 * 1.5 + 2 / 4, 12]);
  });

  it("an array result over a record: f_jacobian's columns are the fields x, y (hand-derived)", () => {
    const [x, y] = [0.8, -0.6];
    const [value, jac] = call("polar_jacobian", { x, y }) as [number[], number[][]];
    expect(value).toEqual(call("polar", { x, y }));
    const r = Math.hypot(x, y);
    close(jac.flat(), [x / r, y / r, -y / (r * r), x / (r * r), y, x], 1e-12);
    const [, grad] = call("polar_vjp", { x, y }, [0, 0, 1]) as [number[], V2];
    expect(grad).toEqual({ x: y, y: x });
  });

  it("a record result: f_dual returns [record, tangent of its number fields]; the tangent against central differences", () => {
    const p = { x: 0.3, y: 0.9, label: "keep" };
    const [value, tangent] = call("scaled_dual", p, 1.2, { x: 1, y: 0 }, 0.5) as [Vec, V2];
    expect(value).toEqual(call("scaled", p, 1.2));
    expect(value.label).toBe("keep");
    expect(Object.keys(tangent)).toEqual(["x", "y"]);
    const h = 1e-6;
    const at = (s: number): Vec => call("scaled", { ...p, x: p.x + s }, 1.2 + 0.5 * s) as Vec;
    expect(relErr(tangent.x, (at(h).x - at(-h).x) / (2 * h))).toBeLessThan(1e-6);
    expect(relErr(tangent.y, (at(h).y - at(-h).y) / (2 * h))).toBeLessThan(1e-6);
    // f_vjp with a record ȳ: the row of each field; f_jacobian's rows are the fields x, y.
    const grad = (field: "x" | "y"): number[] => {
      const [, gp, gk] = call("scaled_vjp", p, 1.2, field === "x" ? { x: 1, y: 0 } : { x: 0, y: 1 }) as [Vec, V2, number];
      expect(Object.keys(gp)).toEqual(["x", "y"]);
      return [gp.x, gp.y, gk];
    };
    const ey = Math.exp(p.y * 1.2);
    close(grad("x"), [1.2, 0, p.x], 1e-15);
    close(grad("y"), [0, 1.2 * ey, p.y * ey], 1e-15);
    const [jv, J] = call("scaled_jacobian", p, 1.2) as [Vec, number[][]];
    expect(jv).toEqual(value);
    close(J.flat(), [...grad("x"), ...grad("y")], 1e-15);
    // No f_grad: the result is not a number.
    expect(m.scaled_grad).toBeUndefined();
  });

  it("generated code type-checks under --strict", () => {
    expect(strictTypeErrors([join(compiled.dir, "out", "records.ts")])).toEqual([]);
  });

  it("generated code has one variable per field of a local record, and no object per operation", () => {
    const text = compiled.outputs["records.ts"];
    const vjp = text.slice(text.indexOf("export function twoBody_vjp"), text.indexOf("export function twoBody_jacobian"));
    expect(vjp).toContain("let a_vx = a0.vx");
    expect(vjp).toContain("a_vx += dt * dx * f * b_m;");
    // The only object literals are the gradients returned.
    expect(vjp.split("\n").slice(1).filter((l) => /\{ \w+: /.test(l))).toEqual([
      "  return [value, { x: a0_b_x, y: a0_b_y, vx: a0_b_vx, vy: a0_b_vy, m: a0_b_m }, { x: b0_b_x, y: b0_b_y, vx: b0_b_vx, vy: b0_b_vy, m: b0_b_m }, dt_b];",
    ]);
  });
});

type V2 = { x: number; y: number };
type Vec = V2 & { label: string };

describe("the README's example and the golden fixture, in numbers", () => {
  it("kinetic (README): f_grad's record and f_jacobian's row [∂x, ∂y, ∂vx, ∂vy, ∂m, ∂dt], hand-derived", async () => {
    const c = compileSources({
      "input.ts": `interface Body { x: number; y: number; vx: number; vy: number; m: number; name: string }

/** @differentiable */
export function kinetic(b: Body, dt: number): number {
  const p = { x: b.x, y: b.y, vx: b.vx, vy: b.vy };
  p.x += dt * p.vx;
  const { x, y } = p;
  return 0.5 * b.m * (p.vx * p.vx + p.vy * p.vy) + x * y;
}`,
    });
    expect(c.diagnostics).toEqual([]);
    const mod = await c.load();
    c.cleanup();
    const b = { x: 1, y: 2, vx: 3, vy: 4, m: 5, name: "b" };
    const dt = 0.5;
    // f = m/2 (vx² + vy²) + (x + dt vx) y
    const x1 = b.x + dt * b.vx;
    const grad = { x: b.y, y: x1, vx: b.m * b.vx + dt * b.y, vy: b.m * b.vy, m: 0.5 * (b.vx * b.vx + b.vy * b.vy) };
    expect((mod.kinetic_grad as unknown as (b: unknown, dt: number) => unknown)(b, dt)).toEqual([0.5 * b.m * 25 + x1 * b.y, grad, b.vx * b.y]);
    expect((mod.kinetic_jacobian as unknown as (b: unknown, dt: number) => unknown)(b, dt)).toEqual([0.5 * b.m * 25 + x1 * b.y, [[grad.x, grad.y, grad.vx, grad.vy, grad.m, b.vx * b.y]]]);
  });

  it("fixtures/records: stepEnergy's f_grad against central differences; moved's f_dual against its hand-derived tangent", async () => {
    const c = compileSources({ "input.ts": readFileSync(join(import.meta.dirname, "..", "fixtures", "records", "input.ts"), "utf8") });
    const mod = await c.load();
    c.cleanup();
    const b0 = { x: 0.9, y: -0.4, vx: 0.2, vy: 0.7, m: 1.3, name: "b" };
    const f = (...a: Arg[]): number => (mod.stepEnergy as unknown as (...a: Arg[]) => number)(...a);
    const [, g, gdt] = (mod.stepEnergy_grad as unknown as (...a: Arg[]) => [number, Rec, number])(b0, 0.1);
    close(flatten([g, gdt]), numericGradient(f, [b0, 0.1]));
    const [p, t] = [{ x: 0.3, y: 1.1 }, 0.4];
    const [v, dv] = (mod.moved_dual as unknown as (...a: unknown[]) => [V2, V2])(p, t, { x: 1, y: 2 }, 0.5);
    expect(v).toEqual({ x: p.x + t * p.y, y: p.y * Math.cos(t) });
    // dx = dpx + dt py + t dpy, dy = dpy cos t - py sin t dt
    expect(relErr(dv.x, 1 + 0.5 * p.y + t * 2)).toBeLessThan(1e-15);
    expect(relErr(dv.y, 2 * Math.cos(t) - p.y * Math.sin(t) * 0.5)).toBeLessThan(1e-15);
  });
});

describe("found while testing records", () => {
  it("a callee inlined into a loop where its result initialises a let assigned again (fuzzer, --open records; with numbers too): the declaration stays let", async () => {
    const { m: mod } = await compileWithText<Record<string, (...a: number[]) => number[]>>(
      `function sq(a: number): number { return a * a; }
/** @differentiable */
export function f(x: number): number {
  let s = 0;
  for (let i = 0; i < 2; i++) {
    let y = sq(x);
    s += y;
    y = 3 * x;
    s += y;
  }
  return s;
}`,
      { strict: true },
    );
    close(mod.f_grad(1.5), [2 * (1.5 * 1.5 + 4.5), 2 * (2 * 1.5 + 3)], 1e-15);
  });

  it("a record declared again in a sibling block (fuzzer, --open records: it was ADC2017 'declared more than once'), shorthand { q }, and a record only reassigned whole (its fields were declared const)", async () => {
    const { m: mod } = await compileWithText<Record<string, (...a: number[]) => number[]>>(
      `function sum(r: { a: number; b: number }): number { return r.a + r.b; }
/** @differentiable */
export function f(x: number, y: number): number {
  let s = 0;
  {
    const rec1 = { a: x * y, b: 2 };
    rec1.b += rec1.a;
    s += rec1.b;
  }
  {
    let rec1 = { a: y, b: x };
    rec1 = { a: rec1.b, b: rec1.a * 3 };
    for (let i = 0; i < 2; i++) {
      let rec2 = { a: x };
      rec2 = { a: 0 };
      s += rec2.a;
    }
    const a = rec1.a;
    const b = rec1.b;
    s += sum({ a, b }) * rec1.a;
  }
  return s;
}`,
      { strict: true },
    );
    // s = (2 + x y) + (x + 3 y) x
    const [x, y] = [0.7, -1.1];
    close(mod.f_grad(x, y), [2 + x * y + (x + 3 * y) * x, y + 2 * x + 3 * y, x + 3 * x], 1e-15);
  });

  it("a number declared in a loop's body and again after the loop: the reverse sweep gets the loop's last value back (it was overwritten: f_grad was off by 1%)", async () => {
    const src = `/** @differentiable */
export function g(ax: number, bx: number): number {
  for (let s = 0; s < 3; s++) {
    const dx = bx - ax;
    ax += 0.1 * dx * dx;
  }
  const dx = bx - ax;
  return dx * ax;
}`;
    const c = compileSources({ "input.ts": src });
    const mod = await c.load<Record<string, (...a: number[]) => number[]>>();
    c.cleanup();
    const g = (a: number, b: number): number => mod.g(a, b) as unknown as number;
    const [, ga, gb] = mod.g_grad(0.3, 1.2);
    expect(relErr(ga, (g(0.3 + 1e-6, 1.2) - g(0.3 - 1e-6, 1.2)) / 2e-6)).toBeLessThan(1e-7);
    expect(relErr(gb, (g(0.3, 1.2 + 1e-6) - g(0.3, 1.2 - 1e-6)) / 2e-6)).toBeLessThan(1e-7);
  });
});

describe("what stays out of records is a diagnostic, never a wrong number", () => {
  const diagnosticsOf = (src: string): string[] => {
    const c = compileSources({ "input.ts": src });
    c.cleanup();
    return c.diagnostics.map((d) => `${d.pos!.line}:${d.pos!.col} ${d.code} ${d.message}`);
  };
  it("ADC2018: a field of a record parameter written (the caller's object), also through another name", () => {
    expect(diagnosticsOf("/** @differentiable */\nexport function f(p: { x: number }): number {\n  const q = p;\n  q.x = q.x * 2;\n  return q.x;\n}\n")).toEqual([
      "4:3 ADC2018 this writes the record parameter 'p', which is the caller's object; copy it into a local record first (const b = { x: p.x, ... })",
    ]);
  });
  it("ADC2017: a local record stored in an array is kept as data; its active fields are an error saying why", () => {
    const [first] = diagnosticsOf("/** @differentiable */\nexport function f(x: number): number {\n  const q = { a: x, b: 2 };\n  const all = [q];\n  return q.a * all.length;\n}\n");
    expect(first).toMatch(/^3:13 ADC2017 the record 'q' is kept as data, so it cannot hold a derivative: 'q' is used as a whole in `\[q\]`/);
  });
  it("ADC2017: a record passed to a function that writes it", () => {
    const [first] = diagnosticsOf("function bump(p: { a: number }): void { p.a += 1; }\n/** @differentiable */\nexport function f(x: number): number {\n  const q = { a: x };\n  bump(q);\n  return q.a;\n}\n");
    expect(first).toMatch(/^4:13 ADC2017 the record 'q' is kept as data, so it cannot hold a derivative: 'q' is passed to bump, which may keep or change it/);
  });
  it("ADC2019: a choice of two records passed as a whole in reverse mode (f_dual alone would take it)", () => {
    expect(diagnosticsOf("type V = { x: number; y: number };\nfunction sq(p: V): number { return p.x * p.y; }\n/** @differentiable */\nexport function f(p: V, q: V): number {\n  return sq(p.x > 0 ? p : q);\n}\n")).toEqual([
      "5:3 ADC2019 reverse mode does not take a record as a whole here yet (returned, or passed on); only forward mode (f_dual) does",
    ]);
  });
  it("ADC2017: a function's record result written (it may be another function's object)", () => {
    const [first] = diagnosticsOf("function mk(x: number): { a: number; b: number } { return { a: x, b: 2 * x }; }\n/** @differentiable */\nexport function f(x: number): number {\n  const q = mk(x);\n  q.a *= 2;\n  return q.a;\n}\n");
    expect(first).toMatch(/^4:13 ADC2017 the record 'q' is kept as data, so it cannot hold a derivative: 'q' holds a function's result and is written/);
  });
  it("an array of records is ADC1010 (its numbers would silently get no derivative), and reading it stays ADC2006", () => {
    const out = diagnosticsOf("interface B { x: number }\n/** @differentiable */\nexport function f(bodies: B[], t: number): number {\n  return bodies[0].x * t;\n}\n");
    expect(out[0]).toMatch(/^3:19 ADC1010 'bodies' holds numbers, but its type B\[\] is not/);
  });
});
