// A time budget for a fit: stops after the epoch in which the deadline
// passes, or before an epoch that would clearly run past it.
import type { Callback } from '../callback.js';
import type { Learner } from '../learner.js';
import { CancelFit } from '../cancel.js';

export class Deadline implements Callback {
  readonly name = 'deadline';
  readonly order = 95;
  stopped = false;
  private epochStart = 0;
  private longest = 0;
  /** `at`: epoch milliseconds. */
  constructor(readonly at: number) {}
  beforeEpoch(): void {
    this.epochStart = Date.now();
  }
  afterEpoch(l: Learner): void {
    const now = Date.now();
    this.longest = Math.max(this.longest, now - this.epochStart);
    if (l.epoch + 1 >= l.startEpoch + l.nEpochs) return;
    if (now + this.longest * 0.9 > this.at) {
      this.stopped = true;
      throw new CancelFit();
    }
  }
}
