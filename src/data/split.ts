// Train/validation/test splits: seeded, stratified by class for
// classification, respecting test or validation sets the user supplies,
// persisted as a fingerprint manifest so re-runs use the same rows, and
// checked for duplicate rows across splits (leakage). The test split comes
// back sealed.
import { DataError } from './errors.js';
import { Rng } from './prng.js';
import { SealedTest } from './sealed.js';
import { detectLeakage, type LeakageReport } from './leakage.js';
import { applyManifest, loadManifest, saveManifest, type SplitManifest, type SplitName } from './manifest.js';
import { bytesFingerprint, tableFingerprints } from './fingerprint.js';
import { subsetTable, type Table } from './table.js';
import { subsetImages, type ImageSet } from './image_set.js';
import type { Schema } from './schema.js';
import { isMissing, toKey } from './values.js';

export interface SplitOptions {
  /** Seed of the shuffle. Default 0. */
  seed?: number;
  /** Share of the data for validation (ignored when a validation set is supplied). Default 0.15. */
  validation?: number;
  /** Share of the data for test (ignored when a test set is supplied). Default 0.15. */
  test?: number;
  /** Keep class proportions in every split. Default: true for classification targets. */
  stratify?: boolean;
  /** Remove held-out rows that duplicate a training (or validation) row. Default true. */
  dropLeaked?: boolean;
  /** Path of the split manifest: read and followed when it exists, written when it does not. Default: none. */
  manifest?: string;
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
}

/** What the splitter needs to know about a dataset. */
export interface Splittable<T> {
  size: number;
  fingerprints: string[];
  /** Strata (class keys) per row, or null for no stratification. */
  strata: (string | null)[] | null;
  lines: number[];
  subset(indices: number[]): T;
}

/** Seeded (stratified) assignment of 0 … n−1 to splits; each list ascending. */
export function assignSplits(n: number, strata: (string | null)[] | null, seed: number, validation: number, test: number): { train: number[]; validation: number[]; test: number[] } {
  if (!(validation >= 0 && test >= 0 && validation + test < 1)) throw new DataError('<split>', 0, 'validation and test shares ≥ 0 summing below 1', `${validation} and ${test}`);
  const rng = new Rng(seed);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const key = strata ? (strata[i] ?? '\u0000missing') : '';
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  }
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
  const existing = options.manifest ? await loadManifest(options.manifest) : null;

  let idx: Record<SplitName, number[]>;
  let newRows = 0;
  let missingRows = 0;
  if (existing) {
    const names: SplitName[] = ['train', 'dropped'];
    if (!supplied.validation) names.push('validation');
    if (!supplied.test) names.push('test');
    const a = applyManifest(main.fingerprints, existing, names);
    idx = { train: a.train, validation: a.validation, test: a.test, dropped: a.dropped };
    newRows = a.newRows.length;
    missingRows = a.missingRows;
  } else {
    const a = assignSplits(main.size, stratify ? main.strata : null, seed, fVal, fTest);
    idx = { ...a, dropped: [] };
  }

  const pick = <X>(arr: X[], at: number[]): X[] => at.map((i) => arr[i]);
  const fpTrain = pick(main.fingerprints, idx.train);
  const valFps = supplied.validation ? supplied.validation.fingerprints : pick(main.fingerprints, idx.validation);
  const testFps = supplied.test ? supplied.test.fingerprints : pick(main.fingerprints, idx.test);
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
  const droppedVal = valFps.filter((_, i) => !keptVal.has(i));
  const droppedTest = testFps.filter((_, i) => !keptTest.has(i));

  let manifest: SplitManifest;
  if (existing) manifest = existing;
  else {
    const fingerprints: Record<SplitName, string[]> = {
      train: fpTrain,
      validation: valFps.filter((_, i) => keptVal.has(i)),
      test: testFps.filter((_, i) => keptTest.has(i)),
      dropped: [...droppedVal, ...droppedTest, ...pick(main.fingerprints, idx.dropped)],
    };
    manifest = {
      version: 1,
      created: new Date().toISOString(),
      seed,
      fractions: { validation: fVal, test: fTest },
      stratified: stratify,
      sources: { validation: supplied.validation ? 'user' : 'split', test: supplied.test ? 'user' : 'split' },
      counts: { train: fingerprints.train.length, validation: fingerprints.validation.length, test: fingerprints.test.length, dropped: fingerprints.dropped.length },
      fingerprints,
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
  };
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

function tableView(t: Table, columns: string[], strataColumn: string | null, tokens: ReadonlySet<string>): Splittable<Table> {
  return {
    size: t.rows.length,
    fingerprints: tableFingerprints(t, columns),
    strata: strataColumn === null ? null : t.rows.map((r) => (isMissing(r[strataColumn], tokens) ? null : toKey(r[strataColumn]))),
    lines: t.lines,
    subset: (i) => subsetTable(t, i),
  };
}

/** Splits a table (see SplitOptions and TableSplitOptions). */
export async function splitTable(table: Table, options: TableSplitOptions = {}): Promise<Split<Table>> {
  const schema = options.schema;
  const ids = new Set(schema ? schema.columns.filter((c) => c.kind === 'identifier' && c.role !== 'target').map((c) => c.name) : []);
  const columns = options.fingerprintColumns ?? table.columns.filter((c) => !ids.has(c));
  const classification = schema?.task === 'binary' || schema?.task === 'multiclass';
  const by = options.stratifyBy ?? (classification ? schema!.target[0] : null);
  if (by !== null && !table.columns.includes(by)) throw new DataError(table.file, 1, `a column named ${JSON.stringify(by)} to stratify by`, `columns ${table.columns.join(', ')}`);
  const tokens = new Set(schema?.missingTokens ?? ['']);
  return splitDataset(tableView(table, columns, by, tokens), options, {
    validation: options.validationSet ? tableView(options.validationSet, columns, null, tokens) : undefined,
    test: options.testSet ? tableView(options.testSet, columns, null, tokens) : undefined,
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
