// fit(): step 3 as a library call — fit the training set with the playbook's
// choices (learning-rate finder, SGD then Adam, warm restarts) or fine-tune a
// pretrained backbone — and save the best epoch's model. It creates the run,
// checkpoints every epoch (resumable), and produces what a run leaves behind:
// the model directory with its drift references, split metrics, the loss and
// step charts, and with folds the recipe measured on every fold. It returns
// the summary, the object `sixstep fit --json` prints.
import type { Finding } from '../data/findings/index.js';
import type { SplitBy } from '../data/split_by.js';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataParallel, type Callback, type EpochResult, type RankStats } from '../train/index.js';
import { ImageAugment, type AugmentChoice } from '../data/index.js';
import type { FoldSet } from '../data/folds.js';
import type { Store } from '../store/index.js';
import { objective as lossObjective, type Objective } from '../metrics/index.js';
import { writeChart, lossCurvesChart, stepChart } from '../plot/index.js';
import { fitTrainingSet, type FitTrainingSetOptions } from '../steps/fit_training_set.js';
import { fineTuneTrainingSet, type PretrainedChoice } from '../steps/fine_tune.js';
import type { OptimizerKind, ScheduleKind } from '../steps/fit.js';
import { fitVerdict, type FitVerdict } from '../steps/diagnosis.js';
import { parameterDevice, type ModelSpec } from '../steps/architecture.js';
import type { Baseline } from '../steps/baseline.js';
import type { Decision } from '../steps/decisions.js';
import type { Parallel } from '../steps/parallel.js';
import { protocolFor } from '../steps/protocol_of.js';
import { crossValidateRecipe, type RecipeFolds } from '../steps/recipe_folds.js';
import type { SplitRecord } from '../protocol/index.js';
import { evaluateSplits, recordSplits, writeRunModel } from './artefacts.js';
import { openPlan, planSplit, type PlanOptions, type ProjectPlan } from './project.js';
import { StoreSink } from './store_sink.js';
import { endRunOnError } from './end_run.js';

/** How step 3 trains (fit_training_set.ts); every field has the command's default. */
export interface FitTraining {
  /** Default 10. */
  epochs?: number;
  /** Default 64 (tables), 128 (images). */
  batchSize?: number;
  /** Default 'auto': SGD, switching to Adam by the stated rule. */
  optimizer?: OptimizerKind | 'auto';
  /** Default: from the learning-rate finder (with 'auto': SGD's rate only). */
  lr?: number;
  /** With 'auto': Adam's rate after a switch; default from the finder. */
  adamLr?: number;
  /** Default 'warm-restarts'. */
  schedule?: ScheduleKind;
  /** Default 0. */
  weightDecay?: number;
  /** Clip the gradient norm to this; default none (the guards clip when gradients explode). */
  gradClip?: number;
  /** Images: the transforms to train with (data/augment_choice.ts); default none. */
  augment?: AugmentChoice | null;
}

export interface FitOptions extends Partial<PlanOptions> {
  /** The plan to run on (the CLI opens it first to print steps 1 and 2); default: opened from the data options. */
  plan?: ProjectPlan;
  training?: FitTraining;
  /** The optimising metric: what the best epoch is. Default: the validation loss. */
  objective?: Objective;
  /** Images: fine-tune a torchvision-named backbone instead. */
  pretrained?: PretrainedChoice | null;
  /** Tables: after the fit, its recipe on each of these cross-validation folds. */
  folds?: FoldSet;
  /** Continue the newest unfinished fit of this data from its last checkpoint. Default false. */
  resume?: boolean;
  /** What the run records of how it was asked for (the command line's options). */
  config?: Record<string, unknown>;
  callbacks?: Callback[];
  onDecision?: (d: Decision) => void;
  /** The run is created (its id, whether it resumes another, and the checkpoint it resumes from). */
  onRun?: (run: { id: string; resumedFrom: string | null; resume: string | null }) => void;
  /** The folds start (progress). */
  onFolds?: (k: number) => void;
  onFold?: (fold: number, k: number) => void;
  /** Whether an interruption was requested (Ctrl-C): the run is then 'interrupted'. */
  interrupted?: () => boolean;
  /** Train data-parallel: this process is rank 0 (the others call fitTrainingSet with the same options). */
  parallel?: Parallel & { onRankStats?: (epoch: number, ranks: RankStats[]) => void };
}

/** What a run of fit produces; `sixstep fit --json` prints exactly this. */
export interface FitResult {
  run: string;
  task: string;
  costFunction: string;
  optimizer: OptimizerKind;
  learningRate: number;
  epochs: number;
  /** 1-based epoch the model holds (the best by the optimising metric). */
  savedEpoch: number | null;
  /** The saved model's figures: training loss in eval mode on the fixed training subset, validation from its epoch, and every metric. */
  metrics: { train: Record<string, number | null>; validation: Record<string, number | null> };
  /** The last and the best epoch as the loop reported them (their trainLoss is the train-mode epoch mean: a training curve). */
  last: { epoch: number; trainLoss: number; validLoss: number | null; metrics: Record<string, number> } | null;
  best: { epoch: number; trainLoss: number; validLoss: number | null; metrics: Record<string, number> } | null;
  optimisingMetric: string;
  baseline: Baseline;
  signal: FitVerdict | null;
  decisions: Decision[];
  crossValidation: RecipeFolds | null;
  model: string;
  plots: { loss: string; steps: string; lrFind: null };
  status: 'finished' | 'interrupted';
  split: SplitRecord;
  splits: { train: number; validation: number; test: number; by: SplitBy; assignments: string | null };
  /** What plan suspected before training (time order, key columns, leaks, near-duplicates). */
  warnings: Finding[];
  dataFingerprint: string;
  device: string;
  parallel: { worldSize: number; backend: string; lastEpoch: RankStats[] | null } | null;
}

const checkpointOf = (projectDir: string, runId: string) => join(projectDir, 'runs', runId, 'checkpoint.safetensors');

/** The newest fit of this data that did not finish and left a checkpoint. */
function resumable(store: Store, projectDir: string, fingerprint: string): { runId: string; file: string } | null {
  for (const run of store.listRuns({ kind: 'fit' })) {
    const cfg = run.config as { dataFingerprint?: string } | null;
    const file = checkpointOf(projectDir, run.id);
    if (run.status !== 'finished' && cfg?.dataFingerprint === fingerprint && existsSync(file) && existsSync(`${file}.json`)) return { runId: run.id, file };
  }
  return null;
}

/** Everything that decides the training, from the plan and the options — identical on every data-parallel rank. */
export function fitTrainingOptions(p: Pick<ProjectPlan, 'prepared' | 'proposal' | 'cost'>, t: FitTraining, seed: number, objective?: Objective): FitTrainingSetOptions {
  const aug = t.augment;
  return {
    augment: aug && aug.names.length ? new ImageAugment(aug.config) : undefined,
    spec: p.proposal.spec,
    cost: p.cost,
    epochs: t.epochs ?? 10,
    batchSize: t.batchSize,
    optimizer: t.optimizer ?? 'auto',
    lr: t.lr,
    adamLr: t.adamLr,
    schedule: t.schedule ?? 'warm-restarts',
    weightDecay: t.weightDecay ?? 0,
    gradClip: t.gradClip,
    seed,
    // Resolved once with the data (data-parallel ranks: the CPU); the loaders already deliver there.
    device: p.prepared.device,
    objective,
  };
}

export async function fit(o: FitOptions): Promise<FitResult> {
  // A plan it opens itself is closed at the end; a plan given stays the caller's.
  const p = o.plan ?? (await openPlan(o as PlanOptions));
  try {
    return await fitOn(p, o);
  } finally {
    if (!o.plan) p.store.close();
  }
}

async function fitOn(p: ProjectPlan, o: FitOptions): Promise<FitResult> {
  const store = p.store;
  const seed = o.seed ?? 0;
  const optimising = o.objective ?? lossObjective('loss');
  const pre = o.pretrained ?? null;
  const resume = o.resume ? resumable(store, p.projectDir, p.prepared.fingerprint) : null;
  const split = await planSplit(p, o.folds ? { set: o.folds, seed } : undefined);
  const run = store.createRun({ kind: 'fit', config: { ...(o.config ?? {}), data: p.data, target: p.target, test: p.test, seed, model: p.proposal.spec, dataFingerprint: p.prepared.fingerprint, worldSize: o.parallel?.group.worldSize ?? 1, resumedFrom: resume?.runId ?? null, split } as any });
  // The run resumed from ended when its process did (killed, or the machine went down): it no longer says "running".
  if (resume && store.getRun(resume.runId)?.status === 'running') store.finishRun(resume.runId, { status: 'interrupted' });
  mkdirSync(join(p.projectDir, 'runs', run.id), { recursive: true });
  o.onRun?.({ id: run.id, resumedFrom: resume?.runId ?? null, resume: resume?.file ?? null });
  const sink = new StoreSink(store, run.id);
  const decisions: Decision[] = [];
  const onDecision = (d: Decision) => {
    decisions.push(d);
    store.addDecision({ runId: run.id, step: d.step, action: d.action, reason: d.reason, numbers: d.numbers as any });
    o.onDecision?.(d);
  };
  let lastRanks: RankStats[] | null = null;
  try {
    const t = fitTrainingOptions(p, o.training ?? {}, seed, optimising);
    const aug = o.training?.augment;
    if (aug) onDecision({ step: 3, action: `augmentation: ${aug.names.length ? aug.names.join(', ') : 'none'}`, reason: aug.reason, numbers: { names: aug.names, ...(aug.evidence ? { asymmetry: aug.evidence.asymmetry, threshold: aug.evidence.threshold } : {}) } });
    const callbacks = [sink, ...(o.callbacks ?? [])];
    const r = pre
      ? await fineTuneTrainingSet(p.prepared, { pretrained: pre.file, arch: pre.arch, input: pre.input, freezeEpochs: pre.freezeEpochs, augment: t.augment, cost: t.cost, epochs: t.epochs, batchSize: t.batchSize, lr: t.lr, weightDecay: t.weightDecay, seed, device: t.device, callbacks, onDecision, objective: optimising })
      : await fitTrainingSet(p.prepared, {
          ...t,
          checkpoint: checkpointOf(p.projectDir, run.id),
          resume: resume?.file,
          parallel: o.parallel
            ? {
                ...o.parallel,
                onRankStats: (epoch, ranks) => {
                  lastRanks = ranks;
                  store.putRankStats(run.id, epoch, ranks);
                  o.parallel!.onRankStats?.(epoch, ranks);
                },
              }
            : undefined,
          callbacks,
          onDecision,
        });
    try {
      // Data-parallel: Ctrl-C may have reached another rank first; the stop they agreed on counts.
      let status: FitResult['status'] = o.interrupted?.() || r.learner.getCallback(DataParallel)?.stopped ? 'interrupted' : 'finished';
      const spec: ModelSpec = 'spec' in r ? (r.spec as ModelSpec) : p.proposal.spec;
      // r.model holds the best epoch's weights (KeepBest): the saved model, its figures and the verdict all describe that epoch,
      // measured as every decision measures (eval mode on the fixed training subset; the unweighted loss).
      const last = r.history.at(-1);
      const best: EpochResult | null = r.best ?? last ?? null;
      const protocol = protocolFor(p, split, o.folds);
      const kept = protocol.measure(protocol.defaultSplit, r.model, best, { spec, weightDecay: t.weightDecay ?? 0, augment: false, label: 'the proposed architecture' });
      const verdict = best && best.validLoss !== null ? fitVerdict(p.baseline, kept) : null;
      const splits = await evaluateSplits(r.model, p);
      recordSplits(store, run.id, splits);
      const trainMetrics = { loss: best ? kept.trainLoss : null, ...(splits.train?.metrics ?? {}) };
      const validationMetrics = { loss: best?.validLoss ?? null, ...(best?.metrics ?? {}), ...(splits.validation?.metrics ?? {}) };
      const modelDir = writeRunModel({
        plan: p,
        runId: run.id,
        model: r.model,
        spec,
        metrics: { train: trainMetrics, validation: validationMetrics, test: null },
        extra: { trainLoss: 'eval mode, fixed training subset', split, ...(aug ? { augment: { names: aug.names, config: aug.config, reason: aug.reason } } : {}) },
        validationPredictions: splits.validationPredictions,
      });
      const plots = join(p.projectDir, 'plots');
      mkdirSync(plots, { recursive: true });
      const curves = await writeChart(lossCurvesChart(r.history.flatMap((h) => [{ epoch: h.epoch + 1, series: 'training', value: h.trainLoss }, { epoch: h.epoch + 1, series: 'validation', value: h.validLoss ?? NaN }])), join(plots, `loss-${run.id}`));
      const steps = await writeChart(stepChart(r.recorder.steps), join(plots, `steps-${run.id}`));
      // --folds: the recipe the fit settled on, on every fold; the verdict then reads the fold means.
      let cv: RecipeFolds | null = null;
      if (o.folds && status === 'finished') {
        o.onFolds?.(o.folds.k);
        cv = await crossValidateRecipe(protocol, {
          candidate: { spec: p.proposal.spec, weightDecay: t.weightDecay ?? 0, augment: false, label: 'the proposed architecture' },
          recipe: { optimizer: r.optimizer, lr: r.lr, epochs: r.history.length, batchSize: t.batchSize, schedule: t.schedule, gradClip: t.gradClip, seed, objective: optimising, callbacks: o.callbacks, onDecision },
          onFold: o.onFold,
          log: onDecision,
          stopped: () => o.interrupted?.() ?? false,
        });
        if (!cv) status = 'interrupted';
      }
      const epochOf = (e: EpochResult | undefined | null) => (e ? { epoch: e.epoch + 1, trainLoss: e.trainLoss, validLoss: e.validLoss, metrics: e.metrics } : null);
      const summary: FitResult = {
        run: run.id,
        task: p.prepared.task,
        costFunction: p.cost.name,
        optimizer: r.optimizer,
        learningRate: r.lr,
        epochs: r.history.length,
        savedEpoch: best ? best.epoch + 1 : null,
        metrics: { train: trainMetrics, validation: validationMetrics },
        last: epochOf(last),
        best: epochOf(best),
        optimisingMetric: optimising.metric,
        baseline: p.baseline,
        signal: cv ? cv.verdict : verdict,
        decisions: [...decisions],
        crossValidation: cv,
        model: modelDir,
        plots: { loss: curves.svg, steps: steps.svg, lrFind: null },
        status,
        split,
        splits: { ...p.prepared.counts, by: p.prepared.splitBy ?? { kind: 'random' }, assignments: p.assignments ?? null },
        warnings: p.prepared.findings ?? [],
        dataFingerprint: p.prepared.fingerprint,
        // Where the saved model's parameters were (the weights file is written from there to host memory).
        device: parameterDevice(r.model),
        parallel: o.parallel ? { worldSize: o.parallel.group.worldSize, backend: 'gloo', lastEpoch: lastRanks } : null,
      };
      store.finishRun(run.id, { status, summary: summary as any });
      return summary;
    } finally {
      r.dispose();
    }
  } catch (e) {
    endRunOnError(store, run.id, e, o.interrupted?.() ?? false);
    throw e;
  } finally {
    sink.close();
  }
}
