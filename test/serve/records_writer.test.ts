// Served predictions written on the records thread: they reach the store
// without the event loop writing them, and flush() (so feedback and the
// real-world metric) still sees every prediction recorded before it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';
import { ServeRecords } from '../../src/serve/records.js';

const count = (store: ReturnType<typeof openStore>) => (store.connection.prepare('SELECT COUNT(*) AS n FROM serve_predictions').get() as { n: number }).n;

test('predictions recorded off-thread reach the store within flushMs; feedback right after recording finds them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-records-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = openStore(dir);
  try {
    const rec = new ServeRecords(store, { key: 'k', dir: '/m', task: 'multiclass', metric: 'accuracy', testValue: 0.8 }, { offThread: true, flushMs: 20 });
    rec.record(Array.from({ length: 50 }, (_, i) => ({ id: `a${i}`, label: i % 2 ? 'x' : 'y' })));
    assert.equal(count(store), 0, 'nothing written on the caller’s turn');
    // The timer hands them to the writer thread; another connection sees the commit.
    const deadline = Date.now() + 5000;
    while (count(store) < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(count(store), 50);
    // Recorded then immediately given feedback: flush() waits for the writer, nothing is "unknown".
    rec.record(Array.from({ length: 3000 }, (_, i) => ({ id: `b${i}`, label: 'x' })));
    await new Promise((r) => setImmediate(r)); // the 2000-row trigger posts a batch to the thread
    rec.record([{ id: 'c0', label: 'y' }]);
    const fb = rec.feedback([{ id: 'b2999', label: 'x' }, { id: 'c0', label: 'x' }, { id: 'nope', label: 'x' }]);
    assert.deepEqual(fb, { accepted: 2, unknown: ['nope'] });
    assert.equal(count(store), 3051);
    assert.deepEqual({ ...rec.realWorld(), modelDir: '/m' }, { metric: 'accuracy', value: 0.5, testValue: 0.8, n: 2, modelDir: '/m' });
    // Drift reports go through the thread too, in order after the predictions.
    rec.saveDrift({ rows: 3051 } as never);
    rec.close();
    const saved = store.connection.prepare('SELECT report FROM serve_drift WHERE model_key = ?').get('k') as { report: string } | undefined;
    assert.equal(JSON.parse(saved!.report).rows, 3051);
  } finally {
    store.close();
  }
});

test('the records thread runs at the lowest priority (Linux), so its writes yield the CPU to the event loop', { skip: process.platform !== 'linux' && 'per-thread priorities are read from /proc' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-records-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const nice = () =>
    new Map(
      readdirSync('/proc/self/task').map((tid) => {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        return [tid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])] as const; // field 19: nice
      }),
    );
  const before = nice();
  const store = openStore(dir);
  try {
    const rec = new ServeRecords(store, { key: 'k', dir: '/m', task: 'multiclass', metric: 'accuracy', testValue: null }, { offThread: true, flushMs: 5 });
    // The thread lowers its own priority as it starts.
    const lowered = () => [...nice()].filter(([tid, n]) => !before.has(tid) && n === 19);
    const deadline = Date.now() + 5000;
    while (lowered().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(lowered().length >= 1, 'a new thread at nice 19');
    assert.equal(nice().get(String(process.pid)), getPriority(), 'the main thread keeps its priority');
    rec.close();
  } finally {
    store.close();
  }
});
