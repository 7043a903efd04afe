/**
 * Library: simple-statistics (v4), src/r_squared.js at commit 04e05871f2e565af8e1efbd0f74dccb4adf80629
 * https://github.com/simple-statistics/simple-statistics/blob/04e05871f2e565af8e1efbd0f74dccb4adf80629/src/r_squared.js
 * License: ISC. Copyright (c) 2014, Tom MacWright
 * Changed: the differentiable JSDoc tag and parameter types (the flow comments kept);
 * `'use strict'` and `module.exports = rSquared` replaced by `export` on the function.
 */
/** @differentiable */
export function rSquared(x: number[][] /*: Array<Array<number>> */, func: (x: number) => number /*: Function */) /*: number */ {
    if (x.length < 2) { return 1; }

    // Compute the average y value for the actual
    // data set in order to compute the
    // _total sum of squares_
    var sum = 0, average;
    for (var i = 0; i < x.length; i++) {
        sum += x[i][1];
    }
    average = sum / x.length;

    // Compute the total sum of squares - the
    // squared difference between each point
    // and the average of all points.
    var sumOfSquares = 0;
    for (var j = 0; j < x.length; j++) {
        sumOfSquares += Math.pow(average - x[j][1], 2);
    }

    // Finally estimate the error: the squared
    // difference between the estimate and the actual data
    // value at each point.
    var err = 0;
    for (var k = 0; k < x.length; k++) {
        err += Math.pow(x[k][1] - func(x[k][0]), 2);
    }

    // As the error grows larger, its ratio to the
    // sum of squares increases and the r squared
    // value grows lower.
    return 1 - err / sumOfSquares;
}
