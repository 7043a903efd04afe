/** The lecture's function and its derivatives from the generated dual program. */
import { f, f_dual } from "./gen/lecture.js";

export function main(log: (line: string) => void = console.log): void {
  const [x1, x2] = [2, 3];
  const [value, dfdx1] = f_dual(x1, x2, 1, 0);
  const [, dfdx2] = f_dual(x1, x2, 0, 1);
  log("The lecture's function f(x1, x2) = x1 x2 + sin(x1) at (2, 3):");
  log(`  f           = ${value}   (f itself: ${f(x1, x2)})`);
  log(`  df/dx1      = ${dfdx1}   (x2 + cos x1 = ${x2 + Math.cos(x1)})`);
  log(`  df/dx2      = ${dfdx2}   (x1 = ${x1})`);
}
