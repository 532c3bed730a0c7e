// Exponential decay: every step multiplies each group's rate by gamma.
import { ArgumentError } from '../../tensor/index.js';
import type { Optimizer } from '../optimizer.js';
import { LrScheduler } from './scheduler.js';

export interface ExponentialLROptions {
  /** Factor per step (batch); e.g. 0.999. */
  gamma: number;
}

export class ExponentialLR extends LrScheduler {
  readonly kind = 'exponential';
  readonly gamma: number;

  constructor(optimizer: Optimizer, o: ExponentialLROptions) {
    super(optimizer);
    if (!(o.gamma > 0)) throw new ArgumentError(`gamma must be > 0, got ${o.gamma}`);
    this.gamma = o.gamma;
    this.begin();
  }

  // PyTorch multiplies the optimizer's rate by gamma each step; the closed form
  // (its _get_closed_form_lr) agrees to rounding and cannot drift or be thrown
  // off by someone else writing the rate.
  protected computeLrs(): number[] {
    const factor = this.gamma ** this.stepCount;
    return this.baseLrs.map((base) => base * factor);
  }

  protected options(): Record<string, unknown> {
    return { gamma: this.gamma };
  }
}
