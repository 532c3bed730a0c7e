// Batch normalization: per-batch statistics in training, and an exponentially
// weighted average of them (the running statistics) for evaluation — the
// seed's description, exactly as PyTorch computes it.
import { Tensor, ones, zeros, tensor, noGrad, ShapeError } from '../tensor/index.js';
import { Module } from './module.js';
import * as F from './functional.js';

export interface BatchNormOptions {
  numFeatures: number;
  /** Added to the variance; default 1e-5. */
  eps?: number;
  /** Weight of the newest batch in the running statistics; default 0.1. null: cumulative average. */
  momentum?: number | null;
  /** Learn a scale and shift; default true. */
  affine?: boolean;
  /** Keep running statistics for evaluation; default true. */
  trackRunningStats?: boolean;
  device?: string;
}

abstract class BatchNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;
  readonly eps: number;
  /** Writable: re-estimating the running statistics uses a cumulative average (null). */
  momentum: number | null;

  constructor(o: BatchNormOptions) {
    super();
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum;
    const dev = { device: o.device };
    const affine = o.affine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones([o.numFeatures], dev)) : null;
    this.bias = affine ? this.registerParameter('bias', zeros([o.numFeatures], dev)) : null;
    const track = o.trackRunningStats ?? true;
    this.runningMean = track ? this.registerBuffer('running_mean', zeros([o.numFeatures], dev)) : null;
    this.runningVar = track ? this.registerBuffer('running_var', ones([o.numFeatures], dev)) : null;
    this.numBatchesTracked = track ? this.registerBuffer('num_batches_tracked', tensor([0], { dtype: 'int64', shape: [], device: o.device })) : null;
  }

  protected abstract checkInput(x: Tensor): void;

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    let momentum = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked) {
      noGrad(() => this.numBatchesTracked!.add_(1));
      if (this.momentum === null) momentum = 1 / this.numBatchesTracked.item();
    }
    // In evaluation the running statistics are read; in training they are updated.
    return F.batchNorm(x, {
      weight: this.weight,
      bias: this.bias,
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      training: this.training || !this.runningMean,
      momentum,
      eps: this.eps,
    });
  }
}

/** Over (N, C) or (N, C, L) inputs. */
export class BatchNorm1d extends BatchNorm {
  protected checkInput(x: Tensor): void {
    const d = x.ndim;
    if (d !== 2 && d !== 3) throw new ShapeError(`BatchNorm1d expects 2-D or 3-D input, got ${d}-D`);
  }
}

/** Over (N, C, H, W) inputs. */
export class BatchNorm2d extends BatchNorm {
  protected checkInput(x: Tensor): void {
    const d = x.ndim;
    if (d !== 4) throw new ShapeError(`BatchNorm2d expects 4-D input, got ${d}-D`);
  }
}
