// Drift of what is served against the reference profile, accumulated over
// every served row: per feature the PSI of its distribution, the share of
// values outside the training range, of categories the model never learned,
// and of missing values; and the PSI of the prediction distribution against
// the model's own predictions on validation rows (so a model served the data
// it was validated on shows a prediction PSI of 0). Counts since start-up, and
// the same report over a window of the most recent rows, where fresh drift is
// not diluted by a long calm history. A text column is binned by its token
// count, and its unseen share counts rows with a word the model never learned.
import { isMissing, tokenize, toDate, toNumber, type Cell, type PreprocessorJSON, type Row } from '../data/index.js';
import type { Prediction } from './predictor.js';
import { binOf, psi, PSI_ALERT } from './psi.js';
import { categoryKey, predictionBasis, textVocabulary, textWords, type FeatureReference, type PredictionBasis, type ReferenceProfile } from './reference.js';

export interface FeatureDrift {
  /** Rows observed. */
  n: number;
  /** PSI against the training distribution; null when unknown (no reference, or nothing observed). */
  psi: number | null;
  /** Share of rows outside the training min/max; null when the range is unknown. */
  outOfRange: number | null;
  /** Share of rows with a category (text: a word) the model never learned (mapped to <unknown>); null for columns without categories or words. */
  unseen: number | null;
  /** Text: that share on the validation rows, when known. */
  referenceUnseen?: number | null;
  /** Share of rows missing this value (filled like in training). */
  missing: number;
  /** The training missing share, when known. */
  referenceMissing: number | null;
  /** Images: the mean served value (a channel's brightness in [0, 1], pixels, ln aspect); null before any image. */
  mean?: number | null;
  /** Images: the reference's bins with its proportions and the served ones, for the dashboard's distributions. */
  distribution?: { edges: number[]; reference: number[]; served: number[]; min: number; max: number } | null;
}

export interface PredictionDrift {
  n: number;
  /** PSI of the predicted classes (or values) against the reference predictions; null when unknown. */
  psi: number | null;
  /** What the predictions are compared with (see PredictionReference). */
  basis: PredictionBasis | null;
  /** True when that reference is an approximation (not measured): read the PSI as a hint, not a measurement. */
  approximate: boolean;
  /** Classification: share of each predicted class. */
  distribution?: Record<string, number>;
  /** Classification (images): the reference's share of each class, beside `distribution`. */
  reference?: Record<string, number>;
  /** Regression: mean and std of the predicted values. */
  mean?: number;
  std?: number;
}

export interface DriftReport {
  /** 'image': the features are per-image statistics (channel means, width, height, aspect); absent: table columns. */
  kind?: 'image';
  rows: number;
  reference: ReferenceProfile['source'];
  features: Record<string, FeatureDrift>;
  predictions: PredictionDrift;
  /** Features whose PSI reached the alert level (default 0.25). */
  drifted: string[];
  /** The same report over the most recent rows only (absent inside itself). */
  recent?: DriftReport & { window: number };
}

export interface DriftMonitorOptions {
  /** PSI at which a feature counts as drifted. Default PSI_ALERT (0.25). */
  alert?: number;
  /** Cells meaning "missing" (the preprocessor's). Default: none beyond null. */
  missingTokens?: readonly string[];
  /** Rows in the recent window. Default 1000; 0: no window. */
  window?: number;
  /** The model's preprocessing: text columns' words are split and looked up as its tokenizers do. Default: lower-cased words, no vocabulary (no unseen share). */
  preprocessor?: PreprocessorJSON;
}

/** A cell as one number: MISSING, else (bin or category id) × 2 + 1 when outside the training range or unseen. */
const MISSING = -1;

/** What is fixed per feature: its reference, and the ids given to the categories served so far. */
interface FeatureSpec {
  name: string;
  ref: FeatureReference;
  vocabulary: Set<string> | null;
  /** Categorical and boolean: category key → id, and back. */
  ids: Map<string, number> | null;
  keys: string[];
  /** Text: how a cell becomes words. */
  words: ((v: Cell) => string[]) | null;
}

/** Counts of one feature over some rows. */
interface FeatureCounts {
  n: number;
  missing: number;
  outOfRange: number;
  unseen: number;
  bins: number[] | null;
  /** Rows per category id. */
  categories: number[] | null;
  /** What a flagged code means: outside the training range, or unseen (a category, a word). */
  flag: 'range' | 'unseen';
}

/** Counts of predictions over some rows. */
interface PredictionCounts {
  n: number;
  predicted: Map<string, number>;
  valueSum: number;
  valueSq: number;
  valueBins: number[] | null;
  sawValues: boolean;
}

/**
 * The last `size` codes written, oldest overwritten first. The recent
 * window keeps numbers, not the served rows: holding ~1,000 parsed rows
 * and predictions for about a second made every young-generation
 * collection copy them (a few ms per collection at 2,000 requests/s).
 */
class Ring<T extends Int32Array | Float64Array> {
  private head = 0;
  count = 0;
  constructor(
    readonly data: T,
    private readonly stride: number,
    readonly size: number,
  ) {}
  /** The offset of a new entry's `stride` slots. */
  next(): number {
    const at = this.head * this.stride;
    this.head = (this.head + 1) % this.size;
    this.count = Math.min(this.size, this.count + 1);
    return at;
  }
  /** Offsets of the entries held, oldest first. */
  *offsets(): Generator<number> {
    const first = (this.head - this.count + this.size) % this.size;
    for (let i = 0; i < this.count; i++) yield ((first + i) % this.size) * this.stride;
  }
}

export class DriftMonitor {
  readonly reference: ReferenceProfile;
  private readonly alert: number;
  private readonly tokens: ReadonlySet<string>;
  private readonly specs: FeatureSpec[] = [];
  private readonly totals: FeatureCounts[];
  private rows = 0;
  private readonly predictions: PredictionCounts;
  /** Predicted labels (one, or a multilabel set) as ids into `labelSets`. */
  private readonly labelIds = new Map<string, number>();
  private readonly labelSets: Array<readonly string[]> = [];
  private readonly window: number;
  /** The recent window: per row one code per feature; per prediction a label-set id (or -1) and a value (or NaN). */
  private readonly recentCells: Ring<Int32Array> | null;
  private readonly recentLabels: Ring<Int32Array> | null;
  private readonly recentValues: Ring<Float64Array> | null;

  constructor(reference: ReferenceProfile, o: DriftMonitorOptions = {}) {
    this.reference = reference;
    this.window = Math.max(0, o.window ?? 1000);
    this.alert = o.alert ?? PSI_ALERT;
    this.tokens = new Set(o.missingTokens ?? []);
    for (const [name, ref] of Object.entries(reference.features)) {
      const categorical = ref.kind === 'categorical' || ref.kind === 'boolean';
      const pre = o.preprocessor;
      this.specs.push({
        name,
        ref,
        vocabulary: ref.kind === 'categorical' && ref.vocabulary ? new Set(ref.vocabulary) : ref.kind === 'text' && pre ? textVocabulary(pre, name) : null,
        ids: categorical ? new Map() : null,
        keys: [],
        words: ref.kind !== 'text' ? null : pre ? (v) => textWords(pre, name, v) : (v) => tokenize(String(v)),
      });
    }
    this.totals = this.specs.map((s) => this.emptyCounts(s));
    this.predictions = this.emptyPredictions();
    const w = this.window;
    this.recentCells = w > 0 ? new Ring(new Int32Array(w * Math.max(1, this.specs.length)), Math.max(1, this.specs.length), w) : null;
    this.recentLabels = w > 0 ? new Ring(new Int32Array(w), 1, w) : null;
    this.recentValues = w > 0 ? new Ring(new Float64Array(w), 1, w) : null;
  }

  private emptyCounts(s: FeatureSpec): FeatureCounts {
    const edges = s.ref.kind === 'numeric' || s.ref.kind === 'datetime' || s.ref.kind === 'text' ? s.ref.edges : null;
    return { n: 0, missing: 0, outOfRange: 0, unseen: 0, bins: edges ? new Array(edges.length + 1).fill(0) : null, categories: s.ids ? [] : null, flag: s.ids || s.ref.kind === 'text' ? 'unseen' : 'range' };
  }

  private emptyPredictions(): PredictionCounts {
    const p = this.reference.predictions;
    return { n: 0, predicted: new Map(), valueSum: 0, valueSq: 0, valueBins: p?.kind === 'numeric' ? new Array(p.edges.length + 1).fill(0) : null, sawValues: false };
  }

  /** Counts served rows (as received, before encoding) and their predictions. */
  observe(rows: readonly Row[], predictions: readonly Prediction[]): void {
    this.rows += rows.length;
    const cells = this.recentCells;
    for (const row of rows) {
      const at = cells ? cells.next() : 0;
      for (let f = 0; f < this.specs.length; f++) {
        const code = this.code(this.specs[f], row[this.specs[f].name]);
        count(this.totals[f], code);
        if (cells) cells.data[at + f] = code;
      }
    }
    for (const p of predictions) {
      const label = p.label !== undefined ? this.labelId('1', [p.label]) : p.labels ? this.labelId('n', p.labels) : -1;
      const value = p.value ?? Number.NaN;
      this.countPrediction(this.predictions, label, value);
      if (this.recentLabels) this.recentLabels.data[this.recentLabels.next()] = label;
      if (this.recentValues) this.recentValues.data[this.recentValues.next()] = value;
    }
  }

  private labelId(kind: string, labels: readonly string[]): number {
    const key = `${kind}\u0000${labels.join('\u0000')}`;
    let id = this.labelIds.get(key);
    if (id === undefined) {
      id = this.labelSets.length;
      this.labelIds.set(key, id);
      this.labelSets.push([...labels]);
    }
    return id;
  }

  private countPrediction(c: PredictionCounts, label: number, value: number): void {
    c.n++;
    if (label >= 0) for (const l of this.labelSets[label]) c.predicted.set(l, (c.predicted.get(l) ?? 0) + 1);
    if (!Number.isNaN(value)) {
      c.sawValues = true;
      c.valueSum += value;
      c.valueSq += value * value;
      const ref = this.reference.predictions;
      if (c.valueBins && ref?.kind === 'numeric') c.valueBins[binOf(ref.edges, value)]++;
    }
  }

  /** One cell as a code (see MISSING). */
  private code(s: FeatureSpec, v: Cell): number {
    if (v === null || v === undefined || isMissing(v, this.tokens)) return MISSING;
    const ref = s.ref;
    if (ref.kind === 'numeric' || ref.kind === 'datetime') {
      const x = ref.kind === 'numeric' ? toNumber(v) : toDate(v);
      if (x === null || !Number.isFinite(x)) return MISSING; // NaN and ±Infinity are filled like gaps by the encoder
      const outside = ref.min !== null && ref.max !== null && (x < ref.min || x > ref.max);
      return (ref.edges ? binOf(ref.edges, x) : 0) * 2 + (outside ? 1 : 0);
    }
    if (ref.kind === 'categorical' || ref.kind === 'boolean') {
      const key = categoryKey(ref.kind, v);
      let id = s.ids!.get(key);
      if (id === undefined) {
        id = s.keys.length;
        s.ids!.set(key, id);
        s.keys.push(key);
      }
      return id * 2 + (s.vocabulary && !s.vocabulary.has(key) ? 1 : 0);
    }
    if (ref.kind === 'text' && s.words) {
      // Bin of the token count; flagged when a word is one the model never learned.
      const words = s.words(v);
      const unseen = s.vocabulary !== null && words.some((w) => !s.vocabulary!.has(w));
      return (ref.edges ? binOf(ref.edges, words.length) : 0) * 2 + (unseen ? 1 : 0);
    }
    return 0;
  }

  report(): DriftReport {
    const report = this.reportOf(this.rows, this.totals, this.predictions);
    if (this.window > 0) {
      // The window's counts, rebuilt from its codes (a few thousand numbers; reports are seconds apart).
      const totals = this.specs.map((s) => this.emptyCounts(s));
      const cells = this.recentCells!;
      for (const at of cells.offsets()) for (let f = 0; f < this.specs.length; f++) count(totals[f], cells.data[at + f]);
      const predictions = this.emptyPredictions();
      const labels = [...this.recentLabels!.offsets()].map((at) => this.recentLabels!.data[at]);
      const values = [...this.recentValues!.offsets()].map((at) => this.recentValues!.data[at]);
      for (let i = 0; i < labels.length; i++) this.countPrediction(predictions, labels[i], values[i]);
      report.recent = { window: this.window, ...this.reportOf(cells.count, totals, predictions) };
    }
    return report;
  }

  private reportOf(rows: number, totals: readonly FeatureCounts[], predictions: PredictionCounts): DriftReport {
    const features: Record<string, FeatureDrift> = Object.create(null); // keyed by column names, any of them
    const drifted: string[] = [];
    for (let f = 0; f < this.specs.length; f++) {
      const { name, ref, keys, vocabulary } = this.specs[f];
      const s = totals[f];
      const rate = (k: number) => (s.n ? k / s.n : 0);
      let value: number | null = null;
      if ((ref.kind === 'numeric' || ref.kind === 'datetime' || ref.kind === 'text') && s.bins && ref.proportions) value = psi(ref.proportions, s.bins);
      else if ((ref.kind === 'categorical' || ref.kind === 'boolean') && ref.proportions) value = categoricalPsi(ref.proportions, categoryCounts(s.categories!, keys));
      const numeric = ref.kind === 'numeric' || ref.kind === 'datetime';
      features[name] = {
        n: s.n,
        psi: value,
        outOfRange: numeric && ref.min !== null ? rate(s.outOfRange) : null,
        unseen: (ref.kind === 'categorical' || ref.kind === 'text') && vocabulary ? rate(s.unseen) : null,
        missing: rate(s.missing),
        referenceMissing: ref.missing,
        ...(ref.kind === 'text' ? { referenceUnseen: ref.unseen ?? null } : {}),
      };
      if (value !== null && value >= this.alert) drifted.push(name);
    }
    return { rows, reference: this.reference.source, features, predictions: this.predictionDrift(predictions), drifted };
  }

  private predictionDrift(c: PredictionCounts): PredictionDrift {
    const n = c.n;
    const ref = this.reference.predictions;
    const basis = ref ? predictionBasis(ref) : null;
    const approximate = basis !== 'validation predictions';
    if (ref?.kind === 'numeric' || c.sawValues) {
      const mean = n ? c.valueSum / n : 0;
      const std = n ? Math.sqrt(Math.max(0, c.valueSq / n - mean * mean)) : 0;
      return { n, psi: c.valueBins && ref?.kind === 'numeric' ? psi(ref.proportions, c.valueBins) : null, basis, approximate, mean, std };
    }
    const distribution = Object.fromEntries([...c.predicted].map(([k, v]) => [k, n ? v / n : 0]));
    return { n, psi: ref?.kind === 'classes' && ref.proportions ? categoricalPsi(ref.proportions, c.predicted) : null, basis, approximate, distribution };
  }
}

/** Rows per category key (ids never counted here are left out). */
function categoryCounts(counts: readonly number[], keys: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  counts.forEach((c, id) => m.set(keys[id], c));
  return m;
}

/** Adds one cell's code to a feature's counts. */
function count(s: FeatureCounts, code: number): void {
  s.n++;
  if (code === MISSING) {
    s.missing++;
    return;
  }
  const index = code >> 1;
  const flagged = (code & 1) === 1;
  if (s.bins) s.bins[index]++;
  if (s.categories) s.categories[index] = (s.categories[index] ?? 0) + 1;
  if (flagged) {
    if (s.flag === 'unseen') s.unseen++;
    else s.outOfRange++;
  }
}

/** PSI over the reference's categories plus one bucket for everything else. */
function categoricalPsi(expected: Record<string, number>, counts: Map<string, number>): number | null {
  const keys = Object.keys(expected);
  const e = keys.map((k) => expected[k]);
  const o = keys.map((k) => counts.get(k) ?? 0);
  let other = 0;
  for (const [k, c] of counts) if (!Object.prototype.hasOwnProperty.call(expected, k)) other += c;
  e.push(0);
  o.push(other);
  return psi(e, o);
}
