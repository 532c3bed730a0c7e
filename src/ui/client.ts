// The dashboard in the browser: hash routes over the JSON API, tables built
// with DOM nodes (never HTML strings, so names from the store cannot inject
// markup) and charts drawn by vega-embed from the specs the server sends.
// Compiled by tsc like the rest and served as an ES module; the Vega bundles
// are loaded before it as classic scripts, hence the global.
import { duration, fmt, when } from './format.js';

interface View {
  finalize(): void;
}
declare const vegaEmbed: (el: HTMLElement, spec: unknown, opts: Record<string, unknown>) => Promise<{ view: View }>;

interface NamedChart {
  name: string;
  title: string;
  spec: unknown;
}
interface RunRow {
  id: string;
  kind: string;
  status: string;
  startedAt: number;
  endedAt: number | null;
  epochs: number;
  steps: number;
  trainLoss: number | null;
  validLoss: number | null;
  best: { epoch: number; validLoss: number } | null;
  metrics: Record<string, number>;
  test: Record<string, number> | null;
  note: string;
  remark: string;
}

type Child = Node | string | null | undefined | false;

function h(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

function table(header: string[], rows: Child[][], rowAttrs: (i: number) => Record<string, string> = () => ({}), cls = ''): HTMLElement {
  return h('table', cls ? { class: cls } : {}, h('thead', {}, h('tr', {}, ...header.map((x) => h('th', {}, x)))), h('tbody', {}, ...rows.map((r, i) => h('tr', rowAttrs(i), ...r.map((c) => h('td', {}, c))))));
}

const link = (href: string, text: string) => h('a', { href }, text);
const runLink = (id: string) => link(`#/run/${encodeURIComponent(id)}`, id);

async function api<T>(path: string): Promise<T> {
  const r = await fetch(path, { headers: { Accept: 'application/json' } });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error ?? `${r.status} ${r.statusText}`);
  return body as T;
}

let views: View[] = [];
let refresh: ReturnType<typeof setTimeout> | undefined;

/** Draws a chart into `parent`; marks the container rendered (or failed) so people and tests can tell. */
async function chart(parent: HTMLElement, c: NamedChart): Promise<void> {
  const box = h('div', { class: 'chart', 'data-chart': c.name, title: c.title });
  parent.append(box);
  try {
    const r = await vegaEmbed(box, c.spec, { mode: 'vega-lite', renderer: 'svg', actions: false, ast: true });
    views.push(r.view);
    box.dataset.rendered = 'true';
  } catch (e) {
    box.dataset.error = 'true';
    box.append(h('p', { class: 'error' }, `could not draw ${c.title}: ${(e as Error).message}`));
  }
}

/** The one metric a row of runs shows (the rest is on the run's page): the first of these that any run has. */
const PRINCIPAL = ['accuracy', 'r2', 'macroF1', 'f1', 'auc', 'rmse', 'mae'];
function principalMetric(runs: RunRow[]): string | null {
  const names = new Set(runs.flatMap((r) => [...Object.keys(r.metrics), ...Object.keys(r.test ?? {})]));
  return PRINCIPAL.find((m) => names.has(m)) ?? null;
}

/**
 * Runs, one row each, narrow enough for a 1,400 px window: the sealed-test
 * figures first when any run has them, then the losses and one validation
 * metric, each labelled with its split; every other metric is on the run's page.
 */
function runsTable(runs: RunRow[], select?: Set<string>): HTMLElement {
  const m = principalMetric(runs);
  const tested = runs.some((r) => r.test);
  const header = [
    ...(select ? [''] : []),
    'run', 'kind', 'time', 'epochs',
    ...(tested ? [...(m ? [`test ${m}`] : []), 'test loss'] : []),
    'train loss', 'validation loss', 'best validation loss (epoch)',
    ...(m ? [`validation ${m}`] : []),
    'note',
  ];
  return table(
    header,
    runs.map((r) => {
      const box = h('input', { type: 'checkbox', 'data-run': r.id, 'aria-label': `select ${r.id}` }) as HTMLInputElement;
      box.addEventListener('change', () => (box.checked ? select?.add(r.id) : select?.delete(r.id)));
      return [
        ...(select ? [box] : []),
        // The id carries the start time (kind-yyyymmdd-hhmmss-…); the exact one on hover.
        h('a', { href: `#/run/${encodeURIComponent(r.id)}`, title: `started ${when(r.startedAt)}` }, r.id),
        // The status only when it is news: a run still going, interrupted or failed.
        r.status === 'finished' ? r.kind : `${r.kind} (${r.status})`,
        r.endedAt === null ? 'running' : duration(r.endedAt - r.startedAt),
        String(r.epochs),
        ...(tested ? [...(m ? [h('strong', {}, fmt(r.test?.[m]))] : []), fmt(r.test?.loss)] : []),
        fmt(r.trainLoss),
        fmt(r.validLoss),
        r.best ? `${fmt(r.best.validLoss)} (${r.best.epoch})` : '–',
        ...(m ? [fmt(r.metrics[m])] : []),
        // One line; the whole note on hover and on the run's page.
        r.remark ? h('span', { title: r.remark }, r.remark) : '',
      ];
    }),
    undefined,
    'runs',
  );
}

/** "test accuracy 0.93, loss 0.21" — a run's headline when it was evaluated on the sealed test set. */
function testHeadline(test: Record<string, number>): HTMLElement {
  const first = PRINCIPAL.find((k) => k in test);
  const rest = Object.keys(test).filter((k) => k !== first).sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : a.localeCompare(b)));
  return h('p', { class: 'headline', id: 'test-headline' }, 'sealed test: ', ...(first ? [h('strong', {}, `${first} ${fmt(test[first])}`), rest.length ? ', ' : ''] : []), rest.map((k) => `${k} ${fmt(test[k])}`).join(', '));
}

/** A run's configuration or summary as a two-column table; nested values as compact JSON. */
function fieldsTable(fields: unknown, cls: string): HTMLElement {
  const entries = fields && typeof fields === 'object' && !Array.isArray(fields) ? Object.entries(fields as Record<string, unknown>) : [['value', fields] as [string, unknown]];
  return table(['field', 'value'], entries.map(([k, v]) => [k, v !== null && typeof v === 'object' ? h('code', {}, JSON.stringify(v)) : fmt(v)]), () => ({}), `fields ${cls}`);
}

async function home(main: HTMLElement): Promise<void> {
  const { runs } = await api<{ runs: RunRow[] }>('/api/runs');
  const selected = new Set<string>();
  const go = h('button', { id: 'compare-selected' }, 'compare selected runs');
  go.addEventListener('click', () => {
    if (selected.size >= 2) location.hash = `#/compare/${[...selected].map(encodeURIComponent).join(',')}`;
    else alert('select two or more runs to compare');
  });
  main.append(h('h2', {}, `Runs (${runs.length})`), runs.length ? h('div', {}, runsTable(runs, selected), go) : h('p', { class: 'muted' }, 'no runs yet: run sixstep fit, auto, lr-find or tune with this --project'));
}

async function runView(main: HTMLElement, id: string): Promise<void> {
  const d = await api<any>(`/api/runs/${encodeURIComponent(id)}`);
  const r = d.run;
  main.append(h('h2', { id: 'run-title' }, `${r.kind} run ${r.id}`));
  if (r.status === 'running') {
    // A run still training: redraw with its newest steps every few seconds.
    main.append(h('p', { class: 'muted' }, 'running: this page refreshes every 5 s'));
    const here = location.hash;
    refresh = setTimeout(() => location.hash === here && void route(), 5000);
  }
  if (d.row.test) main.append(testHeadline(d.row.test));
  main.append(runsTable([d.row]));
  if (d.children.length) main.append(h('p', {}, 'runs within it: ', ...d.children.flatMap((c: any) => [runLink(c.id), ` (${c.kind}, ${c.status}) `])));
  const charts = h('div', { class: 'charts' });
  main.append(h('h2', {}, 'Curves'), d.charts.length ? charts : h('p', { class: 'muted' }, 'nothing recorded to plot yet'));
  await Promise.all(d.charts.map((c: NamedChart) => chart(charts, c)));
  if (d.ladder.length) {
    main.append(
      h('h2', {}, 'Regularization ladder (step 4)'),
      table(['rung', 'probe', 'train loss', 'validation loss', 'outcome'], d.ladder.map((p: any) => [p.rung, p.label, fmt(p.trainLoss), fmt(p.validLoss), p.outcome]), () => ({}), 'ladder'),
    );
  }
  if (d.ranks?.length) {
    main.append(
      h('h2', { id: 'ranks-title' }, `Data-parallel ranks (${d.ranks.length})`),
      table(['rank', 'samples', 'seconds', 'samples/s', 'communicating (s)', 'communicating (%)'], d.ranks.map((x: any) => [String(x.rank), String(x.samples), fmt(x.seconds), x.samplesPerSecond.toFixed(0), fmt(x.commSeconds), (100 * x.commShare).toFixed(1)])),
      h('p', { class: 'muted' }, 'Training phase only; communication includes waiting for slower ranks.'),
    );
  }
  if (d.errorAnalysis) await errorAnalysisView(main, d.errorAnalysis);
  if (d.decisions.length) main.append(h('h2', {}, 'Decisions'), table(['#', 'step', 'action', 'reason'], d.decisions.map((x: any) => [String(x.seq), String(x.step), x.action, x.reason])));
  if (d.epochs.length) {
    const names = [...new Set<string>(d.epochs.flatMap((e: any) => Object.keys(e.metrics)))].sort();
    // Every metric of every epoch: wide, so it scrolls within the page rather than widening it.
    main.append(h('h2', {}, 'Epochs'), h('div', { class: 'scroll' }, table(['epoch', 'train loss', 'validation loss', ...names.map((n) => `validation ${n}`), 'seconds'], d.epochs.map((e: any) => [String(e.epoch + 1), fmt(e.trainLoss), fmt(e.validLoss), ...names.map((n) => fmt(e.metrics[n])), fmt(e.seconds)]), () => ({}), 'epochs')));
  }
  if (d.artifacts.length) main.append(h('h2', {}, 'Artifacts'), table(['kind', 'path', 'bytes', 'sha256'], d.artifacts.map((a: any) => [a.kind, a.path, String(a.bytes), a.sha256.slice(0, 12)])));
  main.append(h('h2', {}, 'Configuration'), fieldsTable(r.config, 'config'), h('h2', {}, 'Summary'), fieldsTable(r.summary, 'summary'));
}

/** Metrics per split and where the model fails on validation (auto, or after `sixstep interpret`). */
async function errorAnalysisView(main: HTMLElement, e: any): Promise<void> {
  const names = [...new Set<string>(e.splits.flatMap((s: any) => Object.keys(s.metrics)))];
  main.append(
    h('h2', { id: 'error-analysis-title' }, 'Error analysis'),
    table(['metric', ...e.splits.map((s: any) => `${s.split} (${s.rows} rows)`)], names.map((n) => [n, ...e.splits.map((s: any) => fmt(s.metrics[n]))]), () => ({}), 'split-metrics'),
  );
  if (e.perClass) main.append(h('h3', {}, 'Per class (validation)'), table(['class', 'precision', 'recall', 'F1', 'support'], e.perClass.map((c: any) => [c.class, fmt(c.precision), fmt(c.recall), fmt(c.f1), String(c.support)]), () => ({}), 'per-class'));
  if (e.mostConfused.length) main.append(h('h3', {}, 'Most confused (validation)'), table(['truth', 'predicted as', 'rows', 'share of the class'], e.mostConfused.slice(0, 10).map((p: any) => [p.truth, p.predicted, String(p.count), fmt(p.shareOfTruth)]), () => ({}), 'most-confused'));
  if (e.topLosses.length) {
    const cls = 'probability' in e.topLosses[0];
    // Image models: a thumbnail per top loss (a PNG data URI; the page's CSP allows data: images).
    const images = e.topLosses.some((t: any) => typeof t.thumbnail === 'string' && t.thumbnail.startsWith('data:image/png;base64,'));
    const img = (t: any) => (typeof t.thumbnail === 'string' && t.thumbnail.startsWith('data:image/png;base64,') ? h('img', { class: 'thumbnail', src: t.thumbnail, alt: `truth ${t.truth}` }) : '');
    const vals = (x: unknown) => (x && typeof x === 'object' ? Object.entries(x as Record<string, unknown>).map(([k, v]) => `${k}: ${v}`).join(', ') : '');
    main.append(
      h('h3', {}, 'Top losses (validation)'),
      table(
        [...(images ? ['image'] : []), ...(cls ? ['row', 'truth', 'predicted', 'p(predicted)', 'p(truth)', 'loss', 'values'] : ['row', 'truth', 'predicted', 'error', 'squared error', 'values'])],
        e.topLosses.map((t: any) => [...(images ? [img(t)] : []), ...(cls ? [String(t.index), t.truth, t.predicted, fmt(t.probability), fmt(t.truthProbability), fmt(t.loss), vals(t.values)] : [String(t.index), fmt(t.truth), fmt(t.predicted), fmt(t.error), fmt(t.loss), vals(t.values)])]),
        () => ({}),
        'top-losses',
      ),
    );
  }
  if (e.charts.length) {
    const box = h('div', { class: 'charts' });
    main.append(box);
    await Promise.all(e.charts.map((c: NamedChart) => chart(box, c)));
  }
}

async function compareView(main: HTMLElement, ids: string[]): Promise<void> {
  const d = await api<any>(`/api/compare?ids=${ids.map(encodeURIComponent).join(',')}`);
  main.append(h('h2', { id: 'compare-title' }, `Comparing ${d.runs.length} runs`));
  main.append(
    table(
      ['', ...d.runs.map((r: RunRow) => r.id)],
      d.rows.map((row: any) => [row.label, ...row.values]),
      (i): Record<string, string> => (d.rows[i].differs ? { class: 'differs' } : {}),
      'compare',
    ),
    h('p', { class: 'muted' }, 'highlighted rows differ between the runs'),
  );
  const overlay = h('div', { class: 'charts' });
  main.append(overlay);
  const columns = h('div', { class: 'side-by-side', id: 'side-by-side' });
  main.append(columns);
  const jobs: Promise<void>[] = [chart(overlay, { name: 'compare', title: 'Loss per epoch, all runs', spec: d.overlay })];
  d.runs.forEach((r: RunRow, i: number) => {
    const col = h('section', { class: 'compare-run', 'data-run': r.id }, h('h3', {}, runLink(r.id)), h('p', {}, `${r.kind}, ${r.status}, ${r.epochs} epochs, validation loss ${fmt(r.validLoss)}${r.test ? `, test loss ${fmt(r.test.loss)}` : ''}`));
    columns.append(col);
    for (const c of d.charts[i] as NamedChart[]) jobs.push(chart(col, c));
  });
  await Promise.all(jobs);
}

async function studyView(main: HTMLElement, name: string): Promise<void> {
  const d = await api<any>(`/api/studies/${encodeURIComponent(name)}`);
  main.append(h('h2', { id: 'study-title' }, `Study ${d.name}`), d.best ? h('p', {}, `best: trial ${d.best.trialNumber}, validation loss ${fmt(d.best.value)}`) : '');
  const charts = h('div', { class: 'charts' });
  main.append(charts);
  await chart(charts, { name: 'trials', title: 'Trials', spec: d.chart });
  const params = [...new Set<string>(d.trials.flatMap((t: any) => Object.keys(t.params ?? {})))].sort();
  main.append(table(['trial', 'state', 'validation loss', ...params, 'run'], d.trials.map((t: any) => [String(t.trialNumber), t.state, fmt(t.value), ...params.map((p) => fmt(t.params?.[p])), t.runId ? runLink(t.runId) : '–'])));
}

async function ledgerView(main: HTMLElement): Promise<void> {
  const d = await api<any>('/api/ledger');
  main.append(
    h('h2', { id: 'ledger-title' }, `Test ledger (${d.evaluations} evaluation${d.evaluations === 1 ? '' : 's'})`),
    h('p', {}, 'Every look at the sealed test set is recorded here, one row per look with the figures it measured; each is a chance to overfit to it.'),
    table(['when', 'model', 'run', ...d.figures, 'data', 'note'], d.looks.map((e: any) => [when(e.at), e.modelId, e.runId ? runLink(e.runId) : '–', ...d.figures.map((f: string) => fmt(e.figures[f])), e.datasetFingerprint.slice(0, 12), e.note ?? '']), () => ({}), 'ledger'),
  );
}

async function driftView(main: HTMLElement): Promise<void> {
  const d = await api<any>('/api/drift');
  main.append(h('h2', { id: 'drift-title' }, 'Served models: drift (step 6)'), h('p', {}, 'Served inputs against the training data: PSI above 0.25 (dashed line) is a shift worth acting on.'));
  if (!d.models.length) {
    main.append(h('p', { class: 'muted' }, 'No served model has recorded drift yet (sixstep serve --model <dir> --project <this project>).'));
    return;
  }
  for (const m of d.models) {
    main.append(h('h3', {}, `${m.modelDir} — ${m.rows} rows served, as of ${when(m.at)}`));
    const box = h('div', { class: 'charts' });
    main.append(box);
    await chart(box, { name: 'drift', title: 'Drift', spec: m.chart });
    if (m.image) await imageDrift(main, m.image);
    else main.append(table(['feature', 'PSI', 'out of range', 'unseen', 'missing'], m.features.map((f: any) => [f.name, fmt(f.psi), fmt(f.outOfRange), fmt(f.unseen), fmt(f.missing)])));
  }
}

/** An image server's drift: channel brightness, size and aspect distributions, predicted classes. */
async function imageDrift(main: HTMLElement, v: any): Promise<void> {
  main.append(h('h4', {}, 'Per channel: mean brightness of each served image (0–1) against the training images'));
  const channels = table(['channel', 'served mean', 'training range', 'PSI', 'out of range'], v.channels.map((c: any) => [c.name, fmt(c.servedMean), c.min === null ? '–' : `${fmt(c.min)} – ${fmt(c.max)}`, fmt(c.psi), fmt(c.outOfRange)]), () => ({}), 'image-channels');
  main.append(channels);
  main.append(h('h4', {}, 'Original size and aspect ratio (before resizing)'));
  const shape = table(['statistic', 'served mean', 'PSI', 'out of range'], v.shape.map((s: any) => [s.name, fmt(s.servedMean), fmt(s.psi), fmt(s.outOfRange)]), () => ({}), 'image-shape');
  main.append(shape);
  const box = h('div', { class: 'charts' });
  main.append(box);
  if (v.shapeChart) await chart(box, { name: 'image-shape', title: 'Size and aspect', spec: v.shapeChart });
  const p = v.predictions;
  main.append(h('h4', { class: 'image-predictions' }, `Prediction drift: ${p.n} predictions, PSI ${fmt(p.psi)} against the ${p.basis ?? 'unknown reference'}${p.approximate ? ' (an approximation: read as a hint)' : ''}`));
  const pbox = h('div', { class: 'charts' });
  main.append(pbox);
  if (v.predictionChart) await chart(pbox, { name: 'image-predictions', title: 'Predicted classes', spec: v.predictionChart });
}

async function nav(): Promise<void> {
  const [p, s] = await Promise.all([api<any>('/api/project'), api<any>('/api/studies')]);
  const el = document.getElementById('nav')!;
  el.replaceChildren(
    h('h1', {}, `sixstep · ${p.name}`),
    h('div', { class: 'dir' }, p.dir),
    h('h2', {}, 'Project'),
    link('#/', `Runs (${p.runs})`),
    link('#/ledger', `Test ledger (${p.testEvaluations} evaluation${p.testEvaluations === 1 ? '' : 's'})`),
    link('#/drift', 'Drift of served models'),
    ...(p.projects.length > 1 ? [h('h2', {}, 'Projects in this store'), ...p.projects.map((x: any) => h('div', {}, x.name))] : []),
    h('h2', {}, 'Studies'),
    ...(s.studies.length ? s.studies.map((x: any) => link(`#/study/${encodeURIComponent(x.name)}`, `${x.name} (${x.trials})`)) : [h('div', { class: 'muted' }, 'none')]),
  );
}

async function route(): Promise<void> {
  clearTimeout(refresh);
  for (const v of views) v.finalize();
  views = [];
  const main = document.getElementById('main')!;
  main.replaceChildren();
  const [, view, arg = ''] = location.hash.split('/');
  try {
    if (view === 'run') await runView(main, decodeURIComponent(arg));
    else if (view === 'compare') await compareView(main, arg.split(',').map(decodeURIComponent));
    else if (view === 'study') await studyView(main, decodeURIComponent(arg));
    else if (view === 'ledger') await ledgerView(main);
    else if (view === 'drift') await driftView(main);
    else await home(main);
  } catch (e) {
    main.append(h('p', { class: 'error' }, (e as Error).message));
  }
  main.dataset.view = view || 'runs';
  main.dataset.ready = 'true';
}

window.addEventListener('hashchange', () => {
  delete document.getElementById('main')!.dataset.ready;
  void route();
});
void nav().catch((e) => document.getElementById('nav')!.append(h('p', { class: 'error' }, (e as Error).message)));
void route();
