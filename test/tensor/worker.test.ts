// Worker threads: each Node environment that loads the addon gets its own
// tensor table, optimizers and error classes. Workers train, raise typed
// errors and end (cleanly, with tensors left over, or terminated); the main
// thread then keeps working, with typed errors and its live count at baseline,
// and a handle from another thread is refused instead of aliased.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { zeros, randn, tidy, liveTensors, Tensor, ArgumentError, ShapeError, DisposedTensorError, TorchError } from '../../src/tensor/index.js';
import { native } from '../../src/tensor/native.js';
import { Linear } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';

const body = fileURLToPath(new URL('./worker_body.js', import.meta.url));

interface Report {
  first: number;
  last: number;
  errors: string[];
  gradEnabled: boolean;
  mineHandle: number;
  base: number;
}

function start(foreignHandle: number, o: { keepAlive?: boolean; leave?: boolean } = {}) {
  const w = new Worker(body, { workerData: { foreignHandle, keepAlive: o.keepAlive ?? false, leave: o.leave ?? false } });
  // Every message is queued as it arrives, so none is lost between awaits.
  const messages: any[] = [];
  const waiting: Array<(m: any) => void> = [];
  let failure: unknown = null;
  w.on('message', (m) => (waiting.length ? waiting.shift()!(m) : messages.push(m)));
  w.on('error', (e) => (failure = e));
  const next = () =>
    new Promise<any>((resolve, reject) => {
      if (failure) return reject(failure);
      if (messages.length) return resolve(messages.shift());
      waiting.push(resolve);
      w.once('exit', (code) => reject(new Error(`worker exited (${code}) before its report${failure ? `: ${String(failure)}` : ''}`)));
    });
  const exited = once(w, 'exit');
  return { w, next, exited };
}

function mainStillWorks(base: number): void {
  assert.throws(() => zeros([Number.NaN]), ArgumentError);
  assert.throws(() => tidy(() => randn([2, 3]).matmul(randn([4, 5]))), ShapeError);
  tidy(() => {
    const lin = new Linear({ inFeatures: 3, outFeatures: 1 });
    const opt = new SGD({ params: lin.parameters(), lr: 0.1 });
    const x = randn([8, 3]);
    const before = lin.forward(x).pow(2).mean().item();
    for (let i = 0; i < 5; i++) {
      tidy(() => {
        opt.zeroGrad();
        lin.forward(x).pow(2).mean().backward();
        opt.step();
      });
    }
    assert.ok(lin.forward(x).pow(2).mean().item() < before);
    opt.dispose();
    lin.dispose();
  });
  assert.equal(liveTensors(), base);
}

describe('worker threads', () => {
  it('workers train, throw typed errors and end; the main thread keeps working at its baseline', async () => {
    const base = liveTensors();
    const precious = zeros([3]);
    for (const leave of [false, true]) {
      const workers = [start(precious._h, { leave }), start(precious._h, { leave })];
      for (const { next, exited } of workers) {
        const r: Report = await next();
        assert.equal(r.gradEnabled, true);
        assert.ok(r.last < r.first / 2, `the worker trained: loss ${r.first} -> ${r.last}`);
        assert.deepEqual(r.errors, ['ArgumentError', 'ShapeError', 'ArgumentError', 'ArgumentError']);
        const end = await next();
        assert.equal(end.live, leave ? end.base + 7 : end.base);
        await exited;
      }
      // The workers disposed the main thread's handle: it is still ours and alive.
      assert.equal(precious.isDisposed, false);
      assert.deepEqual(precious.shape, [3]);
      assert.equal(liveTensors(), base + 1);
      mainStillWorks(base + 1);
    }
    precious.dispose();
    assert.equal(liveTensors(), base);
  });

  it('a handle from a live worker is refused; after the worker ends it is still never aliased', async () => {
    const base = liveTensors();
    const { w, next, exited } = start(-1, { keepAlive: true });
    const r: Report = await next();
    assert.throws(() => new Tensor(r.mineHandle).shape, (e: unknown) => e instanceof ArgumentError && /another thread/.test((e as Error).message));
    native.dispose(r.mineHandle); // ignored: not ours
    assert.equal(native.isLive(r.mineHandle), false);
    w.postMessage('go');
    await next();
    await exited;
    assert.throws(() => new Tensor(r.mineHandle).shape, (e: unknown) => e instanceof DisposedTensorError || e instanceof ArgumentError);
    mainStillWorks(base);
  });

  it('a worker terminated mid-training takes its tensors with it', async () => {
    const base = liveTensors();
    const { w, next } = start(-1, { keepAlive: true });
    await next();
    await w.terminate();
    mainStillWorks(base);
    assert.throws(() => zeros([-0.5]), (e: unknown) => e instanceof TorchError);
  });
});
