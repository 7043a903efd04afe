/**
 * Library: d3-ease (v1), src/elastic.js at commit 0885bcbb3c82995c620a66e1b0714aa54222894f
 * https://github.com/d3/d3-ease/blob/0885bcbb3c82995c620a66e1b0714aa54222894f/src/elastic.js
 * License: BSD-3-Clause. Copyright 2010-2016 Mike Bostock. All rights reserved.
 * Changed: the differentiable JSDoc tag and parameter types; the other exports of the file left out.
 */
var tau = 2 * Math.PI;

/** @differentiable */
export function elasticOut(t: number, a?: number, p?: number) {
  a = a == null ? 1 : Math.max(1, a);
  p = (p == null ? 0.3 : p) / tau;
  return 1 - a * Math.pow(2, -10 * t) * Math.sin((+t + p * Math.asin(1 / a)) / p);
};
