/**
 * Library: three.js (r15x), src/math/MathUtils.js (file id 294535624 in the search index; the
 * functions are the same in every release since r133)
 * https://github.com/mrdoob/three.js/blob/dev/src/math/MathUtils.js
 * License: MIT. Copyright © 2010-2024 three.js authors
 * Changed: the differentiable JSDoc tag and parameter types; the other functions of the file left out.
 */
// compute euclidean modulo of m % n
// https://en.wikipedia.org/wiki/Modulo_operation
function euclideanModulo( n: number, m: number ) {

	return ( ( n % m ) + m ) % m;

}

// https://www.desmos.com/calculator/vcsjnyz7x4
/** @differentiable */
export function pingpong( x: number, length = 1 ) {

	return length - Math.abs( euclideanModulo( x, length * 2 ) - length );

}
