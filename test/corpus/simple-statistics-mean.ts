/**
 * Library: simple-statistics (v7), src/mean.js at commit ce7aa789caba34fb5a711349759729733f631709
 * and its helper src/sum.js at commit 83951e9d3ac45d859a081d32455e0abcd87f6e91
 * https://github.com/simple-statistics/simple-statistics/blob/ce7aa789caba34fb5a711349759729733f631709/src/mean.js
 * License: ISC. Copyright (c) 2014, Tom MacWright
 * Changed: the differentiable JSDoc tag and parameter types; the import of sum replaced by its source,
 * `export default mean` by `export` on the function.
 */
function sum(x: number[]) {
    // If the array is empty, we needn't bother computing its sum
    if (x.length === 0) {
        return 0;
    }

    // Initializing the sum as the first number in the array
    let sum = x[0];

    // Keeping track of the floating-point error correction
    let correction = 0;

    let transition;

    for (let i = 1; i < x.length; i++) {
        transition = sum + x[i];

        // Here we need to update the correction in a different fashion
        // if the new absolute value is greater than the absolute sum
        if (Math.abs(sum) >= Math.abs(x[i])) {
            correction += sum - transition + x[i];
        } else {
            correction += x[i] - transition + sum;
        }

        sum = transition;
    }

    // Returning the corrected sum
    return sum + correction;
}

/** @differentiable */
export function mean(x: number[]) {
    if (x.length === 0) {
        throw new Error("mean requires at least one data point");
    }

    return sum(x) / x.length;
}
