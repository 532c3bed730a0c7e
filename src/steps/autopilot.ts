// The autopilot: steps 3 → 5 within a time budget, each decision made for a
// stated reason and logged. Step 3 fits the training set (learning-rate
// finder, SGD then Adam, warm restarts), step 4 walks the regularization
// ladder on short probes and trains the chosen configuration, and the best
// model by validation loss is evaluated once on the sealed test set (step 5).
// State is saved after every phase, so an interrupted run resumes.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImageAugment, type ImageAugmentConfig } from '../data/index.js';
import type { Module } from '../nn/index.js';
import { Deadline, type Callback, type EpochResult, type LrFinderResult, type StepRecord } from '../train/index.js';
import type { Store } from '../store/index.js';
import { saveSafetensors, loadSafetensors, dispose } from '../tensor/index.js';
import { fitTrainingSet } from './fit_training_set.js';
import { fineTuneTrainingSet, pretrainedSpec, archOfWeights, type BackboneInput } from './fine_tune.js';
import type { TorchvisionArch } from '../models/index.js';
import { fitModel, metricsFor, type OptimizerKind } from './fit.js';
import { regularizationLadder, type Candidate, type Measured } from './regularize.js';
import { gapOpen } from './ladder_rules.js';
import { trainSubsetLoss, validationRowLosses } from './measure.js';
import { measureLoss } from './scale_free.js';
import { evaluateOnTest, type TestResult } from './sealed_test.js';
import { fitVerdict, budgetToJudge, epochsToJudge, type FitVerdict, type TrainingEvidence } from './diagnosis.js';
import { tuning } from './tuning_guard.js';
import { buildModel, type ModelSpec } from './architecture.js';
import { step3Search, STEP3_SEARCH_TRIALS } from './step3_search.js';
import { objective as lossObjective, type Objective } from '../metrics/index.js';
import type { Plan } from './plan.js';
import type { Decision } from './decisions.js';
import type { Parallel } from './parallel.js';
// ---- budget planner hooks (issue 14) ----
import { ExponentialMovingAverage, emaDecayFor } from '../train/index.js';
import { FlipAveraged } from '../models/index.js';
import { planBudget, type BudgetPhases } from './budget_phases.js';
import { planPhase } from './budget_plan.js';
import { MedianStopping } from './median_stop.js';
import { chooseAverage, chooseFlipTta } from './compute_options.js';
// ---- cross-validation (--folds) ----
import { crossValidate, foldStep3, foldFinalModel, describeSpread, type FoldState, type FoldMeasured } from './cross_validation.js';
import type { FoldSet } from '../data/folds.js';
import { step3SearchFolds, type FoldSearchWinner } from './step3_search_folds.js';
import { foldSearchPlan } from './budget_plan.js';

export interface AutopilotOptions {
  plan: Plan;
  /** Where decisions and the test evaluation go; null on data-parallel ranks other than 0 (they write nothing there and skip step 5). */
  store: Store | null;
  runId: string;
  /** Folder for this run's state, checkpoints and plots. */
  runDir: string;
  /** Minutes of wall time for the whole command (from `startedAt`); default 10 (tables finish far sooner). */
  budgetMinutes?: number;
  /** When the command started, on `clock`'s scale (process start: data loading counts); default: when the autopilot starts. */
  startedAt?: number;
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
  /** How the time budget is shared out (defaults: AUTOPILOT_BUDGET). */
  budget?: Partial<AutopilotBudget>;
  /** Images: step 3 fine-tunes this torchvision-named backbone (steps/fine_tune.ts) instead of training the proposal from scratch. */
  pretrained?: { file: string; arch?: TorchvisionArch; input?: BackboneInput; freezeEpochs?: number };
  /** Images: the transforms step 4 may use (data/augment_choice.ts); null: none. Default every transform. */
  augment?: ImageAugmentConfig | null;
  /** The optimising metric: what "best" means for KeepBest, the ladder and the final choice. Default: validation loss. */
  objective?: Objective;
  /** Tables: k cross-validation folds of the non-test rows (data/folds.ts); step 3's verdict and step 4's ladder then read fold means. */
  folds?: FoldSet;
}

/**
 * How the autopilot shares its time budget: each phase may run until the
 * given share of the whole budget has passed (measured from the start).
 */
export interface AutopilotBudget {
  /** Step 3 (fitting the training set) ends by this share; images train longer per epoch. */
  step3Share: { tabular: number; sequence: number; image: number };
  /** The step-3 random search (when the basic recipe leaves a bias gap) ends by this share. */
  searchShare: { tabular: number; sequence: number; image: number };
  /** The regularization ladder stops starting rungs at this share. */
  ladderShare: { tabular: number; sequence: number; image: number };
  /** The final training of the chosen configuration ends by this share; the rest is step 5 and saving. */
  finalShare: number;
  /** Most epochs of step 3 and of the final training. */
  epochCap: { tabular: number; sequence: number; image: number };
  /**
   * The final training's epochs are the time left over the measured step-3 epoch time times this margin
   * (a little slower: probes and validation; augmentation costs more), so the schedule ends with the run.
   */
  epochTimeMargin: { plain: number; augmented: number; movingAverage: number };
}

/**
 * Images trained from scratch start with the weight decay the ResNet recipe
 * trains with (SGD, 5e-4, as bench/time_to_accuracy_reference.py). Without it a
 * long final training grows overconfident: measured on Fashion-MNIST, 24
 * epochs took the training loss to 0.015 while the validation loss rose from
 * 0.22 to 0.27 and accuracy still improved, so the loss-best model was an
 * unannealed mid-cycle one. The ladder's weight-decay rung may replace it.
 */
export const RESNET_WEIGHT_DECAY = 5e-4;

export const AUTOPILOT_BUDGET: AutopilotBudget = {
  step3Share: { tabular: 0.35, sequence: 0.35, image: 0.45 },
  searchShare: { tabular: 0.5, sequence: 0.5, image: 0.55 },
  ladderShare: { tabular: 0.7, sequence: 0.7, image: 0.6 },
  finalShare: 0.92,
  epochCap: { tabular: 40, sequence: 12, image: 30 },
  // movingAverage: images' final training also updates the weights' average every step; measured on
  // Fashion-MNIST (batch 64) its epochs took ~26 s against step 3's 24.6 s, and 1.05 alone let the deadline
  // stop it 2 epochs before its schedule's end.
  epochTimeMargin: { plain: 1.05, augmented: 1.15, movingAverage: 1.05 },
};

interface State {
  phase: 'step3' | 'step4' | 'final' | 'step5' | 'done';
  decisions: Decision[];
  /** The step-3 search's adopted trial, when it beat the basic recipe. */
  start?: { spec: ModelSpec; lr: number; batchSize: number; label: string };
  step3?: { optimizer: OptimizerKind; lr: number; batchSize?: number; epochs: number; history: EpochResult[]; best: EpochResult | null; lrFinds: Array<{ optimizer: string; lrs: number[]; losses: number[]; suggestion: number; steep: number; valley: number; minimum: number; slide: number }>; evidence?: TrainingEvidence | null; secondsBeforeStep3?: number };
  verdict?: FitVerdict;
  ladder?: { best: Measured; probes: Measured[]; gapClosed: boolean };
  final?: { candidate: Candidate; history: EpochResult[]; validLoss: number; trainLoss: number; metrics: Record<string, number>; source: 'step3' | 'final' };
  test?: TestResult | null;
  /** Step 5's choice: the served model averages each image with its mirror ('flip'), or not. */
  testTimeAugmentation?: 'flip' | null;
  steps?: StepRecord[];
  /** With --folds: the folds' baseline and the step-3 recipe on every fold. */
  cv?: FoldState;
}

export interface AutopilotResult {
  state: State;
  model: Module | null;
  /** Releases the model. */
  dispose(): void;
}

export async function autopilot(o: AutopilotOptions): Promise<AutopilotResult> {
  const { plan, store } = o;
  const p = plan.prepared;
  mkdirSync(o.runDir, { recursive: true });
  const stateFile = join(o.runDir, 'state.json');
  const weightsFile = join(o.runDir, 'best.safetensors');
  const state: State = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : { phase: 'step3', decisions: [] };
  // Per-row validation losses are for in-memory comparisons only.
  const save = () => writeFileSync(stateFile, `${JSON.stringify(state, (k, v) => (k === 'rowLosses' ? undefined : v), 1)}\n`);
  const log = (d: Decision) => {
    state.decisions.push(d);
    store?.addDecision({ runId: o.runId, step: d.step, action: d.action, reason: d.reason, numbers: (d.numbers ?? {}) as any });
    o.onDecision?.(d);
  };
  const clock = o.clock ?? Date.now;
  const start = o.startedAt ?? clock();
  const budget = (o.budgetMinutes ?? 10) * 60_000;
  const deadline = (share: number) => start + budget * share;
  // ---- budget planner hooks (issue 14): measured epoch time → phases that complete in their time ----
  const planStart = clock();
  let phases: BudgetPhases | null = null;
  const planned = (which: 'step3End' | 'ladderEnd' | 'finalEnd', share: number) => (phases ? planStart + phases[which] * 1000 : deadline(share));
  if (state.phase === 'step3' && !o.parallel) {
    // Data-parallel ranks would measure different times and plan different epochs: they keep the share deadlines.
    phases = await planBudget({ prepared: p, spec: plan.proposal.spec, cost: plan.cost, totalSeconds: budget / 1000, elapsedSeconds: (planStart - start) / 1000, epochCap: AUTOPILOT_BUDGET.epochCap[p.kind], step3Share: (o.budget?.step3Share ?? AUTOPILOT_BUDGET.step3Share)[p.kind], ladderShare: (o.budget?.ladderShare ?? AUTOPILOT_BUDGET.ladderShare)[p.kind], defaultBatchSize: p.kind === 'image' ? 128 : 64, seed: o.seed, log: (d) => log(d) });
  }
  const batchSize = phases?.batchSize;
  // ---- end of budget planner hooks ----
  const seed = o.seed ?? 0;
  const shares: AutopilotBudget = { ...AUTOPILOT_BUDGET, ...o.budget };
  const epochCap = shares.epochCap[p.kind];
  const lossFn = measureLoss(plan.cost);
  const pre = o.pretrained ? { ...o.pretrained, arch: o.pretrained.arch ?? archOfWeights(o.pretrained.file) ?? undefined } : null;
  // The starting configuration: the pretrained backbone, the proposal, or the step-3 search's adopted trial.
  const startOf = (): Candidate =>
    pre?.arch
      ? { spec: pretrainedSpec(p, pre.arch, pre.input), weightDecay: 0, augment: false, label: `pretrained ${pre.arch}` }
      : { spec: state.start?.spec ?? plan.proposal.spec, weightDecay: p.kind === 'image' ? RESNET_WEIGHT_DECAY : 0, augment: false, label: state.start?.label ?? 'the initial architecture' };
  const startCandidate = startOf();
  let incumbentRows: number[] | null = null;
  let model: Module | null = null;
  // The best model so far lives in the run folder: phases free their own and reload it.
  const keepModel = (m: Module) => saveSafetensors(weightsFile, m.stateDict());
  const loadModel = (spec = state.final?.candidate.spec ?? startOf().spec) => {
    const m = buildModel(spec, p.device);
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
    if (!pre && startCandidate.weightDecay > 0) log({ step: 3, action: `weight decay ${startCandidate.weightDecay}`, reason: `the ResNet's proven recipe trains with weight decay ${startCandidate.weightDecay} (SGD); without it a long training grows overconfident and its validation loss rises while accuracy still improves; the ladder's weight-decay rung may replace it`, numbers: { weightDecay: startCandidate.weightDecay } });
    // fitTrainingSet keeps the best epoch and runs the NaN guard and gradient watch itself (decisions labelled step 3).
    const guards = [new Deadline(pre ? deadline(0.85) : planned('step3End', shares.step3Share[p.kind]), clock), ...(o.callbacks ?? [])];
    const step3Start = clock();
    const r = await tuning(() =>
      pre
        ? // A few epochs: pretrained features need little training, and the one-cycle stages must anneal to their end.
          fineTuneTrainingSet(p, { pretrained: pre.file, arch: pre.arch, input: pre.input, freezeEpochs: pre.freezeEpochs, cost: plan.cost, epochs: Math.min(epochCap, 4), seed, callbacks: guards, onDecision: log })
        : fitTrainingSet(p, {
            spec: startCandidate.spec,
            cost: plan.cost,
            // Images: the planned epochs (their schedule completes in step 3's share). Tables and text: epochs cost
            // little and timings taken at process start overstate them, so they keep the cap, stopped by the deadline.
            epochs: p.kind === 'image' && phases ? phases.step3.epochs : epochCap,
            batchSize,
            weightDecay: startCandidate.weightDecay || undefined,
            lrFinder: p.kind === 'image' && phases ? { numIter: phases.finderIterations } : undefined,
            seed,
            callbacks: guards,
            onDecision: log,
            parallel: o.parallel,
            objective: obj,
            baselineLoss: plan.baseline.loss,
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
        evidence: r.evidence ?? null,
        secondsBeforeStep3: (step3Start - start) / 1000,
      };
      state.steps = r.recorder.steps;
      const best = r.best ?? r.history.at(-1)!;
      // r.model holds the best epoch's weights; its training loss is measured in evaluation mode on the fixed subset.
      const trainLoss = trainSubsetLoss(p, r.model, lossFn);
      incumbentRows = validationRowLosses(p, r.model, plan.cost.fn);
      state.final = { candidate: startCandidate, history: r.history, validLoss: best.validLoss ?? NaN, trainLoss, metrics: best.metrics, source: 'step3' };
      if (obj.metric !== 'loss') log({ step: 3, action: `keep the weights of epoch ${best.epoch + 1}`, reason: `the best ${obj.describe(obj.read(best))} of ${r.history.length} epochs (the optimising metric, ${obj.direction === 'max' ? 'higher' : 'lower'} is better; validation loss there ${(best.validLoss ?? NaN).toPrecision(4)})`, numbers: { metric: obj.metric, value: obj.read(best), epoch: best.epoch + 1, validLoss: best.validLoss } });
      keepModel(r.model);
    } finally {
      r.dispose();
    }
    // ---- cross-validation (--folds): the recipe on every fold; the verdict and the ladder read the means ----
    if (o.folds && !stopped()) {
      const s3 = state.step3!;
      state.cv = await tuning(() => foldStep3(o.folds!, { cost: plan.cost, candidate: startCandidate, optimizer: s3.optimizer, lr: s3.lr, epochs: s3.epochs, batchSize, seed, objective: obj, callbacks: o.callbacks, classWeights: plan.cost.balance?.mode, log }));
    }
    const judged = state.cv?.step3 ?? state.final;
    const baseline = state.cv?.baseline ?? plan.baseline;
    // The basic recipe left a bias gap (or no signal): the playbook's random search comes before any verdict on the data.
    const early = fitVerdict(baseline, judged, { evidence: state.step3!.evidence });
    const needSearch = early.verdict !== 'fitted';
    const searchEnds = deadline(shares.searchShare[p.kind]);
    const s3e = state.step3!;
    // A trial trains the epochs a verdict needs (epochsToJudge), not all of step 3's: the search picks a configuration, the final training trains it.
    const trialEpochs = s3e.evidence ? Math.min(epochCap, epochsToJudge(s3e.evidence.stepsPerEpoch)) : Math.max(3, Math.min(epochCap, s3e.epochs));
    const epochSeconds = s3e.history.reduce((a, h) => a + h.seconds, 0) / Math.max(1, s3e.history.length);
    // Only when at least one trial fits in the time left (at the step-3 epoch time).
    const searchFits = clock() + epochSeconds * trialEpochs * 1000 < searchEnds;
    // --folds: a trial trains on every fold, so as many trials as fit in the time left (budget_plan.ts).
    const foldPlan = o.folds && state.cv && !pre && needSearch ? foldSearchPlan({ secondsLeft: (searchEnds - clock()) / 1000, epochSeconds, trialEpochs, k: o.folds.k, foldTrainRows: o.folds.folds[0].prepared.counts.train, trainRows: p.counts.train, maxTrials: STEP3_SEARCH_TRIALS }) : null;
    const fits = foldPlan ? foldPlan.trials > 0 : searchFits;
    if (!pre && needSearch && !fits && !stopped()) {
      log({ step: 3, action: 'skip the random search: time budget', reason: `the basic recipe leaves ${early.verdict === 'bias-gap' ? 'a bias gap' : early.verdict === 'undecided' ? 'the verdict undecided' : 'no signal'}, but ${foldPlan ? `no trial on ${o.folds!.k} folds fits: ${foldPlan.arithmetic}` : `one trial (${trialEpochs} epochs of about ${epochSeconds.toFixed(1)} s) does not fit in the ${Math.max(0, Math.round((searchEnds - clock()) / 1000))} s left for it`}; a larger --budget allows it`, numbers: { epochSeconds, trialEpochs, ...(foldPlan ? { k: o.folds!.k, perTrialSeconds: foldPlan.perTrialSeconds, refitSeconds: foldPlan.refitSeconds } : {}) } });
    }
    if (!pre && needSearch && fits && !stopped()) {
      o.onPhase?.(3, 'random search (the basic recipe did not fit the training set)');
      const foldNote = state.cv ? `; each trial trains on the ${state.cv.k} folds and is scored by its mean` : '';
      log({ step: 3, action: 'random search over width, depth, batch size and learning rate', reason: `the basic recipe's verdict: ${early.message} The playbook tunes at random, never on a grid, before blaming the data${foldNote}`, numbers: { fit: early.fit, trainLoss: judged.trainLoss, validLoss: judged.validLoss, baselineLoss: baseline.loss, secondsLeft: Math.round((searchEnds - clock()) / 1000) } });
      if (foldPlan?.cut) log({ step: 3, action: `cut the search to ${foldPlan.trials} trial(s): --folds`, reason: `${foldPlan.arithmetic}; the search's budget is ${STEP3_SEARCH_TRIALS} trials`, numbers: { trials: foldPlan.trials, of: STEP3_SEARCH_TRIALS, k: o.folds!.k, perTrialSeconds: foldPlan.perTrialSeconds, refitSeconds: foldPlan.refitSeconds, secondsLeft: (searchEnds - clock()) / 1000 } });
      const s3 = state.step3!;
      const searchFile = join(o.runDir, 'search-best.safetensors');
      const found = await tuning(() =>
        foldPlan
          ? step3SearchFolds({ prepared: p, cost: plan.cost, base: startCandidate.spec, optimizer: s3.optimizer, lr: s3.lr, epochs: trialEpochs, seed, trials: foldPlan.trials, deadline: searchEnds - foldPlan.refitSeconds * 1000, clock, folds: o.folds!, incumbent: state.cv!.step3, weightsFile: searchFile, callbacks: o.callbacks, onDecision: log })
          : step3Search({ prepared: p, cost: plan.cost, base: startCandidate.spec, optimizer: s3.optimizer, lr: s3.lr, epochs: trialEpochs, seed, deadline: searchEnds, clock, incumbent: { validLoss: state.final!.validLoss, rowLosses: incumbentRows ?? undefined }, weightsFile: searchFile, callbacks: o.callbacks, onDecision: log, parallel: o.parallel }),
      );
      const w = found.best;
      const fw = foldPlan && w ? (w as FoldSearchWinner) : null;
      const spreads = fw && state.cv ? ` (mean over ${state.cv.k} folds ${describeSpread(fw.folds.folds.validLoss)} against the basic recipe's ${describeSpread(state.cv.step3.folds.validLoss)})` : '';
      if (w && found.acceptance?.accept) {
        const label = `searched: hidden ${w.spec.family === 'tabular' ? `[${w.spec.options.hidden.join(', ')}]` : 'as proposed'}, batch ${w.batchSize}, learning rate ${w.lr.toExponential(2)}`;
        state.start = { spec: w.spec, lr: w.lr, batchSize: w.batchSize, label };
        s3.lr = w.lr;
        s3.batchSize = w.batchSize;
        // With --folds the model kept is the trial's configuration trained on the default split (its figures there); the fold means go on deciding.
        const own = fw?.defaultSplit ?? w;
        state.final = { candidate: startOf(), history: state.final!.history, validLoss: own.validLoss, trainLoss: own.trainLoss, metrics: own.metrics, source: 'step3' };
        if (fw && state.cv) state.cv.step3 = { ...fw.folds, candidate: startOf() };
        renameSync(searchFile, weightsFile);
        log({ step: 3, action: `adopt the search's best trial (${label})`, reason: `${found.trials.length} trial(s); ${found.acceptance.why}${spreads}`, numbers: { trials: found.trials.length, params: w.params, validLoss: w.validLoss, gain: found.acceptance.gain, z: found.acceptance.z, ...(fw ? { folds: fw.folds.folds.validLoss } : {}) } });
      } else {
        log({ step: 3, action: 'keep the basic recipe', reason: `${found.trials.length} trial(s)${w && found.acceptance ? `; the best did not beat it clearly (${found.acceptance.why}${spreads})` : '; none completed'}`, numbers: { trials: found.trials.length, best: w?.validLoss ?? null, ...(fw ? { folds: fw.folds.folds.validLoss } : {}) } });
      }
    }
    const cvj = state.cv?.step3;
    // One verdict, quoted by the decision, the summary, the exit code and `doctor`.
    const ev = state.step3!.evidence ?? null;
    const searched = state.start ? { epochs: trialEpochs, lr: state.start.lr } : null;
    const evidence = ev && searched ? { ...ev, ...searched } : ev;
    const judgeBudget = evidence ? budgetToJudge(evidence, { secondsBeforeStep3: state.step3!.secondsBeforeStep3 ?? 0, step3Share: shares.step3Share[p.kind], epochCap }) : null;
    state.verdict = fitVerdict(baseline, { trainLoss: cvj?.trainLoss ?? state.final.trainLoss, validLoss: cvj?.validLoss ?? state.final.validLoss }, { evidence, budget: judgeBudget });
    const foldNote = state.cv ? ` (means over ${state.cv.k} folds: validation ${describeSpread(state.cv.step3.folds.validLoss)}, training ${describeSpread(state.cv.step3.folds.trainLoss)}, baseline ${describeSpread(state.cv.baseline.folds)})` : '';
    log({ step: 3, action: state.verdict.action, reason: `${state.verdict.message}${foldNote}`, numbers: { verdict: state.verdict.verdict, baseline: baseline.loss, trainLoss: cvj?.trainLoss ?? state.final.trainLoss, validLoss: cvj?.validLoss ?? state.final.validLoss, improvement: state.verdict.improvement, fit: state.verdict.fit, ...(state.verdict.budget ? { budgetMinutes: state.verdict.budget.minutes } : {}), ...(state.cv ? { folds: { k: state.cv.k, validLoss: state.cv.step3.folds.validLoss, trainLoss: state.cv.step3.folds.trainLoss, baselineLoss: state.cv.baseline.folds } } : {}) } });
    state.phase = state.verdict.verdict === 'no-signal' || state.verdict.verdict === 'undecided' ? 'done' : 'step4';
    if (pre && state.phase === 'step4') {
      // The ladder's probes train from scratch, which would throw the pretrained features away.
      log({ step: 4, action: 'keep the fine-tuned model; no regularization ladder', reason: 'the ladder probes candidates trained from scratch, which would discard the pretrained features; the frozen-then-differential recipe is the regularization here', numbers: { validLoss: state.final.validLoss, trainLoss: state.final.trainLoss } });
      state.phase = 'step5';
    }
    save();
  }

  // ---- Step 4: fit the validation set ----------------------------------------
  if (state.phase === 'step4' && !stopped()) {
    o.onPhase?.(4, 'fit the validation set');
    const s3 = state.step3!;
    const startModel = loadModel(startOf().spec);
    let rowLosses: number[];
    try {
      rowLosses = validationRowLosses(p, startModel, plan.cost.fn);
    } finally {
      startModel.dispose();
    }
    const startScore: Measured = state.cv ? { ...state.cv.step3, candidate: startOf() } : { candidate: startOf(), trainLoss: state.final!.trainLoss, validLoss: state.final!.validLoss, rowLosses, metrics: state.final!.metrics, epoch: s3.best?.epoch ?? 0 };
    // Probes are short: a few epochs (images: on a quarter of the data).
    const probeEpochs = p.kind === 'image' ? 3 : Math.max(3, s3.epochs);
    const ladder = await tuning(() =>
      regularizationLadder({
        prepared: p,
        cost: plan.cost,
        start: startOf(),
        startScore,
        probeStart: p.kind === 'image',
        optimizer: s3.optimizer,
        lr: s3.lr,
        batchSize: s3.batchSize ?? batchSize,
        epochs: probeEpochs,
        seed,
        baselineLoss: state.cv?.baseline.loss ?? plan.baseline.loss,
        // With --folds every candidate is measured on every fold (the ladder reads the mean).
        measure: o.folds ? (c, fraction) => crossValidate(o.folds!, c, { cost: plan.cost, optimizer: s3.optimizer, lr: s3.lr, epochs: probeEpochs, batchSize: s3.batchSize ?? batchSize, seed, objective: obj, callbacks: o.callbacks }, fraction) : undefined,
        budgetSeconds: Math.max(0, (planned('ladderEnd', shares.ladderShare[p.kind]) - clock()) / 1000),
        clock,
        parallel: o.parallel,
        probeFraction: p.kind === 'image' ? 0.5 : 1,
        // Short probes from scratch need a warm-up (one-cycle) to be comparable.
        schedule: p.kind === 'image' ? 'one-cycle' : undefined,
        // Hopeless probes stop early (the median rule) and give their epochs back.
        callbacks: p.kind === 'image' ? [...(o.callbacks ?? []), new MedianStopping({}, (s) => log({ step: 4, action: 'stop a hopeless probe early', reason: `validation loss ${s.loss.toPrecision(4)} after epoch ${s.epoch} is above ${s.limit.toPrecision(4)} (the median of ${s.peers} earlier probes at that epoch, ${s.median.toPrecision(4)}, plus 10 %)`, numbers: s }))] : o.callbacks,
        onDecision: log,
        augment: o.augment,
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
    if (p.kind === 'image' && o.augment !== null && !chosen.augment && !state.ladder!.gapClosed && gapOpen(state.final!, plan.baseline.loss)) {
      chosen = { ...chosen, augment: true, label: `${chosen.label} with data augmentation` };
      log({ step: 4, action: 'use data augmentation for the final training', reason: `the model still overfits (validation ${state.final!.validLoss.toPrecision(4)} against training ${state.final!.trainLoss.toPrecision(4)}); augmentation works over long training, which short probes cannot show, and the final model is kept only if it beats the step-3 model on validation` });
    }
    const s3 = state.step3!;
    const changed = chosen.label !== startOf().label;
    if (state.cv) log(foldFinalModel(state.cv.k, chosen.label));
    const finalEnd = planned('finalEnd', shares.finalShare);
    const timeLeft = finalEnd - clock();
    const epochSeconds = s3.history.reduce((a, h) => a + h.seconds, 0) / Math.max(1, s3.history.length);
    // ---- budget planner hook: the final schedule is sized to complete in the time left ----
    const finalPlan = planPhase({ secondsGiven: timeLeft / 1000, secondsPerEpoch: Math.max(1e-3, epochSeconds), overheadSeconds: p.kind === 'image' ? 2 : 0, maxEpochs: epochCap, margin: (chosen.augment ? shares.epochTimeMargin.augmented : shares.epochTimeMargin.plain) * (p.kind === 'image' ? shares.epochTimeMargin.movingAverage : 1) });
    if (changed || p.kind === 'image') log({ step: 4, action: finalPlan.epochs ? `plan the final training: ${finalPlan.epochs} epoch(s)` : 'skip the final training (too little time for a schedule that completes)', reason: `measured ${epochSeconds.toPrecision(3)} s per epoch in step 3; ${finalPlan.arithmetic}; the ${p.kind === 'image' ? 'one-cycle' : 'warm-restarts'} schedule is sized to these epochs, so it ends annealed`, numbers: { secondsLeft: timeLeft / 1000, secondsPerEpoch: epochSeconds, margin: finalPlan.margin, epochs: finalPlan.epochs, boundBy: finalPlan.boundBy } });
    if ((changed || p.kind === 'image') && timeLeft > 0 && finalPlan.epochs > 0) {
      o.onPhase?.(4, `train the chosen configuration (${chosen.label})`);
      // Continue from the best weights when the chosen configuration has the same parameters
      // (dropout, weight decay, augmentation); a new architecture starts from scratch.
      let warm: Module | null = buildModel(chosen.spec, p.device);
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
      const finalEpochs = finalPlan.epochs;
      const ema = p.kind === 'image' ? new ExponentialMovingAverage({ decay: emaDecayFor(finalEpochs * Math.ceil(p.counts.train / (batchSize ?? 128))) }) : null;
      // ---- end of hook ----
      const fit = await tuning(() =>
        fitModel(p, {
          initialState: warm ?? undefined,
          spec: chosen.spec,
          cost: plan.cost,
          optimizer: s3.optimizer,
          lr: s3.lr,
          batchSize: s3.batchSize ?? batchSize,
          weightDecay: chosen.weightDecay,
          augment: chosen.augment ? new ImageAugment(o.augment ?? {}) : undefined,
          // As many epochs as the time left allows; the schedule's cycles are sized to end with them.
          epochs: finalEpochs,
          seed,
          schedule: p.kind === 'image' ? 'one-cycle' : 'warm-restarts',
          callbacks: [new Deadline(finalEnd, clock), ...(ema ? [ema] : []), ...(o.callbacks ?? [])],
          parallel: o.parallel,
          step: 4,
          onDecision: log,
          what: 'final training',
          objective: obj,
        }),
      );
      try {
        const best = fit.best ?? fit.history.at(-1)!;
        // ---- budget planner hook: the weights' moving average, kept only when measured better (judged on the loss) ----
        if (ema && !o.parallel && obj.metric === 'loss') {
          try {
            const avg = await chooseAverage({ prepared: p, spec: chosen.spec, cost: plan.cost, trained: fit.model, ema, baselineLoss: plan.baseline.loss, log });
            if (avg.kept) best.validLoss = avg.validLoss;
          } finally {
            ema.dispose();
          }
        }
        ema?.dispose();
        // ---- end of hook ----
        // The optimising metric decides (validation loss by default), quoting both figures.
        const [now, then] = [obj.read(best), obj.read(state.final!)];
        // With --folds the folds' mean already chose this configuration over the start: the final model is kept.
        const better = state.cv ? true : now !== null && (then === null || obj.better(now, then));
        log({ step: 4, action: better ? 'keep the final model' : 'keep the step-3 model', reason: state.cv ? `the ${state.cv.k} folds chose its configuration (${describeSpread(('folds' in state.ladder!.best ? (state.ladder!.best as FoldMeasured).folds : state.cv.step3.folds).validLoss)} against the start's ${describeSpread(state.cv.step3.folds.validLoss)}); on the default split ${obj.describe(now)} against the step-3 model's ${then === null ? '–' : then.toPrecision(4)}` : `${obj.describe(now)} against ${then === null ? '–' : then.toPrecision(4)} (the best model is chosen by the optimising metric, validation ${obj.metric}, only)`, numbers: { metric: obj.metric, final: now, step3: then, finalValidLoss: best.validLoss, step3ValidLoss: state.final!.validLoss } });
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
    // ---- budget planner hook: flip test-time augmentation, chosen on validation ----
    const tta = p.kind === 'image' && chooseFlipTta({ prepared: p, model, cost: plan.cost, baselineLoss: plan.baseline.loss, log });
    state.testTimeAugmentation = tta ? 'flip' : null;
    const evaluated = tta ? new FlipAveraged(model, p.task === 'regression' ? 'regression' : p.task === 'multiclass' ? 'multiclass' : 'binary') : model;
    // ---- end of hook ----
    const t = await evaluateOnTest({ prepared: p, model: evaluated, cost: plan.cost, metrics: metricsFor(p.task, p.classes), store, modelId: o.runId, runId: o.runId, validationLoss: state.final!.validLoss, baselineLoss: plan.baseline.loss });
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
