/** `adc-ts/runtime`: what generated code and hand-written derivatives use at run time. */
export { rules, mathConstants, numberAlgebra, isMathFunction, type Algebra, type Rule, type Comparison } from "./rules.js";
export { intrinsics, dualOf, type Intrinsic } from "./intrinsics.js";
export { newton, newtonSystem, NewtonError, type NewtonOptions, type NewtonResult, type NewtonSystemResult } from "./newton.js";
export { Tape, tape } from "./tape.js";
export { Revolve, Checkpoints, type RevolveAction, type ForwardAction, type ReverseAction } from "./revolve.js";
export { registerDerivatives, registeredDerivatives, type DerivativeKind, type Derivatives } from "./registry.js";
export { Dual, dualMath } from "./dual.js";
