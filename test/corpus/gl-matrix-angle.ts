/**
 * Library: gl-matrix (v3), src/vec3.js at commit a7ac9969c96669d4e5e81ee154d4a1462e66ab14
 * https://github.com/toji/gl-matrix/blob/a7ac9969c96669d4e5e81ee154d4a1462e66ab14/src/vec3.js
 * with src/common.js (ARRAY_TYPE) of the same version
 * License: MIT. Copyright (c) 2015-2021, Brandon Jones, Colin MacKenzie IV.
 * Changed: the differentiable JSDoc tag and parameter types (vec3 as number[] | Float32Array); the
 * helpers it calls (fromValues, normalize, dot) copied from the same file; `glMatrix.ARRAY_TYPE`
 * (from `import * as glMatrix from "./common.js"`) written as the local `ARRAY_TYPE` it exports.
 */
type vec3 = number[] | Float32Array;

export let ARRAY_TYPE = (typeof Float32Array !== 'undefined') ? Float32Array : Array;

export function fromValues(x: number, y: number, z: number) {
  let out = new ARRAY_TYPE(3);
  out[0] = x;
  out[1] = y;
  out[2] = z;
  return out;
}

export function normalize(out: vec3, a: vec3) {
  let x = a[0];
  let y = a[1];
  let z = a[2];
  let len = x*x + y*y + z*z;
  if (len > 0) {
    //TODO: evaluate use of glm_invsqrt here?
    len = 1 / Math.sqrt(len);
  }
  out[0] = a[0] * len;
  out[1] = a[1] * len;
  out[2] = a[2] * len;
  return out;
}

export function dot(a: vec3, b: vec3) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/** @differentiable */
export function angle(a: number[], b: number[]) {
  let tempA = fromValues(a[0], a[1], a[2]);
  let tempB = fromValues(b[0], b[1], b[2]);

  normalize(tempA, tempA);
  normalize(tempB, tempB);

  let cosine = dot(tempA, tempB);

  if(cosine > 1.0) {
    return 0;
  }
  else if(cosine < -1.0) {
    return Math.PI;
  } else {
    return Math.acos(cosine);
  }
}
