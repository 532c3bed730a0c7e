// A model's predictions over a batch source, read once into plain arrays:
// class probabilities (sigmoid of one logit, softmax of several) or numbers.
// Everything after this — metrics, confusion, top losses — is pure TypeScript.
import { noGrad, tidy, type Tensor } from '../tensor/index.js';
import type { Module } from '../nn/index.js';

/** One pass of (input, target) batches — the training loop's BatchSource, structurally. */
export interface PredictionSource {
  batches(epoch: number): Iterable<{ x: Tensor; y: Tensor }> | AsyncIterable<{ x: Tensor; y: Tensor }>;
}

export type PredictionTask = 'binary' | 'multiclass' | 'regression';

export type Predictions =
  | {
      task: 'binary' | 'multiclass';
      /** Number of classes (2 for binary). */
      k: number;
      /** True class index of each row. */
      truth: Int32Array;
      /** Row-major [n, k] probabilities. */
      probabilities: Float64Array;
    }
  | { task: 'regression'; truth: Float64Array; predicted: Float64Array };

export const rowCount = (p: Predictions): number => p.truth.length;

/** Class predicted for row i: P(class 1) > ½ for binary (logit > 0, as the accuracy metric), else the first arg-max. */
export function predictedClass(p: Extract<Predictions, { k: number }>, i: number): number {
  if (p.task === 'binary') return p.probabilities[i * 2 + 1] > 0.5 ? 1 : 0;
  let best = 0;
  for (let c = 1; c < p.k; c++) if (p.probabilities[i * p.k + c] > p.probabilities[i * p.k + best]) best = c;
  return best;
}

export function predictedClasses(p: Extract<Predictions, { k: number }>): Int32Array {
  return Int32Array.from({ length: p.truth.length }, (_, i) => predictedClass(p, i));
}

/** Runs the model in eval mode over one pass of `source` (row order kept). Multilabel models are not handled here. */
export async function collectPredictions(model: Module, source: PredictionSource, task: PredictionTask, k: number): Promise<Predictions> {
  const truth: number[] = [];
  const values: number[] = [];
  const was = model.training;
  model.eval();
  try {
    for await (const b of source.batches(0)) {
      try {
        const [out, y] = noGrad(() =>
          tidy(() => {
            const o = model.forward(b.x);
            if (task === 'regression') return [o.reshape(-1).toArray(), b.y.reshape(-1).toArray()];
            if (task === 'binary') {
              const p = o.reshape(-1).sigmoid().toArray();
              return [p.flatMap((q) => [1 - q, q]), b.y.reshape(-1).toArray()];
            }
            return [o.softmax(-1).toArray(), b.y.reshape(-1).toArray()];
          }),
        );
        for (const v of out) values.push(v);
        for (const v of y) truth.push(v);
      } finally {
        b.x.dispose();
        b.y.dispose();
      }
    }
  } finally {
    model.train(was);
  }
  if (task === 'regression') return { task, truth: Float64Array.from(truth), predicted: Float64Array.from(values) };
  return { task, k: task === 'binary' ? 2 : k, truth: Int32Array.from(truth), probabilities: Float64Array.from(values) };
}
