/**
 * The user's derivative rules (`/** @derivative of=f *\/ function f_partials(x: number): number`): the
 * compile-time half of the open rule table (`userRule` in src/runtime/rules.ts is the other). Each rule
 * is checked against its function's signature once, and calls of the function (through an import, a
 * default import, a namespace or a `const` alias) are then intrinsics whose partials the rule gives.
 */
import { basename } from "node:path";
import ts from "typescript";
import { ADC, type Diagnostic } from "../diagnostics.js";
import type { UserRuleCall } from "../ir/ir.js";
import { typeText, type Type } from "../ir/types.js";
import { posOf, typeOf, type FunctionSite, type RuleResolver } from "./frontend.js";

type RuleEntry = Omit<UserRuleCall, "callee" | "pos">;

export class UserRules {
  private readonly bySymbol = new Map<ts.Symbol, RuleEntry & { readonly site: FunctionSite }>();
  /** The rule functions by key, with the name of the function each gives the partials of. */
  private readonly ruleSites = new Map<string, RuleEntry>();

  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly diagnostics: Diagnostic[],
  ) {}

  /** Check the rule `site` is (its `@derivative of=` tag) and register it. */
  add(site: FunctionSite): void {
    const tag = site.ruleFor!;
    const problem = (code: string, message: string, pos = posOf(site.node)): void => void this.diagnostics.push({ code, message, pos });
    const named = this.checker.resolveName(tag.of, site.node, ts.SymbolFlags.Value | ts.SymbolFlags.Alias, false);
    if (named === undefined) return problem(ADC.badRule, `of=${tag.of} names nothing ${site.name}'s module sees: import or declare the function the rule is for`, tag.pos);
    const { symbol } = this.underlying(named);
    const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
    const own = ts.isFunctionDeclaration(site.node) ? site.node : site.node.declarationList.declarations[0];
    if (declaration === own)
      return problem(ADC.badRule, `${site.name} is a rule for itself: of= names the function whose partial derivatives ${site.name} returns`, tag.pos);
    const known = this.bySymbol.get(symbol);
    if (known !== undefined) {
      const at = posOf(known.site.node);
      return problem(ADC.badRule, `${tag.of} already has a rule, ${known.site.name} (${basename(at.file)}:${at.line}:${at.col}); a function has one rule`, tag.pos);
    }
    const signatures = declaration !== undefined ? this.checker.getTypeOfSymbolAtLocation(symbol, declaration).getCallSignatures() : [];
    if (signatures.length === 0) return problem(ADC.badRule, `of=${tag.of} names something that is not a function`, tag.pos);
    if (signatures.length > 1) return problem(ADC.ruleSignature, `${tag.of} is overloaded (${signatures.length} signatures); a rule is for a function with one signature`);
    const target = signatures[0];
    const arity = target.getParameters().length;
    const targetParams = this.numberParams(target, tag.of);
    if (typeof targetParams === "string") return problem(ADC.ruleSignature, targetParams);
    if (arity === 0) return problem(ADC.ruleSignature, `${tag.of} takes no argument, so it has no derivative to give`);
    const result = this.typeOf(target.getReturnType());
    if (result.k !== "num") return problem(ADC.ruleSignature, `${tag.of} returns ${typeText(result)}; a rule is for a function returning a number`);

    const rule = this.checker.getSignatureFromDeclaration(site.fn);
    if (rule === undefined) return problem(ADC.ruleSignature, `${site.name} has no signature adc-ts can read`);
    const given = rule.getParameters().length;
    if (given !== arity) return problem(ADC.ruleSignature, `${site.name} takes ${given} parameter(s) and ${tag.of} takes ${arity}: a rule takes the function's arguments, in order`);
    const ruleParams = this.numberParams(rule, site.name);
    if (typeof ruleParams === "string") return problem(ADC.ruleSignature, ruleParams);
    const partials = this.typeOf(rule.getReturnType());
    const shape = partialsShape(partials, arity);
    if (shape === undefined) {
      const expected = arity === 1 ? "number (the derivative)" : `[${new Array<string>(arity).fill("number").join(", ")}] or number[] (one partial per argument)`;
      return problem(ADC.ruleSignature, `${site.name} returns ${typeText(partials)}; the rule for ${tag.of}, a function of ${arity} number(s), returns ${expected}`);
    }
    const entry: RuleEntry = { target: site.key, name: site.name, arity, count: arity === 1 ? 0 : arity };
    this.bySymbol.set(symbol, { ...entry, site });
    this.ruleSites.set(site.key, entry);
  }

  /** The rule a callee reaches, or why it does not (see `RuleResolver`). */
  readonly resolve: RuleResolver = (callee) => {
    const named = this.checker.getSymbolAtLocation(ts.isPropertyAccessExpression(callee) ? callee.name : callee);
    if (named === undefined || this.bySymbol.size === 0) return undefined;
    const { symbol, mutableAlias } = this.underlying(named);
    const entry = this.bySymbol.get(symbol);
    if (entry === undefined) return undefined;
    if (mutableAlias !== undefined)
      return `${mutableAlias} is a let or var alias of ${symbol.name}, whose derivative rule is ${entry.name}: declare the alias const (a variable may be assigned another function)`;
    const { site: _site, ...rule } = entry;
    return rule;
  };

  /** The rule `key` is (a rule function's key), if any. */
  ruleAt(key: string): RuleEntry | undefined {
    return this.ruleSites.get(key);
  }

  /** The symbol a name stands for through imports and `const` aliases (`const lg = gammaln`); the first `let`/`var` alias on the way. */
  private underlying(symbol: ts.Symbol): { symbol: ts.Symbol; mutableAlias?: string } {
    let mutableAlias: string | undefined;
    for (let depth = 0; depth < 100; depth++) {
      if (symbol.flags & ts.SymbolFlags.Alias) {
        symbol = this.checker.getAliasedSymbol(symbol);
        continue;
      }
      const decl = symbol.valueDeclaration;
      if (decl === undefined || !ts.isVariableDeclaration(decl) || decl.initializer === undefined || decl.type !== undefined) break;
      let init = decl.initializer;
      while (ts.isParenthesizedExpression(init)) init = init.expression;
      if (!ts.isIdentifier(init) && !ts.isPropertyAccessExpression(init)) break;
      const next = this.checker.getSymbolAtLocation(ts.isPropertyAccessExpression(init) ? init.name : init);
      if (next === undefined || !(next.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Alias | ts.SymbolFlags.Variable))) break;
      if (!(decl.parent.flags & ts.NodeFlags.Const)) mutableAlias ??= symbol.name;
      symbol = next;
    }
    return mutableAlias !== undefined ? { symbol, mutableAlias } : { symbol };
  }

  /** Undefined when every parameter of `signature` is a plain number, else what is wrong. */
  private numberParams(signature: ts.Signature, name: string): undefined | string {
    for (const p of signature.getParameters()) {
      const decl = p.valueDeclaration;
      if (decl !== undefined && ts.isParameter(decl) && (decl.dotDotDotToken !== undefined || decl.questionToken !== undefined || decl.initializer !== undefined))
        return `${name}'s parameter ${p.name} is ${decl.dotDotDotToken !== undefined ? "a rest parameter" : "optional"}; a rule is for a function of a fixed number of numbers`;
      const t = this.typeOf(this.checker.getTypeOfSymbol(p));
      if (t.k !== "num")
        return `${name}'s parameter ${p.name} is ${typeText(t)}; a rule is for a function of numbers (rules for functions of arrays, a pushforward or pullback, are not supported)`;
    }
    return undefined;
  }

  private typeOf(t: ts.Type): Type {
    return typeOf(t, this.checker);
  }
}

/** What a rule's result holds for a function of `arity` numbers: one partial, a tuple of them or an array. */
function partialsShape(t: Type, arity: number): "num" | "tuple" | "array" | undefined {
  if (arity === 1) return t.k === "num" ? "num" : undefined;
  if (t.k === "tuple") return t.elems.length === arity && t.elems.every((e) => e.k === "num") ? "tuple" : undefined;
  if (t.k === "array") return t.elem.k === "num" ? "array" : undefined;
  return undefined;
}
