/**
 * Library: d3-ease (v1), src/poly.js at commit 3ebcac156311c49d2bcebd067d9e66cb96b8bfac
 * https://github.com/d3/d3-ease/blob/3ebcac156311c49d2bcebd067d9e66cb96b8bfac/src/poly.js
 * License: BSD-3-Clause. Copyright 2010-2016 Mike Bostock. All rights reserved.
 * Changed: the differentiable JSDoc tag and parameter types; the other exports of the file left out.
 */
/** @differentiable */
export function polyIn(t: number, e?: number) {
  if (e == null) e = 3;
  return Math.pow(t, e);
};
