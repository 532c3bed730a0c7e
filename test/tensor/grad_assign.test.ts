// Assigning `.grad`: PyTorch's rules (same shape, dtype and device as the
// tensor), each refusal a typed error naming what was expected and found.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { zeros, ones, tidy, Tensor, ShapeError, DTypeError, DeviceError, ArgumentError, DisposedTensorError } from '../../src/tensor/index.js';
import { native } from '../../src/tensor/native.js';
import { opId } from '../../src/tensor/ops.js';
import { noLeaks } from '../helpers.js';

describe('.grad assignment', () => {
  it('refuses a gradient of another shape (a [1] gradient would broadcast over a [3] parameter)', () => noLeaks(() => tidy(() => {
    const p = zeros([3]).requiresGrad_();
    assert.throws(() => (p.grad = ones([1])), (e: unknown) => e instanceof ShapeError && /shape \[1\].*\[3\]/.test((e as Error).message));
    assert.throws(() => (p.grad = ones([3, 1])), ShapeError);
    assert.equal(p.grad, null);
  })));

  it('refuses a gradient of another dtype', () => noLeaks(() => tidy(() => {
    const p = zeros([3]).requiresGrad_();
    assert.throws(() => (p.grad = ones([3], { dtype: 'float64' })), (e: unknown) => e instanceof DTypeError && /Double.*Float/.test((e as Error).message));
    assert.throws(() => (p.grad = ones([3], { dtype: 'int64' })), DTypeError);
    assert.equal(p.grad, null);
  })));

  it('refuses a gradient on another device (the meta device stands in for a GPU)', () => noLeaks(() => tidy(() => {
    const p = zeros([3]).requiresGrad_();
    const onMeta = new Tensor(native.call(opId('aten::empty', 'memory_format'), [3], 6, 0, 'meta') as number);
    assert.throws(() => (p.grad = onMeta), (e: unknown) => e instanceof DeviceError && /on meta, the tensor on cpu/.test((e as Error).message));
    onMeta.dispose();
  })));

  it('takes a matching gradient, and null clears it', () => noLeaks(() => tidy(() => {
    const p = zeros([2, 3]).requiresGrad_();
    p.grad = ones([2, 3]);
    assert.deepEqual(Array.from(p.grad!.toArray()), [1, 1, 1, 1, 1, 1]);
    p.grad = null;
    assert.equal(p.grad, null);
  })));

  it('refuses the tensor itself and a disposed gradient', () => noLeaks(() => tidy(() => {
    const p = zeros([3]).requiresGrad_();
    assert.throws(() => (p.grad = p), ArgumentError);
    const g = ones([3]);
    g.dispose();
    assert.throws(() => (p.grad = g), DisposedTensorError);
  })));
});
