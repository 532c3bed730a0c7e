// A model trained on smoothed targets is under-confident by design, so its
// plain cross-entropy cannot be compared with an unsmoothed model's: the loss
// would punish the calibration smoothing trades for accuracy. Both are put on
// one footing by a temperature (Guo et al. 2017): each model's logits divided
// by the one scalar T that minimizes its mean cross-entropy on the rows
// measured. One parameter per model, fitted the same way for both, leaves the
// paired comparison fair; the temperature changes no prediction.

/** Logits of n rows × k classes (row-major) and each row's class. */
export interface RowLogits {
  logits: Float32Array;
  labels: Int32Array;
  classes: number;
}

/** Cross-entropy of one row at temperature t (log-sum-exp kept stable). */
function rowLoss(x: RowLogits, i: number, t: number): number {
  const k = x.classes;
  let max = -Infinity;
  for (let j = 0; j < k; j++) max = Math.max(max, x.logits[i * k + j] / t);
  let sum = 0;
  for (let j = 0; j < k; j++) sum += Math.exp(x.logits[i * k + j] / t - max);
  return max + Math.log(sum) - x.logits[i * k + x.labels[i]] / t;
}

/** Every row's cross-entropy at temperature t. */
export function rowLossesAt(x: RowLogits, t: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.labels.length; i++) out.push(rowLoss(x, i, t));
  return out;
}

function meanLossAt(x: RowLogits, t: number): number {
  let s = 0;
  for (let i = 0; i < x.labels.length; i++) s += rowLoss(x, i, t);
  return s / Math.max(1, x.labels.length);
}

/** Temperatures searched: 1/20 to 20 — wider is a model with no signal or a broken one. */
const LOG_T_RANGE = Math.log(20);

/**
 * The temperature that minimizes the mean cross-entropy of these rows. The
 * loss is convex in 1/T, so a golden-section search over log T finds the one
 * minimum (to 1e-4 in log T).
 */
export function fitTemperature(x: RowLogits): number {
  if (x.labels.length === 0) return 1;
  const g = (Math.sqrt(5) - 1) / 2;
  let lo = -LOG_T_RANGE;
  let hi = LOG_T_RANGE;
  let a = hi - g * (hi - lo);
  let b = lo + g * (hi - lo);
  let fa = meanLossAt(x, Math.exp(a));
  let fb = meanLossAt(x, Math.exp(b));
  while (hi - lo > 1e-4) {
    if (fa <= fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = meanLossAt(x, Math.exp(a));
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = meanLossAt(x, Math.exp(b));
    }
  }
  return Math.exp((lo + hi) / 2);
}

/** A model's figures at its fitted temperature: the mean and per-row losses a paired test compares. */
export interface Calibrated {
  temperature: number;
  validLoss: number;
  rowLosses: number[];
}

export function calibrate(x: RowLogits): Calibrated {
  const temperature = fitTemperature(x);
  const rowLosses = rowLossesAt(x, temperature);
  return { temperature, validLoss: rowLosses.reduce((s, v) => s + v, 0) / Math.max(1, rowLosses.length), rowLosses };
}
