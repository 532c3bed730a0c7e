// Log loss (cross-entropy of predicted probabilities), as scikit-learn's
// log_loss: probabilities clipped to [ε, 1 − ε] (ε of float64), rows
// renormalised, the mean of −log p(true class).
const EPS = 2.220446049250313e-16;

/** probabilities row-major [n, k] (rows summing to 1); for k = 2 a length-n array of P(class 1) is accepted too. */
export function logLoss(truth: ArrayLike<number>, probabilities: ArrayLike<number>, k: number): number {
  const n = truth.length;
  if (n === 0) return NaN;
  const binaryColumn = k === 2 && probabilities.length === n;
  if (!binaryColumn && probabilities.length !== n * k) throw new RangeError(`sixstep metrics: log loss wants ${n}×${k} probabilities, got ${probabilities.length}`);
  const clip = (p: number) => Math.min(1 - EPS, Math.max(EPS, p));
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let rowSum = 0;
    let own = 0;
    for (let c = 0; c < k; c++) {
      const p = clip(binaryColumn ? (c === 1 ? probabilities[i] : 1 - probabilities[i]) : probabilities[i * k + c]);
      rowSum += p;
      if (c === truth[i]) own = p;
    }
    sum -= Math.log(own / rowSum);
  }
  return sum / n;
}
