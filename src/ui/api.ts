// The dashboard's JSON API: every answer is computed from the store at the
// time of the request, so a run still training shows its latest steps on reload.
import { summarizeRankStats, type Store } from '../store/index.js';
import { compareChart, trialsChart } from './charts.js';
import { comparisonRows } from './compare_rows.js';
import { findRun, RunNotFound } from './find_run.js';
import { ladderOf } from './ladder.js';
import { epochPoints, runCharts } from './run_charts.js';
import { runRow } from './run_view.js';
import { servedDrift } from '../serve/records_read.js';
import { namedAxis } from '../plot/names.js';
import { imageDriftView } from './image_drift.js';
import { errorAnalysisOf } from './error_analysis.js';
import { testLooks } from './test_looks.js';

export class NotFound extends Error {}
export class BadRequest extends Error {}

export interface ApiContext {
  store: Store;
  projectDir: string;
}

function project({ store, projectDir }: ApiContext) {
  return { name: store.project.name, dir: projectDir, projects: store.listProjects(), runs: store.listRuns().length, studies: store.listStudies(), testEvaluations: testLooks(store.ledger()).length };
}

function runs({ store }: ApiContext) {
  return { runs: store.compareRuns(store.listRuns().map((r) => r.id)).map(runRow) };
}

function run({ store }: ApiContext, ref: string) {
  const r = findRun(store, ref);
  const [c] = store.compareRuns([r.id]);
  const decisions = store.decisionsOf(r.id);
  return {
    run: r,
    row: runRow(c),
    epochs: c.epochs,
    decisions,
    ladder: ladderOf(decisions),
    artifacts: store.artifactsOf(r.id),
    ranks: summarizeRankStats(store.rankStats(r.id)),
    children: store.listRuns({ parentRunId: r.id }).map((x) => ({ id: x.id, kind: x.kind, status: x.status })),
    charts: runCharts(store, r),
    errorAnalysis: errorAnalysisOf(store, r.id),
  };
}

function compare({ store }: ApiContext, refs: string[]) {
  if (refs.length < 2) throw new BadRequest('compare needs at least two run ids: /api/compare?ids=<id>,<id>');
  const ids = refs.map((ref) => findRun(store, ref).id);
  const cs = store.compareRuns(ids);
  return {
    runs: cs.map(runRow),
    rows: comparisonRows(cs),
    overlay: compareChart(cs.map((c) => ({ id: c.run.id, points: epochPoints(c.epochs) }))),
    charts: cs.map((c) => runCharts(store, c.run).filter((x) => x.name === 'loss' || x.name === 'steps' || x.name === 'lr-find')),
  };
}

function studies({ store }: ApiContext) {
  return {
    studies: store.listStudies().map((name) => {
      const trials = store.trialsOf(name);
      return { name, trials: trials.length, best: store.bestTrial(name) ?? null, startedAt: Math.min(...trials.map((t) => t.createdAt)) };
    }),
  };
}

function study({ store }: ApiContext, name: string) {
  const trials = store.trialsOf(name);
  if (!trials.length) throw new NotFound(`no study "${name}"`);
  return { name, trials, best: store.bestTrial(name) ?? null, chart: trialsChart(trials) };
}

/** One entry per look at the test set, with its figures (loss, accuracy, …) together. */
function ledger({ store }: ApiContext) {
  const looks = testLooks(store.ledger());
  return { looks, evaluations: looks.length, figures: [...new Set(looks.flatMap((l) => Object.keys(l.figures)))] };
}

/** Served models' drift (step 6): per feature PSI and rates, with a chart of the PSIs. */
function drift({ store }: ApiContext) {
  return {
    models: servedDrift(store).map((d) => {
      const features = Object.entries(d.report.features).map(([name, f]) => ({ name, ...f }));
      return {
        modelDir: d.modelDir,
        at: d.at,
        rows: d.report.rows,
        features,
        predictions: d.report.predictions,
        // Image servers: channels, size and aspect distributions, predicted classes against the reference.
        image: imageDriftView(d.report),
        chart: {
          title: 'Population stability index per feature (served inputs against training)',
          width: 520,
          height: Math.max(120, 22 * features.length),
          // Column indices, named on the axis (namedAxis): any column name works.
          data: { values: features.map((f, i) => ({ feature: i, psi: Number.isFinite(f.psi as number) ? f.psi : null })) },
          layer: [
            { mark: 'bar', encoding: { y: { field: 'feature', ...namedAxis(features.map((f) => f.name)), sort: '-x' }, x: { field: 'psi', type: 'quantitative', title: 'PSI' }, color: { condition: { test: 'datum.psi > 0.25', value: '#e45756' }, value: '#4c78a8' } } },
            { mark: { type: 'rule', strokeDash: [4, 4] }, encoding: { x: { datum: 0.25 } } },
          ],
        },
      };
    }),
  };
}

/** The answer to GET `path` (already URL-decoded segments), or NotFound. */
export function answer(ctx: ApiContext, segments: string[], query: URLSearchParams): unknown {
  const [a, b, ...rest] = segments;
  try {
    if (rest.length) throw new NotFound(`no API at /api/${segments.join('/')}`);
    if (a === 'project' && b === undefined) return project(ctx);
    if (a === 'runs' && b === undefined) return runs(ctx);
    if (a === 'runs') return run(ctx, b);
    if (a === 'compare' && b === undefined) return compare(ctx, (query.get('ids') ?? '').split(',').filter(Boolean));
    if (a === 'studies' && b === undefined) return studies(ctx);
    if (a === 'studies') return study(ctx, b);
    if (a === 'ledger' && b === undefined) return ledger(ctx);
    if (a === 'drift' && b === undefined) return drift(ctx);
    throw new NotFound(`no API at /api/${segments.join('/')}`);
  } catch (e) {
    throw e instanceof RunNotFound ? new NotFound(e.message) : e;
  }
}
