// The rows a kept model is fitted again on once every choice is made: the
// default split's training and validation rows together, encoded with the
// training split's own preprocessing — its statistics, vocabulary and layout
// stay the ones the model was chosen with and serving applies. The sealed
// test rows stay out, and stay sealed.
import { DataLoader } from './loader.js';
import { Preprocessor } from './preprocessor.js';
import { inputLayout } from './model_input.js';
import { nonTestRows } from './folds.js';
import { asSource, type Prepared } from './prepare.js';

/**
 * A view of `p` whose training rows are its training and validation rows
 * (its validation loader unchanged: what it measures there is no longer held
 * out), or null for images (no tables to join).
 */
export function withValidationRows(p: Prepared): Prepared | null {
  if (p.preprocessing.kind === 'image' || !p.trainTable || !p.validationTable) return null;
  const layout = p.preprocessing.preprocessor;
  // Rows the preparation skipped (lenient runs) are skipped again: the same rows, encoded the same way.
  const all = Preprocessor.fromJSON(layout).transform(nonTestRows(p), { lenient: true });
  const input = inputLayout(layout);
  const train = (lo: Parameters<Prepared['loader']>[1] = {}) =>
    asSource(DataLoader.fromEncoded(all, { batchSize: lo.batchSize ?? 64, shuffle: true, seed: lo.seed ?? 0, augment: lo.augment, shard: lo.shard, sampling: lo.sampling, device: p.device }), input);
  return {
    ...p,
    counts: { ...p.counts, train: all.n },
    loader: (which, lo) => (which === 'train' ? train(lo) : p.loader('validation', lo)),
    targets: (which) => (which === 'train' ? Float64Array.from((all.y ?? []) as ArrayLike<number>) : p.targets('validation')),
  };
}
