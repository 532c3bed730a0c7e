// The step-3 random search's space around a proposal ("tune hidden units,
// batch size in powers of 2 and the number of layers, at random, never on a
// grid"), and the model a trial's point describes. `tune` and the autopilot
// search the same space; the autopilot's search, run because the proposal
// cannot fit the training set, looks only at widths from the proposal's up.
import type { SearchSpace, TrialParams } from '../search/index.js';
import type { ModelSpec } from './architecture.js';

/** The widest layer the space reaches whatever the proposal: the midpoint rule gives small tables a handful of units, and fitting them can take tens. */
export const SEARCH_MAX_WIDTH = 256;

export interface SearchSpaceOptions {
  /** Learning rates, log-uniform; default 1e-4 … 3e-2. */
  lr?: { min: number; max: number };
  /** Widths from the proposal's up (a bias gap asks for capacity, never less); default false: from a quarter of it. */
  widerOnly?: boolean;
}

/** Width log-uniform over [w/4 (or w), max(8w, 256)], 1–3 layers (tables); the learning rate log-uniform; batch sizes 64–512, rarely 1024. */
export function searchSpaceFor(base: ModelSpec, o: SearchSpaceOptions = {}): SearchSpace {
  const lr = o.lr ?? { min: 1e-4, max: 3e-2 };
  // A linear base (no hidden layer) gives no width to search around: 64, as for other families.
  const width = base.family === 'tabular' ? (base.options.hidden[0] ?? 64) : 64;
  const min = o.widerOnly ? Math.max(2, width) : Math.max(2, Math.round(width / 4));
  return {
    hidden: base.family === 'tabular' ? { min, max: Math.max(min + 1, width * 8, SEARCH_MAX_WIDTH), log: true, integer: true } : undefined,
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

/**
 * The space of step 3's own search, run because the proposal leaves a bias
 * gap: widths from the proposal's up (capacity, never less), and rates from
 * the found one down to a thirtieth of it — a wider layer sums more inputs, so
 * the same step moves its output more, and the rate found for the narrow
 * proposal is the highest a wider trial can take.
 */
export function step3SearchSpace(base: ModelSpec, lr: number): SearchSpace {
  return searchSpaceFor(base, { lr: { min: lr / 30, max: lr }, widerOnly: true });
}
