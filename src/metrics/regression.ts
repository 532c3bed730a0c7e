// Regression metrics as scikit-learn defines them: RMSE, MAE, R² (1 for a
// perfect fit of a constant target, 0 for an imperfect one) and MAPE as a
// fraction — null when a target is 0, where the percentage has no meaning.

export interface RegressionScores {
  rmse: number;
  mae: number;
  r2: number;
  /** Mean |error| / |target|; null when some target is 0. */
  mape: number | null;
}

export function regressionScores(truth: ArrayLike<number>, predicted: ArrayLike<number>): RegressionScores {
  const n = truth.length;
  if (n !== predicted.length) throw new RangeError(`sixstep metrics: ${n} targets but ${predicted.length} predictions`);
  if (n === 0) return { rmse: NaN, mae: NaN, r2: NaN, mape: null };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += truth[i];
  mean /= n;
  let se = 0;
  let ae = 0;
  let tot = 0;
  let pe = 0;
  let zero = false;
  for (let i = 0; i < n; i++) {
    const e = predicted[i] - truth[i];
    se += e * e;
    ae += Math.abs(e);
    tot += (truth[i] - mean) ** 2;
    if (truth[i] === 0) zero = true;
    else pe += Math.abs(e) / Math.abs(truth[i]);
  }
  const r2 = tot > 0 ? 1 - se / tot : se === 0 ? 1 : 0;
  return { rmse: Math.sqrt(se / n), mae: ae / n, r2, mape: zero ? null : pe / n };
}
