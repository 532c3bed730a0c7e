// The learning-rate finder changes nothing, stops on divergence, and reads
// sensible rates off its curve.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, randn, tensor, keep, getRngState, tidy, type Tensor } from '../../src/tensor/index.js';
import { Sequential, Linear, ReLU, crossEntropy } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';
import { Learner, lrFind, suggest, seedPick, steep, judgeFinderCurve, LrFinderTooShort, type BatchSource } from '../../src/train/index.js';
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

describe('judging a finder curve before its pick is used', () => {
  const lrs = Array.from({ length: 100 }, (_, i) => 1e-7 * 1e8 ** (i / 100));
  const read = (losses: number[], stoppedBecause = 'completed') => {
    const n = losses.length;
    return judgeFinderCurve({ lrs: lrs.slice(0, n), losses, stoppedBecause, options: { numIter: 100 }, ...suggest(lrs.slice(0, n), losses, 100) });
  };
  it('a clean curve (flat, a fall, a blow-up) is sound', () => {
    const clean = lrs.map((lr) => 2 - 1.5 / (1 + Math.exp(-2.5 * Math.log(lr / 1e-3))) + (lr > 0.3 ? (lr - 0.3) * 4 : 0));
    const r = read(clean);
    assert.equal(r.sound, true, r.problems.map((p) => p.text).join('; '));
  });
  it('a curve that diverges at once — its lowest point where the reading starts — is caught, with its numbers', () => {
    // The loss only rises from the first points and the sweep stops at 4× its best.
    const rising = lrs.slice(0, 40).map((_, i) => 1.7 * (1 + 0.09 * Math.max(0, i - 10)));
    const r = read(rising, 'diverged');
    assert.equal(r.sound, false);
    const kinds = r.problems.map((p) => p.kind);
    assert.ok(kinds.includes('diverged-at-once') && kinds.includes('flat'), kinds.join(', '));
    assert.match(r.problems.find((p) => p.kind === 'diverged-at-once')!.text, /diverged at once.*stopped after 40 of 100 points/);
    assert.equal(r.numbers.minimumAt, 0);
  });
  it('too few points to read is its own error, with the curve', () => {
    assert.throws(() => suggest(lrs.slice(0, 12), lrs.slice(0, 12).map((_, i) => 2 * 1.5 ** i), 100), (e: unknown) => e instanceof LrFinderTooShort && e.lrs.length === 12);
  });
  it("the reproduced failure: Adam's curve from SGD-trained weights (Debian numeric table) is flat, its pick noise", () => {
    // Smoothed losses of the sweep that gave the pick 6.3e-7 (minimum/10 9.1e-8) while its valley was 3.0e-3.
    const flat = [1.7986,1.7352,1.6949,1.6799,1.6761,1.7127,1.7162,1.7129,1.7040,1.6996,1.6959,1.6857,1.6798,1.6861,1.6886,1.7009,1.6924,1.6915,1.6890,1.6985,1.7057,1.7034,1.7039,1.7006,1.7031,1.7022,1.7021,1.7006,1.7053,1.7047,1.6998,1.7016,1.6980,1.6989,1.7093,1.7116,1.7091,1.7095,1.7093,1.7097,1.7121,1.7134,1.7098,1.7126,1.7087,1.7076,1.7050,1.7017,1.7010,1.7033,1.7074,1.7080,1.7043,1.7025,1.7045,1.7027,1.7047,1.7040,1.7041,1.7027,1.7013,1.6999,1.6993,1.7044,1.7047,1.7020,1.7039,1.7071,1.7049,1.7021,1.7025,1.7033,1.7064,1.7064,1.7065,1.7067,1.7080,1.7109,1.7096,1.7069,1.7072,1.7239,1.7280,1.7344,1.7317,1.7454,1.7470,1.7587,1.7661,1.7697,1.7866,1.8559,1.8700,1.8821,1.9411,2.0537,2.0608,2.0735,2.0894,2.3638];
    const s = suggest(lrs, flat, 100);
    assert.ok(s.suggestion.lr < 1e-6, `the pick ${s.suggestion.lr}`);
    const r = read(flat);
    assert.equal(r.sound, false);
    assert.ok(r.problems.some((p) => p.kind === 'flat'), r.problems.map((p) => p.text).join('; '));
    assert.ok(r.problems.some((p) => p.kind === 'below-valley'), 'the pick lies orders of magnitude below the valley');
  });
  it('a pick far below its own valley on a curve that does fall is caught alone', () => {
    const clean = lrs.map((lr) => 2 - 1.5 / (1 + Math.exp(-2.5 * Math.log(lr / 1e-3))) + (lr > 0.3 ? (lr - 0.3) * 4 : 0));
    const base = suggest(lrs, clean, 100);
    const r = judgeFinderCurve({ lrs, losses: clean, stoppedBecause: 'completed', options: { numIter: 100 }, ...base, suggestion: { ...base.suggestion, lr: base.valley.lr / 500 } });
    assert.deepEqual(r.problems.map((p) => p.kind), ['below-valley']);
    assert.match(r.problems[0].text, /500× below the curve's own valley/);
  });
});
