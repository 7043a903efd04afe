/**
 * Library: stdlib-js (@stdlib/blas-base-ddot), lib/node_modules/@stdlib/blas/base/ddot/lib/ddot.js
 * at commit 28822caba56df9b2cb861030134de8178d721ecd
 * https://github.com/stdlib-js/stdlib/blob/28822caba56df9b2cb861030134de8178d721ecd/lib/node_modules/@stdlib/blas/base/ddot/lib/ddot.js
 * License: Apache-2.0. Copyright (c) 2019 The Stdlib Authors. Licensed under the Apache License,
 * Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0); distributed on an "AS IS" BASIS, WITHOUT
 * WARRANTIES OR CONDITIONS OF ANY KIND.
 * Changed: the differentiable JSDoc tag (wrt=x,y: N and the strides are integers) and parameter types;
 * `module.exports = ddot` replaced by `export` on the function.
 */
var M = 5;

/** @differentiable wrt=x,y */
export function ddot( N: number, x: Float64Array, strideX: number, y: Float64Array, strideY: number ) {
	var dot;
	var ix;
	var iy;
	var m;
	var i;

	dot = 0.0;
	if ( N <= 0 ) {
		return dot;
	}
	// Use unrolled loops if both strides are equal to `1`...
	if ( strideX === 1 && strideY === 1 ) {
		m = N % M;

		// If we have a remainder, run a clean-up loop...
		if ( m > 0 ) {
			for ( i = 0; i < m; i++ ) {
				dot += x[ i ] * y[ i ];
			}
		}
		if ( N < M ) {
			return dot;
		}
		for ( i = m; i < N; i += M ) {
			dot += ( x[ i ] * y[ i ] ) + ( x[ i+1 ] * y[ i+1 ] ) + ( x[ i+2 ] * y[ i+2 ] ) + ( x[ i+3 ] * y[ i+3 ] ) + ( x[ i+4 ] * y[ i+4 ] ); // eslint-disable-line max-len
		}
		return dot;
	}
	if ( strideX < 0 ) {
		ix = ( 1-N ) * strideX;
	} else {
		ix = 0;
	}
	if ( strideY < 0 ) {
		iy = ( 1-N ) * strideY;
	} else {
		iy = 0;
	}
	for ( i = 0; i < N; i++ ) {
		dot += ( x[ ix ] * y[ iy ] );
		ix += strideX;
		iy += strideY;
	}
	return dot;
}
