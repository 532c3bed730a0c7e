// How training rows are drawn each epoch. 'natural': every row once, in a
// seeded order (the default). 'balanced': the alternative to class weights
// for imbalanced classes — each draw picks a class uniformly, then a row of
// that class uniformly, with replacement, as many draws as there are rows, so
// every class is seen equally often per epoch. Deterministic from the seed and
// the epoch. Only training changes: measuring loaders never sample.
import { Rng } from './prng.js';
import { DataError } from './errors.js';

export type Sampling = 'natural' | 'balanced';
export const SAMPLINGS: readonly Sampling[] = ['natural', 'balanced'];

/** Row indices per class (classes without rows are left out of the draw). */
export function rowsByClass(labels: ArrayLike<number>): number[][] {
  const by = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0) throw new DataError('<sampler>', 0, 'class indices ≥ 0 to sample classes equally', String(c));
    const g = by.get(c);
    if (g) g.push(i);
    else by.set(c, [i]);
  }
  return [...by.keys()].sort((a, b) => a - b).map((c) => by.get(c)!);
}

/** `n` row indices drawn class-balanced with replacement (see above). */
export function balancedDraw(groups: readonly number[][], n: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  if (!groups.length) return out.subarray(0, 0);
  for (let i = 0; i < n; i++) {
    const g = groups[rng.int(groups.length)];
    out[i] = g[rng.int(g.length)];
  }
  return out;
}
