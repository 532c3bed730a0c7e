// The recorder: per optimizer step the loss and every parameter group's
// learning rate; per epoch the training and validation loss and metrics.
import type { Callback } from './callback.js';
import type { Learner, EpochResult } from './learner.js';

export interface StepRecord {
  step: number;
  epoch: number;
  loss: number;
  /** Learning rate of each parameter group when the step was taken. */
  lrs: number[];
  /** Joint gradient norm before clipping, when measured (GradWatch); else null. */
  gradNorm?: number | null;
}

export class Recorder implements Callback {
  readonly name = 'recorder';
  readonly order = 50;
  readonly steps: StepRecord[] = [];
  readonly epochs: EpochResult[] = [];
  /** Called for every record, e.g. to stream rows to the experiment store. */
  constructor(private readonly sink?: { step?(r: StepRecord): void; epoch?(r: EpochResult): void }) {}

  afterStep(l: Learner): void {
    const r: StepRecord = { step: l.step, epoch: l.epoch, loss: l.lossValue, lrs: l.optimizer.lrs, gradNorm: l.gradNorm };
    this.steps.push(r);
    this.sink?.step?.(r);
  }

  afterEpoch(l: Learner): void {
    if (!l.lastEpoch) return;
    this.epochs.push(l.lastEpoch);
    this.sink?.epoch?.(l.lastEpoch);
  }

  toJSON(): { steps: StepRecord[]; epochs: EpochResult[] } {
    return { steps: this.steps, epochs: this.epochs };
  }

  /** Restores history saved in a checkpoint. */
  load(saved: { steps: StepRecord[]; epochs: EpochResult[] }): void {
    this.steps.splice(0, this.steps.length, ...saved.steps);
    this.epochs.splice(0, this.epochs.length, ...saved.epochs);
  }
}
