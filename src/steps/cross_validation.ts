// Decisions on k folds (--folds): a configuration is trained on each fold's
// training rows and measured on its validation rows as measure.ts measures
// (evaluation mode, fixed training subset, row by row); the decisions then
// read the mean over the folds, and quote it with its spread. The per-row
// losses of the k validation folds together cover every non-test row once
// (out of fold), in a fixed order, so two configurations are still compared
// row by row on the same rows. Each fold trains with its own training
// statistics: a regression model's output scale is the fold's training
// targets' mean and standard deviation, and class weights (when asked for) the
// fold's training class counts — never figures that saw its validation rows.
import type { FoldSet } from '../data/folds.js';
import type { Prepared } from '../data/prepare.js';
import type { ModelSpec } from './architecture.js';
import { chooseCostFunction } from './cost_function.js';
import { classBalance } from './class_balance.js';
import type { Callback } from '../train/index.js';
import type { Objective } from '../metrics/index.js';
import type { CostFunctionChoice } from './cost_function.js';
import type { Candidate, Measured } from './regularize.js';
import type { Baseline } from './baseline.js';
import type { Decision, DecisionLog } from './decisions.js';
import { fitModel, type OptimizerKind, type ScheduleKind } from './fit.js';
import { trainSubsetLoss, validationRowLosses } from './measure.js';
import { measureLoss } from './scale_free.js';
import { makePlan } from './plan.js';

/** The spread of one figure over the folds. */
export interface FoldSpread {
  k: number;
  mean: number;
  min: number;
  max: number;
  /** Sample standard deviation over the folds (0 for one value). */
  std: number;
  values: number[];
}

export function foldSpread(values: readonly number[]): FoldSpread {
  const k = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, k);
  const std = k > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (k - 1)) : 0;
  return { k, mean, min: Math.min(...values), max: Math.max(...values), std, values: [...values] };
}

/** "0.2345 (mean of 5 folds, 0.2100–0.2600, sd 0.0190)". */
export function describeSpread(s: FoldSpread): string {
  const p = (v: number) => v.toPrecision(4);
  return `${p(s.mean)} (mean of ${s.k} folds, ${p(s.min)}–${p(s.max)}, sd ${p(s.std)})`;
}

/** A Measured that came from folds: the means, and each figure's spread. */
export interface FoldMeasured extends Measured {
  folds: { trainLoss: FoldSpread; validLoss: FoldSpread; epochs: number[]; metrics?: Record<string, FoldSpread> };
}

/**
 * The spec as trained on a fold: a regression output scale (mean + std × head)
 * replaced by the fold's own, from its training targets (data/folds.ts); any
 * other spec unchanged.
 */
export function foldSpec(spec: ModelSpec, fold: Pick<Prepared, 'archInput'>): ModelSpec {
  const scale = fold.archInput.kind === 'image' ? undefined : fold.archInput.targetScale;
  if (spec.family === 'resnet' || !spec.options.outputScale || !scale) return spec;
  return { ...spec, options: { ...spec.options, outputScale: { ...scale } } } as ModelSpec;
}

/** The cost as trained on a fold: class weights (when in use) from the fold's training class counts; otherwise unchanged. */
export function foldCost(cost: CostFunctionChoice, fold: Pick<Prepared, 'task' | 'classes' | 'targets'>): CostFunctionChoice {
  const b = cost.balance;
  if (!b?.weights) return cost;
  const k = fold.classes?.length ?? 0;
  return chooseCostFunction(fold.task, k, undefined, { balance: classBalance(fold.targets('train'), k, b.mode, b.threshold, b.sampling, fold.classes) });
}

/**
 * The folds' measurements as one: training and validation loss and every
 * metric are means over the folds; the row losses are the folds' concatenated
 * (out of fold, fold 1 first); the epoch is the folds' median best epoch.
 */
export function aggregateFolds(perFold: readonly Measured[]): FoldMeasured {
  if (!perFold.length) throw new RangeError('aggregateFolds needs at least one fold');
  const train = foldSpread(perFold.map((m) => m.trainLoss));
  const valid = foldSpread(perFold.map((m) => m.validLoss));
  const metrics: Record<string, number> = {};
  const spreads: Record<string, FoldSpread> = {};
  for (const key of Object.keys(perFold[0].metrics)) {
    const v = perFold.map((m) => m.metrics[key]).filter((x) => typeof x === 'number' && Number.isFinite(x));
    if (v.length !== perFold.length) continue;
    spreads[key] = foldSpread(v);
    metrics[key] = spreads[key].mean;
  }
  const rows = perFold.every((m) => m.rowLosses) ? perFold.flatMap((m) => m.rowLosses!) : undefined;
  const epochs = perFold.map((m) => m.epoch);
  const sorted = [...epochs].sort((a, b) => a - b);
  return { candidate: perFold[0].candidate, trainLoss: train.mean, validLoss: valid.mean, rowLosses: rows, metrics, epoch: sorted[Math.floor((sorted.length - 1) / 2)], folds: { trainLoss: train, validLoss: valid, epochs, metrics: spreads } };
}

/** The naive baseline on every fold (fitted on its training targets, measured on its validation rows), as one baseline: the mean loss. */
export function foldBaseline(set: FoldSet, cost: { classWeights?: 'balanced' | 'none' } = {}): Baseline & { folds: FoldSpread } {
  const each = set.folds.map((f) => makePlan(f.prepared, {}, { classWeights: cost.classWeights }).baseline);
  const s = foldSpread(each.map((b) => b.loss));
  const metrics: Record<string, number> = {};
  for (const key of Object.keys(each[0].metrics)) metrics[key] = foldSpread(each.map((b) => b.metrics[key])).mean;
  return { name: each[0].name, loss: s.mean, metrics, description: `${each[0].name}, fitted and measured on each of ${set.k} folds (validation loss ${describeSpread(s)})`, folds: s };
}

/** How a configuration is trained on each fold: the recipe steps 3 and 4 settled on. */
export interface FoldRecipe {
  cost: CostFunctionChoice;
  optimizer: OptimizerKind;
  lr: number;
  epochs: number;
  batchSize?: number;
  schedule?: ScheduleKind;
  /** Clip the gradient norm to this (sixstep fit --clip). */
  gradClip?: number;
  seed?: number;
  objective?: Objective;
  callbacks?: Callback[];
  /** The playbook step the trainings belong to (guards' decisions); default 4. */
  step?: Decision['step'];
  onDecision?: DecisionLog;
}

/** One fold's training, measured; `epochsRun` below the recipe's epochs means a callback stopped it (pruned, deadline). */
export type FoldTraining = Measured & { epochsRun: number };

/** Trains `c` on fold `i` with the fold's own output scale and class weights, and measures it there (see above). */
export async function trainOnFold(set: FoldSet, i: number, c: Candidate, r: FoldRecipe, o: { fraction?: number; callbacks?: Callback[] } = {}): Promise<FoldTraining> {
  const f = set.folds[i];
  const p = f.prepared;
  const cost = foldCost(r.cost, p);
  const fit = await fitModel(p, { spec: foldSpec(c.spec, p), cost, optimizer: r.optimizer, lr: r.lr, weightDecay: c.weightDecay, epochs: r.epochs, batchSize: r.batchSize, schedule: r.schedule, gradClip: r.gradClip, seed: r.seed, trainFraction: o.fraction ?? 1, callbacks: [...(o.callbacks ?? []), ...(r.callbacks ?? [])], step: r.step ?? 4, onDecision: r.onDecision, what: `fold ${f.index + 1} of ${set.k}: ${c.label}`, objective: r.objective });
  try {
    const b = fit.best ?? fit.history.at(-1);
    // Stopped before its first epoch ended (a deadline): nothing measured.
    if (!b) return { candidate: c, trainLoss: NaN, validLoss: NaN, metrics: {}, epoch: 0, epochsRun: 0 };
    return { candidate: c, trainLoss: trainSubsetLoss(p, fit.model, measureLoss(cost)), validLoss: b.validLoss ?? NaN, rowLosses: validationRowLosses(p, fit.model, cost.fn), metrics: b.metrics, epoch: b.epoch, epochsRun: fit.history.length };
  } finally {
    fit.dispose();
  }
}

/** Trains `c` on every fold (training-set share `fraction`) and measures it there (see above). */
export async function crossValidate(set: FoldSet, c: Candidate, r: FoldRecipe, fraction = 1): Promise<FoldMeasured> {
  const perFold: Measured[] = [];
  for (let i = 0; i < set.k; i++) perFold.push(await trainOnFold(set, i, c, r, { fraction }));
  return aggregateFolds(perFold);
}

/** What the autopilot keeps of the folds (state.json). */
export interface FoldState {
  k: number;
  rows: number;
  baseline: Baseline & { folds: FoldSpread };
  /** The step-3 recipe, measured on every fold. */
  step3: FoldMeasured;
}

/**
 * Step 3 on folds: the recipe step 3 settled on (optimizer, learning rate,
 * epochs) trained on every fold, with the naive baseline measured on every
 * fold too (like with like), logged with mean and spread.
 */
export async function foldStep3(set: FoldSet, o: { cost: CostFunctionChoice; candidate: Candidate; optimizer: OptimizerKind; lr: number; epochs: number; batchSize?: number; seed?: number; objective?: Objective; callbacks?: Callback[]; classWeights?: 'balanced' | 'none'; log: (d: Decision) => void }): Promise<FoldState> {
  const baseline = foldBaseline(set, { classWeights: o.classWeights });
  const step3 = await crossValidate(set, o.candidate, { cost: o.cost, optimizer: o.optimizer, lr: o.lr, epochs: o.epochs, batchSize: o.batchSize, seed: o.seed, objective: o.objective, callbacks: o.callbacks, step: 3 });
  o.log({
    step: 3,
    action: `cross-validate the step-3 recipe on ${set.k} folds`,
    reason: `${o.optimizer.toUpperCase()} at learning rate ${o.lr.toExponential(2)} for ${o.epochs} epoch(s) on each fold's training rows (${set.rows} non-test rows, stratified; the sealed test split is in no fold): validation loss ${describeSpread(step3.folds.validLoss)}, training loss ${describeSpread(step3.folds.trainLoss)}, naive baseline ${describeSpread(baseline.folds)}; step 3's verdict and step 4's ladder read these means`,
    numbers: { k: set.k, rows: set.rows, validLoss: step3.folds.validLoss, trainLoss: step3.folds.trainLoss, baselineLoss: baseline.folds, epochs: step3.folds.epochs },
  });
  return { k: set.k, rows: set.rows, baseline, step3 };
}

/**
 * The decision that says what the final model is when folds were used: they
 * either chose the configuration by their mean (auto, tune) or measured the
 * recipe that was trained anyway (fit).
 */
export function foldFinalModel(k: number, label: string, step: Decision['step'] = 4, folds: 'chose' | 'measured' = 'chose'): Decision {
  const role = folds === 'chose' ? `the ${k} folds chose the configuration by their mean` : `the ${k} folds measured the recipe (their mean and spread are the figures to quote for it)`;
  return {
    step,
    action: `final model: ${label}, trained on the default split`,
    reason: `${role}; the model itself is trained on the default split's training rows (its best epoch on that split's validation rows), so it keeps a held-out validation split for its own figures, calibration and error analysis, and step 5 compares the test loss with a validation loss of the same model — a model refitted on every non-test row would have no held-out rows left to check it on`,
    numbers: { k },
  };
}
