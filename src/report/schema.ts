// The report's schema table: each column of the data with its inferred (or
// given) kind and role, and what it becomes as model inputs — a numeric
// column one standardized input, a categorical one a one-hot block, a date
// its parts (year, month, …), a text column token ids — so a reader sees
// which columns the model used and which were dropped, and why.
import type { Preprocessing } from '../data/index.js';

export interface SchemaRow {
  column: string;
  kind: string;
  role: string;
  missing: number;
  distinct: number;
  /** The model inputs derived from the column, e.g. "date → year, month, day, weekday"; '' for none. */
  inputs: string;
  note: string;
}

type TableProcessing = Extract<Preprocessing, { schema: unknown }>;

function inputsOf(p: TableProcessing): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of p.preprocessor.features) {
    const na = 'indicator' in f && f.indicator ? `, plus ${f.column}_na (missing)` : '';
    if (f.kind === 'numeric' || f.kind === 'boolean') out.set(f.column, `1 input${na}`);
    else if (f.kind === 'datetime') out.set(f.column, `${f.parts.length} parts: ${f.parts.join(', ')}${na}`);
    else if (f.kind === 'categorical') out.set(f.column, `one-hot over ${f.vocabulary.tokens.length - f.vocabulary.reserved} values, plus ${f.vocabulary.reserved} for unseen or missing`);
    else if (f.kind === 'text') out.set(f.column, `token ids (vocabulary ${f.tokenizer.vocabulary.tokens.length}, up to ${f.tokenizer.maxLength} tokens)`);
  }
  return out;
}

/** One row per column of a table's schema; null for images (no columns). */
export function schemaRows(p: Preprocessing | null | undefined): SchemaRow[] | null {
  if (!p || !('schema' in p)) return null;
  const inputs = inputsOf(p);
  return p.schema.columns.map((c) => ({
    column: c.name,
    kind: c.overridden ? `${c.kind} (given)` : c.kind,
    role: c.role,
    missing: c.missing,
    distinct: c.distinct,
    inputs: c.role === 'target' ? '' : (inputs.get(c.name) ?? (c.role === 'dropped' ? 'none' : '')),
    note: c.note ?? '',
  }));
}
