/** `adc-ts`: the call-site API (`grad(f)`, `jvp(f)`, ...) and the version. */
export { VERSION } from "./version.js";
export {
  grad,
  jvp,
  vjp,
  jacobian,
  hessian,
  hvp,
  valueAndGrad,
  NotDifferentiatedError,
  type ActiveValue,
  type ActiveParams,
  type Shaped,
  type DifferentiableFunction,
  type ScalarFunction,
  type Jvp,
  type Grad,
  type Vjp,
  type Jacobian,
  type Hessian,
  type Hvp,
  type ValueAndGrad,
} from "./api.js";
export { registerDerivatives, type DerivativeKind, type Derivatives } from "./runtime/registry.js";
