// k-fold cross-validation: a candidate trains on each fold's training rows and
// is measured on its validation rows; decisions read the mean over the folds,
// quoted with its spread, and compare out-of-fold row losses. Each fold trains
// with its own training statistics (the caller's views carry its cost, and
// the trainer its output scale). No fold is the default split: the model a run
// keeps is trained there, after the folds chose its configuration.
import type { FoldSet } from '../data/folds.js';
import type { Prepared } from '../data/prepare.js';
import { EvaluationProtocol } from './evaluation.js';
import { describeSpread, foldSpread } from './fold_figures.js';
import type { MeasureCost } from './measure.js';
import type { SplitRecord } from './split_record.js';
import type { Protocol, ProtocolBaseline, ProtocolView, Trainer } from './types.js';

export interface KFoldOptions<S, C extends MeasureCost, R> {
  folds: FoldSet;
  /** The default split, where the kept model trains. */
  prepared: Prepared;
  cost: C;
  baseline: ProtocolBaseline;
  /** Each fold's cost (class weights from its own training rows) and naive baseline (fitted and measured on it). */
  foldCost: (fold: Prepared) => C;
  foldBaseline: (fold: Prepared) => ProtocolBaseline;
  split: SplitRecord;
  trainer: Trainer<S, C, R>;
}

export function kFold<S, C extends MeasureCost, R>(o: KFoldOptions<S, C, R>): Protocol<S, C, R> {
  const k = o.folds.k;
  const views: ProtocolView<C>[] = o.folds.folds.map((f) => ({ index: f.index, label: `fold ${f.index + 1} of ${k}`, prepared: f.prepared, cost: o.foldCost(f.prepared), baseline: o.foldBaseline(f.prepared), defaultSplit: false }));
  const defaultSplit: ProtocolView<C> = { index: -1, label: 'the default split', prepared: o.prepared, cost: o.cost, baseline: o.baseline, defaultSplit: true };
  return new EvaluationProtocol<S, C, R>({ kind: 'k-fold', views, defaultSplit, baseline: meanBaseline(views.map((v) => v.baseline)), split: o.split, trainer: o.trainer });
}

/** The naive baseline on every fold as one baseline: the mean loss (and metrics), with the loss's spread. */
export function meanBaseline(each: readonly ProtocolBaseline[]): ProtocolBaseline & { folds: NonNullable<ProtocolBaseline['folds']> } {
  const s = foldSpread(each.map((b) => b.loss));
  const metrics: Record<string, number> = {};
  for (const key of Object.keys(each[0].metrics)) metrics[key] = foldSpread(each.map((b) => b.metrics[key])).mean;
  return { name: each[0].name, loss: s.mean, metrics, description: `${each[0].name}, fitted and measured on each of ${each.length} folds (validation loss ${describeSpread(s)})`, folds: s };
}
