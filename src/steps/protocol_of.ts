// The playbook's evaluation protocol: holdout on the default split, or k
// cross-validation folds of the non-test rows (--folds), each training one
// candidate the playbook's way (steps/fit.ts: the guards, the best epoch) and
// measuring it the protocol's way (protocol/: eval mode, unweighted, per row).
// Each fold trains with its own training statistics: a regression model's
// output scale is the fold's training targets' mean and standard deviation,
// and class weights (when asked for) the fold's training class counts — never
// figures that saw its validation rows.
import { ImageAugment, type ImageAugmentConfig } from '../data/index.js';
import type { FoldSet } from '../data/folds.js';
import type { Prepared } from '../data/prepare.js';
import { tidy } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import { finishMetric, type Callback, type EpochResult } from '../train/index.js';
import { evaluatePredictions, forEachEvalBatch, PredictionCollector, type Objective } from '../metrics/index.js';
import { holdout, kFold, measureLoss, trainSubsetLoss, type Candidate as ProtocolCandidate, type Measured as ProtocolMeasured, type Protocol, type ProtocolBaseline, type SplitRecord, type Trained, type TrainRequest, type ProtocolView } from '../protocol/index.js';
import type { ModelSpec } from './architecture.js';
import { chooseCostFunction, type CostFunctionChoice } from './cost_function.js';
import { classBalance } from './class_balance.js';
import type { Decision, DecisionLog } from './decisions.js';
import { fitModel, metricsFor, type OptimizerKind, type ScheduleKind } from './fit.js';
import { solveLinear, writeParameters, type LinearPath } from './linear_solve.js';
import { buildModel } from './architecture.js';
import { makePlan, type Plan } from './plan.js';
import type { Parallel } from './parallel.js';

export type Candidate = ProtocolCandidate<ModelSpec>;
export type Measured = ProtocolMeasured<ModelSpec>;

/** How a candidate is trained: the recipe steps 3 and 4 settled on. */
export interface FitRecipe {
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
  /** The transforms a candidate with `augment` trains with; default every transform. */
  augment?: ImageAugmentConfig | null;
  /** Train data-parallel (every rank trains the same candidates). */
  parallel?: Parallel;
  /**
   * A linear network is then solved to its optimum (L-BFGS on the full-batch loss, steps/linear_solve.ts), by this
   * deadline. With a path, a view that has a solution at another penalty starts the solver there, with no
   * stochastic steps; every solution is kept on the path.
   */
  solve?: { deadline?: number; clock?: () => number; path?: LinearPath };
}

export type PlaybookProtocol = Protocol<ModelSpec, CostFunctionChoice, FitRecipe>;

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

/** The naive baseline of one fold: fitted on its training targets, measured on its validation rows. */
export function foldBaseline(fold: Prepared, cost: Pick<CostFunctionChoice, 'balance'>): ProtocolBaseline {
  return makePlan(fold, {}, { classWeights: cost.balance?.mode }).baseline;
}

/** One candidate trained on one view the playbook's way (fitModel), with the view's spec and cost. */
export async function fitOnView(view: ProtocolView<CostFunctionChoice>, q: TrainRequest<ModelSpec, FitRecipe>): Promise<Trained> {
  const r = q.recipe;
  const c = q.candidate;
  const warm = r.solve?.path && q.fraction === 1 ? r.solve.path.nearest(view.index, c.weightDecay) : null;
  if (r.solve && warm) return solveFrom(view, c, r.solve, warm);
  const fit = await fitModel(view.prepared, {
    spec: foldSpec(c.spec, view.prepared),
    cost: view.cost,
    optimizer: r.optimizer,
    lr: r.lr,
    weightDecay: c.weightDecay,
    epochs: r.epochs,
    batchSize: r.batchSize,
    schedule: r.schedule,
    gradClip: r.gradClip,
    seed: r.seed,
    augment: c.augment ? new ImageAugment(r.augment ?? {}) : undefined,
    trainFraction: q.fraction,
    callbacks: [...q.callbacks, ...(r.callbacks ?? [])],
    parallel: r.parallel,
    step: r.step ?? 4,
    onDecision: r.onDecision,
    what: q.what,
    objective: r.objective,
  });
  const cut = fit.history.length < r.epochs;
  // Cut by its deadline, the stochastic steps still leave the next penalty a better start than scratch.
  if (r.solve && cut && q.fraction === 1 && fit.history.length) r.solve.path?.keep(view.index, c.weightDecay, fit.model);
  if (!r.solve || cut) return { model: fit.model, history: fit.history, best: fit.best, cut, dispose: () => fit.dispose() };
  try {
    const s = solveLinear(view.prepared, fit.model, view.cost, c.weightDecay, r.solve);
    r.solve.path?.keep(view.index, c.weightDecay, fit.model);
    const f = await weightFigures(view.prepared, view.cost, fit.model);
    const best: EpochResult = { epoch: fit.history.length, trainLoss: s.loss, validLoss: f.validLoss, metrics: f.metrics, seconds: fit.history.reduce((a, e) => a + e.seconds, 0) };
    return { model: fit.model, history: fit.history, best, cut, solved: { converged: s.converged, iterations: s.iterations, reason: s.reason }, dispose: () => fit.dispose() };
  } catch (e) {
    fit.dispose();
    throw e;
  }
}

/** A linear network on `view` solved from `start` (a neighbouring penalty's solution on the same rows): no stochastic steps. */
async function solveFrom(view: ProtocolView<CostFunctionChoice>, c: TrainRequest<ModelSpec, FitRecipe>['candidate'], solve: NonNullable<FitRecipe['solve']>, start: Float64Array): Promise<Trained> {
  const clock = solve.clock ?? Date.now;
  const started = clock();
  const model = buildModel(foldSpec(c.spec, view.prepared), view.prepared.device);
  try {
    writeParameters(model, start);
    const s = solveLinear(view.prepared, model, view.cost, c.weightDecay, solve);
    solve.path?.keep(view.index, c.weightDecay, model);
    const f = await weightFigures(view.prepared, view.cost, model);
    const best: EpochResult = { epoch: 0, trainLoss: s.loss, validLoss: f.validLoss, metrics: f.metrics, seconds: (clock() - started) / 1000 };
    return { model, history: [], best, cut: false, solved: { converged: s.converged, iterations: s.iterations, reason: s.reason }, dispose: () => model.dispose() };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** The protocol a run's decisions follow: holdout, or k folds of the non-test rows when `folds` are given. */
export function protocolFor(plan: Plan, split: SplitRecord, folds?: FoldSet): PlaybookProtocol {
  const base = { prepared: plan.prepared, cost: plan.cost, baseline: plan.baseline, split, trainer: fitOnView };
  if (!folds) return holdout(base);
  return kFold({ ...base, folds, foldCost: (f) => foldCost(plan.cost, f), foldBaseline: (f) => foldBaseline(f, plan.cost) });
}

/**
 * A model on the default split measured from its weights alone, with no epoch
 * to read the figures from (the weights' moving average): in one evaluation
 * pass, every validation row's measure loss, the loop's metrics and the
 * prediction metrics (F1, AUC, R² …) exactly as an epoch reports them; then
 * the training subset.
 */
export async function measureWeights(pr: PlaybookProtocol, model: Module, c: Candidate, epoch: number): Promise<Measured> {
  const view = pr.defaultSplit;
  const f = await weightFigures(view.prepared, view.cost, model);
  return { candidate: c, trainLoss: trainSubsetLoss(view.prepared, model, view.cost), validLoss: f.validLoss, rowLosses: f.rowLosses, metrics: f.metrics, epoch };
}

/** One evaluation pass over the validation rows: every row's measure loss, their mean, and the metrics an epoch reports. */
async function weightFigures(p: Prepared, cost: CostFunctionChoice, model: Module): Promise<{ validLoss: number; rowLosses: number[]; metrics: Record<string, number> }> {
  const loss = measureLoss(cost);
  const metrics = metricsFor(p.task, p.classes);
  const sums = metrics.map(() => 0);
  const rows: number[] = [];
  const collector = p.task === 'multilabel' ? null : new PredictionCollector(p.task, p.classes?.length ?? 1);
  const v = p.loader('validation', { batchSize: 256 });
  try {
    await forEachEvalBatch(model, v, (out, y, n) => {
      for (let i = 0; i < n; i++) rows.push(tidy(() => loss(out.narrow(0, i, 1), y.narrow(0, i, 1)).item()));
      metrics.forEach((m, i) => (sums[i] += m.batchSum(out, y)));
      collector?.add(out, y);
    });
  } finally {
    v.dispose();
  }
  const figures: Record<string, number> = {};
  metrics.forEach((m, i) => (figures[m.name] = finishMetric(m, sums[i], rows.length)));
  // As ValidationMetrics adds them: the loop's own figures stay; undefined ones (AUC with one class) are left out.
  if (collector?.rows) for (const [k, x] of Object.entries(evaluatePredictions(collector.result()).metrics)) if (x !== null && !(k in figures)) figures[k] = x;
  return { validLoss: rows.reduce((a, b) => a + b, 0) / Math.max(1, rows.length), rowLosses: rows, metrics: figures };
}
