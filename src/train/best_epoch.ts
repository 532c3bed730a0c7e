// Which epoch is "best": the best finite validation figure of the optimising
// metric (the lowest loss by default), the earliest on a tie. The one rule
// KeepBest, fitModel and fitTrainingSet all use, so the weights kept and the
// epoch reported are always the same one.
import type { EpochResult } from './learner.js';
import { bestBy, objective, type Objective } from '../metrics/objective.js';

/** Whether a validation loss beats the best so far (finite, strictly lower). */
export function beatsBest(validLoss: number | null | undefined, bestSoFar: number): validLoss is number {
  return validLoss !== null && validLoss !== undefined && Number.isFinite(validLoss) && validLoss < bestSoFar;
}

/** The best epoch of a history by the objective (default: validation loss), or null when no epoch has a finite figure. */
export function bestEpoch(history: readonly EpochResult[], o: Objective = objective('loss')): EpochResult | null {
  return bestBy(o, history, (h) => h);
}
