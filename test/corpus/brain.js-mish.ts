/**
 * Library: brain.js (v2), src/activation/mish.ts at commit f32c5256f9d6b91ad8e441eb7aec47192c115b58
 * https://github.com/BrainJS/brain.js/blob/f32c5256f9d6b91ad8e441eb7aec47192c115b58/src/activation/mish.ts
 * License: MIT. Copyright (c) 2010 Heather Arthur
 * Changed: the differentiable JSDoc tag (with hessian); the file's other export (`measure`, the
 * hand-written derivative) left out.
 */
/**
 * mish activation
 */
/** @differentiable hessian */
export function activate(weight: number): number {
  return (
    (weight *
      (Math.exp(Math.log(1 + Math.exp(weight))) -
        Math.exp(-Math.log(1 + Math.exp(weight))))) /
    (Math.exp(Math.log(1 + Math.exp(weight))) +
      Math.exp(-Math.log(1 + Math.exp(weight))))
  );
}
