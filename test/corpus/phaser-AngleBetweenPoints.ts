/**
 * Library: phaser (v3), src/math/angle/BetweenPoints.js at commit 06bad684688abf184c6b5169bbc513f14996a1a9
 * https://github.com/phaserjs/phaser/blob/06bad684688abf184c6b5169bbc513f14996a1a9/src/math/angle/BetweenPoints.js
 * License: MIT. Copyright (c) 2020 Photon Storm Ltd. (@author Richard Davey)
 * Changed: the differentiable JSDoc tag and parameter types (Phaser.Types.Math.Vector2Like as an
 * interface); `var BetweenPoints = function` by `export function`; `module.exports` left out.
 */
interface Vector2Like {
    x: number;
    y: number;
}

/**
 * Find the angle of a segment from (point1.x, point1.y) -> (point2.x, point2.y).
 *
 * Calculates the angle of the vector from the first point to the second point.
 *
 * @function Phaser.Math.Angle.BetweenPoints
 * @since 3.0.0
 *
 * @param {Phaser.Types.Math.Vector2Like} point1 - The first point.
 * @param {Phaser.Types.Math.Vector2Like} point2 - The second point.
 *
 * @return {number} The angle in radians.
 */
/** @differentiable */
export function BetweenPoints(point1: Vector2Like, point2: Vector2Like)
{
    return Math.atan2(point2.y - point1.y, point2.x - point1.x);
}
