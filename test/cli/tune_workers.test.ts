// `sixstep tune --workers n`, on the project's SQLite store and on a real
// PostgreSQL server: the same trials as one worker (trial n's params come from
// (seed, n), its training from seed + n on one thread), and a worker killed
// with SIGKILL mid-trial loses only that trial, whose budget a survivor runs.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, type Store } from '../../src/store/index.js';
import { SqliteStudyStore } from '../../src/store/sqlite_study.js';
import { PostgresStudyStore } from '../../src/store/postgres.js';
import type { StudyStore } from '../../src/store/study.js';
import { dropSchemas, testPg, uniqueName, withSchema } from '../store/pg_helper.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const penguins = join(root, 'data', 'penguins.json');
const pgTest = await testPg();
const cwd = mkdtempSync(join(tmpdir(), 'sixstep-tune-'));
const schemas: string[] = [];
after(async () => {
  rmSync(cwd, { recursive: true, force: true });
  if (pgTest.url) await dropSchemas(pgTest.url, schemas);
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  json(): any;
}

/** Runs the CLI; `whileRunning` gets its pid while it runs. One thread per process, so trials repeat bit for bit. */
function sixstep(args: string[], whileRunning?: (pid: number) => Promise<void>): Promise<Result> {
  const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, SIXSTEP_THREADS: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b) => (stdout += b));
  child.stderr.on('data', (b) => (stderr += b));
  const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return (async () => {
    await whileRunning?.(child.pid!);
    const code = await exited;
    clearTimeout(timer);
    return { code, stdout, stderr, json: () => JSON.parse(stdout) };
  })();
}

const common = (project: string) => ['tune', '--data', penguins, '--target', 'Species', '--project', project, '--seed', '3', '--json'];
/** No trial is pruned (warmup = epochs): the content then depends on nothing but the seed. */
const unpruned = ['--trials', '8', '--epochs', '80', '--warmup', '80'];
/** What must match between searches: number, params, state, value and curve of every trial. */
const content = (j: any) => j.trials.map((t: any) => ({ number: t.number, params: t.params, state: t.state, value: t.value, curve: t.curve }));

const sqliteStore = { name: 'SQLite', skip: undefined as string | undefined, args: (): string[] => [] };
const pgStore = {
  name: 'PostgreSQL',
  skip: pgTest.skip,
  args(): string[] {
    if (pgTest.error) assert.fail(pgTest.error);
    const schema = uniqueName('test_tune');
    schemas.push(schema);
    return ['--store', withSchema(pgTest.url!, schema)];
  },
};

let single: any;
async function singleWorker(): Promise<any> {
  if (!single) {
    const r = await sixstep([...common('proj-single'), ...unpruned, '--study', 'single', '--workers', '1']);
    assert.equal(r.code, 0, r.stderr);
    single = r.json();
    assert.equal(single.trials.length, 8);
    assert.ok(single.trials.every((t: any) => t.state === 'complete' && Number.isFinite(t.value)), 'no trial pruned or failed');
  }
  return single;
}

/** Opens the study the way a worker does, once the project exists. */
async function openStudy(project: string, storeArgs: string[]): Promise<{ study: StudyStore; close(): Promise<void> }> {
  if (storeArgs.length) {
    const study = await PostgresStudyStore.connect(storeArgs[1]);
    return { study, close: () => study.close() };
  }
  while (!existsSync(join(cwd, project, 'sixstep.db'))) await new Promise((r) => setTimeout(r, 50));
  const p: Store = openStore(join(cwd, project));
  const study = new SqliteStudyStore(p);
  return { study, close: async () => p.close() };
}

for (const s of [sqliteStore, pgStore]) {
  describe(`tune --workers on ${s.name}`, { skip: s.skip }, () => {
    it('two workers give the same trials as one: number, params, state, value and curve', async () => {
      const storeArgs = s.args();
      const expected = await singleWorker();
      const r = await sixstep([...common(`proj-two-${s.name}`), ...unpruned, '--study', uniqueName('two'), '--workers', '2', ...storeArgs]);
      assert.equal(r.code, 0, r.stderr);
      const j = r.json();
      assert.equal(j.store, storeArgs.length ? 'postgres' : 'sqlite');
      assert.deepEqual(content(j), content(expected), 'bit-for-bit the same trials');
      assert.equal(new Set(j.trials.map((t: any) => t.claimedBy)).size, 2, 'both workers ran trials');
      assert.deepEqual(j.workers.map((w: any) => w.code), [0, 0]);
      assert.equal(j.best.number, expected.best.number);
      assert.match(r.stderr, /\[worker 0\] trial +\d+ complete/);
      assert.match(r.stderr, /\[worker 1\] trial +\d+ complete/);
    });

    it('a worker killed mid-trial: its trial is failed after the grace period and the study completes', async () => {
      const storeArgs = s.args();
      const project = `proj-kill-${s.name}`;
      const study = uniqueName('kill');
      let killed: { pid: number; trial: number } | undefined;
      const r = await sixstep([...common(project), '--trials', '4', '--epochs', '400', '--warmup', '400', '--grace', '2', '--study', study, '--workers', '2', ...storeArgs], async (parent) => {
        const { study: store, close } = await openStudy(project, storeArgs);
        try {
          // A trial that has started training: running, with its run.
          for (let i = 0; i < 1200 && !killed; i++) {
            const t = (await store.trials(study)).find((x) => x.state === 'running' && x.runId);
            if (t) {
              await new Promise((res) => setTimeout(res, 200));
              killed = { pid: Number(t.claimedBy!.split(':').pop()), trial: t.number };
            } else await new Promise((res) => setTimeout(res, 50));
          }
          assert.ok(killed, 'a trial started');
          assert.notEqual(killed.pid, parent, 'a worker, not the parent');
          process.kill(killed.pid, 'SIGKILL');
        } finally {
          await close();
        }
      });
      assert.equal(r.code, 0, r.stderr);
      const j = r.json();
      const byNumber = new Map(j.trials.map((t: any) => [t.number, t]));
      assert.equal((byNumber.get(killed!.trial) as any).state, 'failed', 'the killed worker’s trial');
      const kept = j.trials.filter((t: any) => t.state !== 'failed');
      assert.equal(kept.length, 4, 'the full budget of trials that did not fail');
      assert.ok(kept.every((t: any) => t.state === 'complete' && Number.isFinite(t.value)));
      assert.deepEqual(j.trials.map((t: any) => t.number), [0, 1, 2, 3, 4], 'the failed trial’s budget went to trial 4');
      const lost = j.workers.filter((w: any) => w.failed);
      assert.deepEqual(lost.map((w: any) => [w.pid, w.signal]), [[killed!.pid, 'SIGKILL']]);
      assert.match(r.stderr, new RegExp(`warning: worker \\d \\(pid ${killed!.pid}\\) was killed by SIGKILL; its trial ${killed!.trial} was marked failed`));
      assert.match(r.stderr, new RegExp(`trial ${killed!.trial}: no heartbeat for 2 s, marked failed`));
    });
  });
}

describe('tune --workers: failures', () => {
  it('all workers failing is an error that says so', async () => {
    // An optimizer that does not exist makes every trial fail, so every worker gives up.
    const r = await sixstep([...common('proj-fail'), '--trials', '3', '--epochs', '2', '--workers', '2', '--optimizer', 'nope']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /all 2 search workers failed \(worker 0 \(pid \d+\) exited with code 1; worker 1 \(pid \d+\) exited with code 1\)/);
    assert.match(r.stderr, /\[worker \d\] error: 3 trials in a row failed/);
  });
});
