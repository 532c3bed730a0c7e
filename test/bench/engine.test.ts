// `npm run bench -- --json`: options are options (not case names), bad ones
// exit 2 with the usage, and each case prints one JSON line with the promised
// fields. One tiny case and one short round: this checks the output, not speed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const bench = (args: string[]) => spawnSync(process.execPath, [join(root, 'dist', 'bench', 'engine.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 180_000 });

describe('bench/engine options', () => {
  it('an unknown option, an unknown case or a bad number exits 2 and names it', () => {
    for (const [args, what] of [[['--jsn'], /unknown option --jsn/], [['nope'], /unknown case nope/], [['--rounds', '0'], /--rounds expects a positive/], [['--seconds', 'x'], /--seconds expects a positive number, found x/]] as const) {
      const r = bench([...args]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, what);
      assert.match(r.stderr, /cases: resnet8, mlp, tiny-mlp, tiny-mlp-foreach, learner-resnet8, learner-mlp, learner-mlp-dataloader, learner-bag, learner-lstm/);
      assert.equal(r.stdout, '');
    }
  });

  it('--json prints one JSON line per case with the promised fields', () => {
    const r = bench(['--json', '--rounds', '1', '--seconds', '0.01', '--threads', '1', 'tiny-mlp', 'learner-mlp']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.name), ['tiny-mlp', 'learner-mlp']);
    for (const l of lines) {
      for (const k of ['samples_per_s', 'reference_samples_per_s', 'ratio', 'ratio_min', 'ratio_max', 'threads', 'blas', 'libtorch']) assert.ok(k in l, k);
      assert.ok(l.samples_per_s > 0);
      assert.equal(l.threads, 1);
      assert.equal(l.rounds, 1);
      assert.match(l.libtorch, /^\d+\.\d+/);
      // With the PyTorch reference (python3-torch) the ratio is ours over theirs; without it, null.
      if (l.reference_samples_per_s !== null) assert.ok(Math.abs(l.ratio - l.samples_per_s / l.reference_samples_per_s) < 0.01 * l.ratio + 1e-3);
      else assert.equal(l.ratio, null);
    }
    assert.match(r.stderr, /^sixstep: libtorch .*, 1 thread$/m);
  });
});
