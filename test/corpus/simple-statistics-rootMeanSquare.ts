/**
 * Library: simple-statistics (v7), src/root_mean_square.js at commit 83951e9d3ac45d859a081d32455e0abcd87f6e91
 * https://github.com/simple-statistics/simple-statistics/blob/83951e9d3ac45d859a081d32455e0abcd87f6e91/src/root_mean_square.js
 * License: ISC. Copyright (c) 2014, Tom MacWright
 * Changed: the differentiable JSDoc tag and parameter types; `export default rootMeanSquare` by `export`.
 */
/** @differentiable */
export function rootMeanSquare(x: number[]) {
    if (x.length === 0) {
        throw new Error("rootMeanSquare requires at least one data point");
    }

    let sumOfSquares = 0;
    for (let i = 0; i < x.length; i++) {
        sumOfSquares += Math.pow(x[i], 2);
    }

    return Math.sqrt(sumOfSquares / x.length);
}
