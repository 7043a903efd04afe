/**
 * Library: stdlib-js (@stdlib/math-base-tools-evalpoly), lib/node_modules/@stdlib/math/base/tools/evalpoly/lib/main.js
 * at commit 64ddf871808edcaa4f476927e9df50ec8257e9ab
 * https://github.com/stdlib-js/stdlib/blob/64ddf871808edcaa4f476927e9df50ec8257e9ab/lib/node_modules/@stdlib/math/base/tools/evalpoly/lib/main.js
 * License: Apache-2.0. Copyright (c) 2018 The Stdlib Authors. Licensed under the Apache License,
 * Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0); distributed on an "AS IS" BASIS, WITHOUT
 * WARRANTIES OR CONDITIONS OF ANY KIND.
 * Changed: the differentiable JSDoc tag (with hessian) and parameter types; `module.exports = evalpoly`
 * replaced by `export` on the function.
 */
/** @differentiable hessian */
export function evalpoly( c: number[], x: number ) {
	var p;
	var i;

	i = c.length;
	if ( i < 2 || x === 0.0 ) {
		if ( i === 0 ) {
			return 0.0;
		}
		return c[ 0 ];
	}
	i -= 1;
	p = ( c[ i ] * x ) + c[ i-1 ];
	i -= 2;
	while ( i >= 0 ) {
		p = ( p * x ) + c[ i ];
		i -= 1;
	}
	return p;
}
