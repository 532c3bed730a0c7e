// The weights' moving average against values computed by hand, batch norm's
// buffers averaged with the weights (the batch counter copied), and memory
// back to its baseline.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, noGrad, tidy, liveTensors } from '../../src/tensor/index.js';
import { Sequential, Linear, BatchNorm1d } from '../../src/nn/index.js';
import { ExponentialMovingAverage, emaDecayFor, type Learner } from '../../src/train/index.js';
import { noLeaks } from '../helpers.js';

describe('exponential moving average of the weights', () => {
  it('matches a hand-computed average, step by step', () => noLeaks(() => {
    const base = liveTensors();
    const model = new Sequential(new Linear({ inFeatures: 1, outFeatures: 1, bias: false }), new BatchNorm1d({ numFeatures: 1 }));
    const w = model.stateDict()['0.weight'];
    const mean = model.stateDict()['1.running_mean'];
    const counter = model.stateDict()['1.num_batches_tracked'];
    noGrad(() => tidy(() => void w.copy_(tensor([[0]]))));
    const ema = new ExponentialMovingAverage({ decay: 0.5 });
    const learner = { model, skipStep: false } as unknown as Learner;
    ema.beforeFit(learner); // starts at the current weights: 0
    // Weights 1, 2, 3 after three steps: 0.5·0 + 0.5·1 = 0.5; 0.5·0.5 + 0.5·2 = 1.25; 0.5·1.25 + 0.5·3 = 2.125.
    const expected = [0.5, 1.25, 2.125];
    for (let i = 1; i <= 3; i++) {
      noGrad(() => tidy(() => {
        w.copy_(tensor([[i]]));
        mean.copy_(tensor([10 * i]));
        counter.copy_(tensor([i], { dtype: 'int64', shape: [] }));
      }));
      ema.afterStep(learner);
      assert.ok(Math.abs((ema.averaged!['0.weight'].toArray()[0] as number) - expected[i - 1]) < 1e-7, `step ${i}`);
    }
    // A skipped step (non-finite gradient) is not averaged.
    (learner as any).skipStep = true;
    ema.afterStep(learner);
    assert.equal(ema.updates, 3);
    // Running statistics are averaged with their weights (0, 10, 20, 30 → 21.25); the counter is copied.
    assert.ok(Math.abs((ema.averaged!['1.running_mean'].toArray()[0] as number) - 21.25) < 1e-5);
    assert.equal(Number(ema.averaged!['1.num_batches_tracked'].toArray()[0]), 3);
    const copy = new Sequential(new Linear({ inFeatures: 1, outFeatures: 1, bias: false }), new BatchNorm1d({ numFeatures: 1 }));
    ema.loadInto(copy);
    assert.ok(Math.abs((copy.stateDict()['0.weight'].toArray()[0] as number) - 2.125) < 1e-7);
    assert.equal(w.toArray()[0], 3, 'the trained weights are untouched');
    copy.dispose();
    ema.dispose();
    model.dispose();
    assert.equal(liveTensors(), base);
  }));

  it('sizes its window to the run and rejects a decay outside (0, 1)', () => {
    assert.equal(emaDecayFor(10_000), 1 - 1 / 1000);
    assert.equal(emaDecayFor(10), 0.9);
    assert.equal(emaDecayFor(1e9), 0.9999);
    assert.throws(() => new ExponentialMovingAverage({ decay: 1 }), /decay must lie in \(0, 1\)/);
  });
});
