// The autopilot: steps 3 → 5 within a time budget, each decision made for a
// stated reason and logged. Step 3 fits the training set (learning-rate
// finder, SGD then Adam, warm restarts), step 4 walks the regularization
// ladder on short probes and trains the chosen configuration, and the best
// model by validation loss is evaluated once on the sealed test set (step 5).
// State is saved after every phase, so an interrupted run resumes.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImageAugment } from '../data/index.js';
import type { Module } from '../nn/index.js';
import { KeepBest, Deadline, NanGuard, type Callback, type EpochResult, type LrFinderResult, type StepRecord } from '../train/index.js';
import type { Store } from '../store/index.js';
import { saveSafetensors, loadSafetensors, dispose } from '../tensor/index.js';
import { fitTrainingSet } from './fit_training_set.js';
import { fitModel, metricsFor, type OptimizerKind } from './fit.js';
import { regularizationLadder, type Candidate, type Measured } from './regularize.js';
import { evaluateOnTest, type TestResult } from './sealed_test.js';
import { signalVerdict, type SignalVerdict } from './diagnosis.js';
import { tuning } from './tuning_guard.js';
import { objective as lossObjective, type Objective } from '../metrics/index.js';
import { buildModel } from './architecture.js';
import type { Plan } from './plan.js';
import type { Decision } from './decisions.js';
import type { Parallel } from './parallel.js';

export interface AutopilotOptions {
  plan: Plan;
  /** Where decisions and the test evaluation go; null on data-parallel ranks other than 0 (they write nothing there and skip step 5). */
  store: Store | null;
  runId: string;
  /** Folder for this run's state, checkpoints and plots. */
  runDir: string;
  /** Minutes for steps 3–5 together; default 10 (tables finish far sooner). */
  budgetMinutes?: number;
  seed?: number;
  /** Extra callbacks for every fit (progress, interruption). */
  callbacks?: Callback[];
  onDecision?: (d: Decision) => void;
  /** Called when a phase starts, for progress output. */
  onPhase?: (step: number, title: string) => void;
  /** Whether an interruption was requested (the run then stops after the phase). Data-parallel: the same answer on every rank. */
  interrupted?: () => boolean;
  /** Train every fit data-parallel; every rank runs the autopilot with the same options. */
  parallel?: Parallel;
  /** ms since epoch; data-parallel ranks pass one agreed clock, so budget decisions match. Default Date.now. */
  clock?: () => number;
  /** The optimising metric: what "best" means for KeepBest, the ladder and the final choice. Default: validation loss. */
  objective?: Objective;
}

interface State {
  phase: 'step3' | 'step4' | 'final' | 'step5' | 'done';
  decisions: Decision[];
  step3?: { optimizer: OptimizerKind; lr: number; epochs: number; history: EpochResult[]; best: EpochResult | null; lrFinds: Array<{ optimizer: string; lrs: number[]; losses: number[]; suggestion: number; steep: number; valley: number; minimum: number; slide: number }> };
  verdict?: SignalVerdict;
  ladder?: { best: Measured; probes: Measured[]; gapClosed: boolean };
  final?: { candidate: Candidate; history: EpochResult[]; validLoss: number; trainLoss: number; metrics: Record<string, number>; source: 'step3' | 'final' };
  test?: TestResult | null;
  steps?: StepRecord[];
}

export interface AutopilotResult {
  state: State;
  model: Module | null;
  /** Releases the model. */
  dispose(): void;
}

const EPOCHS = { tabular: 40, sequence: 12, image: 30 };

export async function autopilot(o: AutopilotOptions): Promise<AutopilotResult> {
  const { plan, store } = o;
  const p = plan.prepared;
  mkdirSync(o.runDir, { recursive: true });
  const stateFile = join(o.runDir, 'state.json');
  const weightsFile = join(o.runDir, 'best.safetensors');
  const state: State = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : { phase: 'step3', decisions: [] };
  const save = () => writeFileSync(stateFile, `${JSON.stringify(state, null, 1)}\n`);
  const log = (d: Decision) => {
    state.decisions.push(d);
    store?.addDecision({ runId: o.runId, step: d.step, action: d.action, reason: d.reason, numbers: (d.numbers ?? {}) as any });
    o.onDecision?.(d);
  };
  const clock = o.clock ?? Date.now;
  const start = clock();
  const budget = (o.budgetMinutes ?? 10) * 60_000;
  const deadline = (share: number) => start + budget * share;
  const seed = o.seed ?? 0;
  const epochCap = EPOCHS[p.kind];
  const startCandidate: Candidate = { spec: plan.proposal.spec, weightDecay: 0, augment: false, label: 'the initial architecture' };
  let model: Module | null = null;
  // The best model so far lives in the run folder: phases free their own and reload it.
  const keepModel = (m: Module) => saveSafetensors(weightsFile, m.stateDict());
  const loadModel = (spec = state.final?.candidate.spec ?? startCandidate.spec) => {
    const m = buildModel(spec);
    const { tensors } = loadSafetensors(weightsFile);
    m.loadStateDict(tensors);
    dispose(tensors);
    return m;
  };
  const stopped = () => o.interrupted?.() ?? false;
  const obj = o.objective ?? lossObjective('loss');

  // ---- Step 3: fit the training set ------------------------------------------
  if (state.phase === 'step3') {
    o.onPhase?.(3, 'fit the training set');
    const keepBest = new KeepBest({ objective: obj });
    const r = await tuning(() =>
      fitTrainingSet(p, {
        spec: startCandidate.spec,
        cost: plan.cost,
        epochs: epochCap,
        seed,
        callbacks: [keepBest, new Deadline(deadline(p.kind === 'image' ? 0.45 : 0.35), clock), new NanGuard({ onEvent: (e) => log({ step: 4, action: e.kind === 'rollback' ? 'roll back and halve the learning rate' : 'stop', reason: `${e.reason} at step ${e.step}`, numbers: { lrs: e.lrs } }) }), ...(o.callbacks ?? [])],
        onDecision: log,
        parallel: o.parallel,
        objective: obj,
      }),
    );
    try {
      if (stopped()) {
        // A partial step 3 says nothing about signal: it runs again on --resume.
        log({ step: 3, action: 'interrupted', reason: `stopped after ${r.history.length} epoch(s) of step 3; \`--resume\` runs step 3 again`, numbers: { epochs: r.history.length } });
        save();
        return { state, model: null, dispose: () => undefined };
      }
      state.step3 = {
        optimizer: r.optimizer,
        lr: r.lr,
        epochs: r.history.length,
        history: r.history,
        best: r.best,
        lrFinds: r.lrFinds.map((f) => ({ optimizer: f.optimizer, lrs: f.result.lrs, losses: f.result.losses, suggestion: f.result.suggestion.lr, steep: f.result.steep.lr, valley: f.result.valley.lr, minimum: f.result.minimum.lr, slide: f.result.slide.lr })),
      };
      state.steps = r.recorder.steps;
      const best = r.best ?? r.history.at(-1)!;
      if (obj.metric !== 'loss') log({ step: 3, action: `keep the weights of epoch ${best.epoch + 1}`, reason: `the best ${obj.describe(obj.read(best))} of ${r.history.length} epochs (the optimising metric, ${obj.direction === 'max' ? 'higher' : 'lower'} is better; validation loss there ${(best.validLoss ?? NaN).toPrecision(4)})`, numbers: { metric: obj.metric, value: obj.read(best), epoch: best.epoch + 1, validLoss: best.validLoss } });
      state.final = { candidate: startCandidate, history: r.history, validLoss: best.validLoss ?? NaN, trainLoss: best.trainLoss, metrics: best.metrics, source: 'step3' };
      state.verdict = signalVerdict(plan.baseline, { trainLoss: best.trainLoss, validLoss: best.validLoss ?? NaN });
      log({ step: 3, action: state.verdict.verdict === 'no-signal' ? 'stop: no signal' : 'training set fitted', reason: state.verdict.message, numbers: { baseline: plan.baseline.loss, trainLoss: best.trainLoss, validLoss: best.validLoss, improvement: state.verdict.improvement } });
      keepModel(r.model);
      state.phase = state.verdict.verdict === 'no-signal' ? 'done' : 'step4';
      save();
    } finally {
      r.dispose();
    }
  }

  // ---- Step 4: fit the validation set ----------------------------------------
  if (state.phase === 'step4' && !stopped()) {
    o.onPhase?.(4, 'fit the validation set');
    const s3 = state.step3!;
    const startScore: Measured = { candidate: startCandidate, trainLoss: state.final!.trainLoss, validLoss: state.final!.validLoss, metrics: state.final!.metrics, epoch: s3.best?.epoch ?? 0 };
    // Probes are short: a few epochs (images: on a quarter of the data).
    const probeEpochs = p.kind === 'image' ? 3 : Math.max(3, s3.epochs);
    const ladder = await tuning(() =>
      regularizationLadder({
        prepared: p,
        cost: plan.cost,
        start: startCandidate,
        startScore,
        probeStart: p.kind === 'image',
        optimizer: s3.optimizer,
        lr: s3.lr,
        epochs: probeEpochs,
        seed,
        budgetSeconds: Math.max(0, (deadline(p.kind === 'image' ? 0.6 : 0.7) - clock()) / 1000),
        clock,
        parallel: o.parallel,
        probeFraction: p.kind === 'image' ? 0.5 : 1,
        // Short probes from scratch need a warm-up (one-cycle) to be comparable.
        schedule: p.kind === 'image' ? 'one-cycle' : undefined,
        callbacks: o.callbacks,
        onDecision: log,
        objective: obj,
      }),
    );
    state.ladder = { best: ladder.best, probes: ladder.probes, gapClosed: ladder.gapClosed };
    state.phase = stopped() ? 'step4' : 'final';
    save();
  }

  // ---- Train the chosen configuration ----------------------------------------
  if (state.phase === 'final' && !stopped()) {
    let chosen = state.ladder!.best.candidate;
    // Augmentation pays off over long training, which short probes cannot show; with the
    // full model still overfitting, the final training uses it — and is kept only if it
    // beats the step-3 model on validation.
    if (p.kind === 'image' && !chosen.augment && !state.ladder!.gapClosed && state.final!.validLoss - state.final!.trainLoss > 0.15 * state.final!.trainLoss + 0.02) {
      chosen = { ...chosen, augment: true, label: `${chosen.label} with data augmentation` };
      log({ step: 4, action: 'use data augmentation for the final training', reason: `the model still overfits (validation ${state.final!.validLoss.toPrecision(4)} against training ${state.final!.trainLoss.toPrecision(4)}); augmentation works over long training, which short probes cannot show, and the final model is kept only if it beats the step-3 model on validation` });
    }
    const s3 = state.step3!;
    const changed = chosen.label !== startCandidate.label;
    const timeLeft = deadline(0.92) - clock();
    if ((changed || p.kind === 'image') && timeLeft > 0) {
      o.onPhase?.(4, `train the chosen configuration (${chosen.label})`);
      // Continue from the best weights when the chosen configuration has the same parameters
      // (dropout, weight decay, augmentation); a new architecture starts from scratch.
      let warm: Module | null = buildModel(chosen.spec);
      try {
        const { tensors } = loadSafetensors(weightsFile);
        try {
          warm.loadStateDict(tensors);
        } finally {
          dispose(tensors);
        }
      } catch {
        warm.dispose();
        warm = null;
      }
      log({ step: 4, action: `train the final model with ${chosen.label}${warm ? ', continuing from the best weights so far' : ', from scratch'}`, reason: changed ? 'the ladder found a configuration with a lower validation loss' : 'the remaining budget goes to training longer', numbers: { secondsLeft: Math.round(timeLeft / 1000) } });
      const keepBest = new KeepBest({ objective: obj });
      const epochSeconds = s3.history.reduce((a, h) => a + h.seconds, 0) / Math.max(1, s3.history.length);
      const finalEpochs = Math.max(1, Math.min(epochCap, Math.floor(timeLeft / 1000 / Math.max(1e-3, epochSeconds * (chosen.augment ? 1.15 : 1.05)))));
      const fit = await tuning(() =>
        fitModel(p, {
          initialState: warm ?? undefined,
          spec: chosen.spec,
          cost: plan.cost,
          optimizer: s3.optimizer,
          lr: s3.lr,
          weightDecay: chosen.weightDecay,
          augment: chosen.augment ? new ImageAugment() : undefined,
          // As many epochs as the time left allows, so the schedule anneals to its end.
          epochs: finalEpochs,
          seed,
          schedule: p.kind === 'image' ? 'one-cycle' : 'warm-restarts',
          callbacks: [keepBest, new Deadline(deadline(0.92), clock), ...(o.callbacks ?? [])],
          parallel: o.parallel,
          objective: obj,
        }),
      );
      try {
        const best = fit.best ?? fit.history.at(-1)!;
        // The optimising metric decides (validation loss by default), quoting both figures.
        const [now, then] = [obj.read(best), obj.read(state.final!)];
        const better = now !== null && (then === null || obj.better(now, then));
        log({ step: 4, action: better ? 'keep the final model' : 'keep the step-3 model', reason: `${obj.describe(now)} against ${then === null ? '–' : then.toPrecision(4)} (the best model is chosen by the optimising metric, validation ${obj.metric}, only)`, numbers: { metric: obj.metric, final: now, step3: then, finalValidLoss: best.validLoss, step3ValidLoss: state.final!.validLoss } });
        if (better) {
          state.final = { candidate: chosen, history: fit.history, validLoss: best.validLoss ?? NaN, trainLoss: best.trainLoss, metrics: best.metrics, source: 'final' };
          keepModel(fit.model);
        }
      } finally {
        fit.dispose();
        warm?.dispose();
      }
    }
    state.phase = stopped() ? 'final' : 'step5';
    save();
  }

  // ---- Step 5: verify on the sealed test set ----------------------------------
  if (state.phase === 'step5' && !stopped() && store) {
    o.onPhase?.(5, 'verify on the sealed test set');
    model ??= loadModel();
    const t = await evaluateOnTest({ prepared: p, model, cost: plan.cost, metrics: metricsFor(p.task), store, modelId: o.runId, runId: o.runId, validationLoss: state.final!.validLoss, baselineLoss: plan.baseline.loss });
    state.test = t;
    log({ step: 5, action: 'evaluate once on the sealed test set', reason: `test loss ${t.loss.toPrecision(4)} against validation ${state.final!.validLoss.toPrecision(4)}${t.warnings.length ? `; ${t.warnings.join('; ')}` : ''}${t.advice ? `; ${t.advice}` : ''}`, numbers: { loss: t.loss, ...t.metrics, evaluations: t.evaluations } });
    state.phase = 'done';
    save();
  }
  if (!model && existsSync(weightsFile)) model = loadModel();
  const m = model as Module | null;
  return { state, model: m, dispose: () => m?.dispose() };
}

export type { LrFinderResult, State as AutopilotState };
