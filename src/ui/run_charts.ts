// A run's charts, named: what the dashboard draws in the browser and
// `sixstep report` writes to files, from the same specifications. Steps are
// thinned so a million-step run still plots quickly.
import { lossCurvesChart, lrFinderChart, stepChart, type CurvePoint, type VegaLiteSpec } from '../plot/index.js';
import type { EpochMetric, Run, Store } from '../store/index.js';
import { gradNormChart, ladderChart, rankChart } from './charts.js';
import { ladderOf } from './ladder.js';

export interface NamedChart {
  /** File-name friendly: 'lr-find', 'steps', 'loss', 'grad-norm', 'ladder'. */
  name: string;
  title: string;
  spec: VegaLiteSpec;
}

export interface RunChartOptions {
  /** Most step points to plot. Default 1500. */
  maxPoints?: number;
}

/** Training and validation loss per epoch, epochs counted from 1. */
export function epochPoints(epochs: readonly EpochMetric[]): CurvePoint[] {
  return epochs.flatMap((e) => [
    { epoch: e.epoch + 1, series: 'training', value: e.trainLoss },
    { epoch: e.epoch + 1, series: 'validation', value: e.validLoss ?? NaN },
  ]);
}

function lrFind(store: Store, run: Run): NamedChart {
  const curve = store.lrFindCurve(run.id).filter((p) => Number.isFinite(p.loss) && p.lr > 0);
  const s = (run.summary ?? {}) as Record<string, unknown>;
  // Each rule drawn on the curve point nearest its rate, as `sixstep lr-find` draws them.
  const marks = (['suggestion', 'steep', 'valley', 'minimum', 'slide'] as const)
    .filter((k) => typeof s[k] === 'number' && (s[k] as number) > 0 && curve.length > 0)
    .map((k) => {
      const lr = s[k] as number;
      const near = curve.reduce((a, b) => (Math.abs(Math.log(b.lr / lr)) < Math.abs(Math.log(a.lr / lr)) ? b : a));
      return { rule: k === 'suggestion' ? 'suggestion' : k, lr: near.lr, loss: near.loss };
    });
  return { name: 'lr-find', title: 'Learning-rate finder', spec: lrFinderChart({ lrs: curve.map((p) => p.lr), losses: curve.map((p) => p.loss), marks }) };
}

export function runCharts(store: Store, run: Run, o: RunChartOptions = {}): NamedChart[] {
  if (run.kind === 'lr-find') return store.stepCount(run.id) > 0 ? [lrFind(store, run)] : [];
  const charts: NamedChart[] = [];
  const count = store.stepCount(run.id);
  const steps = count ? store.stepSeries(run.id, { every: Math.max(1, Math.ceil(count / (o.maxPoints ?? 1500))) }) : [];
  const epochs = store.epochSeries(run.id);
  // One epoch is one point per series, no curve: the per-step chart shows the training then (the Epochs table has the figures).
  if (epochs.length > 1 || (epochs.length === 1 && !steps.length)) charts.push({ name: 'loss', title: 'Training and validation loss per epoch', spec: lossCurvesChart(epochPoints(epochs)) });
  if (steps.length) charts.push({ name: 'steps', title: 'Loss per step and the learning-rate schedule', spec: stepChart(steps.map((s) => ({ step: s.step, loss: s.loss, lrs: s.lrs }))) });
  if (steps.some((s) => s.gradNorm !== null)) charts.push({ name: 'grad-norm', title: 'Gradient norm per step', spec: gradNormChart(steps) });
  const ranks = store.rankStats(run.id);
  if (ranks.length) charts.push({ name: 'ranks', title: 'Per-rank throughput and communication', spec: rankChart(ranks) });
  const ladder = ladderOf(store.decisionsOf(run.id));
  if (ladder.length) charts.push({ name: 'ladder', title: 'Regularization ladder', spec: ladderChart(ladder) });
  return charts;
}
