// Cosine annealing with warm restarts whose cycles are sized to the run:
// SGDR's cycles (T₀, T₀·T_mult, T₀·T_mult², …) as far as they fit, the last
// one stretched to end exactly with the last step. PyTorch's
// CosineAnnealingWarmRestarts ends its cycles at fixed steps whatever the run
// length, so a run usually stops mid-cycle near the peak rate; here every run
// ends annealed (at etaMin).
import { ArgumentError } from '../../tensor/index.js';
import type { Optimizer } from '../optimizer.js';
import { LrScheduler, perGroup, checkPositiveInteger } from './scheduler.js';

export interface CosineCyclesOptions {
  /** Cycle lengths in steps (batches); their sum is the run's length. */
  cycles: number[];
  /** The rate at the bottom of each cycle: one for all groups or one per group; default 0. */
  etaMin?: number | number[];
}

/**
 * Cycle lengths (in units of `t0`'s unit) for a run of `total`: t0, t0·tMult, …
 * while they fit, the remainder added to the last cycle (a run shorter than t0
 * is one cycle). Sums to `total` exactly.
 */
export function cyclesForRun(total: number, t0: number, tMult: number): number[] {
  if (!Number.isInteger(total) || total < 1) throw new ArgumentError(`total must be an integer ≥ 1, got ${total}`);
  if (!Number.isInteger(t0) || t0 < 1) throw new ArgumentError(`t0 must be an integer ≥ 1, got ${t0}`);
  if (!Number.isInteger(tMult) || tMult < 1) throw new ArgumentError(`tMult must be an integer ≥ 1, got ${tMult}`);
  const cycles: number[] = [];
  let left = total;
  let next = t0;
  while (left >= next) {
    cycles.push(next);
    left -= next;
    next *= tMult;
  }
  if (left > 0) {
    if (cycles.length) cycles[cycles.length - 1] += left;
    else cycles.push(left);
  }
  return cycles;
}

export class CosineCycles extends LrScheduler {
  readonly kind = 'cosine_cycles';
  readonly cycles: readonly number[];
  readonly etaMin: readonly number[];

  constructor(optimizer: Optimizer, o: CosineCyclesOptions) {
    super(optimizer);
    if (!o.cycles.length) throw new ArgumentError('cycles must not be empty');
    o.cycles.forEach((c, i) => checkPositiveInteger(`cycles[${i}]`, c));
    const etaMin = perGroup('etaMin', o.etaMin ?? 0, optimizer.groups.length);
    if (etaMin.some((e) => !(e >= 0))) throw new ArgumentError(`etaMin must be ≥ 0, got ${etaMin}`);
    this.cycles = [...o.cycles];
    this.etaMin = etaMin;
    this.begin();
  }

  /** Total steps of the run. */
  get totalSteps(): number {
    return this.cycles.reduce((a, b) => a + b, 0);
  }

  /** The step within the current cycle and that cycle's length (the last cycle holds past its end). */
  get cycle(): { tCur: number; tI: number } {
    let t = this.stepCount;
    for (const c of this.cycles) {
      if (t < c) return { tCur: t, tI: c };
      t -= c;
    }
    const last = this.cycles[this.cycles.length - 1];
    return { tCur: last, tI: last };
  }

  protected computeLrs(): number[] {
    const { tCur, tI } = this.cycle;
    return this.baseLrs.map((base, g) => this.etaMin[g] + (base - this.etaMin[g]) * (1 + Math.cos((Math.PI * tCur) / tI)) / 2);
  }

  protected options(): Record<string, unknown> {
    return { cycles: [...this.cycles], etaMin: [...this.etaMin] };
  }
}
