/** Newton's method with f' from forward mode: quadratic convergence, visible in the error column. */
import { newton } from "adc-ts/runtime";
import { cubic_dual, cosMinusX_dual } from "./gen/newton.js";

export function main(log: (line: string) => void = console.log): { cubic: number; cosMinusX: number } {
  const solve = (title: string, fDual: (x: number, dx: number) => [number, number], x0: number): number => {
    log(title);
    const result = newton(fDual, x0);
    const root = result.x;
    result.history.forEach((x, k) => log(`  x${k} = ${x.toPrecision(17).padEnd(20)} |x - root| = ${Math.abs(x - root).toExponential(2)}`));
    log(`  root ${root} after ${result.iterations} iterations, f(root) = ${fDual(root, 0)[0].toExponential(2)}`);
    return root;
  };
  return {
    cubic: solve("Newton's method on x^3 - 2x - 5 = 0 from x0 = 2:", cubic_dual, 2),
    cosMinusX: solve("Newton's method on cos x - x = 0 from x0 = 1:", cosMinusX_dual, 1),
  };
}
