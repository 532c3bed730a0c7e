// The error-analysis metrics of a trained model on the training and
// validation splits, recorded with its run; step 5 adds the test split's
// (src/steps/sealed_test.ts). Multilabel models get none: their metrics are
// per label, which these summaries do not cover — said, not silently zero.
import type { Module } from '../nn/index.js';
import type { BatchSource } from '../train/index.js';
import type { Store, JsonObject } from '../store/index.js';
import type { Task } from '../data/index.js';
import { collectPredictions, evaluatePredictions, predictedClasses, type Evaluation, type Predictions } from '../metrics/index.js';

/** What of the prepared data this needs (structural, so any prepared data fits). */
export interface EvaluableData {
  task: Task;
  classes: string[] | null;
  loader(split: 'train' | 'validation', o?: { batchSize?: number }): BatchSource & { dispose(): void };
}

export const evaluable = (task: Task): task is 'binary' | 'multiclass' | 'regression' => task !== 'multilabel';

/** Predictions of `model` on one split, in the split's row order for validation. */
export async function predictSplit(model: Module, data: Pick<EvaluableData, 'task' | 'classes'>, source: BatchSource): Promise<Predictions | null> {
  if (!evaluable(data.task)) return null;
  return collectPredictions(model, source, data.task, data.classes?.length ?? 1);
}

export async function evaluateSplit(model: Module, data: EvaluableData, split: 'train' | 'validation'): Promise<Evaluation | null> {
  const source = data.loader(split, { batchSize: 512 });
  try {
    const p = await predictSplit(model, data, source);
    return p && evaluatePredictions(p, data.classes);
  } finally {
    source.dispose();
  }
}

/**
 * The class the model predicts for each validation row (classification; null
 * otherwise): what served predictions are compared with for drift, measured
 * when the model directory is written.
 */
export async function validationPredictedClasses(model: Module, data: EvaluableData): Promise<Int32Array | null> {
  if (data.task !== 'binary' && data.task !== 'multiclass') return null;
  const source = data.loader('validation', { batchSize: 512 });
  try {
    const p = await predictSplit(model, data, source);
    return p && p.task !== 'regression' ? predictedClasses(p) : null;
  } finally {
    source.dispose();
  }
}

export const detailOf = (e: Evaluation): JsonObject => ({ perClass: e.perClass as any, confusion: e.confusion });

export interface RecordOptions {
  model: Module;
  data: EvaluableData;
  /** Null: compute only (data-parallel ranks other than 0). */
  store: Store | null;
  runId: string;
}

/** Evaluates the model on train and validation and records both with the run. */
export async function recordSplitMetrics(o: RecordOptions): Promise<{ train: Evaluation | null; validation: Evaluation | null }> {
  const out = { train: await evaluateSplit(o.model, o.data, 'train'), validation: await evaluateSplit(o.model, o.data, 'validation') };
  for (const split of ['train', 'validation'] as const) {
    const e = out[split];
    if (e && o.store) o.store.putSplitMetrics(o.runId, { split, rows: e.rows, metrics: e.metrics, detail: detailOf(e) });
  }
  return out;
}
