/**
 * Library: stdlib-js (@stdlib/stats-base-dvariancewd), lib/node_modules/@stdlib/stats/base/dvariancewd/lib/dvariancewd.js
 * at commit 3966b8df77a2f3186e46d4674f57a3c5664e1b3c
 * https://github.com/stdlib-js/stdlib/blob/3966b8df77a2f3186e46d4674f57a3c5664e1b3c/lib/node_modules/@stdlib/stats/base/dvariancewd/lib/dvariancewd.js
 * License: Apache-2.0. Copyright (c) 2020 The Stdlib Authors. Licensed under the Apache License,
 * Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0); distributed on an "AS IS" BASIS, WITHOUT
 * WARRANTIES OR CONDITIONS OF ANY KIND.
 * Changed: the differentiable JSDoc tag (wrt=x: N, correction and stride are integers) and parameter
 * types; `module.exports = dvariancewd` replaced by `export` on the function.
 */
/** @differentiable wrt=x */
export function dvariancewd( N: number, correction: number, x: Float64Array, stride: number ) {
	var delta;
	var mu;
	var M2;
	var ix;
	var v;
	var n;
	var i;

	n = N - correction;
	if ( N <= 0 || n <= 0 ) {
		return NaN;
	}
	if ( N === 1 || stride === 0 ) {
		return 0.0;
	}
	if ( stride < 0 ) {
		ix = (1-N) * stride;
	} else {
		ix = 0;
	}
	M2 = 0.0;
	mu = 0.0;
	for ( i = 0; i < N; i++ ) {
		v = x[ ix ];
		delta = v - mu;
		mu += delta / (i+1);
		M2 += delta * ( v - mu );
		ix += stride;
	}
	return M2 / n;
}
