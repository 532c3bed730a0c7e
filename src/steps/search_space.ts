// The step-3 random search's space around a proposal ("tune hidden units,
// batch size in powers of 2 and the number of layers, at random, never on a
// grid"), and the model a trial's point describes. `tune` and the autopilot
// search the same space.
import type { SearchSpace, TrialParams } from '../search/index.js';
import type { ModelSpec } from './architecture.js';

/** Width log-uniform over [w/4, 8w], 1–3 layers (tables); learning rate log-uniform over `lr` (default 1e-4 … 3e-2); batch sizes 64–512, rarely 1024. */
export function searchSpaceFor(base: ModelSpec, lr: { min: number; max: number } = { min: 1e-4, max: 3e-2 }): SearchSpace {
  // A linear base (no hidden layer) gives no width to search around: 64, as for other families.
  const width = base.family === 'tabular' ? (base.options.hidden[0] ?? 64) : 64;
  return {
    hidden: base.family === 'tabular' ? { min: Math.max(2, Math.round(width / 4)), max: Math.max(8, width * 8), log: true, integer: true } : undefined,
    layers: base.family === 'tabular' ? { min: 1, max: 3, integer: true } : undefined,
    learningRate: { min: lr.min, max: lr.max, log: true },
  };
}

/** The proposal with the trial's width, depth and dropout (other families: unchanged). */
export function specFor(base: ModelSpec, t: TrialParams): ModelSpec {
  if (base.family !== 'tabular') return base;
  const layers = t.layers ?? base.options.hidden.length;
  const hidden = Array.from({ length: layers }, () => t.hidden ?? base.options.hidden[0]);
  const dropout = t.dropout ? [...hidden.map(() => 0), t.dropout] : undefined;
  return { family: 'tabular', options: { ...base.options, hidden, dropout } };
}
