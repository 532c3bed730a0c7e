// sixstep against scikit-learn's simple models on real data of different
// shapes: numeric-only, categorical-heavy, text (short and long), mixed,
// time-ordered, small images, regression. Every dataset is split once into a
// training file and a test file (bench/real_data/datasets.py, from sources on
// this machine); `sixstep auto` trains on the training file (it cuts its own
// validation split from it) and is scored once on the test file, through the
// command users run; logistic (ridge) regression and gradient-boosted trees
// train on the same training file and are scored on the same test rows
// (bench/real_data/baselines.py).
//   node dist/bench/real_data.js [--budget 2] [--only debian-text,cars] [--out .sixstep/real-data] [--json]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PYTHON = '/usr/bin/python3';

interface Meta {
  name: string;
  kind: 'table' | 'images';
  shape: string;
  task: 'binary' | 'multiclass' | 'regression';
  target?: string;
  train: string;
  test: string;
  rows: { train: number; test: number };
  source: string;
  split: string;
}

interface Scored {
  accuracy?: number;
  rmse?: number;
  seconds: number;
}

interface Row {
  meta: Meta;
  budgetSeconds: number;
  sixstep: Scored & { exit: number; verdict?: string; note?: string };
  logistic?: Scored;
  trees?: Scored;
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function buildDatasets(out: string): void {
  if (existsSync(join(out, 'meta-built'))) return;
  mkdirSync(out, { recursive: true });
  process.stderr.write(`building the datasets in ${out} …\n`);
  const r = spawnSync(PYTHON, [join(root, 'bench', 'real_data', 'datasets.py'), out], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`datasets.py failed (exit ${r.status}): it needs python3-sklearn, python3-pil and the npm dev dependencies`);
  writeFileSync(join(out, 'meta-built'), new Date().toISOString());
}

function runSixstep(meta: Meta, dir: string, budgetMinutes: number, out: string): Row['sixstep'] {
  const project = join(out, 'projects', meta.name);
  rmSync(project, { recursive: true, force: true });
  const args = [join(root, 'dist', 'src', 'cli', 'main.js'), 'auto', '--data', join(dir, meta.train), '--test', join(dir, meta.test), '--budget', String(budgetMinutes), '--project', project, '--json'];
  if (meta.target) args.push('--target', meta.target);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  writeFileSync(join(out, `${meta.name}.stderr.txt`), r.stderr ?? '');
  let json: any = null;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    // no JSON: the exit code and stderr say why
  }
  const test = json?.metrics?.test ?? {};
  const last = (r.stderr ?? '').trim().split('\n').slice(-1)[0];
  return { accuracy: test.accuracy, rmse: test.rmse, seconds, exit: r.status ?? -1, verdict: json?.signal?.verdict, note: r.status === 0 ? undefined : last };
}

function runBaselines(dirs: string[]): Map<string, { logistic: Scored; trees: Scored }> {
  // The same two threads sixstep computes with (OpenMP's default would take every core, and spin).
  const r = spawnSync(PYTHON, [join(root, 'bench', 'real_data', 'baselines.py'), ...dirs], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, OMP_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '2' } });
  if (r.status !== 0) throw new Error(`baselines.py failed (exit ${r.status}): ${r.stderr}`);
  const out = new Map<string, { logistic: Scored; trees: Scored }>();
  for (const line of r.stdout.trim().split('\n')) {
    const j = JSON.parse(line);
    out.set(j.name, { logistic: j.logistic, trees: j.trees });
  }
  return out;
}

const figure = (s: Scored | undefined, task: Meta['task']) => (s === undefined ? '–' : task === 'regression' ? (s.rmse === undefined ? '–' : s.rmse.toPrecision(4)) : s.accuracy === undefined ? '–' : `${(s.accuracy * 100).toFixed(1)} %`);

/** Where sixstep stands against a baseline: positive is better (accuracy points, or RMSE as a share). */
function margin(row: Row, other: Scored | undefined): number | null {
  if (!other) return null;
  if (row.meta.task === 'regression') return row.sixstep.rmse === undefined || other.rmse === undefined ? null : (other.rmse - row.sixstep.rmse) / other.rmse;
  return row.sixstep.accuracy === undefined || other.accuracy === undefined ? null : row.sixstep.accuracy - other.accuracy;
}

function table(rows: Row[]): string {
  const head = ['dataset', 'shape', 'train/test rows', 'sixstep auto', 'wall / budget', 'logistic', 'trees', 'vs logistic', 'vs trees'];
  const fmtMargin = (r: Row, m: number | null) => (m === null ? '–' : r.meta.task === 'regression' ? `${m >= 0 ? '+' : ''}${(m * 100).toFixed(1)} % RMSE` : `${m >= 0 ? '+' : ''}${(m * 100).toFixed(1)} pts`);
  const lines = rows.map((r) => [
    r.meta.name,
    r.meta.shape,
    `${r.meta.rows.train}/${r.meta.rows.test}`,
    r.sixstep.exit === 0 ? figure(r.sixstep, r.meta.task) : `exit ${r.sixstep.exit}`,
    `${r.sixstep.seconds.toFixed(0)} s / ${r.budgetSeconds} s`,
    figure(r.logistic, r.meta.task),
    figure(r.trees, r.meta.task),
    fmtMargin(r, margin(r, r.logistic)),
    fmtMargin(r, margin(r, r.trees)),
  ]);
  const all = [head, ...lines];
  const widths = head.map((_, i) => Math.max(...all.map((l) => l[i].length)));
  const md = (l: string[]) => `| ${l.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [md(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(md)].join('\n');
}

async function main(): Promise<void> {
  const out = option('out', join(root, '.sixstep', 'real-data'));
  const budget = Number(option('budget', '2'));
  const only = option('only', '').split(',').filter(Boolean);
  buildDatasets(out);
  const dirs = readdirSync(out)
    .map((n) => join(out, n))
    .filter((d) => existsSync(join(d, 'meta.json')))
    .filter((d) => !only.length || only.some((o) => d.endsWith(`/${o}`)))
    .sort();
  const rows: Row[] = [];
  for (const dir of dirs) {
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
    process.stderr.write(`${meta.name}: sixstep auto --budget ${budget} …\n`);
    const s = runSixstep(meta, dir, budget, out);
    process.stderr.write(`${meta.name}: ${s.exit === 0 ? figure(s, meta.task) : `exit ${s.exit}: ${s.note}`} in ${s.seconds.toFixed(1)} s\n`);
    rows.push({ meta, budgetSeconds: budget * 60, sixstep: s });
  }
  const base = runBaselines(rows.map((r) => join(out, r.meta.name)));
  for (const r of rows) Object.assign(r, base.get(r.meta.name));
  writeFileSync(join(out, 'results.json'), `${JSON.stringify(rows, null, 1)}\n`);
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(rows)}\n`);
  else process.stdout.write(`${table(rows)}\n\nsixstep: test accuracy (or RMSE) of \`sixstep auto --budget ${budget}\`, one evaluation on the test file; logistic: logistic (ridge) regression; trees: gradient-boosted trees; same test rows. Results: ${join(out, 'results.json')}\n`);
}

await main();
