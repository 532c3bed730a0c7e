// Activation layers.
import type { Tensor } from '../tensor/index.js';
import { Module } from './module.js';
import * as F from './functional.js';

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}
export class GELU extends Module {
  forward(x: Tensor): Tensor {
    return F.gelu(x);
  }
}
export class LeakyReLU extends Module {
  constructor(readonly o: { negativeSlope?: number } = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.leakyRelu(x, this.o.negativeSlope ?? 0.01);
  }
}
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
