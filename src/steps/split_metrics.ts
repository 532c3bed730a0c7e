// The error-analysis metrics of a split from a model's predictions: step 5
// computes the test split's here (src/steps/sealed_test.ts); a run's training
// and validation splits are evaluated with the run's artefacts
// (pipeline/artefacts.ts). Multilabel models get none: their metrics are per
// label, which these summaries do not cover — said, not silently zero.
import type { Module } from '../nn/index.js';
import type { BatchSource } from '../train/index.js';
import type { JsonObject } from '../store/index.js';
import type { Task } from '../data/index.js';
import { collectPredictions, type Evaluation, type Predictions } from '../metrics/index.js';

export const evaluable = (task: Task): task is 'binary' | 'multiclass' | 'regression' => task !== 'multilabel';

/** Predictions of `model` on one split, in the split's row order; null for multilabel. */
export async function predictSplit(model: Module, data: { task: Task; classes: string[] | null }, source: BatchSource): Promise<Predictions | null> {
  if (!evaluable(data.task)) return null;
  return collectPredictions(model, source, data.task, data.classes?.length ?? 1);
}

/** What a split's record keeps beside its metrics: per-class scores and the confusion counts. */
export const detailOf = (e: Evaluation): JsonObject => ({ perClass: e.perClass as any, confusion: e.confusion });
