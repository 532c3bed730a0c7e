// Flip test-time augmentation on a constructed case: a "model" that reads only
// the leftmost pixel, so the plain and mirrored predictions are known, and the
// average is checked against probabilities computed by hand.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy, liveTensors, type Tensor } from '../../src/tensor/index.js';
import { Module } from '../../src/nn/index.js';
import { FlipAveraged } from '../../src/models/index.js';
import { noLeaks } from '../helpers.js';

/** Logits [left pixel, 0] (two classes) or the left pixel alone (one output). */
class LeftPixel extends Module {
  constructor(readonly outputs: 1 | 2) {
    super();
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const left = x.narrow(3, 0, 1).reshape(x.shape[0], 1);
      return this.outputs === 1 ? left : left.mul(tensor([1, 0]));
    });
  }
}

const softmax = (z: number[]) => z.map((v) => Math.exp(v) / z.reduce((a, b) => a + Math.exp(b), 0));
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

describe('flip test-time augmentation', () => {
  it('averages the probabilities of an image and its mirror, on the model\'s own output scale', () => noLeaks(() => {
    const base = liveTensors();
    // Two 1×1×2 images: [2, 0] (mirror [0, 2]) and [−1, 3] (mirror [3, −1]).
    const x = tensor([2, 0, -1, 3], { shape: [2, 1, 1, 2] });
    const pairs = [[2, 0], [-1, 3]];
    tidy(() => {
      const multi = new FlipAveraged(new LeftPixel(2), 'multiclass').forward(x).toArray();
      pairs.forEach(([a, b], i) => {
        const p = softmax([a, 0]).map((v, k) => (v + softmax([b, 0])[k]) / 2);
        for (let k = 0; k < 2; k++) assert.ok(Math.abs(multi[2 * i + k] - Math.log(p[k])) < 1e-6, `row ${i} class ${k}`);
      });
      const binary = new FlipAveraged(new LeftPixel(1), 'binary').forward(x).toArray();
      pairs.forEach(([a, b], i) => {
        const p = (sigmoid(a) + sigmoid(b)) / 2;
        assert.ok(Math.abs(binary[i] - Math.log(p / (1 - p))) < 1e-5, `binary row ${i}`);
      });
      const regression = new FlipAveraged(new LeftPixel(1), 'regression').forward(x).toArray();
      assert.deepEqual(regression, [1, 1]);
      // A mirror-symmetric image: the same prediction as without augmentation.
      const sym = tensor([1.5, 1.5], { shape: [1, 1, 1, 2] });
      const plain = softmax([1.5, 0]);
      const out = new FlipAveraged(new LeftPixel(2), 'multiclass').forward(sym).toArray();
      out.forEach((v, k) => assert.ok(Math.abs(v - Math.log(plain[k])) < 1e-6));
      assert.throws(() => new FlipAveraged(new LeftPixel(2), 'multiclass').forward(tensor([1, 2], { shape: [1, 2] })), /NCHW/);
    });
    x.dispose();
    assert.equal(liveTensors(), base);
  }));
});
