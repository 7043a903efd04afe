/**
 * Library: brain.js (v2), src/utilities/mse.ts at commit 4ecfd14288d3dc44cc5a22ce12ce73cbd8710a08
 * https://github.com/BrainJS/brain.js/blob/4ecfd14288d3dc44cc5a22ce12ce73cbd8710a08/src/utilities/mse.ts
 * License: MIT. Copyright (c) 2010 Heather Arthur
 * Changed: the differentiable JSDoc tag only (the file is TypeScript already).
 */
/** @differentiable */
export function mse(errors: Float32Array | number[]): number {
  // mean squared error
  let sum = 0;
  for (let i = 0; i < errors.length; i++) {
    sum += errors[i] ** 2;
  }
  return sum / errors.length;
}
