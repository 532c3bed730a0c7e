// Fully connected layer: y = x·Wᵀ + b.
import { Tensor, empty } from '../tensor/index.js';
import { Module } from './module.js';
import { defaultLayerInit_ } from './init.js';
import * as F from './functional.js';

export interface LinearOptions {
  inFeatures: number;
  outFeatures: number;
  /** Learn an additive bias; default true. */
  bias?: boolean;
  /** Device of the parameters; default 'cpu'. */
  device?: string;
}

export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(o: LinearOptions) {
    super();
    this.inFeatures = o.inFeatures;
    this.outFeatures = o.outFeatures;
    this.weight = this.registerParameter('weight', empty([o.outFeatures, o.inFeatures], { device: o.device }));
    this.bias = o.bias === false ? null : this.registerParameter('bias', empty([o.outFeatures], { device: o.device }));
    this.resetParameters();
  }

  /** PyTorch's default initialization (see defaultLayerInit_). */
  resetParameters(): void {
    defaultLayerInit_(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }
}
