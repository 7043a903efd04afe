/** Test helper: read a JavaScript source map (v3) back into line mappings, with no dependency. */

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = BASE64.indexOf(ch);
    if (digit < 0) throw new Error(`bad base64 digit ${ch} in source map`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

/** One mapping: generated (line, column) → original (source, line, column), all 0-based. */
export interface Mapping {
  readonly generatedLine: number;
  readonly generatedColumn: number;
  readonly source: string;
  readonly originalLine: number;
  readonly originalColumn: number;
}

export function decodeSourceMap(json: string): Mapping[] {
  const map = JSON.parse(json) as { sources: string[]; mappings: string };
  const out: Mapping[] = [];
  let source = 0;
  let originalLine = 0;
  let originalColumn = 0;
  map.mappings.split(";").forEach((line, generatedLine) => {
    let generatedColumn = 0;
    for (const segment of line.split(",")) {
      if (segment === "") continue;
      const v = decodeVlq(segment);
      generatedColumn += v[0];
      if (v.length < 4) continue;
      source += v[1];
      originalLine += v[2];
      originalColumn += v[3];
      out.push({ generatedLine, generatedColumn, source: map.sources[source], originalLine, originalColumn });
    }
  });
  return out;
}
