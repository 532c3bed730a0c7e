// Drift of what is served against the reference profile, accumulated over
// every served row: per feature the PSI of its distribution, the share of
// values outside the training range, of categories the model never learned,
// and of missing values; and the PSI of the prediction distribution against
// the model's own predictions on validation rows (so a model served the data
// it was validated on shows a prediction PSI of 0). Counts since start-up, and
// the same report over a window of the most recent rows, where fresh drift is
// not diluted by a long calm history.
import { isMissing, toDate, toNumber, type Cell, type Row } from '../data/index.js';
import type { Prediction } from './predictor.js';
import { binOf, psi, PSI_ALERT } from './psi.js';
import { categoryKey, predictionBasis, type FeatureReference, type PredictionBasis, type ReferenceProfile } from './reference.js';

export interface FeatureDrift {
  /** Rows observed. */
  n: number;
  /** PSI against the training distribution; null when unknown (no reference, or nothing observed). */
  psi: number | null;
  /** Share of rows outside the training min/max; null when the range is unknown. */
  outOfRange: number | null;
  /** Share of rows with a category the model never learned (mapped to <unknown>); null for columns without categories. */
  unseen: number | null;
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
}

interface FeatureState {
  ref: FeatureReference;
  n: number;
  missing: number;
  outOfRange: number;
  unseen: number;
  bins: number[] | null;
  categories: Map<string, number> | null;
  vocabulary: Set<string> | null;
}

export class DriftMonitor {
  readonly reference: ReferenceProfile;
  private readonly alert: number;
  private readonly tokens: ReadonlySet<string>;
  private readonly state = new Map<string, FeatureState>();
  private rows = 0;
  private readonly predicted = new Map<string, number>();
  private readonly valueBins: number[] | null;
  private valueSum = 0;
  private valueSq = 0;
  private predictions = 0;
  private sawValues = false;
  private readonly options: DriftMonitorOptions;
  private readonly window: number;
  /** The most recent rows and their predictions, oldest first (at most `window`). */
  private recentRows: Row[] = [];
  private recentPredictions: Prediction[] = [];

  constructor(reference: ReferenceProfile, o: DriftMonitorOptions = {}) {
    this.reference = reference;
    this.options = o;
    this.window = Math.max(0, o.window ?? 1000);
    this.alert = o.alert ?? PSI_ALERT;
    this.tokens = new Set(o.missingTokens ?? []);
    for (const [name, ref] of Object.entries(reference.features)) {
      const numeric = ref.kind === 'numeric' || ref.kind === 'datetime';
      this.state.set(name, {
        ref,
        n: 0,
        missing: 0,
        outOfRange: 0,
        unseen: 0,
        bins: numeric && ref.edges ? new Array(ref.edges.length + 1).fill(0) : null,
        categories: ref.kind === 'categorical' || ref.kind === 'boolean' ? new Map() : null,
        vocabulary: ref.kind === 'categorical' && ref.vocabulary ? new Set(ref.vocabulary) : null,
      });
    }
    const p = reference.predictions;
    this.valueBins = p?.kind === 'numeric' ? new Array(p.edges.length + 1).fill(0) : null;
  }

  /** Counts served rows (as received, before encoding) and their predictions. */
  observe(rows: readonly Row[], predictions: readonly Prediction[]): void {
    if (this.window > 0) {
      this.recentRows.push(...rows);
      this.recentPredictions.push(...predictions);
      // Trimmed in bulk (at twice the window) so observing stays cheap.
      if (this.recentRows.length > 2 * this.window) this.recentRows = this.recentRows.slice(-this.window);
      if (this.recentPredictions.length > 2 * this.window) this.recentPredictions = this.recentPredictions.slice(-this.window);
    }
    this.rows += rows.length;
    for (const [name, s] of this.state) {
      for (const row of rows) this.observeCell(s, row[name]);
    }
    for (const p of predictions) {
      this.predictions++;
      if (p.label !== undefined) this.predicted.set(p.label, (this.predicted.get(p.label) ?? 0) + 1);
      else if (p.labels) for (const l of p.labels) this.predicted.set(l, (this.predicted.get(l) ?? 0) + 1);
      if (p.value !== undefined) {
        this.sawValues = true;
        this.valueSum += p.value;
        this.valueSq += p.value * p.value;
        const ref = this.reference.predictions;
        if (this.valueBins && ref?.kind === 'numeric') this.valueBins[binOf(ref.edges, p.value)]++;
      }
    }
  }

  private observeCell(s: FeatureState, v: Cell): void {
    s.n++;
    if (v === null || v === undefined || isMissing(v, this.tokens)) {
      s.missing++;
      return;
    }
    const ref = s.ref;
    if (ref.kind === 'numeric' || ref.kind === 'datetime') {
      const x = ref.kind === 'numeric' ? toNumber(v) : toDate(v);
      if (x === null || !Number.isFinite(x)) {
        s.missing++; // NaN and ±Infinity are filled like gaps by the encoder
        return;
      }
      if (ref.min !== null && ref.max !== null && (x < ref.min || x > ref.max)) s.outOfRange++;
      if (s.bins && ref.edges) s.bins[binOf(ref.edges, x)]++;
    } else if (ref.kind === 'categorical' || ref.kind === 'boolean') {
      const key = categoryKey(ref.kind, v);
      s.categories!.set(key, (s.categories!.get(key) ?? 0) + 1);
      if (s.vocabulary && !s.vocabulary.has(key)) s.unseen++;
    }
  }

  report(): DriftReport {
    const features: Record<string, FeatureDrift> = {};
    const drifted: string[] = [];
    for (const [name, s] of this.state) {
      const ref = s.ref;
      const rate = (k: number) => (s.n ? k / s.n : 0);
      let value: number | null = null;
      if ((ref.kind === 'numeric' || ref.kind === 'datetime') && s.bins && ref.proportions) value = psi(ref.proportions, s.bins);
      else if ((ref.kind === 'categorical' || ref.kind === 'boolean') && ref.proportions) value = categoricalPsi(ref.proportions, s.categories!);
      const numeric = ref.kind === 'numeric' || ref.kind === 'datetime';
      features[name] = {
        n: s.n,
        psi: value,
        outOfRange: numeric && ref.min !== null ? rate(s.outOfRange) : null,
        unseen: ref.kind === 'categorical' && s.vocabulary ? rate(s.unseen) : null,
        missing: rate(s.missing),
        referenceMissing: ref.missing,
      };
      if (value !== null && value >= this.alert) drifted.push(name);
    }
    const report: DriftReport = { rows: this.rows, reference: this.reference.source, features, predictions: this.predictionDrift(), drifted };
    if (this.window > 0) {
      const recent = new DriftMonitor(this.reference, { ...this.options, window: 0 });
      recent.observe(this.recentRows.slice(-this.window), this.recentPredictions.slice(-this.window));
      report.recent = { window: this.window, ...recent.report() };
    }
    return report;
  }

  private predictionDrift(): PredictionDrift {
    const n = this.predictions;
    const ref = this.reference.predictions;
    const basis = ref ? predictionBasis(ref) : null;
    const approximate = basis !== 'validation predictions';
    if (ref?.kind === 'numeric' || this.sawValues) {
      const mean = n ? this.valueSum / n : 0;
      const std = n ? Math.sqrt(Math.max(0, this.valueSq / n - mean * mean)) : 0;
      return { n, psi: this.valueBins && ref?.kind === 'numeric' ? psi(ref.proportions, this.valueBins) : null, basis, approximate, mean, std };
    }
    const distribution = Object.fromEntries([...this.predicted].map(([k, c]) => [k, n ? c / n : 0]));
    return { n, psi: ref?.kind === 'classes' && ref.proportions ? categoricalPsi(ref.proportions, this.predicted) : null, basis, approximate, distribution };
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
