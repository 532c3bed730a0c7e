// The pairs a classifier mixes up most: off-diagonal cells of the confusion
// matrix, largest first (fastai's most_confused).

export interface ConfusedPair {
  truth: string;
  predicted: string;
  count: number;
  /** count / rows of the true class. */
  shareOfTruth: number;
}

/** counts[truth][predicted]; pairs with at least `minCount` rows, largest count first (ties: truth then prediction order). */
export function mostConfused(counts: number[][], classes: readonly string[], minCount = 1): ConfusedPair[] {
  const pairs: Array<ConfusedPair & { t: number; p: number }> = [];
  counts.forEach((row, t) => {
    const support = row.reduce((a, b) => a + b, 0);
    row.forEach((n, p) => {
      if (t !== p && n >= minCount) pairs.push({ truth: classes[t] ?? String(t), predicted: classes[p] ?? String(p), count: n, shareOfTruth: support ? n / support : 0, t, p });
    });
  });
  pairs.sort((a, b) => b.count - a.count || a.t - b.t || a.p - b.p);
  return pairs.map(({ t: _t, p: _p, ...x }) => x);
}
