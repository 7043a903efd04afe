/**
 * Library: ml-distance-euclidean 2.0.0 (mljs/distance-euclidean), src/euclidean.ts as published in
 * lib-es6/euclidean.js (copy read from panaverse/learn-nextjs, path
 * step15_ai/langchain/step02_chains/node_modules/ml-distance-euclidean/lib-es6/euclidean.js)
 * https://github.com/mljs/distance-euclidean/blob/master/src/euclidean.ts
 * License: MIT. Copyright (c) 2015 ml.js
 * Changed: the differentiable JSDoc tag (with hessian) and parameter types.
 */
export function squaredEuclidean(p: number[], q: number[]) {
    let d = 0;
    for (let i = 0; i < p.length; i++) {
        d += (p[i] - q[i]) * (p[i] - q[i]);
    }
    return d;
}
/** @differentiable hessian */
export function euclidean(p: number[], q: number[]) {
    return Math.sqrt(squaredEuclidean(p, q));
}
