// The NaN guard, by injection: a non-finite value mid-training is skipped and
// rolled back with a halved learning rate; repeated ones stop with a message.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, randn, tensor, keep, full, type Tensor } from '../../src/tensor/index.js';
import { Sequential, Linear, ReLU, crossEntropy } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';
import { Learner, NanGuard, DivergenceError, type BatchSource } from '../../src/train/index.js';
import { noLeaks } from '../helpers.js';

/** 4 batches per epoch; batches listed in `poison` (by global index) carry a NaN input. */
function source(poison: Set<number>): BatchSource & { free(): void } {
  manualSeed(1);
  const xs = Array.from({ length: 4 }, () => keep(randn([16, 5])));
  const ys = Array.from({ length: 4 }, (_, i) => keep(tensor(Array.from({ length: 16 }, (_, j) => (i + j) % 2), { dtype: 'int64' })));
  let k = 0;
  return {
    length: 4,
    *batches() {
      for (let i = 0; i < 4; i++, k++) {
        const x = poison.has(k) ? full([16, 5], NaN) : xs[i].clone();
        yield { x, y: ys[i].clone() };
      }
    },
    free() {
      for (const t of [...xs, ...ys]) t.dispose();
    },
  };
}

function setup(poison: number[], guard: NanGuard) {
  manualSeed(0);
  const model = new Sequential(new Linear({ inFeatures: 5, outFeatures: 8 }), new ReLU(), new Linear({ inFeatures: 8, outFeatures: 2 }));
  const optimizer = new SGD({ params: model.parameters(), lr: 0.1, momentum: 0.9 });
  const train = source(new Set(poison));
  const learner = new Learner({ model, optimizer, costFunction: crossEntropy, train, callbacks: [guard] });
  return { learner, model, optimizer, free: () => { train.free(); optimizer.dispose(); model.dispose(); } };
}

const finiteWeights = (ps: Tensor[]) => ps.every((p) => p.toArray().every(Number.isFinite));

describe('NaN guard', () => {
  it('skips the step, rolls back to the last good state and halves the learning rate', () => noLeaks(async () => {
    const events: string[] = [];
    const guard = new NanGuard({ onEvent: (e) => events.push(`${e.kind}@${e.step}`) });
    const { learner, model, optimizer, free } = setup([6], guard);
    await learner.fit(3);
    assert.equal(guard.rollbacks, 1);
    assert.deepEqual(events, ['rollback@6']);
    assert.ok(finiteWeights(model.parameters()), 'weights stay finite');
    assert.equal(optimizer.getLr(0), 0.05);
    assert.equal(learner.step, 11, 'the poisoned step was skipped');
    assert.ok(Number.isFinite(learner.history.at(-1)!.trainLoss));
    free();
  }));

  it('stops with a clear message after three rollbacks', () => noLeaks(async () => {
    const guard = new NanGuard();
    const { learner, model, free } = setup([1, 2, 3, 5], guard);
    await assert.rejects(learner.fit(3), (e: Error) => e instanceof DivergenceError && /after 3 rollbacks/.test(e.message) && /clip gradients/.test(e.message));
    assert.ok(finiteWeights(model.parameters()));
    free();
  }));
});
