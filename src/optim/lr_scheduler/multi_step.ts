// Decay at chosen steps: each milestone passed multiplies the rates by gamma.
import { ArgumentError } from '../../tensor/index.js';
import type { Optimizer } from '../optimizer.js';
import { LrScheduler } from './scheduler.js';

export interface MultiStepLROptions {
  /** Steps (batches) at which to decay; a milestone listed twice decays twice, as in PyTorch. */
  milestones: number[];
  /** Factor at each milestone; default 0.1. */
  gamma?: number;
}

export class MultiStepLR extends LrScheduler {
  readonly kind = 'multi_step';
  readonly milestones: readonly number[];
  readonly gamma: number;

  constructor(optimizer: Optimizer, o: MultiStepLROptions) {
    super(optimizer);
    if (o.milestones.some((m) => !Number.isInteger(m) || m < 0)) throw new ArgumentError(`milestones must be integers ≥ 0, got ${o.milestones}`);
    const gamma = o.gamma ?? 0.1;
    if (!(gamma > 0)) throw new ArgumentError(`gamma must be > 0, got ${gamma}`);
    this.milestones = [...o.milestones].sort((a, b) => a - b);
    this.gamma = gamma;
    this.begin();
  }

  // Closed form (PyTorch's _get_closed_form_lr), for the reason given in exponential.ts.
  protected computeLrs(): number[] {
    let passed = 0;
    while (passed < this.milestones.length && this.milestones[passed] <= this.stepCount) passed++;
    const factor = this.gamma ** passed;
    return this.baseLrs.map((base) => base * factor);
  }

  protected options(): Record<string, unknown> {
    return { milestones: [...this.milestones], gamma: this.gamma };
  }
}
