// Classification metrics over class indices, as scikit-learn defines them
// (zero_division = 0): the confusion matrix, per-class precision, recall, F1
// and support, their macro and weighted averages, and balanced accuracy.

/** counts[truth][predicted] over classes 0..k-1. */
export function confusionCounts(truth: ArrayLike<number>, predicted: ArrayLike<number>, k: number): number[][] {
  if (truth.length !== predicted.length) throw new RangeError(`sixstep metrics: ${truth.length} true labels but ${predicted.length} predictions`);
  const counts = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    const p = predicted[i];
    if (!(t >= 0 && t < k && p >= 0 && p < k) || !Number.isInteger(t) || !Number.isInteger(p)) {
      throw new RangeError(`sixstep metrics: row ${i}: class indices must lie in 0..${k - 1}, found truth ${t}, prediction ${p}`);
    }
    counts[t][p]++;
  }
  return counts;
}

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  /** Rows of this class in the truth. */
  support: number;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

/** Per-class precision, recall, F1 and support from a confusion matrix (0 where undefined, as scikit-learn's zero_division=0). */
export function perClassScores(counts: number[][]): ClassScores[] {
  const k = counts.length;
  return counts.map((row, c) => {
    const tp = row[c];
    const support = row.reduce((a, b) => a + b, 0);
    let predicted = 0;
    for (let t = 0; t < k; t++) predicted += counts[t][c];
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    // F1 = 2·tp / (support + predicted): equal to the harmonic mean, and 0 when both are 0.
    return { precision, recall, f1: ratio(2 * tp, support + predicted), support };
  });
}

export interface ClassificationSummary {
  perClass: ClassScores[];
  accuracy: number;
  /** Unweighted means over the classes that occur in the truth or the predictions (scikit-learn's default labels). */
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  /** F1 averaged with each class's support as its weight. */
  weightedF1: number;
  /** Mean recall over the classes that occur in the truth. */
  balancedAccuracy: number;
}

export function summarizeConfusion(counts: number[][]): ClassificationSummary {
  const perClass = perClassScores(counts);
  const k = counts.length;
  let n = 0;
  let correct = 0;
  const seen: number[] = [];
  for (let c = 0; c < k; c++) {
    let predicted = 0;
    for (let t = 0; t < k; t++) predicted += counts[t][c];
    n += perClass[c].support;
    correct += counts[c][c];
    if (perClass[c].support > 0 || predicted > 0) seen.push(c);
  }
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  const withSupport = perClass.filter((s) => s.support > 0);
  return {
    perClass,
    accuracy: n ? correct / n : NaN,
    macroPrecision: mean(seen.map((c) => perClass[c].precision)),
    macroRecall: mean(seen.map((c) => perClass[c].recall)),
    macroF1: mean(seen.map((c) => perClass[c].f1)),
    weightedF1: n ? perClass.reduce((a, s) => a + s.f1 * s.support, 0) / n : NaN,
    balancedAccuracy: mean(withSupport.map((s) => s.recall)),
  };
}
