// Dropout: zeroes activations with probability p in training (scaling the
// rest by 1/(1−p)); the identity in evaluation.
import { Tensor, ArgumentError } from '../tensor/index.js';
import { Module } from './module.js';
import * as F from './functional.js';

export interface DropoutOptions {
  /** Probability of zeroing an activation; default 0.5. */
  p?: number;
}

export class Dropout extends Module {
  p: number;
  constructor(o: DropoutOptions = {}) {
    super();
    this.p = o.p ?? 0.5;
    if (!(this.p >= 0 && this.p <= 1)) throw new ArgumentError(`dropout probability must lie in [0, 1], got ${this.p}`);
  }
  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }
}
