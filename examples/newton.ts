/**
 * Newton's method with derivatives from the generated code: f' from forward mode (`_dual`) for the
 * scalar equations, the 2 x 2 Jacobian from `_jacobian` for a system. Quadratic convergence shows in
 * the error column: the number of correct digits doubles at each step.
 */
import { newton, newtonSystem } from "adc-ts/runtime";
import { circleMeetsExp_jacobian, cosMinusX_dual, cubic_dual } from "./gen/newton.js";

export interface NewtonExample {
  readonly cubic: number;
  readonly cosMinusX: number;
  /** A root of the system circleMeetsExp(v) = 0. */
  readonly system: number[];
  /** Its residual |F(root)|. */
  readonly systemResidual: number;
}

export function main(log: (line: string) => void = console.log): NewtonExample {
  const solve = (title: string, fDual: (x: number, dx: number) => [number, number], x0: number): number => {
    log(title);
    const result = newton(fDual, x0);
    const root = result.x;
    result.history.forEach((x, k) => log(`  x${k} = ${x.toPrecision(17).padEnd(20)} |x - root| = ${Math.abs(x - root).toExponential(2)}`));
    log(`  root ${root} after ${result.iterations} iterations, f(root) = ${fDual(root, 0)[0].toExponential(2)}`);
    return root;
  };
  const cubic = solve("Newton's method on x^3 - 2x - 5 = 0 from x0 = 2:", cubic_dual, 2);
  const cosMinusX = solve("Newton's method on cos x - x = 0 from x0 = 1:", cosMinusX_dual, 1);

  log("Newton's method on the system x^2 + y^2 = 4, e^x + y = 1 from (1, -1), with J from circleMeetsExp_jacobian:");
  const system = newtonSystem(circleMeetsExp_jacobian, [1, -1]);
  const root = system.x;
  system.history.forEach((v, k) => {
    const distance = Math.hypot(v[0] - root[0], v[1] - root[1]);
    log(`  v${k} = (${v.map((c) => c.toPrecision(17).padEnd(20)).join(", ")})  |v - root| = ${distance.toExponential(2)}`);
  });
  log(`  root (${root.join(", ")}) after ${system.iterations} iterations, |F(root)| = ${system.residual.toExponential(2)}`);
  return { cubic, cosMinusX, system: root, systemResidual: system.residual };
}
