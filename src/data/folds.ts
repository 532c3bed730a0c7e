// Cross-validation folds for small tables. The sealed test split is cut off
// first, exactly as without folds, and never read here: the folds deal only
// the other rows (the default split's training and validation rows) into k
// parts, stratified by class and deterministic from the seed — or, as the
// split was made, by group (every group in one fold) or forward in time (each
// fold validates on a later period than it trains on). As in the default
// split, a fold's validation rows that duplicate its training rows are
// removed (they would flatter the fold's figures). Each fold is a
// Prepared of its own whose training statistics come from that fold's training
// rows only: imputation medians, feature means and standard deviations, which
// categories are known (the others encode as <unknown>), and for regression
// the target's mean and standard deviation (the model's output scale). The
// feature layout (one-hot widths, class order) is the default split's, so one
// model specification fits every fold.
import { Rng } from './prng.js';
import { DataError } from './errors.js';
import { groupByStratum } from './split.js';
import { RANDOM, groupKeys, timeValues, type SplitBy } from './split_by.js';
import { timeFolds } from './time_split.js';
import { assignGroupParts } from './group_split.js';
import { detectLeakage } from './leakage.js';
import { tableFingerprints } from './fingerprint.js';
import { DataLoader } from './loader.js';
import { Normalizer } from './normalizer.js';
import { Preprocessor, type EncodedTable, type FeatureSpec, type PreprocessorJSON } from './preprocessor.js';
import type { VocabularyJSON } from './vocabulary.js';
import { inputLayout } from './model_input.js';
import { SealedTest } from './sealed.js';
import { subsetTable, type Table } from './table.js';
import { subsetEncoded } from './fraction.js';
import { isMissing, toKey } from './values.js';
import { asSource, copyColumns, targetScale, type LoaderSource, type Prepared } from './prepare.js';
import type { Schema } from './schema.js';

/**
 * Fold index (0 … k−1) of each of n rows. Rows are grouped by stratum (class),
 * each group shuffled with the seed and dealt round-robin, the deal continuing
 * across groups: every fold gets each class's rows within one, and fold sizes
 * differ by at most one.
 */
export function assignFolds(n: number, strata: (string | null)[] | null, k: number, seed: number): Int32Array {
  if (!Number.isInteger(k) || k < 2 || k > n) throw new DataError('<folds>', 0, `a whole number of folds from 2 to the ${n} rows`, String(k));
  const rng = new Rng(seed);
  const groups = groupByStratum(n, strata);
  const fold = new Int32Array(n);
  let next = 0;
  for (const key of [...groups.keys()].sort()) {
    for (const i of rng.shuffle(groups.get(key)!.slice()) as number[]) fold[i] = next++ % k;
  }
  return fold;
}

/** One fold: its Prepared view (train = the other folds, validation = this fold) and which non-test rows it validates on. */
export interface Fold {
  index: number;
  prepared: Prepared;
  /** Source lines of the fold's validation rows, in their order there (row identity for checks). */
  validationLines: number[];
  /** Validation rows removed because they duplicate a row the fold trains on. */
  duplicatesRemoved?: number;
}

export interface FoldSet {
  k: number;
  folds: Fold[];
  /** Non-test rows dealt into the folds. */
  rows: number;
  /** Rows per class over the non-test rows (classification), for the usage check and the log. */
  classCounts: Record<string, number> | null;
  /** How the folds were dealt, as the split: random (stratified), by group, or forward in time. */
  by?: SplitBy;
}

/** The largest k the non-test rows allow under this split, and why; null: no limit beyond the rows. */
export function foldLimit(p: Prepared, rows: Table = nonTestRows(p)): { max: number; why: string } {
  const by = p.splitBy ?? RANDOM;
  if (by.kind === 'time') return { max: rows.rows.length - 1, why: `forward-chaining folds cut the ${rows.rows.length} non-test rows into k + 1 periods` };
  if (by.kind === 'group') {
    const groups = new Set(groupKeys(rows, by.column, new Set(p.preprocessing.kind === 'image' ? [] : p.preprocessing.schema.missingTokens))).size;
    return { max: groups, why: `the non-test rows hold ${groups} groups of --group ${by.column} (each fold needs one)` };
  }
  return { max: rows.rows.length, why: `the ${rows.rows.length} non-test rows` };
}

/** Per fold, the positions (in `rows`) it trains and validates on. */
function foldParts(rows: Table, by: SplitBy, strata: (string | null)[] | null, k: number, seed: number, tokens: ReadonlySet<string>): Array<{ train: number[]; validation: number[] }> {
  if (by.kind === 'time') {
    const times = timeValues(rows, by.column, tokens);
    const missing = times.findIndex((t) => t === null);
    if (missing >= 0) throw new DataError(rows.file, rows.lines[missing], `a time in column ${JSON.stringify(by.column)}`, 'none');
    return timeFolds(times as number[], k);
  }
  const fold = by.kind === 'group' ? assignGroupParts(groupKeys(rows, by.column, tokens), strata, new Array(k).fill(1), seed) : assignFolds(rows.rows.length, strata, k, seed);
  return Array.from({ length: k }, (_, i) => {
    const train: number[] = [];
    const validation: number[] = [];
    fold.forEach((f, r) => (f === i ? validation : train).push(r));
    return { train, validation };
  });
}

/** Rows per class of the table's target column; null for regression. */
export function classCountsOf(t: Table, schema: Schema): Record<string, number> | null {
  if (schema.task !== 'binary' && schema.task !== 'multiclass') return null;
  const col = schema.target[0];
  const tokens = new Set(schema.missingTokens);
  const counts: Record<string, number> = {};
  for (const r of t.rows) {
    if (isMissing(r[col], tokens)) continue;
    const key = toKey(r[col]);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** The default split's training and validation rows as one table (the test rows are not among them). */
export function nonTestRows(p: Prepared): Table {
  if (!p.trainTable || !p.validationTable) throw new DataError('<folds>', 0, 'a table (cross-validation folds are for tables)', p.kind);
  const a = p.trainTable;
  const b = p.validationTable;
  return { columns: a.columns.slice(), rows: [...a.rows, ...b.rows], lines: [...a.lines, ...b.lines], file: a.file, report: { rows: a.rows.length + b.rows.length, skipped: [] } };
}

/**
 * A preprocessor for a fold: the default split's layout (`layout`) with the
 * imputation medians and standardization refitted on the fold's training rows,
 * and each category its training rows do not keep (unseen, or below the
 * vocabulary's count threshold) encoded as <unknown> — its one-hot slot stays.
 */
export function foldPreprocessor(layout: PreprocessorJSON, train: Table, schema: Schema, lenient = false): Preprocessor {
  const own = Preprocessor.fit(train, schema, { lenient }).toJSON();
  const ownOf = (f: FeatureSpec) => own.features.find((g) => g.column === f.column && g.kind === f.kind);
  const features = layout.features.map((f): FeatureSpec => {
    const g = ownOf(f);
    if ((f.kind === 'numeric' || f.kind === 'boolean') && g && (g.kind === 'numeric' || g.kind === 'boolean')) return { ...f, median: g.median };
    if (f.kind === 'datetime' && g?.kind === 'datetime' && g.parts.join() === f.parts.join()) return { ...f, medians: g.medians };
    if (f.kind === 'categorical' && g?.kind === 'categorical') return { ...f, vocabulary: foldVocabulary(f.vocabulary, g.vocabulary) };
    // Words the fold's training texts never use read as <unknown>; the length and the embedding table stay the layout's.
    if (f.kind === 'text' && g?.kind === 'text') return { ...f, tokenizer: { ...f.tokenizer, vocabulary: foldVocabulary(f.tokenizer.vocabulary, g.tokenizer.vocabulary), stats: g.tokenizer.stats } };
    return f;
  });
  const raw = Preprocessor.fromJSON({ ...layout, features, normalizer: null });
  if (!layout.normalizer) return raw;
  // The standardized columns are those the layout standardizes: numeric values and date parts.
  const scaled: number[] = [];
  for (const f of features) {
    if (f.kind === 'numeric') scaled.push(layout.featureNames.indexOf(f.column));
    if (f.kind === 'datetime') for (const part of f.parts) scaled.push(layout.featureNames.indexOf(`${f.column}_${part}`));
  }
  const enc = raw.transform(train, { lenient: true });
  const normalizer = Normalizer.fitMatrix(enc.x, enc.n, layout.featureNames.length, scaled.filter((j) => j >= 0));
  return Preprocessor.fromJSON({ ...raw.toJSON(), normalizer: normalizer.toJSON() });
}

/** The layout's vocabulary with the entries a fold's own (training-rows) vocabulary lacks marked unseen: their slots stay, their values encode as <unknown>. */
function foldVocabulary(layout: VocabularyJSON, own: VocabularyJSON): VocabularyJSON {
  const known = new Set(own.tokens);
  return { ...layout, unseen: layout.tokens.slice(layout.reserved).filter((t) => !known.has(t)) };
}

/** A sealed test that folds carry for their type only: reading it is refused (the folds never evaluate on test). */
function noTest(size: number): SealedTest<() => LoaderSource> {
  return new SealedTest<() => LoaderSource>(
    () => {
      throw new DataError('<folds>', 0, 'no test evaluation inside a cross-validation fold', 'a read of the sealed test split');
    },
    size,
  );
}

/** Deals the non-test rows of a prepared table into k stratified folds (see above). */
export function makeFolds(p: Prepared, k: number, seed: number, o: { lenient?: boolean } = {}): FoldSet {
  if (p.preprocessing.kind === 'image') throw new DataError('<folds>', 0, 'a table (cross-validation folds are for tables)', 'images');
  const schema = p.preprocessing.schema;
  const layout = p.preprocessing.preprocessor;
  const input = inputLayout(layout);
  const all = nonTestRows(p);
  const classified = p.task === 'binary' || p.task === 'multiclass';
  const tokens = new Set(schema.missingTokens);
  const strata = classified ? all.rows.map((r) => (isMissing(r[schema.target[0]], tokens) ? null : toKey(r[schema.target[0]]))) : null;
  const by = p.splitBy ?? RANDOM;
  const limit = foldLimit(p, all);
  if (k > limit.max) throw new DataError('<folds>', 0, `at most ${limit.max} folds (${limit.why})`, String(k));
  const parts = foldParts(all, by, strata, k, seed, tokens);
  const fingerprints = p.duplicateColumns ? tableFingerprints(all, p.duplicateColumns) : null;
  const folds: Fold[] = [];
  for (let i = 0; i < k; i++) {
    const tIdx = parts[i].train;
    let vIdx = parts[i].validation;
    let duplicatesRemoved = 0;
    if (fingerprints) {
      // The split's judgement of chance repeats holds for its folds.
      const { keepValidation } = detectLeakage({ train: tIdx.map((r) => fingerprints[r]), validation: vIdx.map((r) => fingerprints[r]), test: [] }, true, p.leakage.repeatsByChance);
      duplicatesRemoved = vIdx.length - keepValidation.length;
      vIdx = keepValidation.map((j) => vIdx[j]);
    }
    const trainT = subsetTable(all, tIdx);
    const validT = subsetTable(all, vIdx);
    const pre = foldPreprocessor(layout, trainT, schema, o.lenient);
    const train = pre.transform(trainT, { lenient: o.lenient });
    const valid = pre.transform(validT, { lenient: o.lenient });
    const make = (enc: EncodedTable, shuffle: boolean) => (lo: Parameters<Prepared['loader']>[1] = {}) =>
      asSource(DataLoader.fromEncoded(subsetEncoded(enc, lo.fraction ?? 1, lo.seed ?? 0), { batchSize: lo.batchSize ?? 64, shuffle, seed: lo.seed ?? seed, augment: lo.augment, shard: lo.shard, sampling: lo.sampling }), input);
    const trainLoader = make(train, true);
    const validLoader = make(valid, false);
    const prepared: Prepared = {
      ...p,
      // Regression: the output scale from this fold's training targets (models trained here take it: steps/cross_validation.ts).
      archInput: p.archInput.kind === 'tabular' ? { ...p.archInput, trainingRows: train.n, targetScale: p.task === 'regression' ? targetScale(train) : undefined } : p.archInput,
      preprocessing: { kind: p.preprocessing.kind, schema, preprocessor: pre.toJSON() },
      counts: { train: train.n, validation: valid.n, test: p.counts.test },
      fingerprint: `${p.fingerprint}/fold-${i + 1}-of-${k}`,
      notes: [],
      loader: (which, lo) => (which === 'train' ? trainLoader(lo) : validLoader(lo)),
      test: noTest(p.counts.test),
      targets: (which) => Float64Array.from((which === 'train' ? train.y : valid.y) ?? []),
      copyCandidates: copyColumns(schema, validT, valid),
      trainTable: trainT,
      validationTable: validT,
      testTable: undefined,
      findings: undefined,
      assignments: undefined,
    };
    folds.push({ index: i, prepared, validationLines: valid.lines.slice(), duplicatesRemoved });
  }
  return { k, folds, rows: all.rows.length, classCounts: classCountsOf(all, schema), by };
}
