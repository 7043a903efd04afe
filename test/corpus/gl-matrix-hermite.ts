/**
 * Library: gl-matrix (v3), src/vec3.js at commit a7ac9969c96669d4e5e81ee154d4a1462e66ab14
 * https://github.com/toji/gl-matrix/blob/a7ac9969c96669d4e5e81ee154d4a1462e66ab14/src/vec3.js
 * License: MIT. Copyright (c) 2015-2021, Brandon Jones, Colin MacKenzie IV.
 * Changed: the differentiable JSDoc tag and parameter types (vec3 as number[]); the other exports left out.
 */
/** @differentiable */
export function hermite(out: number[], a: number[], b: number[], c: number[], d: number[], t: number) {
  let factorTimes2 = t * t;
  let factor1 = factorTimes2 * (2 * t - 3) + 1;
  let factor2 = factorTimes2 * (t - 2) + t;
  let factor3 = factorTimes2 * (t - 1);
  let factor4 = factorTimes2 * (3 - 2 * t);

  out[0] = a[0] * factor1 + b[0] * factor2 + c[0] * factor3 + d[0] * factor4;
  out[1] = a[1] * factor1 + b[1] * factor2 + c[1] * factor3 + d[1] * factor4;
  out[2] = a[2] * factor1 + b[2] * factor2 + c[2] * factor3 + d[2] * factor4;

  return out;
}
