// SGDR (Loshchilov & Hutter 2017): cosine annealing from each group's rate
// down to etaMin, restarting at the top every cycle, with cycles tMult times
// longer each time. Stepped per batch, it is PyTorch's
// CosineAnnealingWarmRestarts stepped without an epoch argument.
import { ArgumentError } from '../../tensor/index.js';
import type { Optimizer } from '../optimizer.js';
import { LrScheduler, perGroup, checkPositiveInteger } from './scheduler.js';

export interface CosineAnnealingWarmRestartsOptions {
  /** Length of the first cycle in steps (batches); epochsToSteps(epochs, batchesPerEpoch) converts from epochs. */
  t0: number;
  /** Each cycle is tMult times longer than the one before; an integer ≥ 1, default 1. */
  tMult?: number;
  /** The rate at the bottom of each cycle: one for all groups or one per group; default 0. */
  etaMin?: number | number[];
}

export class CosineAnnealingWarmRestarts extends LrScheduler {
  readonly kind = 'cosine_warm_restarts';
  readonly t0: number;
  readonly tMult: number;
  readonly etaMin: readonly number[];
  /** Steps taken in the current cycle (PyTorch's T_cur). */
  private tCur = 0;
  /** Length of the current cycle (PyTorch's T_i). */
  private tI: number;

  /** Each group anneals from its own current rate, so differential rates keep their ratios at the top of every cycle. */
  constructor(optimizer: Optimizer, o: CosineAnnealingWarmRestartsOptions) {
    super(optimizer);
    checkPositiveInteger('t0', o.t0);
    const tMult = o.tMult ?? 1;
    // Integer cycle lengths keep every restart on a batch boundary (PyTorch insists too).
    if (!Number.isInteger(tMult) || tMult < 1) throw new ArgumentError(`tMult must be an integer ≥ 1, got ${tMult}`);
    const etaMin = perGroup('etaMin', o.etaMin ?? 0, optimizer.groups.length);
    if (etaMin.some((e) => !(e >= 0))) throw new ArgumentError(`etaMin must be ≥ 0, got ${etaMin}`);
    this.t0 = o.t0;
    this.tMult = tMult;
    this.etaMin = etaMin;
    this.tI = o.t0;
    this.begin();
  }

  /** The step within the current cycle and that cycle's length. */
  get cycle(): { tCur: number; tI: number } {
    return { tCur: this.tCur, tI: this.tI };
  }

  protected override advance(): void {
    this.tCur += 1;
    if (this.tCur >= this.tI) {
      this.tCur -= this.tI;
      this.tI *= this.tMult;
    }
  }

  protected computeLrs(): number[] {
    // The same expression, in the same order, as PyTorch: results agree to the last bit but for cos's own rounding.
    return this.baseLrs.map((base, g) => this.etaMin[g] + (base - this.etaMin[g]) * (1 + Math.cos((Math.PI * this.tCur) / this.tI)) / 2);
  }

  protected options(): Record<string, unknown> {
    return { t0: this.t0, tMult: this.tMult, etaMin: [...this.etaMin] };
  }

  protected override counters(): Record<string, number> {
    return { tCur: this.tCur, tI: this.tI };
  }

  protected override restoreCounters(c: Record<string, number> | undefined): void {
    const tCur = c?.tCur;
    const tI = c?.tI;
    if (tCur === undefined || tI === undefined || !Number.isInteger(tCur) || !Number.isInteger(tI) || tCur < 0 || tI < 1 || tCur >= tI) {
      throw new ArgumentError(`warm-restart state needs integer counters 0 ≤ tCur < tI, got ${JSON.stringify(c)}`);
    }
    this.tCur = tCur;
    this.tI = tI;
  }
}
