// Splits in time order: training is the earliest rows, validation the next,
// test the latest, so every held-out row lies after every row the model
// learned from, as it will in use. Rows sharing a time never straddle a
// boundary. Cross-validation folds chain forward (scikit-learn's
// TimeSeriesSplit): the rows are cut into k + 1 consecutive blocks and fold i
// trains on blocks 0 … i and validates on block i + 1.
import { DataError } from './errors.js';

/** Row indices in time order (ties in row order). */
export function timeOrder(times: readonly number[]): number[] {
  return Array.from(times.keys()).sort((a, b) => times[a] - times[b] || a - b);
}

/**
 * Moves each cut in the time-ordered rows to the nearer end of the block of
 * equal times it falls in (the later end on a tie), keeping the cuts ordered.
 */
export function cutsAtTimeChanges(order: readonly number[], times: readonly number[], cuts: number[]): number[] {
  const out: number[] = [];
  for (const c of cuts) {
    let at = Math.max(0, Math.min(order.length, c));
    if (at > 0 && at < order.length && times[order[at - 1]] === times[order[at]]) {
      const t = times[order[at]];
      let lo = at;
      while (lo > 0 && times[order[lo - 1]] === t) lo--;
      let hi = at;
      while (hi < order.length && times[order[hi]] === t) hi++;
      at = at - lo < hi - at ? lo : hi;
    }
    out.push(Math.max(at, out.at(-1) ?? 0));
  }
  return out;
}

/** Training, validation and test rows by time (each list ascending by index); shares as in a random split. */
export function assignTimeSplits(times: readonly number[], validation: number, test: number): { train: number[]; validation: number[]; test: number[] } {
  if (!(validation >= 0 && test >= 0 && validation + test < 1)) throw new DataError('<split>', 0, 'validation and test shares ≥ 0 summing below 1', `${validation} and ${test}`);
  const n = times.length;
  const order = timeOrder(times);
  const nt = Math.round(test * n);
  const nv = Math.round(validation * n);
  const [a, b] = cutsAtTimeChanges(order, times, [n - nt - nv, n - nt]);
  const sorted = (x: number[]) => x.sort((p, q) => p - q);
  return { train: sorted(order.slice(0, a)), validation: sorted(order.slice(a, b)), test: sorted(order.slice(b)) };
}

/** Forward-chaining folds of rows with these times: per fold, the rows it trains on and the later rows it validates on. */
export function timeFolds(times: readonly number[], k: number): Array<{ train: number[]; validation: number[] }> {
  const n = times.length;
  if (!Number.isInteger(k) || k < 2 || k + 1 > n) throw new DataError('<folds>', 0, `a whole number of forward-chaining folds from 2 to ${n - 1} (k + 1 blocks of the ${n} rows)`, String(k));
  const order = timeOrder(times);
  // As TimeSeriesSplit: k validation blocks of ⌊n/(k+1)⌋ rows at the end, the first block takes the remainder.
  const size = Math.floor(n / (k + 1));
  const first = n - k * size;
  const cuts = cutsAtTimeChanges(order, times, Array.from({ length: k + 1 }, (_, i) => first + i * size));
  const folds: Array<{ train: number[]; validation: number[] }> = [];
  for (let i = 0; i < k; i++) {
    const train = order.slice(0, cuts[i]).sort((p, q) => p - q);
    const validation = order.slice(cuts[i], cuts[i + 1]).sort((p, q) => p - q);
    if (train.length === 0 || validation.length === 0) {
      throw new DataError('<folds>', 0, `${k} forward-chaining folds with rows on both sides`, `fold ${i + 1} has ${train.length} training and ${validation.length} validation rows (many rows share a time)`, 'ask for fewer folds');
    }
    folds.push({ train, validation });
  }
  return folds;
}
