// Pooling layers and Flatten.
import type { Tensor } from '../tensor/index.js';
import { Module } from './module.js';
import * as F from './functional.js';

type Size = number | [number, number];

export interface Pool2dOptions {
  kernelSize: Size;
  /** Default: the kernel size. */
  stride?: Size;
  /** Default 0. */
  padding?: Size;
}

export class MaxPool2d extends Module {
  constructor(readonly o: Pool2dOptions) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.maxPool2d(x, this.o.kernelSize, this.o.stride, this.o.padding ?? 0);
  }
}

export class AvgPool2d extends Module {
  constructor(readonly o: Pool2dOptions) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.avgPool2d(x, this.o.kernelSize, this.o.stride, this.o.padding ?? 0);
  }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly o: { outputSize: Size }) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.adaptiveAvgPool2d(x, this.o.outputSize);
  }
}

export class Flatten extends Module {
  constructor(readonly o: { startDim?: number; endDim?: number } = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.o.startDim ?? 1, this.o.endDim ?? -1);
  }
}
