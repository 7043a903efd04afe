/**
 * The ts-patch plugin (`{ "transform": "adc-ts/transformer" }` in compilerOptions.plugins): during a
 * `tspc` build, each annotated function's derivatives go right after it, exactly the code
 * `adc transform` writes, and `grad(f)`, `jvp(f)`, ... compile to direct references to them.
 *
 * Two TypeScripts meet here. The analysis is our core on our own bundled TypeScript (a program of its
 * own over the same files), because the core reads AST kinds that differ between TypeScript versions.
 * Every node handed back to the host compiler is made by the host's TypeScript (`extras.ts`): the
 * core's output text is parsed with the host's parser and spliced in, so the plugin works with
 * whichever TypeScript `tspc` runs (5.9 under ts-patch 3.3, 6.0 under ts-patch 4).
 */
import type ts from "typescript";
import { compileProgram, createProgram, type CompileResult } from "./core.js";
import { TAG } from "./frontend/frontend.js";
import type { Diagnostic } from "./diagnostics.js";

type TS = typeof ts;

/** What ts-patch passes as the third argument of a source transformer (the part we use). */
export interface TransformerExtras {
  readonly ts: TS;
  readonly addDiagnostic: (diagnostic: ts.Diagnostic) => unknown;
}

/** The module that exports the call-site API, and which derivative each function of it stands for. */
const API_MODULE = "adc-ts";
const API_KIND: Readonly<Record<string, string>> = { jvp: "dual", grad: "grad", vjp: "vjp", jacobian: "jacobian", hessian: "hessian", hvp: "hvp", valueAndGrad: "grad" };
/** API functions that wrap the derivative rather than being it: they get it as a second argument. */
const WRAPPERS = new Set(["valueAndGrad"]);

/** ADC2001 → TS92001 in tsc's output: tsc prints every code as `TS<number>`; the message starts with the ADC code. */
export const tsCodeOf = (adcCode: string): number => 90000 + Number(adcCode.replace(/^ADC/, ""));

/** Per host program: our compilation of its files, and derivative names by function (`file#name` → kind → name). */
interface Analysis {
  readonly result: CompileResult;
  readonly derivatives: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

const analyses = new WeakMap<ts.Program, Analysis | undefined>();

/** The source files of the user's own program: not declarations, not from node_modules. */
function ownFiles(program: ts.Program): ts.SourceFile[] {
  return program.getSourceFiles().filter((sf) => !sf.isDeclarationFile && !program.isSourceFileFromExternalLibrary(sf) && /\.[cm]?ts$/.test(sf.fileName));
}

function analyse(program: ts.Program, hostTs: TS): Analysis | undefined {
  if (analyses.has(program)) return analyses.get(program);
  const files = ownFiles(program);
  let analysis: Analysis | undefined;
  // A program without the tag has nothing to differentiate: skip the second compilation entirely.
  if (files.some((sf) => sf.text.includes(TAG))) {
    const names = files.map((sf) => sf.fileName);
    const result = compileProgram(createProgram(names), names);
    analysis = { result, derivatives: registeredNames(result, hostTs) };
  }
  analyses.set(program, analysis);
  return analysis;
}

/**
 * Derivative names per annotated function, read from the registration block the core ends each
 * generated module with (`registerDerivatives(f, { dual: f_dual, grad: f_grad })`), so that the
 * plugin's direct references and the run-time lookup can never disagree.
 */
function registeredNames(result: CompileResult, hostTs: TS): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const [file, output] of result.files) {
    if (output.text === undefined) continue;
    const sf = hostTs.createSourceFile(file, output.text, hostTs.ScriptTarget.Latest, false, hostTs.ScriptKind.TS);
    const register = registerBinding(sf, hostTs);
    if (register === undefined) continue;
    for (const st of sf.statements) {
      if (!hostTs.isExpressionStatement(st) || !hostTs.isCallExpression(st.expression)) continue;
      const call = st.expression;
      const [primal, table] = call.arguments;
      if (!hostTs.isIdentifier(call.expression) || call.expression.text !== register || primal === undefined || !hostTs.isIdentifier(primal)) continue;
      if (table === undefined || !hostTs.isObjectLiteralExpression(table)) continue;
      const kinds = new Map<string, string>();
      for (const p of table.properties)
        if (hostTs.isPropertyAssignment(p) && hostTs.isIdentifier(p.name) && hostTs.isIdentifier(p.initializer)) kinds.set(p.name.text, p.initializer.text);
      out.set(`${file}#${primal.text}`, kinds);
    }
  }
  return out;
}

/** The local name of `registerDerivatives` imported from adc-ts/runtime, if the file imports it. */
function registerBinding(sf: ts.SourceFile, hostTs: TS): string | undefined {
  for (const st of sf.statements) {
    if (!hostTs.isImportDeclaration(st) || !hostTs.isStringLiteral(st.moduleSpecifier) || st.moduleSpecifier.text !== "adc-ts/runtime") continue;
    const bindings = st.importClause?.namedBindings;
    if (bindings === undefined || !hostTs.isNamedImports(bindings)) continue;
    for (const el of bindings.elements) if ((el.propertyName ?? el.name).text === "registerDerivatives") return el.name.text;
  }
  return undefined;
}

/** A core diagnostic as the host compiler's, so that tsc prints it with file, line, column and code. */
function toTsDiagnostic(d: Diagnostic, program: ts.Program, hostTs: TS): ts.Diagnostic {
  const file = d.pos !== undefined ? program.getSourceFile(d.pos.file) : undefined;
  let start: number | undefined;
  let length: number | undefined;
  if (file !== undefined && d.pos !== undefined) {
    start = hostTs.getPositionOfLineAndCharacter(file, d.pos.line - 1, d.pos.col - 1);
    length = /^[\w$.]+/.exec(file.text.slice(start))?.[0].length ?? 1;
  }
  const category = d.severity === "warning" ? hostTs.DiagnosticCategory.Warning : hostTs.DiagnosticCategory.Error;
  return { file, start, length, category, code: tsCodeOf(d.code), messageText: `${d.code}: ${d.message}`, source: "adc-ts" };
}

/**
 * Make parsed nodes look synthesized to the host's emitter: no positions in a foreign text (the
 * printer would read comments and literals from the wrong file), the Synthesized flag (so the checker
 * never resolves them as parse-tree nodes), numeric literals kept as written, and optionally one
 * source-map range for all of them (the original function).
 */
function synthesize(node: ts.Node, sf: ts.SourceFile, hostTs: TS, mapTo: ts.SourceMapRange | undefined): void {
  const detachRange = (range: { pos: number; end: number }): void => {
    (range as { pos: number }).pos = -1;
    (range as { end: number }).end = -1;
  };
  const visit = (n: ts.Node): void => {
    if (hostTs.isNumericLiteral(n) || hostTs.isBigIntLiteral(n)) (n as { text: string }).text = sf.text.slice(n.getStart(sf), n.end);
    hostTs.forEachChild(n, visit, (nodes) => {
      nodes.forEach(visit);
      detachRange(nodes);
      return undefined;
    });
    detachRange(n);
    (n as { flags: number }).flags |= hostTs.NodeFlags.Synthesized;
    if (mapTo !== undefined) hostTs.setSourceMapRange(n, mapTo);
  };
  visit(node);
}

const statementText = (st: ts.Statement, sf: ts.SourceFile): string => sf.text.slice(st.getStart(sf), st.end);

/**
 * The file's statements with the generated code spliced in. The core's output text is the original
 * text with insertions only (derivatives after their primal, names added to import lists, imports
 * of the runtime), so walking both statement lists side by side tells original statements (kept as
 * the very same nodes) from new ones (parsed by the host and made synthesized).
 */
function spliceGenerated(sf: ts.SourceFile, generatedText: string, hostTs: TS, context: ts.TransformationContext): ts.Statement[] {
  const gen = hostTs.createSourceFile(sf.fileName, generatedText, sf.languageVersion, false, hostTs.ScriptKind.TS);
  const original = sf.statements;
  const out: ts.Statement[] = [];
  let next = 0;
  let lastOriginal: ts.Statement | undefined;
  for (const st of gen.statements) {
    const candidate = original[next] as ts.Statement | undefined;
    if (candidate !== undefined && statementText(candidate, sf) === statementText(st, gen)) {
      out.push(candidate);
      lastOriginal = candidate;
      next++;
    } else if (candidate !== undefined && hostTs.isImportDeclaration(candidate) && hostTs.isImportDeclaration(st) && sameModule(candidate, st, hostTs)) {
      out.push(withAddedSpecifiers(candidate, st, gen, hostTs, context));
      lastOriginal = candidate;
      next++;
    } else {
      const mapTo = lastOriginal === undefined ? undefined : { pos: lastOriginal.getStart(sf), end: lastOriginal.end };
      synthesize(st, gen, hostTs, mapTo);
      out.push(st);
    }
  }
  if (next !== original.length) throw new Error(`adc-ts plugin: internal error: ${sf.fileName}: generated text does not contain statement ${next + 1} of the source`);
  return out;
}

function sameModule(a: ts.ImportDeclaration, b: ts.ImportDeclaration, hostTs: TS): boolean {
  return hostTs.isStringLiteral(a.moduleSpecifier) && hostTs.isStringLiteral(b.moduleSpecifier) && a.moduleSpecifier.text === b.moduleSpecifier.text;
}

/** The original import with the names the generated code added to it (`import { g, g_dual } ...`). */
function withAddedSpecifiers(original: ts.ImportDeclaration, generated: ts.ImportDeclaration, gen: ts.SourceFile, hostTs: TS, context: ts.TransformationContext): ts.ImportDeclaration {
  const have = original.importClause?.namedBindings;
  const want = generated.importClause?.namedBindings;
  if (have === undefined || want === undefined || !hostTs.isNamedImports(have) || !hostTs.isNamedImports(want)) return original;
  const known = new Set(have.elements.map((e) => e.name.text));
  const added = want.elements.filter((e) => !known.has(e.name.text));
  for (const e of added) synthesize(e, gen, hostTs, undefined);
  const named = context.factory.updateNamedImports(have, [...have.elements, ...added]);
  // visitEachChild rebuilds the clause and the declaration with whatever update functions this TypeScript has.
  const replace = (n: ts.Node): ts.Node => (n === have ? named : hostTs.visitEachChild(n, replace, context));
  return hostTs.visitEachChild(original, replace, context);
}

/** `grad(f)` → `f_grad`, `valueAndGrad(f)` → `valueAndGrad(f, f_grad)`: no lookup at run time. */
class CallSiteRewriter {
  private readonly checker: ts.TypeChecker;
  private readonly usedNames: Set<string>;
  /** Derivatives imported from other modules: module specifier → imported name → local name. */
  private readonly imports = new Map<string, Map<string, string>>();

  constructor(
    private readonly sf: ts.SourceFile,
    private readonly program: ts.Program,
    private readonly derivatives: ReadonlyMap<string, ReadonlyMap<string, string>>,
    private readonly hostTs: TS,
    private readonly context: ts.TransformationContext,
  ) {
    this.checker = program.getTypeChecker();
    this.usedNames = new Set(sf.text.match(/[\w$]+/g) ?? []);
  }

  rewrite(statements: readonly ts.Statement[]): ts.Statement[] {
    const visit = (n: ts.Node): ts.Node => {
      if (this.hostTs.isCallExpression(n)) {
        const replaced = this.rewriteCall(n);
        if (replaced !== undefined) return replaced;
      }
      return this.hostTs.visitEachChild(n, visit, this.context);
    };
    const body = statements.map((st) => this.hostTs.visitNode(st, visit) as ts.Statement);
    return [...this.importStatements(), ...body];
  }

  /** One `import { f_dual, f_grad } from "./f.js";` per module, parsed by the host and synthesized. */
  private importStatements(): ts.Statement[] {
    const t = this.hostTs;
    return [...this.imports].map(([specifier, names]) => {
      const list = [...names].map(([name, local]) => (local === name ? name : `${name} as ${local}`)).join(", ");
      const parsed = t.createSourceFile(this.sf.fileName, `import { ${list} } from ${JSON.stringify(specifier)};`, this.sf.languageVersion, false, t.ScriptKind.TS);
      const st = parsed.statements[0];
      synthesize(st, parsed, t, undefined);
      return st;
    });
  }

  private rewriteCall(call: ts.CallExpression): ts.Expression | undefined {
    // Only the user's own calls (generated code never calls the API; synthesized nodes have no symbols).
    if (call.arguments.length !== 1 || call.pos < 0) return undefined;
    const api = this.apiFunction(call.expression);
    if (api === undefined) return undefined;
    const arg = call.arguments[0];
    const target = this.functionOf(arg);
    if (target === undefined) return undefined;
    const name = this.derivatives.get(target.key)?.get(API_KIND[api]);
    if (name === undefined) return undefined; // left to the run-time lookup, which explains what is missing
    const reference = this.referenceTo(arg, target.file, target.key.slice(target.key.lastIndexOf("#") + 1), name);
    if (reference === undefined) return undefined;
    const f = this.context.factory;
    return WRAPPERS.has(api) ? f.updateCallExpression(call, call.expression, call.typeArguments, [arg, reference]) : reference;
  }

  /** The API function a callee names (`grad`, `adc.grad`, an alias), if it comes from "adc-ts". */
  private apiFunction(callee: ts.Expression): string | undefined {
    const t = this.hostTs;
    const node = t.isPropertyAccessExpression(callee) ? callee.name : t.isIdentifier(callee) ? callee : undefined;
    if (node === undefined) return undefined;
    const symbol = this.checker.getSymbolAtLocation(node);
    const decl = symbol?.declarations?.[0];
    let name: string | undefined;
    let importDecl: ts.Node | undefined;
    if (decl !== undefined && t.isImportSpecifier(decl)) {
      name = (decl.propertyName ?? decl.name).text;
      importDecl = decl.parent.parent.parent;
    } else if (t.isPropertyAccessExpression(callee) && t.isIdentifier(callee.expression)) {
      const ns = this.checker.getSymbolAtLocation(callee.expression)?.declarations?.[0];
      if (ns !== undefined && t.isNamespaceImport(ns)) {
        name = callee.name.text;
        importDecl = ns.parent.parent;
      }
    }
    if (name === undefined || importDecl === undefined || !t.isImportDeclaration(importDecl)) return undefined;
    const spec = importDecl.moduleSpecifier;
    return t.isStringLiteral(spec) && spec.text === API_MODULE && name in API_KIND ? name : undefined;
  }

  /** The top-level function an argument names, as the core's key `file#name`. */
  private functionOf(arg: ts.Expression): { key: string; file: string } | undefined {
    const t = this.hostTs;
    let symbol = this.checker.getSymbolAtLocation(t.isPropertyAccessExpression(arg) ? arg.name : arg);
    if (symbol === undefined) return undefined;
    if (symbol.flags & t.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
    if (decl === undefined) return undefined;
    const named = (t.isFunctionDeclaration(decl) || t.isVariableDeclaration(decl)) && decl.name !== undefined && t.isIdentifier(decl.name) ? decl.name.text : undefined;
    if (named === undefined) return undefined;
    const file = decl.getSourceFile().fileName;
    return { key: `${file}#${named}`, file };
  }

  /**
   * An expression for the derivative `name` of the function `arg` names, declared as `fnName` in
   * `file`. A module exporting the function as `g` exports its derivatives as `g_grad`, ...; as its
   * default, by their own names (the core's rule).
   */
  private referenceTo(arg: ts.Expression, file: string, fnName: string, name: string): ts.Expression | undefined {
    const t = this.hostTs;
    const f = this.context.factory;
    if (file === this.sf.fileName) return f.createIdentifier(name);
    const suffix = name.slice(fnName.length);
    if (t.isPropertyAccessExpression(arg)) return f.createPropertyAccessExpression(arg.expression, `${arg.name.text}${suffix}`); // ns.f → ns.f_grad
    if (!t.isIdentifier(arg)) return undefined;
    const decl = this.checker.getSymbolAtLocation(arg)?.declarations?.[0];
    const importDecl = decl === undefined ? undefined : t.isImportSpecifier(decl) ? decl.parent.parent.parent : t.isImportClause(decl) ? decl.parent : undefined;
    if (decl === undefined || importDecl === undefined || !t.isStringLiteral(importDecl.moduleSpecifier)) return undefined;
    const exported = t.isImportSpecifier(decl) ? `${(decl.propertyName ?? decl.name).text}${suffix}` : name;
    const specifier = importDecl.moduleSpecifier.text;
    const names = this.imports.get(specifier) ?? new Map<string, string>();
    this.imports.set(specifier, names);
    let local = names.get(exported);
    if (local === undefined) {
      local = this.freshName(`${arg.text}${suffix}`);
      names.set(exported, local);
    }
    return f.createIdentifier(local);
  }

  private freshName(base: string): string {
    let name = base;
    for (let i = 2; this.usedNames.has(name); i++) name = `${base}${i}`;
    this.usedNames.add(name);
    return name;
  }
}

/** Whether a file uses the call-site API at all (a cheap test before walking it). */
const importsApi = (sf: ts.SourceFile): boolean => sf.text.includes(`"${API_MODULE}"`) || sf.text.includes(`'${API_MODULE}'`);

/**
 * The plugin: ts-patch calls it once per program with the host TypeScript in `extras.ts`.
 * Diagnostics go through `extras.addDiagnostic`, so `tspc` prints them and exits non-zero.
 */
export function adcTransformer(program: ts.Program, _config: unknown, extras: TransformerExtras): ts.TransformerFactory<ts.SourceFile> {
  const hostTs = extras.ts;
  const analysis = analyse(program, hostTs);
  if (analysis !== undefined) for (const d of [...analysis.result.warnings, ...analysis.result.diagnostics]) extras.addDiagnostic(toTsDiagnostic(d, program, hostTs));
  return (context) => (sf) => {
    if (analysis === undefined || analysis.result.diagnostics.length > 0) return sf;
    const text = analysis.result.files.get(sf.fileName)?.text;
    let statements: readonly ts.Statement[] = text === undefined ? sf.statements : spliceGenerated(sf, text, hostTs, context);
    if (importsApi(sf)) statements = new CallSiteRewriter(sf, program, analysis.derivatives, hostTs, context).rewrite(statements);
    return statements === sf.statements ? sf : context.factory.updateSourceFile(sf, statements);
  };
}
