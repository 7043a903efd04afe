/**
 * Library: bezier-easing 2.1.0, src/index.js (the version on npm as 2.1.0)
 * https://github.com/gre/bezier-easing/blob/2.1.0/src/index.js
 * License: MIT. Copyright (c) 2014 Gaëtan Renaudeau ("by Gaëtan Renaudeau 2014 - 2015 – MIT License").
 * Changed: the differentiable JSDoc tag and parameter types; `export` on the function; the rest of the
 * file (the `bezier` factory, LinearEasing, the sample table) left out.
 */
// These values are established by empiricism with tests (tradeoff: performance VS precision)
var NEWTON_ITERATIONS = 4;
var NEWTON_MIN_SLOPE = 0.001;
var SUBDIVISION_PRECISION = 0.0000001;
var SUBDIVISION_MAX_ITERATIONS = 10;

function A (aA1: number, aA2: number) { return 1.0 - 3.0 * aA2 + 3.0 * aA1; }
function B (aA1: number, aA2: number) { return 3.0 * aA2 - 6.0 * aA1; }
function C (aA1: number)      { return 3.0 * aA1; }

// Returns x(t) given t, x1, and x2, or y(t) given t, y1, and y2.
function calcBezier (aT: number, aA1: number, aA2: number) { return ((A(aA1, aA2) * aT + B(aA1, aA2)) * aT + C(aA1)) * aT; }

// Returns dx/dt given t, x1, and x2, or dy/dt given t, y1, and y2.
function getSlope (aT: number, aA1: number, aA2: number) { return 3.0 * A(aA1, aA2) * aT * aT + 2.0 * B(aA1, aA2) * aT + C(aA1); }

/** @differentiable */
export function binarySubdivide (aX: number, aA: number, aB: number, mX1: number, mX2: number) {
  var currentX, currentT, i = 0;
  do {
    currentT = aA + (aB - aA) / 2.0;
    currentX = calcBezier(currentT, mX1, mX2) - aX;
    if (currentX > 0.0) {
      aB = currentT;
    } else {
      aA = currentT;
    }
  } while (Math.abs(currentX) > SUBDIVISION_PRECISION && ++i < SUBDIVISION_MAX_ITERATIONS);
  return currentT;
}
