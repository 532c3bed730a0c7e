// Step 3 — fit the training set: find the learning rate, start with SGD and
// momentum under cosine annealing with warm restarts, and switch to Adam
// (re-finding the rate) when SGD trains too slowly. Every choice is logged.
import { manualSeed } from '../tensor/index.js';
import { Learner, Recorder, ScheduleCallback, GradClip, lrFind, type Callback, type EpochResult, type LrFinderResult, type LrFinderOptions } from '../train/index.js';
import { buildModel, type ModelSpec } from './architecture.js';
import type { CostFunctionChoice } from './cost_function.js';
import { makeOptimizer, makeSchedule, metricsFor, type FitResult, type OptimizerKind, type ScheduleKind } from './fit.js';
import { judgeSgd, type SwitchRule } from './optimizer_rule.js';
import type { Prepared } from './prepare.js';
import type { Decision, DecisionLog } from './decisions.js';
import type { Augmenter } from '../data/index.js';

export interface FitTrainingSetOptions {
  spec: ModelSpec;
  cost: CostFunctionChoice;
  epochs: number;
  batchSize?: number;
  /** 'auto' (default): SGD first, Adam when the rule says so. */
  optimizer?: OptimizerKind | 'auto';
  /** Skip the finder and use this rate. */
  lr?: number;
  weightDecay?: number;
  rule?: SwitchRule;
  /** Default 'warm-restarts'. */
  schedule?: ScheduleKind;
  cycleEpochs?: number;
  cycleMult?: number;
  gradClip?: number;
  seed?: number;
  augment?: Augmenter;
  trainFraction?: number;
  lrFinder?: LrFinderOptions;
  /** Extra callbacks (progress bars, guards); they see every phase. */
  callbacks?: Callback[];
  onDecision?: DecisionLog;
}

export interface FitTrainingSetResult extends FitResult {
  decisions: Decision[];
  lrFinds: Array<{ optimizer: OptimizerKind; result: LrFinderResult }>;
  optimizer: OptimizerKind;
  lr: number;
}

export async function fitTrainingSet(p: Prepared, o: FitTrainingSetOptions): Promise<FitTrainingSetResult> {
  const decisions: Decision[] = [];
  const log = (d: Decision) => {
    decisions.push(d);
    o.onDecision?.(d);
  };
  manualSeed(o.seed ?? 0);
  const model = buildModel(o.spec);
  const batchSize = o.batchSize ?? (p.kind === 'image' ? 128 : 64);
  const train = p.loader('train', { batchSize, seed: o.seed ?? 0, augment: o.augment, fraction: o.trainFraction });
  const validation = p.loader('validation', { batchSize: Math.max(256, batchSize) });
  const metrics = metricsFor(p.task);
  const recorder = new Recorder();
  const lrFinds: FitTrainingSetResult['lrFinds'] = [];
  const history: EpochResult[] = [];
  let kind: OptimizerKind = o.optimizer === 'auto' || o.optimizer === undefined ? 'sgd' : o.optimizer;
  let optimizer = makeOptimizer(kind, model, o.lr ?? 1e-3, { weightDecay: o.weightDecay });
  let learner: Learner | null = null;
  const free = () => {
    train.dispose();
    validation.dispose();
    optimizer.dispose();
    model.dispose();
  };

  const findLr = async (why: string): Promise<number> => {
    if (o.lr !== undefined) return o.lr;
    const finder = new Learner({ model, optimizer, costFunction: o.cost.fn, train });
    const r = await lrFind(finder, o.lrFinder);
    lrFinds.push({ optimizer: kind, result: r });
    log({
      step: 3,
      action: `learning rate ${r.suggestion.lr.toExponential(2)} for ${kind.toUpperCase()}`,
      reason:
        `${why}: the learning-rate finder's curve falls fastest around ${r.steep.lr.toExponential(2)}; the seed picks a little to its right, where the loss is still falling strongly` +
        `${r.suggestion.lr < r.steep.lr ? `, capped at a tenth of the rate where the loss bottoms out (the steepest point is too close to the blow-up)` : ''}` +
        ` (valley ${r.valley.lr.toExponential(2)}, minimum/10 ${r.minimum.lr.toExponential(2)}, slide ${r.slide.lr.toExponential(2)})`,
      numbers: { suggestion: r.suggestion.lr, steep: r.steep.lr, valley: r.valley.lr, minimum: r.minimum.lr, slide: r.slide.lr, points: r.lrs.length, stoppedBecause: r.stoppedBecause },
    });
    return r.suggestion.lr;
  };

  const phase = async (epochs: number, lr: number) => {
    optimizer.setLrs(lr);
    const schedule = makeSchedule(o.schedule ?? 'warm-restarts', optimizer, train.length ?? 1, epochs, { lr, cycleEpochs: o.cycleEpochs, cycleMult: o.cycleMult });
    const callbacks: Callback[] = [recorder, ...(o.callbacks ?? [])];
    if (schedule) callbacks.push(new ScheduleCallback(schedule));
    if (o.gradClip) callbacks.push(new GradClip({ maxNorm: o.gradClip }));
    learner = new Learner({ model, optimizer, costFunction: o.cost.fn, train, validation, metrics, callbacks });
    learner.startEpoch = history.length;
    learner.step = recorder.steps.length;
    await learner.fit(epochs);
    history.push(...learner.history);
  };

  try {
    let lr = await findLr('start of step 3');
    log({ step: 3, action: `train with ${kind.toUpperCase()}${kind === 'sgd' ? ' (momentum 0.9)' : ''} and ${o.schedule ?? 'warm-restarts'} schedule`, reason: o.optimizer === 'auto' || o.optimizer === undefined ? 'the seed starts with stochastic gradient descent and switches to Adam if it trains slowly' : 'optimizer chosen by the user' });
    if (o.optimizer === 'auto' || o.optimizer === undefined) {
      const patience = Math.min(o.rule?.patience ?? 2, o.epochs);
      await phase(patience, lr);
      const verdict = judgeSgd(history.map((h) => h.trainLoss), o.rule);
      const left = o.epochs - patience;
      if (verdict && verdict.switchToAdam && left > 0) {
        log({ step: 3, action: 'switch from SGD to Adam', reason: verdict.reason, numbers: verdict.numbers });
        optimizer.dispose();
        kind = 'adam';
        optimizer = makeOptimizer(kind, model, 1e-3, { weightDecay: o.weightDecay });
        lr = await findLr('after switching to Adam');
      } else if (verdict) {
        log({ step: 3, action: 'keep SGD', reason: verdict.reason, numbers: verdict.numbers });
      }
      if (left > 0) await phase(left, lr);
    } else {
      await phase(o.epochs, lr);
    }
    const finite = history.filter((h) => h.validLoss !== null && Number.isFinite(h.validLoss));
    const best = finite.length ? finite.reduce((a, b) => (b.validLoss! < a.validLoss! ? b : a)) : null;
    return { model, learner: learner!, recorder, history, best, metrics, dispose: free, decisions, lrFinds, optimizer: kind, lr };
  } catch (e) {
    free();
    throw e;
  }
}
