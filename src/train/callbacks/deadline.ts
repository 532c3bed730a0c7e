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
  /**
   * `at`: epoch milliseconds. `clock`: default Date.now; data-parallel ranks
   * pass one agreed clock so they all stop after the same epoch.
   */
  constructor(readonly at: number, private readonly clock: () => number = Date.now) {}
  beforeEpoch(): void {
    this.epochStart = this.clock();
  }
  afterEpoch(l: Learner): void {
    const now = this.clock();
    this.longest = Math.max(this.longest, now - this.epochStart);
    if (l.epoch + 1 >= l.startEpoch + l.nEpochs) return;
    if (now + this.longest * 0.9 > this.at) {
      this.stopped = true;
      throw new CancelFit();
    }
  }
}
