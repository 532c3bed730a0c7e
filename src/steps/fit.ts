// Training one configuration on prepared data: the model from its spec, the
// optimizer, a per-batch schedule (cosine annealing with warm restarts by
// default, the playbook's preference, its cycles sized to end with the run),
// the guards (NaN, exploding gradients), recording — as one call that returns
// the best model (lowest validation loss, KeepBest) and its history.
import { manualSeed } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import { SGD, Adam, AdamW, CosineCycles, cyclesForRun, OneCycleLR, type Optimizer, type ParamGroup } from '../optim/index.js';
import { Learner, Recorder, ScheduleCallback, PacedSchedule, type PacedScheduleOptions, GradClip, KeepBest, ValidationMetrics, bestEpoch, accuracy, labelAccuracy, mae, rmse, type Callback, type EpochResult, type Metric, type StepSchedule } from '../train/index.js';
import { objective, type Objective } from '../metrics/index.js';
import { buildModel, type ModelSpec } from './architecture.js';
import type { CostFunctionChoice } from './cost_function.js';
import type { Prepared, LoaderSource } from '../data/prepare.js';
import type { Augmenter } from '../data/index.js';
import { parallelCallbacks, shardOf, type Parallel } from './parallel.js';
import { trainingLoss, measureLoss } from './scale_free.js';
import { trainingGuards } from './guards.js';
import type { Decision, DecisionLog } from './decisions.js';

export type OptimizerKind = 'sgd' | 'adam' | 'adamw';
export type ScheduleKind = 'warm-restarts' | 'one-cycle' | 'constant';

export interface FitConfig {
  spec: ModelSpec;
  cost: CostFunctionChoice;
  /** Default 'sgd' (momentum 0.9): where the seed starts. */
  optimizer?: OptimizerKind;
  lr: number;
  /** SGD momentum; default 0.9. */
  momentum?: number;
  /** L2 (SGD, Adam) or decoupled (AdamW) weight decay; default 0. */
  weightDecay?: number;
  /** Epochs to train; a fraction of one is allowed (the schedule and the training end at that step). */
  epochs: number;
  /** Pace the schedule to a deadline in steps (train/callbacks/paced_schedule.ts): the total may change with the measured pace, up to `maxEpochs`. */
  pace?: Omit<PacedScheduleOptions, 'schedule' | 'plannedSteps'> & { maxEpochs: number };
  /** Default 64 (tabular/text), 128 (images). */
  batchSize?: number;
  /** Default 'warm-restarts'. */
  schedule?: ScheduleKind;
  /** Warm restarts: cycle length in epochs (T₀) and growth (T_mult); defaults 1 and 2. */
  cycleEpochs?: number;
  cycleMult?: number;
  /** Clip the gradient norm to this; default none. */
  gradClip?: number;
  /** Default 0. */
  seed?: number;
  /** Training-set share to use (learning curves); default 1. */
  trainFraction?: number;
  augment?: Augmenter;
  callbacks?: Callback[];
  /** Start from these weights (transfer learning, resuming a tuned model). */
  initialState?: Module;
  /** Train data-parallel over a process group (each rank calls fitModel with the same config). */
  parallel?: Parallel;
  /** The playbook step this training belongs to, for the guards' decisions; default 4 (probes and final trainings). */
  step?: Decision['step'];
  /** Where the guards' decisions (clipping, rollbacks) go. */
  onDecision?: DecisionLog;
  /** What this training is, for the guards' log. */
  what?: string;
  /** What "best" means for `best`. Default: the validation loss. */
  objective?: Objective;
  /** Hand back the best epoch's weights (KeepBest); false: the last epoch's, when the validation rows are among the training rows (a refit). Default true. */
  keepBest?: boolean;
}

export interface FitResult {
  model: Module;
  learner: Learner;
  recorder: Recorder;
  history: EpochResult[];
  /** The epoch with the best validation figure (the lowest loss unless an objective says otherwise): the weights `model` holds (null when no epoch had a finite one; the model is then the last epoch's). */
  best: EpochResult | null;
  metrics: Metric[];
  /** Releases the model, optimizer and loaders. */
  dispose(): void;
}

/** What each epoch reports beside the loss; multilabel: the label-wise accuracy and each label's own. */
export function metricsFor(task: Prepared['task'], labels?: readonly string[] | null): Metric[] {
  if (task === 'regression') return [rmse, mae];
  if (task === 'multilabel' && labels) return [accuracy, ...labels.map((l, k) => labelAccuracy(k, l))];
  return [accuracy];
}

export function makeOptimizer(kind: OptimizerKind, params: ParamGroup[] | Module, lr: number, o: { momentum?: number; weightDecay?: number } = {}): Optimizer {
  const p = Array.isArray(params) ? params : params.parameters();
  const wd = o.weightDecay ?? 0;
  switch (kind) {
    case 'sgd':
      return new SGD({ params: p, lr, momentum: o.momentum ?? 0.9, weightDecay: wd });
    case 'adam':
      return new Adam({ params: p, lr, weightDecay: wd });
    case 'adamw':
      return new AdamW({ params: p, lr, weightDecay: wd });
  }
}

export function makeSchedule(kind: ScheduleKind, opt: Optimizer, batchesPerEpoch: number, epochs: number, c: { lr: number; cycleEpochs?: number; cycleMult?: number }): StepSchedule | null {
  if (kind === 'constant') return null;
  const total = Math.max(1, Math.round(batchesPerEpoch * epochs));
  if (kind === 'one-cycle') return new OneCycleLR(opt, { maxLr: c.lr, totalSteps: total + 1 });
  // Warm restarts: cycles of T₀, T₀·T_mult, … epochs while they fit, the last stretched to end with the run, so the run ends annealed.
  const t0 = Math.max(1, Math.round((c.cycleEpochs ?? 1) * batchesPerEpoch));
  return new CosineCycles(opt, { cycles: cyclesForRun(total, t0, c.cycleMult ?? 2), etaMin: c.lr / 100 });
}

export async function fitModel(p: Prepared, c: FitConfig): Promise<FitResult> {
  manualSeed(c.seed ?? 0);
  const model = buildModel(c.spec, p.device);
  if (c.initialState) model.loadStateDict(c.initialState.stateDict());
  const batchSize = c.batchSize ?? (p.kind === 'image' ? 128 : 64);
  let train: LoaderSource | null = null;
  let validation: LoaderSource | null = null;
  let optimizer: Optimizer | null = null;
  const dispose = () => {
    train?.dispose();
    validation?.dispose();
    optimizer?.dispose();
    model.dispose();
  };
  try {
    train = p.loader('train', { batchSize, seed: c.seed ?? 0, augment: c.augment, fraction: c.trainFraction, shard: shardOf(c.parallel), sampling: c.cost.sampling });
    validation = p.loader('validation', { batchSize: Math.max(256, batchSize), shard: shardOf(c.parallel, 'dataset') });
    optimizer = makeOptimizer(c.optimizer ?? 'sgd', model, c.lr, { momentum: c.momentum, weightDecay: c.weightDecay });
    const schedule = makeSchedule(c.schedule ?? 'warm-restarts', optimizer, train.length ?? 1, c.epochs, c);
    const recorder = new Recorder();
    const obj = c.objective ?? objective('loss');
    const callbacks: Callback[] = [recorder, ...(c.keepBest === false ? [] : [new KeepBest({ objective: obj })]), ...trainingGuards({ step: c.step ?? 4, onDecision: c.onDecision, what: c.what }), ...parallelCallbacks(c.parallel), ...(c.callbacks ?? [])];
    // A fraction of an epoch, or a pace: the step count ends the training, not the epoch loop.
    const steps = Math.max(1, Math.round((train.length ?? 1) * c.epochs));
    const paced = c.pace || !Number.isInteger(c.epochs) ? new PacedSchedule({ schedule, plannedSteps: steps, deadline: Infinity, validationSeconds: 0, ...c.pace }) : null;
    if (paced) callbacks.push(paced);
    else if (schedule) callbacks.push(new ScheduleCallback(schedule));
    if (c.gradClip) callbacks.push(new GradClip({ maxNorm: c.gradClip }));
    const metrics = metricsFor(p.task, p.classes);
    // F1, AUC, R² … per epoch, for the optimising metric and the record.
    if (p.task !== 'multilabel') callbacks.push(new ValidationMetrics(p.task, p.classes?.length ?? 1));
    const learner = new Learner({ model, optimizer, costFunction: trainingLoss(p, c.cost), measureFunction: measureLoss(c.cost), train, validation, metrics, callbacks });
    await learner.fit(Math.ceil(Math.max(c.epochs, c.pace?.maxEpochs ?? 0)));
    const history = learner.history;
    return { model, learner, recorder, history, best: bestEpoch(history, obj), metrics, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}
