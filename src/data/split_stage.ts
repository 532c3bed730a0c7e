// The first stage of preparing a table: read it, split it, and decide the
// columns' kinds on the training rows only (validation and test rows are then
// encoded with kinds they had no say in). The split itself needs a little of
// the whole table — the target's classes to stratify, which columns are
// identifiers and so not part of a row's identity — and nothing else. The
// split column of a group split and columns that repeat like keys leave the
// features; `plan`'s findings are made here, before any training. The user's
// column overrides (--ignore, --kind) are checked against the table here and
// recorded in the split manifest; they change the inputs, never the rows' splits.
import { readTable } from './read.js';
import { checkNumbers } from './number_range.js';
import { inferSchema, type Schema, type SchemaOptions } from './schema.js';
import { splitTable, type RowAssignment, type TableSplit } from './split.js';
import { manifestPath } from './manifest.js';
import { RANDOM, checkSplitBy, type SplitBy } from './split_by.js';
import { findSuspects, withoutKeyColumns, type Finding } from './findings/index.js';
import { DataError } from './errors.js';
import { MissingColumnError } from './closest.js';
import { isMissing } from './values.js';
import type { Table } from './table.js';
import type { PrepareOptions } from './prepare.js';
import { checkForcedKinds, checkOverrideColumns } from './column_overrides.js';

/** What the stage reads from the prepare options. */
export type SplitStageOptions = Pick<PrepareOptions, 'data' | 'target' | 'test' | 'projectDir' | 'seed' | 'splitSeed' | 'validationShare' | 'testShare' | 'lenient' | 'splitBy' | 'dropNearDuplicates' | 'ignore' | 'kinds'>;

export interface SplitStage {
  table: Table;
  /** Kinds and roles from the training rows; the split column (group) and key-like columns out of the features. */
  schema: Schema;
  split: TableSplit;
  findings: Finding[];
  /** Every row of the data file (rows the reader skipped included), with its split. */
  assignments: RowAssignment[];
  notes: string[];
}

/** The group column is not a feature unless its kind was set by the user. */
function withoutGroupColumn(schema: Schema, by: SplitBy): Schema {
  if (by.kind !== 'group') return schema;
  return {
    ...schema,
    columns: schema.columns.map((c) => (c.name === by.column && c.role === 'feature' && !c.overridden ? { ...c, role: 'dropped', note: `the --group column: rows are split by it, so a model would only meet its values in training` } : c)),
  };
}

/** Rows without a target value are in no split that counts: listed as dropped, saying so. */
function targetless(t: Table, target: string[], tokens: ReadonlySet<string>, a: RowAssignment[]): RowAssignment[] {
  const byRow = new Map(t.rows.map((r, i) => [i + 1, r]));
  return a.map((x) => {
    const r = byRow.get(x.row);
    const empty = r ? target.find((c) => isMissing(r[c], tokens)) : undefined;
    return empty === undefined || x.split === 'dropped' ? x : { ...x, split: 'dropped', reason: `${x.split} row without a value in target column ${JSON.stringify(empty)} (left out of training and evaluation)` };
  });
}

/** A model needs an input: not every column ignored, dropped or the target. */
function requireInput(o: SplitStageOptions, schema: Schema): void {
  if (schema.columns.some((c) => c.role === 'feature')) return;
  const dropped = schema.columns.filter((c) => c.role === 'dropped').map((c) => `${c.name} (${c.note ?? c.kind})`);
  throw new DataError(o.data, 1, 'at least one input column', `none: ${dropped.join(', ') || 'only the target'}`, o.ignore?.length ? 'ignore fewer columns' : undefined);
}

export async function splitStage(o: SplitStageOptions, options: SchemaOptions = {}): Promise<SplitStage> {
  const read = await readTable(o.data, { lenient: o.lenient });
  if (!o.target || o.target.length === 0) throw new MissingColumnError(o.data, 1, 'a target column (--target <column>)', `none; columns are ${read.columns.join(', ')}`);
  checkOverrideColumns(read, Array.isArray(o.target) ? o.target : [o.target], o);
  const schemaOptions: SchemaOptions = { ...options, drop: [...(options.drop ?? []), ...(o.ignore ?? [])], overrides: { ...options.overrides, ...o.kinds } };
  // For the split only: the target's task (stratification) and the identifier columns (row identity).
  const whole = inferSchema(read, { ...schemaOptions, target: o.target });
  if (!whole.task) throw new DataError(o.data, 1, `a target column that decides the task`, `column ${JSON.stringify(o.target)}`);
  // Numbers float32 cannot hold are refused (or, lenient, skipped) before any row is split.
  const table = checkNumbers(read, whole, { lenient: o.lenient });
  // A forced kind must read every value of the table, not only the training rows': the held-out rows are encoded with it.
  const overrideNotes = checkForcedKinds(table, whole, o.kinds ?? {});
  // The options first (exit 2), then the data: before the split, so a refused run leaves no manifest behind.
  const by = o.splitBy ?? RANDOM;
  checkSplitBy(table, whole, by);
  requireInput(o, whole);
  const testSet: Table | undefined = o.test ? checkNumbers(await readTable(o.test, { lenient: o.lenient }), whole, { lenient: o.lenient }) : undefined;
  const seed = o.splitSeed ?? o.seed ?? 0;
  const split = await splitTable(table, {
    schema: whole,
    seed,
    reuseSavedSeed: o.splitSeed === undefined,
    validation: o.validationShare ?? 0.15,
    test: o.testShare ?? 0.15,
    manifest: manifestPath(o.projectDir, o.data),
    testSet,
    by,
    lenient: o.lenient,
    nearDuplicates: o.dropNearDuplicates,
    overrides: { ignore: o.ignore ?? [], kinds: { ...o.kinds } },
  });
  if (split.train.rows.length === 0) throw new DataError(o.data, 0, 'training rows', 'none after the split', 'supply more rows');
  const inferred = inferSchema(split.train, { ...schemaOptions, target: o.target, task: schemaOptions.task ?? whole.task });
  const grouped = withoutGroupColumn(inferred, split.by);
  const findings = findSuspects({
    train: split.train,
    schema: grouped,
    by: split.by,
    seed,
    near: split.manifest.nearDuplicates ? undefined : { columns: split.fingerprintColumns, validation: split.heldOutNear.validation, test: split.heldOutNear.test },
  });
  const schema = withoutKeyColumns(grouped, findings);
  requireInput(o, schema);
  const tokens = new Set(schema.missingTokens);
  const skipped: RowAssignment[] = table.report.skipped.map((s) => ({ line: s.line, row: 0, split: 'dropped', reason: `not read: ${s.reason}` }));
  const assignments = [...targetless(table, schema.target, tokens, split.assignments), ...skipped].sort((a, b) => a.line - b.line || a.row - b.row);
  const notes = [`column kinds inferred from the ${split.train.rows.length} training rows (validation and test rows are encoded with them)`, ...overrideNotes, ...(table.report.notes ?? [])];
  const unheld = table.report.skipped.slice(read.report.skipped.length);
  if (unheld.length) notes.push(`${unheld.length} rows skipped: numbers the model cannot hold (lines ${unheld.slice(0, 10).map((s) => s.line).join(', ')}${unheld.length > 10 ? ', …' : ''})`);
  return { table, schema, split, findings, assignments, notes };
}
