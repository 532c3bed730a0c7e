// Seeds, random state and engine information.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, randn, getRngState, setRngState, tidy, engineInfo, getNumThreads, setNumThreads, noGrad, isGradEnabled, tensor } from '../../src/tensor/index.js';
import { noLeaks } from '../helpers.js';

describe('runtime', () => {
  it('restoring the random state repeats the stream', () => noLeaks(() => tidy(() => {
    manualSeed(7);
    randn([3]);
    const state = getRngState();
    const a = randn([5]).toArray();
    randn([100]);
    setRngState(state);
    assert.deepEqual(randn([5]).toArray(), a);
  })));

  it('noGrad turns graph recording off and restores it', () => noLeaks(() => tidy(() => {
    const w = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => {
      assert.equal(isGradEnabled(), false);
      return w.mul(2);
    });
    assert.equal(isGradEnabled(), true);
    assert.equal(y.requiresGrad, false);
  })));

  it('reports the libtorch version and threads', () => {
    const info = engineInfo();
    assert.match(info.torchVersion, /^\d+\.\d+/);
    const n = getNumThreads();
    setNumThreads(1);
    assert.equal(getNumThreads(), 1);
    setNumThreads(n);
  });
});
