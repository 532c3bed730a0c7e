// Gradient norms on every step (recorded for the chart), clipping turned on
// automatically when they explode, and clipping tried before the NaN guard
// halves the rate; the best weights survive a checkpoint and its resume.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, randn, tensor, keep, full, type Tensor } from '../../src/tensor/index.js';
import { Sequential, Linear, ReLU, crossEntropy } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';
import { Learner, NanGuard, GradWatch, KeepBest, Recorder, CheckpointCallback, loadCheckpoint, bestEpoch, type BatchSource, type Callback } from '../../src/train/index.js';
import { noLeaks } from '../helpers.js';

/** 4 batches per epoch; `scale(k)` multiplies the inputs of global batch k (a large factor makes its gradient explode); NaN poisons it. */
function source(scale: (k: number) => number): BatchSource & { free(): void } {
  manualSeed(1);
  const xs = Array.from({ length: 4 }, () => keep(randn([16, 5])));
  const ys = Array.from({ length: 4 }, (_, i) => keep(tensor(Array.from({ length: 16 }, (_, j) => (i + j) % 2), { dtype: 'int64' })));
  let k = 0;
  return {
    length: 4,
    *batches() {
      for (let i = 0; i < 4; i++, k++) {
        const f = scale(k);
        yield { x: Number.isNaN(f) ? full([16, 5], NaN) : xs[i].mul(f), y: ys[i].clone() };
      }
    },
    free() {
      for (const t of [...xs, ...ys]) t.dispose();
    },
  };
}

function setup(scale: (k: number) => number, callbacks: Callback[], validation?: BatchSource) {
  manualSeed(0);
  const model = new Sequential(new Linear({ inFeatures: 5, outFeatures: 8 }), new ReLU(), new Linear({ inFeatures: 8, outFeatures: 2 }));
  const optimizer = new SGD({ params: model.parameters(), lr: 0.05, momentum: 0.9 });
  const train = source(scale);
  const learner = new Learner({ model, optimizer, costFunction: crossEntropy, train, validation, callbacks });
  return { learner, model, optimizer, free: () => { train.free(); optimizer.dispose(); model.dispose(); } };
}

describe('gradient watch', () => {
  it('records the gradient norm of every step', () => noLeaks(async () => {
    const rec = new Recorder();
    const { learner, free } = setup(() => 1, [new GradWatch(), rec]);
    await learner.fit(2);
    assert.equal(rec.steps.length, 8);
    assert.ok(rec.steps.every((s) => typeof s.gradNorm === 'number' && s.gradNorm > 0 && Number.isFinite(s.gradNorm)));
    free();
  }));

  it('turns clipping on when a norm explodes past 10× the running median, and clips from then on', () => noLeaks(async () => {
    const events: Array<{ step: number; clipAt: number; median: number | null }> = [];
    const watch = new GradWatch({ warmup: 8, onEvent: (e) => events.push(e) });
    const { learner, free } = setup((k) => (k === 13 ? 1e4 : 1), [watch]);
    await learner.fit(5);
    assert.equal(events.length, 1);
    assert.equal(events[0].step, 13);
    assert.ok(Math.abs(events[0].clipAt - 2 * events[0].median!) < 1e-12);
    assert.equal(watch.clipAt, events[0].clipAt);
    free();
  }));

  it('no explosion, no clipping', () => noLeaks(async () => {
    const watch = new GradWatch({ warmup: 4 });
    const { learner, free } = setup(() => 1, [watch]);
    await learner.fit(4);
    assert.equal(watch.clipAt, null);
    free();
  }));

  it('a NaN first turns clipping on (rate unchanged); a second one halves the rate', () => noLeaks(async () => {
    const remedies: string[] = [];
    const watch = new GradWatch();
    const guard = new NanGuard({ firstRemedy: (l, why) => (watch.turnOn(l, null, why, false) ? 'clip' : null), onEvent: (e) => remedies.push(e.remedy) });
    const { learner, optimizer, free } = setup((k) => (k === 6 || k === 10 ? NaN : 1), [guard, watch]);
    await learner.fit(4);
    assert.deepEqual(remedies, ['clip', 'halve the learning rate (×0.5)']);
    assert.ok(watch.clipAt !== null && watch.clipAt > 0);
    assert.equal(optimizer.getLr(0), 0.025);
    free();
  }));
});

describe('KeepBest with checkpoints', () => {
  it('the checkpoint carries the best weights, and a resumed learner ends on them', () => noLeaks(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-keepbest-'));
    const file = join(dir, 'ck.safetensors');
    // Validation gets worse after epoch 1: a large learning rate on shifted inputs.
    const validation = source(() => 1);
    const kb = new KeepBest({ span: true });
    const a = setup(() => 1, [kb, new CheckpointCallback(file)], validation);
    a.optimizer.setLrs(3);
    await a.learner.fit(3);
    const best = bestEpoch(a.learner.history)!;
    assert.equal(kb.bestEpoch, best.epoch);
    const kept = Object.fromEntries(Object.entries(kb.bestWeights!).map(([k, v]) => [k, v.toArray()]));
    kb.dispose();
    a.free();
    const kb2 = new KeepBest({ span: true });
    const b = setup(() => 1, [kb2], validation);
    loadCheckpoint(b.learner, file);
    assert.equal(kb2.bestEpoch, best.epoch);
    assert.equal(kb2.bestLoss, best.validLoss);
    for (const [k, v] of Object.entries(kb2.bestWeights!)) assert.deepEqual(v.toArray(), kept[k]);
    await b.learner.fit(0);
    for (const [k, v] of Object.entries(b.model.stateDict())) assert.deepEqual((v as Tensor).toArray(), kept[k]);
    kb2.dispose();
    b.free();
    validation.free();
  }));
});
