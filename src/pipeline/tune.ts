// tune(): step 3's random search as a library call — width, depth, batch size
// and learning rate at random (never on a grid), hopeless trials stopped by
// the median rule, the best trial by the optimising metric. The trials live in
// a study store, so the search runs in this process, in worker processes, or
// in workers on several machines sharing a PostgreSQL study. With folds each
// trial is scored by its mean over the folds and the best configuration is
// trained once on the default split. It returns what `sixstep tune --json`
// prints.
import { existsSync, rmSync } from 'node:fs';
import { CancelFit, type Callback, type Learner } from '../train/index.js';
import type { FoldSet } from '../data/folds.js';
import { objective as lossObjective, type Objective } from '../metrics/index.js';
import { searchWorker, type SearchSpace, type TrialParams, type WorkerObjective, type WorkerOptions, type WorkerTrial } from '../search/index.js';
import { openStudyStore, type StudyStore, type StudyTrial } from '../store/study.js';
import { fitModel, type OptimizerKind } from '../steps/fit.js';
import { searchSpaceFor, specFor } from '../steps/search_space.js';
import { protocolFor, type PlaybookProtocol } from '../steps/protocol_of.js';
import type { Decision } from '../steps/decisions.js';
import type { TrialFolds } from './tune_folds.js';
import { foldTrial, trainChosenTrial } from './tune_folds.js';
import { runModelDir, saveRunModel } from './artefacts.js';
import { openPlan, planSplit, type PlanOptions, type ProjectPlan } from './project.js';
import { StoreSink } from './store_sink.js';
import { endRunOnError } from './end_run.js';

/** How a worker process ended (cli/tune_workers.ts starts them). */
export interface TuneWorkerExit {
  index: number;
  pid: number;
  /** The `<host>:<pid>` its trials are claimed by. */
  claimedBy: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  failed: boolean;
}

export interface TuneOptions extends Partial<PlanOptions> {
  /** The plan to search on (the CLI opens it first to print steps 1 and 2); default: opened from the data options. */
  plan?: ProjectPlan;
  /** Trial budget (trials that did not fail). Default 12. */
  trials?: number;
  /** Epochs per trial. Default 8. */
  epochs?: number;
  /** Default 'adam'. */
  optimizer?: OptimizerKind;
  /** No trial starts after this (ms since epoch). Default none. */
  deadline?: number;
  /** Epochs a trial trains before the median rule may stop it. Default 1. */
  warmupEpochs?: number;
  /** Seconds without a heartbeat before a running trial counts as failed. Default 30. */
  graceSeconds?: number;
  /** The study's name; workers with the same name share it. Default: from the data and the time. */
  study?: string;
  /** Where the trials live: a postgres:// URL to share the study across machines; default the project store. */
  studyStore?: string;
  /** The optimising metric trials are compared (and pruned) on. Default: the validation loss. */
  objective?: Objective;
  /** Tables: each trial on these cross-validation folds, scored by its mean. */
  folds?: FoldSet;
  /** Run the trials in worker processes (the CLI's runWorkers); default: in this process. */
  workers?: (study: string, deadline?: number) => Promise<TuneWorkerExit[]>;
  callbacks?: Callback[];
  interrupted?: () => boolean;
  onTrial?: (t: WorkerTrial, budget: number) => void;
  onNote?: (message: string) => void;
  /** The study starts (its name, trial budget and store). */
  onStudy?: (study: { name: string; trials: number; store: 'sqlite' | 'postgres' }) => void;
  /** The best trial's configuration is about to train on the default split (folds). */
  onChosenTrial?: (trial: number) => void;
}

/** One trial of the study as `--json` prints it. */
export interface TuneTrial {
  number: number;
  params: unknown;
  state: string;
  value: number | null;
  curve: unknown;
  runId: string | null;
  claimedBy: string | null;
}

/** What a study produces; `sixstep tune --json` prints exactly this. */
export interface TuneResult {
  study: string;
  store: 'sqlite' | 'postgres';
  optimisingMetric: string;
  device: string;
  trials: TuneTrial[];
  best: TuneTrial | null;
  /** The best trial's model directory (with folds: its configuration trained on the default split). */
  model: string | null;
  space: SearchSpace;
  crossValidation: { k: number; rows: number; fingerprint: string; best: TrialFolds | null; modelRun: string | null; decisions: Decision[] } | null;
  /** With worker processes: how each ended (the trials it claimed carry its `claimedBy`). */
  workers?: TuneWorkerExit[];
}

const trialJson = (t: StudyTrial): TuneTrial => ({ number: t.number, params: t.params, state: t.state, value: t.value, curve: t.curve, runId: t.runId, claimedBy: t.claimedBy });

/** Trains one trial: seed + n, a run of kind 'trial' in the project store, stopped when ctx.report says so. */
function trainTrial(p: ProjectPlan, studies: StudyStore, study: string, o: TuneOptions, folds: PlaybookProtocol | null): WorkerObjective {
  const epochs = o.epochs ?? 8;
  const optimizer = o.optimizer ?? 'adam';
  const interrupted = () => o.interrupted?.() ?? false;
  // Trials are compared (and pruned) on the optimising metric, as a figure to minimise.
  const obj = o.objective ?? lossObjective('loss');
  const figure = (e: { validLoss: number | null; metrics: Record<string, number> } | null | undefined) => {
    const v = e ? obj.read(e) : null;
    return v === null ? null : obj.minimised(v);
  };
  return async (params, ctx) => {
    if (interrupted()) throw new Error('interrupted');
    const seed = (o.seed ?? 0) + ctx.number;
    const run = p.store.createRun({ kind: 'trial', config: { study, trial: ctx.number, params, seed, epochs, optimizer } });
    await studies.setRun(study, ctx.number, run.id);
    const sink = new StoreSink(p.store, run.id);
    const onDecision = (d: Decision) => p.store.addDecision({ runId: run.id, step: d.step, action: d.action, reason: d.reason, numbers: (d.numbers ?? {}) as any });
    const pruner: Callback = {
      order: 95,
      afterEpoch: (l: Learner) => {
        const v = figure(l.lastEpoch);
        if (v !== null && ctx.report(l.epoch, v)) throw new CancelFit();
      },
    };
    if (folds) {
      // Folds: the trial on every fold, scored by the mean (tune_folds.ts); no trial model is kept.
      try {
        const r = await foldTrial({ plan: p, folds, params, optimizer, epochs, seed, objective: obj, report: ctx.report, sink, callbacks: o.callbacks ?? [], label: `trial ${ctx.number}`, onDecision });
        if (interrupted()) {
          p.store.finishRun(run.id, { status: 'interrupted' });
          throw new Error('interrupted');
        }
        p.store.finishRun(run.id, { summary: { folds: r.folds, pruned: r.pruned, model: null } as any });
        return { validLoss: r.value, pruned: r.pruned };
      } catch (e) {
        if (!interrupted()) endRunOnError(p.store, run.id, e);
        throw e;
      } finally {
        sink.close();
      }
    }
    let fit;
    try {
      // Tuning belongs to step 3; the guards' decisions (clipping, rollbacks) go to the trial's run.
      fit = await fitModel(p.prepared, { spec: specFor(p.proposal.spec, params), cost: p.cost, optimizer, lr: params.learningRate ?? 1e-3, epochs, batchSize: params.batchSize, seed, callbacks: [pruner, ...(o.callbacks ?? []), sink], step: 3, onDecision, what: `trial ${ctx.number}`, objective: obj });
    } catch (e) {
      endRunOnError(p.store, run.id, e, interrupted());
      throw e;
    } finally {
      sink.close();
    }
    try {
      if (interrupted()) {
        p.store.finishRun(run.id, { status: 'interrupted' });
        throw new Error('interrupted');
      }
      // A trial better than every finished one so far saves its model (the best epoch's weights); only the study's best is kept.
      const value = figure(fit.best) ?? NaN;
      const before = await studies.best(study);
      const pruned = fit.history.length < epochs;
      let modelDir: string | null = null;
      try {
        if (!pruned && Number.isFinite(value) && value < (before?.value ?? Infinity)) modelDir = await saveRunModel(p, run.id, specFor(p.proposal.spec, params), fit.model, fit.best!);
      } catch (e) {
        endRunOnError(p.store, run.id, e);
        throw e;
      }
      p.store.finishRun(run.id, { summary: { best: fit.best, epochs: fit.history.length, model: modelDir } });
      return { validLoss: value, pruned };
    } finally {
      fit.dispose();
    }
  };
}

async function setup(o: TuneOptions) {
  const p = o.plan ?? (await openPlan(o as PlanOptions));
  // A plan it opens itself is closed at the end; a plan given stays the caller's.
  const close = async (studies: StudyStore) => {
    await studies.close();
    if (!o.plan) p.store.close();
  };
  const folds = o.folds ? protocolFor(p, await planSplit(p, { set: o.folds, seed: o.seed ?? 0 }), o.folds) : null;
  const studies = await openStudyStore(o.studyStore, p.store);
  const study = o.study ?? `tune-${p.datasetName}-${Date.now()}`;
  const search: WorkerOptions = {
    study,
    space: searchSpaceFor(p.proposal.spec),
    trials: o.trials ?? 12,
    seed: o.seed ?? 0,
    warmupEpochs: o.warmupEpochs ?? 1,
    graceMs: (o.graceSeconds ?? 30) * 1000,
    deadline: o.deadline,
    stopRequested: () => o.interrupted?.() ?? false,
  };
  return { p, folds, studies, study, search, close: () => close(studies) };
}

/** One worker of a study (a process started by `workers`): claims and trains trials until the budget is spent. */
export async function tuneWorker(o: TuneOptions): Promise<void> {
  const { p, folds, studies, study, search, close } = await setup(o);
  try {
    await searchWorker(studies, { ...search, onNote: o.onNote, onTrial: (t) => o.onTrial?.(t, search.trials!) }, trainTrial(p, studies, study, o, folds));
  } finally {
    await close();
  }
}

export async function tune(o: TuneOptions): Promise<TuneResult> {
  const { p, folds, studies, study, search, close } = await setup(o);
  const optimising = o.objective ?? lossObjective('loss');
  try {
    o.onStudy?.({ name: study, trials: search.trials!, store: studies.kind });
    const exits = o.workers ? await o.workers(study, o.deadline) : [];
    if (!o.workers) await searchWorker(studies, { ...search, onNote: o.onNote, onTrial: (t) => o.onTrial?.(t, search.trials!) }, trainTrial(p, studies, study, o, folds));
    const trials = await studies.trials(study);
    const best = await studies.best(study);
    // Folds: no trial kept a model; the best trial's configuration is trained on the default split now.
    let chosen: Awaited<ReturnType<typeof trainChosenTrial>> | null = null;
    if (folds && best && best.value !== null && !o.interrupted?.()) {
      o.onChosenTrial?.(best.number);
      chosen = await trainChosenTrial({ plan: p, folds, trial: { number: best.number, params: best.params as TrialParams, value: best.value, runId: best.runId }, study, optimizer: o.optimizer ?? 'adam', epochs: o.epochs ?? 8, seed: o.seed ?? 0, objective: optimising, callbacks: o.callbacks ?? [] });
    }
    // Trials saved their model when they led; only the study's best is kept.
    for (const t of trials) if (t.runId && t.runId !== best?.runId && existsSync(runModelDir(p, t.runId))) rmSync(runModelDir(p, t.runId), { recursive: true, force: true });
    const model = chosen ? chosen.model : best?.runId && existsSync(runModelDir(p, best.runId)) ? runModelDir(p, best.runId) : null;
    const crossValidation = folds ? { k: folds.k, rows: folds.split.folds!.rows, fingerprint: folds.split.folds!.fingerprint, best: chosen?.folds ?? null, modelRun: chosen?.runId ?? null, decisions: chosen?.decisions ?? [] } : null;
    return { study, store: studies.kind, optimisingMetric: optimising.metric, device: p.device.device, trials: trials.map(trialJson), best: best && trialJson(best), model, space: search.space, crossValidation, ...(exits.length ? { workers: exits.map((w) => ({ index: w.index, pid: w.pid, claimedBy: w.claimedBy, code: w.code, signal: w.signal, failed: w.failed })) } : {}) };
  } finally {
    await close();
  }
}
