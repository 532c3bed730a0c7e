// Missing and unseen values: numeric gaps are filled with the training median
// and flagged in a <col>_na indicator; categorical gaps and never-seen
// categories get reserved vocabulary entries (see vocabulary.ts). Everything
// replaced is counted, so nothing disappears without a report.
import { op, tensor, tidy, type Tensor } from '../tensor/index.js';

/** When to add a <col>_na indicator: 'auto' (default) when the training column had gaps, 'always', or 'never'. */
export type IndicatorPolicy = 'auto' | 'always' | 'never';

export interface NumericImputation {
  /** Training median of the finite values (0 when training had none). */
  median: number;
  /** Whether a <col>_na feature follows the column. */
  indicator: boolean;
}

/** Fits the fill value from training values, NaN marking a gap (missing, NaN or ±Infinity in the input). */
export function fitNumericImputation(values: Float64Array, policy: IndicatorPolicy = 'auto'): NumericImputation {
  let gaps = 0;
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) gaps++;
  const median = gaps === values.length ? 0 : tidy(() => (op('aten::nanmedian', '', tensor(values)) as Tensor).item());
  return { median, indicator: policy === 'always' || (policy === 'auto' && gaps > 0) };
}

/** Per-column counts of what encoding replaced. */
export interface MissingReport {
  /** Missing cells, filled with the median or <missing>. */
  missing: Record<string, number>;
  /** NaN/±Infinity in numeric columns, filled like missing cells. */
  nonFinite: Record<string, number>;
  /** Categories (or words) never seen in training, mapped to <unknown>. */
  unknown: Record<string, number>;
}

export function emptyMissingReport(): MissingReport {
  return { missing: {}, nonFinite: {}, unknown: {} };
}

export function count(record: Record<string, number>, key: string, k = 1): void {
  record[key] = (record[key] ?? 0) + k;
}
