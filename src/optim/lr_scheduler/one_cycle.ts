// The 1cycle policy (Smith 2018; Smith & Topin 2019): warm the rate up from
// maxLr/divFactor to maxLr while momentum falls, then anneal it to far below
// the start while momentum rises again. PyTorch's OneCycleLR, step for step.
import { ArgumentError } from '../../tensor/index.js';
import type { Optimizer } from '../optimizer.js';
import { LrScheduler, perGroup, checkPositiveInteger } from './scheduler.js';

export type AnnealStrategy = 'cos' | 'linear';

export interface OneCycleLROptions {
  /** Peak rate: one for all groups or one per group (differential rates). */
  maxLr: number | number[];
  /** Steps (batches) in the whole cycle; epochsToSteps(epochs, batchesPerEpoch) converts from epochs. */
  totalSteps: number;
  /** Fraction of the steps spent warming up; default 0.3. */
  pctStart?: number;
  /** Shape of each phase; default 'cos'. */
  annealStrategy?: AnnealStrategy;
  /** Cycle SGD's momentum or Adam's beta1 inversely to the rate; default true. */
  cycleMomentum?: boolean;
  /** Momentum at the peak rate; one or one per group; default 0.85. */
  baseMomentum?: number | number[];
  /** Momentum at the start and end; one or one per group; default 0.95. */
  maxMomentum?: number | number[];
  /** The starting rate is maxLr / divFactor; default 25. */
  divFactor?: number;
  /** The final rate is the starting rate / finalDivFactor; default 1e4. */
  finalDivFactor?: number;
  /** fastai's original shape: up, back down to the start, then the long final anneal; default false. */
  threePhase?: boolean;
}

interface Phase {
  /** Last step of the phase (fractional, as in PyTorch). */
  endStep: number;
  startLr: 'initial' | 'max' | 'min';
  endLr: 'initial' | 'max' | 'min';
  startMomentum: 'base' | 'max';
  endMomentum: 'base' | 'max';
}

export class OneCycleLR extends LrScheduler {
  readonly kind = 'one_cycle';
  readonly maxLrs: readonly number[];
  readonly totalSteps: number;
  readonly pctStart: number;
  readonly annealStrategy: AnnealStrategy;
  readonly cycleMomentum: boolean;
  readonly baseMomentums: readonly number[];
  readonly maxMomentums: readonly number[];
  readonly divFactor: number;
  readonly finalDivFactor: number;
  readonly threePhase: boolean;
  private readonly phases: Phase[];
  private readonly useBeta1: boolean;
  private _lastMomentums: number[] = [];

  /** Sets the starting rate (and maximum momentum) straight away, replacing whatever rates the optimizer had. */
  constructor(optimizer: Optimizer, o: OneCycleLROptions) {
    const n = optimizer.groups.length;
    const maxLrs = perGroup('maxLr', o.maxLr, n);
    const divFactor = o.divFactor ?? 25;
    if (maxLrs.some((m) => !(m > 0))) throw new ArgumentError(`maxLr must be > 0, got ${maxLrs}`);
    if (!(divFactor > 0)) throw new ArgumentError(`divFactor must be > 0, got ${divFactor}`);
    super(optimizer, maxLrs.map((m) => m / divFactor));
    checkPositiveInteger('totalSteps', o.totalSteps);
    const pctStart = o.pctStart ?? 0.3;
    if (!(pctStart >= 0 && pctStart <= 1)) throw new ArgumentError(`pctStart must lie in [0, 1], got ${pctStart}`);
    const annealStrategy = o.annealStrategy ?? 'cos';
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') throw new ArgumentError(`annealStrategy must be 'cos' or 'linear', got ${annealStrategy}`);
    const finalDivFactor = o.finalDivFactor ?? 1e4;
    if (!(finalDivFactor > 0)) throw new ArgumentError(`finalDivFactor must be > 0, got ${finalDivFactor}`);
    this.maxLrs = maxLrs;
    this.totalSteps = o.totalSteps;
    this.pctStart = pctStart;
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = o.cycleMomentum ?? true;
    this.baseMomentums = perGroup('baseMomentum', o.baseMomentum ?? 0.85, n);
    this.maxMomentums = perGroup('maxMomentum', o.maxMomentum ?? 0.95, n);
    this.divFactor = divFactor;
    this.finalDivFactor = finalDivFactor;
    this.threePhase = o.threePhase ?? false;
    this.useBeta1 = optimizer.kind !== 'sgd';

    // Phase boundaries exactly as PyTorch computes them (fractional end steps included).
    const warmEnd = pctStart * this.totalSteps - 1;
    this.phases = this.threePhase
      ? [
          { endStep: warmEnd, startLr: 'initial', endLr: 'max', startMomentum: 'max', endMomentum: 'base' },
          { endStep: 2 * pctStart * this.totalSteps - 2, startLr: 'max', endLr: 'initial', startMomentum: 'base', endMomentum: 'max' },
          { endStep: this.totalSteps - 1, startLr: 'initial', endLr: 'min', startMomentum: 'max', endMomentum: 'max' },
        ]
      : [
          { endStep: warmEnd, startLr: 'initial', endLr: 'max', startMomentum: 'max', endMomentum: 'base' },
          { endStep: this.totalSteps - 1, startLr: 'max', endLr: 'min', startMomentum: 'base', endMomentum: 'max' },
        ];
    // A phase of no length would divide by zero (PyTorch raises ZeroDivisionError there).
    let start = 0;
    for (const [i, p] of this.phases.entries()) {
      if (p.endStep === start) throw new ArgumentError(`with pctStart ${pctStart} and totalSteps ${this.totalSteps}, phase ${i + 1} of the cycle has no length`);
      start = p.endStep;
    }
    if (this.cycleMomentum) {
      for (const m of [...this.baseMomentums, ...this.maxMomentums]) {
        if (!(m >= 0 && m < 1)) throw new ArgumentError(`momentum values must lie in [0, 1), got ${m}`);
      }
    }
    this.begin();
  }

  /** The momentum (SGD) or beta1 (Adam) last written, one per group; empty when cycleMomentum is off. */
  get lastMomentums(): number[] {
    return [...this._lastMomentums];
  }

  override step(): void {
    // PyTorch allows totalSteps calls: the one after the final batch is the last.
    if (this.stepCount + 1 > this.totalSteps) {
      throw new ArgumentError(`stepped ${this.stepCount + 1} times, but totalSteps is ${this.totalSteps}`);
    }
    super.step();
  }

  private anneal(start: number, end: number, pct: number): number {
    // Same operations in the same order as PyTorch's _annealing_cos / _annealing_linear.
    if (this.annealStrategy === 'cos') return end + ((start - end) / 2.0) * (Math.cos(Math.PI * pct) + 1);
    return (end - start) * pct + start;
  }

  /** The current phase and how far through it the schedule is (PyTorch's pct; past 1 only on the step after the last batch). */
  private where(): { phase: Phase; pct: number } {
    const step = this.stepCount;
    let start = 0;
    for (let i = 0; i < this.phases.length; i++) {
      const phase = this.phases[i];
      if (step <= phase.endStep || i === this.phases.length - 1) return { phase, pct: (step - start) / (phase.endStep - start) };
      start = phase.endStep;
    }
    throw new Error('unreachable: the last phase always matches');
  }

  private lrOf(which: Phase['startLr'], initial: number, g: number): number {
    if (which === 'initial') return initial;
    if (which === 'max') return this.maxLrs[g];
    return initial / this.finalDivFactor;
  }

  protected computeLrs(): number[] {
    const { phase, pct } = this.where();
    // Linear annealing extrapolates below zero on the step after the last batch;
    // the optimizer refuses negative rates, and no batch ever trains at this one.
    return this.baseLrs.map((initial, g) => Math.max(0, this.anneal(this.lrOf(phase.startLr, initial, g), this.lrOf(phase.endLr, initial, g), pct)));
  }

  protected override apply(): void {
    super.apply();
    if (!this.cycleMomentum) return;
    const { phase, pct } = this.where();
    const momentumOf = (which: Phase['startMomentum'], g: number) => (which === 'base' ? this.baseMomentums[g] : this.maxMomentums[g]);
    this._lastMomentums = this.maxMomentums.map((_, g) => {
      let m = this.anneal(momentumOf(phase.startMomentum, g), momentumOf(phase.endMomentum, g), pct);
      // On the extrapolated step after the last batch, linear annealing overshoots maxMomentum; beta1 must stay below 1.
      if (pct > 1) m = Math.min(Math.max(m, Math.min(this.baseMomentums[g], this.maxMomentums[g])), Math.max(this.baseMomentums[g], this.maxMomentums[g]));
      if (this.useBeta1) this.optimizer.setGroup(g, { betas: [m, this.optimizer.getGroup(g).betas[1]] });
      else this.optimizer.setGroup(g, { momentum: m });
      return m;
    });
  }

  protected options(): Record<string, unknown> {
    return {
      maxLr: [...this.maxLrs],
      totalSteps: this.totalSteps,
      pctStart: this.pctStart,
      annealStrategy: this.annealStrategy,
      cycleMomentum: this.cycleMomentum,
      baseMomentum: [...this.baseMomentums],
      maxMomentum: [...this.maxMomentums],
      divFactor: this.divFactor,
      finalDivFactor: this.finalDivFactor,
      threePhase: this.threePhase,
    };
  }
}
