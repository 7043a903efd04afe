/**
 * Library: phaser (v3), src/math/distance/DistanceBetweenPoints.js at commit 1f8276ac76ed5a4d5337e3766529081a7c9ba39a
 * https://github.com/phaserjs/phaser/blob/1f8276ac76ed5a4d5337e3766529081a7c9ba39a/src/math/distance/DistanceBetweenPoints.js
 * License: MIT. Copyright (c) 2013-2024 Phaser Studio Inc. (@author samme)
 * Changed: the differentiable JSDoc tag and parameter types (Phaser.Types.Math.Vector2Like as an
 * interface); `var DistanceBetweenPoints = function` by `export function`; `module.exports` left out.
 */
interface Vector2Like {
    x: number;
    y: number;
}

/**
 * Calculate the distance between two points.
 *
 * @function Phaser.Math.Distance.BetweenPoints
 * @since 3.22.0
 *
 * @param {Phaser.Types.Math.Vector2Like} a - The first point.
 * @param {Phaser.Types.Math.Vector2Like} b - The second point.
 *
 * @return {number} The distance between the points.
 */
/** @differentiable hessian */
export function DistanceBetweenPoints(a: Vector2Like, b: Vector2Like)
{
    var dx = a.x - b.x;
    var dy = a.y - b.y;

    return Math.sqrt(dx * dx + dy * dy);
}
