// Cost functions (step 1 of the seed): each a typed function over tensors.
// A custom loss is any function with the same shape: (output, target) => scalar tensor.
import { Tensor, opId, ArgumentError } from '../tensor/index.js';
import { native, type Handle } from '../tensor/native.js';
import { pairwiseDistance } from './functional.js';

export type Reduction = 'none' | 'mean' | 'sum';
const reductionCode: Record<Reduction, number> = { none: 0, mean: 1, sum: 2 };

/** A cost function: predictions and targets in, a scalar tensor out. */
export type CostFunction = (output: Tensor, target: Tensor) => Tensor;

const O = {
  mse: opId('aten::mse_loss'), ce: opId('aten::cross_entropy_loss'), bce: opId('aten::binary_cross_entropy_with_logits'),
  triplet: opId('aten::triplet_margin_loss'), l1: opId('aten::l1_loss'),
};

function code(r: Reduction | undefined): number {
  const c = reductionCode[r ?? 'mean'];
  if (c === undefined) throw new ArgumentError(`reduction must be 'none', 'mean' or 'sum', got ${String(r)}`);
  return c;
}

/** Mean squared error: regression's cost function. */
export function mseLoss(output: Tensor, target: Tensor, o: { reduction?: Reduction } = {}): Tensor {
  return new Tensor(native.call(O.mse, output._h, target._h, code(o.reduction)) as Handle);
}

/** Mean absolute error. */
export function l1Loss(output: Tensor, target: Tensor, o: { reduction?: Reduction } = {}): Tensor {
  return new Tensor(native.call(O.l1, output._h, target._h, code(o.reduction)) as Handle);
}

export interface CrossEntropyOptions {
  /** Per-class weights. */
  weight?: Tensor;
  /** Targets with this class index are ignored; default −100. */
  ignoreIndex?: number;
  /** Mixes the one-hot target with the uniform distribution; default 0. */
  labelSmoothing?: number;
  reduction?: Reduction;
}

/** Cross-entropy over logits (N, C) and class indices (N): the cost for more than two classes. */
export function crossEntropy(logits: Tensor, target: Tensor, o: CrossEntropyOptions = {}): Tensor {
  return new Tensor(
    native.call(O.ce, logits._h, target._h, o.weight ? o.weight._h : null, code(o.reduction), o.ignoreIndex ?? -100, o.labelSmoothing ?? 0) as Handle,
  );
}

export interface BceOptions {
  weight?: Tensor;
  /** Weight of positive examples, per label (for imbalanced classes). */
  posWeight?: Tensor;
  reduction?: Reduction;
}

/** Binary cross-entropy on logits (numerically stable): the cost for two classes, and per label for multilabel. */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, o: BceOptions = {}): Tensor {
  return new Tensor(native.call(O.bce, logits._h, target._h, o.weight ? o.weight._h : null, o.posWeight ? o.posWeight._h : null, code(o.reduction)) as Handle);
}

export interface TripletOptions {
  /** Default 1. */
  margin?: number;
  /** Norm of the distance; default 2. */
  p?: number;
  /** Default 1e-6. */
  eps?: number;
  /** Use the harder of the two negative distances; default false. */
  swap?: boolean;
  reduction?: Reduction;
}

/** max(d(a, p) − d(a, n) + margin, 0): pulls an anchor toward its positive and away from its negative (one-shot learning). */
export function tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, o: TripletOptions = {}): Tensor {
  return new Tensor(
    native.call(O.triplet, anchor._h, positive._h, negative._h, o.margin ?? 1, o.p ?? 2, o.eps ?? 1e-6, o.swap ?? false, code(o.reduction)) as Handle,
  );
}

/**
 * Contrastive loss (Hadsell, Chopra, LeCun 2006) for siamese pairs:
 * ½·mean(y·d² + (1 − y)·max(margin − d, 0)²), with y = 1 for similar pairs.
 */
export function contrastiveLoss(a: Tensor, b: Tensor, similar: Tensor, o: { margin?: number } = {}): Tensor {
  const d = pairwiseDistance(a, b);
  const pos = d.pow(2);
  const hinge = d.neg().add(o.margin ?? 1).clamp(0);
  const neg = hinge.pow(2);
  const dissimilar = similar.neg().add(1);
  const t1 = similar.mul(pos);
  const t2 = dissimilar.mul(neg);
  const sum = t1.add(t2);
  const mean = sum.mean();
  const out = mean.div(2);
  for (const t of [d, pos, hinge, neg, dissimilar, t1, t2, sum, mean]) t.dispose();
  return out;
}
