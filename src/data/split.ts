// Train/validation/test splits: seeded and stratified by class (random), in
// time order (time), or keeping every group in one split (group); respecting
// test or validation sets the user supplies; persisted as a fingerprint
// manifest so re-runs use the same rows; and checked for duplicate rows
// across splits (leakage). The test split comes back sealed, and every row of
// the data comes back with its split (and, when dropped, why).
import { DataError } from './errors.js';
import { Rng } from './prng.js';
import { SealedTest } from './sealed.js';
import { chanceRepeatRate, detectLeakage, type LeakageReport } from './leakage.js';
import { applyManifest, loadManifest, saveManifest, describeOverrides, type ColumnOverrides, type ManifestEntry, type SplitManifest, type SplitName } from './manifest.js';
import { bytesFingerprint, dataFingerprint, nearKey, tableFingerprints } from './fingerprint.js';
import { checkData, checkOptions } from './split_check.js';
import { RANDOM, groupKeys, timeValues, type SplitBy } from './split_by.js';
import { assignTimeSplits } from './time_split.js';
import { assignGroupSplits } from './group_split.js';
import { subsetTable, type Table } from './table.js';
import { subsetImages, type ImageSet } from './image_set.js';
import type { Schema } from './schema.js';
import { isMissing, toKey } from './values.js';

export interface SplitOptions {
  /** Seed of the shuffle. Default 0. */
  seed?: number;
  /**
   * Follow a saved manifest whatever seed made it (said in the notes when it is not `seed`);
   * default false: a manifest of another seed is refused.
   */
  reuseSavedSeed?: boolean;
  /** Share of the data for validation (ignored when a validation set is supplied). Default 0.15. */
  validation?: number;
  /** Share of the data for test (ignored when a test set is supplied). Default 0.15. */
  test?: number;
  /** Keep class proportions in every split (random and group splits). Default: true for classification targets. */
  stratify?: boolean;
  /** Remove held-out rows that duplicate a training (or validation) row. Default true. */
  dropLeaked?: boolean;
  /**
   * Path of the split manifest: written when it does not exist; when it does, followed only if it
   * was made with the same seed, shares and kind of split from (mostly) the same rows, else a
   * SplitManifestError. Default: none.
   */
  manifest?: string;
  /** The data's file, for messages. */
  source?: string;
  /** Target column(s), recorded in the manifest (they are not part of a row's identity). */
  target?: string[];
  /** Column overrides of this run (--ignore, --kind), recorded in a new manifest; a reused one that recorded others gets a note. */
  overrides?: ColumnOverrides;
  /** How rows are dealt: random (default), by time or by group (the Splittable then carries times or groups). */
  by?: SplitBy;
  /** Follow the saved manifest whatever options made it (seed, shares, kind): re-reading a run's split. Needs the manifest. */
  followManifest?: boolean;
  /** Recorded in the manifest: the fingerprints are near keys, so near-duplicates count as duplicates. Default false. */
  nearDuplicates?: boolean;
  /** The columns a row's identity hashes, recorded in the manifest (tables). */
  columns?: string[];
  /** The manifest already read (undefined: read `manifest`). */
  saved?: SplitManifest | null;
}

/** One row of the data and the split it went to; dropped rows say why. */
export interface RowAssignment {
  /** The line the row starts on (header = line 1), as in error messages. */
  line: number;
  /** The row's position among the data rows, from 1 (rows of a one-line JSON file share line 1). */
  row: number;
  split: SplitName;
  reason?: string;
}

export interface Split<T> {
  train: T;
  validation: T;
  /** Read it only through test.unseal(reason). */
  test: SealedTest<T>;
  leakage: LeakageReport;
  manifest: SplitManifest;
  /** How the rows were dealt. */
  by: SplitBy;
  /** True when an existing manifest decided the rows. */
  reused: boolean;
  /** Rows the reused manifest did not know (they went to training, or by time or group). */
  newRows: number;
  /** Manifest rows no longer in the data. */
  missingRows: number;
  /** What the user must hear about the split (changed data, an upgraded manifest). */
  notes: string[];
  /** Each row of the data, in data order (for splitDataset: of the view; row = position + 1). */
  assignments: RowAssignment[];
}

/** What the splitter needs to know about a dataset. */
export interface Splittable<T> {
  size: number;
  /** Whole-row fingerprints: duplicates across splits are leakage. */
  fingerprints: string[];
  /** What makes a row the same row across runs (its features; the target left out). Default: fingerprints. */
  identities?: string[];
  /** A hash of each row's label: tells apart copies of one feature row that carry different labels. */
  labels?: string[];
  /** Strata (class keys) per row, or null for no stratification. */
  strata: (string | null)[] | null;
  lines: number[];
  /** Time split: each row's time (ms since the epoch). */
  times?: number[];
  /** Group split: each row's group key. */
  groups?: string[];
  /** How often chance alone repeats a row among these positions (data/leakage.ts chanceRepeatRate); absent: never (images). */
  chanceRepeats?(positions: number[]): number;
  subset(indices: number[]): T;
}

/** Row indices 0 … n−1 grouped by stratum (one group without strata); iterate the keys sorted for a seed-stable order. */
export function groupByStratum(n: number, strata: (string | null)[] | null): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const key = strata ? (strata[i] ?? '\u0000missing') : '';
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  }
  return groups;
}

/** Seeded (stratified) assignment of 0 … n−1 to splits; each list ascending. */
export function assignSplits(n: number, strata: (string | null)[] | null, seed: number, validation: number, test: number): { train: number[]; validation: number[]; test: number[] } {
  if (!(validation >= 0 && test >= 0 && validation + test < 1)) throw new DataError('<split>', 0, 'validation and test shares ≥ 0 summing below 1', `${validation} and ${test}`);
  const rng = new Rng(seed);
  const groups = groupByStratum(n, strata);
  const out = { train: [] as number[], validation: [] as number[], test: [] as number[] };
  for (const key of [...groups.keys()].sort()) {
    const g = rng.shuffle(groups.get(key)!.slice()) as number[];
    const nt = Math.round(test * g.length);
    const nv = Math.round(validation * g.length);
    // One row at a time: spreading a stratum of 100 000 rows into push() overflows the stack.
    g.forEach((i, k) => (k < nt ? out.test : k < nt + nv ? out.validation : out.train).push(i));
  }
  for (const k of ['train', 'validation', 'test'] as const) out[k].sort((a, b) => a - b);
  return out;
}

/** A fresh split of the view's rows by the requested kind. */
function freshSplit(main: Splittable<unknown>, by: SplitBy, stratified: boolean, seed: number, validation: number, test: number): { train: number[]; validation: number[]; test: number[] } {
  if (by.kind === 'time') return assignTimeSplits(main.times!, validation, test);
  if (by.kind === 'group') return assignGroupSplits(main.groups!, stratified ? main.strata : null, seed, validation, test);
  return assignSplits(main.size, stratified ? main.strata : null, seed, validation, test);
}

/**
 * Rows a reused manifest does not know: under a time split they join the
 * split whose period they fall in (training only before validation starts);
 * under a group split, the split of their group; else training.
 */
function placeNewRows(main: Splittable<unknown>, by: SplitBy, idx: Record<'train' | 'validation' | 'test', number[]>, newRows: number[]): string | undefined {
  if (!newRows.length || by.kind === 'random') return undefined;
  const fresh = new Set(newRows);
  const out: Record<'train' | 'validation' | 'test', number[]> = { train: idx.train.filter((i) => !fresh.has(i)), validation: idx.validation, test: idx.test };
  const moved = { train: 0, validation: 0, test: 0 };
  const start = (rows: number[]) => rows.reduce((m, i) => Math.min(m, main.times![i]), Infinity);
  const groupSplit = new Map<string, 'train' | 'validation' | 'test'>();
  if (by.kind === 'group') for (const s of ['train', 'validation', 'test'] as const) for (const i of out[s]) groupSplit.set(main.groups![i], s);
  const validationStart = by.kind === 'time' ? start(idx.validation) : Infinity;
  const testStart = by.kind === 'time' ? start(idx.test) : Infinity;
  for (const i of newRows) {
    let s: 'train' | 'validation' | 'test' = 'train';
    if (by.kind === 'time') s = main.times![i] >= testStart ? 'test' : main.times![i] >= validationStart ? 'validation' : 'train';
    else s = groupSplit.get(main.groups![i]) ?? 'train';
    out[s].push(i);
    moved[s]++;
  }
  for (const s of ['train', 'validation', 'test'] as const) idx[s] = out[s].sort((a, b) => a - b);
  return `${moved.train} to training, ${moved.validation} to validation, ${moved.test} to test, by their ${by.kind === 'time' ? 'time' : 'group'}`;
}

/** Splits any dataset through its Splittable view. */
export async function splitDataset<T>(main: Splittable<T>, options: SplitOptions = {}, supplied: { validation?: Splittable<T>; test?: Splittable<T> } = {}): Promise<Split<T>> {
  const existing = options.saved !== undefined ? options.saved : options.manifest ? await loadManifest(options.manifest) : null;
  if (options.followManifest && !existing) throw new DataError(options.manifest ?? '<split>', 0, 'the saved split manifest to follow', 'none');
  const follow = options.followManifest ? existing : null;
  const seed = follow ? follow.seed : (options.seed ?? 0);
  const fVal = supplied.validation ? 0 : follow ? follow.fractions.validation : (options.validation ?? 0.15);
  const fTest = supplied.test ? 0 : follow ? follow.fractions.test : (options.test ?? 0.15);
  const by: SplitBy = follow ? (follow.splitBy ?? RANDOM) : (options.by ?? RANDOM);
  const near = follow ? Boolean(follow.nearDuplicates) : Boolean(options.nearDuplicates);
  if (by.kind === 'time' && !main.times) throw new DataError(options.source ?? '<split>', 0, 'the time of every row for a time split', 'none');
  if (by.kind === 'group' && !main.groups) throw new DataError(options.source ?? '<split>', 0, 'the group of every row for a group split', 'none');
  const stratify = by.kind !== 'time' && (options.stratify ?? main.strata !== null) && main.strata !== null;
  const sources: SplitManifest['sources'] = { validation: supplied.validation ? 'user' : 'split', test: supplied.test ? 'user' : 'split' };
  const ids = main.identities ?? main.fingerprints;
  const dataFp = dataFingerprint(ids);
  const notes: string[] = [];

  // Positions per split before the duplicate check (dropped: rows a manifest keeps out for good).
  let idx: Record<SplitName, number[]>;
  let newRows = 0;
  let missing: ManifestEntry[] = [];
  if (existing) {
    const reuse = options.reuseSavedSeed === true || follow !== null;
    checkOptions(options.manifest!, existing, { seed: reuse ? existing.seed : seed, validation: fVal, test: fTest, sources, by, nearDuplicates: near });
    if (reuse && !follow && existing.seed !== seed && by.kind !== 'time') notes.push(`the saved split (${options.manifest}, made with split seed ${existing.seed}) is reused; seed ${seed} seeds initialization and shuffles only (--split-seed asks for another split)`);
    const names: SplitName[] = ['train', 'dropped'];
    if (!supplied.validation) names.push('validation');
    if (!supplied.test) names.push('test');
    // Version 1 identified rows with their target: read it that way once, then save it by features.
    const a = applyManifest(existing.version === 1 ? main.fingerprints : { ids, labels: main.labels, lines: main.lines }, existing, names);
    // Rows dropped as duplicates go back to the split they were drawn for: the duplicate check below drops them again.
    const back = (s: 'validation' | 'test') => [...a[s], ...a.dropped.filter((i) => a.droppedFrom.get(i) === s)].sort((x, y) => x - y);
    idx = { train: a.train, validation: back('validation'), test: back('test'), dropped: a.dropped.filter((i) => !a.droppedFrom.has(i)) };
    newRows = a.newRows.length;
    missing = a.missing;
    const placed = placeNewRows(main, by, idx, a.newRows);
    const same = existing.version >= 2 ? existing.data === dataFp : newRows === 0 && a.missingRows === 0;
    const note = checkData(options.manifest!, options.source ?? options.manifest!, existing, main.size, { same, known: main.size - newRows, newRows, missingRows: a.missingRows, placed });
    if (note) notes.push(note);
    const [was, now] = [describeOverrides(existing.overrides), describeOverrides(options.overrides)];
    if (options.overrides && was !== now) notes.push(`the split in ${options.manifest} was made with ${was}; this run has ${now}: the same rows in each split, other model inputs`);
  } else {
    idx = { ...freshSplit(main, by, stratify, seed, fVal, fTest), dropped: [] };
  }

  const pick = <X>(arr: X[], at: number[]): X[] => at.map((i) => arr[i]);
  const valView = supplied.validation ?? null;
  const testView = supplied.test ?? null;
  const held = {
    validation: valView ? valView.fingerprints : pick(main.fingerprints, idx.validation),
    test: testView ? testView.fingerprints : pick(main.fingerprints, idx.test),
  };
  const heldLines = {
    validation: valView ? valView.lines : pick(main.lines, idx.validation),
    test: testView ? testView.lines : pick(main.lines, idx.test),
  };
  const trainFps = pick(main.fingerprints, idx.train);
  const trainLines = pick(main.lines, idx.train);
  // Measured on the training rows only: whether repeats there are chance's or copies decides for the held-out rows.
  const { report, keepValidation, keepTest } = detectLeakage({ train: trainFps, validation: held.validation, test: held.test, lines: { train: trainLines, ...heldLines } }, options.dropLeaked ?? true, main.chanceRepeats?.(idx.train) ?? 0);
  // Supplied held-out rows of a group seen in training are group leakage: removed like duplicates.
  const groupKept = (view: Splittable<T> | null, keep: number[]): number[] => {
    if (!view?.groups || !main.groups || by.kind !== 'group') return keep;
    const trainGroups = new Set(pick(main.groups, idx.train));
    const kept = keep.filter((k) => !trainGroups.has(view.groups![k]));
    if (kept.length < keep.length) notes.push(`${keep.length - kept.length} rows of the supplied ${view === valView ? 'validation' : 'test'} set belong to groups of the training split (--group ${by.column}); removed`);
    return kept;
  };
  const keptVal = groupKept(valView, keepValidation);
  const keptTest = groupKept(testView, keepTest);

  const validation = valView ? valView.subset(keptVal) : main.subset(keptVal.map((k) => idx.validation[k]));
  const test = testView ? testView.subset(keptTest) : main.subset(keptTest.map((k) => idx.test[k]));
  const final: Record<SplitName, number[]> = {
    train: idx.train,
    validation: valView ? [] : keptVal.map((k) => idx.validation[k]),
    test: testView ? [] : keptTest.map((k) => idx.test[k]),
    dropped: idx.dropped,
  };
  const droppedFrom = new Map<number, 'validation' | 'test'>();
  for (const s of ['validation', 'test'] as const) {
    if (s === 'validation' ? valView : testView) continue;
    const kept = new Set(final[s]);
    for (const i of idx[s]) if (!kept.has(i)) droppedFrom.set(i, s);
  }

  let manifest: SplitManifest;
  if (existing && existing.version === 3 && existing.data === dataFp) manifest = existing;
  else {
    if (existing?.version === 1) notes.push(`the split manifest ${options.manifest} identified rows with their target; it now identifies them by their features, with each row's label and line (version 3; same splits)`);
    else if (existing?.version === 2) notes.push(`the split manifest ${options.manifest} now records each row's label and line too (version 3: copies of one row with different labels keep their own splits; same splits)`);
    manifest = buildManifest(main, final, droppedFrom, missing, {
      created: existing?.created ?? new Date().toISOString(),
      seed: existing ? existing.seed : seed,
      fractions: existing ? existing.fractions : { validation: fVal, test: fTest },
      stratified: existing ? existing.stratified : stratify,
      sources,
      data: dataFp,
      rows: main.size,
      target: options.target,
      columns: options.columns,
      splitBy: by,
      nearDuplicates: near || undefined,
      source: options.source === undefined ? undefined : basenameOf(options.source),
      overrides: options.overrides,
    });
    if (options.manifest) await saveManifest(options.manifest, manifest);
  }
  return {
    train: main.subset(idx.train),
    validation,
    test: new SealedTest(test, keptTest.length, supplied.test ? 'user' : 'split'),
    leakage: report,
    manifest,
    by,
    reused: existing !== null,
    newRows,
    missingRows: missing.length,
    notes,
    assignments: rowAssignments(main, final, droppedFrom),
  };
}

function basenameOf(path: string): string {
  return path.split(/[\\/]/).at(-1) ?? path;
}

type ManifestHead = Omit<SplitManifest, 'version' | 'counts' | 'fingerprints' | 'labels' | 'lines' | 'droppedFrom'>;

/** A version 3 manifest of the rows as split now, keeping the entries of rows no longer in the data. */
function buildManifest(main: Splittable<unknown>, final: Record<SplitName, number[]>, droppedFrom: Map<number, 'validation' | 'test'>, missing: ManifestEntry[], head: ManifestHead): SplitManifest {
  const ids = main.identities ?? main.fingerprints;
  const fingerprints = {} as Record<SplitName, string[]>;
  const labels = {} as Record<SplitName, string[]>;
  const lines = {} as Record<SplitName, number[]>;
  const from: Array<'validation' | 'test' | null> = [];
  const dropped = [...[...droppedFrom.keys()].sort((a, b) => a - b), ...final.dropped];
  for (const s of ['train', 'validation', 'test', 'dropped'] as const) {
    const rows = s === 'dropped' ? dropped : final[s];
    fingerprints[s] = rows.map((i) => ids[i]);
    labels[s] = rows.map((i) => main.labels?.[i] ?? '');
    lines[s] = rows.map((i) => main.lines[i]);
  }
  // Version 3 lists every dropped row with its origin; one kept out by an older manifest has none ('dropped' for good).
  for (const i of dropped) from.push(droppedFrom.get(i) ?? null);
  for (const e of missing) {
    fingerprints[e.split].push(e.id);
    labels[e.split].push(e.label ?? '');
    lines[e.split].push(e.line ?? 0);
    if (e.split === 'dropped') from.push(e.from ?? null);
  }
  const counts = { train: fingerprints.train.length, validation: fingerprints.validation.length, test: fingerprints.test.length, dropped: fingerprints.dropped.length };
  const m: SplitManifest = { version: 3, ...head, counts, fingerprints, labels, lines, droppedFrom: from };
  for (const k of Object.keys(m) as Array<keyof SplitManifest>) if (m[k] === undefined) delete m[k];
  return m;
}

/** Each row of the view with its split; rows dropped as duplicates name the row they duplicate. */
function rowAssignments(main: Splittable<unknown>, final: Record<SplitName, number[]>, droppedFrom: Map<number, 'validation' | 'test'>): RowAssignment[] {
  const out: RowAssignment[] = new Array(main.size);
  const first = (rows: number[]) => {
    const m = new Map<string, number>();
    for (const i of rows) if (!m.has(main.fingerprints[i])) m.set(main.fingerprints[i], i);
    return m;
  };
  const at = (i: number) => `row ${i + 1} (line ${main.lines[i]})`;
  const inTrain = first(final.train);
  const inValidation = first(final.validation);
  for (const s of ['train', 'validation', 'test'] as const) for (const i of final[s]) out[i] = { line: main.lines[i], row: i + 1, split: s };
  for (const i of final.dropped) out[i] = { line: main.lines[i], row: i + 1, split: 'dropped', reason: 'kept out by the saved split manifest' };
  for (const [i, s] of droppedFrom) {
    const t = inTrain.get(main.fingerprints[i]);
    const v = inValidation.get(main.fingerprints[i]);
    const reason = t !== undefined ? `duplicates training ${at(t)}` : v !== undefined ? `duplicates validation ${at(v)}` : 'duplicates a row held out earlier';
    out[i] = { line: main.lines[i], row: i + 1, split: 'dropped', reason: `drawn for ${s}, removed: ${reason}` };
  }
  return out;
}

export interface TableSplitOptions extends SplitOptions {
  /** Used for the stratification column (its target) and to leave identifier columns out of fingerprints. */
  schema?: Schema;
  /** Column to stratify on. Default: the schema's target when the task is binary or multiclass. */
  stratifyBy?: string;
  /** Columns that define "the same row". Default: the saved manifest's, else every column except identifiers. */
  fingerprintColumns?: string[];
  /** A test set the user supplies (e.g. the official one): used as is, not cut from the data. */
  testSet?: Table;
  /** A validation set the user supplies. */
  validationSet?: Table;
  /** Time split: rows without a time value are dropped (stated) instead of refused. Default false. */
  lenient?: boolean;
}

/** A table split, with the rows a time split left out for want of a time. */
export interface TableSplit extends Split<Table> {
  /** The columns of the duplicate check (the features and the target; identifiers left out). */
  fingerprintColumns: string[];
  /** Near keys and lines of the held-out rows (for the near-duplicate finding; no values). */
  heldOutNear: { validation: Array<{ key: string; line: number }>; test: Array<{ key: string; line: number }> };
}

function tableView(t: Table, columns: string[], identity: string[], targets: string[], strataColumn: string | null, tokens: ReadonlySet<string>, by: SplitBy, near: boolean): Splittable<Table> {
  return {
    size: t.rows.length,
    fingerprints: near ? t.rows.map((r) => nearKey(r, columns)) : tableFingerprints(t, columns),
    identities: tableFingerprints(t, identity),
    labels: targets.length ? tableFingerprints(t, targets) : undefined,
    strata: strataColumn === null ? null : t.rows.map((r) => (isMissing(r[strataColumn], tokens) ? null : toKey(r[strataColumn]))),
    lines: t.lines,
    times: by.kind === 'time' ? (timeValues(t, by.column, tokens) as number[]) : undefined,
    groups: by.kind === 'group' ? groupKeys(t, by.column, tokens) : undefined,
    chanceRepeats: (at) => chanceRepeatRate(columns.map((c) => at.map((i) => (isMissing(t.rows[i][c], tokens) ? '\u0000' : toKey(t.rows[i][c]))))),
    subset: (i) => subsetTable(t, i),
  };
}

/** Rows without a usable time: refused with their count and first lines, or (lenient) left out and listed. */
function rowsWithTimes(t: Table, by: SplitBy, tokens: ReadonlySet<string>, lenient: boolean): { kept: Table; at: number[]; dropped: RowAssignment[] } {
  const all = { kept: t, at: Array.from(t.rows.keys()), dropped: [] };
  if (by.kind !== 'time') return all;
  const times = timeValues(t, by.column, tokens);
  const bad = times.flatMap((x, i) => (x === null ? [i] : []));
  if (!bad.length) return all;
  const lines = bad.slice(0, 10).map((i) => t.lines[i]).join(', ') + (bad.length > 10 ? ', …' : '');
  if (!lenient) {
    throw new DataError(t.file, t.lines[bad[0]], `a date or time in column ${JSON.stringify(by.column)} in every row (--split-by time:${by.column} orders rows by it)`, `${bad.length} rows without one (lines ${lines})`, 'fill them in, or pass --lenient to leave those rows out of every split');
  }
  const badSet = new Set(bad);
  const dropped = bad.map((i) => ({ line: t.lines[i], row: i + 1, split: 'dropped' as const, reason: isMissing(t.rows[i][by.column], tokens) ? `no value in time column ${JSON.stringify(by.column)}` : `not a date in time column ${JSON.stringify(by.column)}` }));
  const at = all.at.filter((i) => !badSet.has(i));
  return { kept: subsetTable(t, at), at, dropped };
}

/** Splits a table (see SplitOptions and TableSplitOptions). */
export async function splitTable(table: Table, options: TableSplitOptions = {}): Promise<TableSplit> {
  const schema = options.schema;
  const saved = options.saved !== undefined ? options.saved : options.manifest ? await loadManifest(options.manifest) : null;
  const by = options.followManifest && saved ? (saved.splitBy ?? RANDOM) : (options.by ?? RANDOM);
  const near = options.followManifest && saved ? Boolean(saved.nearDuplicates) : Boolean(options.nearDuplicates);
  const targets = schema?.target ?? options.target ?? [];
  // Inference decides what identifies a row, not --kind/--ignore: other overrides later keep the same split.
  const ids = new Set(schema ? schema.columns.filter((c) => (c.inferred ?? c.kind) === 'identifier' && c.role !== 'target').map((c) => c.name) : []);
  // A row is the same row when its features are: a corrected label keeps it in its split.
  const recorded = saved?.columns && saved.columns.every((c) => table.columns.includes(c)) ? saved.columns : null;
  const columns = options.fingerprintColumns ?? (recorded ? [...recorded, ...targets.filter((c) => !recorded.includes(c))] : table.columns.filter((c) => !ids.has(c)));
  const identity = columns.filter((c) => !targets.includes(c));
  const classification = schema?.task === 'binary' || schema?.task === 'multiclass';
  const strataBy = options.stratifyBy ?? (classification ? schema!.target[0] : null);
  if (strataBy !== null && !table.columns.includes(strataBy)) throw new DataError(table.file, 1, `a column named ${JSON.stringify(strataBy)} to stratify by`, `columns ${table.columns.join(', ')}`);
  const tokens = new Set(schema?.missingTokens ?? ['']);
  const { kept, at, dropped } = rowsWithTimes(table, by, tokens, Boolean(options.lenient));
  const o: TableSplitOptions = { source: table.file, target: schema?.target, ...options, by, nearDuplicates: near, columns: identity, saved };
  const view = (t: Table, strata: string | null) => tableView(t, columns, identity, targets, strata, tokens, by, near);
  const split = await splitDataset(view(kept, strataBy), o, {
    validation: options.validationSet ? view(options.validationSet, null) : undefined,
    test: options.testSet ? view(options.testSet, null) : undefined,
  });
  if (dropped.length) split.notes.push(`${dropped.length} rows without a time in ${JSON.stringify((by as { column: string }).column)} left out of every split (--lenient; lines ${dropped.slice(0, 10).map((d) => d.line).join(', ')}${dropped.length > 10 ? ', …' : ''})`);
  // Rows numbered in the whole table (a time split left some out before splitting).
  const assignments = [...split.assignments.map((a, i) => ({ ...a, row: at[i] + 1 })), ...dropped].sort((a, b) => a.row - b.row);
  // Held-out rows as near keys only: the near-duplicate finding compares them with training without reading their values.
  const nearOf = (s: 'validation' | 'test', supplied?: Table) =>
    supplied
      ? supplied.rows.map((r, i) => ({ key: nearKey(r, columns), line: supplied.lines[i] }))
      : split.assignments.flatMap((a, i) => (a.split === s ? [{ key: nearKey(kept.rows[i], columns), line: a.line }] : []));
  return { ...split, assignments, fingerprintColumns: columns, heldOutNear: { validation: nearOf('validation', options.validationSet), test: nearOf('test', options.testSet) } };
}

export interface ImageSplitOptions extends SplitOptions {
  testSet?: ImageSet;
  validationSet?: ImageSet;
}

function imageView(s: ImageSet): Splittable<ImageSet> {
  const per = s.shape[1] * s.shape[2] * s.shape[3];
  const fingerprints: string[] = new Array(s.shape[0]);
  for (let i = 0; i < s.shape[0]; i++) fingerprints[i] = bytesFingerprint(s.images.subarray(i * per, (i + 1) * per));
  return {
    size: s.shape[0],
    fingerprints,
    labels: Array.from(s.labels, String),
    strata: Array.from(s.labels, String),
    lines: s.sources.map((_, i) => i + 1),
    subset: (i) => subsetImages(s, i),
  };
}

/** Splits an image set, stratified by label; duplicates are identical pixels. */
export async function splitImages(set: ImageSet, options: ImageSplitOptions = {}): Promise<Split<ImageSet>> {
  if (options.by && options.by.kind !== 'random') throw new DataError(options.source ?? '<images>', 0, 'a random split (time and group splits are for tables)', `--split-by ${options.by.kind}`);
  return splitDataset(imageView(set), options, {
    validation: options.validationSet ? imageView(options.validationSet) : undefined,
    test: options.testSet ? imageView(options.testSet) : undefined,
  });
}

