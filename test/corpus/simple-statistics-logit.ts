/**
 * Library: simple-statistics (v7), src/logit.js at commit f382df8504af0b5e98b161eecb6148baad9ac217
 * https://github.com/simple-statistics/simple-statistics/blob/f382df8504af0b5e98b161eecb6148baad9ac217/src/logit.js
 * License: ISC. Copyright (c) 2014, Tom MacWright
 * Changed: the differentiable JSDoc tag (with hessian) and parameter types; `export default logit` by `export`.
 */
/** @differentiable hessian */
export function logit(p: number) {
    if (p <= 0 || p >= 1) {
        throw new Error("p must be strictly between zero and one");
    }
    return Math.log(p / (1 - p));
}
