/**
 * Library: stdlib-js (@stdlib/stats-base-dists-normal-cdf), lib/node_modules/@stdlib/stats/base/dists/normal/cdf/lib/main.js,
 * with the modules it requires: @stdlib/math/base/assert/is-nan (lib/main.js), @stdlib/math/base/special/sqrt
 * (lib/main.js); @stdlib/math/base/special/erfc, which adc-ts does not see, is declared.
 * https://github.com/stdlib-js/stdlib/blob/develop/lib/node_modules/@stdlib/stats/base/dists/normal/cdf/lib/main.js
 * License: Apache-2.0. Copyright (c) 2018 The Stdlib Authors. Licensed under the Apache License,
 * Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0); distributed on an "AS IS" BASIS, WITHOUT
 * WARRANTIES OR CONDITIONS OF ANY KIND.
 * Changed: the differentiable JSDoc tag and parameter types; `require` lines replaced by the short
 * required modules' source, erfc declared and given a derivative rule (erfc_partials), `module.exports
 * = cdf` by `export` on the function. Written from the published source, not diffed against a commit.
 */
var sqrt = Math.sqrt; // eslint-disable-line stdlib/no-builtin-math

function isnan( x: number ) {
	return ( x !== x );
}

/** The complementary error function (a port of FreeBSD's s_erf.c in the library). */
declare function erfc( x: number ): number;

/** d/dx erfc(x) = -2/√π e^(-x²) */
/** @derivative of=erfc */
function erfc_partials( x: number ): number {
	return -2.0 / sqrt( Math.PI ) * Math.exp( -x * x );
}

/**
* Evaluates the cumulative distribution function (CDF) for a normal distribution with mean `mu` and standard deviation `sigma` at a value `x`.
*
* @param {number} x - input value
* @param {number} mu - mean
* @param {NonNegativeNumber} sigma - standard deviation
* @returns {Probability} evaluated cumulative distribution function
*
* @example
* var y = cdf( 2.0, 0.0, 1.0 );
* // returns ~0.977
*/
/** @differentiable hessian */
export function cdf( x: number, mu: number, sigma: number ) {
	var denom;
	var xc;
	if (
		isnan( x ) ||
		isnan( mu ) ||
		isnan( sigma ) ||
		sigma < 0.0
	) {
		return NaN;
	}
	if ( sigma === 0.0 ) {
		return (x < mu) ? 0.0 : 1.0;
	}
	denom = sigma * sqrt( 2.0 );
	xc = x - mu;
	return 0.5 * erfc( -xc / denom );
}
