// Step 3 — fit the training set: find the learning rate, start with SGD and
// momentum under cosine annealing with warm restarts, and switch to Adam
// (re-finding the rate) when SGD trains too slowly. Every choice is logged.
import { manualSeed } from '../tensor/index.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Learner, Recorder, ScheduleCallback, GradClip, CheckpointCallback, ValidationMetrics, loadCheckpoint, lrFind, type Callback, type EpochResult, type LrFinderResult, type LrFinderOptions } from '../train/index.js';
import { buildModel, type ModelSpec } from './architecture.js';
import type { CostFunctionChoice } from './cost_function.js';
import { makeOptimizer, makeSchedule, metricsFor, type FitResult, type OptimizerKind, type ScheduleKind } from './fit.js';
import { judgeSgd, type SwitchRule } from './optimizer_rule.js';
import type { Prepared } from './prepare.js';
import type { Decision, DecisionLog } from './decisions.js';
import type { Augmenter } from '../data/index.js';
import { parallelCallbacks, shardOf, type Parallel } from './parallel.js';
import { bestBy, objective, type Objective } from '../metrics/index.js';

/** What a checkpoint of step 3 needs beside the learner's state to continue. */
export interface FitCheckpointInfo {
  optimizer: OptimizerKind;
  lr: number;
  /** Epochs of the phase the checkpoint is in (schedules are sized by it). */
  phaseEpochs: number;
  /** Epochs finished. */
  epochs: number;
}

/** The sidecar of a step-3 checkpoint, or null when there is none. */
export function readFitCheckpoint(file: string): FitCheckpointInfo | null {
  if (!existsSync(file) || !existsSync(`${file}.json`)) return null;
  return JSON.parse(readFileSync(`${file}.json`, 'utf8')) as FitCheckpointInfo;
}

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
  /** Train data-parallel: every rank calls fitTrainingSet with the same options (the finder runs on each rank alike). */
  parallel?: Parallel;
  /** What "best" means for the reported best epoch. Default: the validation loss. */
  objective?: Objective;
  /** Write a checkpoint here after every epoch (data-parallel: rank 0 only). */
  checkpoint?: string;
  /** Continue from this checkpoint: its optimizer and rate, no finder, the epochs that are left. */
  resume?: string;
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
  const validation = p.loader('validation', { batchSize: Math.max(256, batchSize), shard: shardOf(o.parallel, 'dataset') });
  // Data-parallel ranks train on their slice; the finder (identical on every rank) reads it all.
  const shard = shardOf(o.parallel);
  const trainShard = shard ? p.loader('train', { batchSize, seed: o.seed ?? 0, augment: o.augment, fraction: o.trainFraction, shard }) : train;
  const metrics = metricsFor(p.task);
  const recorder = new Recorder();
  const lrFinds: FitTrainingSetResult['lrFinds'] = [];
  const history: EpochResult[] = [];
  let kind: OptimizerKind = o.optimizer === 'auto' || o.optimizer === undefined ? 'sgd' : o.optimizer;
  let optimizer = makeOptimizer(kind, model, o.lr ?? 1e-3, { weightDecay: o.weightDecay });
  let learner: Learner | null = null;
  const free = () => {
    if (trainShard !== train) trainShard.dispose();
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

  const phase = async (epochs: number, lr: number, resumeFrom?: string) => {
    optimizer.setLrs(lr);
    const schedule = makeSchedule(o.schedule ?? 'warm-restarts', optimizer, trainShard.length ?? 1, epochs, { lr, cycleEpochs: o.cycleEpochs, cycleMult: o.cycleMult });
    const callbacks: Callback[] = [recorder, ...parallelCallbacks(o.parallel), ...(o.callbacks ?? [])];
    if (schedule) callbacks.push(new ScheduleCallback(schedule));
    if (o.gradClip) callbacks.push(new GradClip({ maxNorm: o.gradClip }));
    if (p.task !== 'multilabel') callbacks.push(new ValidationMetrics(p.task, p.classes?.length ?? 1));
    if (o.checkpoint) {
      const file = o.checkpoint;
      callbacks.push(new CheckpointCallback(file, schedule), {
        order: 91,
        afterEpoch: (l: Learner) => {
          const info: FitCheckpointInfo = { optimizer: kind, lr, phaseEpochs: epochs, epochs: l.epoch + 1 };
          if (l.lastEpoch) writeFileSync(`${file}.json`, `${JSON.stringify(info)}\n`);
        },
      });
    }
    learner = new Learner({ model, optimizer, costFunction: o.cost.fn, train: trainShard, validation, metrics, callbacks });
    let left = epochs;
    if (resumeFrom) {
      // The checkpoint carries the whole history so far (every phase).
      left = Math.max(0, o.epochs - loadCheckpoint(learner, resumeFrom, schedule).epoch);
    } else {
      learner.history.push(...history);
      learner.startEpoch = history.length;
      learner.step = recorder.steps.length;
    }
    if (left > 0) await learner.fit(left);
    history.splice(0, history.length, ...learner.history);
  };

  try {
    const resumed = o.resume ? readFitCheckpoint(o.resume) : null;
    if (o.resume && !resumed) throw new Error(`${o.resume}: no step-3 checkpoint to resume from (expected the file and its .json sidecar)`);
    if (resumed) {
      kind = resumed.optimizer;
      optimizer.dispose();
      optimizer = makeOptimizer(kind, model, resumed.lr, { weightDecay: o.weightDecay });
      log({ step: 3, action: `resume from the checkpoint after epoch ${resumed.epochs}`, reason: `continuing with ${kind.toUpperCase()} at learning rate ${resumed.lr.toExponential(2)} for the ${Math.max(0, o.epochs - resumed.epochs)} epoch(s) left; the finder and the SGD→Adam rule already ran`, numbers: { ...resumed } });
      await phase(resumed.phaseEpochs, resumed.lr, o.resume);
      const best = bestBy(o.objective ?? objective('loss'), history, (h) => h);
      return { model, learner: learner!, recorder, history, best, metrics, dispose: free, decisions, lrFinds, optimizer: kind, lr: resumed.lr };
    }
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
    const best = bestBy(o.objective ?? objective('loss'), history, (h) => h);
    return { model, learner: learner!, recorder, history, best, metrics, dispose: free, decisions, lrFinds, optimizer: kind, lr };
  } catch (e) {
    free();
    throw e;
  }
}
