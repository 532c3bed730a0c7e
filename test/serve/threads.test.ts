// Serving's threads dying under it. The ONNX Runtime worker killed during a
// run: the requests in that run get 503 naming the cause at once, the worker
// is restarted and later requests are answered; one that hangs past its run
// timeout is stopped the same way; after repeated deaths the engine gives up
// (503 at once for large requests, small ones still inline). The records
// thread killed, or unable to start: nothing waits out its timeout, records
// fall back to the main thread with a warning (what it had not committed
// included), and shutdown still saves the drift report.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { OnnxEngine, Predictor, ServeRecords, ServeFault, createServer, listen, type CheckedRows } from '../../src/serve/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { PENGUINS, completeRows, trainModel } from './helpers.js';

let trained: { project: string; model: string };
let predictor: Predictor;
let store: Store;
const rows = completeRows(PENGUINS, 'Species');
/** 2,000 rows: always a worker run. */
const big = () => predictor.check(Array.from({ length: 2000 }, (_, i) => rows[i % rows.length]));

before(() => {
  trained = trainModel(PENGUINS, 'Species');
  predictor = Predictor.load(trained.model);
  store = openStore(trained.project);
});

after(() => {
  predictor.dispose();
  store.close();
  rmSync(dirname(trained.project), { recursive: true, force: true });
});

/** stderr lines written while `fn` runs. */
async function capture<T>(fn: () => Promise<T> | T): Promise<{ value: T; lines: string }> {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    return { value: await fn(), lines: lines.join('') };
  } finally {
    process.stderr.write = write;
  }
}

const internals = (e: OnnxEngine) => e as unknown as { worker: Worker; inFlight: unknown; restarting: Promise<void> | null };

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setImmediate(r));
  }
}

test('the ONNX Runtime worker killed mid-run: 503 naming the cause at once, the worker restarted, the next request answered', async () => {
  const engine = await OnnxEngine.start(predictor, { inlineMs: 0 });
  const served = createServer({ predictor, store, engine, driftSaveMs: 0, maxRows: 5000 });
  const url = await listen(served);
  try {
    const { value: r, lines } = await capture(async () => {
      // The job is handed over but never reaches the thread, which then ends: a death with a run in flight
      // (ending it inside an ONNX Runtime run would abort this very process, whoever ended it).
      const worker = internals(engine).worker;
      worker.postMessage = () => undefined;
      const pending = fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: big() }) });
      await until(() => internals(engine).inFlight !== null);
      const t0 = performance.now();
      await worker.terminate();
      const res = await pending;
      return { status: res.status, json: (await res.json()) as { problem: string; error: string }, ms: performance.now() - t0 };
    });
    assert.equal(r.status, 503);
    assert.equal(r.json.problem, 'onnx-worker-stopped');
    assert.match(r.json.error, /worker thread stopped during this request \(exit code \d+\)/);
    assert.ok(r.ms < 2000, `answered in ${r.ms.toFixed(0)} ms`);
    assert.match(lines, /the ONNX Runtime worker stopped .*restarting it/);
    await until(() => internals(engine).restarting === null);
    const again = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: big() }) });
    assert.equal(again.status, 200);
    const answers = ((await again.json()) as { predictions: Array<{ label: string }> }).predictions;
    assert.deepEqual(answers.slice(0, 5).map((p) => p.label), predictor.predictChecked(predictor.check(rows.slice(0, 5))).map((p) => p.label));
  } finally {
    await served.close();
    await engine.close();
  }
});

test('a run past its timeout replaces the worker (503); after repeated deaths large requests get 503 at once while small ones run inline', async () => {
  const engine = await OnnxEngine.start(predictor, { runTimeoutMs: 100 });
  try {
    const { lines } = await capture(async () => {
      const problems: string[] = [];
      for (let i = 0; i < 8; i++) {
        await until(() => internals(engine).restarting === null);
        // Each worker takes its job and never answers: a hung run.
        internals(engine).worker.postMessage = () => undefined;
        try {
          await engine.predict(big());
          problems.push('answered');
        } catch (e) {
          assert.ok(e instanceof ServeFault && e.status === 503, String(e));
          problems.push(e.problem);
        }
      }
      assert.ok(problems.includes('onnx-worker-stopped'), problems.join());
      assert.equal(problems.at(-1), 'onnx-worker-down', problems.join());
    });
    assert.match(lines, /took over 100 ms/);
    assert.match(lines, /giving up on the ONNX Runtime worker/);
    if (engine.inlineRows > 0) {
      const small = await engine.predict(predictor.check(rows.slice(0, 1)) as CheckedRows);
      assert.equal(small.length, 1);
    }
  } finally {
    await engine.close();
  }
});

const count = (s: Store, key: string) => (s.connection.prepare('SELECT COUNT(*) AS n FROM serve_predictions WHERE model_key = ?').get(key) as { n: number }).n;
const model = (key: string) => ({ key, dir: '/m', task: 'multiclass', metric: 'accuracy' as const, testValue: null });

test('the records thread killed: no call waits out its timeout, its uncommitted batches and later ones are written here, with a warning', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-records-'));
  const s = openStore(dir);
  try {
    const rec = new ServeRecords(s, model('killed'), { offThread: true, flushMs: 10_000 });
    const writer = (rec as unknown as { writer: { worker: Worker } }).writer.worker;
    const { lines } = await capture(async () => {
      rec.record(Array.from({ length: 50 }, (_, i) => ({ id: `a${i}`, label: 'x' })));
      await writer.terminate();
      rec.record(Array.from({ length: 50 }, (_, i) => ({ id: `b${i}`, label: 'y' })));
      const t0 = performance.now();
      const fb = rec.feedback([{ id: 'a0', label: 'x' }, { id: 'b49', label: 'x' }]);
      assert.ok(performance.now() - t0 < 1000, 'feedback did not wait for a dead thread');
      assert.deepEqual(fb, { accepted: 2, unknown: [] });
      rec.saveDrift({ rows: 100 } as never);
      rec.close();
    });
    assert.match(lines, /warning: serve records: the writer thread stopped/);
    assert.equal(count(s, 'killed'), 100);
    assert.equal(JSON.parse((s.connection.prepare('SELECT report FROM serve_drift WHERE model_key = ?').get('killed') as { report: string }).report).rows, 100);
  } finally {
    s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a records thread that cannot open the store falls back at once; a batch handed to it before it died is not lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-records-'));
  const s = openStore(dir);
  try {
    // The thread opens a file that is a folder: it reports why and ends.
    const broken = new Proxy(s, { get: (t, k) => (k === 'file' ? dir : Reflect.get(t, k, t)) });
    const { lines } = await capture(async () => {
      const rec = new ServeRecords(broken, model('unopened'), { offThread: true, flushRows: 10 });
      rec.record(Array.from({ length: 20 }, (_, i) => ({ id: `c${i}`, label: 'x' })));
      await new Promise((r) => setTimeout(r, 50)); // the 10-row trigger hands them to the thread
      const t0 = performance.now();
      rec.flush();
      assert.ok(performance.now() - t0 < 2000, `flush took ${(performance.now() - t0).toFixed(0)} ms`);
      rec.close();
    });
    assert.match(lines, /writer thread stopped \(.*could not open/);
    assert.equal(count(s, 'unopened'), 20);
  } finally {
    s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a server whose records thread died still answers feedback and saves its drift report at shutdown', async () => {
  const served = createServer({ predictor, store, driftSaveMs: 60_000 });
  const url = await listen(served);
  const writer = (served.records as unknown as { writer: { worker: Worker } }).writer.worker;
  const { lines } = await capture(async () => {
    const r = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: rows.slice(0, 3) }) });
    const ids = ((await r.json()) as { predictions: Array<{ id: string }> }).predictions.map((p) => p.id);
    await writer.terminate();
    const fb = await fetch(`${url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ labels: [{ id: ids[0], label: 'Adelie' }] }) });
    assert.equal(fb.status, 200);
    assert.equal(((await fb.json()) as { accepted: number }).accepted, 1);
    await served.close();
  });
  assert.match(lines, /writer thread stopped/);
  const saved = store.connection.prepare('SELECT report FROM serve_drift WHERE model_key = ?').get(predictor.modelKey) as { report: string } | undefined;
  assert.ok(saved, 'the drift report was saved at shutdown');
  assert.ok(JSON.parse(saved!.report).rows >= 3);
});
