// "If the model is training very slowly or not very well, I replace the
// initial stochastic gradient descent optimization algorithm with Adam."
// The rule, stated so it can be logged and tested, on unbiased numbers: the
// eval-mode loss on a fixed training subset before SGD starts and after each
// of its first `patience` epochs (the same rows each time: a paired
// comparison; one annealed schedule cycle over the window: no restart inside
// it). Switch when the loss has fallen by less than `minDrop` of its starting
// value, or — with at least two epochs — by less than `minLastDrop` over the
// last one.

export interface SwitchRule {
  /** SGD epochs before judging; default 2. */
  patience?: number;
  /** Required relative fall since the start (before any training); default 0.2 (20 %). */
  minDrop?: number;
  /** Required relative fall over the last epoch of the window (patience ≥ 2); default 0.01 (1 %). */
  minLastDrop?: number;
}

/** Eval-mode losses on the fixed training subset. */
export interface SgdWindow {
  /** Before the first SGD step. */
  initial: number;
  /** After each SGD epoch. */
  losses: number[];
}

export interface SwitchDecision {
  switchToAdam: boolean;
  reason: string;
  numbers: { initial: number; losses: number[]; last: number; drop: number; lastDrop: number | null };
}

export function judgeSgd(w: SgdWindow, rule: SwitchRule = {}): SwitchDecision | null {
  const patience = rule.patience ?? 2;
  if (w.losses.length < patience || patience < 1) return null;
  const window = w.losses.slice(0, patience);
  const initial = w.initial;
  const last = window[patience - 1];
  // Only with two epochs or more is the last epoch's fall a different number from the fall since the start.
  const prev = patience >= 2 ? window[patience - 2] : null;
  const drop = (initial - last) / Math.abs(initial);
  const lastDrop = prev === null ? null : (prev - last) / Math.abs(prev);
  const numbers = { initial, losses: window, last, drop, lastDrop };
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  const minDrop = rule.minDrop ?? 0.2;
  const minLastDrop = rule.minLastDrop ?? 0.01;
  if (!Number.isFinite(initial) || initial === 0) return { switchToAdam: true, reason: `the starting training loss is ${initial}: no relative fall can be measured`, numbers };
  if (!window.every(Number.isFinite)) return { switchToAdam: true, reason: 'SGD produced a non-finite training loss', numbers };
  const measured = `eval-mode loss on the fixed training subset ${initial.toPrecision(4)} → ${window.map((v) => v.toPrecision(4)).join(' → ')}`;
  if (drop < minDrop) {
    return { switchToAdam: true, reason: `SGD trains too slowly: the training loss fell ${pct(drop)} of its starting value in ${patience} epoch(s) (rule: at least ${pct(minDrop)}; ${measured})`, numbers };
  }
  if (lastDrop !== null && lastDrop < minLastDrop) {
    return { switchToAdam: true, reason: `SGD stalled: the training loss fell ${pct(lastDrop)} in the last epoch (rule: at least ${pct(minLastDrop)}; ${measured})`, numbers };
  }
  return { switchToAdam: false, reason: `SGD is fitting: the training loss fell ${pct(drop)} of its starting value${lastDrop !== null ? `, ${pct(lastDrop)} in the last epoch` : ''} (${measured})`, numbers };
}

/**
 * Each optimizer's standard rate, the fallback when the finder's curve cannot
 * be read: Adam's published default (Kingma & Ba, 1e-3, also AdamW's), and
 * 1e-2 for SGD with momentum 0.9 (the usual starting point; PyTorch sets none).
 */
export const STANDARD_LR: Record<'sgd' | 'adam' | 'adamw', number> = { sgd: 1e-2, adam: 1e-3, adamw: 1e-3 };

/**
 * SGD's rate in the ResNet recipe (He et al. 2016; the time-to-accuracy
 * bench's PyTorch reference, batch 128): a convolutional network with batch
 * norm trained from scratch takes ten times the generic rate. On a slowed
 * machine the finder's sweep shrank to 33 batches, could not be read, and
 * 1e-2 left Fashion-MNIST at 87.4 % where the same run reaches 92 %.
 */
export const RESNET_SGD_LR = 0.1;

/** The fallback rate for this optimizer and model family. */
export function standardRate(optimizer: OptimizerName, family: string): number {
  return optimizer === 'sgd' && family === 'resnet' ? RESNET_SGD_LR : STANDARD_LR[optimizer];
}

export interface RateChoice {
  lr: number;
  /** 'pick': the finder's own pick; 'valley': its valley (the pick alone was off); 'standard': the optimizer's standard rate. */
  source: 'pick' | 'valley' | 'standard';
}

/**
 * The rate to train with, from the finder's result and the judgment of its
 * curve (null: the sweep was too short to read at all). A curve that is
 * sound gives its pick; one whose only fault is a pick far below its valley
 * gives the valley; any other fault gives the standard rate (the optimizer's,
 * or the model family's: standardRate).
 */
export function rateFromFinder(r: { suggestion: { lr: number }; valley: { lr: number } } | null, reading: { sound: boolean; problems: Array<{ kind: string }> } | null, optimizer: OptimizerName, standard = STANDARD_LR[optimizer]): RateChoice {
  if (r && reading?.sound) return { lr: r.suggestion.lr, source: 'pick' };
  if (r && reading && reading.problems.every((p) => p.kind === 'below-valley')) return { lr: r.valley.lr, source: 'valley' };
  return { lr: standard, source: 'standard' };
}

export type OptimizerName = keyof typeof STANDARD_LR;
