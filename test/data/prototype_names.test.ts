// Column and class names that are Object.prototype members ("__proto__",
// "constructor", "toString", "valueOf", "hasOwnProperty") work end to end:
// read as columns (CSV, JSON, NDJSON), planned as features and classes,
// trained by auto with its report and charts, predicted in batch, served
// (predictions, feedback, drift) and shown by the dashboard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsv, parseJson, inferSchema, tableFromRows, newRow } from '../../src/data/index.js';
import { confusionChart, importanceChart, toSvg } from '../../src/plot/index.js';
import { Predictor, createServer, listen, type Served } from '../../src/serve/index.js';
import { openStore } from '../../src/store/index.js';
import { startDashboard } from '../../src/ui/server.js';
import { runCli } from '../serve/helpers.js';

const NAMES = ['__proto__', 'constructor', 'toString', 'valueOf'];
const COLUMNS = [...NAMES, 'hasOwnProperty', 'noise'];
let dir: string;
let csv: string;

/** A seeded table whose class is readable from the "__proto__" column (so losing that column would show as no signal). */
function table(n: number): string {
  let s = 1;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lines = [[...COLUMNS, 'target'].join(',')];
  for (let i = 0; i < n; i++) {
    const c = i % 4;
    lines.push([(c * 2 + rand() * 0.4).toFixed(3), rand() < 0.5 ? 'a' : 'b', (rand() * 2 - 1).toFixed(3), String(Math.floor(rand() * 6)), ['x', 'y', 'z', 'w'][c], (rand() - 0.5).toFixed(3), NAMES[c]].join(','));
  }
  return `${lines.join('\n')}\n`;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sixstep-proto-'));
  csv = join(dir, 'proto.csv');
  writeFileSync(csv, table(320));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('readers keep every such column as a cell, and a row lacks what it lacks', async () => {
  const t = await parseCsv('__proto__,constructor,toString\n1,2,3\n');
  assert.deepEqual(t.columns, ['__proto__', 'constructor', 'toString']);
  assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(t.rows[0])), null, 'a row inherits nothing from Object.prototype');
  assert.equal(t.rows[0].hasOwnProperty, undefined);
  assert.deepEqual(Object.entries(t.rows[0]), [['__proto__', '1'], ['constructor', '2'], ['toString', '3']]);
  const j = await parseJson('[{"__proto__": 1, "valueOf": "x"}, {"valueOf": "y"}]');
  assert.deepEqual(j.columns, ['__proto__', 'valueOf']);
  assert.equal(j.rows[0].__proto__, 1);
  assert.equal(j.rows[1].constructor, undefined, 'a missing column reads as undefined, not Object');
  assert.equal(j.rows[1].__proto__, undefined);
  const nd = await parseJson('{"constructor": 5}\n{"toString": "t"}\n', { format: 'ndjson' });
  assert.deepEqual(nd.columns, ['constructor', 'toString']);
  const rows = [1.5, 2.25, 3.125, 4.75, 5.5].map((x) => Object.assign(newRow(), { ['__proto__']: x }));
  const schema = inferSchema(tableFromRows(rows), {});
  assert.equal(schema.columns.find((c) => c.name === '__proto__')?.kind, 'numeric');
});

test('charts name classes and columns such as "constructor" (Vega keys its data by them)', async () => {
  const svg = await toSvg(confusionChart({ classes: NAMES, counts: NAMES.map((_, i) => NAMES.map((_, j) => i * 4 + j)) }));
  for (const n of NAMES) assert.ok(svg.includes(`>${n}<`), n);
  const imp = await toSvg(importanceChart(COLUMNS.map((feature, i) => ({ feature, mean: i, std: 0.1 })), 3));
  for (const n of COLUMNS) assert.ok(imp.includes(`>${n}<`), n);
});

test('plan → auto → report → predict → serve → dashboard with such columns and classes', async (t) => {
  const project = join(dir, 'project');
  const plan = runCli(['plan', '--data', csv, '--target', 'target', '--project', project, '--json']);
  assert.equal(plan.status, 0, plan.stderr);
  const planned = JSON.parse(plan.stdout);
  const features = planned.model.options.blocks.map((b: { name: string }) => b.name);
  assert.deepEqual(features.sort(), [...COLUMNS].sort(), 'every column is a feature, "__proto__" included');

  const auto = runCli(['auto', '--data', csv, '--target', 'target', '--project', project, '--budget', '0.4', '--json']);
  assert.equal(auto.status, 0, auto.stderr);
  const result = JSON.parse(auto.stdout);
  const model: string = result.model;
  assert.ok(result.report, 'the report was written');
  const html = readFileSync(result.report, 'utf8');
  for (const n of NAMES) assert.ok(html.includes(n), `the report names ${n}`);
  assert.ok(result.metrics.test.accuracy > 0.9, `the "__proto__" column carries the signal: test accuracy ${result.metrics.test.accuracy}`);

  const report = runCli(['report', '--run', result.run, '--project', project, '--out', join(dir, 'plots'), '--json']);
  assert.equal(report.status, 0, report.stderr);
  assert.ok(readdirSync(join(dir, 'plots')).some((f) => f.endsWith('.svg')));

  const predict = runCli(['predict', '--model', model, '--data', csv, '--json']);
  assert.equal(predict.status, 0, predict.stderr);
  const rows = JSON.parse(predict.stdout).predictions as Array<{ label: string; probabilities: Record<string, number> }>;
  for (const p of rows.slice(0, 20)) {
    assert.deepEqual(Object.keys(p.probabilities).sort(), [...NAMES].sort());
    for (const n of NAMES) assert.equal(typeof p.probabilities[n], 'number', n);
    assert.ok(NAMES.includes(p.label));
  }

  const predictor = Predictor.load(model);
  const store = openStore(project);
  let served: Served | null = null;
  t.after(async () => {
    await served?.close();
    predictor.dispose();
    store.close();
  });
  served = createServer({ predictor, store, driftSaveMs: 0 });
  const url = await listen(served);
  // The JSON text itself: an object literal's "__proto__" key would set its prototype, not a field.
  const body = '{"rows":[{"__proto__":0.1,"constructor":"a","toString":0.1,"valueOf":"1","hasOwnProperty":"x","noise":0}]}';
  const r = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const answer = (await r.json()) as { predictions: Array<{ id: string; label: string; probabilities: Record<string, number> }> };
  assert.equal(r.status, 200, JSON.stringify(answer));
  assert.equal(answer.predictions[0].label, '__proto__');
  assert.equal(Object.keys(answer.predictions[0].probabilities).length, 4);
  const missing = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"rows":[{"constructor":"a","toString":0.1,"valueOf":"1","hasOwnProperty":"w","noise":0}]}' });
  assert.equal(missing.status, 400);
  assert.equal(((await missing.json()) as { field: string }).field, '__proto__');
  const fb = await fetch(`${url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ labels: [{ id: answer.predictions[0].id, label: '__proto__' }] }) });
  assert.equal(((await fb.json()) as { accepted: number }).accepted, 1);
  const drift = (await (await fetch(`${url}/drift`)).json()) as { features: Record<string, unknown> };
  assert.deepEqual(Object.keys(drift.features).sort(), [...COLUMNS].sort(), 'drift watches the "__proto__" column too');
  await served.close();
  served = null;

  const dash = await startDashboard({ projectDir: project });
  t.after(() => dash.close());
  const api = (await (await fetch(`${dash.url}api/drift`)).json()) as { models: Array<{ features: Array<{ name: string }> }> };
  assert.ok(api.models[0].features.some((f) => f.name === '__proto__'));
  const run = await fetch(`${dash.url}api/runs/${result.run}`);
  assert.equal(run.status, 200);
  for (const path of ['vendor/constructor', 'vendor/__proto__', 'vendor/toString', 'js/constructor', 'api/constructor']) {
    const res = await fetch(`${dash.url}${path}`);
    assert.equal(res.status, 404, path);
    assert.doesNotMatch(await res.text(), /TypeError|is not a function|\n\s+at /, path);
  }
});
