/** `npm start`: every example, in the order of the lecture. */
import { main as lecture } from "./lecture.js";
import { main as newton } from "./newton.js";

const examples: [string, () => unknown][] = [
  ["The lecture's dual program", () => lecture()],
  ["Newton's method", () => newton()],
];

for (const [title, run] of examples) {
  console.log(`\n=== ${title} ===`);
  run();
}
