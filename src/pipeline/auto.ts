// auto(): the whole playbook (steps 1 → 5) within a time budget, as a library
// call. It creates (or resumes) the run in the project's store, runs the
// autopilot's stages, then produces what a run leaves behind — split metrics,
// the model directory with its drift references, the error analysis, the
// HTML report — and finishes the run with its summary, which it returns: the
// object `sixstep auto --json` prints.
import type { Finding } from '../data/findings/index.js';
import { splitByFlag, type SplitBy } from '../data/split_by.js';
import { join } from 'node:path';
import type { Module } from '../nn/index.js';
import type { Callback, RankStats } from '../train/index.js';
import type { AugmentChoice } from '../data/index.js';
import type { FoldSet } from '../data/folds.js';
import { FlipAveraged, type LayerRow } from '../models/index.js';
import { objective as lossObjective, type Objective } from '../metrics/index.js';
import { renderReport } from '../report/index.js';
import type { Baseline } from '../steps/baseline.js';
import type { Decision } from '../steps/decisions.js';
import type { FitVerdict } from '../steps/diagnosis.js';
import type { ModelSpec } from '../steps/architecture.js';
import { parameterDevice } from '../steps/architecture.js';
import { ttaOutputFor } from '../steps/compute_options.js';
import type { Parallel } from '../steps/parallel.js';
import type { PretrainedChoice } from '../steps/fine_tune.js';
import type { SplitRecord } from '../protocol/index.js';
import { runAutopilot } from './auto/autopilot.js';
import { AUTOPILOT_BUDGET, type AutopilotBudget, type AutoState } from './auto/context.js';
import { imageCapForBudget } from '../steps/image_budget.js';
import type { NaturalImages, SideCap } from '../data/image_size.js';
import { linearReferenceSummary, type LinearReferenceSummary } from './auto/linear_summary.js';
import { evaluateSplits, interpretRun, recordSplits, validationViews, writeReportFile, writeRunModel } from './artefacts.js';
import { openPlan, planSplit, type PlanOptions, type ProjectPlan } from './project.js';
import { endRunOnError } from './end_run.js';

export interface AutoOptions extends Partial<PlanOptions> {
  /** The plan to run on (the CLI opens it first to print steps 1 and 2); default: opened from the data options. */
  plan?: ProjectPlan;
  /** Minutes of wall time for the whole command, from `startedAt`. Default 10. */
  budgetMinutes?: number;
  /** When the command started (ms since epoch; data loading counts). Default: when auto() is called. */
  startedAt?: number;
  /** Continue the newest unfinished auto run on this data. Default false. */
  resume?: boolean;
  /** The optimising metric (metrics/objective.ts). Default: the validation loss. */
  objective?: Objective;
  /** Images: the transforms step 4 may use, resolved against the training images (data/augment_choice.ts); null: none. Default: every transform. */
  augment?: AugmentChoice | null;
  /** Tables: cross-validation folds of the non-test rows (data/folds.ts makeFolds): the decisions follow the k-fold protocol. */
  folds?: FoldSet;
  /** Images: fine-tune a torchvision-named backbone instead of training the proposal from scratch. */
  pretrained?: PretrainedChoice | null;
  /** How the budget is shared out; default AUTOPILOT_BUDGET. */
  budget?: Partial<AutopilotBudget>;
  /** Extra callbacks for every training (progress bars, interruption). */
  callbacks?: Callback[];
  onDecision?: (d: Decision) => void;
  /** A phase starts (progress output). */
  onPhase?: (step: number, title: string) => void;
  /** The run is created or resumed (its id and folder), before any training. */
  onRun?: (run: { id: string; dir: string; resumed: boolean }) => void;
  /** Polled between stages: true stops the run after the current stage (it can be resumed). */
  interrupted?: () => boolean;
  /** Train every fit data-parallel (this process is rank 0; the others run runAutopilot with the same options). */
  parallel?: Parallel & { onRankStats?: (epoch: number, ranks: RankStats[]) => void };
  /** ms since epoch; data-parallel ranks pass one agreed clock. Default Date.now. */
  clock?: () => number;
}

/** What a run of auto produces; `sixstep auto --json` prints exactly this. */
export interface AutoResult {
  run: string;
  status: 'finished' | 'interrupted';
  task: string;
  costFunction: string;
  optimisingMetric: string;
  architecture: Array<Pick<LayerRow, 'name' | 'type' | 'shapes' | 'params'>>;
  /** The kept model's architecture (what the model directory holds). */
  model_spec: ModelSpec | null;
  chosenConfiguration: string | null;
  optimizer: string | null;
  learningRate: number | null;
  /** Per split: the loss (training: eval mode on the fixed training subset) and every metric. */
  metrics: { train: Record<string, number | null> | null; validation: Record<string, number | null> | null; test: Record<string, number | null> | null };
  baseline: Baseline;
  /** Step 2's linear reference on the same rows (null: images, or none fitted): its validation loss and metrics, and whether the run kept it over the deep model. */
  linearReference: LinearReferenceSummary | null;
  /** The kept linear reference fitted again on the training and validation rows before step 5 (null: no refit tried); `kept` says whether its weights replaced the validated ones. */
  refit: AutoState['refit'] | null;
  /** Step 3's verdict (fitVerdict): fitted, bias-gap, no-signal or undecided. */
  signal: FitVerdict | null;
  testEvaluations: number;
  testWarnings: string[];
  testAdvice: string | null;
  /** Step 5's reading of a validation–test gap (shift or noise), when there was one. */
  testDiagnosis: unknown;
  /** What plan suspected before training (time order, key columns, leaks, near-duplicates). */
  warnings: Finding[];
  decisions: Decision[];
  /** The model directory, or null when no model was trained. */
  model: string | null;
  report: string;
  splits: { train: number; validation: number; test: number; by: SplitBy; assignments: string | null };
  /** Which rows the run used (its split manifest's seed, shares and fingerprint; the folds). */
  split: SplitRecord;
  dataFingerprint: string;
  device: string;
  deviceReason: string;
  parallel: { worldSize: number; backend: string } | null;
  crossValidation: { k: number; rows: number; validLoss: unknown; trainLoss: unknown; baselineLoss: unknown; chosen: unknown; selection: string } | null;
  /** 'recorded', or why the error analysis could not be made (the report says so too). */
  errorAnalysis: string;
}

/** Large photos' working side under a budget: the largest at which step 3 trains enough epochs in its share (measured; steps/image_budget.ts). */
export function autoImageCap(budgetMinutes: number, shares: Partial<AutopilotBudget> = {}): (n: NaturalImages) => SideCap {
  const step3Share = (shares.step3Share ?? AUTOPILOT_BUDGET.step3Share).image;
  return (n) => imageCapForBudget(n, { budgetSeconds: budgetMinutes * 60, step3Share });
}

export async function auto(o: AutoOptions): Promise<AutoResult> {
  // A plan it opens itself is closed at the end; a plan given stays the caller's. Data-parallel ranks keep the default cap, so every rank reads the same shape.
  const imageCap = o.imageCap ?? (o.parallel ? undefined : autoImageCap(o.budgetMinutes ?? 10, o.budget));
  const p = o.plan ?? (await openPlan({ ...o, imageCap } as PlanOptions));
  try {
    return await autoOn(p, o);
  } finally {
    if (!o.plan) p.store.close();
  }
}

async function autoOn(p: ProjectPlan, o: AutoOptions): Promise<AutoResult> {
  const store = p.store;
  const prepared = p.prepared;
  const seed = o.seed ?? 0;
  const optimising = o.objective ?? lossObjective('loss');
  const split = await planSplit(p, o.folds ? { set: o.folds, seed } : undefined);
  const previous = o.resume ? store.listRuns({ kind: 'auto' }).find((r) => r.status !== 'finished' && (r.config as any)?.fingerprint === prepared.fingerprint) : undefined;
  const pre = o.pretrained ?? null;
  const run = previous ?? store.createRun({ kind: 'auto', config: { data: p.data, target: p.target, test: p.test, budget: o.budgetMinutes ?? 10, seed, fingerprint: prepared.fingerprint, pretrained: pre ? { file: pre.file, arch: pre.arch ?? null } : null, split } as any });
  const runDir = join(p.projectDir, 'runs', run.id);
  o.onRun?.({ id: run.id, dir: runDir, resumed: Boolean(previous) });
  // Each fit of the autopilot restarts its epochs: rank figures are numbered across them.
  let rankEpoch = Math.max(-1, ...store.rankStats(run.id).map((x) => x.epoch)) + 1;
  const aug = o.augment;
  const clock = o.clock ?? Date.now;
  const startedAt = o.startedAt ?? clock();
  try {
    const r = await runAutopilot({
      plan: p,
      split,
      store,
      runId: run.id,
      runDir,
      budgetMinutes: o.budgetMinutes,
      startedAt,
      seed,
      objective: optimising,
      callbacks: o.callbacks,
      interrupted: o.interrupted,
      parallel: o.parallel ? { ...o.parallel, onRankStats: (_, ranks) => { store.putRankStats(run.id, rankEpoch, ranks); o.parallel!.onRankStats?.(rankEpoch++, ranks); } } : undefined,
      clock: o.clock,
      pretrained: pre ? { file: pre.file, arch: pre.arch, input: pre.input, freezeEpochs: pre.freezeEpochs } : undefined,
      augment: aug === undefined ? undefined : aug && aug.names.length ? aug.config : null,
      folds: o.folds,
      budget: o.budget,
      onPhase: o.onPhase,
      onDecision: o.onDecision,
    });
    try {
      return await finishAuto(o, p, run.id, r.state, r.model, r.validated, split, optimising, { clock, endsAt: startedAt + (o.budgetMinutes ?? 10) * 60_000 });
    } finally {
      r.dispose();
    }
  } catch (e) {
    endRunOnError(store, run.id, e, o.interrupted?.() ?? false);
    throw e;
  }
}

/** Seconds permutation importance may take: most of what the budget has left, after the report's fixed cost (REPORT_SECONDS). */
export function importanceSeconds(secondsLeft: number): number {
  return Math.max(0, 0.8 * (secondsLeft - REPORT_SECONDS));
}

/** Writing the report, the summary and the run's records, kept back from the interpretation (as the budget planner's fixed reserve). */
const REPORT_SECONDS = 3;

/** The artefacts of a run and its summary: what a finished (or interrupted) run leaves behind. */
async function finishAuto(o: AutoOptions, p: ProjectPlan, runId: string, s: AutoState, model: Module | null, validated: Module | null, split: SplitRecord, optimising: Objective, budget: { clock: () => number; endsAt: number }): Promise<AutoResult> {
  const store = p.store;
  const prepared = p.prepared;
  const f = s.final;
  const done = s.phase === 'done';
  // The model as step 5 verified it and serving runs it: with flip test-time augmentation when step 5 chose it (the wrapper shares the weights; `model` is what is saved).
  const verified = model && s.testTimeAugmentation === 'flip' ? new FlipAveraged(model, ttaOutputFor(prepared.task)) : model;
  // The figures on the training and validation rows, the error analysis and the served predictions' reference are the
  // validated weights' when a refit on those rows replaced them (they would flatter it).
  const judged = validated ?? verified;
  const splits = judged ? await evaluateSplits(judged, p) : { train: null, validation: null, validationPredictions: null };
  const test = s.test ? { loss: s.test.loss, ...s.test.metrics, ...(s.test.evaluation?.metrics ?? {}) } : null;
  // The training loss is the eval-mode one on the fixed training subset, like every decision's.
  const trainMetrics = f ? { loss: f.trainLoss, ...(splits.train?.metrics ?? {}) } : null;
  const validationMetrics = f ? { loss: s.verifiedValidLoss ?? f.validLoss, ...f.metrics, ...(splits.validation?.metrics ?? {}) } : null;
  let modelDir: string | null = null;
  if (model && f) {
    modelDir = writeRunModel({
      plan: p,
      runId,
      model,
      spec: f.candidate.spec,
      metrics: { train: trainMetrics, validation: validationMetrics, test },
      extra: { decisions: s.decisions.length, run: runId, trainLoss: 'eval mode, fixed training subset', split, ...(s.refit?.kept ? { refit: { rows: s.refit.rows, epochs: s.refit.epochs, figures: 'training and validation figures are the validated weights\' (the refit has seen those rows); the test figures are these weights\'' } } : {}), ...(prepared.kind === 'image' ? { testTimeAugmentation: s.testTimeAugmentation ?? null } : {}), ...(o.augment ? { augment: { names: o.augment.names, config: o.augment.config, reason: o.augment.reason, used: f.candidate.augment } } : {}) },
      validationPredictions: splits.validationPredictions,
    });
  }
  // Where the model fails on validation: the very rows it validated on; kept with the run (dashboard) and drawn in the report.
  let interpretation = null;
  let errorAnalysis = verified ? 'recorded' : 'no model';
  if (verified && splits.validation) {
    try {
      interpretation = await interpretRun(judged!, p, o.seed ?? 0, importanceSeconds((budget.endsAt - budget.clock()) / 1000));
    } catch (e) {
      errorAnalysis = `skipped: ${(e as Error).message}`;
    }
  } else if (verified) errorAnalysis = `not made for ${prepared.task} models`;
  recordSplits(store, runId, splits, interpretation);
  const metricsOf = (loss: number | null | undefined, ...m: Array<Record<string, number | null> | undefined>) => (loss === undefined ? null : Object.assign({ loss }, ...m.map((x) => x ?? {})));
  const cv = s.cv;
  const summary: AutoResult = {
    run: runId,
    status: done ? 'finished' : 'interrupted',
    task: prepared.task,
    costFunction: p.cost.name,
    optimisingMetric: optimising.metric,
    architecture: p.layers.map((l) => ({ name: l.name, type: l.type, shapes: l.shapes, params: l.params })),
    model_spec: f?.candidate.spec ?? null,
    chosenConfiguration: f?.candidate.label ?? null,
    optimizer: s.step3?.optimizer ?? null,
    learningRate: s.step3?.lr ?? null,
    metrics: {
      train: metricsOf(f?.trainLoss, splits.train?.metrics),
      validation: metricsOf(f ? (s.verifiedValidLoss ?? f.validLoss) : undefined, f?.metrics, splits.validation?.metrics),
      test: s.test ? metricsOf(s.test.loss, s.test.metrics, s.test.evaluation?.metrics) : null,
    },
    baseline: p.baseline,
    linearReference: linearReferenceSummary(s.linearReference),
    refit: s.refit ?? null,
    signal: s.verdict ?? null,
    testEvaluations: store.ledger({ datasetFingerprint: prepared.fingerprint }).filter((e) => e.metricName === 'loss').length,
    testWarnings: s.test?.warnings ?? [],
    testAdvice: s.test?.advice ?? null,
    testDiagnosis: s.test?.diagnosis ?? null,
    warnings: prepared.findings ?? [],
    decisions: s.decisions,
    model: modelDir,
    report: '',
    splits: { ...prepared.counts, by: prepared.splitBy ?? { kind: 'random' }, assignments: p.assignments ?? null },
    split,
    dataFingerprint: prepared.fingerprint,
    // Where the kept model's parameters were, and why that device was chosen.
    device: model ? parameterDevice(model) : p.device.device,
    deviceReason: p.device.reason,
    parallel: o.parallel ? { worldSize: o.parallel.group.worldSize, backend: 'gloo' } : null,
    crossValidation: cv ? { k: cv.k, rows: cv.rows, validLoss: cv.step3.folds!.validLoss, trainLoss: cv.step3.folds!.trainLoss, baselineLoss: cv.baseline.folds, chosen: s.ladder?.best.folds?.validLoss ?? null, selection: "each fold's best epoch on its own validation rows: optimistic as an estimate of the recipe" } : null,
    errorAnalysis,
  };
  const { confusion, residuals } = validationViews(splits.validationPredictions, prepared.classes);
  const html = await renderReport({
    title: `sixstep auto — ${p.data}`,
    summary: { run: runId, status: summary.status, task: summary.task, costFunction: summary.costFunction, optimizer: summary.optimizer, learningRate: summary.learningRate, chosen: summary.chosenConfiguration, validationLoss: summary.metrics.validation?.loss ?? null, testLoss: s.test?.loss ?? null, baseline: `${p.baseline.name}: ${p.baseline.loss.toPrecision(4)}`, linearReference: summary.linearReference ? `${summary.linearReference.name}: ${summary.linearReference.loss.toPrecision(4)}${summary.linearReference.kept ? ' (kept: the deep model did not beat it)' : ''}` : 'none', testEvaluations: summary.testEvaluations, errorAnalysis, metrics: summary.metrics as any },
    decisions: s.decisions,
    lrFind: s.step3?.lrFinds.at(-1) ?? null,
    epochs: (f?.history ?? []).map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss, validLoss: e.validLoss })),
    steps: s.steps ?? [],
    probes: (s.ladder?.probes ?? []).map((m) => ({ label: m.candidate.label, trainLoss: m.trainLoss, validLoss: m.validLoss })),
    confusion,
    residuals,
    interpretation,
    splitMetrics: { train: splits.train?.metrics ?? null, validation: splits.validation?.metrics ?? null, test: s.test?.evaluation?.metrics ?? null },
    split: splitByFlag(prepared.splitBy),
    findings: prepared.findings ?? null,
    ledger: store.ledger({ datasetFingerprint: prepared.fingerprint }),
    preprocessing: prepared.preprocessing,
  });
  summary.report = writeReportFile(p.projectDir, runId, html);
  store.finishRun(runId, { status: summary.status, summary: summary as any });
  if (s.steps) store.logSteps(runId, s.steps.map((x) => ({ step: x.step, epoch: x.epoch, loss: x.loss, lrs: x.lrs, gradNorm: x.gradNorm ?? null })));
  for (const e of f?.history ?? []) store.logEpoch(runId, { epoch: e.epoch, trainLoss: e.trainLoss, validLoss: e.validLoss, metrics: e.metrics, seconds: e.seconds });
  return summary;
}

