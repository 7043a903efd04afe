/**
 * Library: stdlib-js (@stdlib/stats-base-dists-gamma-logpdf), lib/node_modules/@stdlib/stats/base/dists/gamma/logpdf/lib/main.js,
 * with the modules it requires: @stdlib/math/base/assert/is-nan (lib/main.js), @stdlib/constants/float64/pinf,
 * @stdlib/constants/float64/ninf; @stdlib/math/base/special/gammaln and @stdlib/math/base/special/ln,
 * which adc-ts does not see, are declared.
 * https://github.com/stdlib-js/stdlib/blob/develop/lib/node_modules/@stdlib/stats/base/dists/gamma/logpdf/lib/main.js
 * License: Apache-2.0. Copyright (c) 2018 The Stdlib Authors. Licensed under the Apache License,
 * Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0); distributed on an "AS IS" BASIS, WITHOUT
 * WARRANTIES OR CONDITIONS OF ANY KIND.
 * Changed: the differentiable JSDoc tag and parameter types; `require` lines replaced by the short
 * required modules' source, gammaln and ln declared and given derivative rules (digamma written for
 * gammaln's), `module.exports = logpdf` by `export` on the function. Written from the published
 * source, not diffed against a commit.
 */
var FLOAT64_PINF = Number.POSITIVE_INFINITY; // eslint-disable-line stdlib/require-globals
var FLOAT64_NINF = Number.NEGATIVE_INFINITY; // eslint-disable-line stdlib/require-globals
var PINF = FLOAT64_PINF;
var NINF = FLOAT64_NINF;

function isnan( x: number ) {
	return ( x !== x );
}

/** The natural logarithm of the gamma function (in the library, a port of FreeBSD's e_lgamma_r.c). */
declare function gammaln( x: number ): number;
/** The natural logarithm (in the library, a port of FreeBSD's e_log.c). */
declare function ln( x: number ): number;

/** ψ(x) for x > 0: the recurrence up to 6, then the asymptotic series. */
function digamma( x: number ): number {
	var r = 0.0;
	while ( x < 6.0 ) {
		r -= 1.0 / x;
		x += 1.0;
	}
	var f = 1.0 / ( x * x );
	return r + Math.log( x ) - ( 0.5 / x ) - ( f * ( ( 1.0 / 12.0 ) - ( f * ( ( 1.0 / 120.0 ) - ( f * ( ( 1.0 / 252.0 ) - ( f * ( ( 1.0 / 240.0 ) - ( f / 132.0 ) ) ) ) ) ) ) ) );
}

/** @derivative of=gammaln */
function gammaln_partials( x: number ): number {
	return digamma( x );
}

/** @derivative of=ln */
function ln_partials( x: number ): number {
	return 1.0 / x;
}

/**
* Evaluates the natural logarithm of the probability density function (PDF) for a gamma distribution with shape parameter `alpha` and rate parameter `beta` at a value `x`.
*
* @param {number} x - input value
* @param {NonNegativeNumber} alpha - shape parameter
* @param {PositiveNumber} beta - rate parameter
* @returns {number} evaluated logPDF
*
* @example
* var y = logpdf( 2.0, 0.5, 1.0 );
* // returns ~-2.919
*/
/** @differentiable hessian */
export function logpdf( x: number, alpha: number, beta: number ) {
	var lnl;
	if (
		isnan( x ) ||
		isnan( alpha ) ||
		isnan( beta ) ||
		alpha < 0.0 ||
		beta <= 0.0
	) {
		return NaN;
	}
	if ( x < 0.0 || x === PINF ) {
		return NINF;
	}
	if ( alpha === 0.0 ) {
		// Point mass at 0...
		return ( x === 0.0 ) ? PINF : NINF;
	}
	if ( x === 0.0 ) {
		if ( alpha < 1.0 ) {
			return PINF;
		}
		if ( alpha > 1.0 ) {
			return NINF;
		}
		return ln( beta );
	}
	lnl = ( alpha * ln( beta ) ) + ( ( alpha - 1.0 ) * ln( x ) ) - ( beta * x ) - gammaln( alpha );
	return lnl;
}
