/**
 * Library: gl-matrix (v3), src/vec3.js at commit a7ac9969c96669d4e5e81ee154d4a1462e66ab14
 * https://github.com/toji/gl-matrix/blob/a7ac9969c96669d4e5e81ee154d4a1462e66ab14/src/vec3.js
 * License: MIT. Copyright (c) 2015-2021, Brandon Jones, Colin MacKenzie IV.
 * Changed: the differentiable JSDoc tag and parameter types (vec3, mat4 as number[]); the other exports left out.
 */
/** @differentiable */
export function transformMat4(out: number[], a: number[], m: number[]) {
  let x = a[0], y = a[1], z = a[2];
  let w = m[3] * x + m[7] * y + m[11] * z + m[15];
  w = w || 1.0;
  out[0] = (m[0] * x + m[4] * y + m[8] * z + m[12]) / w;
  out[1] = (m[1] * x + m[5] * y + m[9] * z + m[13]) / w;
  out[2] = (m[2] * x + m[6] * y + m[10] * z + m[14]) / w;
  return out;
}
