// Gradient clipping by norm (or value) before every step, with the norm
// before clipping kept for monitoring exploding gradients.
import type { Callback } from '../callback.js';
import type { Learner } from '../learner.js';
import { clipGradNorm, clipGradValue } from '../../optim/index.js';

export interface GradClipOptions {
  /** Clip the joint L2 norm of all gradients to this; default 1. */
  maxNorm?: number;
  /** Instead clamp every element to ±clipValue. */
  clipValue?: number;
}

export class GradClip implements Callback {
  readonly name = 'gradClip';
  readonly order = 20;
  /** Gradient norm before clipping, per step. */
  readonly norms: number[] = [];
  constructor(readonly o: GradClipOptions = {}) {}
  beforeStep(l: Learner): void {
    const params = l.optimizer.parameters();
    if (this.o.clipValue !== undefined) clipGradValue(params, this.o.clipValue);
    else this.norms.push(clipGradNorm(params, this.o.maxNorm ?? 1));
  }
}
