/**
 * Where `grad(f)`, `jvp(f)`, ... find the derivatives of `f` when the code was made by
 * `adc transform`: every generated module ends with a `registerDerivatives(f, { dual: f_dual, ... })`
 * call. (With the ts-patch plugin those calls compile to direct references and never look here.)
 */

/** The derivative kinds the compiler generates, by the suffix of their generated name. */
export type DerivativeKind = "dual" | "grad" | "vjp" | "jacobian" | "hessian" | "hvp";

// The widest function type: every derivative has its own parameter list, checked by the API's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFunction = (...args: any[]) => any;

export type Derivatives = Partial<Record<DerivativeKind, AnyFunction>>;

/**
 * One registry per process, kept on globalThis under a registered symbol: a program that ends up with
 * two copies of adc-ts (a bundler duplicate, a linked checkout) still sees every registration.
 */
const REGISTRY_KEY = Symbol.for("adc-ts.derivatives");

function registry(): WeakMap<AnyFunction, Derivatives> {
  const holder = globalThis as { [REGISTRY_KEY]?: WeakMap<AnyFunction, Derivatives> };
  return (holder[REGISTRY_KEY] ??= new WeakMap());
}

/** Record the generated derivatives of `primal`; generated modules call this once per annotated function. */
export function registerDerivatives(primal: AnyFunction, derivatives: Derivatives): void {
  const map = registry();
  map.set(primal, { ...map.get(primal), ...derivatives });
}

/** The derivatives registered for `primal`, if any. */
export function registeredDerivatives(primal: AnyFunction): Derivatives | undefined {
  return registry().get(primal);
}
