// Staircase decay: every stepSize steps, multiply each group's rate by gamma.
import { ArgumentError } from '../../tensor/index.js';
import type { Optimizer } from '../optimizer.js';
import { LrScheduler, checkPositiveInteger } from './scheduler.js';

export interface StepLROptions {
  /** Steps (batches) between decays. */
  stepSize: number;
  /** Factor at each decay; default 0.1. */
  gamma?: number;
}

export class StepLR extends LrScheduler {
  readonly kind = 'step';
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer, o: StepLROptions) {
    super(optimizer);
    checkPositiveInteger('stepSize', o.stepSize);
    const gamma = o.gamma ?? 0.1;
    if (!(gamma > 0)) throw new ArgumentError(`gamma must be > 0, got ${gamma}`);
    this.stepSize = o.stepSize;
    this.gamma = gamma;
    this.begin();
  }

  // Closed form (PyTorch's _get_closed_form_lr), for the reason given in exponential.ts.
  protected computeLrs(): number[] {
    const factor = this.gamma ** Math.floor(this.stepCount / this.stepSize);
    return this.baseLrs.map((base) => base * factor);
  }

  protected options(): Record<string, unknown> {
    return { stepSize: this.stepSize, gamma: this.gamma };
  }
}
