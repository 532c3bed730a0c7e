// Regression trained scale-free: the optimizer follows the gradient of the
// mean squared error of *standardized* targets (divided by the training
// targets' variance), so learning rates, the finder's curve, gradient norms
// and clipping do not depend on the target's units — house prices and
// fractions train alike. The loss *value* stays in the target's own units
// (squared), so every reported loss, the naive baseline and RMSE/MAE agree.
import { tidy, type Tensor } from '../tensor/index.js';
import type { LossFunction } from '../train/index.js';
import type { CostFunctionChoice } from './cost_function.js';
import type { Prepared } from '../data/prepare.js';

/** Standard deviation of the training targets (1 when there is no spread). */
export function targetStd(train: ArrayLike<number>): number {
  const n = train.length;
  if (n < 2) return 1;
  let m = 0;
  for (let i = 0; i < n; i++) m += train[i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (train[i] - m) ** 2;
  const s = Math.sqrt(v / (n - 1));
  return s > 0 && Number.isFinite(s) ? s : 1;
}

/** A loss whose value is `cost`'s and whose gradient is `cost`'s divided by `scale`. */
export function gradientScaled(cost: LossFunction, scale: number): LossFunction {
  if (scale === 1) return cost;
  return (pred: Tensor, y: Tensor) =>
    tidy(() => {
      // In float64: for a small scale the two terms nearly cancel, which float32 would not survive.
      const l = cost(pred, y).to('float64');
      // value: l/scale + l·(1 − 1/scale) = l; gradient: ∇l / scale.
      return l.div(scale).add(l.detach().mul(1 - 1 / scale));
    });
}

// The loss every measurement uses is the protocol's (protocol/measure.ts): the cost without class weights.
export { measureLoss } from '../protocol/measure.js';

/** The loss the optimizer trains on: for mean squared error, scale-free (see above); every other cost unchanged. */
export function trainingLoss(p: Pick<Prepared, 'task' | 'targets'>, cost: CostFunctionChoice): LossFunction {
  if (p.task !== 'regression' || cost.name !== 'mse') return cost.fn;
  const s = targetStd(p.targets('train'));
  return gradientScaled(cost.fn, s * s);
}
