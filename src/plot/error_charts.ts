// The error-analysis charts, as Vega-Lite specifications shared by the HTML
// report and the dashboard: confusion matrix, reliability diagram, residuals
// against prediction, and permutation feature importance with its spread.
import type { VegaLiteSpec } from './render.js';
import { namedAxis } from './names.js';

export function confusionChart(c: { classes: string[]; counts: number[][] }, split = 'validation'): VegaLiteSpec {
  // Class indices, named on the axes (namedAxis): any class name works.
  const values = c.counts.flatMap((row, t) => row.map((n, p) => ({ truth: t, predicted: p, n })));
  const side = Math.min(480, Math.max(200, 40 * c.classes.length));
  return {
    title: `Confusion matrix (${split} set)`,
    width: side,
    height: side,
    data: { values },
    encoding: { x: { field: 'predicted', ...namedAxis(c.classes, 'predicted') }, y: { field: 'truth', ...namedAxis(c.classes, 'truth') } },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'n', type: 'quantitative', scale: { scheme: 'blues' }, title: 'rows' } } },
      { mark: { type: 'text', fontSize: 10 }, encoding: { text: { field: 'n', type: 'quantitative' } } },
    ],
  };
}

export interface ReliabilityInput {
  of: string;
  bins: Array<{ lower: number; upper: number; count: number; meanPredicted: number | null; observed: number | null }>;
  ece: number;
}

export function reliabilityChart(c: ReliabilityInput): VegaLiteSpec {
  const values = c.bins.filter((b) => b.count > 0).map((b) => ({ predicted: b.meanPredicted, observed: b.observed, rows: b.count }));
  return {
    title: `Reliability diagram (${c.of}, validation set; ECE ${Number.isFinite(c.ece) ? c.ece.toFixed(3) : '–'})`,
    width: 320,
    height: 320,
    layer: [
      { data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }, mark: { type: 'line', strokeDash: [4, 4], color: '#999' }, encoding: { x: { field: 'x', type: 'quantitative', scale: { domain: [0, 1] }, title: 'mean predicted probability' }, y: { field: 'y', type: 'quantitative', scale: { domain: [0, 1] }, title: 'observed frequency' } } },
      { data: { values }, mark: { type: 'line', point: true, color: '#4c78a8' }, encoding: { x: { field: 'predicted', type: 'quantitative' }, y: { field: 'observed', type: 'quantitative' }, tooltip: [{ field: 'rows' }, { field: 'predicted', format: '.3f' }, { field: 'observed', format: '.3f' }] } },
    ],
  };
}

export function residualsChart(points: Array<{ predicted: number; residual: number }>): VegaLiteSpec {
  return {
    title: 'Residuals against prediction (validation set)',
    width: 420,
    height: 300,
    layer: [
      { data: { values: points }, mark: { type: 'point', opacity: 0.5 }, encoding: { x: { field: 'predicted', type: 'quantitative', scale: { zero: false } }, y: { field: 'residual', type: 'quantitative', title: 'truth − predicted' } } },
      { data: { values: [{ r: 0 }] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#999' }, encoding: { y: { field: 'r', type: 'quantitative' } } },
    ],
  };
}

export function importanceChart(features: Array<{ feature: string; mean: number; std: number }>, repeats: number): VegaLiteSpec {
  const values = features.map((f, i) => ({ feature: i, mean: f.mean, low: f.mean - f.std, high: f.mean + f.std }));
  return {
    title: `Permutation feature importance (rise of the validation loss; ± 1 sd over ${repeats} shuffles)`,
    width: 420,
    height: Math.max(120, 24 * features.length),
    data: { values },
    encoding: { y: { field: 'feature', ...namedAxis(features.map((f) => f.feature)) } },
    layer: [
      { mark: 'bar', encoding: { x: { field: 'mean', type: 'quantitative', title: 'validation loss increase' } } },
      { mark: { type: 'rule', color: '#333' }, encoding: { x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' } } },
    ],
  };
}
