// The numbers decisions are made on, measured without bias: the model in
// evaluation mode (no dropout, batch norm on its running statistics), on a
// fixed subset of the training rows (no augmentation, the same rows every
// time, so two measurements are a paired comparison), and per validation row
// (so two models can be compared row by row). The train-mode epoch mean the
// loop reports is none of these: dropout and augmentation inflate it and the
// weights move while it is taken.
import { noGrad, tidy } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import type { Batch, BatchSource, Callback, Learner, LossFunction } from '../train/index.js';
import type { Prepared, LoaderSource } from '../data/prepare.js';

/** Training rows in the fixed measuring subset; default 2048 (all of a smaller training set). */
export const MEASURE_ROWS = 2048;
/** The subset's own random seed: the same rows whatever the run's seed. */
const MEASURE_SEED = 20261130;

function syncBatches(source: BatchSource): Iterable<Batch> {
  const it = source.batches(0);
  if (!(Symbol.iterator in it)) throw new TypeError('measuring needs a synchronous batch source (every prepared loader is one)');
  return it as Iterable<Batch>;
}

/** Mean loss of the model over a source in evaluation mode, synchronously (callbacks call it). */
export function evalLoss(model: Module, cost: LossFunction, source: BatchSource): number {
  const wasTraining = model.training;
  model.eval();
  let sum = 0;
  let n = 0;
  try {
    for (const b of syncBatches(source)) {
      try {
        const rows = b.x.shape[0];
        sum += noGrad(() => tidy(() => cost(model.forward(b.x), b.y).item())) * rows;
        n += rows;
      } finally {
        b.x.dispose();
        b.y.dispose();
      }
    }
  } finally {
    model.train(wasTraining);
  }
  return n ? sum / n : NaN;
}

/** The loss of every row of a source, in evaluation mode (for paired comparisons). */
export function rowLosses(model: Module, cost: LossFunction, source: BatchSource): number[] {
  const wasTraining = model.training;
  model.eval();
  const out: number[] = [];
  try {
    for (const b of syncBatches(source)) {
      try {
        noGrad(() =>
          tidy(() => {
            const pred = model.forward(b.x);
            const rows = b.x.shape[0];
            // Row by row through the cost function itself: right for any cost, built-in or custom.
            for (let i = 0; i < rows; i++) out.push(tidy(() => cost(pred.narrow(0, i, 1), b.y.narrow(0, i, 1)).item()));
          }),
        );
      } finally {
        b.x.dispose();
        b.y.dispose();
      }
    }
  } finally {
    model.train(wasTraining);
  }
  return out;
}

/** The fixed training subset as a loader (no augmentation, its own seed); the caller disposes it. */
export function trainSubset(p: Prepared, rows = MEASURE_ROWS): LoaderSource {
  const fraction = Math.min(1, rows / Math.max(1, p.counts.train));
  return p.loader('train', { batchSize: 256, seed: MEASURE_SEED, fraction });
}

/** Eval-mode loss on the fixed training subset. */
export function trainSubsetLoss(p: Prepared, model: Module, cost: LossFunction, rows = MEASURE_ROWS): number {
  const s = trainSubset(p, rows);
  try {
    return evalLoss(model, cost, s);
  } finally {
    s.dispose();
  }
}

/** Per-row validation losses in evaluation mode. */
export function validationRowLosses(p: Prepared, model: Module, cost: LossFunction): number[] {
  const s = p.loader('validation', { batchSize: 256 });
  try {
    return rowLosses(model, cost, s);
  } finally {
    s.dispose();
  }
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
  constructor(private readonly p: Prepared, private readonly cost: LossFunction, rows = MEASURE_ROWS) {
    this.source = trainSubset(p, rows);
  }
  measureNow(model: Module): number {
    const v = evalLoss(model, this.cost, this.source);
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
