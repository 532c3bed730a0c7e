// The doctor: reads a project's history and says which step it is in, the
// bias (training loss against the naive baseline and the best so far), the
// variance (validation − training), the test gap, and the next actions — the
// post's summary checklist, computed rather than recited.

import { gapOpen } from './ladder_rules.js';
import { fitVerdict, type FitVerdict, type FitVerdictKind } from './diagnosis.js';

export interface RunSummary {
  id: string;
  kind: string;
  status: string;
  startedAt: number;
  summary: any;
}

export interface DecisionRecord {
  step: number;
  action: string;
}

export interface LedgerRecord {
  metricName: string;
  value: number | null;
  datasetFingerprint: string;
}

export interface Diagnosis {
  step: number;
  stepTitle: string;
  latestRun: string | null;
  /** `verdict` is step 3's own verdict (fitVerdict) as the run stored it, or computed by the same rule from its numbers. */
  bias: { trainLoss: number; baselineLoss: number; baseline: string; improvement: number; bestTrainLoss: number; kind: FitVerdictKind; verdict: string } | null;
  variance: { trainLoss: number; validLoss: number; gap: number; relative: number; verdict: string } | null;
  test: { loss: number; validLoss: number; gap: number; evaluations: number; verdict: string } | null;
  realWorld: { metric: string; value: number; testValue: number | null; verdict: string } | null;
  /** The latest auto run's linear reference, and where its kept model stands against it. */
  linear: { name: string; loss: number; validLoss: number; kept: boolean | null; verdict: string } | null;
  next: string[];
}

export type LadderRung = 'dropout' | 'weight-decay' | 'batch-norm' | 'augmentation' | 'more-data' | 'architecture';
const LADDER: LadderRung[] = ['dropout', 'weight-decay', 'batch-norm', 'augmentation', 'more-data', 'architecture'];
const RUNG_LABELS: Record<LadderRung, string> = { dropout: 'dropout before the last linear layer, then in earlier layers (p 0.1–0.5)', 'weight-decay': 'weight decay (log-uniform)', 'batch-norm': 'batch normalization', augmentation: 'data augmentation (images)', 'more-data': 'more training data (check the learning curve)', architecture: 'architecture search over depth and width' };

/**
 * The ladder rung a step-4 decision tried, from its whole action (kept or
 * rejected; a rung skipped for the time budget was not tried), or null.
 */
export function ladderRungOf(action: string): LadderRung | null {
  if (/^skip /.test(action)) return null;
  if (/^more data would help/.test(action)) return 'more-data';
  if (!/^(keep|reject|use) /.test(action)) return null;
  if (/dropout/.test(action)) return 'dropout';
  if (/weight decay/.test(action)) return 'weight-decay';
  if (/batch norm/.test(action)) return 'batch-norm';
  if (/augmentation/.test(action)) return 'augmentation';
  if (/hidden layers|architecture search/.test(action)) return 'architecture';
  return null;
}

const TITLES = ['', 'pick a cost function', 'pick an initial architecture', 'fit the training set', 'fit the validation set', 'verify on a test set', 'verify in the real world'];

const VERDICTS: FitVerdictKind[] = ['fitted', 'bias-gap', 'no-signal', 'undecided'];

/** The run's stored verdict when it is step 3's own; otherwise the same rule on the run's numbers. */
function verdictOf(s: any, baseline: { name: string; loss: number }, trainLoss: number, validLoss: number): Pick<FitVerdict, 'verdict' | 'message' | 'budget' | 'undertrained'> {
  const stored = s.signal as FitVerdict | null | undefined;
  if (stored && VERDICTS.includes(stored.verdict) && typeof stored.message === 'string') return stored;
  return fitVerdict(baseline, { trainLoss, validLoss });
}

/** What a run did about a bias gap (its decisions and summary), so the advice never repeats it. */
function biasAdvice(s: any, decisions: DecisionRecord[]): string {
  const actions = decisions.map((d) => d.action);
  const adam = s.optimizer === 'adam' || s.optimizer === 'adamw' || actions.some((a) => /^switch from SGD to Adam/.test(a));
  const searched = actions.some((a) => /^random search/.test(a));
  const todo = [
    ...(adam ? [] : ['switch SGD to Adam']),
    'a larger model (more hidden units or layers: `--hidden`)',
    searched ? 'a larger --budget for more trials of the random search that ran' : 'a random search over width, depth and rate (`sixstep tune`, or a larger --budget for the autopilot\'s own)',
  ];
  return `[step 3] fit the training set better${adam ? ' (the run already trains with Adam)' : ''}: ${todo.join(', or ')}`;
}

export function diagnose(runs: RunSummary[], decisions: DecisionRecord[], ledger: LedgerRecord[], realWorld?: { metric: string; value: number; testValue: number | null } | null): Diagnosis {
  const trained = runs.filter((r) => (r.kind === 'fit' || r.kind === 'auto') && r.summary && r.summary.metrics).sort((a, b) => b.startedAt - a.startedAt);
  const next: string[] = [];
  if (!trained.length) {
    return {
      step: 1,
      stepTitle: TITLES[1],
      latestRun: null,
      bias: null,
      linear: null,
      variance: null,
      test: null,
      realWorld: null,
      next: ['run `sixstep plan --data <file> --target <column>` to see the task, cost function, architecture and splits', 'then `sixstep auto` (or `lr-find` and `fit`) to fit the training set'],
    };
  }
  const latest = trained[0];
  const s = latest.summary;
  const baselineLoss: number = s.baseline?.loss ?? NaN;
  const trainLoss: number = s.metrics.train?.loss ?? NaN;
  const validLoss: number = s.metrics.validation?.loss ?? NaN;
  const bestTrain = Math.min(...trained.map((r) => r.summary.metrics.train?.loss ?? Infinity));
  let step = 3;
  const baselineName: string = s.baseline?.name ?? 'naive baseline';
  const v = verdictOf(s, { name: baselineName, loss: baselineLoss }, trainLoss, validLoss);
  const bias = { trainLoss, baselineLoss, baseline: baselineName, improvement: 1 - trainLoss / baselineLoss, bestTrainLoss: bestTrain, kind: v.verdict, verdict: v.message };
  if (v.verdict === 'no-signal') next.push('[step 3] the inputs may not carry the information to predict the target: refine the objective or find better inputs before tuning further');
  else if (v.verdict === 'undecided') next.push(v.budget ? `[step 3] the budget was too small to judge: run \`sixstep auto\` again with --budget ${v.budget.minutes}` : '[step 3] the model had no fair chance to fit (the verdict names why): fix that before judging the data');
  else if (v.verdict === 'bias-gap') next.push(biasAdvice(s, decisions));
  // Fitted or not, a model that trained too little could do better with the time to train.
  if ((v.verdict === 'fitted' || v.verdict === 'bias-gap') && v.undertrained) next.push(`[step 3] the model trained too little to have fitted what it can (the verdict says how little): ${v.budget ? `run \`sixstep auto\` again with --budget ${v.budget.minutes}` : 'train it longer'}`);
  const gap = validLoss - trainLoss;
  const variance = { trainLoss, validLoss, gap, relative: gap / Math.max(Math.abs(trainLoss), 1e-12), verdict: '' };
  const ladderTried = new Set(decisions.filter((d) => d.step === 4).map((d) => ladderRungOf(d.action)).filter((r): r is LadderRung => r !== null));
  if (gapOpen({ trainLoss, validLoss }, Number.isFinite(baselineLoss) ? baselineLoss : 0)) {
    variance.verdict = `overfitting: validation loss ${validLoss.toPrecision(4)} against training ${trainLoss.toPrecision(4)}`;
    step = 4;
    const todo = LADDER.filter((k) => !ladderTried.has(k));
    next.push(`[step 4] reduce overfitting, in the playbook's order: ${(todo.length ? todo : LADDER).map((k) => RUNG_LABELS[k]).join('; then ')}`);
  } else {
    variance.verdict = 'the validation set is fitted: no large train/validation gap';
    if (v.verdict === 'fitted') step = 5;
  }
  const losses = ledger.filter((e) => e.metricName === 'loss' && e.value !== null);
  let test: Diagnosis['test'] = null;
  const t = s.metrics.test?.loss;
  if (typeof t === 'number') {
    const tgap = t - validLoss;
    test = { loss: t, validLoss, gap: tgap, evaluations: losses.length, verdict: '' };
    if (tgap > Math.max(0.25 * validLoss, 0.05 * baselineLoss)) {
      test.verdict = 'the test result is much worse than validation: the tuning fit noise in the validation set';
      next.push('[step 5] enlarge the validation set (more data or augmentation), go back to step 4, then verify on the test set again');
      step = 4;
    } else {
      test.verdict = 'the test result confirms validation';
      if (step === 5) step = 6;
    }
    if (losses.length > 1) next.push(`[step 5] the test set has been evaluated ${losses.length} times: its result is now optimistic; do not tune against it`);
  } else if (step === 5) {
    next.push('[step 5] evaluate the chosen model once on the sealed test set: `sixstep test --model <dir>`');
  }
  let rw: Diagnosis['realWorld'] = null;
  if (realWorld) {
    // Accuracy: higher is better; error metrics (rmse, mae): lower is better.
    const t = realWorld.testValue;
    const worse = t !== null && (realWorld.metric === 'accuracy' ? realWorld.value < t - 0.05 : realWorld.value > t * 1.25);
    rw = { ...realWorld, verdict: worse ? 'real-world performance is poor while test performance was good' : 'real-world performance matches the test' };
    if (worse) next.push('[step 6] change the validation and test sets (they may not reflect the real world) and check the network still performs; if it does and still fails in the real world, re-examine the cost function (the objective)');
  }
  if (step === 6 && !realWorld) next.push('[step 6] serve the model (`sixstep serve --model <dir>`), watch the inputs drift from the training data, and send true labels back as feedback');
  const linear = linearStanding(s.linearReference, validLoss, next);
  return { step, stepTitle: TITLES[step], latestRun: latest.id, bias, variance, test, realWorld: rw, linear, next };
}

/** Where the latest run's model stands against its linear reference (an auto run's summary carries it). */
function linearStanding(r: { name?: string; loss?: number; kept?: boolean | null } | undefined, validLoss: number, next: string[]): Diagnosis['linear'] {
  if (!r || typeof r.loss !== 'number' || !Number.isFinite(r.loss)) return null;
  const name = r.name ?? 'linear reference';
  let verdict: string;
  if (r.kept) {
    verdict = `the run kept the linear reference (${name}, validation loss ${r.loss.toPrecision(4)}): the deep model did not beat it`;
    next.push('[step 3] the deep model did not beat a linear one: give it more budget (`sixstep auto --budget`), a random search (`sixstep tune`), or better inputs; the linear model is saved and served meanwhile');
  } else if (validLoss > r.loss) {
    verdict = `the model's validation loss ${validLoss.toPrecision(4)} is above the linear reference's ${r.loss.toPrecision(4)} (${name})`;
    next.push('[step 3] the model is worse than a linear one on validation: fit the training set better (Adam, more epochs, a random search) before step 4');
  } else {
    verdict = `the model removes ${((1 - validLoss / r.loss) * 100).toFixed(1)} % of the linear reference's validation loss ${r.loss.toPrecision(4)} (${name})`;
  }
  return { name, loss: r.loss, validLoss, kept: r.kept ?? null, verdict };
}
