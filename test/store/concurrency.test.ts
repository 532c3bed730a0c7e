// Several processes on one project database: parallel writers lose nothing,
// and a writer killed inside a transaction leaves none of it behind.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src/store/index.js';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'worker.js');
const dirs: string[] = [];
const children: ChildProcess[] = [];
after(() => {
  // A failed assertion must not leave a worker holding its transaction open.
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sixstep-store-'));
  dirs.push(d);
  return join(d, 'project');
}

function start(args: string[]): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [WORKER, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (err += b));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(`worker ${args.join(' ')} failed:\n${err}`);
      resolve(code);
    }),
  );
  return { child, out: () => out, exited };
}

/** Resolves once the worker has printed a full line; rejects if it exits first. */
function untilLine(w: ReturnType<typeof start>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (w.out().includes('\n')) return resolve();
    w.child.stdout!.on('data', () => w.out().includes('\n') && resolve());
    w.exited.then((code) => reject(new Error(`worker exited (${code}) before printing a line`)));
  });
}

describe('store: concurrent processes', () => {
  it('8 processes × 1000 step rows into a fresh project → 8000 rows, integrity ok', async () => {
    const dir = tempDir();
    // All eight also create the database and run the migrations at the same moment.
    const workers = Array.from({ length: 8 }, (_, w) => start(['write', dir, String(w), '1000']));
    // Then all start writing together, so their transactions really contend for the lock.
    await Promise.all(workers.map((w) => untilLine(w)));
    for (const w of workers) w.child.stdin!.end('go\n');
    const codes = await Promise.all(workers.map((w) => w.exited));
    assert.deepEqual(codes, Array(8).fill(0));
    for (const w of workers) assert.equal(w.out(), 'ready\ndone\n');

    const store = openStore(dir);
    try {
      assert.equal(store.integrityCheck(), 'ok');
      const { n } = store.connection.prepare('SELECT count(*) AS n FROM step_metrics').get() as { n: number };
      assert.equal(n, 8000);
      const runs = store.listRuns({ kind: 'trial' });
      assert.equal(runs.length, 8);
      for (const r of runs) {
        assert.equal(r.status, 'finished');
        assert.equal(store.stepCount(r.id), 1000);
        assert.equal(store.epochSeries(r.id).length, 10);
      }
      // claimTrial under the write lock: eight distinct numbers 0..7.
      const trials = store.trialsOf('concurrent');
      assert.deepEqual(trials.map((t) => t.trialNumber), [0, 1, 2, 3, 4, 5, 6, 7]);
      assert.ok(trials.every((t) => t.state === 'complete' && t.runId !== null));
      assert.equal(store.bestTrial('concurrent')!.value, 0);
      // The workers' write phases overlapped in time, i.e. they really contended.
      const overlapping = trials.filter((t) => trials.some((u) => u !== t && u.createdAt < t.endedAt! && t.createdAt < u.endedAt!));
      assert.ok(overlapping.length >= 2, 'at least two workers wrote at the same time');
      assert.equal(store.listProjects().length, 1);
    } finally {
      store.close();
    }
  });

  it('a writer SIGKILLed inside a transaction leaves no partial rows', async () => {
    const dir = tempDir();
    const w = start(['hold', dir, '100', '5000']);
    await untilLine(w);
    assert.match(w.out(), /^holding \d+/);
    const walBytes = Number(w.out().split(/\s+/)[1]);
    assert.ok(walBytes > 100_000, `uncommitted pages were spilled into the WAL (${walBytes} bytes)`);
    w.child.kill('SIGKILL');
    assert.equal(await w.exited, null);

    const store = openStore(dir);
    try {
      assert.equal(store.integrityCheck(), 'ok');
      assert.equal(store.stepCount('held'), 100);
      const run = store.getRun('held')!;
      assert.equal(run.status, 'running');
      assert.equal(run.summary, null);
      // The dead writer's lock is gone: a new write goes through at once.
      const t0 = Date.now();
      store.logStep('held', { step: 100, epoch: 0, loss: 1, lrs: [0.1] });
      assert.ok(Date.now() - t0 < 1000);
      assert.equal(store.stepCount('held'), 101);
      // Its heartbeat stopped, so it is found and marked interrupted.
      assert.deepEqual(store.interruptStaleRuns(60_000, Date.now() + 120_000), ['held']);
      assert.equal(store.getRun('held')!.status, 'interrupted');
    } finally {
      store.close();
    }
  });
});
