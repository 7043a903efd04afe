/**
 * Library: phaser (v3), src/math/RotateAround.js at commit 1781487cb60f2be9b73072fd56c9d4f6f0a1f8ac
 * https://github.com/phaserjs/phaser/blob/1781487cb60f2be9b73072fd56c9d4f6f0a1f8ac/src/math/RotateAround.js
 * License: MIT. Copyright (c) 2013-2025 Phaser Studio Inc. (@author Richard Davey)
 * Changed: the differentiable JSDoc tag and parameter types (the point as an interface of its x and
 * y); `var RotateAround = function` by `export function`; `module.exports` left out.
 */
interface Vector2Like {
    x: number;
    y: number;
}

/**
 * Rotate a `point` around `x` and `y` to the given `angle`, at the same distance.
 *
 * In polar notation, this maps a point from (r, t) to (r, angle), vs. the origin (x, y).
 *
 * @function Phaser.Math.RotateAround
 * @since 3.0.0
 *
 * @generic {Phaser.Types.Math.Vector2Like} T - [point,$return]
 *
 * @param {(Phaser.Geom.Point|object)} point - The point to be rotated.
 * @param {number} x - The horizontal coordinate to rotate around.
 * @param {number} y - The vertical coordinate to rotate around.
 * @param {number} angle - The angle of rotation in radians.
 *
 * @return {Phaser.Types.Math.Vector2Like} The given point.
 */
/** @differentiable */
export function RotateAround(point: Vector2Like, x: number, y: number, angle: number)
{
    var c = Math.cos(angle);
    var s = Math.sin(angle);

    var tx = point.x - x;
    var ty = point.y - y;

    point.x = tx * c - ty * s + x;
    point.y = tx * s + ty * c + y;

    return point;
}
