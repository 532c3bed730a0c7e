// The report's error analysis: metrics per split, per-class scores, the
// most-confused pairs, the top losses with their rows, the reliability
// diagram, residuals and permutation feature importance — static HTML and
// inline SVG, as the rest of the report.
import { toSvg, reliabilityChart, residualsChart, importanceChart } from '../plot/index.js';
import type { Interpretation } from '../interpret/index.js';

const esc = (s: unknown) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : '–');
/** Markup built here (a thumbnail), not text: the one cell kind that is not escaped. */
interface Html {
  html: string;
}
const isHtml = (c: unknown): c is Html => typeof c === 'object' && c !== null && 'html' in c;
const table = (header: string[], rows: unknown[][], id = '') => `<table${id ? ` id="${id}"` : ''}><tr>${header.map((x) => `<th>${esc(x)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${isHtml(c) ? c.html : typeof c === 'number' ? num(c) : esc(c ?? '–')}</td>`).join('')}</tr>`).join('')}</table>`;
/** A top loss's thumbnail: only PNG data URIs become images. */
const thumb = (t: { thumbnail?: string; truth: unknown }): Html | string => (typeof t.thumbnail === 'string' && /^data:image\/png;base64,[A-Za-z0-9+/=]+$/.test(t.thumbnail) ? { html: `<img class="thumbnail" src="${t.thumbnail}" alt="${esc(`truth ${t.truth}`)}">` } : '');

/** Metrics per split as a table: a row per metric, a column per split (train, validation, test). */
export function splitMetricsHtml(splits: Record<string, Record<string, number | null> | null> | null): string {
  if (!splits) return '';
  const present = Object.entries(splits).filter((e): e is [string, Record<string, number | null>] => Boolean(e[1]) && typeof e[1] === 'object');
  const names = [...new Set(present.flatMap(([, m]) => Object.keys(m)))];
  if (!names.length) return '';
  const cell = (v: unknown) => (typeof v === 'number' ? v : null);
  return `<h2>Metrics per split</h2><p>${present.some(([k]) => k === 'test') ? "The test column is step 5's single evaluation." : 'No test evaluation yet.'}</p>${table(['metric', ...present.map(([k]) => k)], names.map((n) => [n, ...present.map(([, m]) => cell(m[n]))]), 'split-metrics')}`;
}

export async function errorAnalysisHtml(v: Interpretation | null): Promise<string> {
  const parts: string[] = [];
  if (!v) return parts.join('\n');
  if (v.perClass) parts.push(`<h2>Per class (validation set)</h2>${table(['class', 'precision', 'recall', 'F1', 'support'], v.perClass.map((c) => [c.class, c.precision, c.recall, c.f1, c.support]), 'per-class')}`);
  if (v.confusionMatrix) {
    parts.push(
      `<h2>Most confused (validation set)</h2>${v.mostConfused.length ? table(['truth', 'predicted as', 'rows', 'share of the class'], v.mostConfused.slice(0, 10).map((p) => [p.truth, p.predicted, p.count, p.shareOfTruth]), 'most-confused') : '<p>No class is mistaken for another on the validation set.</p>'}`,
    );
  }
  const values = (x: unknown) => (x && typeof x === 'object' ? Object.entries(x as Record<string, unknown>).map(([k, val]) => `${k}: ${val}`).join(', ') : '');
  if (v.topLosses.length) {
    const images = v.topLosses.some((t) => t.thumbnail);
    const rows = v.topLosses.map((t) => [
      ...(images ? [thumb(t)] : []),
      ...('probability' in t ? [t.index, t.line ?? '', t.truth, t.predicted, t.probability, t.truthProbability, t.loss, values(t.values)] : [t.index, t.line ?? '', t.truth, t.predicted, (t as any).error, t.loss, values(t.values)]),
    ]);
    const header = [...(images ? ['image'] : []), ...(v.task === 'regression' ? ['row', 'line', 'truth', 'predicted', 'error', 'squared error', 'values'] : ['row', 'line', 'truth', 'predicted', 'p(predicted)', 'p(truth)', 'loss', 'values'])];
    parts.push(`<h2>Top losses (validation set)</h2><p>The rows the model gets most wrong: mislabelled rows and hard cases show up here first.</p>${table(header, rows, 'top-losses')}`);
  }
  if (v.calibration) parts.push(`<h2>Calibration</h2>${await toSvg(reliabilityChart(v.calibration))}`);
  if (v.residuals) parts.push(`<h2>Residuals against prediction</h2>${await toSvg(residualsChart(v.residuals.points))}`);
  if (v.featureImportance) {
    parts.push(
      `<h2>Permutation feature importance</h2><p>How much the validation loss (${num(v.featureImportance.baseLoss)}) rises when a column is shuffled; near 0 means the model ignores it (or it only fits noise).</p>${v.featureImportance.note ? `<p class="note">Within the time budget: ${esc(v.featureImportance.note)}.</p>` : ''}${v.featureImportance.features.length ? await toSvg(importanceChart(v.featureImportance.features, v.featureImportance.repeats)) : ''}${table(['feature', 'mean rise', 'sd'], v.featureImportance.features.map((f) => [f.feature, f.mean, f.std]), 'feature-importance')}`,
    );
  }
  return parts.join('\n');
}
