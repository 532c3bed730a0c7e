// The numbers decisions are made on, measured without bias: the model in
// evaluation mode (no dropout, batch norm on its running statistics), on a
// fixed subset of the training rows (no augmentation, the same rows every
// time, so two measurements are a paired comparison), and per validation row
// (so two models can be compared row by row) — always with the *measure* loss:
// the cost without class weights, which change training only. The train-mode
// epoch mean the loop reports is none of these: dropout and augmentation
// inflate it and the weights move while it is taken.
import { tidy } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import type { BatchSource, Callback, Learner, LossFunction } from '../train/index.js';
import { forEachEvalBatchSync } from '../metrics/index.js';
import type { Prepared, LoaderSource } from '../data/prepare.js';

/** What measuring needs of a cost function choice: the training cost and, when it carries class weights, the unweighted measure. */
export interface MeasureCost {
  fn: LossFunction;
  /** The unweighted cost; absent: `fn` is unweighted already. */
  measure?: LossFunction;
}

/** The loss every measurement uses (validation, training subset, test): the cost function without class weights. */
export function measureLoss(cost: MeasureCost): LossFunction {
  return cost.measure ?? cost.fn;
}

/** Training rows in the fixed measuring subset; default 2048 (all of a smaller training set). */
export const MEASURE_ROWS = 2048;
/** The subset's own random seed: the same rows whatever the run's seed. */
const MEASURE_SEED = 20261130;

/** Mean loss of the model over a source in evaluation mode, synchronously (callbacks call it). */
export function evalLoss(model: Module, loss: LossFunction, source: BatchSource): number {
  let sum = 0;
  let n = 0;
  forEachEvalBatchSync(model, source, (out, y, rows) => {
    sum += loss(out, y).item() * rows;
    n += rows;
  });
  return n ? sum / n : NaN;
}

/** The loss of every row of a source, in evaluation mode (for paired comparisons). */
export function rowLosses(model: Module, loss: LossFunction, source: BatchSource): number[] {
  const out: number[] = [];
  forEachEvalBatchSync(model, source, (pred, y, rows) => {
    // Row by row through the cost function itself: right for any cost, built-in or custom.
    for (let i = 0; i < rows; i++) out.push(tidy(() => loss(pred.narrow(0, i, 1), y.narrow(0, i, 1)).item()));
  });
  return out;
}

/** The fixed training subset as a loader (no augmentation, no sampling, its own seed); the caller disposes it. */
export function trainSubset(p: Prepared, rows = MEASURE_ROWS): LoaderSource {
  const fraction = Math.min(1, rows / Math.max(1, p.counts.train));
  return p.loader('train', { batchSize: 256, seed: MEASURE_SEED, fraction });
}

/** Eval-mode measure loss on the fixed training subset: what "training loss" means in every decision, model directory and summary. */
export function trainSubsetLoss(p: Prepared, model: Module, cost: MeasureCost, rows = MEASURE_ROWS): number {
  const s = trainSubset(p, rows);
  try {
    return evalLoss(model, measureLoss(cost), s);
  } finally {
    s.dispose();
  }
}

/** `f` on the validation rows, in order, with the measure loss. */
function onValidation<T>(p: Prepared, cost: MeasureCost, f: (loss: LossFunction, s: LoaderSource) => T): T {
  const s = p.loader('validation', { batchSize: 256 });
  try {
    return f(measureLoss(cost), s);
  } finally {
    s.dispose();
  }
}

/** Per-row validation measure losses in evaluation mode. */
export function validationRowLosses(p: Prepared, model: Module, cost: MeasureCost): number[] {
  return onValidation(p, cost, (loss, s) => rowLosses(model, loss, s));
}

/** The model's raw outputs (rows × classes) on the validation rows, in order, with each row's class: for measures that need logits, such as a fitted temperature. */
export function validationLogits(p: Prepared, model: Module): { logits: Float32Array; labels: Int32Array; classes: number } {
  const s = p.loader('validation', { batchSize: 256 });
  const parts: Float32Array[] = [];
  const labels: number[] = [];
  let classes = 0;
  try {
    forEachEvalBatchSync(model, s, (out, y) => {
      classes = out.shape[1] ?? 1;
      parts.push(Float32Array.from(out.to('float32').data() as Float32Array));
      labels.push(...y.toArray());
    });
  } finally {
    s.dispose();
  }
  const logits = new Float32Array(parts.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of parts) {
    logits.set(a, at);
    at += a.length;
  }
  return { logits, labels: Int32Array.from(labels), classes };
}

/** Mean validation measure loss in evaluation mode. */
export function validationLoss(p: Prepared, model: Module, cost: MeasureCost): number {
  return onValidation(p, cost, (loss, s) => evalLoss(model, loss, s));
}

/**
 * Measures the eval-mode loss on the fixed training subset after every epoch
 * (and once before training with `measureNow`), for decisions judged over a
 * window of epochs. Runs after KeepBest (85), before checkpoints (90).
 */
export class TrainSubsetProbe implements Callback {
  readonly name = 'trainSubsetProbe';
  readonly order = 86;
  readonly losses: number[] = [];
  private readonly source: LoaderSource;
  private readonly loss: LossFunction;
  constructor(p: Prepared, cost: MeasureCost, rows = MEASURE_ROWS) {
    this.loss = measureLoss(cost);
    this.source = trainSubset(p, rows);
  }
  measureNow(model: Module): number {
    const v = evalLoss(model, this.loss, this.source);
    this.losses.push(v);
    return v;
  }
  afterEpoch(l: Learner): void {
    if (l.lastEpoch) this.measureNow(l.model);
  }
  dispose(): void {
    this.source.dispose();
  }
}
