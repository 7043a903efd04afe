/**
 * A strict reader for numeric CSV files with a header line: every data cell must be a finite decimal
 * number, and any other cell is an error naming its line, row and column.
 */
import { readFileSync } from "node:fs";

export interface NumericTable {
  /** Header names, unquoted. */
  columns: string[];
  /** Data rows, each with one number per column. */
  rows: number[][];
}

/** A CSV that cannot be read as a numeric table (a data error, not a usage error). */
export class CsvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CsvError";
  }
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Splits one CSV line, honouring double quotes (no embedded line breaks). */
function splitLine(line: string): string[] {
  const cells: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      cells.push(current);
      current = "";
    } else current += ch;
  }
  cells.push(current);
  return cells.map((c) => c.trim());
}

/** Parses CSV text; `source` names the file in error messages. */
export function parseNumericCsv(text: string, source = "CSV"): NumericTable {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  let lineIndex = 0;
  while (lineIndex < lines.length && lines[lineIndex].trim() === "") lineIndex++;
  if (lineIndex >= lines.length) throw new CsvError(`${source}: the file is empty (expected a header line and data rows)`);
  const columns = splitLine(lines[lineIndex]);
  const rows: number[][] = [];
  for (let i = lineIndex + 1; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    const cells = splitLine(lines[i]);
    const rowNumber = rows.length + 1;
    const where = `${source} line ${i + 1} (data row ${rowNumber})`;
    if (cells.length !== columns.length) {
      throw new CsvError(`${where}: expected ${columns.length} cells (${columns.join(", ")}) but found ${cells.length}`);
    }
    const row = new Array<number>(cells.length);
    for (let j = 0; j < cells.length; j++) {
      const cell = cells[j];
      const value = DECIMAL.test(cell) ? Number(cell) : NaN;
      if (!Number.isFinite(value)) {
        const shown = cell === "" ? "an empty cell" : `"${cell}"`;
        throw new CsvError(`${where}, column ${j + 1} ("${columns[j]}"): ${shown} is not a finite number`);
      }
      row[j] = value;
    }
    rows.push(row);
  }
  if (rows.length === 0) throw new CsvError(`${source}: no data rows after the header`);
  return { columns, rows };
}

/** Reads and parses a numeric CSV file. */
export function readNumericCsv(path: string): NumericTable {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CsvError(code === "ENOENT" ? `${path}: no such file` : `${path}: cannot read (${(error as Error).message})`);
  }
  return parseNumericCsv(text, path);
}
