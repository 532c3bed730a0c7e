// Deterministic memory: scopes, keep, dispose, handles that go stale, and a
// live-tensor count that always returns to its baseline.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tidy, keep, dispose, liveTensors, tensor, randn, zeros, Tensor, DisposedTensorError, ArgumentError } from '../../src/tensor/index.js';
import { native } from '../../src/tensor/native.js';
import { noLeaks } from '../helpers.js';

describe('memory', () => {
  it('tidy releases everything but what it returns', () => noLeaks(() => {
    const base = liveTensors();
    const kept = tidy(() => {
      const a = randn([100, 100]);
      const b = a.mul(2).add(1).relu();
      return { out: b.sum(), list: [a.mean()] };
    });
    assert.equal(liveTensors(), base + 2);
    dispose(kept);
  }));

  it('nested scopes hand returned tensors to the enclosing scope', () => noLeaks(() => {
    const base = liveTensors();
    tidy(() => {
      const outer = zeros([3]);
      const inner = tidy(() => outer.add(1));
      assert.equal(liveTensors(), base + 2);
      assert.equal(inner.isDisposed, false);
      // A tensor from the outer scope returned by an inner one stays with its owner.
      const same = tidy(() => outer);
      assert.equal(same, outer);
      assert.equal(outer.isDisposed, false);
    });
    assert.equal(liveTensors(), base);
  }));

  it('keep() takes a tensor out of every scope', () => noLeaks(() => {
    const base = liveTensors();
    let kept: Tensor | null = null;
    tidy(() => {
      tidy(() => {
        kept = keep(randn([2]));
        randn([4]);
      });
    });
    assert.equal(liveTensors(), base + 1);
    assert.equal(kept!.isDisposed, false);
    kept!.dispose();
  }));

  it('a throwing scope still releases its tensors', () => noLeaks(() => {
    assert.throws(() => tidy(() => {
      randn([10]);
      throw new Error('boom');
    }), /boom/);
  }));

  it('tidy refuses async functions', () => noLeaks(() => {
    assert.throws(() => tidy(async () => randn([2]) as unknown as Promise<Tensor>), ArgumentError);
  }));

  it('using a disposed tensor throws DisposedTensorError, double dispose is harmless', () => noLeaks(() => {
    const t = tensor([1, 2, 3]);
    t.dispose();
    t.dispose();
    assert.throws(() => t.add(1), DisposedTensorError);
    assert.throws(() => t.shape, DisposedTensorError);
    assert.equal(String(t), 'Tensor(disposed)');
  }));

  it('a stale handle to a reused slot is detected, not aliased', () => noLeaks(() => {
    const a = tensor([1]);
    const stale = a.handle;
    a.dispose();
    const b = tensor([2]);
    assert.throws(() => native.call(native.resolve('aten::neg', ''), stale), DisposedTensorError);
    b.dispose();
  }));

  it('autograd graphs are released with the scope', () => noLeaks(() => {
    const w = keep(randn([50, 50], { requiresGrad: true }));
    for (let i = 0; i < 20; i++) {
      tidy(() => {
        w.matmul(w).tanh().sum().backward();
        w.grad = null;
      });
    }
    w.dispose();
  }));
});

describe('bad input never crashes the process', () => {
  it('wrong argument kinds become ArgumentError', () => noLeaks(() => tidy(() => {
    const add = native.resolve('aten::add', 'Tensor');
    const x = tensor([1, 2]);
    assert.throws(() => native.call(add, x.handle, 'nope'), ArgumentError);
    assert.throws(() => native.call(add, x.handle), ArgumentError);
    assert.throws(() => native.call(add, x.handle, x.handle, 1, 2, 3), ArgumentError);
    assert.throws(() => native.call(99999, 1), ArgumentError);
    assert.throws(() => native.resolve('aten::does_not_exist', ''), ArgumentError);
    assert.throws(() => native.fromBuffer(new Float32Array(3), [2, 2], 6), ArgumentError);
    assert.throws(() => native.fromBuffer(new Float32Array(3), [-3], 6), ArgumentError);
    assert.throws(() => native.fromBuffer(new Float32Array(3), [3], 42), ArgumentError);
    assert.throws(() => x.view(1.5), ArgumentError);
  })));

  it('libtorch failures become typed errors with libtorch\'s message', () => noLeaks(() => tidy(() => {
    assert.throws(() => randn([2, 3]).matmul(randn([4, 5])), (e: Error) => e.name === 'ShapeError' && /mat1 and mat2|shapes/.test(e.message));
    assert.throws(() => randn([2, 3]).view(7), (e: Error) => e.name === 'ShapeError');
    assert.throws(() => randn([3]).select(0, 10), (e: Error) => e.name === 'IndexError' || e.name === 'ShapeError');
    assert.throws(() => randn([3]).to('cuda:0'), (e: Error) => e instanceof Error && e.name !== 'Error');
    assert.throws(() => randn([2]).backward(), ArgumentError);
  })));

  it('survives a seeded fuzz of random arguments to random ops', () => noLeaks(() => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const names = ['aten::add.Tensor', 'aten::matmul', 'aten::conv2d', 'aten::view', 'aten::cat', 'aten::index.Tensor', 'aten::lstm.input', 'aten::batch_norm', 'aten::cross_entropy_loss', 'aten::gather', 'aten::reshape', 'aten::sum.dim_IntList'];
    const ids = names.map((n) => { const [a, b] = n.split('.'); return native.resolve(a, b ?? ''); });
    let errors = 0;
    tidy(() => {
      const pool = [randn([2, 3]), randn([3]), randn([1, 1, 4, 4]), zeros([2], { dtype: 'int64' }), randn([])];
      const values = (): unknown => {
        const r = rnd();
        if (r < 0.35) return pool[Math.floor(rnd() * pool.length)].handle;
        if (r < 0.5) return Math.floor(rnd() * 7) - 3;
        if (r < 0.6) return [pool[0].handle, pool[1].handle];
        if (r < 0.7) return [Math.floor(rnd() * 4), -1];
        if (r < 0.75) return null;
        if (r < 0.8) return 'x';
        if (r < 0.85) return { a: 1 };
        if (r < 0.9) return rnd() > 0.5;
        return 1e300;
      };
      for (let i = 0; i < 3000; i++) {
        const id = ids[Math.floor(rnd() * ids.length)];
        const args = Array.from({ length: Math.floor(rnd() * 10) }, values);
        try {
          const out = native.call(id, ...args);
          const handles = (Array.isArray(out) ? out.flat(2) : [out]).filter((h) => typeof h === 'number') as number[];
          native.dispose(...handles);
        } catch (e) {
          assert.ok(e instanceof Error && e.name !== 'Error', `untyped error: ${String(e)}`);
          errors++;
        }
      }
    });
    assert.ok(errors > 100);
  }));
});
