// Data parallelism on c10d/Gloo over loopback: 2 and 4 ranks keep their
// parameters bit-identical at every step and match a single process on the
// full batch within float64 round-off; a killed rank ends the others with a
// clear error, not a hang; a rank that never arrives is reported by name.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { launch, ProcessGroup, parseMaster } from '../../src/distributed/index.js';
import { DistributedError } from '../../src/tensor/index.js';

const worker = join(dirname(fileURLToPath(import.meta.url)), 'ddp_worker.js');
const available = ProcessGroup.available();
const skip = available ? false : 'this addon was built without Gloo (apt-get install libgloo-dev, then npm run build:native)';

interface RankOut {
  rank: number;
  steps: number[][];
  trainLoss: number[];
  validLoss: number[];
  validRmse: number[];
  buffers: [string, number[]][];
  rankStats: { epoch: number; ranks: { rank: number; samples: number; commSeconds: number }[] }[];
  /** Live tensors after the model, optimizer and data were released, over the count before. */
  leaked: number;
}

const read = (dir: string, r: number): RankOut => JSON.parse(readFileSync(join(dir, `rank-${r}.json`), 'utf8'));

async function runRanks(nproc: number, env: NodeJS.ProcessEnv = {}, args: string[] = []) {
  const out = mkdtempSync(join(tmpdir(), `sixstep-ddp-${nproc}-`));
  const lines: string[] = [];
  const t0 = Date.now();
  const r = await launch({ nproc, args: [worker, out, ...args], env: { ...env, SIXSTEP_THREADS: '1' }, threadsPerRank: 1, timeoutMs: 20_000, graceMs: 10_000, onLine: (rank, l) => lines.push(`[${rank}] ${l}`) });
  return { out, result: r, lines, seconds: (Date.now() - t0) / 1000 };
}

function single(env: NodeJS.ProcessEnv = {}): RankOut {
  const out = mkdtempSync(join(tmpdir(), 'sixstep-ddp-1-'));
  const r = spawnSync(process.execPath, [worker, out], { env: { ...process.env, ...env, WORLD_SIZE: '1', SIXSTEP_THREADS: '1' }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return read(out, 0);
}

function maxRelDiff(a: number[], b: number[]): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1e-12, Math.abs(b[i])));
  return m;
}

describe('data parallelism on c10d (Gloo, loopback)', { skip }, () => {
  let reference: RankOut;
  before(() => {
    reference = single();
  });

  for (const nproc of [2, 4]) {
    it(`${nproc} ranks: parameters bit-identical on every rank at every step, equal to one process on the full batch (float64)`, async () => {
      const { out, result, lines } = await runRanks(nproc);
      assert.ok(result.ok, `${result.message}\n${lines.join('\n')}`);
      const ranks = Array.from({ length: nproc }, (_, r) => read(out, r));
      // 3 epochs × 5 global batches (100 rows, batches of 24; the last has 4 rows, ≥ nproc).
      assert.equal(reference.steps.length, 15);
      for (const rk of ranks) {
        assert.equal(rk.steps.length, reference.steps.length);
        rk.steps.forEach((p, s) => assert.deepEqual(p, ranks[0].steps[s], `rank ${rk.rank} differs from rank 0 at step ${s}`));
        assert.deepEqual(rk.trainLoss, ranks[0].trainLoss);
        assert.equal(rk.leaked, 0, `rank ${rk.rank} leaked ${rk.leaked} tensors`);
      }
      const worst = Math.max(...reference.steps.map((p, s) => maxRelDiff(ranks[0].steps[s], p)));
      assert.ok(worst < 1e-12, `largest relative difference from the single process: ${worst}`);
      assert.ok(maxRelDiff(ranks[0].trainLoss, reference.trainLoss) < 1e-12);
      // Validation sharded by rows: every rank sees the same figures, those of the whole set.
      for (const rk of ranks) {
        assert.deepEqual(rk.validLoss, ranks[0].validLoss);
        assert.deepEqual(rk.validRmse, ranks[0].validRmse);
      }
      assert.ok(maxRelDiff(ranks[0].validLoss, reference.validLoss) < 1e-12);
      assert.ok(maxRelDiff(ranks[0].validRmse, reference.validRmse) < 1e-12);
      // Per-rank throughput and communication time reach every rank.
      const stats = ranks[0].rankStats.at(-1)!;
      assert.equal(stats.ranks.length, nproc);
      assert.equal(stats.ranks.reduce((a, r) => a + r.samples, 0), 100);
      assert.ok(stats.ranks.every((r) => r.commSeconds > 0));
    });
  }

  it('with batch norm: ranks keep identical parameters and, averaged before validation, identical running statistics', async () => {
    const { out, result, lines } = await runRanks(2, { WITH_BN: '1' });
    assert.ok(result.ok, `${result.message}\n${lines.join('\n')}`);
    const [a, b] = [read(out, 0), read(out, 1)];
    assert.deepEqual(a.steps, b.steps);
    assert.deepEqual(a.buffers, b.buffers);
    assert.deepEqual(a.validLoss, b.validLoss);
    assert.ok(a.buffers.length >= 2);
  });

  it('a killed rank ends the others with a clear error within the grace period, and the launcher names it', async () => {
    const { result, lines, seconds } = await runRanks(3, { DIE_RANK: '1', DIE_STEP: '4' });
    assert.equal(result.ok, false);
    assert.equal(result.firstFailure?.rank, 1);
    assert.equal(result.firstFailure?.signal, 'SIGKILL');
    assert.match(result.message!, /rank 1 \(pid \d+\) was killed by SIGKILL first/);
    assert.match(result.message!, /--resume/);
    // The survivors failed in their next collective (DistributedError), not by the launcher's kill.
    const survivors = result.exits.filter((e) => e.rank !== 1);
    assert.ok(survivors.every((e) => e.code !== 0 && e.signal === null), JSON.stringify(result.exits));
    assert.ok(lines.some((l) => /DistributedError|peer died|Connection closed|connection/i.test(l)), lines.join('\n'));
    assert.ok(seconds < 20, `took ${seconds} s`);
  });

  it('a rank that never arrives: rendezvous fails after the timeout with a message saying what to check', () => {
    const t0 = Date.now();
    let err: unknown;
    try {
      ProcessGroup.init({ rank: 0, worldSize: 2, masterPort: 29000 + Math.floor(Math.random() * 500), timeoutMs: 1500 });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof DistributedError, String(err));
    assert.match((err as Error).message, /rank 0 of 2 could not meet the others .* within 2 s .*not every rank arrived/);
    assert.ok(Date.now() - t0 < 10_000);
    assert.equal(ProcessGroup.current(), null);
  });

  it('parses --master', () => {
    assert.deepEqual(parseMaster('10.0.0.1:29500'), { addr: '10.0.0.1', port: 29500 });
    assert.deepEqual(parseMaster('[::1]:1234'), { addr: '::1', port: 1234 });
    assert.throws(() => parseMaster('host'), /host:port/);
    assert.throws(() => parseMaster('h:70000'), /host:port/);
  });
});

it('shows whether Gloo is built in', () => {
  assert.equal(typeof available, 'boolean');
  if (process.getuid?.() === 0 && existsSync('/usr/include/gloo/config.h')) assert.equal(available, true);
});
