// From a path to model-ready data, the methodical way: read, infer the schema,
// split (seeded, stratified, leak-checked, persisted as a manifest in the
// project), fit preprocessing on the training rows only, and keep the test
// split sealed. Tables, IDX files, image folders and text columns.
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { createHash } from 'node:crypto';
import { formatSchema, type Schema, type Task } from './schema.js';
import { toNumber } from './values.js';
import { splitImages, type RowAssignment } from './split.js';
import { splitStage } from './split_stage.js';
import { manifestPath } from './manifest.js';
import type { SplitBy } from './split_by.js';
import type { Finding } from './findings/index.js';
import { readIdx } from './idx.js';
import { readImageFolder } from './image_folder.js';
import type { NaturalImages, SideCap } from './image_size.js';
import { loadSavedShape, saveShape, savedShapePath } from './saved_shape.js';
import { Preprocessor, type EncodedTable, type PreprocessorJSON } from './preprocessor.js';
import { Normalizer, type NormalizerJSON } from './normalizer.js';
import { DataLoader, type Augmenter } from './loader.js';
import type { Sampling } from './sampler.js';
import { DataError } from './errors.js';
import { SealedTest } from './sealed.js';
import type { Table } from './table.js';
import type { ImageSet } from './image_set.js';
import { REPEATS_BY_CHANCE, type LeakageReport } from './leakage.js';
import { asSource, type LoaderSource } from './loader_source.js';
import { subsetEncoded, subsetImageFraction } from './fraction.js';
import { inputLayout, type InputLayout, type TextSlot } from './model_input.js';
import { ColumnOptionError, type OverrideKind } from './column_overrides.js';
import type { TextStats } from './text.js';

export { asSource, type LoaderSource };

/** One fingerprint for the whole dataset as split: any changed row or moved row changes it. */
function splitFingerprint(m: { fingerprints: Record<string, string[]> }): string {
  const h = createHash('sha256');
  for (const k of ['train', 'validation', 'test']) h.update(k).update([...(m.fingerprints[k] ?? [])].sort().join(','));
  return h.digest('hex').slice(0, 32);
}

/** A block of the encoded feature vector: one numeric value, or one one-hot categorical column. */
export interface FeatureBlock {
  /** Input name (for the layer table): the column, or column_1 … for its further values (date parts, a missing indicator). */
  name: string;
  /** The table column the values come from. */
  column: string;
  /** Offset of this column's values in the feature vector. */
  start: number;
  /** Width: 1 for numeric, the vocabulary size for a one-hot categorical. */
  width: number;
  /** Embedding size the architecture may choose; the data proposes 0 (pass through). */
  embedding: number;
}

/** A text column of the input row, with the statistics of its training texts (the encoder is chosen by them). */
export interface TextInput extends TextSlot {
  stats: TextStats;
}

/** What the data tells the architecture: the shape of one example and of the output. */
export type DataShape =
  | {
      kind: 'tabular';
      /** The encoded features, [0, inputs) of the row. */
      blocks: FeatureBlock[];
      inputs: number;
      /** Text columns after the features, each a fixed number of token ids. */
      texts: TextInput[];
      outputs: number;
      trainingRows: number;
      targetScale?: { mean: number; std: number };
    }
  | { kind: 'image'; channels: number; height: number; width: number; outputs: number };

export interface PrepareOptions {
  /** A table (CSV/TSV/JSON/NDJSON/Parquet), an IDX images file, or an image folder (root/<class>/*.png). */
  data: string;
  /** Column to predict (tables); IDX and image folders carry their labels. */
  target?: string | string[];
  /** A test set of the same kind, used as is (e.g. Fashion-MNIST's t10k file). */
  test?: string;
  /** The project folder: the split manifest lives there. */
  projectDir: string;
  /** Seed of initialization and shuffles; default 0. */
  seed?: number;
  /**
   * Seed of the train/validation/test split. Default: a saved split is reused
   * whatever seed made it (changing --seed only reseeds training); a new split
   * uses `seed`. Given explicitly, it must match the saved split's.
   */
  splitSeed?: number;
  /** Shares cut from the data when no set is supplied; default 0.15 each. */
  validationShare?: number;
  testShare?: number;
  /** Skip (and report) rows with bad values instead of stopping. Default false. */
  lenient?: boolean;
  /** Image folders: the working side (square), overriding the size read from the images. Default: their own size (image_size.ts). */
  imageSize?: number;
  /** Image folders without `imageSize`: the cap on the working side of large images, given what they are (default 64; the autopilot fits it to its budget). */
  imageCap?: (natural: NaturalImages) => SideCap | Promise<SideCap>;
  /** Where every loader's batches land ('cpu', 'cuda:0'); the dataset itself stays in host memory. Default 'cpu'. */
  device?: string;
  /** How rows are split (tables): random (default), by time or by group. */
  splitBy?: SplitBy;
  /** Remove held-out rows equal to a training row up to formatting, not only exact copies. Default false. */
  dropNearDuplicates?: boolean;
  /** Tables: columns left out of the model (--ignore); recorded in the split manifest. */
  ignore?: string[];
  /** Tables: kinds forced on columns (--kind); a value the kind cannot read stops at its line. Recorded in the split manifest. */
  kinds?: Record<string, OverrideKind>;
}

/** What a model trained on this data must reproduce at inference ('sequence': a table with text columns). */
export type Preprocessing =
  | { kind: 'tabular' | 'sequence'; schema: Schema; preprocessor: PreprocessorJSON }
  | { kind: 'image'; normalizer: NormalizerJSON; classes: string[]; shape: [number, number, number] };

/** What a loader of a prepared split is asked for. */
export interface LoaderRequest {
  batchSize?: number;
  seed?: number;
  augment?: Augmenter;
  fraction?: number;
  shard?: { rank: number; worldSize: number; split?: 'batch' | 'dataset' };
  /** How training rows are drawn each epoch (data/sampler.ts); default 'natural' (each row once). */
  sampling?: Sampling;
}

export interface Prepared {
  /** 'sequence': a table with at least one text column (its epochs cost more: the budget treats it apart). */
  kind: 'tabular' | 'image' | 'sequence';
  task: Task;
  /** Class names in index order (classification). */
  classes: string[] | null;
  archInput: DataShape;
  preprocessing: Preprocessing;
  counts: { train: number; validation: number; test: number };
  /** Fingerprint of the data and its split (all row fingerprints, per split). */
  fingerprint: string;
  leakage: LeakageReport;
  /** The split came from an existing manifest. */
  reusedSplit: boolean;
  notes: string[];
  /** Printable description of the data (schema, or image shape and classes). */
  describe: string;
  /** Where the loaders' batches land, and so where models of this data compute; absent: 'cpu'. */
  device?: string;
  /** Training (augmentable, reshuffled) and validation batches, on `device`. */
  loader(split: 'train' | 'validation', o?: LoaderRequest): LoaderSource;
  /** The test split, sealed: read it only through step 5. */
  test: SealedTest<() => LoaderSource>;
  /** Targets of the training and validation rows, for naive baselines. */
  targets(split: 'train' | 'validation'): Float64Array;
  /** Regression: each numeric input column as a prediction of the validation targets ("copy yesterday's value"). */
  copyCandidates: Array<{ column: string; predictions: Float64Array }>;
  /** Tables: the raw training rows (the reference for drift monitoring when the model is served). */
  trainTable?: Table;
  /** Tables: the raw validation rows (the model's predictions on them are the served predictions' reference). */
  validationTable?: Table;
  /** Images: the training images (the reference for drift monitoring when the model is served). */
  trainImages?: ImageSet;
  /** Images: the validation images, in the validation loader's order (thumbnails of the top losses). */
  validationImages?: ImageSet;
  /** How the rows were split (absent: random). */
  splitBy?: SplitBy;
  /** Tables: the columns of the duplicate check (folds repeat it between their sides). */
  duplicateColumns?: string[];
  /** Tables: what the plan suspects about the data, each with its measurement and the option that fixes it. */
  findings?: Finding[];
  /** Every row of the data file with its split (dropped rows with why). */
  assignments?: RowAssignment[];
  /** Tables: the raw test rows, sealed like `test` (step 5 compares them with validation when the test loss is much worse). */
  testTable?: SealedTest<Table>;
}

/** The training targets' mean and sample standard deviation (1 without spread): a regression model's output scale. */
export function targetScale(enc: Pick<EncodedTable, 'y'>): { mean: number; std: number } {
  const y = enc.y as Float32Array;
  let m = 0;
  for (const v of y) m += v;
  m /= Math.max(1, y.length);
  let v2 = 0;
  for (const v of y) v2 += (v - m) ** 2;
  const std = Math.sqrt(v2 / Math.max(1, y.length - 1));
  return { mean: m, std: std > 0 ? std : 1 };
}

/** Raw numeric columns of the encoded validation rows, aligned with its targets. */
export function copyColumns(schema: Schema, valid: Table, enc: EncodedTable): Array<{ column: string; predictions: Float64Array }> {
  if (schema.task !== 'regression') return [];
  const byLine = new Map<number, number>();
  valid.lines.forEach((l, i) => byLine.set(l, i));
  return schema.columns
    .filter((c) => c.role === 'feature' && c.kind === 'numeric')
    .map((c) => ({
      column: c.name,
      predictions: Float64Array.from(enc.lines, (line) => {
        const v = toNumber(valid.rows[byLine.get(line) ?? -1]?.[c.name] ?? null);
        return v === null ? NaN : v;
      }),
    }));
}

function kindOf(path: string): 'idx' | 'folder' | 'table' {
  if (!existsSync(path)) throw new DataError(path, 0, 'an existing file or folder', 'nothing at that path');
  if (statSync(path).isDirectory()) return 'folder';
  if (/idx3-ubyte(\.gz)?$/.test(basename(path))) return 'idx';
  return 'table';
}

function targetArray(enc: EncodedTable): Float64Array {
  const y = enc.y;
  if (!y) return new Float64Array(0);
  return Float64Array.from(y as ArrayLike<number>);
}

async function prepareTable(o: PrepareOptions): Promise<Prepared> {
  const stage = await splitStage(o);
  const { schema, split } = stage;
  requireHeldOut(o, split.train.rows.length, split.validation.rows.length, split.test.size, split.manifest.fractions);
  const pre = Preprocessor.fit(split.train, schema, { lenient: o.lenient });
  annotateInputs(schema, pre);
  const train = pre.transform(split.train, { lenient: o.lenient });
  const valid = pre.transform(split.validation, { lenient: o.lenient });
  const task = schema.task!;
  const classes = pre.classes;
  const layout = inputLayout(pre.toJSON());
  const texts = textInputs(pre, layout);
  const notes = [...schema.notes, ...stage.notes, ...textNotes(texts)];
  if (train.report.skipped.length) notes.push(`${train.report.skipped.length} training rows skipped (lines ${train.report.skipped.slice(0, 10).map((s) => s.line).join(', ')}${train.report.skipped.length > 10 ? ', …' : ''})`);
  notes.push(...split.notes, ...leakageNotes(split.leakage, 'rows'));
  const outputs = task === 'regression' || task === 'binary' ? 1 : classes!.length;
  const archInput: DataShape = { kind: 'tabular', blocks: featureBlocks(pre), inputs: train.features.length, texts, outputs, trainingRows: train.n, targetScale: task === 'regression' ? targetScale(train) : undefined };
  const make = (enc: EncodedTable, shuffle: boolean) => (lo: LoaderRequest = {}) =>
    asSource(DataLoader.fromEncoded(subsetEncoded(enc, lo.fraction ?? 1, lo.seed ?? 0), { batchSize: lo.batchSize ?? 64, shuffle, seed: lo.seed ?? o.seed ?? 0, augment: lo.augment, shard: lo.shard, sampling: lo.sampling, device: o.device }), layout);
  const trainLoader = make(train, true);
  const validLoader = make(valid, false);
  const sealedTable = split.test;
  // Re-sealed as a loader factory: encoding the rows is itself reading them.
  const test = new SealedTest<() => LoaderSource>(
    () => make(pre.transform(sealedTable.unseal('step 5: evaluating the selected model on the test set'), { lenient: o.lenient }), false)({ batchSize: 256 }),
    sealedTable.size,
    sealedTable.source,
  );
  const kind = texts.length ? 'sequence' : 'tabular';
  return {
    kind,
    task,
    classes,
    archInput,
    preprocessing: { kind, schema, preprocessor: pre.toJSON() },
    counts: { train: train.n, validation: valid.n, test: sealedTable.size },
    fingerprint: splitFingerprint(split.manifest),
    leakage: split.leakage,
    reusedSplit: split.reused,
    notes,
    describe: formatSchema(schema),
    device: o.device ?? 'cpu',
    loader: (which, lo) => (which === 'train' ? trainLoader(lo) : validLoader(lo)),
    test,
    targets: (which) => targetArray(which === 'train' ? train : valid),
    copyCandidates: copyColumns(schema, split.validation, valid),
    trainTable: split.train,
    validationTable: split.validation,
    splitBy: split.by,
    duplicateColumns: split.fingerprintColumns,
    findings: stage.findings,
    assignments: stage.assignments,
    testTable: sealedTable,
  };
}

/** The schema says which inputs each column became where it is not the column itself: date parts, missing indicators, token ids. */
function annotateInputs(schema: Schema, pre: Preprocessor): void {
  for (const f of pre.features) {
    const c = schema.columns.find((x) => x.name === f.column);
    if (!c) continue;
    const na = 'indicator' in f && f.indicator ? [`${f.column}_na`] : [];
    if (f.kind === 'datetime') c.derived = [...f.parts.map((p) => `${f.column}_${p}`), ...na];
    else if (na.length) c.derived = [f.column, ...na];
    else if (f.kind === 'text') c.derived = [`${f.tokenizer.maxLength} token ids`];
  }
}

/** The text columns of the input row, with their training statistics. */
export function textInputs(pre: Preprocessor, layout: InputLayout): TextInput[] {
  return layout.texts.map((slot) => {
    const f = pre.features.find((x) => x.kind === 'text' && x.column === slot.column);
    const stats = f?.kind === 'text' ? f.tokenizer.stats : undefined;
    if (!stats) throw new DataError('<preprocessor>', 0, `text statistics for column ${JSON.stringify(slot.column)}`, 'a tokenizer without them');
    return { ...slot, stats };
  });
}

/** What the user must hear about text columns: rows without text, rows cut. */
function textNotes(texts: TextInput[]): string[] {
  const notes: string[] = [];
  for (const t of texts) {
    const s = t.stats;
    const pct = (k: number) => `${((100 * k) / Math.max(1, s.rows)).toFixed(1)} %`;
    if (s.emptyRows) notes.push(`text column ${JSON.stringify(t.column)}: ${s.emptyRows} of ${s.rows} training rows (${pct(s.emptyRows)}) have no words (missing or empty); they read as an empty text, which its encoder turns into zeros`);
    if (s.cutRows) notes.push(`text column ${JSON.stringify(t.column)}: ${s.cutRows} training rows (${pct(s.cutRows)}) have more than ${t.length} tokens and are cut to their first ${t.length} (the length covers 95 % of the training rows: ${s.p95Tokens} tokens, longest ${s.maxTokens})`);
  }
  return notes;
}

/** No decision or report may rest on an empty validation or test split. */
function requireHeldOut(o: PrepareOptions, train: number, validation: number, test: number, shares: { validation: number; test: number }): void {
  if (validation > 0 && test > 0 && train > 0) return;
  const empty = [train ? '' : 'training', validation ? '' : 'validation', test ? '' : 'test'].filter(Boolean).join(' and ');
  throw new DataError(
    o.data,
    0,
    'rows in every split (training, validation and test)',
    `${train} training, ${validation} validation and ${test} test rows (validation share ${shares.validation}, test share ${shares.test}${o.test ? `, test set ${o.test}` : ''})`,
    `the ${empty} split is empty: supply more rows${o.test ? ' or a test set that does not duplicate the training rows' : ', or larger --validation-share/--test-share'}`,
  );
}

function leakageNotes(l: LeakageReport, what: string): string[] {
  const notes: string[] = [];
  const leaked = l.trainValidation + l.trainTest + l.validationTest;
  if (leaked && l.keptAsData) {
    notes.push(`leakage check: ${l.trainValidation} validation and ${l.trainTest + l.validationTest} test ${what} repeat ${what} of an earlier split; kept: the columns take so few distinct values that chance alone repeats a row ${l.repeatsByChance.toPrecision(2)} times in training (from ${REPEATS_BY_CHANCE} such repeats are the data's nature, not copies), so held-out sets keep them as the model will meet them`);
  } else if (leaked) {
    notes.push(`leakage: ${l.trainValidation} validation and ${l.trainTest + l.validationTest} test ${what} duplicate ${what} of an earlier split; removed ${l.removed.validation} from validation and ${l.removed.test} from test`);
  }
  if (l.duplicatesInTrain) notes.push(`${l.duplicatesInTrain} duplicate ${what} inside the training split (kept)`);
  return notes;
}

/** The feature layout as blocks: one per numeric value, one per one-hot categorical column (text columns follow them in the row). */
export function featureBlocks(pre: Pick<Preprocessor, 'features'>): FeatureBlock[] {
  const blocks: FeatureBlock[] = [];
  let start = 0;
  for (const f of pre.features) {
    if (f.kind === 'categorical') {
      const width = f.vocabulary.tokens.length;
      blocks.push({ name: f.column, column: f.column, start, width, embedding: 0 });
      start += width;
    } else if (f.kind === 'text') {
      continue;
    } else {
      const width = f.kind === 'datetime' ? f.parts.length + (f.indicator ? 1 : 0) : 1 + (f.indicator ? 1 : 0);
      for (let i = 0; i < width; i++) blocks.push({ name: i === 0 ? f.column : `${f.column}_${i}`, column: f.column, start: start + i, width: 1, embedding: 0 });
      start += width;
    }
  }
  return blocks;
}

async function prepareImages(o: PrepareOptions, kind: 'idx' | 'folder'): Promise<Prepared> {
  const manifest = manifestPath(o.projectDir, o.data);
  const shapeFile = savedShapePath(o.projectDir, o.data);
  // A saved split was made at a shape: read at it again (unless --image-size says otherwise), whatever the budget now.
  // A split saved without a shape file was made when every folder was read at 3×64×64.
  const saved = kind === 'folder' && o.imageSize === undefined && existsSync(manifest) ? (loadSavedShape(shapeFile) ?? { channels: 3 as const, height: 64, width: 64 }) : null;
  const folder = kind === 'folder' ? await readImageFolder(o.data, saved ? { size: [saved.height, saved.width], channels: saved.channels, lenient: o.lenient } : { size: o.imageSize, cap: o.imageCap, lenient: o.lenient }) : null;
  const set: ImageSet = folder ?? (await readIdx(o.data));
  // A test folder is read at the training images' working shape.
  const [, C0, H0, W0] = set.shape;
  const testSet = o.test ? (kind === 'idx' ? await readIdx(o.test) : await readImageFolder(o.test, { size: [H0, W0], channels: C0 as 1 | 3, lenient: o.lenient })) : undefined;
  const split = await splitImages(set, {
    seed: o.splitSeed ?? o.seed ?? 0,
    reuseSavedSeed: o.splitSeed === undefined,
    validation: o.validationShare ?? (testSet ? 1 / 12 : 0.15),
    test: o.testShare ?? 0.15,
    manifest,
    source: o.data,
    testSet,
    by: o.splitBy,
  });
  if (folder) saveShape(shapeFile, { channels: C0 as 1 | 3, height: H0, width: W0 });
  const shapeNote = saved ? [`images read at ${W0}×${H0}, ${C0} channel(s): the shape this project's split was made at (${shapeFile}; delete it with the split manifest to choose afresh)`] : folder?.shapeChoice ? [folder.shapeChoice.reason] : [];
  requireHeldOut(o, split.train.shape[0], split.validation.shape[0], split.test.size, split.manifest.fractions);
  // Channel statistics of the training images only.
  const normalizer = Normalizer.fitChannels(split.train.images, split.train.shape);
  const [, C, H, W] = set.shape;
  const classes = set.classes;
  const task: Task = classes.length === 2 ? 'binary' : 'multiclass';
  const outputs = task === 'binary' ? 1 : classes.length;
  const make = (s: ImageSet, shuffle: boolean) => (lo: LoaderRequest = {}) => {
    const part = lo.fraction && lo.fraction < 1 ? subsetImageFraction(s, lo.fraction, lo.seed ?? 0) : s;
    return asSource(DataLoader.fromImages(part, { batchSize: lo.batchSize ?? 128, shuffle, seed: lo.seed ?? o.seed ?? 0, normalizer, augment: lo.augment, shard: lo.shard, sampling: lo.sampling, device: o.device }));
  };
  const sealed = split.test;
  const test = new SealedTest<() => LoaderSource>(
    () => make(sealed.unseal('step 5: evaluating the selected model on the test set'), false)({ batchSize: 512 }),
    sealed.size,
    sealed.source,
  );
  const labels = (s: ImageSet) => Float64Array.from(s.labels);
  return {
    kind: 'image',
    task,
    classes,
    archInput: { kind: 'image', channels: C, height: H, width: W, outputs },
    preprocessing: { kind: 'image', normalizer: normalizer.toJSON(), classes, shape: [C, H, W] },
    counts: { train: split.train.shape[0], validation: split.validation.shape[0], test: sealed.size },
    fingerprint: splitFingerprint(split.manifest),
    leakage: split.leakage,
    reusedSplit: split.reused,
    notes: [...shapeNote, ...split.notes, ...leakageNotes(split.leakage, 'images')],
    describe: `${set.shape[0]} images of ${C}×${H}×${W}, ${classes.length} classes (${classes.slice(0, 10).join(', ')}${classes.length > 10 ? ', …' : ''})`,
    device: o.device ?? 'cpu',
    loader: (which, lo) => make(which === 'train' ? split.train : split.validation, which === 'train')(lo),
    test,
    targets: (which) => labels(which === 'train' ? split.train : split.validation),
    copyCandidates: [],
    trainImages: split.train,
    validationImages: split.validation,
    assignments: split.assignments,
  };
}

/** Reads and prepares any supported dataset. */
export async function prepare(o: PrepareOptions): Promise<Prepared> {
  const kind = kindOf(o.data);
  if (kind !== 'table' && (o.ignore?.length || Object.keys(o.kinds ?? {}).length)) {
    throw new ColumnOptionError(o.data, 0, '--ignore and --kind on a table', kind === 'idx' ? 'an IDX images file' : 'an image folder');
  }
  return kind === 'table' ? prepareTable(o) : prepareImages(o, kind);
}
