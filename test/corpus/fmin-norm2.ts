/**
 * Library: fmin 0.0.4, src/blas1.js at commit 31b2d558b28f04c44b53afa1313b07f744d7d6ad
 * https://github.com/benfred/fmin/blob/31b2d558b28f04c44b53afa1313b07f744d7d6ad/src/blas1.js
 * License: BSD-3-Clause. Copyright (c) 2016, Ben Frederickson. All rights reserved.
 * Changed: the differentiable JSDoc tag (with hessian) and parameter types; the file's other exports left out.
 */
export function dot(a: number[], b: number[]) {
    var ret = 0;
    for (var i = 0; i < a.length; ++i) {
        ret += a[i] * b[i];
    }
    return ret;
}

/** @differentiable hessian */
export function norm2(a: number[])  {
    return Math.sqrt(dot(a, a));
}
