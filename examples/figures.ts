/**
 * `npm run figures`: run the examples that have figures and write them to docs/ as SVG (Vega-Lite,
 * rendered in Node). Separate from `npm start` because rendering takes a few seconds.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dividedDifferenceErrors, dividedDifferencesFigure } from "./divided-differences.js";
import { emFigure, emStepByStep } from "./em-old-faithful.js";
import { compareEmAndGradient, emVersusGradientFigure } from "./em-vs-gradient.js";

/** Every figure: its file name in docs/ and how to draw it. */
export const FIGURES: readonly [string, () => Promise<string>][] = [
  ["divided-differences.svg", () => dividedDifferencesFigure(dividedDifferenceErrors())],
  ["em-old-faithful.svg", () => emFigure(emStepByStep())],
  ["em-vs-gradient.svg", () => emVersusGradientFigure(compareEmAndGradient())],
];

export async function writeFigures(directory: string): Promise<string[]> {
  mkdirSync(directory, { recursive: true });
  const written: string[] = [];
  for (const [name, draw] of FIGURES) {
    const path = `${directory}/${name}`;
    writeFileSync(path, await draw());
    written.push(path);
  }
  return written;
}

// Run as a script (examples/dist/figures.js, two levels below the repository), not when imported.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const docs = fileURLToPath(new URL("../../docs", import.meta.url));
  for (const path of await writeFigures(docs)) console.log(`wrote ${path}`);
}
