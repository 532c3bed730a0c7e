// Serving with ONNX Runtime: OnnxEngine runs small requests inline on the
// event loop (up to the rows measured at start-up to fit its budget) and
// larger ones on a worker thread. Its predictions match the libtorch path on
// the same rows by either route (same preprocessing, same output rules;
// probabilities within 1e-5, the same labels), requests joined under load get
// the same answers as alone, and /health and single-row predictions are
// answered while a 10 000-row batch is being predicted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { rmSync } from 'node:fs';
import { OnnxEngine, Predictor, createServer, listen, type CheckedRows, type Prediction, type Served } from '../../src/serve/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { liveTensors, manualSeed } from '../../src/tensor/index.js';
import { TabularNet, type TabularNetOptions } from '../../src/models/index.js';
import { featureBlocks } from '../../src/data/prepare.js';
import { inputLayout } from '../../src/data/model_input.js';
import { inferSchema, Preprocessor, tableFromRows, type Row } from '../../src/data/index.js';
import { saveModelDir } from '../../src/artifact/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CARS, PENGUINS, completeRows, maxDiff, readRows, trainModel } from './helpers.js';

let penguins: { project: string; model: string };
let cars: { project: string; model: string };
let baseline: number;

before(() => {
  penguins = trainModel(PENGUINS, 'Species');
  cars = trainModel(CARS, 'Miles_per_Gallon');
  baseline = liveTensors();
});

after(() => {
  assert.equal(liveTensors(), baseline, 'models and exports released their tensors');
  for (const m of [penguins, cars]) rmSync(dirname(m.project), { recursive: true, force: true });
});

const probs = (ps: Prediction[]): number[] => ps.flatMap((p) => Object.values(p.probabilities!));

test('classification: the same labels and probabilities (within 1e-5) as the libtorch path, rows with gaps included', async () => {
  const predictor = Predictor.load(penguins.model);
  const engine = await OnnxEngine.start(predictor);
  try {
    const rows = readRows(PENGUINS).map(({ Species: _, ...r }) => r);
    const checked = predictor.check(rows);
    const local = predictor.predictChecked(checked);
    const remote = await engine.predict(checked);
    assert.equal(remote.length, rows.length);
    assert.deepEqual(remote.map((p) => p.label), local.map((p) => p.label));
    const d = maxDiff(probs(remote), probs(local));
    assert.ok(d <= 1e-5, `max |diff| ${d}`);
    assert.ok(new Set(remote.map((p) => p.id)).size === rows.length, 'every prediction has its own id');
  } finally {
    await engine.close();
    predictor.dispose();
  }
});

test('regression: the value in target units within 1e-5 (relative) of the libtorch path', async () => {
  const predictor = Predictor.load(cars.model);
  const engine = await OnnxEngine.start(predictor);
  try {
    const rows = completeRows(CARS, 'Miles_per_Gallon').map(({ Miles_per_Gallon: _, ...r }) => r);
    const checked = predictor.check(rows);
    const local = predictor.predictChecked(checked).map((p) => p.value!);
    const remote = (await engine.predict(checked)).map((p) => p.value!);
    const d = maxDiff(remote, local);
    assert.ok(d <= 1e-5 * Math.max(1, ...local.map(Math.abs)), `max |diff| ${d}`);
  } finally {
    await engine.close();
    predictor.dispose();
  }
});

for (const route of ['worker', 'inline'] as const) {
test(`concurrent requests, joined (${route === 'worker' ? 'while a worker run is in flight' : 'within one event-loop turn, inline'}), get the answers they get alone`, async () => {
  const predictor = Predictor.load(penguins.model);
  // inlineMs 0: every request goes to the worker, where concurrent ones are joined.
  const engine = await OnnxEngine.start(predictor, route === 'worker' ? { maxRows: 50, inlineMs: 0 } : {});
  assert.ok(route === 'worker' ? engine.inlineRows === 0 : engine.inlineRows >= 4);
  try {
    const rows = completeRows(PENGUINS, 'Species').map(({ Species: _, ...r }) => r);
    const requests = Array.from({ length: 40 }, (_, i) => predictor.check(rows.slice(i * 3, i * 3 + 1 + (i % 4))));
    const together = await Promise.all(requests.map((r) => engine.predict(r)));
    for (let i = 0; i < requests.length; i++) {
      const alone = predictor.predictChecked(requests[i]);
      assert.equal(together[i].length, requests[i].length);
      assert.deepEqual(together[i].map((p) => p.label), alone.map((p) => p.label));
      assert.ok(maxDiff(probs(together[i]), probs(alone)) <= 1e-5);
    }
    assert.deepEqual(await engine.predict([] as unknown as CheckedRows), []);
  } finally {
    await engine.close();
    predictor.dispose();
  }
});
}

test('small requests run inline (the limit measured at start-up), with the answers of the worker and of libtorch', async () => {
  const predictor = Predictor.load(penguins.model);
  const engine = await OnnxEngine.start(predictor);
  const worker = await OnnxEngine.start(predictor, { inlineMs: 0 });
  try {
    // A few-layer table network runs a row in tens of microseconds: well inside the 0.25 ms default.
    assert.ok(engine.inlineRows >= 1, `inlineRows ${engine.inlineRows}`);
    const rows = readRows(PENGUINS).map(({ Species: _, ...r }) => r);
    for (let i = 0; i < rows.length; i += 37) {
      const one = predictor.check(rows.slice(i, i + Math.min(engine.inlineRows, 1 + (i % 5))));
      const inline = await engine.predict(one);
      const viaWorker = await worker.predict(one);
      const local = predictor.predictChecked(one);
      assert.deepEqual(inline.map((p) => p.label), local.map((p) => p.label));
      assert.deepEqual(viaWorker.map((p) => p.label), local.map((p) => p.label));
      assert.ok(maxDiff(probs(inline), probs(local)) <= 1e-5);
      assert.ok(maxDiff(probs(inline), probs(viaWorker)) <= 1e-6, 'the same graph on both threads');
    }
  } finally {
    await engine.close();
    await worker.close();
    predictor.dispose();
  }
});

test('/health and single-row predictions are answered while a 10 000-row batch is being predicted', async (t) => {
  const predictor = Predictor.load(penguins.model);
  const engine = await OnnxEngine.start(predictor);
  const store: Store = openStore(penguins.project);
  let served: Served | undefined;
  try {
    served = createServer({ predictor, store, engine, bodyLimit: 16 << 20, maxRows: 10_000 });
    const url = await listen(served);
    const base = completeRows(PENGUINS, 'Species').map(({ Species: _, ...r }) => r);
    const rows = Array.from({ length: 10_000 }, (_, i) => base[i % base.length]);
    let done = false;
    const batch = fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows }) }).then(async (r) => {
      done = true;
      return { status: r.status, json: await r.json() };
    });
    const latencies: number[] = [];
    let small = 0;
    while (!done) {
      const t0 = performance.now();
      const h = await fetch(`${url}/health`);
      assert.equal(h.status, 200);
      await h.json();
      if (!done) latencies.push(performance.now() - t0);
      // A single-row prediction (inline) between the batch's slices.
      const p = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: [base[small % base.length]] }) });
      assert.equal(p.status, 200);
      assert.equal(((await p.json()) as { predictions: unknown[] }).predictions.length, 1);
      if (!done) small++;
    }
    const b = await batch;
    assert.equal(b.status, 200);
    assert.equal(b.json.predictions.length, 10_000);
    const sorted = [...latencies].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? Infinity;
    const worst = sorted[sorted.length - 1] ?? Infinity;
    t.diagnostic(`/health while the batch was in flight: ${latencies.length} answers (and ${small} single-row predictions), median ${median.toFixed(1)} ms, slowest ${worst.toFixed(1)} ms`);
    // The batch is worked in slices: /health keeps being answered, not once after the whole batch.
    // (The median, not the maximum: this 2-core machine is shared, and one descheduled slice says nothing about the design.)
    assert.ok(latencies.length >= 3, `only ${latencies.length} /health answers while the batch was in flight`);
    assert.ok(median < 200, `median /health latency while the batch was in flight: ${median.toFixed(1)} ms`);
    assert.ok(small >= 2, `only ${small} single-row predictions answered while the batch was in flight`);
  } finally {
    await served?.close();
    await engine.close();
    store.close();
    predictor.dispose();
  }
});

test('a mixed model (a number, an LSTM text and a bag text): input rows packed as the libtorch path packs them, the same predictions', async () => {
  const words = ['good', 'bad', 'fine', 'awful', 'plot', 'the', 'was'];
  const rows: Row[] = Array.from({ length: 30 }, (_, i) => {
    const text = Array.from({ length: 1 + (i % 6) }, (_, j) => words[(i * 3 + j * 5) % words.length]).join(' ');
    return { review: text, title: words[i % 3] + ' ' + words[(i + 2) % 7], stars: i % 5, mood: /good|fine/.test(text) ? 'pos' : /bad|awful/.test(text) ? 'neg' : 'neutral' };
  });
  const table = tableFromRows(rows, 'reviews.json');
  const schema = inferSchema(table, { target: 'mood', overrides: { review: 'text', title: 'text', stars: 'numeric' } });
  const pre = Preprocessor.fit(table, schema, { text: { maxLength: 6 } });
  const [review, title] = inputLayout(pre.toJSON()).texts;
  const options: TabularNetOptions = {
    blocks: featureBlocks(pre),
    texts: [
      { ...review, encoder: 'lstm', dim: 4, hidden: 3 },
      { ...title, encoder: 'bag', dim: 4, buckets: 16 },
    ],
    hidden: [5],
    outputs: pre.classes!.length,
  };
  manualSeed(9);
  const net = new TabularNet(options);
  net.eval();
  const scratch = mkdtempSync(join(tmpdir(), 'sixstep-engine-text-'));
  const dir = saveModelDir(join(scratch, 'model'), net, { architecture: { family: 'tabular', options }, preprocessing: { kind: 'sequence', schema, preprocessor: pre.toJSON() }, task: 'multiclass', classes: pre.classes, costFunction: 'test', metrics: {}, dataFingerprint: null });
  net.dispose();
  const predictor = Predictor.load(dir);
  const engine = await OnnxEngine.start(predictor);
  try {
    assert.equal(engine.inlineChoice.runner === 'javascript', false, 'a graph with text encoders is not run as a dense graph');
    const checked = predictor.check([...rows.map(({ mood: _, ...r }) => r), { review: null, title: '', stars: null }, { review: 'never seen words', title: 'plot twist', stars: 40 }]);
    const local = predictor.predictChecked(checked);
    const remote = await engine.predict(checked);
    assert.deepEqual(remote.map((p) => p.label), local.map((p) => p.label));
    assert.ok(maxDiff(probs(remote), probs(local)) <= 1e-5);
  } finally {
    await engine.close();
    predictor.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
});
