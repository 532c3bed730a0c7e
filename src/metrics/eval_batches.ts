// The one evaluation pass every measurement uses: the model in evaluation
// mode (no dropout, batch norm on its running statistics), no autograd graph,
// one forward per batch, each batch's inputs and targets released after use,
// the model's mode restored afterwards. Losses, predictions, confusion
// matrices and split metrics are all a `fn` over this pass.
import { noGrad, tidy, type Tensor } from '../tensor/index.js';
import type { Module } from '../nn/index.js';

export interface EvalBatch {
  x: Tensor;
  y: Tensor;
}

/** One pass of (input, target) batches — the training loop's BatchSource, structurally. */
export interface EvalSource {
  batches(epoch: number): Iterable<EvalBatch> | AsyncIterable<EvalBatch>;
}

/** What `fn` sees of one batch: the model's output, the targets and the row count; tensors made inside it are released after it returns. */
export type EvalBatchFn = (out: Tensor, y: Tensor, rows: number) => void;

function evalOne(model: Module, b: EvalBatch, fn: EvalBatchFn): void {
  try {
    noGrad(() => tidy(() => fn(model.forward(b.x), b.y, b.x.shape[0])));
  } finally {
    b.x.dispose();
    b.y.dispose();
  }
}

/** `fn` over every batch of one pass of `source`, in evaluation mode (see above). */
export async function forEachEvalBatch(model: Module, source: EvalSource, fn: EvalBatchFn): Promise<void> {
  const was = model.training;
  model.eval();
  try {
    for await (const b of source.batches(0)) evalOne(model, b, fn);
  } finally {
    model.train(was);
  }
}

/**
 * The same pass, synchronously: measurements taken inside training callbacks
 * cannot await. Every prepared loader is synchronous; an async source is refused.
 */
export function forEachEvalBatchSync(model: Module, source: EvalSource, fn: EvalBatchFn): void {
  const it = source.batches(0);
  if (!(Symbol.iterator in it)) throw new TypeError('a synchronous measurement needs a synchronous batch source (every prepared loader is one)');
  const was = model.training;
  model.eval();
  try {
    for (const b of it as Iterable<EvalBatch>) evalOne(model, b, fn);
  } finally {
    model.train(was);
  }
}
