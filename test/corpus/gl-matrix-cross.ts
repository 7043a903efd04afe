/**
 * Library: gl-matrix (v3), src/vec3.js at commit a7ac9969c96669d4e5e81ee154d4a1462e66ab14
 * https://github.com/toji/gl-matrix/blob/a7ac9969c96669d4e5e81ee154d4a1462e66ab14/src/vec3.js
 * License: MIT. Copyright (c) 2015-2021, Brandon Jones, Colin MacKenzie IV.
 * Changed: the differentiable JSDoc tag and parameter types (vec3 as number[]); the other exports left out.
 */
/** @differentiable */
export function cross(out: number[], a: number[], b: number[]) {
  let ax = a[0], ay = a[1], az = a[2];
  let bx = b[0], by = b[1], bz = b[2];

  out[0] = ay * bz - az * by;
  out[1] = az * bx - ax * bz;
  out[2] = ax * by - ay * bx;
  return out;
}
