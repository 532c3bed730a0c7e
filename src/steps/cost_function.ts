// Step 1 — pick a cost function from the target: MSE for regression, binary
// cross-entropy for two classes, cross-entropy for more, binary cross-entropy
// per label for multilabel. The choice comes with the reason.
import type { Tensor } from '../tensor/index.js';
import { mseLoss, crossEntropy, binaryCrossEntropyWithLogits, type CostFunction } from '../nn/index.js';
import type { Task } from '../data/index.js';

export interface CostFunctionChoice {
  /** mse | binaryCrossEntropy | crossEntropy | multilabelBinaryCrossEntropy | a custom name */
  name: string;
  fn: CostFunction;
  /** How many outputs the network needs for it. */
  outputs: number;
  reason: string;
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

export function chooseCostFunction(task: Task, classes: number, custom?: { name: string; fn: CostFunction; outputs: number }): CostFunctionChoice {
  if (custom) return { ...custom, reason: `custom cost function '${custom.name}' supplied by the user` };
  switch (task) {
    case 'regression':
      return { name: 'mse', fn: regression, outputs: 1, reason: 'the target is a number (regression): mean squared error' };
    case 'binary':
      return { name: 'binaryCrossEntropy', fn: binary, outputs: 1, reason: 'the target has two classes: binary cross-entropy (on one logit)' };
    case 'multiclass':
      return { name: 'crossEntropy', fn: (p, y) => crossEntropy(p, y), outputs: classes, reason: `the target has ${classes} classes: cross-entropy` };
    case 'multilabel':
      return { name: 'multilabelBinaryCrossEntropy', fn: (p, y) => binaryCrossEntropyWithLogits(p, y), outputs: classes, reason: `each row can carry several of ${classes} labels: binary cross-entropy per label` };
  }
}
