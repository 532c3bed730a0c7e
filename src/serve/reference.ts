// The reference profile drift is measured against: per feature, the training
// distribution (decile bins and min/max for numeric and datetime columns,
// category shares and the vocabulary for categorical and boolean ones, the
// missing rate), and for the predictions the model's own predictions on the
// validation rows: served predictions are compared with predictions, never
// with targets (a regressor's predictions are narrower than its targets, a
// classifier's argmax favours the majority, so targets show drift where there
// is none).
// The training data is gone at serving time, so fit/auto write it next to the
// model as reference.json (writeReferenceProfile). The file carries the
// manifest's checksum (it belongs to that model) and its own, since
// checksums.json predates it. Without the file, readReferenceProfile derives
// what the manifest allows: normal bins from the standardization statistics,
// the vocabularies, and the regression target's mean and std, marked as an
// approximation (basis 'approximate') wherever it is reported.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readModelDir, ModelDirError, MANIFEST, type ModelManifest } from '../artifact/index.js';
import { isMissing, tokenize, toBoolean, toDate, toKey, toNumber, type Cell, type PreprocessorJSON, type Schema, type Table } from '../data/index.js';
import type { ModelSpec } from '../models/index.js';
import type { Preprocessing } from '../data/prepare.js';
import { normalBins, quantileBins } from './psi.js';
import { Predictor, type Prediction } from './predictor.js';
import type { FieldRange } from './input.js';
import { writeJsonAtomic } from '../files/index.js';

export const REFERENCE = 'reference.json';

export type FeatureReference =
  | {
      kind: 'numeric' | 'datetime';
      /** Interior bin edges (datetime: ms since the epoch); null when unknown. */
      edges: number[] | null;
      proportions: number[] | null;
      /** Training range; null when unknown (then out-of-range is not measured). */
      min: number | null;
      max: number | null;
      /** Share of training rows missing this value; null when unknown. */
      missing: number | null;
    }
  | {
      kind: 'categorical' | 'boolean';
      /** Categories the model learned; anything else is unseen. Null: every parseable value is known (boolean). */
      vocabulary: string[] | null;
      /** Training share of each category; null when unknown. */
      proportions: Record<string, number> | null;
      missing: number | null;
    }
  | {
      kind: 'text';
      missing: number | null;
      /** Interior bin edges of the training texts' token counts, and each bin's share; null when unknown. */
      edges?: number[] | null;
      proportions?: number[] | null;
      /** Share of the validation rows with a word the model never learned (the served share's reference); null when unknown. */
      unseen?: number | null;
    };

/** What served predictions are compared with. */
export type PredictionBasis = 'validation predictions' | 'training targets' | 'approximate';

export type PredictionReference =
  | { kind: 'classes'; proportions: Record<string, number> | null; basis?: PredictionBasis }
  | { kind: 'numeric'; edges: number[]; proportions: number[]; basis?: PredictionBasis }
  | null;

/** The basis of a prediction reference; profiles written before it was recorded used the training targets. */
export function predictionBasis(ref: NonNullable<PredictionReference>): PredictionBasis {
  return ref.basis ?? 'training targets';
}

export interface ReferenceProfile {
  format: 'sixstep-reference';
  version: 1;
  /** 'data': measured on the training rows; 'approximate': derived from the manifest alone. */
  source: 'data' | 'approximate';
  /** SHA-256 of the manifest of the model this profile belongs to. */
  modelKey: string;
  /** Training rows measured (0 when approximate). */
  rows: number;
  features: Record<string, FeatureReference>;
  /** The distribution served predictions are compared with (see PredictionBasis). */
  predictions: PredictionReference;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** The category key of a cell, as the encoder sees it (booleans as "true"/"false"). */
export function categoryKey(kind: 'categorical' | 'boolean', v: Cell): string {
  if (kind === 'boolean') return String(toBoolean(v));
  return toKey(v);
}

/** A class label as the preprocessor keys it (numeric and boolean targets normalized). */
export function classKeyOf(pre: PreprocessorJSON, v: Cell): string | null {
  const t = pre.target;
  if (!t || t.task === 'regression' || t.task === 'multilabel') return toKey(v);
  if (t.kind === 'boolean') {
    const b = toBoolean(v);
    return b === null ? null : String(b);
  }
  if (t.kind === 'numeric') {
    const x = toNumber(v);
    return x === null || !Number.isFinite(x) ? null : String(x);
  }
  return toKey(v);
}

function learned(pre: PreprocessorJSON, column: string): string[] | null {
  const f = pre.features.find((x) => x.column === column);
  return f?.kind === 'categorical' ? f.vocabulary.tokens.slice(f.vocabulary.reserved) : null;
}

function shares(keys: string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  // fromEntries defines own properties, so a category named "__proto__" stays a category.
  return Object.fromEntries([...counts].map(([k, c]) => [k, c / keys.length]));
}

/** A text cell's words as its tokenizer splits them (lower-cased unless the tokenizer keeps case). */
export function textWords(pre: PreprocessorJSON, column: string, v: Cell): string[] {
  const f = pre.features.find((x) => x.kind === 'text' && x.column === column);
  return tokenize(String(v), f?.kind === 'text' ? f.tokenizer.lowercase : true);
}

/** The words a text column's model knows; null for other columns. */
export function textVocabulary(pre: PreprocessorJSON, column: string): Set<string> | null {
  const f = pre.features.find((x) => x.kind === 'text' && x.column === column);
  if (f?.kind !== 'text') return null;
  const v = f.tokenizer.vocabulary;
  return new Set(v.tokens.slice(v.reserved));
}

/**
 * Measures the profile on training rows (the schema says which columns are
 * features and what kind); the validation rows, when given, are the reference
 * for words a model never learned (every training word is learned).
 */
export function buildReferenceProfile(train: Table, schema: Schema, pre: PreprocessorJSON, modelKey: string, validationPredictions?: readonly Prediction[], validation?: Table): ReferenceProfile {
  const tokens = new Set(schema.missingTokens);
  const features: Record<string, FeatureReference> = Object.create(null); // keyed by column names, any of them
  const n = train.rows.length;
  for (const c of schema.columns) {
    if (c.role !== 'feature') continue;
    const cells = train.rows.map((r) => r[c.name]);
    const gaps = cells.filter((v) => isMissing(v, tokens)).length;
    const missing = n ? gaps / n : 0;
    if (c.kind === 'numeric' || c.kind === 'datetime') {
      const values: number[] = [];
      for (const v of cells) {
        if (isMissing(v, tokens)) continue;
        const x = c.kind === 'numeric' ? toNumber(v) : toDate(v);
        if (x !== null && Number.isFinite(x)) values.push(x);
      }
      const { edges, proportions } = quantileBins(values);
      let min = Infinity;
      let max = -Infinity;
      for (const x of values) (min = Math.min(min, x)), (max = Math.max(max, x));
      features[c.name] = { kind: c.kind, edges, proportions, min: values.length ? min : null, max: values.length ? max : null, missing };
    } else if (c.kind === 'categorical' || c.kind === 'boolean') {
      const keys = cells.filter((v) => !isMissing(v, tokens)).map((v) => categoryKey(c.kind as 'categorical' | 'boolean', v));
      features[c.name] = { kind: c.kind, vocabulary: c.kind === 'boolean' ? null : learned(pre, c.name), proportions: shares(keys), missing };
    } else if (c.kind === 'text') {
      const counts = cells.filter((v) => !isMissing(v, tokens)).map((v) => textWords(pre, c.name, v).length);
      const known = textVocabulary(pre, c.name);
      const served = validation?.rows.map((r) => r[c.name]).filter((v) => !isMissing(v, tokens)) ?? [];
      const unseen = known && served.length ? served.filter((v) => textWords(pre, c.name, v).some((w) => !known.has(w))).length / served.length : null;
      features[c.name] = { kind: 'text', missing, ...quantileBins(counts), unseen };
    }
  }
  let predictions: PredictionReference = null;
  const t = pre.target;
  if (validationPredictions?.length) {
    predictions = predictionReference(validationPredictions);
  } else if (t?.task === 'regression') {
    const y = train.rows.map((r) => toNumber(r[t.column])).filter((x): x is number => x !== null && Number.isFinite(x));
    predictions = { kind: 'numeric', ...quantileBins(y), basis: 'training targets' };
  } else if (t && t.task !== 'multilabel') {
    const keys = train.rows.map((r) => (isMissing(r[t.column], tokens) ? null : classKeyOf(pre, r[t.column]))).filter((k): k is string => k !== null);
    predictions = { kind: 'classes', proportions: shares(keys), basis: 'training targets' };
  }
  return { format: 'sixstep-reference', version: 1, source: 'data', modelKey, rows: n, features, predictions };
}

/** The distribution of a model's predictions on validation rows: class shares, or value deciles. */
export function predictionReference(ps: readonly Prediction[]): PredictionReference {
  const values = ps.filter((p) => p.value !== undefined).map((p) => p.value!);
  if (values.length) return { kind: 'numeric', ...quantileBins(values), basis: 'validation predictions' };
  const labels = ps.filter((p) => p.label !== undefined).map((p) => p.label!);
  // Multilabel predictions are sets of labels, not one class: no class-share reference.
  return labels.length ? { kind: 'classes', proportions: shares(labels), basis: 'validation predictions' } : null;
}

/**
 * Writes reference.json into a saved model directory, from the training rows
 * the model was fitted on and the validation rows it was selected on (its
 * predictions on them are the prediction reference; without them, the
 * training targets, marked as such). Call it right after saveModelDir in
 * fit/auto. Returns the file's path.
 */
export function writeReferenceProfile(modelDir: string, trainTable: Table, schema: Schema, validationTable?: Table): string {
  const { manifest, modelKey } = readModelDir<ModelSpec, Preprocessing>(modelDir);
  if (manifest.preprocessing.kind === 'image') throw new ModelDirError(join(modelDir, MANIFEST), 'image models have no tabular reference profile');
  let validationPredictions: Prediction[] | undefined;
  if (validationTable && validationTable.rows.length) {
    const predictor = Predictor.load(modelDir);
    try {
      validationPredictions = predictor.predictTable(validationTable, { lenient: true }).predictions;
    } finally {
      predictor.dispose();
    }
  }
  const profile = buildReferenceProfile(trainTable, schema, manifest.preprocessing.preprocessor, modelKey, validationPredictions, validationTable);
  const body = JSON.stringify(profile);
  const file = join(modelDir, REFERENCE);
  writeJsonAtomic(file, { sha256: sha256(body), profile: body }, 0);
  return file;
}

/** A profile from the manifest alone: what can be known without the training rows. */
export function approximateProfile(manifest: ModelManifest<ModelSpec, Preprocessing>, modelKey: string): ReferenceProfile {
  const features: Record<string, FeatureReference> = Object.create(null); // keyed by column names, any of them
  let predictions: PredictionReference = null;
  if (manifest.preprocessing.kind !== 'image') {
    const pre = manifest.preprocessing.preprocessor;
    const norm = pre.normalizer;
    for (const f of pre.features) {
      if (f.kind === 'numeric') {
        const j = pre.featureNames.indexOf(f.column);
        // Standardized columns keep their training mean and std: assume a normal shape.
        const bins = norm && j >= 0 && norm.std[j] > 0 && !(norm.mean[j] === 0 && norm.std[j] === 1) ? normalBins(norm.mean[j], norm.std[j]) : null;
        features[f.column] = { kind: 'numeric', edges: bins?.edges ?? null, proportions: bins?.proportions ?? null, min: null, max: null, missing: f.indicator ? null : 0 };
      } else if (f.kind === 'datetime') {
        features[f.column] = { kind: 'datetime', edges: null, proportions: null, min: null, max: null, missing: f.indicator ? null : 0 };
      } else if (f.kind === 'boolean') {
        features[f.column] = { kind: 'boolean', vocabulary: null, proportions: null, missing: f.indicator ? null : 0 };
      } else if (f.kind === 'categorical') {
        features[f.column] = { kind: 'categorical', vocabulary: f.vocabulary.tokens.slice(f.vocabulary.reserved), proportions: null, missing: null };
      } else {
        features[f.column] = { kind: 'text', missing: null };
      }
    }
    const arch = manifest.architecture;
    const scale = arch.family === 'tabular' ? arch.options.outputScale : undefined;
    if (pre.target?.task === 'regression' && scale) predictions = { kind: 'numeric', ...normalBins(scale.mean, scale.std), basis: 'approximate' };
    else if (pre.target && pre.target.task !== 'regression' && pre.target.task !== 'multilabel') predictions = { kind: 'classes', proportions: null, basis: 'approximate' };
  }
  return { format: 'sixstep-reference', version: 1, source: 'approximate', modelKey, rows: 0, features, predictions };
}

/**
 * The model's reference profile: reference.json when present (verified: its
 * own checksum, and that it belongs to this manifest), else the approximation.
 */
export function readReferenceProfile(modelDir: string, manifest: ModelManifest<ModelSpec, Preprocessing>, modelKey: string): ReferenceProfile {
  const file = join(modelDir, REFERENCE);
  if (!existsSync(file)) return approximateProfile(manifest, modelKey);
  let wrapper: { sha256?: unknown; profile?: unknown };
  try {
    wrapper = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new ModelDirError(file, 'is not valid JSON');
  }
  if (typeof wrapper.profile !== 'string' || wrapper.sha256 !== sha256(wrapper.profile)) throw new ModelDirError(file, 'checksum mismatch: the file is corrupted or was changed after saving');
  const profile = JSON.parse(wrapper.profile) as ReferenceProfile;
  if (profile.format !== 'sixstep-reference' || profile.version !== 1) throw new ModelDirError(file, `unsupported format ${JSON.stringify(profile.format)} version ${profile.version}`);
  if (profile.modelKey !== modelKey) throw new ModelDirError(file, 'belongs to another model (its manifest checksum differs)');
  return profile;
}

/** Numeric fields' training ranges (measured profiles only: an approximate one has none). */
export function fieldRanges(profile: ReferenceProfile): Record<string, FieldRange> {
  const out: Record<string, FieldRange> = Object.create(null);
  for (const [name, f] of Object.entries(profile.features)) {
    if (f.kind === 'numeric' && f.min !== null && f.max !== null) out[name] = { min: f.min, max: f.max };
  }
  return out;
}
