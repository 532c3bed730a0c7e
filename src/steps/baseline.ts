// Naive baselines: what a model must beat to have learned anything. The mean
// (regression), the class frequencies (classification), and for regression
// "copy an input" — yesterday's value for a series — when one input already
// predicts the target. Fitted on training targets, measured on validation.
import type { Task } from '../data/index.js';
import { className } from './class_names.js';

export interface Baseline {
  /** e.g. 'mean', 'class prior', 'copy price_lag1' */
  name: string;
  /** The cost function's value on the validation targets. */
  loss: number;
  metrics: Record<string, number>;
  description: string;
}

export function meanBaseline(train: ArrayLike<number>, valid: ArrayLike<number>): Baseline {
  let mu = 0;
  for (let i = 0; i < train.length; i++) mu += train[i];
  mu /= Math.max(1, train.length);
  let se = 0;
  let ae = 0;
  for (let i = 0; i < valid.length; i++) {
    se += (valid[i] - mu) ** 2;
    ae += Math.abs(valid[i] - mu);
  }
  const n = Math.max(1, valid.length);
  return { name: 'mean', loss: se / n, metrics: { rmse: Math.sqrt(se / n), mae: ae / n }, description: `always predict the training mean ${mu.toPrecision(4)}` };
}

/** Predicts with a given value per validation row (e.g. the previous value of a series). */
export function copyBaseline(name: string, predictions: ArrayLike<number>, valid: ArrayLike<number>): Baseline {
  let se = 0;
  let ae = 0;
  let n = 0;
  for (let i = 0; i < valid.length; i++) {
    if (!Number.isFinite(predictions[i])) continue;
    se += (valid[i] - predictions[i]) ** 2;
    ae += Math.abs(valid[i] - predictions[i]);
    n++;
  }
  n = Math.max(1, n);
  return { name: `copy ${name}`, loss: se / n, metrics: { rmse: Math.sqrt(se / n), mae: ae / n }, description: `predict the input column ${name} unchanged` };
}

/** Class frequencies of the training targets; cross-entropy of predicting them, accuracy of the majority (named when `names` are given). */
export function priorBaseline(task: Task, classes: number, train: ArrayLike<number>, valid: ArrayLike<number>, names?: readonly string[] | null): Baseline {
  const k = task === 'binary' ? 2 : classes;
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < train.length; i++) counts[train[i]]++;
  // Laplace smoothing keeps a class absent from training at a finite loss.
  const p = counts.map((c) => (c + 1) / (train.length + k));
  const majority = counts.indexOf(Math.max(...counts));
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < valid.length; i++) {
    loss -= Math.log(p[valid[i]]);
    if (valid[i] === majority) correct++;
  }
  const n = Math.max(1, valid.length);
  return { name: 'class prior', loss: loss / n, metrics: { accuracy: correct / n }, description: `predict the training class frequencies (majority class ${className(majority, names)})` };
}

/**
 * Multilabel: each label's training frequency, predicted independently. The
 * targets are row-major [n, K] 0/1 matrices (flattened). Loss: binary
 * cross-entropy averaged over every (row, label), as the cost function takes
 * it; metrics: the label-wise accuracy of predicting each label's majority
 * value, overall ("accuracy") and per label ("accuracy[<label>]").
 */
export function labelPriorBaseline(labels: readonly string[], train: ArrayLike<number>, valid: ArrayLike<number>): Baseline {
  const K = labels.length;
  const nTrain = Math.floor(train.length / Math.max(1, K));
  const nValid = Math.floor(valid.length / Math.max(1, K));
  const positives = new Array<number>(K).fill(0);
  for (let i = 0; i < nTrain; i++) for (let k = 0; k < K; k++) if (train[i * K + k] > 0.5) positives[k]++;
  // Laplace smoothing keeps a label never (or always) seen in training at a finite loss.
  const p = positives.map((c) => (c + 1) / (nTrain + 2));
  const majority = p.map((q) => (q >= 0.5 ? 1 : 0));
  let loss = 0;
  const correct = new Array<number>(K).fill(0);
  for (let i = 0; i < nValid; i++) {
    for (let k = 0; k < K; k++) {
      const y = valid[i * K + k] > 0.5 ? 1 : 0;
      loss -= y ? Math.log(p[k]) : Math.log(1 - p[k]);
      if (y === majority[k]) correct[k]++;
    }
  }
  const n = Math.max(1, nValid);
  const metrics: Record<string, number> = { accuracy: correct.reduce((a, b) => a + b, 0) / (n * Math.max(1, K)) };
  labels.forEach((l, k) => (metrics[`accuracy[${l}]`] = correct[k] / n));
  const shown = labels.slice(0, 5).map((l, k) => `${l} ${(100 * p[k]).toFixed(0)} %`).join(', ');
  return { name: 'label prior', loss: loss / Math.max(1, n * K), metrics, description: `predict each label's training frequency (${shown}${K > 5 ? ', …' : ''})` };
}

/** The strongest naive baseline (lowest validation loss). */
export function strongest(baselines: Baseline[]): Baseline {
  return baselines.reduce((a, b) => (b.loss < a.loss ? b : a));
}
