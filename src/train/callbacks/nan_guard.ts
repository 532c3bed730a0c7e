// The NaN/Inf guard: on a non-finite loss or gradient, skip the step, roll
// back to the last good state, try the gentler first remedy when one is given
// (gradient clipping, GradWatch.turnOn), else halve the learning rate (as
// AMP's grad scaler backs off), and stop with a clear message after
// `maxRollbacks` rollbacks.
import { keep, noGrad, dispose, type Tensor } from '../../tensor/index.js';
import { gradsFinite, type OptimizerState } from '../../optim/index.js';
import type { Callback } from '../callback.js';
import type { Learner } from '../learner.js';

/** Training diverged beyond what rollbacks could fix. */
export class DivergenceError extends Error {
  override name = 'DivergenceError';
}

export interface NanGuardOptions {
  /** Rollbacks before giving up; default 3. */
  maxRollbacks?: number;
  /** Learning-rate factor after each rollback; default 0.5. */
  backoff?: number;
  /** Called on every event (for the decision log). */
  onEvent?: (e: { kind: 'rollback' | 'stop'; step: number; epoch: number; lrs: number[]; reason: string; remedy: string }) => void;
  /** Tried at a rollback before halving the rate; returns what it did, or null when it has nothing (left) to try. */
  firstRemedy?: (l: Learner, reason: string) => string | null;
}

export class NanGuard implements Callback {
  readonly name = 'nanGuard';
  readonly order = 10;
  rollbacks = 0;
  readonly events: Array<{ step: number; epoch: number; reason: string }> = [];
  private weights: Record<string, Tensor> | null = null;
  private optState: OptimizerState | null = null;
  private lrScale = 1;
  /** The rates as the guard last left them; anything else means a schedule set new ones. */
  private applied: number[] | null = null;

  constructor(readonly o: NanGuardOptions = {}) {}

  beforeFit(l: Learner): void {
    this.snapshot(l);
  }

  /** The state at the end of every finite epoch is the "last good checkpoint". */
  afterEpoch(l: Learner): void {
    if (l.lastEpoch && Number.isFinite(l.lastEpoch.trainLoss)) this.snapshot(l);
  }

  beforeStep(l: Learner): void {
    const finiteLoss = Number.isFinite(l.lossValue);
    if (finiteLoss && gradsFinite(l.optimizer.parameters())) {
      const lrs = l.optimizer.lrs;
      if (this.lrScale !== 1 && (!this.applied || lrs.some((lr, i) => lr !== this.applied![i]))) {
        // A schedule set fresh rates: keep the back-off applied on top of them.
        l.optimizer.setLrs(lrs.map((lr) => lr * this.lrScale));
        this.applied = l.optimizer.lrs;
      }
      return;
    }
    l.skipStep = true;
    const reason = finiteLoss ? 'a non-finite gradient' : `a non-finite loss (${l.lossValue})`;
    this.rollbacks++;
    this.events.push({ step: l.step, epoch: l.epoch, reason });
    if (this.rollbacks > (this.o.maxRollbacks ?? 3)) {
      this.o.onEvent?.({ kind: 'stop', step: l.step, epoch: l.epoch, lrs: l.optimizer.lrs, reason, remedy: 'stop' });
      throw new DivergenceError(
        `training diverged: ${reason} at step ${l.step} (epoch ${l.epoch + 1}) after ${this.rollbacks - 1} rollbacks with the learning rate halved each time. ` +
          'Lower the learning rate, clip gradients (--clip 1), check the inputs for NaN/Inf, or check the cost function.',
      );
    }
    this.restore(l);
    const remedy = this.o.firstRemedy?.(l, reason) ?? null;
    if (remedy === null) {
      this.lrScale *= this.o.backoff ?? 0.5;
      l.optimizer.setLrs(l.optimizer.lrs.map((lr) => lr * (this.o.backoff ?? 0.5)));
    }
    this.applied = l.optimizer.lrs;
    this.o.onEvent?.({ kind: 'rollback', step: l.step, epoch: l.epoch, lrs: l.optimizer.lrs, reason, remedy: remedy ?? `halve the learning rate (×${this.o.backoff ?? 0.5})` });
  }

  afterFit(): void {
    this.release();
  }

  private snapshot(l: Learner): void {
    this.release();
    this.weights = noGrad(() => Object.fromEntries(Object.entries(l.model.stateDict()).map(([k, v]) => [k, keep(v.clone())])));
    this.optState = l.optimizer.stateDict();
    for (const t of Object.values(this.optState.tensors)) keep(t);
  }

  private restore(l: Learner): void {
    if (this.weights) l.model.loadStateDict(this.weights);
    if (this.optState) {
      const lrs = l.optimizer.lrs;
      l.optimizer.loadStateDict(this.optState);
      l.optimizer.setLrs(lrs);
    }
    l.optimizer.zeroGrad();
  }

  private release(): void {
    if (this.weights) dispose(this.weights);
    if (this.optState) dispose(this.optState.tensors);
    this.weights = null;
    this.optState = null;
  }
}
