// What a training run produces, assembled in one place for auto, fit and
// tune: each split's predictions (one evaluation pass per split), the
// metrics recorded with the run, the model directory with its drift
// references (artifact/model_package.ts writes it), the error analysis and
// the report. The CLI renders what this returns; it assembles nothing.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { writeAtomic } from '../files/index.js';
import type { Module } from '../nn/index.js';
import type { Store } from '../store/index.js';
import { writeModelPackage, checksummedJson } from '../artifact/model_package.js';
import { evaluatePredictions, predictedClasses, type Evaluation, type Predictions } from '../metrics/index.js';
import { detailOf, predictSplit } from '../steps/split_metrics.js';
import { buildReferenceProfile, REFERENCE } from '../serve/reference.js';
import { buildImageReference, IMAGE_REFERENCE } from '../serve/image_reference.js';
import type { Prediction } from '../serve/predictor.js';
import { interpretModel, storedViews, type Interpretation } from '../interpret/index.js';
import { confusionMatrix, regressionPairs, type ConfusionMatrix } from '../report/predictions.js';
import type { ModelSpec } from '../steps/architecture.js';
import { trainSubsetLoss } from '../protocol/index.js';
import type { ProjectPlan } from './project.js';

/** A model's predictions and metrics on the training and validation splits (null for multilabel: its metrics are per label). */
export interface SplitEvaluations {
  train: Evaluation | null;
  validation: Evaluation | null;
  /** The validation predictions behind the metrics: the report's confusion matrix, the drift reference. */
  validationPredictions: Predictions | null;
}

/** One evaluation pass per split of the model as served (the caller wraps it with test-time augmentation when chosen). */
export async function evaluateSplits(model: Module, plan: Pick<ProjectPlan, 'prepared'>): Promise<SplitEvaluations> {
  const p = plan.prepared;
  if (p.task === 'multilabel') return { train: null, validation: null, validationPredictions: null };
  const predict = async (split: 'train' | 'validation') => {
    const source = p.loader(split, { batchSize: 512 });
    try {
      return (await predictSplit(model, p, source))!;
    } finally {
      source.dispose();
    }
  };
  const train = await predict('train');
  const validation = await predict('validation');
  return { train: evaluatePredictions(train, p.classes), validation: evaluatePredictions(validation, p.classes), validationPredictions: validation };
}

/** Records both splits' metrics with the run (the validation detail with the error analysis, when there is one). */
export function recordSplits(store: Store, runId: string, e: SplitEvaluations, interpretation: Interpretation | null = null): void {
  if (e.train) store.putSplitMetrics(runId, { split: 'train', rows: e.train.rows, metrics: e.train.metrics, detail: detailOf(e.train) });
  if (e.validation) store.putSplitMetrics(runId, { split: 'validation', rows: e.validation.rows, metrics: e.validation.metrics, detail: { ...detailOf(e.validation), ...(interpretation ? storedViews(interpretation) : {}) } });
}

/** Validation predictions as serving states them (a class name, or a value): the drift reference's predictions. */
function asServed(v: Predictions, classes: readonly string[] | null): Prediction[] {
  if (v.task === 'regression') return Array.from(v.predicted, (value, i) => ({ id: String(i), value }));
  const c = predictedClasses(v);
  return Array.from(c, (k, i) => ({ id: String(i), label: classes?.[k] ?? String(k) }));
}

export interface RunModelOptions {
  plan: ProjectPlan;
  /** The run whose model this is: models/<runId>. */
  runId: string;
  model: Module;
  spec: ModelSpec;
  metrics: Record<string, Record<string, number | null> | null>;
  extra?: Record<string, unknown>;
  /** The served model's validation predictions (with test-time augmentation when chosen): what served predictions are compared with. */
  validationPredictions: Predictions | null;
}

/** Where a run's model directory goes. */
export const runModelDir = (p: Pick<ProjectPlan, 'projectDir'>, runId: string): string => join(p.projectDir, 'models', runId);

/**
 * The run's model directory: weights, manifest, and what drift is measured
 * against — the training rows (tables) or images, and the model's own
 * predictions on the validation rows. Returns the directory.
 */
export function writeRunModel(o: RunModelOptions): string {
  const p = o.plan.prepared;
  const pre = p.preprocessing;
  const served = o.validationPredictions;
  return writeModelPackage(runModelDir(o.plan, o.runId), o.model, { architecture: o.spec, preprocessing: pre, task: p.task, classes: p.classes, costFunction: o.plan.cost.name, metrics: o.metrics, dataFingerprint: p.fingerprint, extra: o.extra }, {
    references: (key): Record<string, string> => {
      if (pre.kind !== 'image' && p.trainTable) return { [REFERENCE]: checksummedJson(buildReferenceProfile(p.trainTable, pre.schema, pre.preprocessor, key, served ? asServed(served, p.classes) : undefined)) };
      if (p.trainImages) return { [IMAGE_REFERENCE]: `${JSON.stringify(buildImageReference(p.trainImages, { validationPredicted: served && served.task !== 'regression' ? predictedClasses(served) : undefined }))}\n` };
      return {};
    },
  });
}

/** The error analysis of the run's model on its validation split (permutation importance within `importanceSeconds` when given): tables through the very rows the run validated on (in memory), others through the validation batches. */
export async function interpretRun(model: Module, plan: ProjectPlan, seed: number, importanceSeconds?: number): Promise<Interpretation | null> {
  const p = plan.prepared;
  if (p.task === 'multilabel') return null;
  return interpretModel({
    model,
    task: p.task,
    classes: p.classes,
    preprocessing: p.preprocessing as any,
    validationTable: p.validationTable,
    seed,
    importanceSeconds,
    validationSource: () => p.loader('validation', { batchSize: 256 }),
    validationImages: () => p.validationImages,
  });
}

/** The report's validation views from the predictions already collected. */
export function validationViews(v: Predictions | null, classes: string[] | null): { confusion: ConfusionMatrix | null; residuals: Array<{ truth: number; predicted: number }> | null } {
  if (!v) return { confusion: null, residuals: null };
  if (v.task === 'regression') return { confusion: null, residuals: regressionPairs(v) };
  return { confusion: classes ? confusionMatrix(v, classes) : null, residuals: null };
}

/** Writes the report as reports/<run id>.html; returns its path. */
export function writeReportFile(projectDir: string, runId: string, html: string): string {
  mkdirSync(join(projectDir, 'reports'), { recursive: true });
  const file = join(projectDir, 'reports', `${runId}.html`);
  writeAtomic(file, html);
  return file;
}

/**
 * A trained model saved as the run's model directory with its split metrics
 * (tune's trials and chosen trial): the best epoch's validation figures, the
 * training loss in eval mode on the fixed training subset. Returns the directory.
 */
export async function saveRunModel(plan: ProjectPlan, runId: string, spec: ModelSpec, model: Module, best: { validLoss: number | null; metrics: Record<string, number> }): Promise<string> {
  const splits = await evaluateSplits(model, plan);
  recordSplits(plan.store, runId, splits);
  const train = { loss: trainSubsetLoss(plan.prepared, model, plan.cost), ...(splits.train?.metrics ?? {}) };
  const validation = { loss: best.validLoss, ...best.metrics, ...(splits.validation?.metrics ?? {}) };
  return writeRunModel({ plan, runId, model, spec, metrics: { train, validation, test: null }, extra: { trainLoss: 'eval mode, fixed training subset' }, validationPredictions: splits.validationPredictions });
}
