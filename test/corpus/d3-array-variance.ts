/**
 * Library: d3-array (v1), src/variance.js at commit 94230179675765d170d4a5c275bfec7cca17af1e
 * https://github.com/d3/d3-array/blob/94230179675765d170d4a5c275bfec7cca17af1e/src/variance.js
 * License: BSD-3-Clause. Copyright 2010-2016 Mike Bostock. All rights reserved.
 * Changed: the differentiable JSDoc tag and types; `export default function(array, f)` named
 * `variance` (the name d3 exports it under); the helper `number` (src/number.js) copied in.
 */
function number(x: any) {
  return x === null ? NaN : +x;
};

/** @differentiable */
export function variance(array: number[], f?: (d: number, i: number) => number) {
  var n = array.length,
      m = 0,
      a,
      d,
      s = 0,
      i = -1,
      j = 0;

  if (arguments.length === 1) {
    while (++i < n) {
      if (!isNaN(a = number(array[i]))) {
        d = a - m;
        m += d / ++j;
        s += d * (a - m);
      }
    }
  }

  else {
    while (++i < n) {
      if (!isNaN(a = number(f!.call(array, array[i], i)))) {
        d = a - m;
        m += d / ++j;
        s += d * (a - m);
      }
    }
  }

  if (j > 1) return s / (j - 1);
};
