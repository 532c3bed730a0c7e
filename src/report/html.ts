// The autopilot's report: one self-contained HTML file (inline SVG charts,
// no scripts, no network) that leads with the sealed-test figures, then the
// summary, the metrics per split and the schema, the decisions in order, the
// learning-rate finder, the loss curves with the schedule, the probes of the
// regularization ladder, the confusion matrix or residuals, and the ledger.
import { toSvg, lrFinderChart, lossCurvesChart, stepChart, confusionChart, gradNormChart, type VegaLiteSpec } from '../plot/index.js';
import type { ConfusionMatrix } from './predictions.js';
import type { Interpretation } from '../interpret/index.js';
import { errorAnalysisHtml, splitMetricsHtml } from './error_analysis.js';
import { schemaRows } from './schema.js';
import type { Preprocessing } from '../data/index.js';
import { findingsHtml, type FindingRow } from './findings.js';

export interface ReportInput {
  title: string;
  summary: Record<string, unknown>;
  decisions: Array<{ step: number; action: string; reason: string }>;
  lrFind?: { lrs: number[]; losses: number[]; suggestion: number; steep: number; valley: number; minimum: number; slide: number } | null;
  epochs: Array<{ epoch: number; trainLoss: number; validLoss: number | null }>;
  steps: Array<{ step: number; loss: number; lrs: number[]; gradNorm?: number | null }>;
  probes: Array<{ label: string; trainLoss: number; validLoss: number }>;
  confusion?: ConfusionMatrix | null;
  residuals?: Array<{ truth: number; predicted: number }> | null;
  ledger: Array<{ at: number; modelId: string; metricName: string; value: number | null }>;
  /** Where the model fails on validation (sixstep interpret's views). */
  interpretation?: Interpretation | null;
  /** F1, AUC, R² … per split (test as step 5 measured it). */
  splitMetrics?: Record<string, Record<string, number | null> | null> | null;
  /** The data's schema and encoding (tables): the report lists each column, its kind and role, and the inputs it became. */
  preprocessing?: Preprocessing | null;
  /** How the rows were split, in words (e.g. "--split-by time:date"). */
  split?: string | null;
  /** What the plan suspected about the data before training. */
  findings?: FindingRow[] | null;
}

/** The metric a headline leads with, in this order of preference. */
const PRINCIPAL = ['accuracy', 'r2', 'macroF1', 'f1', 'auc', 'rmse', 'mae'];

const record = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/** The sealed-test figures: step 5's split metrics with the loss the summary quotes. */
function testFigures(r: ReportInput): Record<string, number> | null {
  const merged = { ...(record(record(r.summary.metrics)?.test) ?? {}), ...(r.splitMetrics?.test ?? {}) };
  const figures = Object.entries(merged).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]));
  return figures.length ? Object.fromEntries(figures) : null;
}

/** The test figures in reading order: the principal metric, the loss, then the rest by name. */
function ordered(test: Record<string, number>): string[] {
  const first = PRINCIPAL.find((k) => k in test);
  const rest = Object.keys(test).filter((k) => k !== first && k !== 'loss').sort();
  return [...(first ? [first] : []), ...('loss' in test ? ['loss'] : []), ...rest];
}

function headline(test: Record<string, number> | null, evaluations: unknown): string {
  if (!test) return '<p class="headline">No sealed-test evaluation in this run: the figures below are validation figures.</p>';
  const [first, ...rest] = ordered(test).filter((k) => k !== 'logLoss');
  const looks = typeof evaluations === 'number' ? ` (test set evaluations of this data so far: ${evaluations})` : '';
  return `<p class="headline">Sealed test: <strong>${esc(first)} ${num(test[first])}</strong>${rest.length ? `, ${rest.map((k) => `${esc(k)} ${num(test[k])}`).join(', ')}` : ''}${looks}.</p>`;
}

function schemaHtml(p: Preprocessing | null | undefined): string {
  const rows = schemaRows(p);
  if (!rows) return '';
  const body = rows.map((c) => `<tr><td>${esc(c.column)}</td><td>${esc(c.kind)}</td><td>${esc(c.role)}</td><td>${c.missing}</td><td>${c.distinct}</td><td>${esc(c.inputs)}</td><td>${esc(c.note)}</td></tr>`).join('');
  return `<h2>Schema</h2><p>Each column of the data, its kind and role, and the model inputs it became.</p><table id="schema"><tr><th>column</th><th>kind</th><th>role</th><th>missing</th><th>distinct</th><th>model inputs</th><th>note</th></tr>${body}</table>`;
}

const esc = (s: unknown) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const num = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : esc(v ?? '–'));

function residualSpec(r: Array<{ truth: number; predicted: number }>): VegaLiteSpec {
  return {
    title: 'Predicted against true (validation set)',
    width: 360,
    height: 320,
    data: { values: r },
    mark: { type: 'point', opacity: 0.5 },
    encoding: { x: { field: 'truth', type: 'quantitative', scale: { zero: false } }, y: { field: 'predicted', type: 'quantitative', scale: { zero: false } } },
  };
}

function probeSpec(p: ReportInput['probes']): VegaLiteSpec {
  return {
    title: 'Regularization ladder: validation loss of each probe',
    width: 480,
    height: Math.max(120, 22 * p.length),
    data: { values: p.map((x, i) => ({ ...x, order: i })) },
    mark: 'bar',
    encoding: { y: { field: 'label', type: 'nominal', sort: null, title: null }, x: { field: 'validLoss', type: 'quantitative', title: 'validation loss' } },
  };
}

export async function renderReport(r: ReportInput): Promise<string> {
  const charts: string[] = [];
  if (r.lrFind) {
    const marks = (['suggestion', 'steep', 'valley', 'minimum', 'slide'] as const).map((k) => {
      const lr = k === 'minimum' ? r.lrFind![k] * 10 : r.lrFind![k];
      let i = 0;
      for (let j = 0; j < r.lrFind!.lrs.length; j++) if (Math.abs(Math.log(r.lrFind!.lrs[j] / lr)) < Math.abs(Math.log(r.lrFind!.lrs[i] / lr))) i = j;
      return { rule: k === 'suggestion' ? "seed's pick" : k, lr: r.lrFind!.lrs[i], loss: r.lrFind!.losses[i] };
    });
    charts.push(`<h2>Learning-rate finder</h2>${await toSvg(lrFinderChart({ lrs: r.lrFind.lrs, losses: r.lrFind.losses, marks }))}`);
  }
  if (r.epochs.length === 1) {
    // One point per series is no curve: the figures, and the per-step loss below for the shape within the epoch.
    const e = r.epochs[0];
    charts.push(`<h2>Training and validation loss</h2><p>One epoch, so no curve to draw: training loss ${num(e.trainLoss)}, validation loss ${num(e.validLoss)}.${r.steps.length ? ' The loss per step below shows how training went within it.' : ''}</p>`);
  } else if (r.epochs.length) {
    charts.push(`<h2>Training and validation loss</h2>${await toSvg(lossCurvesChart(r.epochs.flatMap((e) => [{ epoch: e.epoch + 1, series: 'training', value: e.trainLoss }, { epoch: e.epoch + 1, series: 'validation', value: e.validLoss ?? NaN }])))}`);
  }
  if (r.steps.length) {
    const every = Math.max(1, Math.floor(r.steps.length / 1500));
    charts.push(`<h2>Loss per step and the learning-rate schedule</h2>${await toSvg(stepChart(r.steps.filter((_, i) => i % every === 0)))}`);
  }
  const norms = r.steps.filter((s) => typeof s.gradNorm === 'number' && Number.isFinite(s.gradNorm));
  if (norms.length) {
    const every = Math.max(1, Math.floor(norms.length / 1500));
    charts.push(`<h2>Gradient norm per step</h2>${await toSvg(gradNormChart(norms.filter((_, i) => i % every === 0).map((s) => ({ step: s.step, gradNorm: s.gradNorm! }))))}`);
  }
  if (r.probes.length) charts.push(`<h2>Regularization ladder</h2>${await toSvg(probeSpec(r.probes))}`);
  if (r.confusion) charts.push(`<h2>Confusion matrix</h2>${await toSvg(confusionChart(r.confusion))}`);
  if (r.residuals?.length) charts.push(`<h2>Residuals</h2>${await toSvg(residualSpec(r.residuals))}`);
  const errors = await errorAnalysisHtml(r.interpretation ?? null);
  const test = testFigures(r);
  const summaryRows = [
    ...(test ? ordered(test).map((k) => [`test ${k}`, test[k]] as const) : []),
    ...Object.entries(r.summary).filter(([k, v]) => (v === null || typeof v !== 'object') && !(test && k === 'testLoss')),
  ]
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${num(v)}</td></tr>`)
    .join('');
  const splits = splitMetricsHtml(r.splitMetrics ?? (record(r.summary.metrics) as ReportInput['splitMetrics']) ?? null);
  const decisions = r.decisions.map((d, i) => `<tr><td>${i + 1}</td><td>${d.step}</td><td>${esc(d.action)}</td><td>${esc(d.reason)}</td></tr>`).join('');
  const ledger = r.ledger.map((e) => `<tr><td>${new Date(e.at).toISOString()}</td><td>${esc(e.modelId)}</td><td>${esc(e.metricName)}</td><td>${num(e.value)}</td></tr>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}h1{margin-bottom:0}h2{margin-top:2em;border-bottom:1px solid #eee}pre{background:#f7f7f7;padding:1em;overflow:auto}
.headline{font-size:1.2em}</style></head>
<body><h1>${esc(r.title)}</h1><p>Generated by sixstep on ${new Date().toISOString()}.</p>
${headline(test, r.summary.testEvaluations)}
<h2>Summary</h2><table id="summary">${summaryRows}</table>
${splits}
${schemaHtml(r.preprocessing)}
${findingsHtml(r.split, r.findings)}
<h2>Decisions, in order</h2><table><tr><th>#</th><th>step</th><th>action</th><th>reason</th></tr>${decisions}</table>
${charts.join('\n')}
${errors}
<h2>Test ledger</h2><p>Every evaluation on the sealed test set of this data.</p><table><tr><th>when</th><th>model</th><th>metric</th><th>value</th></tr>${ledger}</table>
</body></html>
`;
}
