/**
 * The differentiated intrinsics for people who write derivatives by hand: the rule table the compiler
 * uses, evaluated on numbers. `intrinsics.sin.value(x)`, `intrinsics.sin.partials(x)`, or the forward
 * step `dualOf("sin", [x], [dx])` → `[sin x, cos x · dx]`.
 */
import { numberAlgebra, rules, type Rule } from "./rules.js";

export interface Intrinsic {
  readonly name: string;
  readonly rule: Rule;
  value(...args: number[]): number;
  /** ∂ result / ∂ argument i, for every argument. */
  partials(...args: number[]): number[];
}

const mathFn = (name: string): ((...xs: number[]) => number) =>
  (Math as unknown as Record<string, (...xs: number[]) => number>)[name];

export const intrinsics: Readonly<Record<string, Intrinsic>> = Object.fromEntries(
  Object.entries(rules).map(([name, rule]) => {
    const f = mathFn(name);
    const intrinsic: Intrinsic = {
      name,
      rule,
      value: (...args) => f(...args),
      partials: (...args) => rule.partials(numberAlgebra, args, f(...args)),
    };
    return [name, intrinsic];
  }),
);

/** Forward mode of one intrinsic: `[value, Σ ∂f/∂x_i · dx_i]`. */
export function dualOf(name: string, args: readonly number[], tangents: readonly number[]): [number, number] {
  const intrinsic = intrinsics[name];
  if (intrinsic === undefined) throw new Error(`Math.${name} has no derivative rule`);
  const value = intrinsic.value(...args);
  const partials = intrinsic.rule.partials(numberAlgebra, args, value);
  let tangent = 0;
  for (let i = 0; i < partials.length; i++) if (tangents[i] !== 0) tangent += partials[i] * tangents[i];
  return [value, tangent];
}
