/**
 * The README's two reference tables, made from the code so they cannot drift: the derivative rules
 * (from the rule table) and the diagnostic codes (from transformer/diagnostics.ts and its comments).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { rules } from "../src/runtime/rules.js";

const DERIVATIVES: Record<string, string> = {
  sin: "cos x", cos: "-sin x", tan: "1 + tan²x", asin: "1/√(1-x²)", acos: "-1/√(1-x²)", atan: "1/(1+x²)",
  atan2: "(x, -y)/(x²+y²)", sinh: "cosh x", cosh: "sinh x", tanh: "1 - tanh²x", asinh: "1/√(x²+1)",
  acosh: "1/√(x²-1)", atanh: "1/(1-x²)", exp: "eˣ", expm1: "eˣ", log: "1/x", log1p: "1/(1+x)",
  log2: "1/(x ln 2)", log10: "1/(x ln 10)", sqrt: "1/(2√x)", cbrt: "1/(3∛x²)", pow: "(p xᵖ⁻¹, xᵖ ln x)",
  hypot: "xᵢ/hypot", abs: "sign x", min: "1 for the chosen argument", max: "1 for the chosen argument",
  floor: "0", ceil: "0", round: "0", trunc: "0", sign: "0", fround: "0",
};

export function rulesTable(): string {
  const rows = Object.entries(rules).map(([name, rule]) => `| \`Math.${name}\` | ${DERIVATIVES[name] ?? ""} | ${rule.edge} |`);
  return ["| function | derivative | at the edge of its domain / non-differentiable points |", "| --- | --- | --- |", ...rows].join("\n");
}

export function codesTable(): string {
  const text = readFileSync(fileURLToPath(new URL("../transformer/diagnostics.ts", import.meta.url)).replace("/dist/", "/"), "utf8");
  const rows: string[] = [];
  const pattern = /\/\*\*\s*((?:(?!\*\/)[\s\S])*?)\s*\*\/\s*(\w+): "(ADC\d{4})"/g;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const doc = m[1].replace(/\s*\n\s*\*\s*/g, " ").trim();
    rows.push(`| ${m[3]} | \`${m[2]}\` | ${doc} |`);
  }
  return ["| code | name | meaning |", "| --- | --- | --- |", ...rows].join("\n");
}

/** Replace the block between `<!-- name:start -->` and `<!-- name:end -->`. */
export function replaceBlock(readme: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i < 0 || j < i) throw new Error(`README has no ${name} block`);
  return `${readme.slice(0, i + start.length)}\n${body}\n${readme.slice(j)}`;
}

export function blockOf(readme: string, name: string): string {
  const start = `<!-- ${name}:start -->`;
  const i = readme.indexOf(start);
  const j = readme.indexOf(`<!-- ${name}:end -->`);
  return readme.slice(i + start.length, j).trim();
}
