// "If the model is training very slowly or not very well …" — a training
// loss that does not move. Judged on unbiased numbers: the eval-mode loss on
// the fixed training subset after each epoch (the same rows every time),
// its whole range over a window of epochs taken relative to the naive
// baseline's loss (scale-free), and only while the bias gap is open (a flat
// loss on a fitted training set is convergence, not a stall). A loss that
// goes up and down with the warm restarts' cycles moves; a flat line does
// not. What to do is a second pure function: a rate far below the
// optimizer's standard one is raised to it; a stall at a sane rate ends the
// phase (the search over width and depth gets the time).
import { biasGap, type BiasRule } from './bias_rule.js';

export interface StallRule extends BiasRule {
  /** Epochs the loss is watched over; default 3 (more when that is fewer than `minSteps` steps: stallWindow). */
  window?: number;
  /** Fewest optimizer steps in the window; default 100 (a small dataset's epochs are a few steps each). */
  minSteps?: number;
  /** Least range (highest − lowest) over the window, as a share of the baseline's loss; default 0.005 (0.5 %). */
  minMove?: number;
}

export interface StallVerdict {
  stalled: boolean;
  /** (highest − lowest loss over the window and the epoch before it) / baseline loss. */
  move: number;
  reason: string;
  numbers: { window: number; losses: number[]; move: number; fit: number; baselineLoss: number };
}

/** The window in epochs: `window`, or as many epochs as make `minSteps` steps. */
export function stallWindow(stepsPerEpoch: number, rule: StallRule = {}): number {
  return Math.max(rule.window ?? 3, Math.ceil((rule.minSteps ?? 100) / Math.max(1, stepsPerEpoch)));
}

/**
 * `losses`: the eval-mode training-subset loss where the phase started and
 * after each of its epochs. Null until `window` epochs have run.
 */
export function judgeProgress(losses: number[], baselineLoss: number, rule: StallRule = {}): StallVerdict | null {
  const window = rule.window ?? 3;
  const minMove = rule.minMove ?? 0.005;
  if (losses.length < window + 1) return null;
  const seen = losses.slice(-(window + 1));
  const move = (Math.max(...seen) - Math.min(...seen)) / Math.abs(baselineLoss);
  const last = seen[seen.length - 1];
  const gap = biasGap(last, baselineLoss, rule);
  const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
  const trace = seen.map((v) => v.toPrecision(4)).join(' → ');
  const numbers = { window, losses: seen, move, fit: gap.fit, baselineLoss };
  const finite = seen.every(Number.isFinite);
  const stalled = finite && gap.open && !(move >= minMove);
  const reason = stalled
    ? `the training loss did not move over ${window} epoch(s): its range is ${pct(move)} of the naive baseline's ${baselineLoss.toPrecision(4)} (rule: at least ${pct(minMove)} while the bias gap is open; eval-mode loss on the fixed training subset ${trace}; ${gap.reason})`
    : `the training loss moves: its range is ${pct(move)} of the naive baseline's loss over ${window} epoch(s)${gap.open ? '' : ', and the training set is fitted'} (${trace})`;
  return { stalled, move, reason, numbers };
}

export type StallAction = { kind: 'rate'; lr: number; why: string } | { kind: 'stop'; why: string };

/**
 * What a stall calls for: one rate change per step 3 — up to the standard
 * rate when the rate is at least ten times below it — else (a sane rate, or
 * the change already made) stop the phase.
 */
export function stallAction(o: { optimizer: string; lr: number; standardLr: number; rateChanged: boolean }): StallAction {
  const e = (x: number) => x.toExponential(2);
  if (!o.rateChanged && o.lr * 10 <= o.standardLr) {
    return { kind: 'rate', lr: o.standardLr, why: `the rate ${e(o.lr)} is ${(o.standardLr / o.lr).toPrecision(3)}× below ${o.optimizer.toUpperCase()}'s standard ${e(o.standardLr)}: too small to move the weights` };
  }
  return {
    kind: 'stop',
    why: o.rateChanged ? `the loss stalled again after the rate change (now ${e(o.lr)})` : `the rate ${e(o.lr)} is within ten times ${o.optimizer.toUpperCase()}'s standard ${e(o.standardLr)}: the model, not the rate, is the limit`,
  };
}
