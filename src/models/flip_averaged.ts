// Test-time augmentation by horizontal flip: the model sees each image and its
// mirror and the two predictions are averaged as probabilities (classes:
// softmax; binary: sigmoid; regression: the values), returned on the model's
// own output scale (log-probabilities, logits, values) so every cost function
// and metric reads them unchanged. Whether it helps is data-dependent (mirrored
// digits are other digits): the caller decides on validation.
import { Module } from '../nn/index.js';
import { tidy, type Tensor } from '../tensor/index.js';

/** How the model's outputs are averaged. */
export type TtaOutput = 'multiclass' | 'binary' | 'regression';

export class FlipAveraged extends Module {
  constructor(readonly inner: Module, readonly output: TtaOutput) {
    super();
    this.registerModule('inner', inner);
  }

  forward(x: Tensor): Tensor {
    if (x.shape.length !== 4) throw new RangeError(`flip test-time augmentation needs NCHW image batches, got shape [${x.shape.join(', ')}]`);
    return tidy(() => {
      const a = this.inner.forward(x);
      const b = this.inner.forward(x.flip(3));
      switch (this.output) {
        case 'multiclass':
          // log of the mean probability: softmax of it is the mean probability again.
          return a.softmax(1).add(b.softmax(1)).mul(0.5).clamp(1e-12, null).log();
        case 'binary': {
          const p = a.sigmoid().add(b.sigmoid()).mul(0.5).clamp(1e-7, 1 - 1e-7);
          return p.log().sub(p.mul(-1).add(1).log());
        }
        case 'regression':
          return a.add(b).mul(0.5);
      }
    });
  }
}
