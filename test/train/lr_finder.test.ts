// The learning-rate finder changes nothing, stops on divergence, and reads
// sensible rates off its curve.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, randn, tensor, keep, getRngState, tidy, type Tensor } from '../../src/tensor/index.js';
import { Sequential, Linear, ReLU, crossEntropy } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';
import { Learner, lrFind, suggest, seedPick, steep, type BatchSource } from '../../src/train/index.js';
import { noLeaks } from '../helpers.js';

function problem() {
  manualSeed(3);
  // A learnable problem: the class is the argmax of three fixed projections.
  const w = randn([10, 3]);
  const xs = Array.from({ length: 8 }, () => keep(randn([32, 10])));
  const ys = xs.map((x) => keep(tidy(() => x.matmul(w).argmax(1))));
  w.dispose();
  const train: BatchSource = {
    length: 8,
    *batches() {
      for (let i = 0; i < 8; i++) yield { x: xs[i].clone(), y: ys[i].clone() };
    },
  };
  const model = new Sequential(new Linear({ inFeatures: 10, outFeatures: 32 }), new ReLU(), new Linear({ inFeatures: 32, outFeatures: 3 }));
  const optimizer = new SGD({ params: model.parameters(), lr: 0.01, momentum: 0.9 });
  const learner = new Learner({ model, optimizer, costFunction: crossEntropy, train });
  const free = () => {
    for (const t of [...xs, ...ys]) t.dispose();
    optimizer.dispose();
    model.dispose();
  };
  return { learner, model, optimizer, free };
}

describe('lrFind', () => {
  it('leaves weights, optimizer state, learning rates and the random stream unchanged', () => noLeaks(async () => {
    const { learner, model, optimizer, free } = problem();
    // Give the optimizer some momentum state first.
    await learner.fit(1);
    const weights = model.parameters().map((p) => p.toArray());
    const snap = optimizer.stateDict();
    const momentum = Object.fromEntries(Object.entries(snap.tensors).map(([k, t]) => [k, t.toArray()]));
    for (const t of Object.values(snap.tensors)) t.dispose();
    const rngBefore = getRngState();
    const result = await lrFind(learner, { numIter: 60 });
    const rngAfter = getRngState();
    assert.deepEqual(rngAfter.toArray(), rngBefore.toArray());
    rngBefore.dispose();
    rngAfter.dispose();
    assert.deepEqual(model.parameters().map((p) => p.toArray()), weights);
    const after = optimizer.stateDict();
    assert.deepEqual(Object.fromEntries(Object.entries(after.tensors).map(([k, t]) => [k, t.toArray()])), momentum);
    for (const t of Object.values(after.tensors)) t.dispose();
    assert.deepEqual(optimizer.lrs, [0.01]);
    assert.ok(result.lrs.length > 20);
    free();
  }));

  it('sweeps exponentially, stops when the loss diverges, and suggests rates inside the sweep', () => noLeaks(async () => {
    const { learner, free } = problem();
    const r = await lrFind(learner);
    assert.equal(r.lrs[0], 1e-7);
    const ratio = r.lrs[1] / r.lrs[0];
    assert.ok(Math.abs(r.lrs[10] / r.lrs[9] - ratio) < 1e-9 * ratio, 'constant ratio between steps');
    assert.notEqual(r.stoppedBecause, 'completed', 'an lr of 10 blows SGD up');
    for (const k of ['suggestion', 'steep', 'valley', 'minimum', 'slide'] as const) {
      assert.ok(r[k].lr > 1e-7 && r[k].lr < 10, `${k} inside the sweep`);
    }
    // The seed's pick: right of the steepest point, but never above a tenth of the loss minimum.
    assert.ok(r.suggestion.lr <= r.minimum.lr * 1.0001, `pick ${r.suggestion.lr} ≤ minimum/10 ${r.minimum.lr}`);
    assert.ok(r.suggestion.lr >= r.steep.lr || r.suggestion.lr >= r.minimum.lr / 1.25, 'capped only by the ceiling');
    free();
  }));
});

describe('suggestion rules', () => {
  // A clean synthetic curve: flat, a steep sigmoid-shaped fall centred at 1e-3, flat, then a blow-up.
  const lrs = Array.from({ length: 100 }, (_, i) => 1e-7 * 1e8 ** (i / 100));
  const losses = lrs.map((lr) => 2 - 1.5 / (1 + Math.exp(-2.5 * Math.log(lr / 1e-3))) + (lr > 0.3 ? (lr - 0.3) * 4 : 0));
  it('steep finds the steepest point, the seed picks a little to its right, before the minimum', () => {
    const s = suggest(lrs, losses, 100);
    assert.ok(Math.abs(Math.log10(s.steep.lr) - -3) < 0.15, `steep at ${s.steep.lr}`);
    assert.ok(s.suggestion.lr > s.steep.lr && s.suggestion.lr < 10 * s.steep.lr, `seed's pick ${s.suggestion.lr}`);
    assert.ok(s.suggestion.index < s.minimum.index);
    assert.ok(Math.abs(s.minimum.lr * 10 - lrs[s.minimum.index]) < 1e-12);
    assert.ok(s.valley.lr > 1e-5 && s.valley.lr < 1e-1);
  });
  it('ignores non-finite points', () => {
    const noisy = losses.map((l, i) => (i === 50 ? NaN : l));
    assert.doesNotThrow(() => suggest(lrs, noisy, 100));
    // A wiggle on the flat start is not the descent: the pick stays in the real fall.
    const wiggly = losses.map((l, i) => (i === 15 ? l - 0.3 : l));
    const pick = seedPick(lrs.slice(10, 95), wiggly.slice(10, 95));
    assert.ok(pick.lr > 1e-4 && pick.lr < 1e-1, `pick ${pick.lr}`);
    assert.ok(steep(lrs.slice(10, 95), wiggly.slice(10, 95)).lr < 1e-5, "fastai's raw steep falls for the wiggle");
  });
});
