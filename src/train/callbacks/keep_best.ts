// Keeps the weights of the epoch with the best validation figure — the lowest
// loss by default, or the optimising metric's best — and puts them back at
// the end of the fit: the model a run hands on is its best one. `span` keeps
// the copy across several fit() calls (training phases): each phase ends on
// the best weights so far, and dispose() releases the copy.
import { keep, noGrad, dispose, type Tensor } from '../../tensor/index.js';
import type { Callback } from '../callback.js';
import type { Learner } from '../learner.js';
import { objective as makeObjective, type Objective } from '../../metrics/objective.js';

export interface KeepBestOptions {
  /** What "best" means. Default: the validation loss. */
  objective?: Objective;
  /** Keep the best weights after afterFit (for later phases and checkpoints); the owner calls dispose(). Default false. */
  span?: boolean;
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

  constructor(readonly o: KeepBestOptions = {}) {
    this.objective = o.objective ?? makeObjective('loss');
    this.bestValue = this.objective.worst;
  }

  /** The kept weights (null before the first epoch with a finite figure). */
  get bestWeights(): Record<string, Tensor> | null {
    return this.weights;
  }

  afterEpoch(l: Learner): void {
    const e = l.lastEpoch;
    const v = e ? this.objective.read(e) : null;
    if (v === null || (this.bestEpoch >= 0 && !this.objective.better(v, this.bestValue))) return;
    this.setWeights(l.model.stateDict(), l.epoch, e!.validLoss ?? NaN, v);
  }

  /** Takes a copy of these weights as the best (restoring a checkpoint); `value` defaults to the loss. */
  setWeights(weights: Record<string, Tensor>, epoch: number, loss: number, value = loss): void {
    if (this.weights) dispose(this.weights);
    this.weights = noGrad(() => Object.fromEntries(Object.entries(weights).map(([k, t]) => [k, keep(t.clone())])));
    this.bestEpoch = epoch;
    this.bestLoss = loss;
    this.bestValue = value;
  }

  afterFit(l: Learner): void {
    if (!this.weights) return;
    l.model.loadStateDict(this.weights);
    if (!this.o.span) this.dispose();
  }

  dispose(): void {
    if (this.weights) dispose(this.weights);
    this.weights = null;
  }
}
