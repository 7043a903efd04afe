/**
 * The compiler core shared by the CLI, the ts-patch plugin and the tests: from a TypeScript program
 * and the input files, the derivative functions of every annotated function (and of every function
 * they call), as IR → printed text, placed after their primal in each file.
 */
import { basename, dirname, relative, sep } from "node:path";
import ts from "typescript";
import { ADC, CompileError, diagnosticKey, foldCallChain, type Diagnostic } from "./diagnostics.js";
import type { Annotation, Expr, FunctionIR, SourcePos, Stmt, UserRuleCall } from "./ir/ir.js";
import { localOf, NUM, opaque, paramOf, tangentType } from "./ir/types.js";
import { arrayHolders, callsIn, childLists, forEachVarWrite, lvalueRoot, num, ref, walkStmts, writtenNames } from "./ir/build.js";
import { collectFunctionSites, convertFunction, posOf, siteKey, type FunctionSite } from "./frontend/frontend.js";
import { UserRules } from "./frontend/rules.js";
import { Activity, type CallExpr, type Summary } from "./analyses/activity.js";
import { arrayAliases, rowAliases } from "./analyses/pointers.js";
import { forwardMode, renameCallee, type ForwardContext } from "./modes/forward.js";
import { lowerForReverse, type LoweredFunction } from "./modes/lower.js";
import { inlinable, inlineLeafCalls } from "./modes/inline.js";
import {
  asFunctionIR,
  isTapeTarget,
  parseSplitTarget,
  reverseJoint,
  returnedAdjoints,
  reverseReadArrays,
  reverseSplit,
  tapeDualName,
  tapeFunctionIR,
  tapeReturnsActive,
  type ReverseContext,
} from "./modes/reverse.js";
import { hessianDriver, hvpDriver, jacobianDriver } from "./modes/drivers.js";
import { printFunction, type GeneratedFunction } from "./emit/print.js";
import { NameScope } from "./modes/names.js";

/**
 * dual: forward mode (f_dual); grad, vjp: reverse mode in one function; split: a callee's reverse mode
 * as two functions (g_fwd for its caller's forward sweep, g_bwd for its reverse sweep); jacobian,
 * hessian, hvp: drivers over the others (hessian and hvp over the f_gradient_dual hessian writes).
 */
export type Mode = "dual" | "grad" | "vjp" | "split" | "jacobian" | "hessian" | "hvp";

/** One derivative function to generate: a function, a mode and the parameters that are active. */
export interface Variant {
  readonly key: string;
  readonly target: string;
  readonly mode: Mode;
  readonly activeParams: readonly string[];
  readonly name: string;
  /** split: the name of the reverse half (`g_bwd`); `name` is the forward half (`g_fwd`). */
  readonly bwdName?: string;
  readonly exported: boolean;
}

export interface FileOutput {
  /** The file's new text (without the header), or undefined if it has nothing to differentiate. */
  readonly text: string | undefined;
  /** The generated functions, in order, for the plugin. */
  readonly functions: readonly { readonly after: FunctionSite; readonly code: string; readonly fn: GeneratedFunction }[];
}

export interface CompileResult {
  /** Errors: any of them means no output (`files` is empty). */
  readonly diagnostics: readonly Diagnostic[];
  /** Warnings (severity "warning"): reported, but the output is written. */
  readonly warnings: readonly Diagnostic[];
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

const BOTTOM: Summary = { returnActive: false, activatedParams: new Set(), diagnostics: [] };

const sameSummary = (a: Summary, b: Summary): boolean =>
  a.returnActive === b.returnActive && a.activatedParams.size === b.activatedParams.size && [...a.activatedParams].every((p) => b.activatedParams.has(p));

/** `onProgress(done, total)` is called after each derivative function (total grows as calls are found). */
export function compileProgram(program: ts.Program, files: readonly string[], onProgress?: (done: number, total: number) => void): CompileResult {
  return withStackGuard(files, () => new Compilation(program, files, onProgress).run());
}

/** Parse and compile input files: what the CLI and the tests run. */
export function compileFiles(files: readonly string[], onProgress?: (done: number, total: number) => void): CompileResult {
  return withStackGuard(files, () => new Compilation(createProgram(files), files, onProgress).run());
}

/** The parser, checker and compiler recurse on nesting: a stack overflow is a diagnostic, not a crash. */
function withStackGuard(files: readonly string[], compile: () => CompileResult): CompileResult {
  try {
    return compile();
  } catch (e) {
    if (!isStackOverflow(e)) throw e;
    return {
      diagnostics: [
        {
          code: ADC.tooDeep,
          message: `the input (${files.length} file${files.length === 1 ? "" : "s"}) is nested too deeply for this process's stack; the adc command runs with a 256 MB stack, or give node a larger --stack-size`,
        },
      ],
      warnings: [],
      files: new Map(),
    };
  }
}

const isStackOverflow = (e: unknown): boolean => e instanceof RangeError && /call stack/i.test(e.message);

class Compilation {
  private readonly checker: ts.TypeChecker;
  private readonly diagnostics: Diagnostic[] = [];
  private readonly warnings: Diagnostic[] = [];
  private readonly sites = new Map<string, FunctionSite>();
  private readonly distinctArguments = new Map<string, boolean>();
  private callSites?: Map<string, { caller: FunctionIR; call: CallExpr; result?: string }[]>;
  private readonly sitesByFile = new Map<string, FunctionSite[]>();
  private readonly irs = new Map<string, FunctionIR>();
  private readonly variants = new Map<string, Variant>();
  private readonly summaries = new Map<string, Summary>();
  private readonly inProgress = new Set<string>();
  private readonly readWhileInProgress = new Set<string>();
  private readonly moduleNames = new Map<string, NameScope>();
  /** The name each module gives the runtime's tape, for modules whose derivatives use it. */
  private readonly tapeNames = new Map<string, string>();
  /** The name under which a module imports the tape before binding it to a module constant. */
  private readonly tapeImports = new Map<string, string>();
  private readonly writtenParams = new Map<string, ReadonlySet<string>>();
  private readonly reverseReads = new Map<string, ReadonlySet<string>>();
  private readonly inlined = new Map<string, LoweredFunction | undefined>();
  /** Lowered functions (lowering is a pure function of the IR; see lowerForReverse). */
  private readonly loweredOnly = new Map<FunctionIR, LoweredFunction>();
  private readonly loweredForReverse = new Map<FunctionIR, LoweredFunction>();
  private readonly returnedParamsOf = new Map<string, ReadonlySet<number>>();
  /** The flat gradient's and f_gradient_dual's names by function and active parameters (see gradientNames). */
  private readonly gradientDuals = new Map<string, { gradient: string; dual: string }>();
  /** Derived names a file must import: file → import declaration → specifiers (`g_dual`, `g_dual as h_dual`). */
  private readonly neededImports = new Map<string, Map<ts.ImportDeclaration, Set<string>>>();
  /**
   * Statements a file gets after one of its own (an import or export that cannot take more names in
   * place: `import f from`, `export { f as g }`): file → statement → module text ("" for none) → specifiers.
   */
  private readonly addedAfter = new Map<string, Map<ts.Statement, Map<string, Set<string>>>>();
  /** The local name a file gives a derivative it imports: `file|binding|name` → local name. */
  private readonly importedAs = new Map<string, string>();
  /** The import binding after which such a local name was made: `file|local` → binding. */
  private readonly importedBinding = new Map<string, string>();
  /** Names each module's user code declares at the top level, and where (for ADC4001). */
  private readonly userNames = new Map<string, Map<string, ts.Node>>();
  private readonly inputFiles = new Set<string>();
  /** The user's derivative rules (`@derivative of=f`), checked once every file's functions are known. */
  private userRules?: UserRules;
  /** Imports a file gets that its own imports cannot take: file → module specifier → specifiers (a rule function in another file). */
  private readonly addedImports = new Map<string, Map<string, Set<string>>>();
  /** The functions (`file|key`) a file reaches by such an import: their derivatives come the same way. */
  private readonly reachedByAddedImport = new Set<string>();

  constructor(
    private readonly program: ts.Program,
    private readonly files: readonly string[],
    private readonly onProgress?: (done: number, total: number) => void,
  ) {
    this.checker = program.getTypeChecker();
  }

  run(): CompileResult {
    const sourceFiles: ts.SourceFile[] = [];
    /** Files that do not parse: their syntax errors stand for everything else in them. */
    const broken = new Set<string>();
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
        broken.add(sf.fileName);
      }
    }

    // Every function of every file is checked in this one run: a problem in one never hides another's.
    for (const sf of sourceFiles) {
      this.inputFiles.add(sf.fileName);
      this.reporting(() =>
        this.guardedFile(sf, () => {
          // A broken file's functions stay callable (calls into them resolve), its tags are not checked.
          const sites = collectFunctionSites(sf, this.checker, broken.has(sf.fileName) ? [] : this.diagnostics);
          this.sitesByFile.set(sf.fileName, sites);
          for (const s of sites) this.sites.set(s.key, s);
        }),
      );
      this.sitesByFile.set(sf.fileName, this.sitesByFile.get(sf.fileName) ?? []);
      const declared = topLevelNames(sf);
      this.userNames.set(sf.fileName, declared);
      this.moduleNames.set(sf.fileName, new NameScope(declared.keys()));
    }
    // Rules before any function is converted: calls of a function with a rule are intrinsics.
    this.userRules = new UserRules(this.checker, this.diagnostics);
    for (const sf of sourceFiles) {
      if (broken.has(sf.fileName)) continue;
      for (const site of this.sitesByFile.get(sf.fileName)!) if (site.ruleFor !== undefined) this.reporting(() => this.guarded(site, () => this.userRules!.add(site)));
    }
    // The annotated functions' own derivatives come first and take the plain names.
    for (const sf of sourceFiles) {
      if (broken.has(sf.fileName)) continue;
      for (const site of this.sitesByFile.get(sf.fileName)!) {
        if (site.annotation === undefined) continue;
        this.reporting(() => this.registerAnnotated(site, site.annotation!));
      }
    }

    // Activity summaries to a fixed point across calls (recursion included), then generation.
    this.stabiliseSummaries();
    const generated = new Map<string, { after: FunctionSite; code: string; fn: GeneratedFunction }[]>();
    let order = [...this.variants.values()];
    for (let i = 0; i < this.variants.size; i++) {
      if (i >= order.length) order = [...this.variants.values()]; // generation registered callees
      const v = order[i];
      this.onProgress?.(i + 1, this.variants.size);
      this.reporting(() => {
        const site = this.siteOfTarget(v.target)!;
        const fns = this.guarded(site, () => this.generate(v, this.functionIR(v.target)));
        const list = generated.get(site.file) ?? [];
        for (const fn of fns) list.push({ after: site, code: this.guarded(site, () => printFunction(fn)), fn });
        generated.set(site.file, list);
      });
    }
    for (const sf of sourceFiles) this.reporting(() => this.guardedFile(sf, () => this.exportDerivatives(sf)));
    // What a syntax error causes in its own file is noise beside it.
    const unique = dedupe(this.diagnostics.filter((d) => d.code === ADC.syntax || d.pos === undefined || !broken.has(d.pos.file)));
    const warnings = dedupe(this.warnings);
    if (unique.length > 0) return { diagnostics: unique, warnings, files: new Map() };

    const files = new Map<string, FileOutput>();
    for (const sf of sourceFiles) {
      const fns = generated.get(sf.fileName) ?? [];
      const edited = fns.length > 0 || this.neededImports.has(sf.fileName) || this.addedAfter.has(sf.fileName) || this.addedImports.has(sf.fileName);
      this.reporting(() => files.set(sf.fileName, { text: edited ? this.guardedFile(sf, () => this.splice(sf, fns) + this.registration(sf)) : undefined, functions: fns }));
    }
    if (this.diagnostics.length > 0) return { diagnostics: dedupe(this.diagnostics), warnings, files: new Map() };
    return { diagnostics: [], warnings, files };
  }

  /** An annotated function's own derivatives, registered in order, or its diagnostics. */
  private registerAnnotated(site: FunctionSite, annotation: Annotation): void {
    const ir = this.functionIR(site.key);
    if (ir.returnShape === "other") {
      this.diagnostics.push({ code: ADC.badReturn, message: `${ir.name} returns ${ir.returnType}; a differentiable function returns number, number[] or Float64Array`, pos: ir.pos });
      return;
    }
    if (annotation.hessian && ir.returnShape !== "num") this.diagnostics.push({ code: ADC.badHessian, message: `hessian needs ${ir.name} to return a number`, pos: ir.pos });
    this.variant(site.key, "dual", annotation.wrt);
    if (ir.returnShape === "num") this.variant(site.key, "grad", annotation.wrt);
    this.variant(site.key, "vjp", annotation.wrt);
    this.variant(site.key, "jacobian", annotation.wrt);
    if (annotation.hessian && ir.returnShape === "num") {
      this.variant(site.key, "hessian", annotation.wrt);
      this.variant(site.key, "hvp", annotation.wrt);
    }
  }

  /** Run one step of one function; its CompileError becomes its diagnostics, and the run goes on. */
  private reporting(step: () => void): void {
    try {
      step();
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      this.diagnostics.push(...e.diagnostics);
    }
  }

  /**
   * Run a step of work on one function: an unexpected exception (a bug in adc-ts) becomes ADC9001 at
   * that function, so the user sees where, and every other function is still compiled. A stack
   * overflow stays an exception for withStackGuard (ADC1008).
   */
  private guarded<T>(site: FunctionSite, step: () => T): T {
    return internalErrorsAt(`differentiating ${site.name}`, posOf(site.node), step);
  }

  /** The same for the work on a whole file (its functions found, its output spliced): ADC9001 at its start. */
  private guardedFile<T>(sf: ts.SourceFile, step: () => T): T {
    return internalErrorsAt(`compiling ${basename(sf.fileName)}`, { file: sf.fileName, line: 1, col: 1 }, step);
  }

  /** The input function a target (a function, or a callee's reverse half) belongs to; none for the tape's. */
  private siteOfTarget(target: string): FunctionSite | undefined {
    return this.sites.get(parseSplitTarget(target)?.base ?? target);
  }

  /** The functions of one variant. */
  private generate(v: Variant, ir: FunctionIR): GeneratedFunction[] {
    const reserved = this.moduleNames.get(ir.file)!.names();
    if (v.mode === "dual") {
      const act = this.activity(ir, v.activeParams);
      return this.differentiating(act, () => [forwardMode(ir, act, v.name, v.exported, reserved, this.forwardContext(ir.file))]);
    }
    if (v.mode === "jacobian") {
      const dual = this.variant(v.target, "dual", v.activeParams).name;
      const vjp = this.variant(v.target, "vjp", v.activeParams).name;
      return [jacobianDriver(ir, v.activeParams, { name: v.name, exported: v.exported, dual, vjp, written: this.writtenArrayParams(v.target) })];
    }
    // One call of the f_gradient_dual the hessian variant (generated before this one) writes.
    if (v.mode === "hvp") return [hvpDriver(ir, v.activeParams, { name: v.name, exported: v.exported, gradientDual: this.gradientNames(v, ir).dual, written: this.writtenArrayParams(v.target) })];
    const lowered = this.lowerForReverse(ir);
    const act = this.activity(lowered.fn, v.activeParams);
    return this.differentiating(act, () => {
      const ctx = this.reverseContext(ir.file, v.target, v.mode === "hessian");
      if (v.mode === "hessian") return this.hessian(v, ir, lowered, act, ctx, reserved);
      if (v.mode === "split") return reverseSplit(lowered, act, reserved, ctx, { fwd: v.name, bwd: v.bwdName!, exported: v.exported });
      const joint = reverseJoint(lowered, act, reserved, ctx, { name: v.name, exported: v.exported, seed: v.mode === "grad" ? "one" : "parameter" });
      if (v.mode !== "grad") return [joint];
      // The gradient is the vector-Jacobian product with ȳ = 1: call it rather than print its body twice.
      const vjp = this.variant(v.target, "vjp", v.activeParams).name;
      const args: Expr[] = [...ir.params.map((p) => ref(p.name)), num(1)];
      return [{ ...joint, body: [{ k: "return", value: { k: "call", fn: vjp, target: v.target, args, pos: ir.pos } }] }];
    });
  }

  /**
   * Run a mode over a function whose activity is `act`. The fence's errors are reported; the mode
   * still runs, for the errors only it finds, but it assumes code the fence passed: where the fence
   * did not, a crash of the mode is not reported (the fence's errors already say what is wrong).
   */
  private differentiating(act: Activity, mode: () => GeneratedFunction[]): GeneratedFunction[] {
    if (act.diagnostics.length === 0) return mode();
    this.diagnostics.push(...act.diagnostics);
    try {
      return mode();
    } catch (e) {
      if (e instanceof CompileError || isStackOverflow(e)) throw e;
      return [];
    }
  }

  /**
   * Forward mode over reverse mode: the gradient (flattened) as IR, its forward derivative
   * (`f_gradient_dual`), and the driver that calls it once per input element.
   */
  private hessian(v: Variant, ir: FunctionIR, lowered: LoweredFunction, act: Activity, ctx: ReverseContext, reserved: ReadonlySet<string>): GeneratedFunction[] {
    const { gradient: gradientName, dual: dualName } = this.gradientNames(v, ir);
    // The driver first: it refuses what the flat gradient cannot take (arrays of arrays).
    const driver = hessianDriver(ir, v.activeParams, { name: v.name, exported: v.exported, gradientDual: dualName, written: this.writtenArrayParams(v.target) });
    const gradient = reverseJoint(lowered, act, reserved, ctx, { name: gradientName, exported: false, seed: "one", flatGradient: true });
    const gradientIR = asFunctionIR(gradient, lowered.fn);
    const gradientAct = this.fencedActivity(gradientIR, v.activeParams);
    const dual = forwardMode(gradientIR, gradientAct, dualName, false, new Set([...reserved, dualName, gradientName]), this.forwardContext(ir.file));
    return [{ ...dual, doc: `The gradient of ${ir.name}, flattened, and its derivative in direction (${v.activeParams.map((p) => `d${p}`).join(", ")}): a column of the Hessian.` }, driver];
  }

  /** The names of a function's flat gradient and of its f_gradient_dual, chosen once for its hessian and hvp. */
  private gradientNames(v: Variant, ir: FunctionIR): { gradient: string; dual: string } {
    const key = `${v.target}|${v.activeParams.join(",")}`;
    let names = this.gradientDuals.get(key);
    if (names === undefined) {
      const scope = this.moduleNames.get(ir.file)!;
      names = { gradient: scope.fresh(`${ir.name}_gradient`), dual: scope.fresh(`${ir.name}_gradient_dual`) };
      this.gradientDuals.set(key, names);
    }
    return names;
  }

  /** How forward mode names and calls derivatives from a file (the tape's functions included). */
  private forwardContext(file: string): ForwardContext {
    return {
      dualCallee: (call, active) => (isTapeTarget(call.target) ? renameCallee(call.fn, tapeDualName(call.target)) : this.callName(file, call, active)),
      returnsPair: (target) => (isTapeTarget(target) ? tapeReturnsActive(target) : this.functionIR(target).returnShape !== "other"),
      returnTuple: (target) => (isTapeTarget(target) ? undefined : this.functionIR(target).returnTuple),
      writesArrayArgument: (target, index) => {
        if (isTapeTarget(target)) return true;
        const param = this.functionIR(target).params[index];
        return param === undefined || this.writtenArrayParams(target).has(param.name);
      },
      ruleCallee: (rule) => this.ruleCallee(file, rule),
    };
  }

  /** The callee text `callerFile` writes for a user rule's function: its name, imported where it lives in another module. */
  private ruleCallee(callerFile: string, rule: UserRuleCall): string {
    const site = this.sites.get(rule.target)!;
    if (site.file === callerFile || !ts.isExternalModule(this.program.getSourceFile(site.file)!)) return site.name;
    return this.importFromModuleOf(callerFile, site, site.name, rule.pos);
  }

  /**
   * The local name under which `callerFile` imports `name` (a function of `site`'s module, or one of its
   * derivatives) by an import of its own: a rule function used in a module that does not import it.
   */
  private importFromModuleOf(callerFile: string, site: FunctionSite, name: string, pos: SourcePos): string {
    const key = `${callerFile}|${site.key}|${name}`;
    const known = this.importedAs.get(key);
    if (known !== undefined) return known;
    const m = this.checker.getSymbolAtLocation(this.program.getSourceFile(site.file)!);
    const exportName = m !== undefined ? this.exportNameOf(m, site) : undefined;
    const exported = m !== undefined && exportName !== undefined ? this.exportedAs(m, exportName, site, name) : undefined;
    if (exported === undefined)
      throw new CompileError({
        code: ADC.ruleNotExported,
        message: `the derivative rule ${site.name} lives in ${basename(site.file)}, which does not export ${name === site.name ? "it" : name}, so ${basename(callerFile)} cannot call it: export ${site.name}`,
        pos,
      });
    const sf = this.program.getSourceFile(callerFile)!;
    const scope = this.moduleNames.get(callerFile)!;
    // A local of any function may have the name: avoid every name in the file.
    const local = new NameScope(identifiersIn(sf, new Set()), scope.names()).fresh(name);
    scope.reserve(local);
    const specifier = moduleSpecifier(sf, site.file);
    const perFile = this.addedImports.get(callerFile) ?? new Map<string, Set<string>>();
    perFile.set(specifier, (perFile.get(specifier) ?? new Set<string>()).add(exported === local ? local : `${exported} as ${local}`));
    this.addedImports.set(callerFile, perFile);
    this.importedAs.set(key, local);
    this.reachedByAddedImport.add(`${callerFile}|${site.key}`);
    return local;
  }

  private reverseContext(file: string, target: string, forHessian = false): ReverseContext {
    const types = this.localTypes(target);
    return {
      distinctArrayArguments: () => this.distinctArrayArguments(target),
      splitNames: (call, active) => {
        const v = this.variant(call.target, "split", active);
        return { fwd: this.callName(file, call, active, "split"), bwd: this.importName(file, call, v.bwdName!) };
      },
      returnShape: (t) => this.functionIR(t).returnShape,
      returnedParams: (t) => this.returnedParams(t),
      writtenArrayParams: (t) => this.writtenArrayParams(t),
      reverseReadArrays: (t, active) => this.reverseReadArrays(t, active, forHessian),
      tape: this.tapeName(file),
      localType: (name) => types.get(name),
      ruleCallee: (rule) => this.ruleCallee(file, rule),
      ...(forHessian ? { forHessian } : {}),
    };
  }

  /**
   * Whether every call of `target` in the program passes different arrays to its array parameters and
   * takes its array result into yet another variable (see ReverseContext). Two of the caller's own
   * parameters are different arrays only if the caller's callers pass different ones: a greatest fixed
   * point, since arrays become one only where a call passes one twice or code makes an alias.
   */
  private distinctArrayArguments(target: string, visiting: Set<string> = new Set()): boolean {
    const known = this.distinctArguments.get(target);
    if (known !== undefined) return known;
    if (visiting.has(target)) return true;
    visiting.add(target);
    const arrayParams = this.functionIR(target)
      .params.map((p, i) => (p.shape === "array" ? i : -1))
      .filter((i) => i >= 0);
    let distinct = true;
    for (const { caller, call, result } of this.callSitesOf(target)) {
      const names: string[] = [];
      for (const i of arrayParams) {
        const arg = call.args[i];
        if (arg === undefined) continue;
        if (arg.k !== "var") distinct = false;
        else names.push(arg.name);
      }
      if (result !== undefined) names.push(result);
      const aliased = arrayAliases(caller);
      const fromCaller = names.filter((n) => caller.params.some((p) => p.name === n));
      if (new Set(names).size !== names.length || names.some((n) => aliased.has(n))) distinct = false;
      else if (fromCaller.length > 1 && !this.distinctArrayArguments(`${caller.file}#${caller.name}`, visiting)) distinct = false;
      if (!distinct) break;
    }
    visiting.delete(target);
    if (visiting.size === 0 || !distinct) this.distinctArguments.set(target, distinct);
    return distinct;
  }

  /** Every call of `target` in the functions of the program adc-ts can read, and the variable taking its result. */
  private callSitesOf(target: string): { caller: FunctionIR; call: CallExpr; result?: string }[] {
    if (this.callSites === undefined) {
      this.callSites = new Map();
      for (const key of this.sites.keys()) {
        let ir: FunctionIR;
        try {
          ir = this.functionIR(key);
        } catch {
          continue; // not differentiable: its calls never reach a derivative
        }
        const note = (call: Expr, result?: string): void => {
          if (call.k !== "call") return;
          const list = this.callSites!.get(call.target) ?? [];
          list.push({ caller: ir, call, ...(result !== undefined ? { result } : {}) });
          this.callSites!.set(call.target, list);
        };
        const visit = (stmts: readonly Stmt[]): void => {
          for (const st of stmts) {
            const direct = new Set<Expr>();
            if (st.k === "let") for (const d of st.decls) if (d.init?.k === "call") (note(d.init, d.name), direct.add(d.init));
            if (st.k === "assign" && st.target.k === "var" && st.value.k === "call") (note(st.value, st.target.name), direct.add(st.value));
            for (const call of callsIn([st], false)) if (!direct.has(call)) note(call);
            for (const child of childLists(st)) visit(child);
          }
        };
        visit(ir.body);
      }
    }
    return this.callSites.get(target) ?? [];
  }

  /**
   * The array parameters a function may write: assigned, touched by code adc-ts cannot see into, or
   * passed where a callee writes. Recursion starts from "all of them" (safe) and keeps that.
   */
  private writtenArrayParams(target: string): ReadonlySet<string> {
    const known = this.writtenParams.get(target);
    if (known !== undefined) return known;
    const ir = this.functionIR(target);
    const arrays = ir.params.filter((p) => p.shape === "array").map((p) => p.name);
    this.writtenParams.set(target, new Set(arrays));
    const written = new Set<string>();
    const assigned = writtenNames(ir.body);
    // Through another name (`const u = v; u[0] = 1`): a parameter in an alias counts as written if any alias is.
    const aliased = arrayAliases(ir);
    const aliasWritten = [...aliased].some((n) => assigned.has(n));
    for (const a of arrays) if (assigned.has(a) || (aliasWritten && aliased.has(a))) written.add(a);
    // Through a row held in a variable (`const r = m[i]; r[0] = 1`): where any such row's elements are written.
    const rows = rowAliases(ir);
    const rowWritten = [...rows].some((n) => !arrays.includes(n) && elementWriteRoots(ir.body).has(n));
    for (const a of arrays) if (rowWritten && rows.has(a)) written.add(a);
    // The parameters an argument may be: a variable, or either of a choice (`k(c ? v : w)`).
    const holders = (e: Expr | undefined): string[] => (e !== undefined ? (arrayHolders(e) ?? []) : []);
    for (const call of callsIn(ir.body)) {
      const calleeWrites = this.writtenArrayParams(call.target);
      const params = this.functionIR(call.target).params;
      call.args.forEach((arg, i) => {
        if (params[i] !== undefined && calleeWrites.has(params[i].name)) for (const n of holders(arg)) if (arrays.includes(n)) written.add(n);
      });
    }
    // A callee's result that is the parameter passed to it (`const y = pass(v, c); y[0] = 1`), written.
    const elementsWritten = elementWriteRoots(ir.body);
    forEachVarWrite(ir.body, (name, value) => {
      if (value.k !== "call" || !elementsWritten.has(name)) return;
      for (const i of this.returnedParams(value.target)) for (const n of holders(value.args[i])) if (arrays.includes(n)) written.add(n);
    });
    this.writtenParams.set(target, written);
    return written;
  }

  /**
   * The array parameters a function's g_bwd reads (as the forward sweep left them): a caller need not
   * keep the values of the others for it. Recursion starts from "all of them" (safe) and keeps that;
   * a callee reverse mode refuses reports its error where it is generated, here it counts as reading all.
   */
  private reverseReadArrays(target: string, activeParams: readonly string[], forHessian: boolean): ReadonlySet<string> {
    const key = `${target}|${activeParams.join(",")}|${forHessian}`;
    const known = this.reverseReads.get(key);
    if (known !== undefined) return known;
    const ir = this.functionIR(target);
    const all = new Set(ir.params.filter((p) => p.shape === "array").map((p) => p.name));
    this.reverseReads.set(key, all);
    let read: ReadonlySet<string> = all;
    try {
      const lowered = this.lowerForReverse(ir);
      const act = this.fencedActivity(lowered.fn, activeParams);
      // Analysis only: the callees' halves get no variants (and no place in the output's order) from here.
      const ctx = { ...this.reverseContext(ir.file, target, forHessian), splitNames: (call: CalleeRef) => ({ fwd: `${call.fn}_fwd`, bwd: `${call.fn}_bwd` }) };
      read = reverseReadArrays(lowered, act, this.moduleNames.get(ir.file)!.names(), ctx);
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
    }
    this.reverseReads.set(key, read);
    return read;
  }

  /**
   * The array parameters whose array (not a copy) a function may return: `return v`, a choice of
   * them, a variable assigned one, the result of a callee returning one it was passed. A recursive
   * cycle counts as returning every array parameter (safe: the caller then follows the array at run time).
   */
  private returnedParams(target: string, visiting: Set<string> = new Set()): ReadonlySet<number> {
    const known = this.returnedParamsOf.get(target);
    if (known !== undefined) return known;
    const ir = this.functionIR(target);
    const arrayParams = ir.params.flatMap((p, i) => (p.shape === "array" ? [i] : []));
    if (ir.returnShape !== "array" || arrayParams.length === 0) return new Set();
    if (visiting.has(target)) return new Set(arrayParams);
    visiting.add(target);
    const writes = new Map<string, Expr[]>();
    forEachVarWrite(ir.body, (name, value) => writes.set(name, [...(writes.get(name) ?? []), value]));
    const found = new Set<number>();
    const seen = new Set<string>();
    const sources = (e: Expr): void => {
      if (e.k === "cond") {
        sources(e.a);
        sources(e.b);
      } else if (e.k === "call") {
        for (const i of this.returnedParams(e.target, visiting)) if (e.args[i] !== undefined) sources(e.args[i]);
      } else if (e.k === "var" && !seen.has(e.name)) {
        seen.add(e.name);
        const param = ir.params.findIndex((p) => p.name === e.name);
        if (param >= 0 && ir.params[param].shape === "array") found.add(param);
        for (const value of writes.get(e.name) ?? []) sources(value);
      }
    };
    walkStmts(ir.body, (st) => {
      if (st.k === "return" && st.value !== undefined) sources(st.value);
    });
    visiting.delete(target);
    this.returnedParamsOf.set(target, found);
    return found;
  }

  /**
   * A function as reverse mode differentiates it: lowered, with small leaf callees in its loops inlined.
   * Once per function: its variants, its callers' inlining check and read summary share the result.
   */
  private lowerForReverse(ir: FunctionIR): LoweredFunction {
    let lowered = this.loweredForReverse.get(ir);
    if (lowered === undefined) {
      lowered = inlineLeafCalls(this.lowerOnly(ir), (target) => (this.functionIR(target).file === ir.file ? this.inlinableCallee(target) : undefined));
      this.loweredForReverse.set(ir, lowered);
    }
    return lowered;
  }

  private lowerOnly(ir: FunctionIR): LoweredFunction {
    let lowered = this.loweredOnly.get(ir);
    if (lowered === undefined) {
      lowered = lowerForReverse(ir, {
        returnShapeOf: (target) => {
          const callee = this.functionIR(target);
          return localOf(callee.returnT, isPortableType(callee.returnType) ? { type: callee.returnType } : {});
        },
        paramTypeOf: (target, index) => {
          const type = this.functionIR(target).params[index]?.type;
          return type !== undefined && isPortableType(type) ? type : undefined;
        },
      });
      this.loweredOnly.set(ir, lowered);
    }
    return lowered;
  }

  /** A callee's lowered body if it can be inlined (see inline.ts); a callee adc-ts refuses stays a call. */
  private inlinableCallee(target: string): LoweredFunction | undefined {
    if (this.inlined.has(target)) return this.inlined.get(target);
    let found: LoweredFunction | undefined;
    try {
      const lowered = this.lowerOnly(this.functionIR(target));
      if (inlinable(lowered)) found = lowered;
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
    }
    this.inlined.set(target, found);
    return found;
  }

  /** The name a module uses for the runtime's tape (imported by `splice`). */
  private tapeName(file: string): string {
    let name = this.tapeNames.get(file);
    if (name === undefined) {
      // Any local of any function may be called `tape` (a parameter, say): avoid every name in the file.
      const used = identifiersIn(this.program.getSourceFile(file)!, new Set());
      const scope = this.moduleNames.get(file)!;
      const names = new NameScope(used, scope.names());
      name = names.fresh("tape");
      scope.reserve(name);
      const imported = names.fresh("runtimeTape");
      scope.reserve(imported);
      this.tapeNames.set(file, name);
      this.tapeImports.set(file, imported);
    }
    return name;
  }

  /** The checker's type of every local of a function, for declarations reverse mode moves. */
  private localTypes(target: string): Map<string, string> {
    const site = this.sites.get(target)!;
    const types = new Map<string, string>();
    const visit = (n: ts.Node): void => {
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && !types.has(n.name.text))
        types.set(n.name.text, this.checker.typeToString(this.checker.getTypeAtLocation(n.name), undefined, ts.TypeFormatFlags.NoTruncation));
      ts.forEachChild(n, visit);
    };
    visit(site.fn);
    return types;
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

  /** A callee's g_fwd or g_bwd (with tangent-carrying pops) as IR, for forward mode over reverse mode. */
  private splitHalfIR(key: string): FunctionIR {
    const { base, half, active } = parseSplitTarget(key)!;
    const ir = this.functionIR(base);
    const lowered = this.lowerForReverse(ir);
    const act = this.fencedActivity(lowered.fn, active);
    const v = this.variant(base, "split", active);
    const ctx = this.reverseContext(ir.file, base, true);
    const [fwd, bwd] = reverseSplit(lowered, act, this.moduleNames.get(ir.file)!.names(), ctx, { fwd: v.name, bwd: v.bwdName!, exported: false });
    if (half === "fwd") return asFunctionIR(fwd, lowered.fn, { t: ir.returnT }, ir.params);
    const extra = bwd.params.slice(ir.params.length);
    const arrays = ir.params.filter((p) => active.includes(p.name) && p.shape === "array");
    const params = [
      ...ir.params,
      // The adjoints of the active arrays, then the result's (its seed).
      ...extra.map((p, i) => paramOf(p.name, p.type, i < arrays.length ? tangentType(arrays[i].t)! : (tangentType(ir.returnT) ?? ir.returnT))),
    ];
    // Several active numbers come back as a tuple `[a_b, b_b]`, whose forward derivative appends the tangents.
    const numbers = returnedAdjoints(ir.params, active);
    const returns = numbers === 1 ? { t: NUM } : { t: opaque(bwd.returnType), ...(numbers > 1 ? { tuple: numbers } : {}) };
    return asFunctionIR(bwd, lowered.fn, returns, params);
  }

  private functionIR(key: string): FunctionIR {
    if (isTapeTarget(key)) return tapeFunctionIR(key, { file: "adc-ts/runtime", line: 1, col: 1 });
    let ir = this.irs.get(key);
    if (ir === undefined && parseSplitTarget(key) !== undefined) {
      ir = this.guarded(this.siteOfTarget(key)!, () => this.splitHalfIR(key));
      this.irs.set(key, ir);
    }
    if (ir === undefined) {
      const site = this.sites.get(key);
      if (site === undefined) throw new Error(`internal: no function ${key}`);
      ir = this.guarded(site, () => convertFunction(site, this.checker, (callee) => this.resolveCallee(callee), this.userRules?.resolve));
      this.irs.set(key, ir);
    }
    return ir;
  }

  private resolveCallee(callee: ts.Expression): FunctionSite | undefined {
    return this.siteOf(this.resolvedDeclaration(ts.isPropertyAccessExpression(callee) ? callee.name : callee));
  }

  /** The declaration an identifier stands for, through any chain of imports and re-exports. */
  private resolvedDeclaration(node: ts.Node): ts.Declaration | undefined {
    return this.declarationOf(this.checker.getSymbolAtLocation(node));
  }

  private declarationOf(symbol: ts.Symbol | undefined): ts.Declaration | undefined {
    if (symbol !== undefined && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    // An overloaded function: its implementation, the declaration with a body.
    const implementation = symbol?.declarations?.find((d) => ts.isFunctionDeclaration(d) && d.body !== undefined);
    return implementation ?? symbol?.valueDeclaration ?? symbol?.declarations?.[0];
  }

  /** The function a declaration declares, if adc-ts can differentiate it. */
  private siteOf(decl: ts.Declaration | undefined): FunctionSite | undefined {
    if (decl === undefined || !(ts.isFunctionDeclaration(decl) || ts.isVariableDeclaration(decl)) || decl.name === undefined || !ts.isIdentifier(decl.name)) return undefined;
    const site = this.sites.get(siteKey(decl.getSourceFile().fileName, decl.name.text));
    // The declaration itself, not its name: a local `const h = g` or a nested `function h` shadows a top-level h.
    return site !== undefined && (site.node === decl || site.node === decl.parent.parent) ? site : undefined;
  }

  private activity(ir: FunctionIR, activeParams: readonly string[]): Activity {
    return new Activity(ir, activeParams, {
      functionIR: (t) => this.functionIR(t),
      summary: (t, ap) => this.summary(t, ap),
    });
  }

  /**
   * The activity of a function a mode is about to differentiate: the modes assume code the fence
   * passed, so fence errors stop it here (reported, never a crash or a derivative of opaque code).
   */
  private fencedActivity(ir: FunctionIR, activeParams: readonly string[]): Activity {
    const act = this.activity(ir, activeParams);
    if (act.diagnostics.length > 0) throw new CompileError(act.diagnostics[0], act.diagnostics.slice(1));
    return act;
  }

  private summary(target: string, activeParams: readonly string[]): Summary {
    if (isTapeTarget(target)) return { returnActive: tapeReturnsActive(target), activatedParams: new Set(), diagnostics: [] };
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
      const s = act.summary;
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
          const s = this.guarded(this.siteOfTarget(v.target)!, () => this.activity(this.functionIR(v.target), v.activeParams).summary);
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
      const split = parseSplitTarget(target);
      const site = this.sites.get(split?.base ?? target)!;
      const ir = this.functionIR(target);
      if (split !== undefined) {
        // The tangent version of a callee's g_fwd or g_bwd: named after it, exported like it (a
        // Hessian in another module calls it).
        v = { key, target, mode, activeParams, name: this.derivedName(site, `${ir.name}_${mode}`, `tangent ${split.half === "fwd" ? "forward" : "reverse"} sweep`), exported: site.exported };
        this.variants.set(key, v);
        return v;
      }
      const primary = site.annotation?.wrt ?? ir.params.filter((p) => p.shape !== "other").map((p) => p.name);
      const isPrimary = primary.length === activeParams.length && primary.every((p, i) => p === activeParams[i]);
      const suffix = isPrimary ? "" : `_${activeParams.join("_")}`;
      const name = this.derivedName(site, `${site.name}_${mode === "split" ? "fwd" : mode}${suffix}`, MODE_NAMES[mode]);
      const bwdName = mode === "split" ? this.derivedName(site, `${site.name}_bwd${suffix}`, "reverse sweep") : undefined;
      v = { key, target, mode, activeParams, name, ...(bwdName !== undefined ? { bwdName } : {}), exported: site.exported };
      this.variants.set(key, v);
    }
    return v;
  }

  /**
   * A fresh name for a derivative of `site` in its module; when the user's own code already declares
   * `base` there, a warning says so (the derivative gets a numbered name).
   */
  private derivedName(site: FunctionSite, base: string, what: string): string {
    const name = this.moduleNames.get(site.file)!.fresh(base);
    const user = this.userNames.get(site.file)?.get(base);
    if (name !== base && user !== undefined) {
      const at = posOf(user);
      this.warnings.push({
        code: ADC.derivativeNameTaken,
        severity: "warning",
        message: `${base} is already declared in this module (${basename(at.file)}:${at.line}:${at.col}); ${site.name}'s ${what} is named ${name}`,
        pos: posOf(siteNameNode(site)),
      });
    }
    return name;
  }

  /** The callee text a file writes to call a derivative, importing it when it lives in another file. */
  private callName(callerFile: string, call: CalleeRef, activeParams: readonly string[], mode: Mode = "dual"): string {
    const v = this.variant(call.target, mode, activeParams);
    return this.importName(callerFile, call, v.name);
  }

  /**
   * The callee text for `name`, a derivative of the function `call` reaches, as the caller's file can
   * write it: `g_dual`, `m.g_dual` through a namespace, or a local name the file imports it under
   * (`h_dual` for `import { g as h }`, `h` for a default import), importing it beside its primal.
   */
  private importName(callerFile: string, call: CalleeRef, name: string): string {
    const site = this.sites.get(parseSplitTarget(call.target)?.base ?? call.target)!;
    // The same module, or a script (no import or export), whose declarations are global.
    if (site.file === callerFile || !ts.isExternalModule(this.program.getSourceFile(site.file)!)) return renameCallee(call.fn, name);
    const sf = this.program.getSourceFile(callerFile)!;
    const unreachable = (how: string): CompileError =>
      new CompileError({
        code: ADC.unreachableDerivative,
        message: `${call.fn} is ${site.name} from ${basename(site.file)}, reached ${how}, so its derivatives cannot be imported here: import ${site.name} by name, as the default or as a namespace (import * as m) from an input file that exports it`,
        pos: call.pos,
      });
    const dot = call.fn.lastIndexOf(".");
    if (dot >= 0) {
      // m.g or m.ns.g: follow the namespaces to the module that exports g.
      const [first, ...inner] = call.fn.slice(0, dot).split(".");
      const ns = importBindings(sf).find((b) => b.local.text === first && b.imported === "*");
      let m = ns !== undefined ? this.checker.getSymbolAtLocation(ns.decl.moduleSpecifier) : undefined;
      for (const segment of inner) {
        const decl = m !== undefined ? this.checker.tryGetMemberInModuleExports(segment, m)?.declarations?.[0] : undefined;
        m = decl !== undefined && ts.isNamespaceExport(decl) && decl.parent.moduleSpecifier !== undefined ? this.checker.getSymbolAtLocation(decl.parent.moduleSpecifier) : undefined;
      }
      const exportName = m !== undefined ? this.exportNameOf(m, site) : undefined;
      const exported = m !== undefined && exportName !== undefined ? this.exportedAs(m, exportName, site, name) : undefined;
      if (exported === undefined) throw unreachable(`through ${call.fn.slice(0, dot)}, which is not a namespace import of a module exporting it`);
      return `${call.fn.slice(0, dot + 1)}${exported}`;
    }
    // The binding the call names (for a derivative's own call, `h_fwd`, the binding it was named after) first.
    const preferred = this.importedBinding.get(`${callerFile}|${call.fn}`) ?? call.fn;
    const bindings = importBindings(sf).filter((b) => b.imported !== "*" && this.declaresSite(this.resolvedDeclaration(b.local), site));
    bindings.sort((a, b) => Number(b.local.text === preferred) - Number(a.local.text === preferred));
    for (const b of bindings) {
      const key = `${callerFile}|${b.local.text}|${name}`;
      const known = this.importedAs.get(key);
      if (known !== undefined) return known;
      const m = this.checker.getSymbolAtLocation(b.decl.moduleSpecifier);
      const exported = m !== undefined ? this.exportedAs(m, b.imported, site, name) : undefined;
      if (exported === undefined) continue;
      const local = this.moduleNames.get(callerFile)!.fresh(`${b.local.text}${name.slice(site.name.length)}`);
      const specifier = exported === local ? local : `${exported} as ${local}`;
      const named = b.decl.importClause?.namedBindings;
      if (named !== undefined && ts.isNamedImports(named)) {
        const perFile = this.neededImports.get(callerFile) ?? new Map<ts.ImportDeclaration, Set<string>>();
        perFile.set(b.decl, (perFile.get(b.decl) ?? new Set<string>()).add(specifier));
        this.neededImports.set(callerFile, perFile);
      } else this.addAfter(callerFile, b.decl, b.decl.moduleSpecifier.getText(sf), specifier);
      this.importedAs.set(key, local);
      this.importedBinding.set(`${callerFile}|${local}`, b.local.text);
      return local;
    }
    // A rule function the file imports by an import of adc-ts's own: its derivatives (a Hessian's) come the same way.
    if (this.reachedByAddedImport.has(`${callerFile}|${site.key}`)) return this.importFromModuleOf(callerFile, site, name, call.pos);
    throw unreachable("through no import adc-ts can extend (an import of a module that is not an input, or import ... = require)");
  }

  private declaresSite(decl: ts.Declaration | undefined, site: FunctionSite): boolean {
    return this.siteOf(decl) === site;
  }

  /** A name under which module `m` exports `site` (its own name first), if any. */
  private exportNameOf(m: ts.Symbol, site: FunctionSite): string | undefined {
    const names = this.checker
      .getExportsOfModule(m)
      .filter((e) => this.declaresSite(this.declarationOf(e), site))
      .map((e) => e.name);
    return names.includes(site.name) ? site.name : names[0];
  }

  /**
   * The name under which module `m`, exporting `site` as `exportName`, exports `name` (a derivative of
   * `site`): the derivative's own name where `m` exports the function by its name, as its default or
   * through `export *`; `h_dual` where it exports it as `h`. Records the re-exports this takes
   * (`export { g_dual as h_dual } from "./g.js";` after the user's `export { g as h } from "./g.js";`).
   * Undefined where the function reaches `m` in a way adc-ts cannot extend.
   */
  private exportedAs(m: ts.Symbol, exportName: string, site: FunctionSite, name: string, depth = 0): string | undefined {
    const msf = m.valueDeclaration;
    if (msf === undefined || !ts.isSourceFile(msf) || !this.inputFiles.has(msf.fileName) || depth > 100) return undefined;
    const decl = this.checker.tryGetMemberInModuleExports(exportName, m)?.declarations?.[0];
    if (decl === undefined) return undefined;
    if (decl.getSourceFile() !== msf) {
      // Through `export * from "./n.js"`, which passes every name of n on as it is.
      for (const st of msf.statements) {
        if (!ts.isExportDeclaration(st) || st.exportClause !== undefined || st.moduleSpecifier === undefined) continue;
        const n = this.checker.getSymbolAtLocation(st.moduleSpecifier);
        if (n !== undefined && this.checker.tryGetMemberInModuleExports(exportName, n) !== undefined) return this.exportedAs(n, exportName, site, name, depth + 1);
      }
      return undefined;
    }
    if (ts.isFunctionDeclaration(decl) || ts.isVariableDeclaration(decl)) return this.declaresSite(decl, site) ? name : undefined;
    // The derivative's name beside an export named `exportName`: a default export's derivatives keep their own.
    const beside = (inner: string): string => (exportName === "default" ? inner : `${exportName}${name.slice(site.name.length)}`);
    let statement: ts.Statement;
    let from: { module: ts.Symbol; imported: string; text: string } | undefined;
    if (ts.isExportSpecifier(decl)) {
      statement = decl.parent.parent;
      const local = decl.propertyName ?? decl.name;
      const spec = decl.parent.parent.moduleSpecifier;
      if (spec !== undefined) {
        const n = this.checker.getSymbolAtLocation(spec);
        if (n === undefined || !ts.isIdentifier(local)) return undefined;
        from = { module: n, imported: local.text, text: spec.getText(msf) };
      } else {
        const target = this.checker.getExportSpecifierLocalTargetSymbol(decl);
        const targetDecl = target?.valueDeclaration ?? target?.declarations?.[0];
        if (targetDecl === undefined) return undefined;
        if (this.declaresSite(targetDecl, site)) {
          const exported = exportName === site.name ? name : beside(name);
          if (exported !== name) this.addAfter(msf.fileName, statement, "", this.exportSpecifier(m, name, exported, decl));
          return exported;
        }
        from = importedFrom(targetDecl, msf, this.checker);
      }
    } else if (ts.isExportAssignment(decl) && !decl.isExportEquals) {
      statement = decl;
      const targetDecl = this.checker.getSymbolAtLocation(decl.expression)?.declarations?.[0];
      if (targetDecl === undefined) return undefined;
      if (this.declaresSite(targetDecl, site)) return name;
      from = importedFrom(targetDecl, msf, this.checker);
    } else return undefined;
    if (from === undefined) return undefined;
    const inner = this.exportedAs(from.module, from.imported, site, name, depth + 1);
    if (inner === undefined) return undefined;
    const exported = beside(inner);
    this.addAfter(msf.fileName, statement, from.text, this.exportSpecifier(m, inner, exported, decl));
    return exported;
  }

  /** `inner as exported` for an export list; an error where the module already exports that name. */
  private exportSpecifier(m: ts.Symbol, inner: string, exported: string, at: ts.Node): string {
    if (this.checker.tryGetMemberInModuleExports(exported, m) !== undefined)
      throw new CompileError({ code: ADC.derivativeExportTaken, message: `this export would also export a derivative as ${exported}, which the module already exports: rename one of them`, pos: posOf(at) });
    return inner === exported ? inner : `${inner} as ${exported}`;
  }

  private addAfter(file: string, statement: ts.Statement, from: string, specifier: string): void {
    const perFile = this.addedAfter.get(file) ?? new Map<ts.Statement, Map<string, Set<string>>>();
    const perStatement = perFile.get(statement) ?? new Map<string, Set<string>>();
    perStatement.set(from, (perStatement.get(from) ?? new Set<string>()).add(specifier));
    perFile.set(statement, perStatement);
    this.addedAfter.set(file, perFile);
  }

  /**
   * Every export of `sf` that exports a differentiated function under another name, or passes on
   * one of another module (`export { g as h }`, `export { g } from "./g.js"`, `export default g` of an
   * imported g), exports its derivatives the same way.
   */
  private exportDerivatives(sf: ts.SourceFile): void {
    const m = this.checker.getSymbolAtLocation(sf);
    if (m === undefined) return;
    for (const st of sf.statements) {
      const names = ts.isExportDeclaration(st) && !st.isTypeOnly && st.exportClause !== undefined && ts.isNamedExports(st.exportClause) ? st.exportClause.elements.map((el) => el.name) : ts.isExportAssignment(st) && !st.isExportEquals ? [st] : [];
      for (const node of names) {
        const exportName = ts.isExportAssignment(node) ? "default" : node.text;
        const decl = this.resolvedDeclaration(ts.isExportAssignment(node) ? node.expression : node);
        const site = this.siteOf(decl);
        if (site === undefined) continue;
        this.reporting(() => {
          for (const name of this.derivedNames(site)) this.exportedAs(m, exportName, site, name);
        });
      }
    }
  }

  /** The names of every derivative generated for a function. */
  private derivedNames(site: FunctionSite): string[] {
    const names: string[] = [];
    for (const v of this.variants.values())
      if ((parseSplitTarget(v.target)?.base ?? v.target) === site.key) names.push(v.name, ...(v.bwdName !== undefined ? [v.bwdName] : []));
    return names;
  }

  /** The file's text with each derivative after its primal and the derived names imported. */
  private splice(sf: ts.SourceFile, fns: readonly { after: FunctionSite; code: string }[]): string {
    const edits: { at: number; text: string }[] = [];
    // Derivatives follow their primal in the order they were generated.
    const byEnd = new Map<number, string[]>();
    for (const f of fns) {
      const codes = byEnd.get(f.after.end);
      if (codes === undefined) byEnd.set(f.after.end, [f.code]);
      else codes.push(f.code);
    }
    for (const [at, codes] of byEnd) edits.push({ at, text: codes.map((c) => `\n\n${c}`).join("") });
    for (const [decl, names] of this.neededImports.get(sf.fileName) ?? []) {
      const clause = decl.importClause?.namedBindings;
      if (clause !== undefined && ts.isNamedImports(clause)) {
        const last = clause.elements[clause.elements.length - 1];
        edits.push({ at: last.end, text: [...names].sort().map((n) => `, ${n}`).join("") });
      }
    }
    for (const [statement, byModule] of this.addedAfter.get(sf.fileName) ?? []) {
      const keyword = ts.isImportDeclaration(statement) ? "import" : "export";
      for (const [from, names] of byModule) {
        // Imports sorted as the names added to an import list are; exports in the order of the modes.
        const list = keyword === "import" ? [...names].sort() : [...names];
        edits.push({ at: statement.end, text: `\n${keyword} { ${list.join(", ")} }${from === "" ? "" : ` from ${from}`};` });
      }
    }
    for (const [specifier, names] of this.addedImports.get(sf.fileName) ?? []) edits.push(importAfterImports(sf, `import { ${[...names].sort().join(", ")} } from ${specifier};`));
    const tape = this.tapeNames.get(sf.fileName);
    if (tape !== undefined && fns.some((f) => f.code.includes(`${tape}.`))) {
      // A module constant rather than the imported binding itself: V8 reads an import through its
      // module cell on every use, and the tape is used in every loop of a reverse sweep (3–8 % of
      // _grad on the small ADBench GMM inputs, measured in one run).
      const imported = this.tapeImports.get(sf.fileName)!;
      edits.push(runtimeImport(sf, `tape as ${imported}`, `\nconst ${tape} = ${imported};`));
    }
    // One pass over the text (stable for edits at the same place): linear in the file's size.
    edits.sort((a, b) => a.at - b.at);
    const parts: string[] = [];
    let from = 0;
    for (const e of edits) {
      parts.push(sf.text.slice(from, e.at), e.text);
      from = e.at;
    }
    parts.push(sf.text.slice(from));
    return parts.join("");
  }
}

/** `step`, with an unexpected exception (a bug in adc-ts) turned into ADC9001 at `pos`; a stack overflow stays one (ADC1008). */
function internalErrorsAt<T>(what: string, pos: SourcePos, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof CompileError || isStackOverflow(e)) throw e;
    const message = e instanceof Error ? e.message : String(e);
    throw new CompileError({ code: ADC.internal, message: `internal error while ${what} (please report): ${message}`, pos });
  }
}

/** The variables whose elements statements assign (`v[i] = ...`, `m[i][j] = ...`: v, m). */
function elementWriteRoots(stmts: readonly Stmt[]): Set<string> {
  const roots = new Set<string>();
  walkStmts(stmts, (st) => {
    if (st.k === "assign" && st.target.k === "index") roots.add(lvalueRoot(st.target) ?? "");
  });
  return roots;
}

/** `import { tape } from "adc-ts/runtime";` (and `after` it) after the file's imports, or after its header comment. */
function runtimeImport(sf: ts.SourceFile, binding: string, after = ""): { at: number; text: string } {
  return importAfterImports(sf, `import { ${binding} } from "adc-ts/runtime";${after}`);
}

/**
 * The module specifier by which `from` imports the input file `to`: relative, with the extension the
 * file's own relative imports use (`.js` when it has none to follow).
 */
function moduleSpecifier(from: ts.SourceFile, to: string): string {
  let path = relative(dirname(from.fileName), to).split(sep).join("/");
  if (!path.startsWith(".")) path = `./${path}`;
  const stem = path.replace(/(?:\.d)?\.[cm]?tsx?$/, "");
  const own = from.statements.flatMap((st) => (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) && st.moduleSpecifier.text.startsWith(".") ? [st.moduleSpecifier.text] : []));
  const extension = own.length === 0 || own.some((t) => t.endsWith(".js")) ? ".js" : own.some((t) => t.endsWith(".ts")) ? ".ts" : "";
  return JSON.stringify(`${stem}${extension}`);
}

/** A line after the file's imports, or after its header comment. */
function importAfterImports(sf: ts.SourceFile, line: string): { at: number; text: string } {
  const imports = sf.statements.filter(ts.isImportDeclaration);
  if (imports.length > 0) return { at: imports[imports.length - 1].end, text: `\n${line}` };
  const comments = ts.getLeadingCommentRanges(sf.text, 0) ?? [];
  const first = comments[0];
  // A comment standing apart from the first statement (a blank line after it) is the file's header.
  if (first !== undefined && /^\s*\n\s*\n/.test(sf.text.slice(first.end))) return { at: first.end, text: `\n\n${line}` };
  return { at: 0, text: `${line}\n\n` };
}

/** A call as a derivative's name is chosen for it: the callee as written, the function, where. */
export type CalleeRef = Pick<CallExpr, "fn" | "target" | "pos">;

/** The descriptions of derivatives in warnings: "g's forward derivative is named g_dual2". */
const MODE_NAMES: Readonly<Record<Mode, string>> = {
  dual: "forward derivative",
  grad: "gradient",
  vjp: "vector-Jacobian product",
  split: "forward sweep",
  jacobian: "Jacobian",
  hessian: "Hessian",
  hvp: "Hessian-vector product",
};

/** The function's name as written (`g` in `function g` or `const g = ...`). */
function siteNameNode(site: FunctionSite): ts.Node {
  return ts.isFunctionDeclaration(site.node) ? site.node.name! : site.node.declarationList.declarations[0].name;
}

/** The value bindings a file imports: the local name, what it imports (`default`, `*` or an exported name) and from where. */
function importBindings(sf: ts.SourceFile): { local: ts.Identifier; imported: string; decl: ts.ImportDeclaration }[] {
  const out: { local: ts.Identifier; imported: string; decl: ts.ImportDeclaration }[] = [];
  for (const decl of sf.statements) {
    const clause = ts.isImportDeclaration(decl) ? decl.importClause : undefined;
    if (!ts.isImportDeclaration(decl) || clause === undefined || clause.isTypeOnly) continue;
    if (clause.name !== undefined) out.push({ local: clause.name, imported: "default", decl });
    const nb = clause.namedBindings;
    if (nb !== undefined && ts.isNamespaceImport(nb)) out.push({ local: nb.name, imported: "*", decl });
    else if (nb !== undefined) for (const el of nb.elements) if (!el.isTypeOnly) out.push({ local: el.name, imported: (el.propertyName ?? el.name).text, decl });
  }
  return out;
}

/** The module and name an import binding's declaration imports (`import { g }`, `import g from`). */
function importedFrom(decl: ts.Declaration, sf: ts.SourceFile, checker: ts.TypeChecker): { module: ts.Symbol; imported: string; text: string } | undefined {
  const binding = importBindings(sf).find((b) => b.local.parent === decl);
  if (binding === undefined || binding.imported === "*") return undefined;
  const module = checker.getSymbolAtLocation(binding.decl.moduleSpecifier);
  return module !== undefined ? { module, imported: binding.imported, text: binding.decl.moduleSpecifier.getText(sf) } : undefined;
}

/** Names declared or imported at a module's top level, each with its declaration: generated functions must not take them. */
function topLevelNames(sf: ts.SourceFile): Map<string, ts.Node> {
  const names = new Map<string, ts.Node>();
  const add = (id: ts.Identifier): void => void (names.has(id.text) || names.set(id.text, id));
  for (const st of sf.statements) {
    if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isModuleDeclaration(st)) && st.name !== undefined && ts.isIdentifier(st.name))
      add(st.name);
    else if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) identifierNodesIn(d.name, add);
    else if (ts.isImportDeclaration(st) || ts.isImportEqualsDeclaration(st)) identifierNodesIn(st, add);
  }
  return names;
}

function identifierNodesIn(node: ts.Node, add: (id: ts.Identifier) => void): void {
  if (ts.isIdentifier(node)) add(node);
  ts.forEachChild(node, (child) => identifierNodesIn(child, add));
}

/** Every identifier below a node. */
function identifiersIn(node: ts.Node, out: Set<string>): Set<string> {
  identifierNodesIn(node, (id) => out.add(id.text));
  return out;
}

/** The derivatives registered for `grad(f)` and friends, in this order (`split` halves are internal). */
const REGISTERED_MODES: readonly string[] = ["dual", "grad", "vjp", "jacobian", "hessian", "hvp"];

/** Each diagnostic once, in the order of positions; one found on several call chains with the longest (from a tagged function). */
function dedupe(ds: readonly Diagnostic[]): Diagnostic[] {
  const byKey = new Map<string, Diagnostic>();
  for (const d of ds) {
    const k = diagnosticKey(d);
    const known = byKey.get(k);
    if (known === undefined || (d.via?.length ?? 0) > (known.via?.length ?? 0)) byKey.set(k, d);
  }
  return [...byKey.values()].map(foldCallChain).sort((a, b) => (a.pos?.file ?? "").localeCompare(b.pos?.file ?? "") || (a.pos?.line ?? 0) - (b.pos?.line ?? 0) || (a.pos?.col ?? 0) - (b.pos?.col ?? 0));
}

export { posOf };

/**
 * A type written with keywords, literals and the array types of numbers only (`boolean`, `"a" | "b"`,
 * `readonly number[]`, `[number, number]`, `Float64Array`): it means the same in any module.
 */
function isPortableType(text: string): boolean {
  const word = /^(?:boolean|string|number|bigint|undefined|null|true|false|readonly|Array|ReadonlyArray|Readonly|Float64Array)$/;
  const literal = /^(?:"[^"]*"|'[^']*'|-?\d+(?:\.\d+)?)$/;
  return text
    .split(/[\s|,<>\[\]()]+/)
    .filter((t) => t !== "")
    .every((t) => word.test(t) || literal.test(t));
}
