// A model's predictions over a batch source, read once into plain arrays:
// class probabilities (sigmoid of one logit, softmax of several) or numbers.
// Everything after this — metrics, confusion, top losses — is pure TypeScript.
import type { Tensor } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import { forEachEvalBatch, type EvalSource } from './eval_batches.js';

/** One pass of (input, target) batches — the training loop's BatchSource, structurally. */
export type PredictionSource = EvalSource;

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

/**
 * One batch's outputs as plain values in the Predictions layout: numbers for
 * regression, [1 − q, q] per row for binary (q the sigmoid of the one logit),
 * the softmax row for multiclass. The loop's validation metrics use it too.
 */
export function outputValues(out: Tensor, task: PredictionTask): number[] {
  if (task === 'regression') return out.reshape(-1).toArray();
  if (task === 'binary') return out.reshape(-1).sigmoid().toArray().flatMap((q) => [1 - q, q]);
  return out.softmax(-1).toArray();
}

/** Gathers rows' values and targets batch by batch, then packs them as Predictions. */
export class PredictionCollector {
  private readonly truth: number[] = [];
  private readonly values: number[] = [];
  constructor(private readonly task: PredictionTask, private readonly k: number) {}

  add(out: Tensor, y: Tensor): void {
    for (const v of outputValues(out, this.task)) this.values.push(v);
    for (const v of y.reshape(-1).toArray()) this.truth.push(v);
  }

  get rows(): number {
    return this.truth.length;
  }

  result(): Predictions {
    if (this.task === 'regression') return { task: 'regression', truth: Float64Array.from(this.truth), predicted: Float64Array.from(this.values) };
    return { task: this.task, k: this.task === 'binary' ? 2 : this.k, truth: Int32Array.from(this.truth), probabilities: Float64Array.from(this.values) };
  }
}

/** Runs the model in eval mode over one pass of `source` (row order kept). Multilabel models are not handled here. */
export async function collectPredictions(model: Module, source: PredictionSource, task: PredictionTask, k: number): Promise<Predictions> {
  const c = new PredictionCollector(task, k);
  await forEachEvalBatch(model, source, (out, y) => c.add(out, y));
  return c.result();
}
