// The median rule as a callback shared by a search's probes: a probe clearly
// worse than the median of earlier probes at the same epoch is stopped; the
// last epoch is never cut; probes on other data or horizons are not compared.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CancelFit, type Learner } from '../../src/train/index.js';
import { MedianStopping } from '../../src/steps/median_stop.js';

/** Runs one probe's validation curve through the callback; returns the epochs it ran. */
function probe(cb: MedianStopping, curve: number[], batches = 10): number {
  const l = { nEpochs: curve.length, startEpoch: 0, epoch: 0, train: { length: batches }, lastEpoch: null } as unknown as Learner & { lastEpoch: { validLoss: number } };
  cb.beforeFit(l);
  let ran = 0;
  try {
    for (let e = 0; e < curve.length; e++) {
      l.epoch = e;
      (l as any).lastEpoch = { validLoss: curve[e] };
      ran = e + 1;
      cb.afterEpoch(l);
    }
  } catch (err) {
    if (!(err instanceof CancelFit)) throw err;
  } finally {
    cb.afterFit();
  }
  return ran;
}

describe('median stopping', () => {
  it('stops a hopeless probe after the epoch where it falls behind, keeps good ones', () => {
    const stops: number[] = [];
    const cb = new MedianStopping({}, (s) => stops.push(s.epoch));
    assert.equal(probe(cb, [1.0, 0.8, 0.7]), 3);
    assert.equal(probe(cb, [1.1, 0.9, 0.75]), 3, 'no judgment with a single peer');
    assert.equal(probe(cb, [1.05, 0.85, 0.7]), 3, 'within 10 % of the median');
    assert.equal(probe(cb, [1.6, 1.5, 1.4]), 1, 'far above the median after epoch 1');
    assert.deepEqual(stops, [1]);
    assert.equal(cb.stopped[0].peers, 3);
  });

  it('never cuts the last epoch, and compares only probes of the same shape', () => {
    const cb = new MedianStopping();
    probe(cb, [1.0, 0.8]);
    probe(cb, [1.0, 0.8]);
    assert.equal(probe(cb, [1.0, 5.0]), 2, 'the last epoch is never cut (its result is what the probe is)');
    assert.equal(probe(cb, [9, 9], 3), 2, 'a probe on less data (3 batches an epoch) has no peers');
  });
});
