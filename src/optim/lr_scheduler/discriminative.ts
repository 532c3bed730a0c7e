// Discriminative (differential) learning rates, fastai's `slice`: early layer
// groups hold general features that need little change, so they train at
// lower rates than the head. Groups are ordered from the input to the head.
import { ArgumentError } from '../../tensor/index.js';

/**
 * Rates for `nGroups` parameter groups, first (input side) to last (head).
 *
 * - `spreadLr(a, b, n)` is fastai's `slice(a, b)`: rates evenly spaced on a log
 *   scale, group i getting a·(b/a)^(i/(n−1)); the first gets exactly a, the last exactly b.
 * - `spreadLr(b, undefined, n)` is fastai's `slice(b)`: b/10 for every group but the last, which gets b.
 *
 * A single group gets the top rate (b) in both forms: it is the head.
 * Use with `optimizer.setLrs(...)` before building a scheduler, or as OneCycleLR's maxLr.
 */
export function spreadLr(a: number, b: number | undefined, nGroups: number): number[] {
  if (!Number.isInteger(nGroups) || nGroups < 1) throw new ArgumentError(`nGroups must be a positive integer, got ${nGroups}`);
  if (!(a > 0) || !Number.isFinite(a)) throw new ArgumentError(`learning rates must be finite and > 0, got ${a}`);
  if (b === undefined) return Array.from({ length: nGroups }, (_, i) => (i === nGroups - 1 ? a : a / 10));
  if (!(b > 0) || !Number.isFinite(b)) throw new ArgumentError(`learning rates must be finite and > 0, got ${b}`);
  if (nGroups === 1) return [b];
  const ratio = b / a;
  return Array.from({ length: nGroups }, (_, i) => (i === 0 ? a : i === nGroups - 1 ? b : a * ratio ** (i / (nGroups - 1))));
}
