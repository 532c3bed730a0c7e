// Channels-last: convolution weights lie NHWC (oneDNN's fast layout) while
// values, seeded initial weights, state dicts and results stay PyTorch's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, randn, empty, tidy, ArgumentError } from '../../src/tensor/index.js';
import { Conv2d } from '../../src/nn/index.js';
import { noLeaks, assertClose } from '../helpers.js';

describe('memory formats', () => {
  it('contiguous(format) and strides', () => noLeaks(() => tidy(() => {
    const x = randn([2, 3, 4, 5]);
    assert.deepEqual(x.strides(), [60, 20, 5, 1]);
    assert.ok(x.isContiguous());
    assert.ok(!x.isContiguous('channelsLast'));
    const cl = x.contiguous('channelsLast');
    assert.deepEqual(cl.strides(), [60, 1, 15, 3]);
    assert.ok(cl.isContiguous('channelsLast'));
    assert.deepEqual(cl.toArray(), x.toArray(), 'same values in logical order');
    assert.ok(cl.contiguous().isContiguous());
    assert.ok(!randn([3, 4]).isContiguous('channelsLast'), 'only 4-D tensors can be channels-last');
  })));

  it('empty() with a memory format; a non-4-D channels-last shape is refused', () => noLeaks(() => tidy(() => {
    assert.ok(empty([2, 3, 4, 4], { memoryFormat: 'channelsLast' }).isContiguous('channelsLast'));
    assert.throws(() => empty([3, 4], { memoryFormat: 'channelsLast' }), (e: unknown) => e instanceof ArgumentError && /4-D/.test((e as Error).message));
  })));

  it('Conv2d: channels-last by default, the same seeded weights and outputs as a row-major Conv2d', () => noLeaks(() => {
    manualSeed(7);
    const a = new Conv2d({ inChannels: 3, outChannels: 8, kernelSize: 3, padding: 1 });
    manualSeed(7);
    const b = new Conv2d({ inChannels: 3, outChannels: 8, kernelSize: 3, padding: 1, memoryFormat: 'contiguous' });
    assert.ok(a.weight.isContiguous('channelsLast') && !a.weight.isContiguous());
    assert.ok(b.weight.isContiguous());
    tidy(() => {
      assert.deepEqual(a.weight.toArray(), b.weight.toArray());
      const x = randn([2, 3, 6, 6]);
      const ya = a.forward(x);
      assert.ok(ya.isContiguous('channelsLast'), 'activations follow the weight');
      assertClose(ya, b.forward(x).toArray(), { atol: 1e-5, rtol: 1e-5 });
      // A state dict round trip keeps the layout and the values.
      const sd = b.stateDict();
      a.loadStateDict(sd);
      assert.ok(a.weight.isContiguous('channelsLast'));
      assert.deepEqual(a.weight.toArray(), b.weight.toArray());
    });
    a.dispose();
    b.dispose();
  }));
});
