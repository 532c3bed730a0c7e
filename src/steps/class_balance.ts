// Step 1 for imbalanced classes: measure the imbalance on the training split
// and, when asked, weight the cost function so each class carries the same
// total weight (scikit-learn's compute_class_weight('balanced'): n / (k · countᶜ)).
// The default is no weights: weighted cross-entropy moves the predicted
// probabilities away from the training frequencies, so the loss and its
// calibration stop estimating the error on data drawn like the training set;
// weights pay off when errors on the rare class cost more than the loss says.

import type { Sampling } from '../data/sampler.js';
import { classValues } from './class_names.js';

export type ClassWeightMode = 'balanced' | 'none';
export const CLASS_WEIGHT_MODES: readonly ClassWeightMode[] = ['balanced', 'none'];

/** Largest over smallest training class count at or above which the classes count as imbalanced. */
export const IMBALANCE_THRESHOLD = 3;

export interface ClassBalance {
  /** Training rows per class. */
  counts: number[];
  /** Largest count / smallest count (Infinity when a class has no training rows). */
  ratio: number;
  threshold: number;
  imbalanced: boolean;
  mode: ClassWeightMode;
  /** Per-class weights of the cost function; null for 'none'. */
  weights: number[] | null;
  /** How training rows are drawn: 'balanced' samples the classes equally instead of weighting the loss. */
  sampling: Sampling;
  /** One sentence for the cost-function decision, quoting the numbers. */
  note: string;
}

export function classCounts(targets: ArrayLike<number>, k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < targets.length; i++) {
    const c = targets[i];
    if (Number.isInteger(c) && c >= 0 && c < k) counts[c]++;
  }
  return counts;
}

/** n / (k · countᶜ); a class without training rows gets weight 1 (it contributes no rows anyway). */
export function balancedWeights(counts: readonly number[]): number[] {
  const n = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (c > 0 ? n / (counts.length * c) : 1));
}

export function classBalance(targets: ArrayLike<number>, k: number, mode: ClassWeightMode = 'none', threshold = IMBALANCE_THRESHOLD, sampling: Sampling = 'natural', names?: readonly string[] | null): ClassBalance {
  if (!CLASS_WEIGHT_MODES.includes(mode)) throw new RangeError(`class weights must be one of ${CLASS_WEIGHT_MODES.join(', ')}, got ${String(mode)}`);
  const counts = classCounts(targets, k);
  const max = Math.max(...counts);
  const min = Math.min(...counts);
  const ratio = min > 0 ? max / min : Infinity;
  const imbalanced = ratio >= threshold;
  const weights = mode === 'balanced' ? balancedWeights(counts) : null;
  const measured = `training class counts ${classValues(counts, names, String)}: the largest class has ${Number.isFinite(ratio) ? `${ratio.toFixed(1)}×` : 'infinitely many times'} the rows of the smallest (imbalanced from ${threshold}×)`;
  let note: string;
  if (weights && sampling === 'balanced') throw new RangeError('class weights and balanced sampling both correct the imbalance: choose one');
  const unweighted = 'the validation, test and baseline losses stay unweighted, so every decision compares like with like';
  if (weights) note = `${measured}; class weights balanced, n/(k·count) = ${classValues(weights, names, (w) => w.toPrecision(3))}, in the training gradient only (${unweighted})`;
  else if (sampling === 'balanced') note = `${measured}; balanced sampling instead of class weights: each epoch draws the classes equally often (with replacement, from the seed); sampling changes training, not the measure (${unweighted})`;
  else if (imbalanced) note = `the classes are imbalanced — ${measured}; no class weights (the default keeps the loss an estimate of the error at the training frequencies); pass --class-weights balanced or --sampling balanced when errors on the rare classes cost more`;
  else note = `${measured}; no class weights needed`;
  return { counts, ratio, threshold, imbalanced, mode, weights, sampling, note };
}
