/**
 * Library: three.js (r15x), src/math/MathUtils.js (file id 294535624 in the search index; the
 * functions are the same in every release since r133)
 * https://github.com/mrdoob/three.js/blob/dev/src/math/MathUtils.js
 * License: MIT. Copyright © 2010-2024 three.js authors
 * Changed: the differentiable JSDoc tag (with hessian) and parameter types; the other functions left out.
 */
/** @differentiable hessian */
export function smootherstep( x: number, min: number, max: number ) {

	if ( x <= min ) return 0;
	if ( x >= max ) return 1;

	x = ( x - min ) / ( max - min );

	return x * x * x * ( x * ( x * 6 - 15 ) + 10 );

}
