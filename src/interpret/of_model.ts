// The error analysis of a saved or just-trained model on its run's
// validation split: tables through their raw rows (values beside the top
// losses, permutation importance), images and others through their
// validation batches. What `sixstep interpret`, `auto` and the report share.
import type { Module } from '../nn/index.js';
import type { PreprocessorJSON, Schema } from '../data/index.js';
import type { JsonObject } from '../store/index.js';
import { collectPredictions, type PredictionSource } from '../metrics/index.js';
import { interpretPredictions, interpretTable, type Interpretation } from './interpretation.js';
import { validationRows } from './validation_rows.js';
import { withThumbnails } from './thumbnail.js';
import type { ImageSet, Table } from '../data/index.js';
import type { SplitRecord } from '../protocol/split_record.js';

export interface ModelInterpretOptions {
  model: Module;
  task: 'binary' | 'multiclass' | 'regression';
  classes: string[] | null;
  /** The model's preprocessing as its manifest records it. */
  preprocessing: { kind: string; schema?: Schema; preprocessor?: PreprocessorJSON };
  /** Tables: the validation rows themselves (a run that has them in memory). */
  validationTable?: Table;
  /** Tables otherwise: the run's data and test files and the split it used, to read its validation rows again. */
  rows?: { data: string; test?: string | null; split: SplitRecord };
  /** Seed of the feature shuffles. */
  seed: number;
  /** Data that is not a table: the validation batches, in order. */
  validationSource?: () => Promise<PredictionSource & { dispose(): void }> | (PredictionSource & { dispose(): void });
  /** Images: the validation images in the order of the validation batches; each top loss then carries a PNG thumbnail (data URI). */
  validationImages?: () => Promise<ImageSet | undefined> | ImageSet | undefined;
  /** Top losses listed; default 10. */
  top?: number;
  /** Shuffles per feature; default 5. */
  repeats?: number;
  /** Tables: seconds permutation importance may take (the rest is sampled, and says so). Default: no limit but the column cap. */
  importanceSeconds?: number;
}

export async function interpretModel(o: ModelInterpretOptions): Promise<Interpretation> {
  const pre = o.preprocessing;
  if ((pre.kind === 'tabular' || pre.kind === 'sequence') && pre.schema && pre.preprocessor) {
    const table = o.validationTable ?? (o.rows ? await validationRows({ ...o.rows, schema: pre.schema }) : null);
    if (!table) throw new Error('sixstep interpret: a table model needs its validation rows (the table, or the run\'s data and split)');
    const features = pre.schema.columns.filter((c) => c.role === 'feature').map((c) => c.name);
    return interpretTable({ model: o.model, preprocessor: pre.preprocessor, task: o.task, classes: o.classes, table, features, repeats: o.repeats, seed: o.seed, top: o.top, importanceSeconds: o.importanceSeconds });
  }
  if (!o.validationSource) throw new Error(`sixstep interpret: ${pre.kind} data needs its validation batches`);
  const source = await o.validationSource();
  try {
    const v = interpretPredictions(await collectPredictions(o.model, source, o.task, o.classes?.length ?? 1), { classes: o.classes, top: o.top });
    const images = await o.validationImages?.();
    return images ? { ...v, topLosses: await withThumbnails(v.topLosses, images) } : v;
  } finally {
    source.dispose();
  }
}

/** The views worth keeping with the run (the validation split's detail in the store), for the dashboard. */
export function storedViews(v: Interpretation): JsonObject {
  return JSON.parse(
    JSON.stringify({
      perClass: v.perClass,
      confusion: v.confusionMatrix?.counts ?? null,
      classes: v.classes,
      mostConfused: v.mostConfused,
      topLosses: v.topLosses,
      calibration: v.calibration,
      residuals: v.residuals,
      featureImportance: v.featureImportance,
    }),
  );
}
