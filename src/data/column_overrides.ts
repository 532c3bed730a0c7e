// The user's say over the table's columns: leave some out (--ignore) and force
// others' kinds (--kind). Every named column must exist (the closest name is
// suggested), the target can be neither ignored nor made a non-target kind,
// and a forced kind must fit the values: a numeric or datetime column whose
// value does not parse is refused at its line, before anything is fitted.
import { DataError, quote } from './errors.js';
import { UnknownColumnError } from './closest.js';
import { isMissing, toDate, toNumber } from './values.js';
import type { ColumnKind, Schema } from './schema.js';
import type { Table } from './table.js';

export const OVERRIDE_KINDS = ['numeric', 'categorical', 'text', 'identifier', 'datetime'] as const;
export type OverrideKind = (typeof OVERRIDE_KINDS)[number];

export interface ColumnOverrideOptions {
  /** Columns left out of the model (their values are never read). */
  ignore?: string[];
  /** Kinds forced on columns. */
  kinds?: Record<string, OverrideKind>;
}

/** An option that names columns wrongly for this table: the command line is at fault, not the data (exit 2). */
export class ColumnOptionError extends DataError {
  override name = 'ColumnOptionError';
}

/** Checks the option's columns against the table (see the file comment). */
export function checkOverrideColumns(table: Table, target: readonly string[], o: ColumnOverrideOptions): void {
  for (const c of o.ignore ?? []) {
    if (!table.columns.includes(c)) throw new UnknownColumnError(table.file, 'a column to ignore (--ignore)', c, table.columns);
    if (target.includes(c)) throw new ColumnOptionError(table.file, 1, `--ignore to name input columns only`, `the target column ${quote(c)}`, 'the target is what the model predicts; drop it from --ignore');
  }
  for (const [c, kind] of Object.entries(o.kinds ?? {})) {
    if (!table.columns.includes(c)) throw new UnknownColumnError(table.file, `a column for --kind ${c}=${kind}`, c, table.columns);
    if (!(OVERRIDE_KINDS as readonly string[]).includes(kind)) throw new ColumnOptionError(table.file, 1, `--kind ${c}=<${OVERRIDE_KINDS.join('|')}>`, quote(kind));
    if (o.ignore?.includes(c)) throw new ColumnOptionError(table.file, 1, `a column either ignored or given a kind`, `both --ignore ${c} and --kind ${c}=${kind}`);
    if (target.includes(c) && kind !== 'numeric' && kind !== 'categorical') throw new ColumnOptionError(table.file, 1, `--kind ${c}=numeric or =categorical for the target (regression or classes)`, `--kind ${c}=${kind}`);
  }
}

/**
 * Forced kinds against the values: throws a DataError naming the first line
 * a numeric or datetime column cannot read; returns notes for legal but
 * doubtful choices (a text column of numbers).
 */
export function checkForcedKinds(table: Table, schema: Schema, kinds: Record<string, ColumnKind>): string[] {
  const tokens = new Set(schema.missingTokens);
  const notes: string[] = [];
  for (const [column, kind] of Object.entries(kinds)) {
    const parse = kind === 'numeric' ? toNumber : kind === 'datetime' ? toDate : null;
    let numbers = 0;
    let present = 0;
    for (let i = 0; i < table.rows.length; i++) {
      const v = table.rows[i][column];
      if (isMissing(v, tokens)) continue;
      present++;
      if (parse && parse(v) === null) {
        throw new DataError(table.file, table.lines[i], `${kind === 'numeric' ? 'a number' : 'an ISO-8601 date'} in column ${quote(column)} (--kind ${column}=${kind})`, quote(v), `the values say ${schema.columns.find((c) => c.name === column)?.inferred ?? 'otherwise'}; drop --kind ${column}, or fix the value`);
      }
      if (kind === 'text' && toNumber(v) !== null) numbers++;
    }
    if (kind === 'text' && present > 0 && numbers === present) notes.push(`${quote(column)} is text by --kind, but every value is a number: each distinct number becomes a word of its own and the model cannot compare magnitudes (--kind ${column}=numeric or =categorical may suit it better)`);
  }
  return notes;
}
