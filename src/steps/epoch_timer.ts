// Measuring what an epoch costs before planning it: a throwaway copy of the
// model trains a few batches (the first, which warms caches and allocators, is
// not counted) and evaluates a few twice (the second pass timed), on the real
// loader at the real batch size.
// The planner turns these times into epochs; nothing here is a decision.
import { manualSeed } from '../tensor/index.js';
import { Learner, type Callback } from '../train/index.js';
import { buildModel, type ModelSpec } from './architecture.js';
import type { CostFunctionChoice } from './cost_function.js';
import type { Prepared } from '../data/prepare.js';
import type { Augmenter } from '../data/index.js';
import { makeOptimizer } from './fit.js';
import { trainingLoss } from './scale_free.js';
import { evalLoss, trainSubset } from '../protocol/index.js';

export interface EpochTiming {
  batchSize: number;
  /** Median seconds per training batch (forward, backward, step), loading included. */
  secondsPerBatch: number;
  batchesPerEpoch: number;
  /** Seconds per row evaluated (eval mode, no gradients). */
  evalSecondsPerRow: number;
  /** One epoch: its training batches and a validation pass. */
  secondsPerEpoch: number;
  samplesPerSecond: number;
  /** What the measurement itself took. */
  measuredSeconds: number;
}

export interface EpochTimerOptions {
  spec: ModelSpec;
  cost: CostFunctionChoice;
  batchSize: number;
  /** Training batches timed (after one untimed); default 6. */
  batches?: number;
  augment?: Augmenter;
  seed?: number;
}

export async function timeEpoch(p: Prepared, o: EpochTimerOptions): Promise<EpochTiming> {
  const t0 = performance.now();
  manualSeed(o.seed ?? 0);
  const model = buildModel(o.spec, p.device);
  const batches = o.batches ?? 6;
  const rows = Math.min(p.counts.train, (batches + 1) * o.batchSize);
  const source = p.loader('train', { batchSize: o.batchSize, seed: o.seed ?? 0, augment: o.augment, fraction: rows / Math.max(1, p.counts.train) });
  const optimizer = makeOptimizer('sgd', model, 1e-3);
  const evalRows = trainSubset(p, Math.min(p.counts.train, 2 * Math.max(256, o.batchSize)));
  try {
    const gaps: number[] = [];
    let last = NaN;
    // Batch to batch within a pass (the first of each pass, which warms up, is not counted).
    const timer: Callback = { order: 1, beforeTrain: () => void (last = NaN), afterBatch: () => { const now = performance.now(); if (Number.isFinite(last)) gaps.push(now - last); last = now; } };
    const learner = new Learner({ model, optimizer, costFunction: trainingLoss(p, o.cost), train: source, callbacks: [timer] });
    // Small data: several passes, so that enough batches are timed.
    await learner.fit(Math.max(1, Math.ceil((batches + 1) / Math.max(1, source.length ?? 1))));
    const perBatch = (gaps.length ? gaps.sort((a, b) => a - b)[gaps.length >> 1] : performance.now() - t0) / 1000;
    // The first evaluation pass warms eval mode's kernels (on Fashion-MNIST 3.5× the steady cost, which once held
    // back a minute of a 15-minute budget for the end): the second is timed.
    const evalCost = trainingLoss(p, o.cost);
    evalLoss(model, evalCost, evalRows);
    const e0 = performance.now();
    evalLoss(model, evalCost, evalRows);
    const evalRowsCount = Math.min(p.counts.train, 2 * Math.max(256, o.batchSize));
    const evalPerRow = (performance.now() - e0) / 1000 / Math.max(1, evalRowsCount);
    const batchesPerEpoch = Math.ceil(p.counts.train / o.batchSize);
    return {
      batchSize: o.batchSize,
      secondsPerBatch: perBatch,
      batchesPerEpoch,
      evalSecondsPerRow: evalPerRow,
      secondsPerEpoch: perBatch * batchesPerEpoch + evalPerRow * p.counts.validation,
      samplesPerSecond: o.batchSize / Math.max(1e-9, perBatch),
      measuredSeconds: (performance.now() - t0) / 1000,
    };
  } finally {
    evalRows.dispose();
    source.dispose();
    optimizer.dispose();
    model.dispose();
  }
}
