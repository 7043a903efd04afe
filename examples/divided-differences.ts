/**
 * The lecture's figure: the error of divided differences against the step h, beside the error of
 * forward-mode AD. The forward difference (f(x+h) - f(x))/h loses to truncation (error ~ h) for large h
 * and to cancellation (error ~ eps/h) for small h, so that its best is about sqrt(eps) ~ 1e-8 at
 * h ~ 1e-8; the central difference is best near h ~ 1e-5, about 1e-11; `_dual` has no h and is exact
 * up to the rounding of its own arithmetic.
 *
 * Errors are measured against the exact derivative at the floating-point x, computed in BigInt fixed
 * point, so that the error of `_dual` is a true error rather than a comparison of two roundings.
 */
import { renderVegaLiteSvg } from "adc-ts/gmm";
import { cube, cube_dual, sine, sine_dual } from "./gen/divided-differences.js";
import { roundSvgCoordinates } from "./svg.js";

/** Steps 1e-1, 1e-2, ..., 1e-16. */
export const STEPS: readonly number[] = Array.from({ length: 16 }, (_, i) => Number(`1e-${i + 1}`));

export type Method = "forward difference" | "central difference" | "forward mode (_dual)";
export const METHODS: readonly Method[] = ["forward difference", "central difference", "forward mode (_dual)"];

export interface ErrorPoint {
  readonly h: number;
  readonly method: Method;
  /** |approximation - f'(x)| / |f'(x)|. */
  readonly relativeError: number;
}

export interface FunctionErrors {
  readonly name: string;
  readonly x: number;
  /** f'(x) rounded to a double. */
  readonly derivative: number;
  readonly points: readonly ErrorPoint[];
}

const FRACTION_BITS = 256n;
const ONE = 1n << FRACTION_BITS;

/** The double x as an exact fixed-point BigInt x * 2^256 (exact: scaling by 2^256 does not round, and the result is an integer for |x| >= 2^-200). */
function toFixed(x: number): bigint {
  return BigInt(x * 2 ** Number(FRACTION_BITS));
}

function fixedToNumber(v: bigint): number {
  // Keep 64 significant bits before the conversion so that Number() does not overflow.
  const shift = BigInt(Math.max(0, v.toString(2).length - 64));
  return Number(v >> shift) * 2 ** Number(shift - FRACTION_BITS);
}

/** 3 x^2 at the double x, exactly. */
function exactCubeDerivative(x: number): bigint {
  const fx = toFixed(x);
  return (3n * fx * fx) >> FRACTION_BITS;
}

/** cos x at the double x by its Taylor series in fixed point (|x| <= 2: 60 terms leave far less than 2^-200). */
function exactSineDerivative(x: number): bigint {
  const fx = toFixed(x);
  const x2 = (fx * fx) >> FRACTION_BITS;
  let term = ONE;
  let sum = ONE;
  for (let k = 1; k <= 60; k++) {
    term = -((term * x2) >> FRACTION_BITS) / BigInt((2 * k - 1) * (2 * k));
    sum += term;
  }
  return sum;
}

/** |approximation - exact| / |exact|, the subtraction done exactly. */
function relativeErrorAgainst(exact: bigint, approximation: number): number {
  const difference = toFixed(approximation) - exact;
  return Math.abs(fixedToNumber(difference)) / Math.abs(fixedToNumber(exact));
}

function errorsOf(name: string, f: (x: number) => number, fDual: (x: number, dx: number) => [number, number], exact: bigint, x: number): FunctionErrors {
  const points: ErrorPoint[] = [];
  const [, dualDerivative] = fDual(x, 1);
  for (const h of STEPS) {
    points.push({ h, method: "forward difference", relativeError: relativeErrorAgainst(exact, (f(x + h) - f(x)) / h) });
    points.push({ h, method: "central difference", relativeError: relativeErrorAgainst(exact, (f(x + h) - f(x - h)) / (2 * h)) });
    points.push({ h, method: "forward mode (_dual)", relativeError: relativeErrorAgainst(exact, dualDerivative) });
  }
  return { name, x, derivative: fixedToNumber(exact), points };
}

/** The errors of the three methods for x^3 and sin x, both at x = 0.7 (not a binary fraction, so nothing is exact by luck). */
export function dividedDifferenceErrors(x = 0.7): FunctionErrors[] {
  return [
    errorsOf("f(x) = x³", cube, cube_dual, exactCubeDerivative(x), x),
    errorsOf("f(x) = sin x", sine, sine_dual, exactSineDerivative(x), x),
  ];
}

/** The smallest error a value can be drawn at on the log scale (an exact 0 would vanish from the plot). */
export const ERROR_FLOOR = 1e-18;

/** The log-log figure: one panel per function, error against h for each method. */
export async function dividedDifferencesFigure(results: readonly FunctionErrors[]): Promise<string> {
  const values = results.flatMap((r) =>
    r.points.map((p) => ({ function: r.name, h: p.h, method: p.method, error: Math.max(p.relativeError, ERROR_FLOOR) })),
  );
  const exponentLabel = "'1e' + format(log(datum.value) / log(10), 'd')";
  const svg = await renderVegaLiteSvg({
    background: "white",
    title: { text: "Divided differences versus forward-mode AD", subtitle: `relative error of f'(x) at x = ${results[0].x}` },
    data: { values },
    facet: { field: "function", type: "nominal", title: null, sort: results.map((r) => r.name) },
    columns: 2,
    spec: {
      width: 320,
      height: 260,
      mark: { type: "line", point: true, strokeWidth: 2 },
      encoding: {
        x: {
          field: "h",
          type: "quantitative",
          title: "step h",
          scale: { type: "log", reverse: true },
          axis: { values: STEPS.filter((_, i) => i % 3 === 0), labelExpr: exponentLabel },
        },
        y: {
          field: "error",
          type: "quantitative",
          title: "|approximation − f′(x)| / |f′(x)|",
          scale: { type: "log", domain: [ERROR_FLOOR, 10] },
          axis: { values: [1e-18, 1e-15, 1e-12, 1e-9, 1e-6, 1e-3, 1], labelExpr: exponentLabel },
        },
        color: { field: "method", type: "nominal", title: null, scale: { domain: [...METHODS] }, legend: { orient: "bottom", labelLimit: 400 } },
      },
    },
  });
  return roundSvgCoordinates(svg);
}

export function main(log: (line: string) => void = console.log): FunctionErrors[] {
  const results = dividedDifferenceErrors();
  for (const r of results) {
    log(`${r.name} at x = ${r.x}: f'(x) = ${r.derivative}; relative error of each method`);
    log(`  ${"h".padEnd(7)}${METHODS.map((m) => m.padStart(22)).join("")}`);
    for (const h of STEPS) {
      const row = METHODS.map((m) => r.points.find((p) => p.h === h && p.method === m)!.relativeError.toExponential(2).padStart(22));
      log(`  ${h.toExponential(0).padEnd(7)}${row.join("")}`);
    }
  }
  return results;
}
