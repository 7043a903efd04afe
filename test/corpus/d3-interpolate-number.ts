/**
 * Library: d3-interpolate, src/number.js at commit a3af957ef3f314aa90d935b8abeaf4e1e585545f
 * https://github.com/d3/d3-interpolate/blob/a3af957ef3f314aa90d935b8abeaf4e1e585545f/src/number.js
 * License: BSD-3-Clause. Copyright 2010-2016 Mike Bostock. All rights reserved.
 * Changed: the differentiable JSDoc tag and parameter types; `export default function(a, b)` named
 * `interpolateNumber` (the name d3 exports it under) so it can be tagged and imported.
 */
/** @differentiable */
export function interpolateNumber(a: number, b: number) {
  return a = +a, b -= a, function(t: number) {
    return a + b * t;
  };
};
