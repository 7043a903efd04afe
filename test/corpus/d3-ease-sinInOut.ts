/**
 * Library: d3-ease (v1), src/sin.js at commit 80c481cffa4629e1c693f3473db6b8aa96f27663
 * https://github.com/d3/d3-ease/blob/80c481cffa4629e1c693f3473db6b8aa96f27663/src/sin.js
 * License: BSD-3-Clause. Copyright 2010-2016 Mike Bostock. All rights reserved.
 * Changed: the differentiable JSDoc tag and parameter types; the other exports of the file left out.
 */
var pi = Math.PI,
    halfPi = pi / 2;

/** @differentiable */
export function sinInOut(t: number) {
  return (1 - Math.cos(pi * t)) / 2;
};
