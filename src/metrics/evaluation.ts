// Every metric of one split from its predictions: the figures a run records
// for train and validation (and step 5 for test), under the names `auto
// --json` prints. Binary tasks score the positive class (index 1) for f1,
// precision and recall; multiclass tasks take the macro average there.
import { confusionCounts, summarizeConfusion } from './classification.js';
import { averagePrecision, oneVsRestMacro, rocAuc } from './ranking.js';
import { logLoss } from './log_loss.js';
import { regressionScores } from './regression.js';
import { predictedClasses, type Predictions } from './predictions.js';

/** Scalar metrics by name; null where a metric is undefined for this split (e.g. AUC with one class present). */
export type MetricValues = Record<string, number | null>;

export interface PerClass {
  class: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Evaluation {
  /** Rows evaluated. */
  rows: number;
  metrics: MetricValues;
  /** Classification only. */
  perClass: PerClass[] | null;
  /** counts[truth][predicted]; classification only. */
  confusion: number[][] | null;
}

export function evaluatePredictions(p: Predictions, classNames?: readonly string[] | null): Evaluation {
  if (p.task === 'regression') {
    const r = regressionScores(p.truth, p.predicted);
    return { rows: p.truth.length, metrics: { rmse: r.rmse, mae: r.mae, r2: r.r2, mape: r.mape }, perClass: null, confusion: null };
  }
  const pred = predictedClasses(p);
  const counts = confusionCounts(p.truth, pred, p.k);
  const s = summarizeConfusion(counts);
  const metrics: MetricValues = { accuracy: s.accuracy, macroF1: s.macroF1, weightedF1: s.weightedF1, balancedAccuracy: s.balancedAccuracy, logLoss: logLoss(p.truth, p.probabilities, p.k) };
  if (p.task === 'binary') {
    const positive = Array.from(p.truth, (t) => t === 1);
    const score = Float64Array.from({ length: p.truth.length }, (_, i) => p.probabilities[i * 2 + 1]);
    Object.assign(metrics, { f1: s.perClass[1].f1, precision: s.perClass[1].precision, recall: s.perClass[1].recall, auc: rocAuc(positive, score), averagePrecision: averagePrecision(positive, score) });
  } else {
    Object.assign(metrics, {
      f1: s.macroF1,
      precision: s.macroPrecision,
      recall: s.macroRecall,
      auc: oneVsRestMacro(rocAuc, p.truth, p.probabilities, p.k),
      averagePrecision: oneVsRestMacro(averagePrecision, p.truth, p.probabilities, p.k),
    });
  }
  const names = classNames ?? Array.from({ length: p.k }, (_, c) => String(c));
  return { rows: p.truth.length, metrics, perClass: s.perClass.map((c, i) => ({ class: names[i] ?? String(i), ...c })), confusion: counts };
}
