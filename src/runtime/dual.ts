/**
 * Dual numbers: forward mode by operator overloading, the approach the lecture contrasts with source
 * transformation. No compile step, so handy for quick experiments, at the price of one object per
 * operation (JavaScript has no operator overloading, so `a.mul(b)` stands for `a * b`). Intrinsics go
 * through the same rule table as the compiler (`dualMath.exp(x)`, `dualMath.atan2(y, x)`).
 */
import { numberAlgebra, rules } from "./rules.js";

export class Dual {
  /** `value + tangent ε`, with ε² = 0. */
  constructor(
    readonly value: number,
    readonly tangent = 0,
  ) {}

  /** A variable: its tangent is the direction of differentiation (1 by default). */
  static variable(value: number, tangent = 1): Dual {
    return new Dual(value, tangent);
  }

  static from(x: Dual | number): Dual {
    return typeof x === "number" ? new Dual(x, 0) : x;
  }

  add(b: Dual | number): Dual {
    return typeof b === "number" ? new Dual(this.value + b, this.tangent) : new Dual(this.value + b.value, this.tangent + b.tangent);
  }

  sub(b: Dual | number): Dual {
    return typeof b === "number" ? new Dual(this.value - b, this.tangent) : new Dual(this.value - b.value, this.tangent - b.tangent);
  }

  mul(b: Dual | number): Dual {
    return typeof b === "number"
      ? new Dual(this.value * b, this.tangent * b)
      : new Dual(this.value * b.value, this.tangent * b.value + this.value * b.tangent);
  }

  div(b: Dual | number): Dual {
    if (typeof b === "number") return new Dual(this.value / b, this.tangent / b);
    const q = this.value / b.value;
    return new Dual(q, (this.tangent - q * b.tangent) / b.value);
  }

  neg(): Dual {
    return new Dual(-this.value, -this.tangent);
  }

  pow(b: Dual | number): Dual {
    return dualMath.pow(this, b);
  }

  /** Comparisons look at values only (the derivative does not change which branch runs). */
  lt(b: Dual | number): boolean {
    return this.value < (typeof b === "number" ? b : b.value);
  }

  gt(b: Dual | number): boolean {
    return this.value > (typeof b === "number" ? b : b.value);
  }
}

/** A Math function on duals: value from Math, tangent Σ ∂f/∂x_i · dx_i with partials from the rule table. */
function lift(name: string): (...args: (Dual | number)[]) => Dual {
  const rule = rules[name];
  const f = (Math as unknown as Record<string, (...xs: number[]) => number>)[name];
  return (...args) => {
    const values = args.map((a) => (typeof a === "number" ? a : a.value));
    const value = f(...values);
    if (rule.zeroDerivative) return new Dual(value, 0);
    const partials = rule.partials(numberAlgebra, values, value);
    let tangent = 0;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (typeof a !== "number" && a.tangent !== 0) tangent += partials[i] * a.tangent;
    }
    return new Dual(value, tangent);
  };
}

/** Every Math function with a derivative rule, on duals. */
export const dualMath: Readonly<Record<string, (...args: (Dual | number)[]) => Dual>> = Object.fromEntries(
  Object.keys(rules).map((name) => [name, lift(name)]),
);
