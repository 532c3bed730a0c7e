// Stateless layer functions (torch.nn.functional): each is one aten call.
import { Tensor, opId } from '../tensor/index.js';
import { native, type Handle } from '../tensor/native.js';

const O = {
  linear: opId('aten::linear'), conv2d: opId('aten::conv2d'), maxPool2d: opId('aten::max_pool2d'),
  avgPool2d: opId('aten::avg_pool2d'), adaptiveAvgPool2d: opId('aten::adaptive_avg_pool2d'),
  batchNorm: opId('aten::batch_norm'), dropout: opId('aten::dropout'), embedding: opId('aten::embedding'),
  gelu: opId('aten::gelu'), leakyRelu: opId('aten::leaky_relu'), relu: opId('aten::relu'),
  pairwiseDistance: opId('aten::pairwise_distance'), oneHot: opId('aten::one_hot'),
};

const h = (t: Tensor | null | undefined): Handle | null => (t ? t._h : null);
const T = (x: unknown): Tensor => new Tensor(x as Handle);

export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return T(native.call(O.linear, x._h, weight._h, h(bias)));
}

export interface Conv2dArgs {
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  groups?: number;
}
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, a: Conv2dArgs = {}): Tensor {
  return T(native.call(O.conv2d, x._h, weight._h, h(bias), a.stride ?? 1, a.padding ?? 0, a.dilation ?? 1, a.groups ?? 1));
}

export function maxPool2d(x: Tensor, kernelSize: number | [number, number], stride?: number | [number, number], padding: number | [number, number] = 0): Tensor {
  return T(native.call(O.maxPool2d, x._h, kernelSize, stride ?? kernelSize, padding, 1, false));
}

export function avgPool2d(x: Tensor, kernelSize: number | [number, number], stride?: number | [number, number], padding: number | [number, number] = 0): Tensor {
  return T(native.call(O.avgPool2d, x._h, kernelSize, stride ?? kernelSize, padding, false, true, null));
}

export function adaptiveAvgPool2d(x: Tensor, outputSize: number | [number, number]): Tensor {
  return T(native.call(O.adaptiveAvgPool2d, x._h, outputSize));
}

export interface BatchNormArgs {
  weight?: Tensor | null;
  bias?: Tensor | null;
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  training: boolean;
  momentum: number;
  eps: number;
}
/** Batch statistics in training (updating the running ones in place), running statistics otherwise. */
export function batchNorm(x: Tensor, a: BatchNormArgs): Tensor {
  return T(native.call(O.batchNorm, x._h, h(a.weight), h(a.bias), h(a.runningMean), h(a.runningVar), a.training, a.momentum, a.eps, true));
}

export function dropout(x: Tensor, p: number, training: boolean): Tensor {
  return T(native.call(O.dropout, x._h, p, training));
}

export function embedding(indices: Tensor, weight: Tensor, paddingIdx = -1): Tensor {
  return T(native.call(O.embedding, weight._h, indices._h, paddingIdx, false, false));
}

export function relu(x: Tensor): Tensor {
  return T(native.call(O.relu, x._h));
}

export function gelu(x: Tensor): Tensor {
  return T(native.call(O.gelu, x._h));
}

export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return T(native.call(O.leakyRelu, x._h, negativeSlope));
}

/** ‖a − b + eps‖_p per row (torch.nn.functional.pairwise_distance). */
export function pairwiseDistance(a: Tensor, b: Tensor, p = 2, eps = 1e-6): Tensor {
  return T(native.call(O.pairwiseDistance, a._h, b._h, p, eps, false));
}

export function oneHot(indices: Tensor, numClasses: number): Tensor {
  return T(native.call(O.oneHot, indices._h, numClasses));
}
