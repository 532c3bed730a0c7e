// Ranking metrics of scores against binary truth, as scikit-learn computes
// them: ROC AUC (tied scores count one half) and average precision (the
// step-wise area under the precision-recall curve, ties grouped).

/** Area under the ROC curve; null when the truth holds only one class. */
export function rocAuc(positive: ArrayLike<boolean | number>, scores: ArrayLike<number>): number | null {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  // Mann–Whitney U with mid-ranks for ties: equal to the trapezoidal ROC area.
  let rankSum = 0;
  let pos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let m = i; m <= j; m++) if (positive[order[m]]) {
      rankSum += midRank;
      pos++;
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return null;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Average precision: Σ (Rₙ − Rₙ₋₁)·Pₙ over descending distinct thresholds; null without positives. */
export function averagePrecision(positive: ArrayLike<boolean | number>, scores: ArrayLike<number>): number | null {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let total = 0;
  for (let i = 0; i < n; i++) if (positive[i]) total++;
  if (total === 0) return null;
  let tp = 0;
  let fp = 0;
  let lastRecall = 0;
  let ap = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    for (let m = i; m <= j; m++) positive[order[m]] ? tp++ : fp++;
    const recall = tp / total;
    ap += (recall - lastRecall) * (tp / (tp + fp));
    lastRecall = recall;
    i = j + 1;
  }
  return ap;
}

/**
 * One-vs-rest macro average of a binary ranking metric over k classes:
 * probabilities row-major [n, k]; classes absent from the truth are left out
 * (they have no positives). Null when no class qualifies.
 */
export function oneVsRestMacro(
  metric: (positive: ArrayLike<boolean>, scores: ArrayLike<number>) => number | null,
  truth: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  k: number,
): number | null {
  const n = truth.length;
  const values: number[] = [];
  const positive = new Array<boolean>(n);
  const scores = new Float64Array(n);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) {
      positive[i] = truth[i] === c;
      scores[i] = probabilities[i * k + c];
    }
    if (!positive.includes(true)) continue;
    const v = metric(positive, scores);
    if (v !== null) values.push(v);
  }
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}
