// Train/validation/test splits: seeded, stratified by class for
// classification, respecting test or validation sets the user supplies,
// persisted as a fingerprint manifest so re-runs use the same rows, and
// checked for duplicate rows across splits (leakage). The test split comes
// back sealed.
import { DataError } from './errors.js';
import { Rng } from './prng.js';
import { SealedTest } from './sealed.js';
import { detectLeakage, type LeakageReport } from './leakage.js';
import { applyManifest, loadManifest, saveManifest, describeOverrides, type ColumnOverrides, type SplitManifest, type SplitName } from './manifest.js';
import { bytesFingerprint, dataFingerprint, tableFingerprints } from './fingerprint.js';
import { checkData, checkOptions } from './split_check.js';
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
  /** Keep class proportions in every split. Default: true for classification targets. */
  stratify?: boolean;
  /** Remove held-out rows that duplicate a training (or validation) row. Default true. */
  dropLeaked?: boolean;
  /**
   * Path of the split manifest: written when it does not exist; when it does, followed only if it
   * was made with the same seed and shares from (mostly) the same rows, else a SplitManifestError.
   * Default: none.
   */
  manifest?: string;
  /** The data's file, for messages. */
  source?: string;
  /** Target column(s), recorded in the manifest (they are not part of a row's identity). */
  target?: string[];
  /** Column overrides of this run, recorded in a new manifest; a reused one that recorded others gets a note. */
  columns?: ColumnOverrides;
}

export interface Split<T> {
  train: T;
  validation: T;
  /** Read it only through test.unseal(reason). */
  test: SealedTest<T>;
  leakage: LeakageReport;
  manifest: SplitManifest;
  /** True when an existing manifest decided the rows. */
  reused: boolean;
  /** Rows the reused manifest did not know (they went to training). */
  newRows: number;
  /** Manifest rows no longer in the data. */
  missingRows: number;
  /** What the user must hear about the split (changed data, an upgraded manifest). */
  notes: string[];
}

/** What the splitter needs to know about a dataset. */
export interface Splittable<T> {
  size: number;
  /** Whole-row fingerprints: duplicates across splits are leakage. */
  fingerprints: string[];
  /** What makes a row the same row across runs (its features; the target left out). Default: fingerprints. */
  identities?: string[];
  /** Strata (class keys) per row, or null for no stratification. */
  strata: (string | null)[] | null;
  lines: number[];
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
    out.test.push(...g.slice(0, nt));
    out.validation.push(...g.slice(nt, nt + nv));
    out.train.push(...g.slice(nt + nv));
  }
  for (const k of ['train', 'validation', 'test'] as const) out[k].sort((a, b) => a - b);
  return out;
}

/** Splits any dataset through its Splittable view. */
export async function splitDataset<T>(main: Splittable<T>, options: SplitOptions = {}, supplied: { validation?: Splittable<T>; test?: Splittable<T> } = {}): Promise<Split<T>> {
  const seed = options.seed ?? 0;
  const fVal = supplied.validation ? 0 : (options.validation ?? 0.15);
  const fTest = supplied.test ? 0 : (options.test ?? 0.15);
  const stratify = (options.stratify ?? main.strata !== null) && main.strata !== null;
  const sources: SplitManifest['sources'] = { validation: supplied.validation ? 'user' : 'split', test: supplied.test ? 'user' : 'split' };
  const existing = options.manifest ? await loadManifest(options.manifest) : null;
  const ids = main.identities ?? main.fingerprints;
  const dataFp = dataFingerprint(ids);
  const notes: string[] = [];

  let idx: Record<SplitName, number[]>;
  let newRows = 0;
  let missingRows = 0;
  let newRowIds: string[] = [];
  if (existing) {
    const reuse = options.reuseSavedSeed === true;
    checkOptions(options.manifest!, existing, { seed: reuse ? existing.seed : seed, validation: fVal, test: fTest, sources });
    if (reuse && existing.seed !== seed) notes.push(`the saved split (${options.manifest}, made with split seed ${existing.seed}) is reused; seed ${seed} seeds initialization and shuffles only (--split-seed asks for another split)`);
    const names: SplitName[] = ['train', 'dropped'];
    if (!supplied.validation) names.push('validation');
    if (!supplied.test) names.push('test');
    // Version 1 identified rows with their target: read it that way once, then save it by features.
    const a = applyManifest(existing.version === 1 ? main.fingerprints : ids, existing, names);
    idx = { train: a.train, validation: a.validation, test: a.test, dropped: a.dropped };
    newRows = a.newRows.length;
    missingRows = a.missingRows;
    newRowIds = a.newRows.map((i) => ids[i]);
    const same = existing.version === 2 ? existing.data === dataFp : newRows === 0 && missingRows === 0;
    const note = checkData(options.manifest!, options.source ?? options.manifest!, existing, main.size, { same, known: main.size - newRows, newRows, missingRows });
    if (note) notes.push(note);
    const [was, now] = [describeOverrides(existing.columns), describeOverrides(options.columns)];
    if (options.columns && was !== now) notes.push(`the split in ${options.manifest} was made with ${was}; this run has ${now}: the same rows in each split, other model inputs`);
  } else {
    const a = assignSplits(main.size, stratify ? main.strata : null, seed, fVal, fTest);
    idx = { ...a, dropped: [] };
  }

  const pick = <X>(arr: X[], at: number[]): X[] => at.map((i) => arr[i]);
  const fpTrain = pick(main.fingerprints, idx.train);
  const valFps = supplied.validation ? supplied.validation.fingerprints : pick(main.fingerprints, idx.validation);
  const testFps = supplied.test ? supplied.test.fingerprints : pick(main.fingerprints, idx.test);
  const valIds = supplied.validation ? (supplied.validation.identities ?? supplied.validation.fingerprints) : pick(ids, idx.validation);
  const testIds = supplied.test ? (supplied.test.identities ?? supplied.test.fingerprints) : pick(ids, idx.test);
  const { report, keepValidation, keepTest } = detectLeakage(
    {
      train: fpTrain,
      validation: valFps,
      test: testFps,
      lines: {
        train: pick(main.lines, idx.train),
        validation: supplied.validation ? supplied.validation.lines : pick(main.lines, idx.validation),
        test: supplied.test ? supplied.test.lines : pick(main.lines, idx.test),
      },
    },
    options.dropLeaked ?? true,
  );

  const validation = supplied.validation ? supplied.validation.subset(keepValidation) : main.subset(keepValidation.map((k) => idx.validation[k]));
  const test = supplied.test ? supplied.test.subset(keepTest) : main.subset(keepTest.map((k) => idx.test[k]));
  const keptVal = new Set(keepValidation);
  const keptTest = new Set(keepTest);
  const droppedVal = valIds.filter((_, i) => !keptVal.has(i));
  const droppedTest = testIds.filter((_, i) => !keptTest.has(i));

  let manifest: SplitManifest;
  if (existing && existing.version === 2 && existing.data === dataFp) manifest = existing;
  else if (existing) {
    // Changed data or an old manifest: the known rows keep their splits, new rows join training,
    // and rows no longer in the data stay recorded (should they come back, they return to their split).
    const byName = (n: SplitName) => (existing.version === 1 ? pick(ids, idx[n]) : existing.fingerprints[n] ?? []);
    const fingerprints: Record<SplitName, string[]> = {
      train: existing.version === 1 ? pick(ids, idx.train) : [...(existing.fingerprints.train ?? []), ...newRowIds],
      validation: byName('validation'),
      test: byName('test'),
      dropped: byName('dropped'),
    };
    if (existing.version === 1) notes.push(`the split manifest ${options.manifest} identified rows with their target; it now identifies them by their features (same splits)`);
    manifest = { ...existing, version: 2, data: dataFp, rows: main.size, target: options.target, counts: countsOf(fingerprints), fingerprints };
    if (options.manifest) await saveManifest(options.manifest, manifest);
  } else {
    const fingerprints: Record<SplitName, string[]> = {
      train: pick(ids, idx.train),
      validation: valIds.filter((_, i) => keptVal.has(i)),
      test: testIds.filter((_, i) => keptTest.has(i)),
      dropped: [...droppedVal, ...droppedTest, ...pick(ids, idx.dropped)],
    };
    manifest = {
      version: 2,
      created: new Date().toISOString(),
      seed,
      fractions: { validation: fVal, test: fTest },
      stratified: stratify,
      sources,
      counts: countsOf(fingerprints),
      fingerprints,
      data: dataFp,
      rows: main.size,
      target: options.target,
      ...(options.columns ? { columns: options.columns } : {}),
    };
    if (options.manifest) await saveManifest(options.manifest, manifest);
  }
  return {
    train: main.subset(idx.train),
    validation,
    test: new SealedTest(test, keepTest.length, supplied.test ? 'user' : 'split'),
    leakage: report,
    manifest,
    reused: existing !== null,
    newRows,
    missingRows,
    notes,
  };
}

function countsOf(f: Record<SplitName, string[]>): Record<SplitName, number> {
  return { train: f.train.length, validation: f.validation.length, test: f.test.length, dropped: f.dropped.length };
}

export interface TableSplitOptions extends SplitOptions {
  /** Used for the stratification column (its target) and to leave identifier columns out of fingerprints. */
  schema?: Schema;
  /** Column to stratify on. Default: the schema's target when the task is binary or multiclass. */
  stratifyBy?: string;
  /** Columns that define "the same row". Default: every column except identifiers. */
  fingerprintColumns?: string[];
  /** A test set the user supplies (e.g. the official one): used as is, not cut from the data. */
  testSet?: Table;
  /** A validation set the user supplies. */
  validationSet?: Table;
}

function tableView(t: Table, columns: string[], identity: string[], strataColumn: string | null, tokens: ReadonlySet<string>): Splittable<Table> {
  return {
    size: t.rows.length,
    fingerprints: tableFingerprints(t, columns),
    identities: tableFingerprints(t, identity),
    strata: strataColumn === null ? null : t.rows.map((r) => (isMissing(r[strataColumn], tokens) ? null : toKey(r[strataColumn]))),
    lines: t.lines,
    subset: (i) => subsetTable(t, i),
  };
}

/** Splits a table (see SplitOptions and TableSplitOptions). */
export async function splitTable(table: Table, options: TableSplitOptions = {}): Promise<Split<Table>> {
  const schema = options.schema;
  // Inference decides what identifies a row, not --kind/--ignore: other overrides later keep the same split.
  const ids = new Set(schema ? schema.columns.filter((c) => (c.inferred ?? c.kind) === 'identifier' && c.role !== 'target').map((c) => c.name) : []);
  const columns = options.fingerprintColumns ?? table.columns.filter((c) => !ids.has(c));
  const classification = schema?.task === 'binary' || schema?.task === 'multiclass';
  const by = options.stratifyBy ?? (classification ? schema!.target[0] : null);
  if (by !== null && !table.columns.includes(by)) throw new DataError(table.file, 1, `a column named ${JSON.stringify(by)} to stratify by`, `columns ${table.columns.join(', ')}`);
  const tokens = new Set(schema?.missingTokens ?? ['']);
  // A row is the same row when its features are: a corrected label keeps it in its split.
  const targets = new Set(schema?.target ?? []);
  const identity = columns.filter((c) => !targets.has(c));
  const o: TableSplitOptions = { source: table.file, target: schema?.target, ...options };
  return splitDataset(tableView(table, columns, identity, by, tokens), o, {
    validation: options.validationSet ? tableView(options.validationSet, columns, identity, null, tokens) : undefined,
    test: options.testSet ? tableView(options.testSet, columns, identity, null, tokens) : undefined,
  });
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
    strata: Array.from(s.labels, String),
    lines: s.sources.map((_, i) => i + 1),
    subset: (i) => subsetImages(s, i),
  };
}

/** Splits an image set, stratified by label; duplicates are identical pixels. */
export async function splitImages(set: ImageSet, options: ImageSplitOptions = {}): Promise<Split<ImageSet>> {
  return splitDataset(imageView(set), options, {
    validation: options.validationSet ? imageView(options.validationSet) : undefined,
    test: options.testSet ? imageView(options.testSet) : undefined,
  });
}
