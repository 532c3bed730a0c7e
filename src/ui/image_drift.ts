// The dashboard's view of an image server's drift: each channel's brightness
// (served mean against the training range, PSI), the distributions of the
// original width, height and aspect ratio (training bins against the served
// shares), and the predicted classes against the reference predictions —
// all read from the report /drift saves, nothing recomputed.
import type { DriftReport, FeatureDrift } from '../serve/drift.js';
import { namedAxis } from '../plot/names.js';

const SHAPE = ['width', 'height', 'aspect'] as const;

/** "≤ 28", "28–32", "> 64": the label of bin i of interior edges (bin i holds edges[i−1] < v ≤ edges[i]). */
export function binLabel(edges: readonly number[], i: number, digits = 3): string {
  const f = (x: number) => Number(x.toPrecision(digits)).toString();
  if (edges.length === 0) return 'all';
  if (i === 0) return `≤ ${f(edges[0])}`;
  if (i === edges.length) return `> ${f(edges[edges.length - 1])}`;
  return `${f(edges[i - 1])}–${f(edges[i])}`;
}

export interface ImageDriftView {
  channels: Array<{ name: string; servedMean: number | null; min: number | null; max: number | null; psi: number | null; outOfRange: number | null }>;
  shape: Array<{ name: string; psi: number | null; outOfRange: number | null; servedMean: number | null }>;
  /** Grouped bars: training against served share per bin, one panel per statistic. */
  shapeChart: Record<string, unknown> | null;
  predictions: { n: number; psi: number | null; basis: string | null; approximate: boolean };
  /** Grouped bars: reference against served share per class. */
  predictionChart: Record<string, unknown> | null;
}

const series = { reference: 'training / reference', served: 'served' };

function groupedBars(title: string, rows: Array<Record<string, unknown>>, x: string, facet?: string): Record<string, unknown> {
  // Bins and classes by index, named on the axis (namedAxis): any class name works.
  const names = [...new Set(rows.map((r) => String(r[x])))];
  const values = rows.map((r) => ({ ...r, [x]: names.indexOf(String(r[x])) }));
  const bars = {
    mark: 'bar',
    encoding: {
      x: { field: x, ...namedAxis(names) },
      xOffset: { field: 'series' },
      y: { field: 'share', type: 'quantitative', title: 'share', axis: { format: '%' } },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: [series.reference, series.served], range: ['#9ecae9', '#e45756'] } },
    },
  };
  return facet
    ? { title, data: { values }, facet: { column: { field: facet, type: 'nominal', title: null, sort: [...SHAPE] } }, resolve: { scale: { x: 'independent' } }, spec: { width: 180, height: 140, ...bars } }
    : { title, width: 420, height: 160, data: { values }, ...bars };
}

/** The image sections of a served model's drift, or null for a table model's report. */
export function imageDriftView(report: DriftReport): ImageDriftView | null {
  if (report.kind !== 'image') return null;
  const entries = Object.entries(report.features) as Array<[string, FeatureDrift]>;
  const channels = entries
    .filter(([name]) => !(SHAPE as readonly string[]).includes(name))
    .map(([name, f]) => ({ name: name.replace(/ mean$/, ''), servedMean: f.mean ?? null, min: f.distribution?.min ?? null, max: f.distribution?.max ?? null, psi: f.psi, outOfRange: f.outOfRange }));
  const shapeValues: Array<Record<string, unknown>> = [];
  for (const name of SHAPE) {
    const d = report.features[name]?.distribution;
    if (!d) continue;
    d.reference.forEach((share, i) => {
      const bin = binLabel(d.edges, i);
      shapeValues.push({ statistic: name, bin, series: series.reference, share }, { statistic: name, bin, series: series.served, share: d.served[i] ?? 0 });
    });
  }
  const p = report.predictions;
  const predictionValues = Object.keys({ ...(p.reference ?? {}), ...(p.distribution ?? {}) }).flatMap((c) => [
    { class: c, series: series.reference, share: p.reference?.[c] ?? 0 },
    { class: c, series: series.served, share: p.distribution?.[c] ?? 0 },
  ]);
  return {
    channels,
    shape: SHAPE.filter((n) => report.features[n]).map((n) => ({ name: n, psi: report.features[n].psi, outOfRange: report.features[n].outOfRange, servedMean: report.features[n].mean ?? null })),
    shapeChart: shapeValues.length ? groupedBars('Original width, height and ln(aspect): training bins against served shares', shapeValues, 'bin', 'statistic') : null,
    predictions: { n: p.n, psi: p.psi, basis: p.basis, approximate: p.approximate },
    predictionChart: predictionValues.length && p.reference ? groupedBars(`Predicted classes: ${p.basis ?? 'reference'} against served`, predictionValues, 'class') : null,
  };
}
