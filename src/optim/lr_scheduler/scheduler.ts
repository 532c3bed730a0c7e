// The shared shape of every learning-rate schedule.
//
// Conventions (the same as PyTorch's, so its recipes carry over unchanged):
// - Schedules count batches, not epochs: call `step()` once per batch, right
//   after `optimizer.step()`. Calling it before would skip the schedule's
//   first value.
// - Constructing a scheduler writes the rate for step 0 into the optimizer,
//   so the first batch already trains at the scheduled rate.
// - A schedule is a function of its position (plus, for warm restarts, the
//   current cycle), so `stateDict()` is a few numbers of plain JSON and
//   `loadStateDict()` resumes exactly where the saved run was.
import { isDeepStrictEqual } from 'node:util';
import { ArgumentError } from '../../tensor/index.js';
import type { Optimizer } from '../optimizer.js';

/** Everything needed to resume a schedule; plain JSON. */
export interface LrSchedulerState {
  kind: string;
  /** How many times `step()` has been called (PyTorch's `last_epoch`). */
  stepCount: number;
  /** The per-group rates the schedule scales (PyTorch's `base_lrs`). */
  baseLrs: number[];
  /** The scheduler's resolved options; loading into a differently configured scheduler is refused. */
  options: Record<string, unknown>;
  /** Counters some schedules advance step by step (warm restarts: tCur, tI). */
  counters?: Record<string, number>;
}

export abstract class LrScheduler {
  abstract readonly kind: string;
  readonly optimizer: Optimizer;
  private _baseLrs: number[];
  private _stepCount = 0;
  private _lastLrs: number[] = [];

  /** `baseLrs` defaults to the optimizer's current rates, one per group. */
  protected constructor(optimizer: Optimizer, baseLrs?: number[]) {
    this.optimizer = optimizer;
    this._baseLrs = baseLrs ?? optimizer.lrs;
    if (this._baseLrs.length !== optimizer.groups.length) {
      throw new ArgumentError(`expected ${optimizer.groups.length} base learning rates, got ${this._baseLrs.length}`);
    }
  }

  /** Rates for the current position, one per group. */
  protected abstract computeLrs(): number[];

  /** The resolved options, as stateDict() records them. */
  protected abstract options(): Record<string, unknown>;

  /** Moves step-by-step counters one step on; called before the new rates are computed. */
  protected advance(): void {}

  protected counters(): Record<string, number> | undefined {
    return undefined;
  }

  protected restoreCounters(_counters: Record<string, number> | undefined): void {}

  /** Writes the current position's rates into the optimizer. Subclasses that schedule more (momentum) extend it. */
  protected apply(): void {
    const lrs = this.computeLrs();
    this.optimizer.setLrs(lrs);
    this._lastLrs = lrs;
  }

  /**
   * Subclasses call this at the end of their constructor: the rates for step 0
   * depend on fields that do not exist yet while the base constructor runs.
   */
  protected begin(): void {
    this._stepCount = 0;
    this.apply();
  }

  /** Moves the schedule one batch on; call after `optimizer.step()`. */
  step(): void {
    this._stepCount += 1;
    this.advance();
    this.apply();
  }

  /** How many times `step()` has been called since construction. */
  get stepCount(): number {
    return this._stepCount;
  }

  get baseLrs(): number[] {
    return [...this._baseLrs];
  }

  /** The rates the schedule last wrote, one per group. */
  get lastLrs(): number[] {
    return [...this._lastLrs];
  }

  /** PyTorch's name for `lastLrs`. */
  getLastLr(): number[] {
    return this.lastLrs;
  }

  stateDict(): LrSchedulerState {
    const state: LrSchedulerState = { kind: this.kind, stepCount: this._stepCount, baseLrs: [...this._baseLrs], options: this.options() };
    const counters = this.counters();
    if (counters) state.counters = { ...counters };
    return state;
  }

  /**
   * Resumes from a stateDict() of a scheduler built with the same options, and
   * writes that position's rates into the optimizer, so it does not matter
   * whether the optimizer's own state was loaded before or after.
   */
  loadStateDict(state: LrSchedulerState): void {
    if (state.kind !== this.kind) throw new ArgumentError(`scheduler state is for ${state.kind}, this scheduler is ${this.kind}`);
    if (state.baseLrs.length !== this.optimizer.groups.length) {
      throw new ArgumentError(`scheduler state has ${state.baseLrs.length} groups, the optimizer has ${this.optimizer.groups.length}`);
    }
    if (!Number.isInteger(state.stepCount) || state.stepCount < 0) throw new ArgumentError(`invalid scheduler stepCount ${state.stepCount}`);
    if (!isDeepStrictEqual(state.options, this.options())) {
      throw new ArgumentError(`scheduler state was saved with options ${JSON.stringify(state.options)}, this ${this.kind} has ${JSON.stringify(this.options())}`);
    }
    this.restoreCounters(state.counters);
    this._baseLrs = [...state.baseLrs];
    this._stepCount = state.stepCount;
    this.apply();
  }
}

/** Schedules count batches: the number of steps in `epochs` epochs (rounded, at least 1). */
export function epochsToSteps(epochs: number, batchesPerEpoch: number): number {
  if (!(epochs > 0) || !Number.isInteger(batchesPerEpoch) || batchesPerEpoch <= 0) {
    throw new ArgumentError(`epochsToSteps needs epochs > 0 and a positive integer batchesPerEpoch, got ${epochs} and ${batchesPerEpoch}`);
  }
  return Math.max(1, Math.round(epochs * batchesPerEpoch));
}

/** A per-group hyperparameter given as one number for all groups or one per group. */
export function perGroup(name: string, value: number | number[], nGroups: number): number[] {
  if (typeof value === 'number') return new Array<number>(nGroups).fill(value);
  if (value.length !== nGroups) throw new ArgumentError(`expected ${nGroups} values for ${name}, got ${value.length}`);
  return [...value];
}

export function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new ArgumentError(`${name} must be a positive integer, got ${value}`);
}
