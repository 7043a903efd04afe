/**
 * Library: stdlib-js (@stdlib/blas-base-dasum), lib/node_modules/@stdlib/blas/base/dasum/lib/ndarray.js
 * at commit 5f64cad4c15c60763aa9eda739a4cdcf82f1fc52, with the modules it requires:
 * @stdlib/math/base/special/abs (lib/main.js at 62ae3e83f3a2caaf2c407e7f77e900a7a9339602, the
 * bit-twiddling version) and its lib/high.js (e52c165a9b4c230b6707f581665adfbcdc3c3813)
 * https://github.com/stdlib-js/stdlib/blob/5f64cad4c15c60763aa9eda739a4cdcf82f1fc52/lib/node_modules/@stdlib/blas/base/dasum/lib/ndarray.js
 * License: Apache-2.0. Copyright (c) 2018 The Stdlib Authors. Licensed under the Apache License,
 * Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0); distributed on an "AS IS" BASIS, WITHOUT
 * WARRANTIES OR CONDITIONS OF ANY KIND.
 * Changed: the differentiable JSDoc tag (wrt=x: N, stride and offset are integers) and parameter types;
 * `require` lines replaced by the required modules' source (`@stdlib/array/float64` and
 * `/uint32` are the built-in typed arrays; `@stdlib/assert/is-little-endian` is `true` on x86 and
 * ARM, written as the constant); `module.exports = dasum` replaced by `export` on the function.
 */
var isLittleEndian = true;

var HIGH: number;
if ( isLittleEndian === true ) {
	HIGH = 1; // second index
} else {
	HIGH = 0; // first index
}

var FLOAT64_VIEW = new Float64Array( 1 );
var UINT32_VIEW = new Uint32Array( FLOAT64_VIEW.buffer );

// 0x7fffffff = 2147483647 => 0 11111111111 11111111111111111111
var ABS_MASK = 0x7fffffff>>>0; // asm type annotation

function abs( x: number ) {
	FLOAT64_VIEW[ 0 ] = x;
	UINT32_VIEW[ HIGH ] &= ABS_MASK;
	return FLOAT64_VIEW[ 0 ];
}

var M = 6;

/** @differentiable wrt=x */
export function dasum( N: number, x: Float64Array, stride: number, offset: number ) {
	var sum;
	var ix;
	var m;
	var i;

	sum = 0.0;
	if ( N <= 0 ) {
		return sum;
	}
	ix = offset;

	// Use unrolled loops if the stride is equal to `1`...
	if ( stride === 1 ) {
		m = N % M;

		// If we have a remainder, run a clean-up loop...
		if ( m > 0 ) {
			for ( i = 0; i < m; i++ ) {
				sum += abs( x[ix] );
				ix += stride;
			}
		}
		if ( N < M ) {
			return sum;
		}
		for ( i = m; i < N; i += M ) {
			sum += abs( x[ix] ) + abs( x[ix+1] ) + abs( x[ix+2] ) + abs( x[ix+3] ) + abs( x[ix+4] ) + abs( x[ix+5] ); // eslint-disable-line max-len
			ix += M;
		}
		return sum;
	}
	for ( i = 0; i < N; i++ ) {
		sum += abs( x[ix] );
		ix += stride;
	}
	return sum;
}
