// The playbook's step-3/4 rules as pure functions on constructed numbers
// whose right answer is known: the ladder's gap (relative, scale-free), the
// paired acceptance of a rung, "dropout in earlier layers" never dropping the
// inputs, and warm-restart cycles that end with the run.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gapOpen } from '../../src/steps/ladder_rules.js';
import { acceptBestOf } from '../../src/protocol/selection.js';
import { withDropout } from '../../src/steps/regularize.js';
import { cyclesForRun, CosineCycles, SGD } from '../../src/optim/index.js';
import { makeSchedule } from '../../src/steps/fit.js';
import { tensor } from '../../src/tensor/index.js';
import { Rng } from '../../src/data/index.js';
import { noLeaks } from '../helpers.js';

describe('the ladder\'s gap: eval-mode training loss against validation, relative to the training and baseline losses', () => {
  it('an overfitting model has an open gap, a well-fitted one has not', () => {
    assert.equal(gapOpen({ trainLoss: 0.1, validLoss: 0.5 }, 0.7), true);
    assert.equal(gapOpen({ trainLoss: 0.4, validLoss: 0.42 }, 0.7), false);
    // Tolerance: 0.15·train + 0.02·baseline.
    assert.equal(gapOpen({ trainLoss: 1, validLoss: 1.16 }, 1), false);
    assert.equal(gapOpen({ trainLoss: 1, validLoss: 1.18 }, 1), true);
  });
  it('is scale-free: the same gap in units 1000× or 1/1000× larger gives the same answer', () => {
    for (const [t, v, b] of [[0.1, 0.5, 0.7], [0.4, 0.42, 0.7], [1, 1.16, 1], [1, 1.18, 1], [1e-3, 1.2e-3, 1e-2]]) {
      const base = gapOpen({ trainLoss: t, validLoss: v }, b);
      for (const k of [1000, 1000 ** 2, 1e-3, 1e-6]) assert.equal(gapOpen({ trainLoss: t * k, validLoss: v * k }, b * k), base, `${t},${v},${b} ×${k}`);
    }
  });
});

describe('keeping a rung: a paired comparison on the same validation rows', () => {
  const rows = (n: number, f: (i: number, r: Rng) => number, seed = 1) => {
    const r = new Rng(seed);
    return Array.from({ length: n }, (_, i) => f(i, r));
  };
  it('keeps a candidate that is better on nearly every row', () => {
    const inc = rows(60, (_, r) => 1 + r.uniform(0, 1));
    const cand = inc.map((v) => v * 0.9);
    const a = acceptBestOf({ validLoss: 0, rowLosses: cand }, { validLoss: 0, rowLosses: inc });
    assert.equal(a.accept, true);
    assert.ok(Math.abs(a.gain - 0.1) < 1e-9);
    assert.match(a.why, /on the same 60 rows/);
  });
  it('rejects a mean gain of 1 % that row-to-row noise explains', () => {
    const inc = rows(50, (_, r) => 1 + r.uniform(0, 1));
    // Noise of ±0.5 per row around a 1 % improvement: z far below 1.645.
    const cand = rows(50, (i, r) => inc[i] * 0.99 + r.uniform(-0.5, 0.5), 7);
    const a = acceptBestOf({ validLoss: 0, rowLosses: cand }, { validLoss: 0, rowLosses: inc });
    assert.equal(a.accept, false, a.why);
    assert.ok(a.z !== null && a.z < 1.645);
  });
  it('rejects a consistent but negligible gain (under 0.5 %), and is scale-free', () => {
    const inc = rows(80, (_, r) => 1 + r.uniform(0, 1));
    const tiny = inc.map((v) => v * 0.998);
    assert.equal(acceptBestOf({ validLoss: 0, rowLosses: tiny }, { validLoss: 0, rowLosses: inc }).accept, false);
    const good = inc.map((v) => v * 0.95);
    for (const k of [1e3, 1e-3]) {
      assert.equal(acceptBestOf({ validLoss: 0, rowLosses: good.map((v) => v * k) }, { validLoss: 0, rowLosses: inc.map((v) => v * k) }).accept, true);
    }
  });
  it('without row losses falls back to the means and says so', () => {
    const a = acceptBestOf({ validLoss: 0.9 }, { validLoss: 1 });
    assert.equal(a.accept, true);
    assert.equal(a.z, null);
    assert.match(a.why, /not paired/);
  });
});

describe('"dropout in earlier layers" never drops the input features', () => {
  const spec = (hidden: number[]) => ({ family: 'tabular' as const, options: { blocks: [], hidden, outputs: 1 } });
  it('one hidden layer: only the last layer gets dropout', () => {
    const s = withDropout(spec([8]), 0.3, 0.2);
    assert.ok(s.family === 'tabular');
    if (s.family === 'tabular') assert.deepEqual(s.options.dropout, [0, 0.3]);
  });
  it('two or more: before every hidden layer after the first', () => {
    const s = withDropout(spec([8, 4, 2]), 0.3, 0.2);
    if (s.family === 'tabular') assert.deepEqual(s.options.dropout, [0, 0.2, 0.2, 0.3]);
  });
});

describe('warm restarts sized to the run', () => {
  it('cycles 1, 2, 4 … epochs while they fit, the last stretched: they sum to the run', () => {
    assert.deepEqual(cyclesForRun(10, 1, 2), [1, 2, 7]);
    assert.deepEqual(cyclesForRun(2, 1, 2), [2]);
    assert.deepEqual(cyclesForRun(3, 1, 2), [1, 2]);
    assert.deepEqual(cyclesForRun(40, 1, 2), [1, 2, 4, 8, 25]);
    assert.deepEqual(cyclesForRun(1, 3, 2), [1]);
    for (let e = 1; e < 70; e++) assert.equal(cyclesForRun(e, 1, 2).reduce((a, b) => a + b, 0), e);
  });
  it('the last step of any run trains at the bottom of a cycle, and no restart happens inside a 2-epoch window', () => noLeaks(() => {
    const w = tensor([1], { requiresGrad: true });
    const opt = new SGD({ params: [w], lr: 0.1 });
    try {
      for (const epochs of [2, 3, 7, 10, 13]) {
        const batches = 5;
        opt.setLrs(0.1);
        const s = makeSchedule('warm-restarts', opt, batches, epochs, { lr: 0.1 })! as CosineCycles;
        const lrs: number[] = [opt.lrs[0]];
        for (let i = 1; i < batches * epochs; i++) {
          s.step();
          lrs.push(opt.lrs[0]);
        }
        // The last step's rate is within the final cycle's last cosine step of the minimum (lr/100).
        const last = s.cycles[s.cycles.length - 1];
        const bottomStep = 0.001 + (0.1 - 0.001) * (1 + Math.cos((Math.PI * (last - 1)) / last)) / 2;
        assert.ok(Math.abs(lrs.at(-1)! - bottomStep) < 1e-12, `${epochs} epochs: last rate ${lrs.at(-1)}`);
        assert.ok(lrs.at(-1)! < 0.1 * 0.05, `${epochs} epochs: annealed`);
        if (epochs === 2) for (let i = 1; i < lrs.length; i++) assert.ok(lrs[i] <= lrs[i - 1] + 1e-15, 'one monotone anneal over the judged window');
      }
    } finally {
      opt.dispose();
      w.dispose();
    }
  }));
});
