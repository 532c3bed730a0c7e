// Permutation feature importance (Breiman; scikit-learn's
// permutation_importance): how much the validation loss rises when one
// input column's values are shuffled among the rows, breaking its link to the
// target. Repeated with different shuffles; the spread says how much of the
// figure is luck. A feature whose importance is ≈ 0 is one the model ignores
// — or one that only fits noise (the playbook's "too many input features").
import { Rng } from '../data/prng.js';

export interface FeatureImportance {
  feature: string;
  /** Mean rise of the validation loss over the repeats. */
  mean: number;
  /** Standard deviation over the repeats. */
  std: number;
  values: number[];
}

export interface PermutationOptions {
  /** The features to permute, by name. */
  features: readonly string[];
  /** Rows of the split. */
  rows: number;
  /**
   * The mean loss with `feature`'s values reordered by `order` (row i takes
   * the value of row order[i]); feature null means unpermuted.
   */
  loss(feature: string | null, order: Int32Array | null): Promise<number>;
  /** Default 5. */
  repeats?: number;
  /** Seed of the shuffles. Default 0. */
  seed?: number;
  /** Checked before each column: true stops there (the columns done are returned; `stopped` says so). */
  outOfTime?: () => boolean;
}

/** Importances, largest mean first. */
export async function permutationImportance(o: PermutationOptions): Promise<{ baseLoss: number; features: FeatureImportance[]; stopped?: number }> {
  const repeats = o.repeats ?? 5;
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`sixstep interpret: repeats must be a positive integer, got ${repeats}`);
  const base = await o.loss(null, null);
  const rng = new Rng(o.seed ?? 0);
  const out: FeatureImportance[] = [];
  let stopped: number | undefined;
  for (const [i, feature] of o.features.entries()) {
    if (o.outOfTime?.()) {
      stopped = i;
      break;
    }
    const values: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const order = Int32Array.from({ length: o.rows }, (_, i) => i);
      for (let i = o.rows - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      values.push((await o.loss(feature, order)) - base);
    }
    const mean = values.reduce((a, b) => a + b, 0) / repeats;
    const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / repeats);
    out.push({ feature, mean, std, values });
  }
  out.sort((a, b) => b.mean - a.mean);
  return { baseLoss: base, features: out, ...(stopped === undefined ? {} : { stopped }) };
}
