// The optimising metric: its direction, how it reads a validation evaluation,
// and that it — not the loss — decides which weights a fit keeps when the two
// disagree.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy, keep, type Tensor } from '../../src/tensor/index.js';
import { Linear, binaryCrossEntropyWithLogits } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';
import { Learner, KeepBest, ValidationMetrics, type BatchSource } from '../../src/train/index.js';
import { objective, bestBy, metricMismatch } from '../../src/metrics/index.js';
import { noLeaks } from '../helpers.js';

describe('optimising metric', () => {
  it('knows its direction and reads the validation figure it names', () => {
    const e = { validLoss: 0.4, metrics: { macroF1: 0.7, rmse: 2 } };
    assert.equal(objective().metric, 'loss');
    assert.equal(objective('loss').read(e), 0.4);
    assert.equal(objective('macroF1').read(e), 0.7);
    assert.equal(objective('auc').read(e), null);
    assert.equal(objective('macroF1').direction, 'max');
    assert.equal(objective('rmse').direction, 'min');
    assert.ok(objective('f1').better(0.8, 0.7) && !objective('mae').better(0.8, 0.7));
    assert.equal(objective('f1').minimised(0.8), 1 - 0.8);
    assert.ok(objective('r2').clearlyBetter(0.9, 0.8, 0.005) && !objective('r2').clearlyBetter(0.8002, 0.8, 0.005));
    const epochs = [{ validLoss: 0.3, metrics: { f1: 0.5 } }, { validLoss: 0.5, metrics: { f1: 0.9 } }, { validLoss: 0.4, metrics: {} }];
    assert.equal(bestBy(objective('loss'), epochs, (x) => x), epochs[0]);
    assert.equal(bestBy(objective('f1'), epochs, (x) => x), epochs[1]);
    assert.throws(() => objective('kappa' as any), /optimising metric must be one of loss, accuracy, f1, macroF1, auc, rmse, mae, r2, got kappa/);
    assert.match(metricMismatch('f1', 'regression')!, /classification metric and the task is regression/);
    assert.match(metricMismatch('r2', 'binary')!, /regression metric and the task is binary/);
    assert.equal(metricMismatch('auc', 'multiclass'), null);
  });

  it('two epochs where loss and F1 disagree: KeepBest keeps the loss epoch by default, the F1 epoch under --metric f1', async () => {
    // Validation: x with label 1 iff x > 0, plus one row at x = 5 labelled 0.
    const xs = [-3, -2, -1, -0.5, 0.5, 1, 2, 3, 5, -4];
    const ys = [0, 0, 0, 0, 1, 1, 1, 1, 0, 0];
    // Epoch 0 weights: predict P(1) ≈ 0.38 everywhere — a modest loss, F1 0 (no positive predicted).
    // Epoch 1 weights: a steep sign rule — F1 0.89, but the mislabelled row costs a huge loss.
    const script = [{ w: 0, b: -0.5 }, { w: 10, b: 0 }];
    const keptWeight = async (metric: 'loss' | 'f1'): Promise<{ w: number; epoch: number; value: number }> => {
      const model = new Linear({ inFeatures: 1, outFeatures: 1 });
      const optimizer = new SGD({ params: model.parameters(), lr: 0 });
      const x = keep(tensor(xs, { shape: [xs.length, 1] }));
      const y = keep(tensor(ys, { dtype: 'int64' }));
      const source: BatchSource = { length: 1, *batches() { yield { x: x.clone(), y: y.clone() }; } };
      const keepBest = new KeepBest({ objective: objective(metric) });
      const setWeights = { order: 0, beforeValidate: (l: Learner) => {
        const s = script[l.epoch];
        tidy(() => l.model.loadStateDict({ weight: tensor([[s.w]]), bias: tensor([s.b]) }));
      } };
      const cost = (p: Tensor, t: Tensor) => tidy(() => binaryCrossEntropyWithLogits(p.reshape(-1), t.to('float32')));
      const learner = new Learner({ model, optimizer, costFunction: cost, train: source, validation: source, callbacks: [setWeights, new ValidationMetrics('binary', 2), keepBest] });
      try {
        await learner.fit(2);
        const [l0, l1] = learner.history;
        // The two epochs disagree, as constructed.
        assert.ok(l0.validLoss! < l1.validLoss!, `loss ${l0.validLoss} vs ${l1.validLoss}`);
        assert.ok(l0.metrics.f1 < l1.metrics.f1, `f1 ${l0.metrics.f1} vs ${l1.metrics.f1}`);
        return { w: model.weight.item(), epoch: keepBest.bestEpoch, value: keepBest.bestValue };
      } finally {
        x.dispose();
        y.dispose();
        optimizer.dispose();
        model.dispose();
      }
    };
    await noLeaks(async () => {
      const byLoss = await keptWeight('loss');
      const byF1 = await keptWeight('f1');
      assert.deepEqual([byLoss.w, byLoss.epoch], [0, 0]);
      assert.deepEqual([byF1.w, byF1.epoch], [10, 1]);
      assert.ok(Math.abs(byF1.value - 8 / 9) < 1e-12, `kept F1 ${byF1.value}`);
    });
  });
});
