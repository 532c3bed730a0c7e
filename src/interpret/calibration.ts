// Calibration: does a predicted probability of 0.8 come true 80 % of the
// time? The reliability diagram's bins over [0, 1] (equal width): binary
// tasks bin P(class 1) against the share of positives (scikit-learn's
// calibration_curve, strategy 'uniform'); multiclass tasks bin the top-class
// probability against accuracy. ECE is the row-weighted mean |gap|.
import { predictedClass, type Predictions } from '../metrics/index.js';

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean predicted probability of the rows in the bin (null when empty). */
  meanPredicted: number | null;
  /** Share of those rows that came true (null when empty). */
  observed: number | null;
}

export interface Calibration {
  /** 'positive class' (binary) or 'top class' (multiclass). */
  of: 'positive class' | 'top class';
  bins: ReliabilityBin[];
  /** Expected calibration error. */
  ece: number;
}

export function calibration(p: Extract<Predictions, { k: number }>, binCount = 10): Calibration {
  const n = p.truth.length;
  const sums = new Float64Array(binCount);
  const hits = new Float64Array(binCount);
  const counts = new Float64Array(binCount);
  for (let i = 0; i < n; i++) {
    let q: number;
    let hit: boolean;
    if (p.task === 'binary') {
      q = p.probabilities[i * 2 + 1];
      hit = p.truth[i] === 1;
    } else {
      const c = predictedClass(p, i);
      q = p.probabilities[i * p.k + c];
      hit = p.truth[i] === c;
    }
    const b = Math.min(binCount - 1, Math.floor(q * binCount));
    sums[b] += q;
    hits[b] += hit ? 1 : 0;
    counts[b]++;
  }
  let ece = 0;
  const bins = Array.from({ length: binCount }, (_, b) => {
    const count = counts[b];
    const meanPredicted = count ? sums[b] / count : null;
    const observed = count ? hits[b] / count : null;
    if (count) ece += (count / n) * Math.abs(meanPredicted! - observed!);
    return { lower: b / binCount, upper: (b + 1) / binCount, count, meanPredicted, observed };
  });
  return { of: p.task === 'binary' ? 'positive class' : 'top class', bins, ece: n ? ece : NaN };
}
