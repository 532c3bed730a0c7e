// How rows are dealt into training, validation and test: at random (the
// default), by time (the earliest rows train, the latest test: the model is
// judged on a period after the one it learned from), or by group (every
// value of a key column, a patient or a user, in one split only: the model is
// judged on groups it has never seen). Parsed and checked once against the
// data, with errors that name the option, the column and what it holds.
import { UnknownColumnError } from './closest.js';
import { DataError, quote } from './errors.js';
import type { Schema } from './schema.js';
import type { Table } from './table.js';
import { isMissing, toDate, toKey } from './values.js';

export type SplitBy = { kind: 'random' } | { kind: 'time'; column: string } | { kind: 'group'; column: string };

export const RANDOM: SplitBy = { kind: 'random' };

/** The command-line spelling of a split: --split-by random, --split-by time:<column>, --group <column>. */
export function splitByFlag(by: SplitBy | undefined): string {
  if (!by || by.kind === 'random') return '--split-by random';
  return by.kind === 'time' ? `--split-by time:${by.column}` : `--group ${by.column}`;
}

export function sameSplitBy(a: SplitBy | undefined, b: SplitBy | undefined): boolean {
  const x = a ?? RANDOM;
  const y = b ?? RANDOM;
  return x.kind === y.kind && (x.kind === 'random' || x.column === (y as { column: string }).column);
}

/** An option that names a split column this data cannot be split by: the command line is wrong (exit 2). */
export class SplitColumnError extends DataError {
  override name = 'SplitColumnError';
}

/** --split-by and --group as typed: a SplitBy, or a message saying what is accepted. */
export function parseSplitBy(splitBy: string | undefined, group: string | undefined): SplitBy | string {
  if (group !== undefined && group.trim() === '') return '--group expects a column name, found an empty string';
  if (splitBy === undefined || splitBy.trim() === 'random') {
    return group === undefined ? RANDOM : { kind: 'group', column: group };
  }
  if (group !== undefined) return `--split-by ${splitBy} and --group ${group} are two ways of splitting: choose one`;
  const m = /^\s*(time|group)\s*:(.*)$/.exec(splitBy);
  if (!m || m[2].trim() === '') return `--split-by expects 'random' or 'time:<column>' (e.g. time:date), found ${JSON.stringify(splitBy)}`;
  if (m[1] === 'group') return `--split-by group:${m[2]} is spelled --group ${m[2]}`;
  return { kind: 'time', column: m[2].trim() };
}

/** Times of a column, ms since the epoch; null where the cell is missing or not a date. */
export function timeValues(t: Table, column: string, tokens: ReadonlySet<string>): (number | null)[] {
  return t.rows.map((r) => (isMissing(r[column], tokens) ? null : toDate(r[column])));
}

/** Group keys of a column; a row without a value is a group of its own (keyed by its line). */
export function groupKeys(t: Table, column: string, tokens: ReadonlySet<string>): string[] {
  return t.rows.map((r, i) => (isMissing(r[column], tokens) ? `\u0000line ${t.lines[i]}` : toKey(r[column])));
}

/**
 * Checks a time or group split against the data (the schema inferred for
 * splitting): the column exists, is not the target, and can split — dates
 * for time, values shared by several rows (and more than one value) for group.
 */
export function checkSplitBy(t: Table, schema: Schema, by: SplitBy): void {
  if (by.kind === 'random') return;
  const flag = splitByFlag(by);
  if (!t.columns.includes(by.column)) throw new UnknownColumnError(t.file, `${by.kind === 'time' ? '--split-by time:<column>' : '--group'}: a column`, by.column, t.columns);
  if (schema.target.includes(by.column)) throw new SplitColumnError(t.file, 1, `${flag}: a column other than the target`, `the target column ${quote(by.column)}`, 'the split column decides which rows train and which test; the target is what the model predicts');
  const tokens = new Set(schema.missingTokens);
  const c = schema.columns.find((x) => x.name === by.column);
  if (by.kind === 'time') {
    if (c?.kind === 'datetime') return;
    const sample = t.rows.map((r) => r[by.column]).find((v) => !isMissing(v, tokens));
    throw new SplitColumnError(t.file, 1, `${flag}: a column of dates or times (e.g. 2015-01-31 or 2015-01-31T08:00)`, `a ${c?.kind ?? 'missing'} column${sample === undefined ? '' : ` (e.g. ${quote(toKey(sample), 30)})`}`, 'a time split orders rows by date; for another order, sort the file and add a date column');
  }
  const keys = groupKeys(t, by.column, tokens);
  const present = t.rows.filter((r) => !isMissing(r[by.column], tokens)).length;
  const distinct = new Set(keys.filter((k, i) => !isMissing(t.rows[i][by.column], tokens))).size;
  if (distinct <= 1) throw new SplitColumnError(t.file, 1, `${flag}: a column whose values mark groups of rows (at least 3 values, one per split)`, distinct === 0 ? 'no values' : `a single value (${quote(keys.find((k) => !k.startsWith('\u0000')) ?? '', 30)}) in every row`, 'every row would land in one split');
  if (distinct < 3) throw new SplitColumnError(t.file, 1, `${flag}: at least 3 groups (one each for training, validation and test)`, `${distinct} values`);
  if (distinct === present) throw new SplitColumnError(t.file, 1, `${flag}: a column whose values are shared by several rows (a patient, a user, a session)`, `a different value in each of the ${present} rows`, 'each row is its own group, so --group changes nothing: drop --group');
}
