// Schema inference: what each column is and what the model should do with it,
// as a plain, printable, JSON-serializable object the user can override.
import { UnknownColumnError } from './closest.js';
import { DataError, quote } from './errors.js';
import type { Cell, Table } from './table.js';
import { DEFAULT_MISSING_TOKENS, isMissing, toBoolean, toDate, toKey, toNumber } from './values.js';

export type ColumnKind = 'numeric' | 'categorical' | 'boolean' | 'datetime' | 'text' | 'identifier' | 'constant';
export type ColumnRole = 'feature' | 'target' | 'dropped';
export type Task = 'regression' | 'binary' | 'multiclass' | 'multilabel';

export interface ColumnSchema {
  name: string;
  kind: ColumnKind;
  role: ColumnRole;
  /** Missing cells among the rows inference saw. */
  missing: number;
  /** NaN and ±Infinity among numeric cells (treated as missing, and reported). */
  nonFinite: number;
  /** Distinct non-missing values (counting stops at 10 000). */
  distinct: number;
  /** Why a column was dropped or changed, for the printed schema. */
  note?: string;
  /** Set when the kind or role came from the user, not inference. */
  overridden?: boolean;
  /** The kind inference gave, when an override changed it. */
  inferred?: ColumnKind;
  /** The inputs the model reads from this column, when not the column itself (a date's parts: year, month, …). */
  derived?: string[];
}

export interface Schema {
  columns: ColumnSchema[];
  /** Target column names: one, or several boolean columns for multilabel. */
  target: string[];
  task: Task | null;
  /** Separator inside one target cell for multilabel targets ("a|b"). */
  multilabelSeparator?: string;
  missingTokens: string[];
  rows: number;
  notes: string[];
}

export interface SchemaOptions {
  /** The column(s) to predict. Several boolean columns, or multilabelSeparator, make the task multilabel. */
  target?: string | string[];
  /** Force a column's kind ('constant' or 'identifier' drop it). */
  overrides?: Record<string, ColumnKind>;
  /** Columns to leave out of the features. */
  drop?: string[];
  /** Force the task instead of inferring it from the target. */
  task?: Task;
  /** Cells that mean missing. Default DEFAULT_MISSING_TOKENS ('', NA, N/A, null, None, ?, - …). */
  missingTokens?: string[];
  /** A string column with at most this many distinct values is categorical. Default 50. */
  maxCategories?: number;
  /** An integer column with at most this many distinct values is categorical. Default 10. */
  maxIntegerCategories?: number;
  /** An integer target with at most this many distinct values is a class label. Default 20. */
  maxClasses?: number;
  /** Share of non-missing cells that must parse for a column to be numeric/datetime/boolean; the rest are bad values reported at encoding. Default 0.95. */
  parseThreshold?: number;
  /** Split one target cell into labels with this separator (multilabel). Default: none. */
  multilabelSeparator?: string;
}

const DISTINCT_CAP = 10000;
const ID_NAME = /(^|[_\s-])(id|uuid|guid|key)$|[a-z]Id$|^id[_\s-]/i;

interface Profile {
  n: number;
  missing: number;
  nonFinite: number;
  numeric: number;
  integer: number;
  booleans: number;
  dates: number;
  nested: number;
  words: number;
  distinct: Set<string>;
  distinctNumbers: Set<number>;
  min: number;
  max: number;
}

function profile(values: Cell[], tokens: ReadonlySet<string>): Profile {
  const p: Profile = { n: values.length, missing: 0, nonFinite: 0, numeric: 0, integer: 0, booleans: 0, dates: 0, nested: 0, words: 0, distinct: new Set(), distinctNumbers: new Set(), min: Infinity, max: -Infinity };
  for (const v of values) {
    if (isMissing(v, tokens)) {
      p.missing++;
      continue;
    }
    if (typeof v === 'object' && !(v instanceof Date)) p.nested++;
    if (p.distinct.size < DISTINCT_CAP) p.distinct.add(toKey(v));
    if (toBoolean(v) !== null && typeof v !== 'number' && typeof v !== 'bigint') p.booleans++;
    const x = typeof v === 'boolean' ? null : toNumber(v);
    if (x !== null) {
      p.numeric++;
      if (!Number.isFinite(x)) p.nonFinite++;
      else {
        if (Number.isInteger(x)) p.integer++;
        if (p.distinctNumbers.size < DISTINCT_CAP) p.distinctNumbers.add(x);
        if (x < p.min) p.min = x;
        if (x > p.max) p.max = x;
      }
    } else if (toDate(v) !== null) p.dates++;
    if (typeof v === 'string') p.words += v.trim().split(/\s+/).length;
  }
  return p;
}

function inferKind(name: string, p: Profile, o: Required<Pick<SchemaOptions, 'maxCategories' | 'maxIntegerCategories' | 'parseThreshold'>>): { kind: ColumnKind; note?: string } {
  const present = p.n - p.missing;
  const distinct = p.distinct.size;
  if (present === 0) return { kind: 'constant', note: 'all values missing' };
  if (p.nested > 0) return { kind: 'text', note: 'nested values (arrays/objects) are not tabular features' };
  if (distinct === 1 && p.nonFinite === 0) return { kind: 'constant', note: `always ${quote([...p.distinct][0])}` };
  const allUnique = distinct === present && present >= 20;
  const finite = p.numeric - p.nonFinite;
  if (p.booleans === present || (p.numeric === present && p.distinctNumbers.size <= 2 && [...p.distinctNumbers].every((x) => x === 0 || x === 1) && p.nonFinite === 0)) {
    return { kind: 'boolean' };
  }
  if (p.numeric >= o.parseThreshold * present) {
    const integral = p.integer === finite;
    if (integral && allUnique && (ID_NAME.test(name) || p.max - p.min + 1 === present)) return { kind: 'identifier', note: 'unique consecutive integers' };
    if (integral && p.distinctNumbers.size <= o.maxIntegerCategories && finite >= 2 * p.distinctNumbers.size) return { kind: 'categorical', note: 'few distinct integers' };
    return { kind: 'numeric' };
  }
  if (p.dates >= o.parseThreshold * present) return { kind: 'datetime' };
  const meanWords = p.words / present;
  if (allUnique && (ID_NAME.test(name) || meanWords < 2)) return { kind: 'identifier', note: 'every value unique' };
  if (distinct >= 0.9 * present && present >= 20) {
    // nearly unique strings carry no category structure: ids, or free text such as titles
    return meanWords >= 2 && !ID_NAME.test(name) ? { kind: 'text', note: 'nearly every value unique' } : { kind: 'identifier', note: 'nearly every value unique' };
  }
  if (distinct <= o.maxCategories) return { kind: 'categorical' };
  if (meanWords >= 3) return { kind: 'text' };
  return { kind: 'categorical', note: `${distinct >= DISTINCT_CAP ? `≥${DISTINCT_CAP}` : distinct} categories: rare ones map to <unknown>` };
}

function targetTask(name: string, kind: ColumnKind, p: Profile, maxClasses: number, table: Table): Task {
  const classes = p.distinct.size;
  if (classes < 2) {
    throw new DataError(table.file, 1, `at least two classes in target column ${quote(name)}`, classes === 0 ? 'no values' : `only ${quote([...p.distinct][0])}`);
  }
  if (kind === 'boolean' || classes === 2) return 'binary';
  if (kind === 'numeric') {
    const finite = p.numeric - p.nonFinite;
    return p.integer === finite && p.distinctNumbers.size <= maxClasses ? 'multiclass' : 'regression';
  }
  return 'multiclass';
}

/**
 * Infers a schema from a table (the training rows, ideally: kinds are chosen
 * from what the model will learn on). Throws DataError when the target column
 * is missing or has a single class.
 */
export function inferSchema(table: Table, options: SchemaOptions = {}): Schema {
  const tokens = options.missingTokens ?? DEFAULT_MISSING_TOKENS;
  const tokenSet = new Set(tokens);
  const o = { maxCategories: options.maxCategories ?? 50, maxIntegerCategories: options.maxIntegerCategories ?? 10, parseThreshold: options.parseThreshold ?? 0.95 };
  const target = options.target === undefined ? [] : Array.isArray(options.target) ? options.target : [options.target];
  for (const t of target) {
    if (!table.columns.includes(t)) {
      throw new UnknownColumnError(table.file, 'a target column', t, table.columns);
    }
  }
  if (table.rows.length === 0) throw new DataError(table.file, 1, 'at least one data row', 'none');
  const drop = new Set(options.drop ?? []);
  const notes: string[] = [];
  const profiles = new Map<string, Profile>();
  const columns: ColumnSchema[] = table.columns.map((name) => {
    const p = profile(table.rows.map((r) => r[name]), tokenSet);
    profiles.set(name, p);
    const isTarget = target.includes(name);
    let { kind, note } = inferKind(name, p, o);
    let overridden = false;
    let inferred: ColumnKind | undefined;
    const forced = options.overrides?.[name];
    if (forced && forced !== kind) {
      note = `${kind} by inference, ${forced} by override`;
      inferred = kind;
      kind = forced;
      overridden = true;
    }
    let role: ColumnRole = 'feature';
    if (isTarget) {
      role = 'target';
      if (kind === 'constant' || kind === 'identifier') kind = p.numeric === p.n - p.missing ? 'numeric' : 'categorical';
    } else if (drop.has(name)) {
      role = 'dropped';
      note = 'dropped by request';
      overridden = true;
    } else if (kind === 'constant' || kind === 'identifier' || (kind === 'text' && p.nested > 0)) {
      role = 'dropped';
    }
    if (role === 'dropped' && !overridden) notes.push(`dropped ${quote(name)}: ${kind}${note ? ` (${note})` : ''}`);
    if (p.nonFinite > 0 && kind === 'numeric') notes.push(`${quote(name)}: ${p.nonFinite} NaN/Infinity value(s), treated as missing`);
    const c: ColumnSchema = { name, kind, role, missing: p.missing, nonFinite: p.nonFinite, distinct: p.distinct.size };
    if (note) c.note = note;
    if (overridden) c.overridden = true;
    if (inferred) c.inferred = inferred;
    return c;
  });
  let task: Task | null = options.task ?? null;
  const sep = options.multilabelSeparator;
  if (target.length > 1 || sep !== undefined || (target.length === 1 && profiles.get(target[0])!.nested > 0)) {
    task = options.task ?? 'multilabel';
    for (const t of target) {
      const c = columns.find((x) => x.name === t)!;
      if (target.length > 1 && c.kind !== 'boolean') throw new DataError(table.file, 1, `a boolean (0/1) column for multilabel target ${quote(t)}`, `a ${c.kind} column`);
    }
  } else if (target.length === 1) {
    const c = columns.find((x) => x.name === target[0])!;
    const inferred = targetTask(c.name, c.kind, profiles.get(c.name)!, options.maxClasses ?? 20, table);
    task = options.task ?? inferred;
    if (c.missing > 0) notes.push(`target ${quote(c.name)}: ${c.missing} row(s) without a value are left out of training and evaluation`);
  }
  const schema: Schema = { columns, target, task, missingTokens: tokens, rows: table.rows.length, notes };
  if (sep !== undefined) schema.multilabelSeparator = sep;
  return schema;
}

/** A copy of a schema with some columns' kinds changed (dropped kinds drop them; others make them features). */
export function overrideSchema(schema: Schema, overrides: Record<string, ColumnKind>): Schema {
  const copy: Schema = JSON.parse(JSON.stringify(schema));
  for (const [name, kind] of Object.entries(overrides)) {
    const c = copy.columns.find((x) => x.name === name);
    if (!c) throw new DataError('<schema>', 0, `a column named ${quote(name)}`, `columns ${copy.columns.map((x) => quote(x.name, 30)).join(', ')}`);
    c.note = `${c.kind} by inference, ${kind} by override`;
    c.inferred ??= c.kind;
    c.kind = kind;
    c.overridden = true;
    if (c.role !== 'target') c.role = kind === 'constant' || kind === 'identifier' ? 'dropped' : 'feature';
  }
  return copy;
}

/** The feature columns, in table order. */
export function featureColumns(schema: Schema): ColumnSchema[] {
  return schema.columns.filter((c) => c.role === 'feature');
}

/** A fixed-width text rendering of a schema, for logs and review. */
export function formatSchema(schema: Schema): string {
  const head = ['column', 'kind', 'role', 'missing', 'distinct', 'note'];
  const note = (c: ColumnSchema) => [c.derived ? `inputs: ${c.derived.join(', ')}` : '', c.note ?? ''].filter(Boolean).join('; ');
  const rows = schema.columns.map((c) => [c.name, c.kind + (c.overridden ? '*' : ''), c.role, String(c.missing + (c.nonFinite ? ` (+${c.nonFinite} NaN/Inf)` : '')), String(c.distinct), note(c)]);
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((x, i) => x.padEnd(width[i])).join('  ').trimEnd();
  const out = [`${schema.rows} rows; target: ${schema.target.length ? schema.target.join(', ') : '(none)'}; task: ${schema.task ?? '(none)'}`, line(head), line(width.map((w) => '-'.repeat(w))), ...rows.map(line)];
  if (schema.columns.some((c) => c.overridden)) out.push('* set by override');
  for (const n of schema.notes) out.push(`note: ${n}`);
  return out.join('\n');
}
