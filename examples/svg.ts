/** Post-processing of the SVGs Vega writes, for figures committed to the repository. */

/**
 * Rounds the coordinates in `d`, `transform`, `x`, `y` ... attributes to `decimals` places: Vega
 * writes them to 16 digits, which makes a scatter plot of a few thousand points weigh a megabyte while
 * a hundredth of a pixel is invisible. Text and accessibility labels keep their full digits.
 */
export function roundSvgCoordinates(svg: string, decimals = 2): string {
  return svg.replace(/ (d|transform|points|x|y|x1|x2|y1|y2)="([^"]*)"/g, (_, name: string, value: string) => {
    const rounded = value.replace(/-?\d+\.\d+(e-?\d+)?/g, (number) => String(Number(Number(number).toFixed(decimals))));
    return ` ${name}="${rounded}"`;
  });
}
