// Label smoothing for images' final training: the training cost is PyTorch's
// smoothed cross-entropy (the op is checked against PyTorch in
// test/tensor/ops.test.ts); the measure stays plain; other costs are untouched.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy } from '../../src/tensor/index.js';
import { crossEntropy } from '../../src/nn/index.js';
import { chooseCostFunction } from '../../src/steps/cost_function.js';
import { FINAL_LABEL_SMOOTHING, smoothedCost } from '../../src/steps/label_smoothing.js';
import { measureLoss } from '../../src/protocol/index.js';
import { noLeaks } from '../helpers.js';

describe('label smoothing for the final training', () => {
  it('trains on (1 − ε) on the class and ε spread over all; measures plain cross-entropy', () => noLeaks(async () => {
    const plain = chooseCostFunction('multiclass', 3);
    const smooth = smoothedCost(plain, FINAL_LABEL_SMOOTHING);
    tidy(() => {
      const logits = tensor([2, 0, -1, 0.5, 0.5, 3], { shape: [2, 3] });
      const y = tensor([0, 2], { shape: [2] }).to('int64');
      const logp = [[2, 0, -1], [0.5, 0.5, 3]].map((r) => {
        const z = Math.log(r.reduce((a, v) => a + Math.exp(v), 0));
        return r.map((v) => v - z);
      });
      // (1 − ε)·(−log p_y) + ε·mean_k(−log p_k), averaged over the rows.
      const expected = [0, 1].map((i) => (1 - 0.1) * -logp[i][[0, 2][i]] + 0.1 * -(logp[i].reduce((a, v) => a + v, 0) / 3)).reduce((a, v) => a + v, 0) / 2;
      assert.ok(Math.abs(smooth.fn(logits, y).item() - expected) < 1e-5, `smoothed ${smooth.fn(logits, y).item()} against ${expected}`);
      assert.ok(Math.abs(measureLoss(smooth)(logits, y).item() - crossEntropy(logits, y).item()) < 1e-7, 'the measure is plain cross-entropy');
    });
  }));

  it('class-weighted, binary and regression costs, and ε = 0, are left as they are', () => {
    const weighted = chooseCostFunction('multiclass', 3, undefined, { balance: { weights: [1, 2, 3] } as never });
    for (const c of [weighted, chooseCostFunction('binary', 2), chooseCostFunction('regression', 0)]) assert.equal(smoothedCost(c, 0.1), c);
    const plain = chooseCostFunction('multiclass', 3);
    assert.equal(smoothedCost(plain, 0), plain);
  });
});
