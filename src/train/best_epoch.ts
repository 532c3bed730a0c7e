// Which epoch is "best": the lowest finite validation loss, the earliest on a
// tie. The one rule KeepBest, fitModel and fitTrainingSet all use, so the
// weights kept and the epoch reported are always the same one.
import type { EpochResult } from './learner.js';

/** Whether a validation loss beats the best so far (finite, strictly lower). */
export function beatsBest(validLoss: number | null | undefined, bestSoFar: number): validLoss is number {
  return validLoss !== null && validLoss !== undefined && Number.isFinite(validLoss) && validLoss < bestSoFar;
}

/** The best epoch of a history, or null when no epoch has a finite validation loss. */
export function bestEpoch(history: readonly EpochResult[]): EpochResult | null {
  let best: EpochResult | null = null;
  for (const h of history) if (beatsBest(h.validLoss, best?.validLoss ?? Infinity)) best = h;
  return best;
}
