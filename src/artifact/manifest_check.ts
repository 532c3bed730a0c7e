// The manifest of a model directory, checked field by field before anything
// reads it as typed data: a manifest that passes its checksum can still be
// hand-edited and re-signed, or written by another program. Every problem
// names the field (a path such as "preprocessing.preprocessor.normalizer.std[3]")
// with what was expected and found; the caller adds the file.
import { specProblem, specOutputs, isObject, kindOf, wholeIn, arrayOf, firstProblem, type SpecProblem, type WeightsExtent } from '../models/spec_bounds.js';

const TASKS = new Set(['regression', 'binary', 'multiclass', 'multilabel']);
const FEATURE_KINDS = new Set(['numeric', 'boolean', 'datetime', 'categorical', 'text']);
/** Classes, features and vocabulary entries no model of ours comes near. */
const MAX_ITEMS = 1 << 24;
/** The training normalizer never saves a smaller std (data/normalizer.ts maps those to 1). */
const MIN_STD = 1e-12;

const isString = (v: unknown, field: string): SpecProblem | null => (typeof v === 'string' ? null : { field, message: `expected a string, found ${kindOf(v)}` });
const isFinite = (v: unknown, field: string): SpecProblem | null => (Number.isFinite(v) ? null : { field, message: `expected a finite number, found ${kindOf(v)}` });
const isStd = (v: unknown, field: string): SpecProblem | null => (Number.isFinite(v) && (v as number) > MIN_STD ? null : { field, message: `expected a standard deviation above ${MIN_STD} (a zero or negative one cannot standardize), found ${kindOf(v)}` });
const strings = (v: unknown, field: string, min = 0) => arrayOf(v, field, min, MAX_ITEMS, isString);

/** The first problem of a manifest (as parsed JSON) against the weights it comes with; null when it may be used. */
export function manifestProblem(m: unknown, weights: WeightsExtent): SpecProblem | null {
  if (!isObject(m)) return { field: '(the whole file)', message: `expected a JSON object, found ${kindOf(m)}` };
  return firstProblem(
    () => (m.format === 'sixstep-model' && m.version === 1 ? null : { field: 'format', message: `unsupported format ${JSON.stringify(m.format)?.slice(0, 40)} version ${JSON.stringify(m.version)?.slice(0, 20)} (expected "sixstep-model" version 1)` }),
    () => (typeof m.task === 'string' && TASKS.has(m.task) ? null : { field: 'task', message: `expected one of ${[...TASKS].join(', ')}, found ${kindOf(m.task)}` }),
    () => (m.classes === null || m.classes === undefined ? null : strings(m.classes, 'classes')),
    () => (m.metrics === undefined || isObject(m.metrics) ? metricsProblem(m.metrics as Record<string, unknown> | undefined) : { field: 'metrics', message: `expected an object, found ${kindOf(m.metrics)}` }),
    () => (m.extra === undefined || m.extra === null || isObject(m.extra) ? null : { field: 'extra', message: `expected an object, found ${kindOf(m.extra)}` }),
    () => {
      // Test-time augmentation travels with the model step 5 verified; only flipping is known to serving and export.
      const tta = isObject(m.extra) ? m.extra.testTimeAugmentation : undefined;
      return tta === undefined || tta === null || tta === 'flip' ? null : { field: 'extra.testTimeAugmentation', message: `expected "flip" or null, found ${kindOf(tta)}` };
    },
    () => (m.dataFingerprint === undefined || m.dataFingerprint === null || typeof m.dataFingerprint === 'string' ? null : { field: 'dataFingerprint', message: `expected a string or null, found ${kindOf(m.dataFingerprint)}` }),
    () => specProblem(m.architecture, weights),
    () => preprocessingProblem(m.preprocessing),
    () => outputsProblem(m),
  );
}

function metricsProblem(metrics: Record<string, unknown> | undefined): SpecProblem | null {
  for (const [split, v] of Object.entries(metrics ?? {})) {
    if (v === null) continue;
    if (!isObject(v)) return { field: `metrics.${split}`, message: `expected an object of numbers, found ${kindOf(v)}` };
    for (const [k, x] of Object.entries(v)) if (x !== null && typeof x !== 'number') return { field: `metrics.${split}.${k}`, message: `expected a number or null, found ${kindOf(x)}` };
  }
  return null;
}

function preprocessingProblem(p: unknown): SpecProblem | null {
  if (!isObject(p)) return { field: 'preprocessing', message: `expected an object, found ${kindOf(p)}` };
  if (p.kind === 'image') {
    return firstProblem(
      () => arrayOf(p.shape, 'preprocessing.shape', 3, 3, (x, f) => wholeIn(x, f, 1, f.endsWith('[0]') ? 4 : 8192)),
      () => strings(p.classes, 'preprocessing.classes', 1),
      () => normalizerProblem(p.normalizer, 'preprocessing.normalizer', (p.shape as number[])[0]),
    );
  }
  if (p.kind !== 'tabular' && p.kind !== 'sequence') return { field: 'preprocessing.kind', message: `expected "tabular", "sequence" or "image", found ${kindOf(p.kind)}` };
  const pre = p.preprocessor;
  if (!isObject(pre)) return { field: 'preprocessing.preprocessor', message: `expected an object, found ${kindOf(pre)}` };
  const at = 'preprocessing.preprocessor';
  return firstProblem(
    () => (isObject(p.schema) && Array.isArray(p.schema.columns) ? null : { field: 'preprocessing.schema', message: `expected an object with columns, found ${kindOf(p.schema)}` }),
    () => (p.textColumn === undefined ? null : isString(p.textColumn, 'preprocessing.textColumn')),
    () => (pre.version === 1 ? null : { field: `${at}.version`, message: `expected 1, found ${kindOf(pre.version)}` }),
    // A model with no input feature would answer every row alike.
    () => arrayOf(pre.features, `${at}.features`, 1, MAX_ITEMS, featureProblem),
    () => strings(pre.featureNames, `${at}.featureNames`, p.kind === 'sequence' ? 0 : 1),
    () => strings(pre.missingTokens, `${at}.missingTokens`),
    () => (pre.normalizer === null ? null : normalizerProblem(pre.normalizer, `${at}.normalizer`, (pre.featureNames as string[]).length)),
    () => (pre.target === null || pre.target === undefined || isObject(pre.target) ? null : { field: `${at}.target`, message: `expected an object or null, found ${kindOf(pre.target)}` }),
  );
}

function featureProblem(f: unknown, field: string): SpecProblem | null {
  if (!isObject(f)) return { field, message: `expected an object with kind and column, found ${kindOf(f)}` };
  return firstProblem(
    () => isString(f.column, `${field}.column`),
    () => (typeof f.kind === 'string' ? null : { field: `${field}.kind`, message: `expected a string, found ${kindOf(f.kind)}` }),
    () => {
      if (!FEATURE_KINDS.has(f.kind as string)) return null; // a kind of a newer sixstep: the preprocessor says whether it knows it
      switch (f.kind) {
        case 'numeric':
        case 'boolean':
          return isFinite(f.median, `${field}.median`);
        case 'datetime':
          return arrayOf(f.medians, `${field}.medians`, 0, 16, isFinite);
        case 'categorical':
          return vocabularyProblem(f.vocabulary, `${field}.vocabulary`);
        case 'text':
          return isObject(f.tokenizer) ? firstProblem(() => wholeIn(f.tokenizer && (f.tokenizer as Record<string, unknown>).maxLength, `${field}.tokenizer.maxLength`, 1, 1 << 16), () => vocabularyProblem((f.tokenizer as Record<string, unknown>).vocabulary, `${field}.tokenizer.vocabulary`)) : { field: `${field}.tokenizer`, message: `expected an object, found ${kindOf(f.tokenizer)}` };
      }
      return null;
    },
  );
}

function vocabularyProblem(v: unknown, field: string): SpecProblem | null {
  if (!isObject(v)) return { field, message: `expected an object with tokens, found ${kindOf(v)}` };
  return firstProblem(
    () => strings(v.tokens, `${field}.tokens`, 1),
    () => wholeIn(v.reserved, `${field}.reserved`, 0, (v.tokens as unknown[]).length),
  );
}

function normalizerProblem(n: unknown, field: string, width: number): SpecProblem | null {
  if (!isObject(n)) return { field, message: `expected an object with mean and std, found ${kindOf(n)}` };
  return firstProblem(
    () => arrayOf(n.mean, `${field}.mean`, width, width, isFinite),
    () => arrayOf(n.std, `${field}.std`, width, width, isStd),
    () => (n.scale === undefined || (Number.isFinite(n.scale) && (n.scale as number) > 0) ? null : { field: `${field}.scale`, message: `expected a positive number, found ${kindOf(n.scale)}` }),
  );
}

/** The network's output width against what the task reads from it: one column per class (one for binary), per label, or one value. */
function outputsProblem(m: Record<string, unknown>): SpecProblem | null {
  const pre = m.preprocessing as Record<string, unknown>;
  const target = pre.kind === 'image' ? null : ((pre.preprocessor as Record<string, unknown>).target as Record<string, unknown> | null | undefined);
  const task = (target?.task ?? m.task) as string;
  const classes = pre.kind === 'image' ? (pre.classes as string[]) : ((target?.classes ?? target?.labels ?? m.classes ?? []) as unknown[]);
  if (task !== 'regression' && (!Array.isArray(classes) || classes.length === 0)) return { field: pre.kind === 'image' ? 'preprocessing.classes' : 'preprocessing.preprocessor.target', message: `a ${task} model without its classes` };
  const expected = task === 'regression' || task === 'binary' ? 1 : classes.length;
  const found = specOutputs(m.architecture as { family: string; options: unknown });
  return found === expected ? null : { field: 'architecture.options', message: `the network has ${found} output${found === 1 ? '' : 's'}; a ${task} model${task === 'multiclass' || task === 'multilabel' ? ` of ${classes.length} ${task === 'multilabel' ? 'labels' : 'classes'}` : ''} reads ${expected}` };
}
