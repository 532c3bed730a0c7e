// The addon boundary under random input (fuzz_body.ts does the calls): run in
// a child process, so a crash is seen as a signal exit and named with its seed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const body = fileURLToPath(new URL('./fuzz_body.js', import.meta.url));
const SEEDS = [1, 2, 3];
const CASES = 5000;

describe('addon fuzz', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: ${CASES} random calls, no crash, only typed errors, live count back at baseline`, () => {
      const r = spawnSync(process.execPath, [body, String(seed), String(CASES)], {
        encoding: 'utf8',
        env: { ...process.env, OMP_NUM_THREADS: '1' },
        timeout: 120_000,
      });
      const where = `seed ${seed} (rerun: SIXSTEP_FUZZ_TRACE=/tmp/fuzz.trace node ${body} ${seed} ${CASES}; the trace's last line is the crashing case)`;
      assert.equal(r.signal, null, `the fuzzed process died by ${r.signal}: ${where}\n${r.stderr.slice(-2000)}`);
      assert.equal(r.status, 0, `exit ${r.status}: ${where}\n${r.stderr.slice(-2000)}`);
      const report = JSON.parse(r.stdout.trim().split('\n').pop()!);
      assert.equal(report.cases, CASES);
      assert.deepEqual(report.untyped, [], `errors that are not TorchError: ${where}`);
      assert.equal(report.untypedCount, 0);
      assert.ok(report.typed > CASES / 2, `most random calls are refused with typed errors (${report.typed})`);
      assert.ok(report.ok > CASES / 50, `some random calls succeed (${report.ok})`);
      assert.equal(report.live, report.base, `live tensors ${report.live}, baseline ${report.base}: ${where}`);
    });
  }
});
