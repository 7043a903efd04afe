/**
 * Library: phaser (v3), src/geom/point/GetMagnitude.js at commit 1781487cb60f2be9b73072fd56c9d4f6f0a1f8ac
 * https://github.com/phaserjs/phaser/blob/1781487cb60f2be9b73072fd56c9d4f6f0a1f8ac/src/geom/point/GetMagnitude.js
 * License: MIT. Copyright (c) 2013-2025 Phaser Studio Inc. (@author Richard Davey)
 * Changed: the differentiable JSDoc tag and parameter types (Phaser.Geom.Point as an interface of its
 * x and y); `var GetMagnitude = function` by `export function`; `module.exports` left out.
 */
interface Point {
    x: number;
    y: number;
}

/**
 * Calculate the magnitude of the point, which equivalent to the length of the line from the origin to this point.
 *
 * @function Phaser.Geom.Point.GetMagnitude
 * @since 3.0.0
 *
 * @param {Phaser.Geom.Point} point - The point to calculate the magnitude for
 *
 * @return {number} The resulting magnitude
 */
/** @differentiable hessian */
export function GetMagnitude(point: Point)
{
    return Math.sqrt((point.x * point.x) + (point.y * point.y));
}
