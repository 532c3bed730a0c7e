// Keeps the weights of the epoch with the best validation figure — the lowest
// loss by default, or the optimising metric's best — and puts them back at
// the end of the fit: the model a run hands on is its best one.
import { keep, noGrad, dispose, type Tensor } from '../../tensor/index.js';
import type { Callback } from '../callback.js';
import type { Learner } from '../learner.js';
import { objective as makeObjective, type Objective } from '../../metrics/objective.js';

export interface KeepBestOptions {
  /** What "best" means. Default: the validation loss. */
  objective?: Objective;
}

export class KeepBest implements Callback {
  readonly name = 'keepBest';
  readonly order = 85;
  readonly objective: Objective;
  bestEpoch = -1;
  /** Validation loss of the kept epoch. */
  bestLoss = Infinity;
  /** The objective's figure of the kept epoch. */
  bestValue: number;
  private weights: Record<string, Tensor> | null = null;

  constructor(o: KeepBestOptions = {}) {
    this.objective = o.objective ?? makeObjective('loss');
    this.bestValue = this.objective.worst;
  }

  afterEpoch(l: Learner): void {
    const e = l.lastEpoch;
    const v = e ? this.objective.read(e) : null;
    if (v === null || (this.bestEpoch >= 0 && !this.objective.better(v, this.bestValue))) return;
    this.bestValue = v;
    this.bestLoss = e!.validLoss ?? NaN;
    this.bestEpoch = l.epoch;
    if (this.weights) dispose(this.weights);
    this.weights = noGrad(() => Object.fromEntries(Object.entries(l.model.stateDict()).map(([k, t]) => [k, keep(t.clone())])));
  }

  afterFit(l: Learner): void {
    if (this.weights) {
      l.model.loadStateDict(this.weights);
      dispose(this.weights);
      this.weights = null;
    }
  }
}
