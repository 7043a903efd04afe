/**
 * The compiler core shared by the CLI, the ts-patch plugin and the tests: from a TypeScript program
 * and the input files, the derivative functions of every annotated function (and of every function
 * they call), as IR → printed text, placed after their primal in each file.
 */
import ts from "typescript";
import { ADC, CompileError, type Diagnostic } from "./diagnostics.js";
import type { FunctionIR } from "./ir/ir.js";
import { collectFunctionSites, convertFunction, posOf, type FunctionSite } from "./frontend/frontend.js";
import { Activity, type Summary } from "./analyses/activity.js";
import { forwardMode } from "./modes/forward.js";
import { printFunction, type GeneratedFunction } from "./emit/print.js";
import { NameScope } from "./modes/names.js";

export type Mode = "dual";

/** One derivative function to generate: a function, a mode and the parameters that are active. */
export interface Variant {
  readonly key: string;
  readonly target: string;
  readonly mode: Mode;
  readonly activeParams: readonly string[];
  readonly name: string;
  readonly exported: boolean;
}

export interface FileOutput {
  /** The file's new text (without the header), or undefined if it has nothing to differentiate. */
  readonly text: string | undefined;
  /** The generated functions, in order, for the plugin. */
  readonly functions: readonly { readonly after: FunctionSite; readonly code: string; readonly fn: GeneratedFunction }[];
}

export interface CompileResult {
  readonly diagnostics: readonly Diagnostic[];
  readonly files: ReadonlyMap<string, FileOutput>;
}

export const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  allowImportingTsExtensions: true,
  types: [],
};

export function createProgram(files: readonly string[], options: ts.CompilerOptions = compilerOptions): ts.Program {
  return ts.createProgram({ rootNames: [...files], options });
}

const BOTTOM: Summary = { returnActive: false, activatedParams: new Set() };

const sameSummary = (a: Summary, b: Summary): boolean =>
  a.returnActive === b.returnActive && a.activatedParams.size === b.activatedParams.size && [...a.activatedParams].every((p) => b.activatedParams.has(p));

export function compileProgram(program: ts.Program, files: readonly string[]): CompileResult {
  return new Compilation(program, files).run();
}

class Compilation {
  private readonly checker: ts.TypeChecker;
  private readonly diagnostics: Diagnostic[] = [];
  private readonly sites = new Map<string, FunctionSite>();
  private readonly sitesByFile = new Map<string, FunctionSite[]>();
  private readonly irs = new Map<string, FunctionIR>();
  private readonly variants = new Map<string, Variant>();
  private readonly summaries = new Map<string, Summary>();
  private readonly inProgress = new Set<string>();
  private readonly readWhileInProgress = new Set<string>();
  private readonly moduleNames = new Map<string, NameScope>();
  /** Derived names a file must import: file → import-declaration start → names. */
  private readonly neededImports = new Map<string, Map<ts.ImportDeclaration, Set<string>>>();

  constructor(
    private readonly program: ts.Program,
    private readonly files: readonly string[],
  ) {
    this.checker = program.getTypeChecker();
  }

  run(): CompileResult {
    const sourceFiles: ts.SourceFile[] = [];
    for (const file of this.files) {
      const sf = this.program.getSourceFile(file);
      if (sf === undefined) {
        this.diagnostics.push({ code: ADC.unreadableInput, message: `cannot read ${file}` });
        continue;
      }
      sourceFiles.push(sf);
      for (const d of this.program.getSyntacticDiagnostics(sf)) {
        const { line, character } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
        this.diagnostics.push({ code: ADC.syntax, message: ts.flattenDiagnosticMessageText(d.messageText, "\n"), pos: { file: sf.fileName, line: line + 1, col: character + 1 } });
      }
    }
    if (this.diagnostics.length > 0) return { diagnostics: this.diagnostics, files: new Map() };

    for (const sf of sourceFiles) {
      const sites = collectFunctionSites(sf, this.checker, this.diagnostics);
      this.sitesByFile.set(sf.fileName, sites);
      for (const s of sites) this.sites.set(s.key, s);
      const scope = new NameScope(topLevelNames(sf));
      this.moduleNames.set(sf.fileName, scope);
    }
    // The annotated functions' own derivatives come first and take the plain names.
    for (const sf of sourceFiles) {
      for (const site of this.sitesByFile.get(sf.fileName)!) {
        if (site.annotation === undefined) continue;
        const ir = this.functionIROrReport(site.key);
        if (ir === undefined) continue;
        if (ir.returnShape === "other") {
          this.diagnostics.push({ code: ADC.badReturn, message: `${ir.name} returns ${ir.returnType}; a differentiable function returns number, number[] or Float64Array`, pos: ir.pos });
          continue;
        }
        if (site.annotation.hessian && ir.returnShape !== "num")
          this.diagnostics.push({ code: ADC.badHessian, message: `hessian needs ${ir.name} to return a number`, pos: ir.pos });
        this.variant(site.key, "dual", site.annotation.wrt);
      }
    }

    // Activity summaries to a fixed point across calls (recursion included), then generation.
    this.stabiliseSummaries();
    const generated = new Map<string, { after: FunctionSite; code: string; fn: GeneratedFunction }[]>();
    for (let i = 0; i < this.variants.size; i++) {
      const v = [...this.variants.values()][i];
      try {
        const ir = this.functionIR(v.target);
        const act = this.activity(ir, v.activeParams);
        this.diagnostics.push(...act.diagnostics);
        const fn = forwardMode(ir, act, v.name, v.exported, this.moduleNames.get(ir.file)!.names(), {
          dualName: (target, active) => this.callName(ir.file, target, active),
          returnsPair: (target) => this.functionIR(target).returnShape !== "other",
        });
        const site = this.sites.get(v.target)!;
        const list = generated.get(site.file) ?? [];
        list.push({ after: site, code: printFunction(fn), fn });
        generated.set(site.file, list);
      } catch (e) {
        if (e instanceof CompileError) this.diagnostics.push(e.diagnostic);
        else throw e;
      }
    }
    const unique = dedupe(this.diagnostics);
    if (unique.length > 0) return { diagnostics: unique, files: new Map() };

    const files = new Map<string, FileOutput>();
    for (const sf of sourceFiles) {
      const fns = generated.get(sf.fileName) ?? [];
      files.set(sf.fileName, { text: fns.length > 0 ? this.splice(sf, fns) + this.registration(sf) : undefined, functions: fns });
    }
    return { diagnostics: [], files };
  }

  /**
   * The block ending a module that registers each annotated function's derivatives, so that `grad(f)`,
   * `jvp(f)`, ... from "adc-ts" find them at run time. The ts-patch plugin reads the same block to
   * compile those calls to direct references.
   */
  private registration(sf: ts.SourceFile): string {
    const calls: string[] = [];
    let register: string | undefined;
    for (const site of this.sitesByFile.get(sf.fileName) ?? []) {
      if (site.annotation === undefined) continue;
      const wrt = site.annotation.wrt.join(",");
      const names = new Map<string, string>();
      for (const v of this.variants.values())
        if (v.target === site.key && v.activeParams.join(",") === wrt && REGISTERED_MODES.includes(v.mode)) names.set(v.mode, v.name);
      const entries = REGISTERED_MODES.filter((m) => names.has(m)).map((m) => `${m}: ${names.get(m)}`);
      if (entries.length === 0) continue;
      register ??= this.moduleNames.get(sf.fileName)!.fresh("registerDerivatives");
      calls.push(`${register}(${site.name}, { ${entries.join(", ")} });`);
    }
    if (register === undefined) return "";
    const binding = register === "registerDerivatives" ? register : `registerDerivatives as ${register}`;
    const lines = [`// Lets grad(f), jvp(f), ... from "adc-ts" find these derivatives at run time.`, `import { ${binding} } from "adc-ts/runtime";`, ...calls];
    return `${sf.text.endsWith("\n") ? "\n" : "\n\n"}${lines.join("\n")}\n`;
  }

  private functionIR(key: string): FunctionIR {
    let ir = this.irs.get(key);
    if (ir === undefined) {
      const site = this.sites.get(key);
      if (site === undefined) throw new Error(`internal: no function ${key}`);
      ir = convertFunction(site, this.checker, (callee) => this.resolveCallee(callee));
      this.irs.set(key, ir);
    }
    return ir;
  }

  private functionIROrReport(key: string): FunctionIR | undefined {
    try {
      return this.functionIR(key);
    } catch (e) {
      if (e instanceof CompileError) {
        this.diagnostics.push(e.diagnostic);
        return undefined;
      }
      throw e;
    }
  }

  private resolveCallee(callee: ts.Expression): FunctionSite | undefined {
    let symbol = this.checker.getSymbolAtLocation(ts.isPropertyAccessExpression(callee) ? callee.name : callee);
    if (symbol === undefined) return undefined;
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
    if (decl === undefined) return undefined;
    const name = ts.isFunctionDeclaration(decl) || ts.isVariableDeclaration(decl) ? decl.name?.getText() : undefined;
    if (name === undefined) return undefined;
    return this.sites.get(`${decl.getSourceFile().fileName}#${name}`);
  }

  private activity(ir: FunctionIR, activeParams: readonly string[]): Activity {
    return new Activity(ir, activeParams, {
      functionIR: (t) => this.functionIR(t),
      summary: (t, ap) => this.summary(t, ap),
    });
  }

  private summary(target: string, activeParams: readonly string[]): Summary {
    const key = `${target}|${activeParams.join(",")}`;
    if (this.inProgress.has(key)) {
      this.readWhileInProgress.add(key);
      return this.summaries.get(key) ?? BOTTOM;
    }
    for (;;) {
      this.inProgress.add(key);
      this.readWhileInProgress.delete(key);
      let act: Activity;
      try {
        act = this.activity(this.functionIR(target), activeParams);
      } finally {
        this.inProgress.delete(key);
      }
      const s: Summary = { returnActive: act.returnActive, activatedParams: act.activatedParams };
      const before = this.summaries.get(key) ?? BOTTOM;
      this.summaries.set(key, s);
      if (!this.readWhileInProgress.has(key) || sameSummary(before, s)) return s;
    }
  }

  private stabiliseSummaries(): void {
    for (let round = 0; round < 50; round++) {
      let changed = false;
      for (const v of [...this.variants.values()]) {
        const key = `${v.target}|${v.activeParams.join(",")}`;
        const before = this.summaries.get(key);
        try {
          const act = this.activity(this.functionIR(v.target), v.activeParams);
          const s: Summary = { returnActive: act.returnActive, activatedParams: act.activatedParams };
          this.summaries.set(key, s);
          if (before === undefined || !sameSummary(before, s)) changed = true;
        } catch (e) {
          if (!(e instanceof CompileError)) throw e;
        }
        // Registering callee variants happens during generation; summaries of callees come from summary().
      }
      if (!changed) return;
    }
  }

  /** Register (once) the derivative of `target` with these active parameters; returns its name. */
  private variant(target: string, mode: Mode, activeParams: readonly string[]): Variant {
    const key = `${target}|${mode}|${activeParams.join(",")}`;
    let v = this.variants.get(key);
    if (v === undefined) {
      const site = this.sites.get(target)!;
      const ir = this.functionIR(target);
      const primary = site.annotation?.wrt ?? ir.params.filter((p) => p.shape !== "other").map((p) => p.name);
      const isPrimary = primary.length === activeParams.length && primary.every((p, i) => p === activeParams[i]);
      const base = `${site.name}_${mode}${isPrimary ? "" : `_${activeParams.join("_")}`}`;
      const name = this.moduleNames.get(site.file)!.fresh(base);
      v = { key, target, mode, activeParams, name, exported: site.exported };
      this.variants.set(key, v);
    }
    return v;
  }

  /** The name a file uses to call a derivative, importing it when it lives in another file. */
  private callName(callerFile: string, target: string, activeParams: readonly string[]): string {
    const v = this.variant(target, "dual", activeParams);
    const site = this.sites.get(target)!;
    if (site.file !== callerFile) {
      const sf = this.program.getSourceFile(callerFile)!;
      const decl = findImportOf(sf, this.checker, site);
      if (decl !== undefined) {
        const perFile = this.neededImports.get(callerFile) ?? new Map<ts.ImportDeclaration, Set<string>>();
        const names = perFile.get(decl) ?? new Set<string>();
        names.add(v.name);
        perFile.set(decl, names);
        this.neededImports.set(callerFile, perFile);
      }
    }
    return v.name;
  }

  /** The file's text with each derivative after its primal and the derived names imported. */
  private splice(sf: ts.SourceFile, fns: readonly { after: FunctionSite; code: string }[]): string {
    const edits: { at: number; text: string }[] = [];
    for (const f of fns) edits.push({ at: f.after.end, text: `\n\n${f.code}` });
    for (const [decl, names] of this.neededImports.get(sf.fileName) ?? []) {
      const clause = decl.importClause?.namedBindings;
      if (clause !== undefined && ts.isNamedImports(clause)) {
        const last = clause.elements[clause.elements.length - 1];
        edits.push({ at: last.end, text: [...names].sort().map((n) => `, ${n}`).join("") });
      }
    }
    edits.sort((a, b) => b.at - a.at);
    let text = sf.text;
    for (const e of edits) text = text.slice(0, e.at) + e.text + text.slice(e.at);
    return text;
  }
}

/** The import declaration through which `sf` sees `site` by name, if any. */
function findImportOf(sf: ts.SourceFile, checker: ts.TypeChecker, site: FunctionSite): ts.ImportDeclaration | undefined {
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || st.importClause?.namedBindings === undefined) continue;
    const nb = st.importClause.namedBindings;
    if (!ts.isNamedImports(nb)) continue;
    for (const el of nb.elements) {
      const sym = checker.getSymbolAtLocation(el.name);
      const target = sym && sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
      const decl = target?.valueDeclaration ?? target?.declarations?.[0];
      if (decl !== undefined && decl.getSourceFile().fileName === site.file && (el.propertyName ?? el.name).text === site.name) return st;
    }
  }
  return undefined;
}

/** Names declared or imported at a module's top level: generated functions must not take them. */
function topLevelNames(sf: ts.SourceFile): string[] {
  const names: string[] = [];
  for (const st of sf.statements) {
    if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isModuleDeclaration(st)) && st.name !== undefined && ts.isIdentifier(st.name))
      names.push(st.name.text);
    else if (ts.isVariableStatement(st)) {
      const visit = (n: ts.Node): void => {
        if (ts.isIdentifier(n)) names.push(n.text);
        ts.forEachChild(n, visit);
      };
      for (const d of st.declarationList.declarations) visit(d.name);
    } else if (ts.isImportDeclaration(st) || ts.isImportEqualsDeclaration(st)) {
      const visit = (n: ts.Node): void => {
        if (ts.isIdentifier(n)) names.push(n.text);
        ts.forEachChild(n, visit);
      };
      visit(st);
    }
  }
  return names;
}

/** The derivatives registered for `grad(f)` and friends, in this order (`split` halves are internal). */
const REGISTERED_MODES: readonly string[] = ["dual", "grad", "vjp", "jacobian", "hessian"];

function dedupe(ds: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of ds) {
    const k = `${d.pos?.file}:${d.pos?.line}:${d.pos?.col}:${d.code}:${d.message}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(d);
    }
  }
  return out.sort((a, b) => (a.pos?.file ?? "").localeCompare(b.pos?.file ?? "") || (a.pos?.line ?? 0) - (b.pos?.line ?? 0) || (a.pos?.col ?? 0) - (b.pos?.col ?? 0));
}

export { posOf };
