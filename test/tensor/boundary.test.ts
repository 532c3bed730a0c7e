// Numbers at the addon boundary: every number that becomes an integer is
// checked (NaN, infinities, fractions, beyond int64) and every code that
// becomes a libtorch enum is checked, so no value reaches undefined behaviour.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { zeros, liveTensors, Tensor, ArgumentError, DisposedTensorError, OutOfMemoryError, ShapeError } from '../../src/tensor/index.js';
import { native } from '../../src/tensor/native.js';
import { opId } from '../../src/tensor/ops.js';
import { noLeaks } from '../helpers.js';

describe('the addon boundary', () => {
  it('sizes that are not integers in int64 are ArgumentErrors', () => noLeaks(() => {
    for (const n of [1e300, -1e300, Number.NaN, Number.POSITIVE_INFINITY, -0.5, 2.5, 2 ** 63]) {
      assert.throws(() => zeros([n]), (e: unknown) => e instanceof ArgumentError && /expected an integer/.test((e as Error).message), String(n));
    }
    assert.throws(() => zeros([-1]), ShapeError);
  }));

  it('a huge but valid size is an OutOfMemoryError', () => noLeaks(() => {
    assert.throws(() => zeros([1e18]), OutOfMemoryError);
  }));

  it('dtype, layout and memory-format codes outside their enums are refused', () => noLeaks(() => {
    const z = opId('aten::zeros');
    assert.throws(() => native.call(z, [2], 99), /unknown dtype code 99/);
    assert.throws(() => native.call(z, [2], -1), /unknown dtype code -1/);
    assert.throws(() => native.call(z, [2], 6, 99), /unknown layout code 99/);
    assert.throws(() => native.call(opId('aten::empty', 'memory_format'), [2], 6, 0, 'cpu', false, 77), /unknown memory format code 77/);
    assert.throws(() => native.fromBuffer(new Float32Array(2), [2], 262), /unsupported dtype code 262/);
    assert.throws(() => native.fromBuffer(new Float32Array(2), [2], 6.5), ArgumentError);
  }));

  it('every other integer argument is bounded', () => noLeaks(() => {
    assert.throws(() => native.manualSeed(1.5), ArgumentError);
    assert.throws(() => native.setNumThreads(1e300), ArgumentError);
    assert.throws(() => native.setNumThreads(Number.NaN), ArgumentError);
    assert.throws(() => native.optimStep(Number.NaN), ArgumentError);
    assert.throws(() => native.call(1e300), ArgumentError);
  }));

  it('numbers that are not handles are refused, never aliased', () => noLeaks(() => {
    const base = liveTensors();
    for (const h of [-1, 1.5, Number.NaN, 2 ** 53, 2 ** 60, Number.POSITIVE_INFINITY, 0, 123456789]) {
      assert.throws(() => new Tensor(h).shape, DisposedTensorError, String(h));
      native.dispose(h);
    }
    assert.equal(liveTensors(), base);
  }));
});
