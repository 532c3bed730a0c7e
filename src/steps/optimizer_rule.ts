// "If the model is training very slowly or not very well, I replace the
// initial stochastic gradient descent optimization algorithm with Adam."
// The rule, stated so it can be logged and tested: after `patience` epochs of
// SGD, switch when the training loss has fallen by less than `minDrop` of
// its first-epoch value, or stopped falling in the last epoch.

export interface SwitchRule {
  /** SGD epochs before judging; default 2. */
  patience?: number;
  /** Required relative fall of the training loss since the first epoch; default 0.2 (20 %). */
  minDrop?: number;
  /** Required relative fall over the last epoch; default 0.01 (1 %). */
  minLastDrop?: number;
}

export interface SwitchDecision {
  switchToAdam: boolean;
  reason: string;
  numbers: { first: number; last: number; drop: number; lastDrop: number };
}

export function judgeSgd(trainLosses: number[], rule: SwitchRule = {}): SwitchDecision | null {
  const patience = rule.patience ?? 2;
  if (trainLosses.length < patience) return null;
  const first = trainLosses[0];
  const last = trainLosses[trainLosses.length - 1];
  const prev = trainLosses[trainLosses.length - 2] ?? first;
  const drop = (first - last) / Math.abs(first || 1);
  const lastDrop = (prev - last) / Math.abs(prev || 1);
  const numbers = { first, last, drop, lastDrop };
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  if (!Number.isFinite(last)) return { switchToAdam: true, reason: 'SGD produced a non-finite training loss', numbers };
  if (drop < (rule.minDrop ?? 0.2)) {
    return { switchToAdam: true, reason: `SGD trains too slowly: the training loss fell ${pct(drop)} in ${trainLosses.length} epochs (rule: at least ${pct(rule.minDrop ?? 0.2)})`, numbers };
  }
  if (lastDrop < (rule.minLastDrop ?? 0.01)) {
    return { switchToAdam: true, reason: `SGD stalled: the training loss fell ${pct(lastDrop)} in the last epoch (rule: at least ${pct(rule.minLastDrop ?? 0.01)})`, numbers };
  }
  return { switchToAdam: false, reason: `SGD is fitting: the training loss fell ${pct(drop)} so far and ${pct(lastDrop)} in the last epoch`, numbers };
}
