// What the report draws from a model's validation predictions (collected once,
// metrics/predictions.ts): the confusion matrix of a classifier — the same
// class rule as every metric (predictedClass) — and predicted against true
// values of a regressor.
import { confusionCounts, predictedClasses, type Predictions } from '../metrics/index.js';

export interface ConfusionMatrix {
  classes: string[];
  /** counts[true][predicted] */
  counts: number[][];
}

export function confusionMatrix(p: Extract<Predictions, { k: number }>, classes: string[]): ConfusionMatrix {
  return { classes, counts: confusionCounts(p.truth, predictedClasses(p), p.k) };
}

export function regressionPairs(p: Extract<Predictions, { task: 'regression' }>, limit = 2000): Array<{ truth: number; predicted: number }> {
  const n = Math.min(limit, p.truth.length);
  return Array.from({ length: n }, (_, i) => ({ truth: p.truth[i], predicted: p.predicted[i] }));
}
