// A fitted model saved as a project's model directory (models/<run id>):
// weights, architecture, preprocessing and split metrics, plus the drift
// reference for tables (training distributions, and the model's predictions
// on the validation rows, which `serve` compares served predictions with).
import { join } from 'node:path';
import { saveModelDir } from '../artifact/index.js';
import { writeReferenceProfile } from '../serve/index.js';
import type { ModelSpec } from '../models/index.js';
import type { Module } from '../nn/index.js';
import type { EpochResult } from '../train/index.js';
import type { Plan } from './common.js';

/** Where a run's model directory goes. */
export const runModelDir = (p: Plan, runId: string): string => join(p.projectDir, 'models', runId);

/** Saves `model` (its best epoch's losses and metrics) under runModelDir; returns the directory. */
export function saveFitModel(p: Plan, runId: string, spec: ModelSpec, model: Module, best: EpochResult): string {
  const dir = saveModelDir(runModelDir(p, runId), model, {
    architecture: spec,
    preprocessing: p.prepared.preprocessing,
    task: p.prepared.task,
    classes: p.prepared.classes,
    costFunction: p.cost.name,
    metrics: { train: { loss: best.trainLoss }, validation: { loss: best.validLoss, ...best.metrics }, test: null },
    dataFingerprint: p.prepared.fingerprint,
  });
  if (p.prepared.trainTable && p.prepared.preprocessing.kind !== 'image') writeReferenceProfile(dir, p.prepared.trainTable, p.prepared.preprocessing.schema, p.prepared.validationTable);
  return dir;
}
