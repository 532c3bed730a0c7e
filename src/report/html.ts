// The autopilot's report: one self-contained HTML file (inline SVG charts,
// no scripts, no network) with the decisions in order, the learning-rate
// finder, the loss curves with the schedule, the probes of the
// regularization ladder, the confusion matrix or residuals, and the ledger.
import { toSvg, lrFinderChart, lossCurvesChart, stepChart, confusionChart, type VegaLiteSpec } from '../plot/index.js';
import type { ConfusionMatrix } from './predictions.js';
import { gradNormChart } from '../ui/charts.js';
import type { Interpretation } from '../interpret/index.js';
import { errorAnalysisHtml } from './error_analysis.js';

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
  if (r.epochs.length) {
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
  const errors = await errorAnalysisHtml(r.interpretation ?? null, r.splitMetrics ?? null);
  const summaryRows = Object.entries(r.summary)
    .filter(([, v]) => v === null || typeof v !== 'object')
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${num(v)}</td></tr>`)
    .join('');
  const decisions = r.decisions.map((d, i) => `<tr><td>${i + 1}</td><td>${d.step}</td><td>${esc(d.action)}</td><td>${esc(d.reason)}</td></tr>`).join('');
  const ledger = r.ledger.map((e) => `<tr><td>${new Date(e.at).toISOString()}</td><td>${esc(e.modelId)}</td><td>${esc(e.metricName)}</td><td>${num(e.value)}</td></tr>`).join('');
  const metrics = JSON.stringify(r.summary.metrics ?? {}, null, 2);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}h1{margin-bottom:0}h2{margin-top:2em;border-bottom:1px solid #eee}pre{background:#f7f7f7;padding:1em;overflow:auto}</style></head>
<body><h1>${esc(r.title)}</h1><p>Generated by sixstep on ${new Date().toISOString()}.</p>
<h2>Summary</h2><table>${summaryRows}</table><pre>${esc(metrics)}</pre>
<h2>Decisions, in order</h2><table><tr><th>#</th><th>step</th><th>action</th><th>reason</th></tr>${decisions}</table>
${charts.join('\n')}
${errors}
<h2>Test ledger</h2><p>Every evaluation on the sealed test set of this data.</p><table><tr><th>when</th><th>model</th><th>metric</th><th>value</th></tr>${ledger}</table>
</body></html>
`;
}
