import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { Predictor, createServer, listen, realWorldSummary, servedDrift, testValueOf, writeReferenceProfile, type Prediction, type Served } from '../../src/serve/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { readTable, type Row, type Schema } from '../../src/data/index.js';
import { liveTensors } from '../../src/tensor/index.js';
import { CARS, PENGUINS, cli, completeRows, maxDiff, root, runCli, trainModel } from './helpers.js';

const rows = completeRows(PENGUINS, 'Species');
let project: string;
let model: string;
let predictor: Predictor;
let store: Store;
let baseline: number;
let scratch: string;
const servers: Served[] = [];

async function start(o: { bodyLimit?: number } = {}): Promise<{ served: Served; url: string }> {
  const served = createServer({ predictor, store, testValue: testValueOf(store, predictor, model), bodyLimit: o.bodyLimit });
  servers.push(served);
  return { served, url: await listen(served) };
}

async function post(url: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number; json: any }> {
  const r = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}

before(async () => {
  ({ project, model } = trainModel(PENGUINS, 'Species'));
  // Step 5 once, so the ledger holds the test accuracy the real world is compared with.
  const t = runCli(['test', '--model', model, '--data', PENGUINS, '--target', 'Species', '--project', project, '--json']);
  assert.equal(t.status, 0, t.stderr);
  const schema = JSON.parse(readFileSync(join(model, 'manifest.json'), 'utf8')).preprocessing.schema as Schema;
  writeReferenceProfile(model, await readTable(PENGUINS), schema);
  scratch = mkdtempSync(join(tmpdir(), 'sixstep-serve-http-'));
  baseline = liveTensors();
  predictor = Predictor.load(model);
  store = openStore(project);
});

after(async () => {
  for (const s of servers) await s.close();
  predictor.dispose();
  store.close();
  assert.equal(liveTensors(), baseline, 'the model released its tensors');
  rmSync(scratch, { recursive: true, force: true });
  rmSync(dirname(project), { recursive: true, force: true });
});

const probs = (ps: Array<Pick<Prediction, 'probabilities'>>): number[] => ps.flatMap((p) => Object.values(p.probabilities!));

test('the server, the predict command and the in-process Predictor give the same predictions', async () => {
  const sample = rows.filter((_, i) => i % 7 === 0);
  const file = join(scratch, 'sample.json');
  writeFileSync(file, JSON.stringify(sample));
  const { url } = await start();
  const http = await post(`${url}/predict`, { rows: sample });
  assert.equal(http.status, 200);
  assert.equal(http.json.predictions.length, sample.length);
  const local = predictor.predict(sample);
  const out = join(scratch, 'predictions.json');
  const r = runCli(['predict', '--model', model, '--data', file, '--out', out, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const batch = JSON.parse(readFileSync(out, 'utf8')) as Prediction[];
  assert.deepEqual(http.json.predictions.map((p: Prediction) => p.label), local.map((p) => p.label));
  assert.deepEqual(batch.map((p) => p.label), local.map((p) => p.label));
  assert.ok(maxDiff(probs(http.json.predictions), probs(local)) < 1e-6);
  assert.ok(maxDiff(probs(batch), probs(local)) < 1e-6);
  for (const p of http.json.predictions) assert.match(p.id, /^[0-9a-f-]{36}$/);
});

test('concurrent requests share forward passes and each gets its own rows back', async () => {
  const { url } = await start();
  const sample = rows.slice(0, 24);
  const answers = await Promise.all(sample.map((r) => post(`${url}/predict`, { rows: [r] })));
  const local = predictor.predict(sample);
  for (let i = 0; i < sample.length; i++) {
    assert.equal(answers[i].status, 200);
    assert.equal(answers[i].json.predictions.length, 1);
    assert.ok(maxDiff(probs(answers[i].json.predictions), probs([local[i]])) < 1e-6, `row ${i}`);
  }
});

test('health, ready and model describe the service', async () => {
  const { url } = await start();
  assert.deepEqual(await (await fetch(`${url}/health`)).json(), { status: 'ok' });
  const ready = await fetch(`${url}/ready`);
  assert.equal(ready.status, 200);
  assert.equal(((await ready.json()) as any).model, predictor.modelKey);
  const m = (await (await fetch(`${url}/model`)).json()) as any;
  assert.equal(m.task, 'multiclass');
  assert.deepEqual(m.classes, ['Adelie', 'Chinstrap', 'Gentoo']);
  assert.deepEqual(m.inputs.map((f: { name: string }) => f.name).sort(), ['Beak Depth (mm)', 'Beak Length (mm)', 'Body Mass (g)', 'Flipper Length (mm)', 'Island', 'Sex']);
  assert.equal(m.reference, 'data');
  assert.deepEqual(m.schema.find((c: { name: string }) => c.name === 'Species'), { name: 'Species', kind: 'categorical', role: 'target' });
  assert.ok('validation' in m.metrics);
});

test('bad bodies get 4xx naming the field, before any work', async () => {
  const { served, url } = await start({ bodyLimit: 4096 });
  const { Sex: _s, ...noSex } = rows[0];
  const missing = await post(`${url}/predict`, { rows: [rows[0], noSex] });
  assert.equal(missing.status, 400);
  assert.equal(missing.json.field, 'Sex');
  assert.equal(missing.json.row, 1);
  const wrong = await post(`${url}/predict`, { rows: [{ ...rows[0], 'Beak Length (mm)': 'long' }] });
  assert.equal(wrong.status, 422);
  assert.equal(wrong.json.field, 'Beak Length (mm)');
  const noRows = await post(`${url}/predict`, { data: [] });
  assert.equal(noRows.status, 400);
  assert.equal(noRows.json.field, 'rows');
  const notJson = await post(`${url}/predict`, '{"rows": [', { 'content-type': 'application/json' });
  assert.equal(notJson.status, 400);
  const text = await post(`${url}/predict`, 'rows', { 'content-type': 'text/plain' });
  assert.ok(text.status >= 400 && text.status < 500, `text/plain: ${text.status}`);
  const big = await post(`${url}/predict`, { rows: Array.from({ length: 100 }, () => rows[0]) });
  assert.equal(big.status, 413);
  const badLabel = await post(`${url}/feedback`, { labels: [{ id: 'x', label: 'Emperor' }] });
  assert.equal(badLabel.status, 422);
  assert.equal(badLabel.json.field, 'labels[0].label');
  assert.equal(served.monitor.report().rows, 0, 'no rejected request reached the model');
});

test('a shifted input stream raises the drift of exactly the shifted features', async () => {
  const { url } = await start();
  await post(`${url}/predict`, { rows });
  let d = (await (await fetch(`${url}/drift`)).json()) as any;
  assert.equal(d.rows, rows.length);
  assert.deepEqual(d.drifted, []);
  const moved: Row[] = rows.map((r) => ({ ...r, 'Flipper Length (mm)': (r['Flipper Length (mm)'] as number) + 60 }));
  for (let k = 0; k < 3; k++) await post(`${url}/predict`, { rows: moved });
  d = (await (await fetch(`${url}/drift`)).json()) as any;
  assert.deepEqual(d.drifted, ['Flipper Length (mm)']);
  assert.ok(d.features['Flipper Length (mm)'].psi > 0.25);
  assert.ok(d.features['Flipper Length (mm)'].outOfRange > 0.5);
  for (const name of ['Beak Length (mm)', 'Beak Depth (mm)', 'Body Mass (g)', 'Island', 'Sex']) {
    assert.ok(d.features[name].psi < 0.1, `${name}: psi ${d.features[name].psi}`);
    assert.equal(d.features[name].outOfRange ?? 0, 0);
    assert.equal(d.features[name].unseen ?? 0, 0);
  }
  assert.ok(d.predictions.psi > 0.1, 'the predicted classes moved with the flippers');
});

test('feedback gives a real-world accuracy beside the test accuracy, persisted for the doctor', async () => {
  const { served, url } = await start();
  const sample = rows.slice(0, 40);
  const r = await post(`${url}/predict`, { rows: sample });
  const labels = r.json.predictions.map((p: Prediction, i: number) => ({ id: p.id, label: sample[i].Species }));
  labels.push({ id: 'no-such-prediction', label: 'Adelie' });
  const fb = await post(`${url}/feedback`, { labels });
  assert.equal(fb.status, 200);
  assert.equal(fb.json.accepted, 40);
  assert.deepEqual(fb.json.unknown, ['no-such-prediction']);
  const expected = r.json.predictions.filter((p: Prediction, i: number) => p.label === sample[i].Species).length / 40;
  assert.equal(fb.json.realWorld.metric, 'accuracy');
  assert.ok(Math.abs(fb.json.realWorld.value - expected) < 1e-12);
  const ledger = store.ledger().filter((e) => e.metricName === 'accuracy').at(-1)!;
  assert.equal(fb.json.realWorld.testValue, ledger.value);
  const d = (await (await fetch(`${url}/drift`)).json()) as any;
  assert.equal(d.realWorld.n, 40);
  await served.close();
  const summary = realWorldSummary(store);
  assert.ok(summary);
  assert.equal(summary.metric, 'accuracy');
  assert.ok(Math.abs(summary.value - expected) < 1e-12);
  assert.equal(summary.testValue, ledger.value);
  assert.ok(servedDrift(store).length >= 1);
});

test('regression: feedback gives a real-world rmse', async () => {
  const cars = trainModel(CARS, 'Miles_per_Gallon');
  const p = Predictor.load(cars.model);
  const s = openStore(cars.project);
  const served = createServer({ predictor: p, store: s });
  try {
    const url = await listen(served);
    const sample = completeRows(CARS, 'Miles_per_Gallon').filter((r) => r.Miles_per_Gallon !== null).slice(0, 30);
    const r = await post(`${url}/predict`, { rows: sample });
    assert.equal(r.status, 200);
    const values = r.json.predictions.map((x: Prediction) => x.value as number);
    assert.ok(values.every(Number.isFinite));
    const fb = await post(`${url}/feedback`, { labels: r.json.predictions.map((x: Prediction, i: number) => ({ id: x.id, label: sample[i].Miles_per_Gallon })) });
    assert.equal(fb.status, 200, JSON.stringify(fb.json));
    const rmse = Math.sqrt(values.reduce((acc: number, v: number, i: number) => acc + (v - (sample[i].Miles_per_Gallon as number)) ** 2, 0) / values.length);
    assert.equal(fb.json.realWorld.metric, 'rmse');
    assert.ok(Math.abs(fb.json.realWorld.value - rmse) < 1e-6 * rmse);
    assert.equal(fb.json.realWorld.testValue, null, 'never tested');
  } finally {
    await served.close();
    p.dispose();
    s.close();
    rmSync(dirname(cars.project), { recursive: true, force: true });
  }
});

test('SIGTERM drains in-flight requests, then the process exits cleanly', async () => {
  const child = spawn(process.execPath, [cli, 'serve', '--model', model, '--project', project, '--port', '0', '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    const { url } = JSON.parse(line);
    // Half the body goes out before SIGTERM: the request is surely in flight when the signal lands.
    const body = Buffer.from(JSON.stringify({ rows: Array.from({ length: 2000 }, (_, i) => rows[i % rows.length]) }));
    const req = request(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c) => (text += c)).on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
    });
    req.write(body.subarray(0, body.length >> 1));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    req.end(body.subarray(body.length >> 1));
    const res = await response;
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.text).predictions.length, 2000);
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
