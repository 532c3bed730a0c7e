// Step 3 — fit the training set: find the learning rate, start with SGD and
// momentum under cosine annealing with warm restarts, and switch to Adam
// (finding Adam's own rate) when SGD trains too slowly. Every finder runs
// from the initial weights (a curve taken from trained weights is flat and
// its minimum is noise), and a curve that cannot be read gives way to a
// stated fallback rate. With the naive baseline's loss given, a training
// loss that stops moving while the bias gap is open is acted on (a rate
// change, or the end of the phase). Every choice is logged; the model handed
// on is the best epoch's (KeepBest across phases, carried by checkpoints),
// and every phase runs with the guards.
import { manualSeed, noGrad, keep, dispose, type Tensor } from '../tensor/index.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Learner, Recorder, ScheduleCallback, GradClip, CheckpointCallback, KeepBest, ValidationMetrics, Deadline, CancelFit, bestEpoch, loadCheckpoint, readCheckpointInfo, lrFind, judgeFinderCurve, LrFinderTooShort, type Callback, type EpochResult, type LrFinderResult, type LrFinderOptions } from '../train/index.js';
import type { Optimizer } from '../optim/index.js';
import { buildModel, type ModelSpec } from './architecture.js';
import type { CostFunctionChoice } from './cost_function.js';
import { makeOptimizer, makeSchedule, metricsFor, type FitResult, type OptimizerKind, type ScheduleKind } from './fit.js';
import { judgeSgd, rateFromFinder, standardRate, STANDARD_LR, type SwitchRule } from './optimizer_rule.js';
import { judgeProgress, stallAction, stallWindow, type StallRule, type StallVerdict } from './stall_rule.js';
import type { TrainingEvidence } from './diagnosis.js';
import type { Prepared, LoaderSource } from '../data/prepare.js';
import type { Decision, DecisionLog } from './decisions.js';
import type { Augmenter } from '../data/index.js';
import { parallelCallbacks, shardOf, type Parallel } from './parallel.js';
import { trainingLoss, measureLoss } from './scale_free.js';
import { trainingGuards } from './guards.js';
import { TrainSubsetProbe } from '../protocol/index.js';
import { onDevice } from '../data/device_source.js';
import { objective, type Objective } from '../metrics/index.js';
import { writeJsonAtomic } from '../files/index.js';

/** What a checkpoint of step 3 needs beside the learner's state to continue. */
export interface FitCheckpointInfo {
  optimizer: OptimizerKind;
  lr: number;
  /** Epochs of the phase the checkpoint is in (schedules are sized by it). */
  phaseEpochs: number;
  /** Epochs finished. */
  epochs: number;
}

/** The resume information of a step-3 checkpoint (kept inside the checkpoint itself), or null when there is none. */
export function readFitCheckpoint(file: string): FitCheckpointInfo | null {
  if (!existsSync(file) && !existsSync(`${file}.prev`)) return null;
  const info = (readCheckpointInfo(file)?.info as FitCheckpointInfo | null) ?? null;
  // Checkpoints written before the information moved inside them: the sidecar.
  if (!info && existsSync(`${file}.json`)) return JSON.parse(readFileSync(`${file}.json`, 'utf8')) as FitCheckpointInfo;
  return info;
}

export interface FitTrainingSetOptions {
  spec: ModelSpec;
  cost: CostFunctionChoice;
  epochs: number;
  batchSize?: number;
  /** 'auto' (default): SGD first, Adam when the rule says so. */
  optimizer?: OptimizerKind | 'auto';
  /** Skip the finder and use this rate (with 'auto': SGD's rate only). */
  lr?: number;
  /** With 'auto': Adam's rate after a switch; default: the finder's pick for Adam (SGD's rate never carries over). */
  adamLr?: number;
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
  /** Where the model lives and batches go ('cpu', 'cuda:0'); moved once, before the optimizer exists. Default: the data's device. */
  device?: string;
  /**
   * The naive baseline's loss: with it a training loss that stops moving while the bias gap is open
   * is acted on (stall_rule.ts: a rate change or the end of the phase); without it nothing watches for a stall.
   */
  baselineLoss?: number;
  stallRule?: StallRule;
}

/** Watches the eval-mode training-subset loss after each epoch and ends the phase (CancelFit) on a stall. Runs last (after the deadline). */
class StallWatch implements Callback {
  readonly name = 'stallWatch';
  readonly order = 96;
  verdict: StallVerdict | null = null;
  private readonly losses: number[];
  private readonly rule: StallRule;
  constructor(private readonly probe: TrainSubsetProbe, start: number, private readonly baselineLoss: number, stepsPerEpoch: number, rule: StallRule = {}) {
    this.losses = [start];
    this.rule = { ...rule, window: stallWindow(stepsPerEpoch, rule) };
  }
  afterEpoch(l: Learner): void {
    if (!l.lastEpoch) return;
    const before = this.probe.losses.length;
    this.losses.push(this.probe.measureNow(l.model));
    this.probe.losses.length = before;
    const v = judgeProgress(this.losses, this.baselineLoss, this.rule);
    if (v?.stalled && l.epoch + 1 < l.startEpoch + l.nEpochs) {
      this.verdict = v;
      throw new CancelFit();
    }
  }
}

export interface FitTrainingSetResult extends FitResult {
  decisions: Decision[];
  lrFinds: Array<{ optimizer: OptimizerKind; result: LrFinderResult }>;
  optimizer: OptimizerKind;
  lr: number;
  /** How the model was trained, measured (for step 3's verdict); null on resume. */
  evidence?: TrainingEvidence | null;
}

export async function fitTrainingSet(p: Prepared, o: FitTrainingSetOptions): Promise<FitTrainingSetResult> {
  const decisions: Decision[] = [];
  const log = (d: Decision) => {
    decisions.push(d);
    o.onDecision?.(d);
  };
  manualSeed(o.seed ?? 0);
  const device = o.device ?? p.device ?? 'cpu';
  const model = buildModel(o.spec, device);
  // The initial weights: every finder starts from them (a sound starting point, whatever trained since).
  const initial: Record<string, Tensor> = noGrad(() => Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, keep(v.clone())])));
  const cost = trainingLoss(p, o.cost);
  const batchSize = o.batchSize ?? (p.kind === 'image' ? 128 : 64);
  const metrics = metricsFor(p.task, p.classes);
  const recorder = new Recorder();
  const obj = o.objective ?? objective('loss');
  const keepBest = new KeepBest({ span: true, objective: obj });
  const guards = trainingGuards({ step: 3, onDecision: log });
  const lrFinds: FitTrainingSetResult['lrFinds'] = [];
  const history: EpochResult[] = [];
  const auto = o.optimizer === 'auto' || o.optimizer === undefined;
  let kind: OptimizerKind = auto ? 'sgd' : (o.optimizer as OptimizerKind);
  let train: LoaderSource | null = null;
  let trainShard: LoaderSource | null = null;
  let validation: LoaderSource | null = null;
  let optimizer: Optimizer | null = null;
  let probe: TrainSubsetProbe | null = null;
  let learner: Learner | null = null;
  let finderSeconds = 0;
  const free = () => {
    if (trainShard !== train) trainShard?.dispose();
    train?.dispose();
    validation?.dispose();
    optimizer?.dispose();
    probe?.dispose();
    keepBest.dispose();
    dispose(initial);
    model.dispose();
  };

  /** The finder's sweep from the initial weights; the model's own weights are put back after it. */
  const sweep = async (): Promise<LrFinderResult | null> => {
    const current = noGrad(() => Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, keep(v.clone())])));
    const started = performance.now();
    try {
      model.loadStateDict(initial);
      const finder = new Learner({ model, optimizer: optimizer!, costFunction: cost, train: train! });
      return await lrFind(finder, o.lrFinder);
    } catch (e) {
      if (e instanceof LrFinderTooShort) return null;
      throw e;
    } finally {
      model.loadStateDict(current);
      dispose(current);
      finderSeconds += (performance.now() - started) / 1000;
    }
  };

  const findLr = async (why: string, given: number | undefined): Promise<number> => {
    if (given !== undefined) return given;
    const r = await sweep();
    if (r) lrFinds.push({ optimizer: kind, result: r });
    const reading = r ? judgeFinderCurve(r) : null;
    const standard = standardRate(kind, o.spec.family);
    const choice = rateFromFinder(r, reading, kind, standard);
    const e = (v: number) => v.toExponential(2);
    const curve = r ? ` (valley ${e(r.valley.lr)}, minimum/10 ${e(r.minimum.lr)}, slide ${e(r.slide.lr)})` : '';
    const numbers = {
      ...(r ? { suggestion: r.suggestion.lr, steep: r.steep.lr, valley: r.valley.lr, minimum: r.minimum.lr, slide: r.slide.lr, points: r.lrs.length, stoppedBecause: r.stoppedBecause } : { points: 0, stoppedBecause: 'diverged' }),
      ...(reading ? { fall: reading.numbers.fall, pickOverValley: reading.numbers.pickOverValley } : {}),
      lr: choice.lr,
      source: choice.source,
    };
    if (choice.source === 'pick') {
      log({
        step: 3,
        action: `learning rate ${e(choice.lr)} for ${kind.toUpperCase()}`,
        reason:
          `${why}: the learning-rate finder's curve (from the initial weights) falls fastest around ${e(r!.steep.lr)}; the playbook picks a little to its right, where the loss is still falling strongly` +
          `${r!.suggestion.lr < r!.steep.lr ? `, capped at a tenth of the rate where the loss bottoms out (the steepest point is too close to the blow-up)` : ''}${curve}`,
        numbers,
      });
    } else {
      const problems = reading ? reading.problems.map((x) => x.text).join('; ') : 'it diverged at once: the sweep stopped before it had the points to read a rate from';
      const fallback = choice.source === 'valley' ? `the curve's valley ${e(choice.lr)} (its longest descent; fastai's reading)` : standard === STANDARD_LR[kind] ? `${kind.toUpperCase()}'s standard rate ${e(choice.lr)}` : `the ResNet recipe's ${kind.toUpperCase()} rate ${e(choice.lr)}`;
      log({
        step: 3,
        action: `learning rate ${e(choice.lr)} for ${kind.toUpperCase()} (${choice.source === 'valley' ? "the finder's valley" : 'the standard rate'}: the finder's pick is not trusted)`,
        reason: `${why}: the learning-rate finder's curve (from the initial weights) cannot be read${r ? ` for its pick ${e(r.suggestion.lr)}` : ''}: ${problems}; so ${fallback} is used instead${curve}`,
        numbers,
      });
    }
    return choice.lr;
  };

  const phase = async (epochs: number, lr: number, o2: { resumeFrom?: string; extra?: Callback[] } = {}) => {
    optimizer!.setLrs(lr);
    const schedule = makeSchedule(o.schedule ?? 'warm-restarts', optimizer!, trainShard!.length ?? 1, epochs, { lr, cycleEpochs: o.cycleEpochs, cycleMult: o.cycleMult });
    const callbacks: Callback[] = [recorder, keepBest, ...guards, ...parallelCallbacks(o.parallel), ...(o.callbacks ?? []), ...(o2.extra ?? [])];
    if (schedule) callbacks.push(new ScheduleCallback(schedule));
    if (o.gradClip) callbacks.push(new GradClip({ maxNorm: o.gradClip }));
    if (p.task !== 'multilabel') callbacks.push(new ValidationMetrics(p.task, p.classes?.length ?? 1));
    if (o.checkpoint) {
      const file = o.checkpoint;
      const info = (l: Learner): FitCheckpointInfo => ({ optimizer: kind, lr, phaseEpochs: epochs, epochs: l.epoch + 1 });
      callbacks.push(new CheckpointCallback(file, schedule, info), {
        order: 91,
        // The sidecar only tells `fit --resume` which runs left a checkpoint; the checkpoint carries the same information itself.
        afterEpoch: (l: Learner) => {
          if (l.lastEpoch) writeJsonAtomic(`${file}.json`, info(l), 0);
        },
      });
    }
    learner = new Learner({ model, optimizer: optimizer!, costFunction: cost, measureFunction: measureLoss(o.cost), train: trainShard!, validation: validation!, metrics, callbacks });
    learner.plannedEpochs = o.epochs;
    let left = epochs;
    if (o2.resumeFrom) {
      // The checkpoint carries the whole history so far (every phase) and the best weights.
      left = Math.max(0, o.epochs - loadCheckpoint(learner, o2.resumeFrom, schedule).epoch);
    } else {
      learner.history.push(...history);
      learner.startEpoch = history.length;
      learner.step = recorder.steps.length;
    }
    if (left > 0) await learner.fit(left);
    else if (keepBest.bestWeights) model.loadStateDict(keepBest.bestWeights);
    history.splice(0, history.length, ...learner.history);
  };

  const outOfTime = () => (o.callbacks ?? []).some((c) => c instanceof Deadline && c.stopped);
  // Watched when the caller gives the baseline (the autopilot does; `fit` keeps the rate the user asked for).
  const watching = o.baselineLoss !== undefined;
  let rateChanged = false;
  /** A phase of `epochs` at `lr`, watched for a stall: a rate change restarts it from the best weights; a stall at a sane rate ends it. */
  const watchedPhase = async (epochs: number, lr: number): Promise<number> => {
    let left = epochs;
    let rate = lr;
    while (left > 0) {
      const watch = watching ? new StallWatch(probe!, probe!.measureNow(model), o.baselineLoss!, trainShard!.length ?? 1, o.stallRule) : null;
      const before = history.length;
      await phase(left, rate, { extra: watch ? [watch] : [] });
      left -= history.length - before;
      if (!watch?.verdict || outOfTime()) break;
      const act = stallAction({ optimizer: kind, lr: rate, standardLr: STANDARD_LR[kind], rateChanged });
      const numbers = { ...watch.verdict.numbers, lr: rate, standardLr: STANDARD_LR[kind], epochsLeft: left };
      if (act.kind === 'stop') {
        log({ step: 3, action: `stop step 3 early: the training loss stalled`, reason: `${watch.verdict.reason}; ${act.why}, so the time left goes to what comes next (the search over width and depth when the bias gap stays open)`, numbers });
        break;
      }
      log({ step: 3, action: `change the learning rate to ${act.lr.toExponential(2)} for ${kind.toUpperCase()}: the training loss stalled`, reason: `${watch.verdict.reason}; ${act.why}; training goes on from the best weights so far with a fresh optimizer for the ${left} epoch(s) left`, numbers: { ...numbers, newLr: act.lr } });
      rateChanged = true;
      rate = act.lr;
      optimizer!.dispose();
      optimizer = makeOptimizer(kind, model, rate, { weightDecay: o.weightDecay });
      if (keepBest.bestWeights) model.loadStateDict(keepBest.bestWeights);
    }
    return rate;
  };

  const evidence = (lr: number, initialLoss: number): TrainingEvidence => {
    const seconds = history.reduce((a, h) => a + h.seconds, 0);
    return { epochs: history.length, steps: recorder.steps.length, optimizer: kind, lr, initialLoss, secondsPerEpoch: seconds / Math.max(1, history.length), stepsPerEpoch: trainShard?.length ?? 0, finderSeconds };
  };
  const result = (lr: number, ev: TrainingEvidence | null): FitTrainingSetResult => ({ model, learner: learner!, recorder, history, best: bestEpoch(history, obj), metrics, dispose: free, decisions, lrFinds, optimizer: kind, lr, evidence: ev });

  try {
    train = onDevice(p.loader('train', { batchSize, seed: o.seed ?? 0, augment: o.augment, fraction: o.trainFraction, sampling: o.cost.sampling }), device);
    validation = onDevice(p.loader('validation', { batchSize: Math.max(256, batchSize), shard: shardOf(o.parallel, 'dataset') }), device);
    // Data-parallel ranks train on their slice; the finder (identical on every rank) reads it all.
    const shard = shardOf(o.parallel);
    trainShard = shard ? onDevice(p.loader('train', { batchSize, seed: o.seed ?? 0, augment: o.augment, fraction: o.trainFraction, shard, sampling: o.cost.sampling }), device) : train;
    optimizer = makeOptimizer(kind, model, o.lr ?? 1e-3, { weightDecay: o.weightDecay });

    const resumed = o.resume ? readFitCheckpoint(o.resume) : null;
    if (o.resume && !resumed) throw new Error(`${o.resume}: no step-3 checkpoint to resume from`);
    if (resumed) {
      kind = resumed.optimizer;
      optimizer.dispose();
      optimizer = makeOptimizer(kind, model, resumed.lr, { weightDecay: o.weightDecay });
      log({ step: 3, action: `resume from the checkpoint after epoch ${resumed.epochs}`, reason: `continuing with ${kind.toUpperCase()} at learning rate ${resumed.lr.toExponential(2)} for the ${Math.max(0, o.epochs - resumed.epochs)} epoch(s) left; the finder and the SGD→Adam rule already ran; the best weights so far come with the checkpoint`, numbers: { ...resumed } });
      await phase(resumed.phaseEpochs, resumed.lr, { resumeFrom: o.resume });
      return result(resumed.lr, null);
    }
    probe = new TrainSubsetProbe(p, o.cost);
    const initialLoss = probe.measureNow(model);
    let lr = await findLr('start of step 3', o.lr);
    log({ step: 3, action: `train with ${kind.toUpperCase()}${kind === 'sgd' ? ' (momentum 0.9)' : ''} and ${o.schedule ?? 'warm-restarts'} schedule`, reason: auto ? 'the playbook starts with stochastic gradient descent and switches to Adam if it trains slowly' : 'optimizer chosen by the user' });
    if (auto) {
      const patience = Math.min(o.rule?.patience ?? 2, o.epochs);
      probe.losses.length = 0;
      probe.losses.push(initialLoss);
      // The judged window is one phase with one annealing cycle: no restart inside it.
      await phase(patience, lr, { extra: [probe] });
      const verdict = judgeSgd({ initial: initialLoss, losses: probe.losses.slice(1) }, { ...o.rule, patience });
      // A time budget (Deadline) that ended the window ends step 3: no new finder, no new phase.
      const left = outOfTime() ? 0 : o.epochs - patience;
      if (outOfTime()) log({ step: 3, action: 'stop step 3: time budget spent', reason: `the time budget ended step 3 after ${history.length} epoch(s), within the SGD window${verdict ? '' : ' (too early to judge SGD)'}`, numbers: { epochs: history.length } });
      if (verdict && verdict.switchToAdam && !outOfTime()) {
        // With step 3's epochs spent the switch still stands: the search and the final training go on with Adam, not the slow SGD.
        log({ step: 3, action: left > 0 ? 'switch from SGD to Adam' : 'switch from SGD to Adam for the training that follows', reason: left > 0 ? verdict.reason : `${verdict.reason}; step 3's ${o.epochs} epoch(s) are spent, so the search and the final training go on with Adam from SGD's weights`, numbers: verdict.numbers });
        optimizer.dispose();
        kind = 'adam';
        optimizer = makeOptimizer(kind, model, 1e-3, { weightDecay: o.weightDecay });
        // SGD's rate (found or given) never carries over: Adam's scale is different. Training goes on from SGD's weights.
        lr = await findLr(o.lr !== undefined ? 'after switching to Adam (the given --lr was SGD\'s)' : 'after switching to Adam', o.adamLr);
      } else if (verdict && left > 0) {
        log({ step: 3, action: 'keep SGD', reason: verdict.reason, numbers: verdict.numbers });
      }
      if (left > 0) lr = await watchedPhase(left, lr);
    } else {
      lr = await watchedPhase(o.epochs, lr);
    }
    return result(lr, evidence(lr, initialLoss));
  } catch (e) {
    free();
    throw e;
  }
}
