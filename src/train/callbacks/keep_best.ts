// Keeps the weights of the epoch with the lowest validation loss and puts
// them back at the end of the fit: the model a run hands on is its best one.
// `span` keeps the copy across several fit() calls (training phases): each
// phase ends on the best weights so far, and dispose() releases the copy.
import { keep, noGrad, dispose, type Tensor } from '../../tensor/index.js';
import type { Callback } from '../callback.js';
import type { Learner } from '../learner.js';
import { beatsBest } from '../best_epoch.js';

export interface KeepBestOptions {
  /** Keep the best weights after afterFit (for later phases and checkpoints); the owner calls dispose(). Default false. */
  span?: boolean;
}

export class KeepBest implements Callback {
  readonly name = 'keepBest';
  readonly order = 85;
  bestEpoch = -1;
  bestLoss = Infinity;
  private weights: Record<string, Tensor> | null = null;

  constructor(readonly o: KeepBestOptions = {}) {}

  /** The kept weights (null before the first finite validation loss). */
  get bestWeights(): Record<string, Tensor> | null {
    return this.weights;
  }

  afterEpoch(l: Learner): void {
    const v = l.lastEpoch?.validLoss;
    if (!beatsBest(v, this.bestLoss)) return;
    this.bestLoss = v;
    this.bestEpoch = l.epoch;
    this.setWeights(l.model.stateDict(), l.epoch, v);
  }

  /** Takes a copy of these weights as the best (restoring a checkpoint). */
  setWeights(weights: Record<string, Tensor>, epoch: number, loss: number): void {
    if (this.weights) dispose(this.weights);
    this.weights = noGrad(() => Object.fromEntries(Object.entries(weights).map(([k, t]) => [k, keep(t.clone())])));
    this.bestEpoch = epoch;
    this.bestLoss = loss;
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
