// The study stores behind parallel search, SQLite and a real PostgreSQL server
// alike: claims from concurrent processes never share a trial number and stop
// at the budget; a trial without heartbeats is failed and its place in the
// budget goes to the next number; a late result of a failed trial is refused.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, type Store } from '../../src/store/index.js';
import { SqliteStudyStore } from '../../src/store/sqlite_study.js';
import { PostgresStudyStore } from '../../src/store/postgres.js';
import type { StudyStore } from '../../src/store/study.js';
import { dropSchemas, testPg, uniqueName, withSchema } from './pg_helper.js';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'study_worker.js');
const pgTest = await testPg();
const schemas: string[] = [];
const dirs: string[] = [];
const projects: Store[] = [];
after(async () => {
  for (const p of projects) p.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  if (pgTest.url) await dropSchemas(pgTest.url, schemas);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Backend {
  name: string;
  skip?: string;
  /** A fresh, empty place for studies; what study_worker.js takes as <store>. */
  fresh(): string;
  open(where: string): Promise<StudyStore>;
}

const sqlite: Backend = {
  name: 'SQLite',
  fresh() {
    const d = mkdtempSync(join(tmpdir(), 'sixstep-study-'));
    dirs.push(d);
    return `sqlite:${join(d, 'project')}`;
  },
  async open(where) {
    const p = openStore(where.slice('sqlite:'.length));
    projects.push(p);
    return new SqliteStudyStore(p);
  },
};

const postgres: Backend = {
  name: 'PostgreSQL',
  skip: pgTest.skip,
  fresh() {
    const schema = uniqueName('test_study');
    schemas.push(schema);
    return withSchema(pgTest.url ?? '', schema);
  },
  open: (where) => PostgresStudyStore.connect(where),
};

function requirePg(b: Backend): void {
  if (b === postgres && pgTest.error) assert.fail(pgTest.error);
}

/** Runs study_worker.js in `n` processes started together; resolves with the trial numbers each got. */
async function claimInProcesses(n: number, where: string, study: string, budget: number): Promise<number[][]> {
  const workers = Array.from({ length: n }, () => {
    const child = spawn(process.execPath, [WORKER, where, study, String(budget)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => out.startsWith('ready\n') && resolve());
      child.on('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready: ${err}`)));
    });
    const done = new Promise<number[]>((resolve, reject) =>
      child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.split('\n')[1])) : reject(new Error(`worker exited with ${code}: ${err}`)))),
    );
    return { child, ready, done };
  });
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.child.stdin.end('go\n');
  return Promise.all(workers.map((w) => w.done));
}

for (const b of [sqlite, postgres]) {
  describe(`study store: ${b.name}`, { skip: b.skip }, () => {
    it('concurrent processes claim distinct trial numbers, exactly the budget', async () => {
      requirePg(b);
      const where = b.fresh();
      const got = await claimInProcesses(4, where, 'race', 30);
      const all = got.flat().sort((x, y) => x - y);
      assert.deepEqual(all, Array.from({ length: 30 }, (_, i) => i), 'each number once, none past the budget');
      assert.ok(got.filter((g) => g.length > 0).length >= 2, `several processes got trials: ${JSON.stringify(got.map((g) => g.length))}`);
      const store = await b.open(where);
      try {
        const trials = await store.trials('race');
        assert.equal(trials.length, 30);
        assert.ok(trials.every((t) => t.state === 'complete' && t.value === t.number / 100 && (t.params as any).n === t.number));
        assert.deepEqual(trials[7].curve, [7]);
        assert.equal((await store.best('race'))!.number, 0);
        assert.equal(await store.claim('race', { budget: 30, params: () => ({}) }), null, 'budget used up');
      } finally {
        await store.close();
      }
    });

    it('concurrent connections in one process claim distinct numbers', async () => {
      requirePg(b);
      const where = b.fresh();
      const stores = await Promise.all(Array.from({ length: 3 }, () => b.open(where)));
      try {
        const claims = await Promise.all(Array.from({ length: 24 }, (_, i) => stores[i % 3].claim('conn', { budget: 20, params: (n) => ({ n }) })));
        const numbers = claims.filter((t) => t !== null).map((t) => t!.number).sort((x, y) => x - y);
        assert.deepEqual(numbers, Array.from({ length: 20 }, (_, i) => i));
        assert.equal(claims.filter((t) => t === null).length, 4, 'running trials count against the budget');
      } finally {
        for (const s of stores) await s.close();
      }
    });

    it('a trial without heartbeats is failed after the grace period; its budget goes to the next number', async () => {
      requirePg(b);
      const store = await b.open(b.fresh());
      try {
        const claim = () => store.claim('stale', { budget: 3, params: (n) => ({ lr: n / 10 }) });
        const [t0, t1, t2] = [await claim(), await claim(), await claim()];
        assert.deepEqual([t0!.number, t1!.number, t2!.number], [0, 1, 2]);
        assert.equal(t2!.state, 'running');
        assert.equal(await claim(), null, 'three running trials take the budget of three');
        await sleep(700);
        assert.equal(await store.heartbeat('stale', 0), true);
        assert.equal(await store.finish('stale', 1, { state: 'complete', value: 0.5, curve: [0.9, 0.5] }), true);
        assert.deepEqual(await store.failStale('stale', 400), [2], 'only the silent running trial');
        assert.deepEqual(await store.failStale('stale', 400), [], 'failing is done once');
        // Its worker comes back too late: no heartbeat, no result.
        assert.equal(await store.heartbeat('stale', 2), false);
        assert.equal(await store.finish('stale', 2, { state: 'complete', value: 0.1 }), false);
        const t3 = await claim();
        assert.equal(t3!.number, 3, 'the failed trial gave its place to trial 3');
        assert.deepEqual(t3!.params, { lr: 0.3 });
        assert.equal(await claim(), null);
        const trials = await store.trials('stale');
        assert.deepEqual(trials.map((t) => t.state), ['running', 'complete', 'failed', 'running']);
        assert.equal(trials[2].value, null);
        assert.ok(trials[2].endedAt! >= trials[2].createdAt);
        assert.deepEqual(trials[1].curve, [0.9, 0.5]);
        assert.equal((await store.best('stale'))!.number, 1);
      } finally {
        await store.close();
      }
    });

    it('keeps params, value and curve exactly, and picks the best by value', async () => {
      requirePg(b);
      const store = await b.open(b.fresh());
      try {
        const values = [0.1 + 0.2, 1 / 3, Math.PI / 10];
        for (const v of values) {
          const t = await store.claim('exact', { budget: 10, params: (n) => ({ n, learningRate: v * 1e-3, hidden: 17 }) });
          await store.finish('exact', t!.number, { state: 'complete', value: v, curve: [v * 2, v, NaN].slice(0, 2) });
        }
        const pruned = await store.claim('exact', { budget: 10, params: () => ({}) });
        await store.finish('exact', pruned!.number, { state: 'pruned', value: 0.01, curve: [0.01] });
        const trials = await store.trials('exact');
        assert.deepEqual(trials.slice(0, 3).map((t) => t.value), values);
        assert.deepEqual(trials[1].params, { n: 1, learningRate: values[1] * 1e-3, hidden: 17 });
        assert.deepEqual(trials[2].curve, [values[2] * 2, values[2]]);
        assert.equal((await store.best('exact'))!.number, 0, 'the lowest complete value; a pruned trial never wins');
      } finally {
        await store.close();
      }
    });
  });
}

describe('study store: PostgreSQL schema', { skip: pgTest.skip }, () => {
  it('is created once however many workers connect at the same moment', async () => {
    if (pgTest.error) assert.fail(pgTest.error);
    const where = postgres.fresh();
    const connects = await Promise.allSettled(Array.from({ length: 6 }, () => PostgresStudyStore.connect(where)));
    const stores = connects.flatMap((c) => (c.status === 'fulfilled' ? [c.value] : []));
    try {
      for (const c of connects) if (c.status === 'rejected') throw c.reason;
      const t = await stores[5].claim('s', { budget: 1, params: () => ({ a: 1 }) });
      assert.equal(t!.number, 0);
      assert.equal((await stores[0].trials('s')).length, 1, 'all share one table');
    } finally {
      for (const s of stores) await s.close();
    }
    const again = await PostgresStudyStore.connect(where);
    try {
      assert.equal((await again.trials('s')).length, 1, 'connecting again keeps the trials');
    } finally {
      await again.close();
    }
  });

  it('says which server it cannot reach, without the password', async () => {
    await assert.rejects(PostgresStudyStore.connect('postgres://sixstep:secret@127.0.0.1:1/nothing'), (e: Error) => {
      assert.match(e.message, /PostgreSQL study store at postgres:\/\/sixstep:\*\*\*@127\.0\.0\.1:1\/nothing/);
      assert.doesNotMatch(e.message, /secret/);
      return true;
    });
  });
});
