// Figures measured on k folds, as one: means with their spread. The per-row
// losses of the k validation folds together cover every non-test row once
// (out of fold), in a fixed order, so two configurations are still compared
// row by row on the same rows.
import type { Measured } from './types.js';

/** The spread of one figure over the folds. */
export interface FoldSpread {
  k: number;
  mean: number;
  min: number;
  max: number;
  /** Sample standard deviation over the folds (0 for one value). */
  std: number;
  values: number[];
}

export function foldSpread(values: readonly number[]): FoldSpread {
  const k = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, k);
  const std = k > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (k - 1)) : 0;
  return { k, mean, min: Math.min(...values), max: Math.max(...values), std, values: [...values] };
}

/** "0.2345 (mean of 5 folds, 0.2100–0.2600, sd 0.0190)". */
export function describeSpread(s: FoldSpread): string {
  const p = (v: number) => v.toPrecision(4);
  return `${p(s.mean)} (mean of ${s.k} folds, ${p(s.min)}–${p(s.max)}, sd ${p(s.std)})`;
}

/** How a figure was selected, said wherever fold means are quoted as estimates. */
export const FOLD_SELECTION_NOTE = "each fold's figures are its best epoch on its own validation rows: as an estimate of the recipe they are optimistic; in a comparison both sides carry the same optimism";

/**
 * The folds' measurements as one: training and validation loss and every
 * metric are means over the folds; the row losses are the folds' concatenated
 * (out of fold, fold 1 first); the epoch is the folds' median best epoch.
 */
export function aggregateFolds<S>(perFold: readonly Measured<S>[]): Measured<S> & { folds: NonNullable<Measured['folds']> } {
  if (!perFold.length) throw new RangeError('aggregateFolds needs at least one fold');
  const train = foldSpread(perFold.map((m) => m.trainLoss));
  const valid = foldSpread(perFold.map((m) => m.validLoss));
  const metrics: Record<string, number> = {};
  const spreads: Record<string, FoldSpread> = {};
  for (const key of Object.keys(perFold[0].metrics)) {
    const v = perFold.map((m) => m.metrics[key]).filter((x) => typeof x === 'number' && Number.isFinite(x));
    if (v.length !== perFold.length) continue;
    spreads[key] = foldSpread(v);
    metrics[key] = spreads[key].mean;
  }
  const rows = perFold.every((m) => m.rowLosses) ? perFold.flatMap((m) => m.rowLosses!) : undefined;
  const epochs = perFold.map((m) => m.epoch);
  const sorted = [...epochs].sort((a, b) => a - b);
  return { candidate: perFold[0].candidate, trainLoss: train.mean, validLoss: valid.mean, rowLosses: rows, metrics, epoch: sorted[Math.floor((sorted.length - 1) / 2)], folds: { trainLoss: train, validLoss: valid, epochs, metrics: spreads } };
}
