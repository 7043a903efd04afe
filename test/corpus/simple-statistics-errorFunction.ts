/**
 * Library: simple-statistics (v7), src/error_function.js at commit cbe53e93611e04f0c66c6bba707753f91b31fe17
 * https://github.com/simple-statistics/simple-statistics/blob/cbe53e93611e04f0c66c6bba707753f91b31fe17/src/error_function.js
 * License: ISC. Copyright (c) 2014, Tom MacWright
 * Changed: the differentiable JSDoc tag (with hessian) and parameter types; `export default errorFunction` by `export`.
 */
/** @differentiable hessian */
export function errorFunction(x: number) {
    const t = 1 / (1 + 0.5 * Math.abs(x));
    const tau =
        t *
        Math.exp(
            -x * x +
                ((((((((0.17087277 * t - 0.82215223) * t + 1.48851587) * t -
                    1.13520398) *
                    t +
                    0.27886807) *
                    t -
                    0.18628806) *
                    t +
                    0.09678418) *
                    t +
                    0.37409196) *
                    t +
                    1.00002368) *
                    t -
                1.26551223
        );
    if (x >= 0) {
        return 1 - tau;
    } else {
        return tau - 1;
    }
}
