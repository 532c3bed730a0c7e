// Regression residuals against prediction: a pattern (a funnel, a curve)
// says the model misses structure; the largest errors say where.
import type { Predictions } from '../metrics/index.js';

export interface Residuals {
  /** (predicted, residual = truth − predicted) per row, at most `limit` rows, evenly thinned. */
  points: Array<{ index: number; predicted: number; residual: number }>;
  meanResidual: number;
}

export function residuals(p: Extract<Predictions, { task: 'regression' }>, limit = 2000): Residuals {
  const n = p.truth.length;
  const step = Math.max(1, Math.ceil(n / limit));
  const points: Residuals['points'] = [];
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const r = p.truth[i] - p.predicted[i];
    sum += r;
    if (i % step === 0) points.push({ index: i, predicted: p.predicted[i], residual: r });
  }
  return { points, meanResidual: n ? sum / n : NaN };
}
