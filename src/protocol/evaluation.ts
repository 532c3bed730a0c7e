// The evaluation protocol: holdout (one view, the default split) and k-fold
// (k views of the non-test rows) are the same machine with a different list
// of views. A candidate trains on each view through the trainer the caller
// gave; each training is measured here — eval mode, the measure loss, the
// fixed training subset, every validation row — and the views' figures are
// aggregated (means with their spread, out-of-fold row losses in view order).
import type { Module } from '../nn/index.js';
import type { EpochResult } from '../train/index.js';
import { trainSubsetLoss, validationRowLosses, type MeasureCost } from './measure.js';
import { acceptBestOf, type AcceptRule } from './selection.js';
import { aggregateFolds, describeSpread } from './fold_figures.js';
import type { SplitRecord } from './split_record.js';
import type { Candidate, Measured, Protocol, ProtocolBaseline, ProtocolMeasured, ProtocolTrainOptions, ProtocolView, Trainer } from './types.js';

export interface ProtocolOptions<S, C extends MeasureCost, R> {
  kind: 'holdout' | 'k-fold';
  views: ProtocolView<C>[];
  defaultSplit: ProtocolView<C>;
  baseline: ProtocolBaseline;
  split: SplitRecord;
  trainer: Trainer<S, C, R>;
}

export class EvaluationProtocol<S, C extends MeasureCost, R> implements Protocol<S, C, R> {
  readonly kind: 'holdout' | 'k-fold';
  readonly views: readonly ProtocolView<C>[];
  readonly defaultSplit: ProtocolView<C>;
  readonly baseline: ProtocolBaseline;
  readonly split: SplitRecord;
  private readonly trainer: Trainer<S, C, R>;

  constructor(o: ProtocolOptions<S, C, R>) {
    if (!o.views.length) throw new RangeError('a protocol needs at least one view');
    this.kind = o.kind;
    this.views = o.views;
    this.defaultSplit = o.defaultSplit;
    this.baseline = o.baseline;
    this.split = o.split;
    this.trainer = o.trainer;
  }

  get k(): number {
    return this.views.length;
  }

  measure(view: ProtocolView<C>, model: Module, best: EpochResult | null, c: Candidate<S>): Measured<S> {
    // Stopped before its first epoch ended (a deadline): nothing was measured.
    if (!best) return { candidate: c, trainLoss: NaN, validLoss: NaN, metrics: {}, epoch: 0 };
    return { candidate: c, trainLoss: trainSubsetLoss(view.prepared, model, view.cost), validLoss: best.validLoss ?? NaN, rowLosses: validationRowLosses(view.prepared, model, view.cost), metrics: best.metrics, epoch: best.epoch };
  }

  async train(c: Candidate<S>, r: R, o: ProtocolTrainOptions<S> = {}): Promise<ProtocolMeasured<S>> {
    const perView: ProtocolMeasured<S>['perView'] = [];
    let cut = false;
    for (const view of this.views) {
      o.onView?.(view.index + 1, this.k);
      const t = await this.trainer(view, { candidate: c, recipe: r, fraction: o.fraction ?? 1, callbacks: view.index === 0 ? (o.firstViewCallbacks ?? []) : [], what: this.k > 1 ? `${view.label}: ${c.label}` : c.label });
      try {
        const m = this.measure(view, t.model, t.best ?? t.history.at(-1) ?? null, c);
        perView.push({ ...m, rows: { train: view.prepared.counts.train, validation: view.prepared.counts.validation } });
        if (view.defaultSplit) o.onDefaultSplit?.(t, m);
        cut = t.cut;
      } finally {
        t.dispose();
      }
      // A view cut short (pruned, out of time, interrupted) ends the candidate: its figures are incomplete.
      if (cut || o.stopped?.()) {
        cut = true;
        break;
      }
    }
    return { ...this.combine(perView), cut, perView };
  }

  async score(c: Candidate<S>, r: R, trained: Measured<S>): Promise<Measured<S>> {
    if (this.kind === 'holdout') return trained;
    const m = await this.train(c, r);
    const { cut: _c, perView: _p, ...figures } = m;
    return figures;
  }

  compare(candidate: Measured<S>, incumbent: Measured<S>, k: number, rule?: AcceptRule) {
    return acceptBestOf(candidate, incumbent, k, rule);
  }

  describe(m: Measured<S>): string {
    return m.folds ? describeSpread(m.folds.validLoss) : m.validLoss.toPrecision(4);
  }

  numbers(m: Measured<S>): Record<string, unknown> {
    return m.folds ? { folds: m.folds.validLoss } : {};
  }

  private combine(perView: Measured<S>[]): Measured<S> {
    if (this.kind === 'holdout') return perView[0];
    return aggregateFolds(perView);
  }
}
