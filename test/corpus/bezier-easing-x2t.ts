/**
 * Library: bezier-easing (3.x, "Algebraic solver by Dmitry Baranovskiy"), src/index.js at commit
 * 6d4fe6785f3f5ef1134737c1765d657504f2bef6
 * https://github.com/gre/bezier-easing/blob/6d4fe6785f3f5ef1134737c1765d657504f2bef6/src/index.js
 * License: MIT. Copyright (c) 2014 Gaëtan Renaudeau ("by Gaëtan Renaudeau 2014 - 2015 – MIT License").
 * Changed: the differentiable JSDoc tag and parameter types; `export` on the arrow function; the rest of
 * the file (the `bezier` factory, LinearEasing, Y) left out.
 */
const { cbrt, sqrt, PI: π } = Math;

// Solve cubic bezier x(t) = x for t using Cardano's formula
// Parameters are precomputed coefficients from the bezier control points
/** @differentiable */
export const x2t = (x: number, a: number, b: number, c: number, d: number) => {
  const q = a + b * x;
  const s = q ** 2 + c;
  if (s > 0) {
    const root = sqrt(s);
    return cbrt(q + root) + cbrt(q - root) - d;
  }
  const l = cbrt(sqrt(q * q - s));
  const angle = q ? Math.atan(sqrt(-s) / q) : -π / 2;
  let φ;
  if (b < 0) {
    φ = (q > 0 ? 2 * π : π) - angle;
  } else if (d < 0) {
    φ = (q > 0 ? 2 * π : -3 * π) + angle;
  } else {
    φ = (q > 0 ? 0 : π) + angle;
  }
  return 2 * l * Math.cos(φ / 3) - d;
};
