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

/** Fraction of correct classes: argmax of logits, or logit > 0 for a single output. */
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
        return pred.argmax(-1).eq(target).sum().item();
      }),
    ),
};

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
