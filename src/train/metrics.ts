// Metrics: (prediction, target) → a number, averaged over an epoch weighted
// by batch size. Each runs under noGrad on tensors; one sync per batch.
import { Tensor, noGrad, tidy } from '../tensor/index.js';

export interface Metric {
  name: string;
  /** Whether larger is better (for reports and model selection). */
  higherIsBetter: boolean;
  /** Returns the metric's sum over the batch; the loop divides by the sample count. */
  batchSum(pred: Tensor, target: Tensor): number;
}

/** Multilabel targets are [B, K] 0/1 matrices shaped like the logits; class targets are [B] indices. */
function isMultilabel(pred: Tensor, target: Tensor): boolean {
  return pred.ndim === 2 && target.ndim === 2 && pred.size(-1) > 1 && target.size(-1) === pred.size(-1);
}

/**
 * Fraction of correct classes: argmax of logits, or logit > 0 for a single
 * output. Multilabel: the fraction of correct label decisions (logit > 0 vs
 * 0/1), averaged over the K labels per row so the loop's per-row mean is the
 * label-wise accuracy.
 */
export const accuracy: Metric = {
  name: 'accuracy',
  higherIsBetter: true,
  batchSum: (pred, target) =>
    noGrad(() =>
      tidy(() => {
        if (pred.ndim === 1 || pred.size(-1) === 1) {
          const p = pred.reshape(-1).gt(0);
          return p.eq(target.reshape(-1).gt(0.5)).sum().item();
        }
        if (isMultilabel(pred, target)) return pred.gt(0).eq(target.gt(0.5)).sum().item() / pred.size(-1);
        return pred.argmax(-1).eq(target).sum().item();
      }),
    ),
};

/** Multilabel: accuracy of label k alone (logit > 0 vs 0/1), named accuracy[<name>]. */
export function labelAccuracy(k: number, name: string): Metric {
  return {
    name: `accuracy[${name}]`,
    higherIsBetter: true,
    batchSum: (pred, target) => noGrad(() => tidy(() => pred.select(-1, k).gt(0).eq(target.select(-1, k).gt(0.5)).sum().item())),
  };
}

/** Mean absolute error. */
export const mae: Metric = {
  name: 'mae',
  higherIsBetter: false,
  batchSum: (pred, target) => noGrad(() => tidy(() => pred.reshape(-1).sub(target.reshape(-1)).abs().sum().item())),
};

/** Squared error, summed; the loop reports its root mean as rmse. */
export const rmse: Metric = {
  name: 'rmse',
  higherIsBetter: false,
  batchSum: (pred, target) => noGrad(() => tidy(() => pred.reshape(-1).sub(target.reshape(-1)).square().sum().item())),
};

/** Turns an epoch's summed metric into its value (rmse takes the root of the mean). */
export function finishMetric(m: Metric, sum: number, count: number): number {
  const mean = count ? sum / count : NaN;
  return m === rmse ? Math.sqrt(mean) : mean;
}
