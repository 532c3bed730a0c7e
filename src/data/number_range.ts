// Numbers the model can compute with, checked once the schema says which
// columns are numbers: the network, the encoder and the target scale work in
// float32, so a numeric feature (or a regression target) holding ±Infinity or
// a value past ±3.4e38 (1e308 is a valid JSON number) would become Infinity
// after the first arithmetic and surface as a failed learning-rate finder.
// It is refused at `plan` with its line and column (skipped and reported with
// lenient). NaN stays what the schema makes it: a missing value, with a note.
// A column of numbers written with a decimal comma ("3,14") in a file that is
// not ';'-delimited would silently become categories: it is refused with a hint.
import { DataError, quote } from './errors.js';
import { isMissing, toNumber } from './values.js';
import type { Schema } from './schema.js';
import type { Table } from './table.js';

/** Largest float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** A decimal-comma number, with or without thousands points: 3,14 · -0,5 · 1.234,56. */
const DECIMAL_COMMA = /^\s*[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+\s*$/;

/** Share of a text-like column's values that must look like decimal-comma numbers for it to be refused. */
const COMMA_SHARE = 0.95;

/**
 * The table, refusing (DataError naming the line and column) or, with
 * lenient, leaving out (in report.skipped) the rows whose numeric cells
 * float32 cannot hold; a column of decimal-comma numbers is refused either way.
 */
export function checkNumbers(table: Table, schema: Schema, o: { lenient?: boolean } = {}): Table {
  const tokens = new Set(schema.missingTokens);
  const numeric = schema.columns.filter((c) => c.kind === 'numeric' && (c.role === 'feature' || (c.role === 'target' && schema.task === 'regression'))).map((c) => c.name);
  // Dropped ones too: numbers taken for identifiers would be lost as silently as ones taken for categories.
  const textLike = schema.columns.filter((c) => c.kind === 'categorical' || c.kind === 'text' || c.kind === 'identifier').map((c) => c.name);
  for (const name of textLike) decimalCommas(table, name, tokens);
  if (numeric.length === 0) return table;
  const keep: number[] = [];
  const skipped: Array<{ line: number; reason: string }> = [];
  for (let i = 0; i < table.rows.length; i++) {
    const r = table.rows[i];
    let bad: { name: string; value: unknown } | null = null;
    for (const name of numeric) {
      const v = r[name];
      if (isMissing(v, tokens)) continue;
      const x = toNumber(v);
      if (x !== null && !Number.isNaN(x) && !(Math.abs(x) <= FLOAT32_MAX)) {
        bad = { name, value: v };
        break;
      }
    }
    if (!bad) {
      keep.push(i);
      continue;
    }
    const found = `${quote(String(bad.value))} in column ${quote(bad.name)}`;
    if (!o.lenient) throw new DataError(table.file, table.lines[i], `a number within ±3.4e38 (the model computes in float32)`, found, 'fix or remove the value, or pass --lenient to skip such rows');
    skipped.push({ line: table.lines[i], reason: `expected a number within ±3.4e38, found ${found}` });
  }
  if (skipped.length === 0) return table;
  return {
    ...table,
    rows: keep.map((i) => table.rows[i]),
    lines: keep.map((i) => table.lines[i]),
    report: { ...table.report, rows: keep.length, skipped: [...table.report.skipped, ...skipped] },
  };
}

function decimalCommas(table: Table, name: string, tokens: ReadonlySet<string>): void {
  let values = 0;
  let commas = 0;
  let first = -1;
  for (let i = 0; i < table.rows.length; i++) {
    const v = table.rows[i][name];
    if (isMissing(v, tokens)) continue;
    values++;
    if (typeof v === 'string' && DECIMAL_COMMA.test(v)) {
      commas++;
      if (first < 0) first = i;
    }
  }
  if (values > 0 && commas >= COMMA_SHARE * values) {
    throw new DataError(table.file, table.lines[first], `numbers with a decimal point in column ${quote(name)}`, `${quote(String(table.rows[first][name]))} and ${commas - 1} more like it`, "these look like numbers with a decimal comma: write them with a decimal point, or save the file with ';' as its delimiter, whose decimal commas are read as numbers");
  }
}
