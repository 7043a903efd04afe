/**
 * Library: brain.js (v2), src/activation/leaky-relu.ts at commit 0ea3a5d39628c150815d17c50a560cfbdba53a72
 * https://github.com/BrainJS/brain.js/blob/0ea3a5d39628c150815d17c50a560cfbdba53a72/src/activation/leaky-relu.ts
 * License: MIT. Copyright (c) 2010 Heather Arthur
 * Changed: the differentiable JSDoc tag; the file's other export (`measure`) left out.
 */
/**
 * Leaky Relu Activation, aka Leaky Rectified Linear Unit Activation
 * @description https://en.wikipedia.org/wiki/Rectifier_(neural_networks)
 */
/** @differentiable */
export function activate(weight: number): number {
  return weight > 0 ? weight : 0.01 * weight;
}
