/**
 * The call-site API: `grad(f)`, `jvp(f)`, `vjp(f)`, `jacobian(f)`, `hessian(f)`, `hvp(f)`, `valueAndGrad(f)`,
 * typed from `f`'s own signature.
 *
 * Two ways the derivative gets there, one API:
 * - with the ts-patch plugin (`adc-ts/transformer`) a call `grad(f)` compiles to `f_grad` itself,
 *   so nothing here runs;
 * - with `adc transform` output, each generated module registers its derivatives
 *   (`registerDerivatives(f, {...})`) and these functions look them up.
 *
 * The types assume what the compiler assumes without `wrt=`: every parameter typed `number`,
 * `number[]`, `readonly number[]` or `Float64Array` is active. For a function tagged `wrt=...`, pass
 * the active parameters' types as the second type argument: `grad<typeof f, [number]>(f)`.
 */
import { registeredDerivatives, type AnyFunction, type DerivativeKind } from "./runtime/registry.js";

/** A value the compiler differentiates with respect to. */
export type ActiveValue = number | number[] | readonly number[] | Float64Array;

/** The shape of a tangent or adjoint of a value of type T (read-only arrays get writable ones). */
export type Shaped<T> = [T] extends [number] ? number : [T] extends [Float64Array] ? Float64Array : number[];

type IsActive<T> = [T] extends [number] ? true : [T] extends [Float64Array] ? true : [T] extends [readonly number[]] ? true : false;

/** The active parameters of a parameter list, each as the shape of its tangent or adjoint. */
export type ActiveParams<P extends readonly unknown[]> = P extends readonly []
  ? []
  : number extends P["length"]
    ? [] // a rest parameter: the compiler rejects it (ADC1006)
    : P extends readonly [infer Head, ...infer Rest]
      ? IsActive<Head> extends true
        ? [Shaped<Head>, ...ActiveParams<Rest>]
        : ActiveParams<Rest>
      : P extends readonly [(infer Head)?, ...infer Rest]
        ? IsActive<Head> extends true
          ? [Shaped<Head>?, ...ActiveParams<Rest>]
          : ActiveParams<Rest>
        : [];

/** A function the compiler can differentiate: it returns a number or an array of numbers. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DifferentiableFunction = (...args: any[]) => number | number[] | Float64Array;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ScalarFunction = (...args: any[]) => number;

/** `f_dual`: all parameters, then one tangent per active parameter; returns `[value, tangent]`. */
export type Jvp<F extends DifferentiableFunction, Active extends readonly unknown[] = ActiveParams<Parameters<F>>> = (
  ...args: [...Parameters<F>, ...Active]
) => [ReturnType<F>, Shaped<ReturnType<F>>];

/** `f_grad`: `[value, g1, ..., gk]`, one gradient per active parameter, shaped like it. */
export type Grad<F extends ScalarFunction, Active extends readonly unknown[] = ActiveParams<Parameters<F>>> = (
  ...args: Parameters<F>
) => [number, ...Active];

/** `f_vjp`: all parameters, then the output's adjoint `ybar`; returns `[value, b1, ..., bk]`. */
export type Vjp<F extends DifferentiableFunction, Active extends readonly unknown[] = ActiveParams<Parameters<F>>> = (
  ...args: [...Parameters<F>, ybar: Shaped<ReturnType<F>>]
) => [ReturnType<F>, ...Active];

/** `f_jacobian`: `[value, J]`, one row per output, one column per active input element. */
export type Jacobian<F extends DifferentiableFunction> = (...args: Parameters<F>) => [ReturnType<F>, number[][]];

/** `f_hessian`: `[value, gradient, H]` over the flattened active inputs. */
export type Hessian<F extends ScalarFunction> = (...args: Parameters<F>) => [number, number[], number[][]];

/** `f_hvp`: all parameters, then one direction per active parameter; returns `[value, g1, ..., gk, Hv1, ..., Hvk]`. */
export type Hvp<F extends ScalarFunction, Active extends readonly unknown[] = ActiveParams<Parameters<F>>> = (
  ...args: [...Parameters<F>, ...Active]
) => [number, ...Active, ...Active];

/** `valueAndGrad(f)`: `[value, [g1, ..., gk]]`, the value apart from the gradients. */
export type ValueAndGrad<F extends ScalarFunction, Active extends readonly unknown[] = ActiveParams<Parameters<F>>> = (
  ...args: Parameters<F>
) => [number, Active];

/** The error thrown when a function has no derivative of the kind asked for. */
export class NotDifferentiatedError extends Error {
  override readonly name = "NotDifferentiatedError";
}

const API_NAME: Record<DerivativeKind, string> = { dual: "jvp", grad: "grad", vjp: "vjp", jacobian: "jacobian", hessian: "hessian", hvp: "hvp" };

function lookup(kind: DerivativeKind, f: AnyFunction): AnyFunction {
  if (typeof f !== "function") throw new TypeError(`${API_NAME[kind]}(f): f must be a function, got ${f === null ? "null" : typeof f}`);
  const name = f.name === "" ? "(anonymous function)" : f.name;
  const found = registeredDerivatives(f);
  const derivative = found?.[kind];
  if (derivative !== undefined) return derivative;
  const call = `${API_NAME[kind]}(${name})`;
  if (found === undefined)
    throw new NotDifferentiatedError(
      `${call}: ${name} was never differentiated. Put /** @differentiable */ right before \`function ${name}\`, then either ` +
        `run \`adc transform <src> --out <gen>\` and import ${name} from the generated module (which registers ${name}_${kind}), ` +
        `or build with tspc and { "transform": "adc-ts/transformer" } in compilerOptions.plugins.`,
    );
  const available = (Object.keys(found) as DerivativeKind[]).map((k) => `${API_NAME[k]}(${name})`).join(", ");
  const why =
    kind === "hessian" || kind === "hvp"
      ? `add the option: /** @differentiable hessian */ (${name} must return a number)`
      : kind === "grad"
        ? `grad needs ${name} to return a number; use vjp or jacobian for array results`
        : `this build of ${name} was generated without it; run adc transform again with this version of adc-ts`;
  throw new NotDifferentiatedError(`${call}: ${name} has no ${kind} derivative (${why}); available: ${available}`);
}

/**
 * The forward-mode derivative `f_dual`: `jvp(f)(x, y, dx, dy)` returns `[f(x, y), directional derivative]`.
 * @example const [value, tangent] = jvp(f)(1, 2, 1, 0); // ∂f/∂x at (1, 2)
 */
export function jvp<F extends DifferentiableFunction, Active extends readonly unknown[] = ActiveParams<Parameters<F>>>(f: F): Jvp<F, Active>;
export function jvp(f: AnyFunction, derivative?: AnyFunction): AnyFunction {
  return derivative ?? lookup("dual", f);
}

/**
 * The reverse-mode gradient `f_grad`: `grad(f)(x, y)` returns `[f(x, y), ∂f/∂x, ∂f/∂y]`.
 * @example const [value, dx, dy] = grad(f)(1, 2);
 */
export function grad<F extends ScalarFunction, Active extends readonly unknown[] = ActiveParams<Parameters<F>>>(f: F): Grad<F, Active>;
export function grad(f: AnyFunction, derivative?: AnyFunction): AnyFunction {
  return derivative ?? lookup("grad", f);
}

/** The vector-Jacobian product `f_vjp`: `vjp(f)(x, ybar)` returns `[f(x), ybarᵀ J]` per active parameter. */
export function vjp<F extends DifferentiableFunction, Active extends readonly unknown[] = ActiveParams<Parameters<F>>>(f: F): Vjp<F, Active>;
export function vjp(f: AnyFunction, derivative?: AnyFunction): AnyFunction {
  return derivative ?? lookup("vjp", f);
}

/** The Jacobian `f_jacobian`: `jacobian(f)(x)` returns `[f(x), J]`. */
export function jacobian<F extends DifferentiableFunction>(f: F): Jacobian<F>;
export function jacobian(f: AnyFunction, derivative?: AnyFunction): AnyFunction {
  return derivative ?? lookup("jacobian", f);
}

/** The Hessian `f_hessian` (tag `@differentiable hessian`): `hessian(f)(x)` returns `[f(x), gradient, H]`. */
export function hessian<F extends ScalarFunction>(f: F): Hessian<F>;
export function hessian(f: AnyFunction, derivative?: AnyFunction): AnyFunction {
  return derivative ?? lookup("hessian", f);
}

/**
 * The Hessian-vector product `f_hvp` (tag `@differentiable hessian`): `hvp(f)(x, y, vx, vy)` returns
 * `[f(x, y), ∂f/∂x, ∂f/∂y, (Hv)_x, (Hv)_y]`, without building H.
 */
export function hvp<F extends ScalarFunction, Active extends readonly unknown[] = ActiveParams<Parameters<F>>>(f: F): Hvp<F, Active>;
export function hvp(f: AnyFunction, derivative?: AnyFunction): AnyFunction {
  return derivative ?? lookup("hvp", f);
}

/**
 * `valueAndGrad(f)(x, y)` returns `[f(x, y), [∂f/∂x, ∂f/∂y]]`: the gradients apart, ready for an
 * optimiser that takes them as one list.
 */
export function valueAndGrad<F extends ScalarFunction, Active extends readonly unknown[] = ActiveParams<Parameters<F>>>(f: F): ValueAndGrad<F, Active>;
export function valueAndGrad(f: AnyFunction, derivative?: AnyFunction): AnyFunction {
  const gradient = derivative ?? lookup("grad", f);
  return (...args: unknown[]) => {
    const result = gradient(...args) as unknown[];
    return [result[0], result.slice(1)];
  };
}
