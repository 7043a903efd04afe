/**
 * Library: d3-ease (v3), src/bounce.js at commit 3fa102282e7d608c5eaf2c2d1198f0a0fc04a80a
 * https://github.com/d3/d3-ease/blob/3fa102282e7d608c5eaf2c2d1198f0a0fc04a80a/src/bounce.js
 * License: ISC (d3-ease v3; earlier versions BSD-3-Clause). Copyright 2010-2021 Mike Bostock.
 * Changed: the differentiable JSDoc tag and parameter types; the other exports of the file left out.
 */
var b1 = 4 / 11,
    b2 = 6 / 11,
    b3 = 8 / 11,
    b4 = 3 / 4,
    b5 = 9 / 11,
    b6 = 10 / 11,
    b7 = 15 / 16,
    b8 = 21 / 22,
    b9 = 63 / 64,
    b0 = 1 / b1 / b1;

/** @differentiable */
export function bounceOut(t: number) {
  return t < b1 ? b0 * t * t : t < b3 ? b0 * (t -= b2) * t + b4 : t < b6 ? b0 * (t -= b5) * t + b7 : b0 * (t -= b8) * t + b9;
}
