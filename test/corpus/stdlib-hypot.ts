/**
 * Library: stdlib-js (@stdlib/math-base-special-hypot), lib/node_modules/@stdlib/math/base/special/hypot/lib/main.js
 * at commit 0a0fe7172a667535c4a996ffb9dd6b6d0e02c395, with the modules it requires:
 * @stdlib/math/base/assert/is-nan (lib/is_nan.js), @stdlib/math/base/assert/is-infinite (lib/main.js),
 * @stdlib/constants/float64/pinf, @stdlib/constants/float64/ninf, @stdlib/math/base/special/sqrt (lib/main.js)
 * https://github.com/stdlib-js/stdlib/blob/0a0fe7172a667535c4a996ffb9dd6b6d0e02c395/lib/node_modules/@stdlib/math/base/special/hypot/lib/main.js
 * License: Apache-2.0. Copyright (c) 2018 The Stdlib Authors. Licensed under the Apache License,
 * Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0); distributed on an "AS IS" BASIS, WITHOUT
 * WARRANTIES OR CONDITIONS OF ANY KIND.
 * Changed: the differentiable JSDoc tag and parameter types; `require` lines replaced by the required
 * modules' source, `module.exports = hypot` by `export` on the function.
 */
var FLOAT64_PINF = Number.POSITIVE_INFINITY; // eslint-disable-line stdlib/require-globals
var FLOAT64_NINF = Number.NEGATIVE_INFINITY; // eslint-disable-line stdlib/require-globals
var PINF = FLOAT64_PINF;
var NINF = FLOAT64_NINF;
var sqrt = Math.sqrt; // eslint-disable-line stdlib/no-builtin-math

function isnan( x: number ) {
	return ( x !== x );
}

function isInfinite( x: number ) {
	return (x === PINF || x === NINF);
}

/** @differentiable */
export function hypot( x: number, y: number ) {
	var tmp;

	// If one of the arguments is `+-infinity`, return `+infinity` even if the other argument is `NaN` (IEEE 754-2019)...
	if ( isInfinite( x ) || isInfinite( y ) ) {
		return PINF;
	}
	if ( isnan( x ) || isnan( y ) ) {
		return NaN;
	}
	if ( x < 0.0 ) {
		x = -x;
	}
	if ( y < 0.0 ) {
		y = -y;
	}
	if ( x < y ) {
		tmp = y;
		y = x;
		x = tmp;
	}
	if ( x === 0.0 ) {
		return 0.0;
	}
	y /= x;
	return x * sqrt( 1.0 + (y*y) );
}
