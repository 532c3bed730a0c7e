// The training loop: small on purpose. Every feature (recording, schedules,
// clipping, checkpoints, progress, early stopping …) is a callback fired by a
// named event; cancel exceptions stop a batch, a phase, an epoch or the fit.
import { Tensor, noGrad, tidy } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import type { Optimizer } from '../optim/index.js';
import type { Callback } from './callback.js';
import type { EventName } from './events.js';
import { CancelBatch, CancelEpoch, CancelFit, CancelTrain, CancelValidate } from './cancel.js';
import { finishMetric, type Metric } from './metrics.js';
import { forEachEvalBatch } from '../metrics/eval_batches.js';

/** One mini-batch: inputs and targets. The learner disposes both after use. */
export interface Batch {
  x: Tensor;
  y: Tensor;
}

/** Where batches come from: a fresh pass per epoch (the source reshuffles). */
export interface BatchSource {
  /** Batches of one pass; `epoch` lets the source seed its shuffle. */
  batches(epoch: number): Iterable<Batch> | AsyncIterable<Batch>;
  /** Number of batches per pass, when known (progress bars, schedules). */
  readonly length?: number;
}

/** A cost function over the model's output and the targets. */
export type LossFunction = (pred: Tensor, target: Tensor) => Tensor;

export interface LearnerOptions {
  model: Module;
  optimizer: Optimizer;
  costFunction: LossFunction;
  /** The loss validation is measured with; default costFunction. Class-weighted training measures unweighted (steps/cost_function.ts). */
  measureFunction?: LossFunction;
  train: BatchSource;
  /** Validation batches; evaluated after every training epoch. */
  validation?: BatchSource;
  metrics?: Metric[];
  callbacks?: Callback[];
}

/** Per-epoch averages the loop computes itself (callbacks read them). */
export interface EpochResult {
  epoch: number;
  trainLoss: number;
  validLoss: number | null;
  metrics: Record<string, number>;
  seconds: number;
}

export class Learner {
  readonly model: Module;
  readonly optimizer: Optimizer;
  costFunction: LossFunction;
  measureFunction: LossFunction | null;
  train: BatchSource;
  validation: BatchSource | null;
  readonly metrics: Metric[];
  private callbacks: Callback[] = [];

  // ---- loop state, readable (and some writable) by callbacks -------------
  /** Epochs of this fit() call, and the current epoch (0-based, continues after resume). */
  nEpochs = 0;
  epoch = 0;
  /** Batch index within the current phase. */
  iter = 0;
  /** Optimizer steps taken since the model was created (or resumed). */
  step = 0;
  /** True in the training phase, false in validation. */
  training = false;
  x: Tensor | null = null;
  y: Tensor | null = null;
  pred: Tensor | null = null;
  loss: Tensor | null = null;
  /** The last batch's loss as a number. */
  lossValue = NaN;
  /** Set by a callback to skip the optimizer step of this batch (e.g. a non-finite gradient). */
  skipStep = false;
  /** The joint gradient norm of this batch before any clipping, when a callback measured it (GradWatch); else null. */
  gradNorm: number | null = null;
  /** The epoch just finished; history of all of them. */
  lastEpoch: EpochResult | null = null;
  readonly history: EpochResult[] = [];
  /** Epoch to start from (set by resuming from a checkpoint). */
  startEpoch = 0;
  /** The whole run's epochs when this fit is one phase of a longer run (progress shows it); null: startEpoch + nEpochs. */
  plannedEpochs: number | null = null;

  /**
   * The current phase's sums: loss × rows, rows, and each metric's batch sums.
   * The phase's means are computed from them before afterTrain/afterValidate
   * fire; a callback that combines sums from elsewhere (data parallelism)
   * rewrites trainLoss / validLoss / validMetrics there.
   */
  phaseLoss = 0;
  phaseCount = 0;
  phaseMetrics: number[] = [];
  private epochStart = 0;
  /** When the loop last let the event loop run (signals, progress, finalizers). */
  private lastYield = performance.now();
  /** The training phase's mean loss (see phaseLoss). */
  trainLoss = NaN;
  /** The validation phase's mean loss and metrics (see phaseLoss). */
  validLoss: number | null = null;
  validMetrics: Record<string, number> = {};

  constructor(o: LearnerOptions) {
    this.model = o.model;
    this.optimizer = o.optimizer;
    this.costFunction = o.costFunction;
    this.measureFunction = o.measureFunction ?? null;
    this.train = o.train;
    this.validation = o.validation ?? null;
    this.metrics = o.metrics ?? [];
    for (const cb of o.callbacks ?? []) this.addCallback(cb);
  }

  addCallback(cb: Callback): this {
    this.callbacks.push(cb);
    // Stable sort: equal orders keep insertion order.
    this.callbacks.sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
    return this;
  }

  removeCallback(cb: Callback): this {
    this.callbacks = this.callbacks.filter((c) => c !== cb);
    return this;
  }

  getCallback<T extends Callback>(type: abstract new (...args: any[]) => T): T | undefined {
    return this.callbacks.find((c) => c instanceof type) as T | undefined;
  }

  /** Fires an event on every callback, in order. */
  fire(event: EventName): void {
    for (const cb of this.callbacks) cb[event]?.(this);
  }

  /** Trains for nEpochs epochs (after startEpoch), validating after each. */
  async fit(nEpochs: number): Promise<EpochResult[]> {
    this.nEpochs = nEpochs;
    const done: EpochResult[] = [];
    try {
      this.fire('beforeFit');
      for (this.epoch = this.startEpoch; this.epoch < this.startEpoch + nEpochs; this.epoch++) {
        await this.oneEpoch();
        if (this.lastEpoch) done.push(this.lastEpoch);
      }
    } catch (e) {
      if (!(e instanceof CancelFit)) throw e;
      this.fire('afterCancelFit');
    } finally {
      this.clearBatch();
      this.fire('afterFit');
    }
    this.startEpoch = this.epoch;
    return done;
  }

  /** Runs the model over a source without training; returns its mean loss and metrics. */
  evaluate(source: BatchSource): Promise<{ loss: number; metrics: Record<string, number> }> {
    return evaluateModel(this.model, this.measureFunction ?? this.costFunction, source, this.metrics);
  }

  private async oneEpoch(): Promise<void> {
    this.epochStart = performance.now();
    this.trainLoss = NaN;
    this.validLoss = null;
    this.validMetrics = {};
    this.lastEpoch = null;
    try {
      this.fire('beforeEpoch');
      await this.phase(true);
      if (this.validation) await this.phase(false);
      this.lastEpoch = {
        epoch: this.epoch,
        trainLoss: this.trainLoss,
        validLoss: this.validLoss,
        metrics: this.validMetrics,
        seconds: (performance.now() - this.epochStart) / 1000,
      };
      this.history.push(this.lastEpoch);
    } catch (e) {
      if (!(e instanceof CancelEpoch)) throw e;
      this.fire('afterCancelEpoch');
    } finally {
      this.fire('afterEpoch');
    }
  }

  private async phase(training: boolean): Promise<void> {
    this.training = training;
    this.model.train(training);
    this.phaseLoss = 0;
    this.phaseCount = 0;
    this.phaseMetrics = this.metrics.map(() => 0);
    const [before, cancelled, after, Cancel] = training
      ? (['beforeTrain', 'afterCancelTrain', 'afterTrain', CancelTrain] as const)
      : (['beforeValidate', 'afterCancelValidate', 'afterValidate', CancelValidate] as const);
    const source = training ? this.train : this.validation!;
    try {
      this.fire(before);
      this.iter = 0;
      for await (const b of source.batches(this.epoch)) {
        this.oneBatch(b);
        this.iter++;
        // Let the event loop breathe (Ctrl-C, progress output, finalizers),
        // counted across phases: small epochs may each be shorter than the gap.
        if (performance.now() - this.lastYield > 100) {
          await new Promise((r) => setImmediate(r));
          this.lastYield = performance.now();
        }
      }
      const mean = this.phaseCount ? this.phaseLoss / this.phaseCount : NaN;
      if (training) this.trainLoss = mean;
      else {
        this.validLoss = mean;
        this.metrics.forEach((m, i) => (this.validMetrics[m.name] = finishMetric(m, this.phaseMetrics[i], this.phaseCount)));
      }
    } catch (e) {
      if (!(e instanceof Cancel)) throw e;
      this.fire(cancelled);
    } finally {
      this.fire(after);
    }
  }

  private oneBatch(b: Batch): void {
    this.x = b.x;
    this.y = b.y;
    this.skipStep = false;
    this.gradNorm = null;
    try {
      tidy(() => {
        this.fire('beforeBatch');
        const run = () => {
          this.pred = this.model.forward(this.x!);
          this.fire('afterPred');
          this.loss = (this.training ? this.costFunction : (this.measureFunction ?? this.costFunction))(this.pred, this.y!);
          this.lossValue = this.loss.item();
          const n = this.x!.shape[0];
          this.phaseLoss += this.lossValue * n;
          this.phaseCount += n;
          if (!this.training) this.metrics.forEach((m, i) => (this.phaseMetrics[i] += m.batchSum(this.pred!, this.y!)));
          this.fire('afterLoss');
        };
        if (!this.training) {
          noGrad(run);
          return;
        }
        run();
        this.fire('beforeBackward');
        this.loss!.backward();
        this.fire('afterBackward');
        this.fire('beforeStep');
        if (!this.skipStep) {
          this.optimizer.step();
          this.step++;
        }
        this.fire('afterStep');
        this.optimizer.zeroGrad();
      });
    } catch (e) {
      if (!(e instanceof CancelBatch)) throw e;
      this.optimizer.zeroGrad();
      this.fire('afterCancelBatch');
    } finally {
      try {
        this.fire('afterBatch');
      } finally {
        this.clearBatch();
        b.x.dispose();
        b.y.dispose();
      }
    }
  }

  private clearBatch(): void {
    this.x = this.y = this.pred = this.loss = null;
  }
}

/** Mean loss and metrics of a model over a source, in evaluation mode and without a graph. */
export async function evaluateModel(model: Module, costFunction: LossFunction, source: BatchSource, metrics: Metric[] = []): Promise<{ loss: number; metrics: Record<string, number> }> {
  let loss = 0;
  let count = 0;
  const sums = metrics.map(() => 0);
  await forEachEvalBatch(model, source, (pred, y, n) => {
    loss += costFunction(pred, y).item() * n;
    metrics.forEach((m, i) => (sums[i] += m.batchSum(pred, y)));
    count += n;
  });
  const out: Record<string, number> = {};
  metrics.forEach((m, i) => (out[m.name] = finishMetric(m, sums[i], count)));
  return { loss: count ? loss / count : NaN, metrics: out };
}
