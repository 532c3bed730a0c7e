// `sixstep fit --nproc 2` end to end: ranks launched from the command line,
// rank 0 alone writes the run (with per-rank figures), a rank killed mid-run
// ends the run with a message naming it, `--resume` continues from rank 0's
// last checkpoint, and a rank that never arrives is reported after the timeout.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src/store/index.js';
import { ProcessGroup } from '../../src/distributed/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const penguins = join(root, 'data', 'penguins.json');
const skip = ProcessGroup.available() ? false : 'built without Gloo (apt-get install libgloo-dev, then npm run build:native)';

function sixstep(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

/** Pids of the processes whose parent is `ppid` and whose environment has RANK=<rank>. */
function rankPid(ppid: number, rank: number): number | null {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== ppid) continue;
      const env = readFileSync(`/proc/${d}/environ`, 'utf8').split('\0');
      if (env.includes(`RANK=${rank}`)) return Number(d);
    } catch {
      /* gone */
    }
  }
  return null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sixstep fit --nproc', { skip }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'sixstep-ddp-cli-'));
  const common = ['--data', penguins, '--target', 'Species', '--project', 'proj'];

  it('trains on 2 ranks; rank 0 writes one run with both ranks\' figures', () => {
    const r = sixstep(['fit', ...common, '--nproc', '2', '--epochs', '6', '--json'], cwd);
    assert.equal(r.code, 0, r.stderr);
    const j = r.json();
    assert.equal(j.parallel.worldSize, 2);
    assert.equal(j.epochs, 6);
    assert.ok(j.metrics.validation.accuracy > 0.9, JSON.stringify(j.metrics));
    assert.match(r.stderr, /epoch 6: \d+ samples\/s over 2 ranks \(rank 0 \d+\/s, \d+% communicating; rank 1/);
    const store = openStore(join(cwd, 'proj'));
    try {
      const runs = store.listRuns({ kind: 'fit' });
      assert.equal(runs.length, 1, 'rank 1 must not write a run');
      const stats = store.rankStats(runs[0].id);
      assert.equal(stats.length, 12);
      assert.deepEqual([...new Set(stats.map((s) => s.rank))], [0, 1]);
      assert.ok(stats.every((s) => s.samples > 0 && s.commSeconds > 0));
    } finally {
      store.close();
    }
  });

  it('a killed rank stops the run with a message naming it; --resume continues from the last checkpoint', async () => {
    const args = ['fit', ...common, '--project', 'proj-kill', '--nproc', '2', '--epochs', '120', '--batch-size', '8', '--optimizer', 'sgd', '--lr', '0.02'];
    const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    child.stdout.resume();
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // Wait for a few checkpointed epochs, then kill rank 1.
    const deadline = Date.now() + 60_000;
    let sidecar: { epochs: number } | null = null;
    while (Date.now() < deadline) {
      const runs = existsSync(join(cwd, 'proj-kill', 'runs')) ? readdirSync(join(cwd, 'proj-kill', 'runs')) : [];
      const f = runs.length ? join(cwd, 'proj-kill', 'runs', runs[0], 'checkpoint.safetensors.json') : '';
      if (f && existsSync(f)) {
        try {
          sidecar = JSON.parse(readFileSync(f, 'utf8'));
        } catch {
          /* being written */
        }
        if (sidecar && sidecar.epochs >= 3) break;
      }
      await sleep(20);
    }
    assert.ok(sidecar && sidecar.epochs >= 3, 'no checkpoint appeared');
    const pid = rankPid(child.pid!, 1);
    assert.ok(pid, 'rank 1 not found');
    const t0 = Date.now();
    process.kill(pid!, 'SIGKILL');
    const code = await exited;
    assert.ok(Date.now() - t0 < 30_000, 'the survivors must stop within the grace period');
    assert.equal(code, 1, stderr);
    assert.match(stderr, new RegExp(`rank 1 \\(pid ${pid}\\) was killed by SIGKILL first; then rank 0 exited with code 1`));
    assert.match(stderr, /error \(DistributedError\): rank 0 of 2: .*a peer died or stopped answering/);
    assert.match(stderr, /--resume/);

    const store = openStore(join(cwd, 'proj-kill'));
    const [killed] = store.listRuns({ kind: 'fit' });
    const done = store.epochSeries(killed.id).length;
    assert.equal(killed.status, 'failed');
    store.close();
    assert.ok(done >= 3 && done < 120);

    const r = sixstep([...args, '--resume', '--json'], cwd);
    assert.equal(r.code, 0, r.stderr);
    const j = r.json();
    assert.equal(j.epochs, 120, 'the resumed run carries the epochs before the kill');
    assert.ok(j.decisions.some((d: any) => /^resume from the checkpoint after epoch \d+$/.test(d.action)), JSON.stringify(j.decisions));
    const s2 = openStore(join(cwd, 'proj-kill'));
    try {
      const [resumed] = s2.listRuns({ kind: 'fit' });
      assert.equal((resumed.config as any).resumedFrom, killed.id);
      assert.equal(resumed.status, 'finished');
    } finally {
      s2.close();
    }
  });

  it('Ctrl-C on the launcher stops every rank after the same batch: exit 130, the run kept as interrupted', async () => {
    const child = spawn(process.execPath, [cli, 'fit', ...common, '--project', 'proj-int', '--nproc', '2', '--epochs', '150', '--batch-size', '8', '--optimizer', 'sgd', '--lr', '0.02'], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !/epoch 2: /.test(stderr)) await sleep(20);
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 130, `exit ${code}\n${stderr}`);
    // Which rank prints first depends on when each sees the signal or the agreed flag.
    assert.match(stderr, /interrupted: stopping after this batch/);
    const store = openStore(join(cwd, 'proj-int'));
    try {
      const [run] = store.listRuns({ kind: 'fit' });
      assert.equal(run.status, 'interrupted');
      assert.ok(store.epochSeries(run.id).length >= 2);
    } finally {
      store.close();
    }
  });

  it('auto --nproc 2: the whole playbook with every fit data-parallel; rank 0 alone evaluates the test set and writes', () => {
    const r = sixstep(['auto', ...common, '--project', 'proj-auto', '--nproc', '2', '--budget', '1', '--json'], cwd);
    assert.equal(r.code, 0, r.stderr);
    const j = r.json();
    assert.equal(j.status, 'finished');
    assert.equal(j.parallel.worldSize, 2);
    assert.ok(j.metrics.test.accuracy > 0.9, JSON.stringify(j.metrics));
    assert.equal(j.testEvaluations, 1);
    const store = openStore(join(cwd, 'proj-auto'));
    try {
      const runs = store.listRuns();
      assert.deepEqual(runs.map((x) => x.kind), ['auto']);
      assert.equal(store.testEvaluations(), 2, 'one evaluation: loss and accuracy rows');
      const stats = store.rankStats(runs[0].id);
      assert.ok(stats.length >= 4 && stats.every((s) => s.samples > 0));
    } finally {
      store.close();
    }
    // Rank 1 kept only its own resume state, inside the run's folder.
    const runDir = join(cwd, 'proj-auto', 'runs', j.run);
    assert.ok(existsSync(join(runDir, 'rank-1', 'state.json')));
  });

  it('two "machines" (--nnodes 2, one launcher each, separate project folders) train as one run', async () => {
    const port = 29000 + Math.floor(Math.random() * 900);
    const node = (rank: number) => {
      const c = spawn(process.execPath, [cli, 'fit', '--data', penguins, '--target', 'Species', '--project', `proj-node${rank}`, '--epochs', '4', '--nproc', '1', '--nnodes', '2', '--node-rank', String(rank), '--master', `127.0.0.1:${port}`, '--json'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      c.stdout.on('data', (b) => (out += b));
      c.stderr.on('data', (b) => (err += b));
      return new Promise<{ code: number | null; out: string; err: string }>((r) => c.on('exit', (code) => r({ code, out, err })));
    };
    const [a, b] = await Promise.all([node(0), node(1)]);
    assert.equal(a.code, 0, a.err);
    assert.equal(b.code, 0, b.err);
    const j = JSON.parse(a.out);
    assert.equal(j.parallel.worldSize, 2);
    assert.equal(b.out, '', 'node 1 prints no result: it is not rank 0');
    assert.ok(existsSync(join(cwd, 'proj-node1')), 'node 1 prepared the data in its own folder');
    assert.ok(!existsSync(join(cwd, 'proj-node1', 'sixstep.db')), 'node 1 writes no store');
  });

  it('bad data-parallel options: exit 2 with what was expected, before any rank starts', () => {
    for (const [opts, msg] of [
      [['--nproc', 'abc'], /--nproc expects an integer ≥ 1, found "abc"/],
      [['--nproc', '0'], /--nproc expects an integer ≥ 1, found "0"/],
      [['--nproc', '2', '--master', 'host'], /--master must be host:port/],
      [['--nproc', '1', '--nnodes', '2'], /--nnodes > 1 needs --master host:port/],
      [['--nproc', '2', '--nnodes', '2', '--node-rank', '2', '--master', '127.0.0.1:29999'], /--node-rank must be in 0 … 1, not 2/],
    ] as const) {
      const r = sixstep(['fit', ...common, '--project', 'proj-bad', ...opts], cwd);
      assert.equal(r.code, 2, `${opts.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
    }
    assert.ok(!existsSync(join(cwd, 'proj-bad')), 'nothing prepared or written');
  });

  it('a rank that never arrives: a clear error after --dist-timeout, not a hang', () => {
    const port = 29000 + Math.floor(Math.random() * 900);
    const t0 = Date.now();
    const r = sixstep(['fit', ...common, '--project', 'proj-alone', '--nproc', '1', '--nnodes', '2', '--node-rank', '0', '--master', `127.0.0.1:${port}`, '--dist-timeout', '3'], cwd);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /rank 0 of 2 could not meet the others at 127\.0\.0\.1:\d+ within 3 s .*not every rank arrived/);
    assert.ok(Date.now() - t0 < 30_000);
  });
});
