// A learning-rate schedule paced to a deadline, in optimizer steps. The
// schedule is built for the planned steps; the pace (seconds per step, per
// validation) is measured as training goes, and a `replan` rule may change
// the total. The schedule's remaining course is then stretched or compressed
// over the new number of steps, so the run still ends annealed — at the new
// total, which may fall inside an epoch (the training pass stops there, the
// validation pass runs, the fit ends). Past the deadline the fit ends after
// the current batch's epoch is validated.
import type { Callback } from '../callback.js';
import type { Learner } from '../learner.js';
import type { StepSchedule } from '../schedule.js';
import { CancelFit, CancelTrain } from '../cancel.js';

export interface PaceReading {
  stepsDone: number;
  plannedSteps: number;
  /** Seconds until the deadline. */
  secondsLeft: number;
  /** Measured training seconds per step. */
  secondsPerStep: number;
  /** Seconds of the last validation pass (the estimate given until one ran). */
  validationSeconds: number;
}

export interface PacedScheduleOptions {
  /** The schedule, built for `plannedSteps` steps; null: a constant rate (the pace still ends the fit). */
  schedule: StepSchedule | null;
  plannedSteps: number;
  /** ms on `clock`. */
  deadline: number;
  clock?: () => number;
  /** Validation seconds before one is measured. */
  validationSeconds: number;
  /** The new total from the measured pace (a pure rule); called every `every` steps (after the first few) and after each epoch. */
  replan?: (r: PaceReading) => { steps: number; changed: boolean; arithmetic: string };
  /** Steps between re-plans; default 20. */
  every?: number;
  /** A re-plan changed the total. */
  onReplan?: (from: number, to: number, arithmetic: string) => void;
}

export class PacedSchedule implements Callback {
  readonly name = 'pacedSchedule';
  readonly order = 60;
  /** The current total steps. */
  total: number;
  /** True when the deadline ended the fit. */
  stopped = false;
  /** Each re-plan that changed the total. */
  readonly replans: Array<{ at: number; from: number; to: number }> = [];
  private readonly clock: () => number;
  private readonly underlying: number;
  private k = 0;
  private u = 0;
  private anchor = { k: 0, u: 0 };
  private trainMs = 0;
  private trainStart: number | null = null;
  private validStart = 0;
  private validationSeconds: number;

  constructor(private readonly o: PacedScheduleOptions) {
    if (!(o.plannedSteps >= 1)) throw new RangeError(`plannedSteps must be ≥ 1, got ${o.plannedSteps}`);
    this.total = Math.round(o.plannedSteps);
    this.underlying = this.total;
    this.clock = o.clock ?? Date.now;
    this.validationSeconds = o.validationSeconds;
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.k;
  }

  beforeTrain(): void {
    this.trainStart = this.clock();
  }
  afterTrain(): void {
    if (this.trainStart !== null) this.trainMs += this.clock() - this.trainStart;
    this.trainStart = null;
  }
  beforeValidate(): void {
    this.validStart = this.clock();
  }
  afterValidate(): void {
    this.validationSeconds = (this.clock() - this.validStart) / 1000;
  }

  afterStep(l: Learner): void {
    if (!l.training) return;
    this.k++;
    // Where the schedule should be: its remaining course spread over the steps left since the last re-plan.
    const span = Math.max(1, this.total - this.anchor.k);
    const target = Math.min(this.underlying, Math.floor(this.anchor.u + ((this.k - this.anchor.k) * (this.underlying - this.anchor.u)) / span + 1e-9));
    while (this.u < target) {
      this.o.schedule?.step();
      this.u++;
    }
    const every = this.o.every ?? 20;
    if (this.k >= 5 && this.k % every === 0) this.replan();
  }

  afterBatch(l: Learner): void {
    if (!l.training) return;
    if (this.clock() >= this.o.deadline) this.stopped = true;
    if (this.k >= this.total || this.stopped) throw new CancelTrain();
  }

  afterEpoch(l: Learner): void {
    if (this.k < this.total && !this.stopped) this.replan();
    const more = l.epoch + 1 < l.startEpoch + l.nEpochs;
    if (more && (this.k >= this.total || this.stopped)) throw new CancelFit();
  }

  /** The measured pace, as the replan rule reads it. */
  reading(): PaceReading {
    const running = this.trainStart === null ? 0 : Math.max(0, this.clock() - this.trainStart);
    const ms = this.trainMs + running;
    return { stepsDone: this.k, plannedSteps: this.total, secondsLeft: (this.o.deadline - this.clock()) / 1000, secondsPerStep: this.k ? ms / 1000 / this.k : 0, validationSeconds: this.validationSeconds };
  }

  private replan(): void {
    if (!this.o.replan || this.k === 0) return;
    const r = this.reading();
    if (!(r.secondsPerStep > 0)) return;
    const next = this.o.replan(r);
    // Never below the steps taken: a total reached ends the training after this batch.
    const to = Math.max(this.k, Math.round(next.steps));
    if (!next.changed || to === this.total) return;
    this.o.onReplan?.(this.total, to, next.arithmetic);
    this.replans.push({ at: this.k, from: this.total, to });
    this.anchor = { k: this.k, u: this.u };
    this.total = to;
  }
}
