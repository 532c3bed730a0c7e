// The dashboard's charts that src/plot does not draw: gradient norms, the
// regularization ladder, a study's trials and several runs' curves overlaid.
// Vega-Lite specifications like the others, so `sixstep report` can write
// them as files too.
import type { CurvePoint, VegaLiteSpec } from '../plot/index.js';
import type { RankStatsRow, Trial } from '../store/index.js';
import type { LadderProbe } from './ladder.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

// The gradient-norm chart is the plot room's (the report draws it too).
export { gradNormChart } from '../plot/index.js';

/** Data-parallel runs: each rank's throughput per epoch, and the share of its time spent communicating. */
export function rankChart(rows: readonly RankStatsRow[]): VegaLiteSpec {
  const values = rows.map((r) => ({ epoch: r.epoch + 1, rank: `rank ${r.rank}`, samplesPerSecond: r.samplesPerSecond, commPercent: 100 * r.commShare }));
  const panel = (field: string, title: string) => ({
    width: 270,
    height: 160,
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
      y: { field, type: 'quantitative', title },
      color: { field: 'rank', type: 'nominal', title: null },
    },
  });
  return {
    $schema: SCHEMA,
    title: 'Per-rank throughput and communication (training phase)',
    data: { values },
    hconcat: [panel('samplesPerSecond', 'samples / s'), panel('commPercent', '% of time communicating')],
  };
}

export function ladderChart(probes: readonly LadderProbe[]): VegaLiteSpec {
  const values = probes.map((p, i) => ({ ...p, order: i, name: `${i + 1}. ${p.label}` })).filter((p) => p.validLoss !== null);
  return {
    $schema: SCHEMA,
    title: 'Regularization ladder: validation loss of each probe (tick: training loss)',
    width: 480,
    height: Math.max(120, 22 * values.length),
    data: { values },
    encoding: { y: { field: 'name', type: 'nominal', sort: null, title: null } },
    layer: [
      {
        mark: 'bar',
        encoding: {
          x: { field: 'validLoss', type: 'quantitative', title: 'loss' },
          color: { field: 'outcome', type: 'nominal', scale: { domain: ['start', 'kept', 'rejected'], range: ['#9e9e9e', '#54a24b', '#e45756'] }, title: null },
          tooltip: [{ field: 'rung' }, { field: 'label' }, { field: 'validLoss', format: '.4g' }, { field: 'trainLoss', format: '.4g' }],
        },
      },
      { mark: { type: 'tick', color: '#222', thickness: 2 }, encoding: { x: { field: 'trainLoss', type: 'quantitative' } } },
    ],
  };
}

/** One panel per hyperparameter: its value against the trial's validation loss. */
export function trialsChart(trials: readonly Trial[]): VegaLiteSpec {
  const scored = trials.filter((t) => t.value !== null && t.params && typeof t.params === 'object' && !Array.isArray(t.params));
  const params = [...new Set(scored.flatMap((t) => Object.entries(t.params as Record<string, unknown>).filter(([, v]) => typeof v === 'number').map(([k]) => k)))].sort();
  const panel = (param: string): VegaLiteSpec => {
    const xs = scored.map((t) => (t.params as Record<string, number>)[param]).filter((v) => typeof v === 'number');
    // Rates and widths are searched on a log scale, so they are read on one.
    const log = xs.length > 0 && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 20;
    return {
      width: 220,
      height: 200,
      title: param,
      mark: { type: 'point', filled: true, size: 70 },
      encoding: {
        x: { field: `params.${param}`, type: 'quantitative', title: param, scale: { type: log ? 'log' : 'linear', zero: false } },
        y: { field: 'value', type: 'quantitative', title: 'validation loss', scale: { zero: false } },
        color: { field: 'state', type: 'nominal', title: 'state' },
        tooltip: [{ field: 'trialNumber', title: 'trial' }, { field: 'value', format: '.4g', title: 'validation loss' }, { field: `params.${param}`, title: param }],
      },
    };
  };
  return {
    $schema: SCHEMA,
    title: 'Trials: each hyperparameter against validation loss',
    data: { values: scored.map((t) => ({ trialNumber: t.trialNumber, state: t.state, value: t.value, params: t.params })) },
    hconcat: params.map(panel),
  };
}

/** Epoch curves of several runs on one chart: color is the run, the dash the split. */
export function compareChart(runs: Array<{ id: string; points: CurvePoint[] }>): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    title: 'Loss per epoch',
    width: 560,
    height: 300,
    data: { values: runs.flatMap((r) => r.points.filter((p) => Number.isFinite(p.value)).map((p) => ({ ...p, run: r.id }))) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
      y: { field: 'value', type: 'quantitative', title: 'loss', scale: { zero: false } },
      color: { field: 'run', type: 'nominal', title: 'run', legend: { labelLimit: 320 } },
      strokeDash: { field: 'series', type: 'nominal', title: null },
    },
  };
}
