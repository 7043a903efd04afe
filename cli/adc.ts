#!/usr/bin/env node
/**
 * The `adc` command. Exit codes: 0 ok, 1 diagnostics (or stale output with --check), 2 usage.
 */
import { Command, CommanderError } from "commander";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { runTransform, EXIT } from "./transform.js";
import { watchTransform } from "./watch.js";
import { ADC } from "../transformer/diagnostics.js";
import { gmmCommand } from "./gmm.js";
import { VERSION } from "../src/version.js";

/** Set by the main thread: whether stderr is a terminal, where progress lines are wanted. */
const stderrIsTerminal = !isMainThread && (workerData as { stderrIsTerminal: boolean }).stderrIsTerminal;
const io = {
  stdout: (l: string) => console.log(l),
  stderr: (l: string) => console.error(l),
  ...(stderrIsTerminal ? { progress: (l: string) => console.error(l) } : {}),
};

export function buildProgram(): Command {
  const program = new Command("adc")
    .description("adc-ts: source-to-source automatic differentiation for TypeScript")
    .version(VERSION)
    .exitOverride()
    .addHelpText(
      "after",
      "\nExit codes:\n  0  success\n  1  diagnostics (nothing written), or stale output with --check\n  2  usage error",
    );
  program
    .command("transform")
    .description("write each @differentiable function's derivatives after it, mirroring the inputs under --out")
    .argument("<inputs...>", "files or folders of TypeScript sources")
    .requiredOption("-o, --out <dir>", "output folder (replaced as a whole; never an input)")
    .option("--check", "write nothing; exit 1 and list stale, missing or orphaned files in --out")
    .option("--watch", "transform again whenever a .ts file under the inputs changes (keeps running through errors)")
    .exitOverride()
    .action(async (inputs: string[], opts: { out: string; check?: boolean; watch?: boolean }) => {
      if (opts.watch === true && opts.check === true) {
        io.stderr(`adc transform: error ${ADC.usage}: --watch and --check cannot be combined`);
        process.exitCode = EXIT.usage;
      } else if (opts.watch === true) {
        const watcher = watchTransform(inputs, { out: opts.out }, io);
        // Runs until interrupted; only a usage error (bad inputs or --out) ends it.
        for await (const code of watcher.runs) {
          if (code === EXIT.usage) {
            watcher.close();
            process.exitCode = EXIT.usage;
          }
        }
      } else {
        process.exitCode = runTransform(inputs, { out: opts.out, check: opts.check }, io);
      }
    });
  program.addCommand(gmmCommand());
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; every other commander error is a usage error.
      return e.exitCode === 0 || e.code === "commander.helpDisplayed" || e.code === "commander.version" ? EXIT.ok : EXIT.usage;
    }
    throw e;
  }
}

// The TypeScript parser and the compiler recurse on the nesting depth of the input: run the command on
// a thread with a large stack, so that deeply nested code is compiled rather than a stack overflow.
if (isMainThread) {
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { argv: process.argv.slice(2), stderrIsTerminal: process.stderr.isTTY === true },
    resourceLimits: { stackSizeMb: 256 },
  });
  worker.on("message", (code: number) => {
    process.exitCode = code;
  });
  worker.on("error", (e) => {
    console.error(e);
    process.exitCode = 70;
  });
  worker.on("exit", (code) => {
    if (process.exitCode === undefined) process.exitCode = code;
  });
} else {
  parentPort!.postMessage(await main((workerData as { argv: string[] }).argv));
}
