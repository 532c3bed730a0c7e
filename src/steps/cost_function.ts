// Step 1 — pick a cost function from the target: MSE for regression, binary
// cross-entropy for two classes, cross-entropy for more, binary cross-entropy
// per label for multilabel. The choice comes with the reason.
import { tensor, type Tensor } from '../tensor/index.js';
import { mseLoss, crossEntropy, binaryCrossEntropyWithLogits, type CostFunction } from '../nn/index.js';
import type { Task } from '../data/index.js';
import type { ClassBalance } from './class_balance.js';
import type { Sampling } from '../data/sampler.js';

export interface CostFunctionChoice {
  /** mse | binaryCrossEntropy | crossEntropy | multilabelBinaryCrossEntropy | a custom name */
  name: string;
  fn: CostFunction;
  /** How many outputs the network needs for it. */
  outputs: number;
  reason: string;
  /**
   * What measurements use (validation and test loss, the training subset): the
   * unweighted cost when `fn` carries class weights — weights change the
   * gradient, not the measure — so the loss stays comparable with the naive
   * baseline (an unweighted cross-entropy) and across settings. Absent: `fn`.
   */
  measure?: CostFunction;
  /** Classification: the measured class balance and the weights in use. */
  balance?: ClassBalance | null;
  /** How training loaders draw rows ('balanced': classes equally, see data/sampler.ts); absent: natural. */
  sampling?: Sampling;
}

/** Two classes: one logit, targets 0/1 (the loader gives class indices). */
const binary: CostFunction = (pred: Tensor, y: Tensor) => {
  const p = pred.reshape(-1);
  const t = y.to('float32');
  const l = binaryCrossEntropyWithLogits(p, t);
  p.dispose();
  t.dispose();
  return l;
};

const regression: CostFunction = (pred: Tensor, y: Tensor) => {
  const p = pred.reshape(-1);
  const l = mseLoss(p, y);
  p.dispose();
  return l;
};

const plainCrossEntropy: CostFunction = (pred: Tensor, y: Tensor) => crossEntropy(pred, y);

/** Binary cross-entropy with PyTorch's per-element weight=: each row weighted by its class's weight. */
function weightedBinary(w: readonly number[]): CostFunction {
  return (pred: Tensor, y: Tensor) => {
    const p = pred.reshape(-1);
    const t = y.to('float32');
    const rowWeight = t.mul(w[1] - w[0]).add(w[0]);
    const l = binaryCrossEntropyWithLogits(p, t, { weight: rowWeight });
    for (const x of [p, t, rowWeight]) x.dispose();
    return l;
  };
}

/** Cross-entropy with PyTorch's weight= per class (the weighted mean divides by the rows' total weight). */
function weightedCrossEntropy(w: readonly number[]): CostFunction {
  return (pred: Tensor, y: Tensor) => {
    const weight = tensor([...w]);
    const l = crossEntropy(pred, y, { weight });
    weight.dispose();
    return l;
  };
}

export interface CostFunctionOptions {
  /** Measured class balance of the training split, with the weights to use (classification). */
  balance?: ClassBalance | null;
}

export function chooseCostFunction(task: Task, classes: number, custom?: { name: string; fn: CostFunction; outputs: number }, o: CostFunctionOptions = {}): CostFunctionChoice {
  if (custom) return { ...custom, reason: `custom cost function '${custom.name}' supplied by the user` };
  const b = task === 'binary' || task === 'multiclass' ? (o.balance ?? null) : null;
  const w = b?.weights ?? null;
  const balance = b ? `; ${b.note}` : '';
  switch (task) {
    case 'regression':
      return { name: 'mse', fn: regression, outputs: 1, reason: 'the target is a number (regression): mean squared error' };
    case 'binary':
      return { name: w ? 'weightedBinaryCrossEntropy' : 'binaryCrossEntropy', fn: w ? weightedBinary(w) : binary, measure: binary, outputs: 1, reason: `the target has two classes: binary cross-entropy (on one logit)${balance}`, balance: b, sampling: b?.sampling };
    case 'multiclass':
      return { name: w ? 'weightedCrossEntropy' : 'crossEntropy', fn: w ? weightedCrossEntropy(w) : plainCrossEntropy, measure: plainCrossEntropy, outputs: classes, reason: `the target has ${classes} classes: cross-entropy${balance}`, balance: b, sampling: b?.sampling };
    case 'multilabel':
      return { name: 'multilabelBinaryCrossEntropy', fn: (p, y) => binaryCrossEntropyWithLogits(p, y), outputs: classes, reason: `each row can carry several of ${classes} labels: binary cross-entropy per label` };
  }
}
