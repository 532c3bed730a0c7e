// Holdout: a candidate trains on the default split's training rows and is
// measured on its validation rows; the model it trains is the one a run keeps.
import { EvaluationProtocol } from './evaluation.js';
import type { MeasureCost } from './measure.js';
import type { SplitRecord } from './split_record.js';
import type { Protocol, ProtocolBaseline, ProtocolView, Trainer } from './types.js';

export function holdout<S, C extends MeasureCost, R>(o: { prepared: ProtocolView['prepared']; cost: C; baseline: ProtocolBaseline; split: SplitRecord; trainer: Trainer<S, C, R> }): Protocol<S, C, R> {
  const view: ProtocolView<C> = { index: 0, label: 'the default split', prepared: o.prepared, cost: o.cost, baseline: o.baseline, defaultSplit: true };
  return new EvaluationProtocol<S, C, R>({ kind: 'holdout', views: [view], defaultSplit: view, baseline: o.baseline, split: o.split, trainer: o.trainer });
}
