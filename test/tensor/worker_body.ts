// Runs inside a worker_thread for worker.test.ts: trains a small model with
// its own copy of the addon, raises typed errors, tries the main thread's
// tensor, then reports what it saw. Not a test file on its own.
import { parentPort, workerData } from 'node:worker_threads';
import { tidy, randn, zeros, liveTensors, Tensor, TorchError } from '../../src/tensor/index.js';
import { native } from '../../src/tensor/native.js';
import { Sequential, Linear, ReLU, mseLoss } from '../../src/nn/index.js';
import { Adam } from '../../src/optim/index.js';

const { foreignHandle, keepAlive, leave } = workerData as { foreignHandle: number; keepAlive: boolean; leave: boolean };

const errors: string[] = [];
const expectTyped = (f: () => unknown) => {
  try {
    f();
    errors.push('none');
  } catch (e) {
    errors.push(e instanceof TorchError ? e.name : `untyped ${String(e)}`);
  }
};

const base = liveTensors();
const gradEnabled = native.isGradEnabled();
const net = new Sequential(new Linear({ inFeatures: 4, outFeatures: 16 }), new ReLU(), new Linear({ inFeatures: 16, outFeatures: 1 }));
const opt = new Adam({ params: net.parameters(), lr: 0.02 });
const x = randn([64, 4]);
const y = tidy(() => x.sum(1, true));
const losses: number[] = [];
for (let step = 0; step < 30; step++) {
  tidy(() => {
    opt.zeroGrad();
    const loss = mseLoss(net.forward(x), y);
    loss.backward();
    opt.step();
    losses.push(loss.item());
  });
}
expectTyped(() => zeros([Number.NaN]));
expectTyped(() => tidy(() => randn([2, 3]).matmul(randn([4, 5]))));
expectTyped(() => new Adam({ params: net.parameters(), betas: [Number.NaN, 0.9] }));
// The main thread's tensor: refused, and disposing it here does nothing there.
expectTyped(() => new Tensor(foreignHandle).shape);
native.dispose(foreignHandle);
// A tensor of this worker's own, for the main thread to try.
const mine = zeros([2]);

parentPort!.postMessage({ first: losses[0], last: losses[losses.length - 1], errors, gradEnabled, mineHandle: mine._h, base });
if (keepAlive) {
  // Stay until told to go, so the main thread can try `mine` while this environment lives.
  parentPort!.once('message', () => finish());
} else finish();

function finish() {
  if (!leave) {
    mine.dispose();
    x.dispose();
    y.dispose();
    opt.dispose();
    net.dispose();
  }
  // With leave set, tensors are left for the environment's teardown to free.
  parentPort!.postMessage({ live: liveTensors(), base });
  parentPort!.close();
}
