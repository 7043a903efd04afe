/**
 * `adc gmm <file.csv>`: fits a Gaussian mixture to a numeric CSV and prints the parameters, or JSON,
 * and optionally draws the data with each component's 1- and 2-sigma ellipses as SVG.
 * Exit codes: 0 success, 1 data errors (unreadable CSV, fit failure), 2 usage errors.
 */
import { writeFileSync } from "node:fs";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import {
  CsvError,
  GaussianMixture,
  plotMixture,
  readNumericCsv,
  type CovarianceType,
  type InitParams,
} from "../src/gmm/index.js";

/** Where the command writes (the process streams by default; tests collect text). */
export interface GmmIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processIo: GmmIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export interface GmmCommandOptions {
  components: number;
  covariance: CovarianceType;
  seed: number;
  init: InitParams;
  nInit: number;
  maxIter: number;
  tol: number;
  json?: boolean;
  plot?: string;
}

export const EXIT_OK = 0;
export const EXIT_DATA_ERROR = 1;
export const EXIT_USAGE = 2;

function integerAtLeast(min: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^[+-]?\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < min) {
      throw new InvalidArgumentError(`expected an integer >= ${min}, got "${value}"`);
    }
    return parsed;
  };
}

function nonNegativeNumber(value: string): number {
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed) || parsed < 0) {
    throw new InvalidArgumentError(`expected a number >= 0, got "${value}"`);
  }
  return parsed;
}

/** Thrown by the exit hook in `runGmm`, so tests get an exit code instead of a dead process. */
class ExitSignal extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function buildCommand(io: GmmIo, exit: (code: number) => never, done: (code: number) => void): Command {
  const command = new Command("gmm")
    .description("fit a Gaussian mixture by EM (scikit-learn compatible) to the columns of a CSV file")
    .argument("<file.csv>", "CSV file with a header line and numeric cells")
    .addOption(new Option("-k, --components <n>", "number of mixture components").argParser(integerAtLeast(1)).default(2))
    .addOption(
      new Option("--covariance <type>", "covariance type").choices(["full", "tied", "diag", "spherical"]).default("full"),
    )
    .addOption(new Option("--seed <n>", "random seed for the initialisation").argParser(integerAtLeast(0)).default(0))
    .addOption(
      new Option("--init <method>", "initialisation").choices(["kmeans", "k-means++", "random", "random_from_data"]).default("kmeans"),
    )
    .addOption(new Option("--n-init <n>", "initialisations to try (best kept)").argParser(integerAtLeast(1)).default(1))
    .addOption(new Option("--max-iter <n>", "maximum EM iterations").argParser(integerAtLeast(0)).default(100))
    .addOption(new Option("--tol <x>", "convergence threshold on the lower bound").argParser(nonNegativeNumber).default(1e-3))
    .option("--json", "print the fit as JSON")
    .option("--plot <out.svg>", "draw the data and 1-/2-sigma ellipses (first two columns) as SVG")
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) })
    // Commander exits with 1 on usage errors; 1 is our data-error code, so usage errors become 2.
    .exitOverride((error: CommanderError) => exit(error.exitCode === 0 ? EXIT_OK : EXIT_USAGE))
    .action(async (file: string, options: GmmCommandOptions) => {
      done(await gmmAction(file, options, io));
    });
  return command;
}

/** The `gmm` subcommand for `adc` (sets process.exitCode; exits with 2 on usage errors). */
export function gmmCommand(io: GmmIo = processIo): Command {
  return buildCommand(
    io,
    (code) => process.exit(code),
    (code) => {
      process.exitCode = code;
    },
  );
}

/** Runs `adc gmm` with the arguments after `gmm`, returning the exit code (for tests and scripts). */
export async function runGmm(argv: readonly string[], io: GmmIo = processIo): Promise<number> {
  let exitCode = EXIT_OK;
  const command = buildCommand(
    io,
    (code) => {
      throw new ExitSignal(code);
    },
    (code) => {
      exitCode = code;
    },
  );
  try {
    await command.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof ExitSignal) return error.code;
    throw error;
  }
  return exitCode;
}

/** Fits, prints and plots; returns the exit code. Never throws for bad data. */
export async function gmmAction(file: string, options: GmmCommandOptions, io: GmmIo): Promise<number> {
  const fail = (message: string): number => {
    io.stderr(`adc gmm: error: ${message}\n`);
    return EXIT_DATA_ERROR;
  };
  let table;
  try {
    table = readNumericCsv(file);
  } catch (error) {
    if (error instanceof CsvError) return fail(error.message);
    throw error;
  }
  const { columns, rows } = table;
  if (options.plot !== undefined && columns.length < 2) {
    return fail(`--plot needs at least 2 columns, ${file} has ${columns.length}`);
  }
  const model = new GaussianMixture<CovarianceType>({
    nComponents: options.components,
    covarianceType: options.covariance,
    randomState: options.seed,
    initParams: options.init,
    nInit: options.nInit,
    maxIter: options.maxIter,
    tol: options.tol,
    onWarning: (message) => io.stderr(`adc gmm: warning: ${message}\n`),
  });
  let labels: number[];
  try {
    labels = model.fitPredict(rows);
  } catch (error) {
    return fail(`${file}: ${(error as Error).message}`);
  }
  const n = rows.length;
  const score = model.score(rows);
  const summary = {
    file,
    columns,
    nSamples: n,
    nFeatures: columns.length,
    nComponents: options.components,
    covarianceType: options.covariance,
    initParams: options.init,
    nInit: options.nInit,
    seed: options.seed,
    converged: model.converged,
    nIter: model.nIter,
    lowerBound: model.lowerBound,
    logLikelihood: score * n,
    score,
    bic: model.bic(rows),
    aic: model.aic(rows),
    nParameters: model.nParameters(),
    weights: model.weights,
    means: model.means,
    covariances: model.covariances,
    labels,
    ...(options.plot !== undefined ? { plot: options.plot } : {}),
  };

  if (options.plot !== undefined) {
    try {
      const svg = await plotMixture(rows, model, {
        labels,
        xLabel: columns[0],
        yLabel: columns[1],
        title: `${basename(file)}: ${options.components}-component Gaussian mixture (${options.covariance})`,
      });
      writeFileSync(options.plot, svg);
    } catch (error) {
      return fail(`cannot write the plot ${options.plot}: ${(error as Error).message}`);
    }
  }

  if (options.json) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
  else io.stdout(formatSummary(summary, model));
  return EXIT_OK;
}

function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** Six significant digits, without exponent noise for ordinary magnitudes. */
function num(value: number): string {
  return Number(value.toPrecision(6)).toString();
}

function table(header: string[], body: string[][], indent: string): string {
  const all = [header, ...body];
  const widths = header.map((_, j) => Math.max(...all.map((row) => row[j].length)));
  return all
    .map((row) => indent + row.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join("  ").trimEnd())
    .join("\n");
}

function formatSummary(
  s: {
    file: string;
    columns: string[];
    nSamples: number;
    nComponents: number;
    covarianceType: CovarianceType;
    initParams: string;
    nInit: number;
    seed: number;
    converged: boolean;
    nIter: number;
    logLikelihood: number;
    score: number;
    bic: number;
    aic: number;
    nParameters: number;
    weights: number[];
    means: number[][];
    plot?: string;
  },
  model: GaussianMixture<CovarianceType>,
): string {
  const lines: string[] = [];
  const cols = s.columns;
  lines.push(`Gaussian mixture fit of ${s.file}: ${s.nSamples} rows x ${cols.length} columns (${cols.join(", ")})`);
  lines.push(`components: ${s.nComponents}, covariance: ${s.covarianceType}, init: ${s.initParams}, n-init: ${s.nInit}, seed: ${s.seed}`);
  lines.push(s.converged ? `EM converged after ${s.nIter} iterations` : `EM did NOT converge in ${s.nIter} iterations`);
  lines.push(`log-likelihood: ${num(s.logLikelihood)} (${num(s.score)} per row)`);
  lines.push(`BIC: ${num(s.bic)}  AIC: ${num(s.aic)}  (free parameters: ${s.nParameters})`);
  const covariances = model.covariances as unknown;
  const matrixTable = (m: number[][]): string =>
    table(["", ...cols], m.map((row, i) => [cols[i], ...row.map(num)]), "    ");
  for (let k = 0; k < s.nComponents; k++) {
    lines.push("");
    lines.push(`component ${k}: weight ${num(s.weights[k])}`);
    lines.push(table(["", ...cols], [["mean", ...s.means[k].map(num)]], "  "));
    if (s.covarianceType === "full") {
      lines.push("  covariance:");
      lines.push(matrixTable((covariances as number[][][])[k]));
    } else if (s.covarianceType === "diag") {
      lines.push(table(["", ...cols], [["variance", ...(covariances as number[][])[k].map(num)]], "  "));
    } else if (s.covarianceType === "spherical") {
      lines.push(`  variance (every column): ${num((covariances as number[])[k])}`);
    }
  }
  if (s.covarianceType === "tied") {
    lines.push("");
    lines.push("shared covariance (tied):");
    lines.push(matrixTable(covariances as number[][]));
  }
  if (s.plot !== undefined) {
    lines.push("");
    lines.push(`plot written to ${s.plot}`);
  }
  return `${lines.join("\n")}\n`;
}
