// Keeps the weights of the epoch with the lowest validation loss and puts
// them back at the end of the fit: the model a run hands on is its best one.
import { keep, noGrad, dispose, type Tensor } from '../../tensor/index.js';
import type { Callback } from '../callback.js';
import type { Learner } from '../learner.js';

export class KeepBest implements Callback {
  readonly name = 'keepBest';
  readonly order = 85;
  bestEpoch = -1;
  bestLoss = Infinity;
  private weights: Record<string, Tensor> | null = null;

  afterEpoch(l: Learner): void {
    const v = l.lastEpoch?.validLoss;
    if (v === null || v === undefined || !Number.isFinite(v) || v >= this.bestLoss) return;
    this.bestLoss = v;
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
