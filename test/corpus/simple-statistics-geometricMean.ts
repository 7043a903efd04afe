/**
 * Library: simple-statistics (v7), src/geometric_mean.js at commit 71182573ea014ada6235214a1f00fefda2d2b720
 * https://github.com/simple-statistics/simple-statistics/blob/71182573ea014ada6235214a1f00fefda2d2b720/src/geometric_mean.js
 * License: ISC. Copyright (c) 2014, Tom MacWright
 * Changed: the differentiable JSDoc tag and parameter types; `export default geometricMean` by `export`.
 */
/** @differentiable */
export function geometricMean(x: number[]) {
    if (x.length === 0) {
        throw new Error("geometricMean requires at least one data point");
    }

    // the starting value.
    let value = 1;

    for (let i = 0; i < x.length; i++) {
        // the geometric mean is only valid for positive numbers
        if (x[i] < 0) {
            throw new Error(
                "geometricMean requires only non-negative numbers as input"
            );
        }

        // repeatedly multiply the value by each number
        value *= x[i];
    }

    return Math.pow(value, 1 / x.length);
}
