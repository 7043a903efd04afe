/**
 * Library: fmin 0.0.4, src/blas1.js at commit 31b2d558b28f04c44b53afa1313b07f744d7d6ad
 * https://github.com/benfred/fmin/blob/31b2d558b28f04c44b53afa1313b07f744d7d6ad/src/blas1.js
 * License: BSD-3-Clause. Copyright (c) 2016, Ben Frederickson. All rights reserved.
 * Changed: the differentiable JSDoc tag and parameter types; the file's other exports left out.
 */
/** @differentiable */
export function weightedSum(ret: number[], w1: number, v1: number[], w2: number, v2: number[]) {
    for (var j = 0; j < ret.length; ++j) {
        ret[j] = w1 * v1[j] + w2 * v2[j];
    }
}
