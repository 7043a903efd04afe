/**
 * The algebra forward and reverse mode evaluate a rule in: the IR's, with a user's rule (`@derivative
 * of=f`) calling its function once where the mode's statements go.
 */
import type { Algebra } from "../../src/runtime/rules.js";
import type { Expr, Stmt } from "../ir/ir.js";
import { index, irAlgebra, num, ref } from "../ir/build.js";
import { arrayOf, localOf, NUM } from "../ir/types.js";

/** Where a mode puts the statement binding a rule function's result: `const p = g_partials(x)`. */
export interface PartialsBinder {
  fresh(base: string): string;
  push(s: Stmt): void;
}

/**
 * The IR algebra for the rule of `e`: a user's rule calls its function once, as `callee` (the name the
 * caller's module reaches it by), bound to a constant through `binder` (its elements read as `p[i]` for
 * several partials); without a binder the call is left in place (a probe of what the partials read,
 * never printed).
 */
export function ruleAlgebra(e: Extract<Expr, { k: "math" }>, callee: string, binder?: PartialsBinder): Algebra<Expr> {
  const rule = e.rule;
  if (rule === undefined) return irAlgebra;
  return {
    ...irAlgebra,
    userPartials: (_fn, args, count) => {
      const call: Expr = { k: "call", fn: callee, target: rule.target, args, pos: rule.pos, partialsOf: rule.callee };
      let result: Expr = call;
      if (binder !== undefined) {
        const name = binder.fresh(`${rule.callee.slice(rule.callee.lastIndexOf(".") + 1)}_partial`);
        // An array of partials is declared as one, so forward mode over this code (a Hessian) follows it.
        binder.push({ k: "let", decl: "const", decls: [{ name, init: call, ...(count > 0 ? { info: localOf(arrayOf(NUM)) } : {}) }] });
        result = ref(name);
      }
      return count === 0 ? [result] : Array.from({ length: count }, (_, i) => index(result, num(i)));
    },
  };
}
