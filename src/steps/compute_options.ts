// Images: options that get further with the same compute, each kept only when
// measured on validation (eval mode, the same rows, the naive baseline's scale):
// the weights' moving average in place of the trained weights, and flip
// test-time augmentation for the sealed test evaluation.
import type { Module } from '../nn/index.js';
import { recalibrateBatchNorm, type ExponentialMovingAverage } from '../train/index.js';
import { FlipAveraged, type TtaOutput } from '../models/index.js';
import type { Prepared } from '../data/prepare.js';
import type { CostFunctionChoice } from './cost_function.js';
import type { Decision } from './decisions.js';
import { buildModel, type ModelSpec } from './architecture.js';
import { trainSubset, validationLoss } from '../protocol/index.js';
import { keepIfLower } from './measured_choice.js';

/** How flip test-time augmentation averages a task's outputs (the sealed test, the report and serving share it). */
export function ttaOutputFor(task: Prepared['task']): TtaOutput {
  return task === 'regression' ? 'regression' : task === 'binary' ? 'binary' : 'multiclass';
}

/**
 * Measures the moving average against the trained weights on validation;
 * when it is kept, `trained` receives the averaged weights. Batch norm's
 * statistics are re-estimated for the averaged weights on the fixed training
 * subset (averaged statistics belong to no single set of weights).
 */
export async function chooseAverage(o: { prepared: Prepared; spec: ModelSpec; cost: CostFunctionChoice; trained: Module; ema: ExponentialMovingAverage; baselineLoss: number; log: (d: Decision) => void }): Promise<{ kept: boolean; validLoss: number }> {
  const plain = validationLoss(o.prepared, o.trained, o.cost);
  if (!o.ema.averaged) return { kept: false, validLoss: plain };
  const averaged = buildModel(o.spec, o.prepared.device);
  try {
    o.ema.loadInto(averaged);
    const subset = trainSubset(o.prepared);
    try {
      await recalibrateBatchNorm(averaged, subset);
    } finally {
      subset.dispose();
    }
    const withLoss = validationLoss(o.prepared, averaged, o.cost);
    const c = keepIfLower({ option: `the weights' moving average (decay ${o.ema.decay}, ${o.ema.updates} steps)`, withLoss, withoutLoss: plain, baselineLoss: o.baselineLoss });
    o.log({ step: 4, action: c.keep ? 'keep the moving average of the weights' : 'keep the trained weights (not their moving average)', reason: `${c.why}; batch norm statistics re-estimated for the averaged weights on the fixed training subset`, numbers: { withAverage: withLoss, trained: plain, gain: c.gain, needed: c.needed, decay: o.ema.decay, steps: o.ema.updates } });
    if (c.keep) o.trained.loadStateDict(averaged.stateDict());
    return { kept: c.keep, validLoss: c.keep ? withLoss : plain };
  } finally {
    averaged.dispose();
  }
}

/**
 * Whether flip test-time augmentation lowers the validation loss; the test
 * evaluation then uses it. `validLoss` is the validation loss of the model as
 * it will be evaluated (with the flips when they are kept): step 5 compares
 * the test loss with it.
 */
export function chooseFlipTta(o: { prepared: Prepared; model: Module; cost: CostFunctionChoice; baselineLoss: number; log: (d: Decision) => void }): { keep: boolean; validLoss: number } {
  const output = ttaOutputFor(o.prepared.task);
  const plain = validationLoss(o.prepared, o.model, o.cost);
  const withLoss = validationLoss(o.prepared, new FlipAveraged(o.model, output), o.cost);
  const c = keepIfLower({ option: 'flip test-time augmentation', withLoss, withoutLoss: plain, baselineLoss: o.baselineLoss });
  o.log({ step: 4, action: c.keep ? 'evaluate with flip test-time augmentation' : 'no test-time augmentation', reason: `${c.why}${c.keep ? '; the sealed test evaluation averages each image with its mirror (the saved model directory serves single images)' : ''}`, numbers: { withTta: withLoss, without: plain, gain: c.gain, needed: c.needed } });
  return { keep: c.keep, validLoss: c.keep ? withLoss : plain };
}
