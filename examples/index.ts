/** `npm start`: every example, in the order of the lecture. `npm run figures` draws their figures. */
import { main as lecture } from "./lecture.js";
import { main as newton } from "./newton.js";
import { main as dividedDifferences } from "./divided-differences.js";
import { main as emOldFaithful } from "./em-old-faithful.js";
import { main as emVersusGradient } from "./em-vs-gradient.js";

const examples: [string, () => unknown][] = [
  ["The lecture's dual program", () => lecture()],
  ["Newton's method", () => newton()],
  ["Divided differences versus AD", () => dividedDifferences()],
  ["EM on Old Faithful, step by step", () => emOldFaithful()],
  ["EM versus gradient ascent", () => emVersusGradient()],
];

for (const [title, run] of examples) {
  console.log(`\n=== ${title} ===`);
  run();
}
console.log("\nFigures: docs/divided-differences.svg, docs/em-old-faithful.svg, docs/em-vs-gradient.svg (`npm run figures` redraws them).");
