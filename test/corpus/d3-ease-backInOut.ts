/**
 * Library: d3-ease (v1), src/back.js at commit 0885bcbb3c82995c620a66e1b0714aa54222894f
 * https://github.com/d3/d3-ease/blob/0885bcbb3c82995c620a66e1b0714aa54222894f/src/back.js
 * License: BSD-3-Clause. Copyright 2010-2016 Mike Bostock. All rights reserved.
 * Changed: the differentiable JSDoc tag and parameter types; the other exports of the file left out.
 */
/** @differentiable */
export function backInOut(t: number, s?: number) {
  s = s == null ? 1.70158 : +s;
  return ((t *= 2) < 1 ? t * t * ((s + 1) * t - s) : (t -= 2) * t * ((s + 1) * t + s) + 2) / 2;
};
