// Step 3's verdict, the one rule every message about it quotes: is the
// training set fitted (the bias rule), does the model beat the naive baseline
// on validation, and — before saying the inputs carry no information ("If,
// after all this, I still cannot fit the training data well … the training
// inputs simply may not have the right information") — did the model have a
// fair chance to fit: enough epochs, a sane rate, a training loss that moved.
// Without that chance the verdict is "undecided", with the budget that would
// be enough, measured from the run's own epoch times.
import { biasGap, type BiasRule, type LinearFit } from './bias_rule.js';
import { STANDARD_LR, type OptimizerName } from './optimizer_rule.js';

/** What step 3's training did, measured: whether the model had a chance to fit. */
export interface TrainingEvidence {
  /** Epochs the judged model trained. */
  epochs: number;
  /** Optimizer steps over those epochs. */
  steps: number;
  optimizer: OptimizerName;
  /** The rate it trained at last. */
  lr: number;
  /** Eval-mode loss on the fixed training subset before any training. */
  initialLoss: number;
  /** Measured mean seconds per epoch (training and validation). */
  secondsPerEpoch: number;
  stepsPerEpoch: number;
  /** Seconds the learning-rate finder(s) took. */
  finderSeconds: number;
}

export interface VerdictRule extends BiasRule {
  /** Below this validation improvement over the baseline there is no signal; default 0.02 (2 %). */
  noSignal?: number;
  /** Below this the signal is weak; default 0.10. */
  weak?: number;
  /** Fewest epochs for a fair chance to fit; default 3. */
  minEpochs?: number;
  /** Fewest optimizer steps; default 100 … */
  minSteps?: number;
  /** … unless the data is so small that this many epochs are fewer steps; default 20. */
  fullEpochs?: number;
  /** Least fall of the training loss from its start, as a share of the baseline's loss; default 0.01 (1 %). */
  minMove?: number;
  /** A sane rate lies within this factor of the optimizer's standard rate; default 100. */
  rateRange?: number;
}

export type FitVerdictKind = 'fitted' | 'bias-gap' | 'no-signal' | 'undecided';

export interface FitVerdict {
  /**
   * 'fitted': the bias rule holds; 'bias-gap': it does not, but the model beats the baseline;
   * 'no-signal': a model that had its chance does not beat the baseline on validation;
   * 'undecided': it does not beat it, but it never had the chance (the budget is too small to judge).
   */
  verdict: FitVerdictKind;
  /** 1 − validation loss / baseline loss: the share of the baseline's error removed on validation. */
  improvement: number;
  /** 1 − training loss / baseline loss (the bias rule's number). */
  fit: number;
  /** The improvement is below the weak-signal line. */
  weak: boolean;
  /** What fell short of a fair chance to fit (empty unless evidence was given and fell short). */
  shortOf: string[];
  /** Too little training was among the shortfalls: more budget is the remedy. */
  undertrained: boolean;
  /** The budget that would be enough to judge (undecided only, when it could be measured). */
  budget: BudgetToJudge | null;
  /** The decision's action, as logged. */
  action: string;
  /** One sentence to print: the summary, the decision's reason and `doctor` quote it. */
  message: string;
}

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

/** Epochs that make enough training: at least `minEpochs`, and `minSteps` steps unless `fullEpochs` epochs are fewer. */
export function epochsToJudge(stepsPerEpoch: number, rule: VerdictRule = {}): number {
  const minEpochs = rule.minEpochs ?? 3;
  return Math.max(minEpochs, Math.min(rule.fullEpochs ?? 20, Math.ceil((rule.minSteps ?? 100) / Math.max(1, stepsPerEpoch))));
}

/** Which conditions of a fair chance to fit the evidence fails, in words; `undertrained` when too few epochs were among them. */
export function shortOfChance(e: TrainingEvidence, trainLoss: number, baselineLoss: number, rule: VerdictRule = {}): { shortOf: string[]; undertrained: boolean } {
  const out: string[] = [];
  const minMove = rule.minMove ?? 0.01;
  const range = rule.rateRange ?? 100;
  const need = epochsToJudge(e.stepsPerEpoch, rule);
  const undertrained = e.epochs < need;
  if (undertrained) out.push(`only ${e.epochs} epoch(s) of ${e.stepsPerEpoch} step(s) trained (rule: at least ${rule.minEpochs ?? 3} epochs and ${rule.minSteps ?? 100} steps, or ${rule.fullEpochs ?? 20} epochs: ${need} here)`);
  const standard = STANDARD_LR[e.optimizer];
  const ratio = e.lr / standard;
  if (!(ratio >= 1 / range && ratio <= range)) out.push(`the rate ${e.lr.toExponential(2)} is ${(ratio < 1 ? 1 / ratio : ratio).toPrecision(3)}× ${ratio < 1 ? 'below' : 'above'} ${e.optimizer.toUpperCase()}'s standard ${standard.toExponential(0)} (rule: within ${range}×)`);
  const moved = (e.initialLoss - trainLoss) / Math.abs(baselineLoss);
  if (!(moved >= minMove)) out.push(`the training loss moved ${pct(moved)} of the baseline's loss (${e.initialLoss.toPrecision(4)} → ${trainLoss.toPrecision(4)}; rule: at least ${pct(minMove)})`);
  return { shortOf: out, undertrained };
}

/**
 * The verdict on step 3: one function for the decision, the summary, the exit
 * code and `doctor`. `m` is the kept model's eval-mode training loss (fixed
 * subset) and validation loss; `evidence` says how it was trained (absent:
 * the chance to fit is taken as given — a user's explicit `fit`).
 */
export function fitVerdict(baseline: { name: string; loss: number }, m: { trainLoss: number; validLoss: number }, o: { evidence?: TrainingEvidence | null; budget?: BudgetToJudge | null; rule?: VerdictRule; linear?: LinearFit | null } = {}): FitVerdict {
  const rule = o.rule ?? {};
  const improvement = 1 - m.validLoss / baseline.loss;
  const gap = biasGap(m.trainLoss, baseline.loss, rule, o.linear);
  const weak = improvement < (rule.weak ?? 0.1);
  const against = `the baseline "${baseline.name}" (${baseline.loss.toPrecision(4)})`;
  const onValidation = `the best validation loss ${m.validLoss.toPrecision(4)} is ${improvement >= 0 ? `only ${pct(improvement)} below` : `${pct(-improvement)} above`} ${against}`;
  const { shortOf, undertrained } = o.evidence ? shortOfChance(o.evidence, m.trainLoss, baseline.loss, rule) : { shortOf: [], undertrained: false };
  const b = undertrained ? (o.budget ?? null) : null;
  const more = b ? ` A budget of about ${b.minutes} minute(s) would give step 3 ${b.epochs} epochs (${b.arithmetic}): run again with --budget ${b.minutes}.` : undertrained ? ' Give it more time (a larger --budget) or more epochs.' : '';
  const base = { improvement, fit: gap.fit, weak, shortOf: [] as string[], undertrained: false, budget: null };
  if (!(improvement >= (rule.noSignal ?? 0.02))) {
    if (shortOf.length) {
      return {
        ...base,
        verdict: 'undecided',
        shortOf,
        undertrained,
        budget: b,
        action: undertrained ? 'stop: undecided — the budget is too small to judge' : 'stop: undecided — the model had no fair chance to fit',
        message: `Undecided: ${undertrained ? 'the budget is too small to judge' : 'it cannot be judged'} whether the inputs carry signal: ${onValidation}, but the model had no fair chance to fit: ${shortOf.join('; ')}.${more}`,
      };
    }
    const noise = 1 - m.trainLoss / baseline.loss > 0.1 ? `, although the training loss is ${pct(gap.fit)} below it — that is fitting noise` : '';
    const how = o.evidence ? ` (after ${o.evidence.epochs} epochs at rate ${o.evidence.lr.toExponential(2)}, the training loss moved from ${o.evidence.initialLoss.toPrecision(4)} to ${m.trainLoss.toPrecision(4)})` : '';
    return {
      ...base,
      verdict: 'no-signal',
      action: 'stop: no signal',
      message: `No signal beyond the naive baseline: ${onValidation}${noise}${how}. The inputs may not carry the information needed to predict the target; refine the objective or find better inputs rather than tuning further.`,
    };
  }
  const valid = `on validation the model removes ${pct(improvement)} of the loss of ${against}${weak ? ' — a weak signal: check that it is more than noise before relying on it' : ''}`;
  // A model that beats the baseline after too little training is judged, but said to be short of training.
  const short = undertrained ? { undertrained, budget: b, shortOf: shortOf.slice(0, 1) } : {};
  const further = undertrained ? ` It could fit better: ${shortOf[0]}.${more}` : '';
  if (gap.open) {
    return { ...base, ...short, verdict: 'bias-gap', action: 'training set not fitted: bias gap open', message: `The training set is not fitted: ${gap.reason}; ${valid}.${further}` };
  }
  return { ...base, ...short, verdict: 'fitted', action: 'training set fitted', message: `The training set is fitted: ${gap.reason}; ${valid}.${further}` };
}

export interface BudgetToJudge {
  /** Whole minutes for --budget. */
  minutes: number;
  /** Epochs step 3 would get. */
  epochs: number;
  seconds: number;
  arithmetic: string;
}

/**
 * The least budget that gives step 3 the epochs the verdict needs to judge
 * (epochsToJudge, at most the epoch cap), at the measured epoch and finder
 * times, within step 3's share of the budget after what was spent before it.
 */
export function budgetToJudge(e: TrainingEvidence, o: { secondsBeforeStep3: number; step3Share: number; epochCap: number; rule?: VerdictRule; margin?: number }): BudgetToJudge {
  const margin = o.margin ?? 1.2;
  const epochs = Math.min(o.epochCap, epochsToJudge(e.stepsPerEpoch, o.rule));
  const step3 = e.finderSeconds + epochs * e.secondsPerEpoch * margin;
  const seconds = o.secondsBeforeStep3 + step3 / o.step3Share;
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  const f = (v: number) => v.toFixed(1);
  return {
    minutes,
    epochs,
    seconds,
    arithmetic: `${f(o.secondsBeforeStep3)} s before step 3 + (${f(e.finderSeconds)} s of finder + ${epochs} epochs × ${f(e.secondsPerEpoch)} s measured × ${margin} margin) / ${pct(o.step3Share)} step 3's share = ${f(seconds)} s`,
  };
}
