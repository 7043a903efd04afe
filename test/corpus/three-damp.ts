/**
 * Library: three.js (r15x), src/math/MathUtils.js (file id 294535624 in the search index; the
 * functions are the same in every release since r133)
 * https://github.com/mrdoob/three.js/blob/dev/src/math/MathUtils.js
 * License: MIT. Copyright © 2010-2024 three.js authors
 * Changed: the differentiable JSDoc tag and parameter types; the other functions of the file left out.
 */
// https://en.wikipedia.org/wiki/Linear_interpolation
function lerp( x: number, y: number, t: number ) {

	return ( 1 - t ) * x + t * y;

}

// http://www.rorydriscoll.com/2016/03/07/frame-rate-independent-damping-using-lerp/
/** @differentiable */
export function damp( x: number, y: number, lambda: number, dt: number ) {

	return lerp( x, y, 1 - Math.exp( - lambda * dt ) );

}
