// An exponential moving average of the weights (Polyak averaging, as timm's
// ModelEmaV2): after every optimizer step, avg ← decay·avg + (1 − decay)·w for
// every floating parameter and buffer — batch norm's running statistics are
// averaged with the weights they belong to — and integer buffers (the batch
// counter) are copied. The average often generalizes better than the last
// weights for the same compute; whether it does is measured on validation by
// the caller (load it into a copy of the model with loadInto()).
import { keep, noGrad, tidy, dispose, type Tensor } from '../../tensor/index.js';
import type { Module } from '../../nn/index.js';
import type { Callback } from '../callback.js';
import type { Learner } from '../learner.js';

export interface EmaOptions {
  /** Weight of the old average per step, in (0, 1); e.g. 0.999 averages over about 1,000 steps. Required: size it to the run (emaDecayFor). */
  decay: number;
}

/** A decay whose averaging window (1 / (1 − decay)) is `windowShare` of the run's optimizer steps, clamped to [0.9, 0.9999]. */
export function emaDecayFor(totalSteps: number, windowShare = 0.1): number {
  const window = Math.max(10, totalSteps * windowShare);
  return Math.min(0.9999, Math.max(0.9, 1 - 1 / window));
}

const floating = (t: Tensor) => t.dtype === 'float32' || t.dtype === 'float64' || t.dtype === 'float16' || t.dtype === 'bfloat16';

export class ExponentialMovingAverage implements Callback {
  readonly name = 'ema';
  /** After the optimizer step, before the recorder (50) and KeepBest (85). */
  readonly order = 40;
  readonly decay: number;
  /** Optimizer steps averaged so far. */
  updates = 0;
  private avg: Record<string, Tensor> | null = null;

  constructor(o: EmaOptions) {
    if (!(o.decay > 0 && o.decay < 1)) throw new RangeError(`ema decay must lie in (0, 1), got ${o.decay}`);
    this.decay = o.decay;
  }

  /** Starts the average at the model's current weights (the first fit does it itself). */
  start(model: Module<any, any>): void {
    this.dispose();
    this.avg = noGrad(() => tidy(() => Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, keep(t.detach().clone())]))));
  }

  beforeFit(l: Learner): void {
    if (!this.avg) this.start(l.model);
  }

  afterStep(l: Learner): void {
    if (l.skipStep) return;
    this.update(l.model);
  }

  /** One averaging step against the model's current weights. */
  update(model: Module<any, any>): void {
    if (!this.avg) this.start(model);
    const avg = this.avg!;
    const d = this.decay;
    noGrad(() =>
      tidy(() => {
        for (const [k, w] of Object.entries(model.stateDict())) {
          const a = avg[k];
          if (floating(a)) a.mul_(d).add_(w.detach(), 1 - d);
          else a.copy_(w);
        }
      }),
    );
    this.updates++;
  }

  /** The averaged state (owned by this callback: read, do not dispose). */
  get averaged(): Record<string, Tensor> | null {
    return this.avg;
  }

  /** Copies the average into a model of the same architecture. */
  loadInto(model: Module<any, any>): void {
    if (!this.avg) throw new Error('no average yet: the EMA has seen no optimizer step');
    model.loadStateDict(this.avg);
  }

  dispose(): void {
    if (this.avg) dispose(this.avg);
    this.avg = null;
  }
}
