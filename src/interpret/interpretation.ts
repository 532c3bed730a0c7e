// Where a model fails, on one split: metrics, confusion matrix, the most
// confused pairs, the top losses (with the rows' values for tables),
// calibration, residuals, and — for tables — permutation feature importance.
import type { Row, Table } from '../data/index.js';
import type { Module } from '../nn/index.js';
import type { PreprocessorJSON } from '../data/index.js';
import { evaluatePredictions, type MetricValues, type PerClass, type Predictions, type PredictionTask } from '../metrics/index.js';
import { mostConfused, type ConfusedPair } from './most_confused.js';
import { rowLosses, topLosses, type ClassTopLoss, type RegressionTopLoss } from './top_losses.js';
import { calibration, type Calibration } from './calibration.js';
import { residuals, type Residuals } from './residuals.js';
import { permutationImportance, type FeatureImportance } from './permutation_importance.js';
import { TablePredictor, permuteColumn } from './table_predictions.js';
import { permutationPlan } from './permutation_plan.js';
import { Rng } from '../data/prng.js';

/** A top loss with its table row (line, values) or, for images, a PNG thumbnail as a data URI. */
export type TopLoss = (ClassTopLoss | RegressionTopLoss) & { line?: number; values?: Row; thumbnail?: string };

export interface Interpretation {
  task: PredictionTask;
  split: 'validation';
  rows: number;
  classes: string[] | null;
  metrics: MetricValues;
  perClass: PerClass[] | null;
  /** counts[truth][predicted]; null for regression. */
  confusionMatrix: { classes: string[]; counts: number[][] } | null;
  mostConfused: ConfusedPair[];
  topLosses: TopLoss[];
  /** Reliability diagram; classification only. */
  calibration: Calibration | null;
  /** Residuals against prediction; regression only. */
  residuals: Residuals | null;
  /** Tables only: rise of the validation loss when each input column is shuffled. */
  /** `of`: the input columns there were; `note`: what a time allowance or the column cap left out (empty: all, every repeat). */
  featureImportance: { baseLoss: number; repeats: number; features: FeatureImportance[]; of?: number; note?: string } | null;
}

export interface ViewOptions {
  classes?: string[] | null;
  /** Top losses to list. Default 10. */
  top?: number;
  /** Raw values and source lines of each row, when the split is a table. */
  rows?: Row[];
  lines?: number[];
}

/** Every view that needs only the predictions. */
export function interpretPredictions(p: Predictions, o: ViewOptions = {}): Interpretation {
  const e = evaluatePredictions(p, o.classes);
  const classes = p.task === 'regression' ? null : (o.classes ?? Array.from({ length: p.k }, (_, c) => String(c)));
  const top = (topLosses(p, o.top ?? 10, classes) as TopLoss[]).map((t) => (o.rows ? { ...t, line: o.lines?.[t.index], values: o.rows[t.index] } : t));
  return {
    task: p.task,
    split: 'validation',
    rows: e.rows,
    classes,
    metrics: e.metrics,
    perClass: e.perClass,
    confusionMatrix: e.confusion && classes ? { classes, counts: e.confusion } : null,
    mostConfused: e.confusion && classes ? mostConfused(e.confusion, classes) : [],
    topLosses: top,
    calibration: p.task === 'regression' ? null : calibration(p),
    residuals: p.task === 'regression' ? residuals(p) : null,
    featureImportance: null,
  };
}

export interface TableInterpretOptions {
  model: Module;
  preprocessor: PreprocessorJSON;
  task: PredictionTask;
  classes: string[] | null;
  /** The split's raw rows (validation). */
  table: Table;
  /** Input columns to permute. */
  features: readonly string[];
  /** Shuffles per feature. Default 5. */
  repeats?: number;
  seed?: number;
  top?: number;
  /** Seconds permutation importance may take (measured per pass; permutation_plan.ts); default: no limit but the column cap. */
  importanceSeconds?: number;
}

const meanOf = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** interpretPredictions on a table split, plus permutation feature importance. */
export async function interpretTable(o: TableInterpretOptions): Promise<Interpretation> {
  const predictor = new TablePredictor({ model: o.model, preprocessor: o.preprocessor, task: o.task, k: o.classes?.length ?? 1 });
  const t0 = performance.now();
  const base = await predictor.predict(o.table);
  const plan = permutationPlan({ features: o.features.length, secondsPerPass: (performance.now() - t0) / 1000, secondsGiven: o.importanceSeconds ?? Infinity, repeats: o.repeats });
  const view = interpretPredictions(base.predictions, { classes: o.classes, top: o.top, rows: base.rows, lines: base.lines });
  const repeats = plan.repeats;
  // The plan reads one pass's time; shuffling costs a little more, so the allowance is also a hard stop between columns.
  const endsAt = t0 + (o.importanceSeconds ?? Infinity) * 1000;
  const importance = await permutationImportance({
    outOfTime: () => performance.now() >= endsAt,
    features: plan.sampled ? sampleOf(o.features, plan.features, o.seed ?? 0) : o.features,
    rows: o.table.rows.length,
    repeats,
    seed: o.seed,
    loss: async (feature, order) => {
      if (feature === null || order === null) return meanOf(rowLosses(base.predictions));
      return meanOf(rowLosses((await predictor.predict(permuteColumn(o.table, feature, order))).predictions));
    },
  });
  const { stopped, ...figures } = importance;
  const cut = stopped === undefined ? '' : `the time allowance ran out after ${stopped} of the ${plan.features} planned columns`;
  return { ...view, featureImportance: { ...figures, repeats, of: o.features.length, note: [plan.note, cut].filter(Boolean).join('; ') } };
}

/** `n` of the columns, drawn without replacement (seeded), in their own order. */
function sampleOf(features: readonly string[], n: number, seed: number): string[] {
  const rng = new Rng(seed + 1);
  const idx = features.map((_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rng.next() * (idx.length - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, n).sort((a, b) => a - b).map((i) => features[i]);
}
