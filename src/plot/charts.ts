// The charts sixstep draws, as Vega-Lite specifications: the same specs feed
// the report, the files next to a run and the dashboard.
import type { VegaLiteSpec } from './render.js';

export interface LrFinderChartInput {
  lrs: number[];
  losses: number[];
  marks: Array<{ rule: string; lr: number; loss: number }>;
}

export function lrFinderChart(d: LrFinderChartInput): VegaLiteSpec {
  // The blow-up at the end would flatten the valley: cap the axis a little above the starting loss.
  const finite = d.losses.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.min(Math.max(...finite), Math.max(finite[0] ?? lo, lo) * 1.25 + 1e-12);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Learning-rate finder',
    width: 560,
    height: 320,
    layer: [
      {
        data: { values: d.lrs.map((lr, i) => ({ lr, loss: d.losses[i] })).filter((p) => Number.isFinite(p.loss)) },
        mark: { type: 'line', color: '#4c78a8', clip: true },
        encoding: {
          x: { field: 'lr', type: 'quantitative', scale: { type: 'log' }, axis: { format: '.0e' }, title: 'learning rate (log scale)' },
          y: { field: 'loss', type: 'quantitative', scale: { zero: false, domain: [lo, hi], clamp: true }, title: 'smoothed loss' },
        },
      },
      {
        data: { values: d.marks },
        mark: { type: 'point', filled: true, size: 110, clip: true },
        encoding: {
          x: { field: 'lr', type: 'quantitative' },
          y: { field: 'loss', type: 'quantitative' },
          color: { field: 'rule', type: 'nominal', title: 'rule', legend: { labelLimit: 300 } },
          tooltip: [{ field: 'rule' }, { field: 'lr', format: '.2e' }],
        },
      },
    ],
  };
}

export interface CurvePoint {
  epoch: number;
  series: string;
  value: number;
}

/** Training and validation loss per epoch. */
export function lossCurvesChart(points: CurvePoint[], title = 'Loss'): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 560,
    height: 300,
    data: { values: points.filter((p) => Number.isFinite(p.value)) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
      y: { field: 'value', type: 'quantitative', scale: { zero: false }, title: 'loss' },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
}

/** Per-step loss with the learning rate of each group beneath it. */
export function stepChart(steps: Array<{ step: number; loss: number; lrs: number[] }>): VegaLiteSpec {
  const loss = steps.map((s) => ({ step: s.step, value: s.loss }));
  const lrs = steps.flatMap((s) => s.lrs.map((lr, g) => ({ step: s.step, value: lr, group: `group ${g}` })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    vconcat: [
      { title: 'Training loss per step', width: 560, height: 200, data: { values: loss }, mark: 'line', encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'value', type: 'quantitative', title: 'loss', scale: { zero: false } } } },
      { title: 'Learning rate (schedule)', width: 560, height: 120, data: { values: lrs }, mark: 'line', encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'value', type: 'quantitative', title: 'lr' }, color: { field: 'group', type: 'nominal', title: null } } },
    ],
  };
}

/** The gradient norm of every step, before clipping (the report and the dashboard draw it). */
export function gradNormChart(steps: Array<{ step: number; gradNorm: number | null }>): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Gradient norm per step (before clipping)',
    width: 560,
    height: 160,
    data: { values: steps.filter((s) => s.gradNorm !== null && Number.isFinite(s.gradNorm)).map((s) => ({ step: s.step, gradNorm: s.gradNorm })) },
    mark: 'line',
    encoding: {
      x: { field: 'step', type: 'quantitative' },
      y: { field: 'gradNorm', type: 'quantitative', title: 'gradient norm', scale: { zero: false } },
    },
  };
}
