// Ops and their gradients against PyTorch (test/fixtures/generate.py).
import { describe, it } from 'node:test';
import { tidy, cat, stack, type Tensor } from '../../src/tensor/index.js';
import * as F from '../../src/nn/functional.js';
import { mseLoss, crossEntropy, binaryCrossEntropyWithLogits, tripletMarginLoss, contrastiveLoss } from '../../src/nn/loss.js';
import { reference, fromRef, assertClose, noLeaks } from '../helpers.js';

type In = Record<string, Tensor>;
const cases: Record<string, (x: In) => Tensor> = {
  add: ({ a, b }) => a.add(b),
  mul: ({ a, b }) => a.mul(b),
  div: ({ a, b }) => a.div(b),
  matmul: ({ a, b }) => a.matmul(b),
  exp: ({ a }) => a.exp(),
  log: ({ a }) => a.log(),
  tanh: ({ a }) => a.tanh(),
  sigmoid: ({ a }) => a.sigmoid(),
  relu: ({ a }) => a.relu(),
  pow: ({ a }) => a.pow(3),
  clamp: ({ a }) => a.clamp(-0.5, 0.5),
  softmax: ({ a }) => a.softmax(1),
  log_softmax: ({ a }) => a.logSoftmax(1),
  sum_dim: ({ a }) => a.sum(1),
  mean: ({ a }) => a.mean(),
  var: ({ a }) => a.var(0),
  std: ({ a }) => a.std(1, { unbiased: false }),
  norm: ({ a }) => a.norm(2, 1),
  max_dim: ({ a }) => a.max(1).values,
  transpose_reshape: ({ a }) => a.t().reshape(2, 6),
  cat: ({ a, b }) => cat([a, b], 1),
  stack: ({ a, b }) => stack([a, b], 0),
  gather: ({ a, idx }) => a.gather(1, idx),
  index_select: ({ a, idx }) => a.indexSelect(0, idx),
  conv2d: ({ x, w }) => F.conv2d(x, w, null, { stride: 1, padding: 1 }),
  conv2d_stride2: ({ x, w }) => F.conv2d(x, w, null, { stride: 2 }),
  max_pool2d: ({ x }) => F.maxPool2d(x, 2),
  avg_pool2d: ({ x }) => F.avgPool2d(x, 3, 1, 1),
  adaptive_avg_pool2d: ({ x }) => F.adaptiveAvgPool2d(x, 1),
  mse_loss: ({ a, b }) => mseLoss(a, b),
  cross_entropy: ({ a, y }) => crossEntropy(a, y),
  cross_entropy_smooth: ({ a, y }) => crossEntropy(a, y, { labelSmoothing: 0.1 }),
  bce_logits: ({ a, t }) => binaryCrossEntropyWithLogits(a, t),
  triplet: ({ a, p, n }) => tripletMarginLoss(a, p, n, { margin: 1 }),
  contrastive: ({ a, b, y }) => contrastiveLoss(a, b, y, { margin: 1 }),
};

describe('ops match PyTorch, forward and backward', () => {
  const ops = reference().ops as Record<string, any>;
  it('covers every fixture case', () => {
    for (const name of Object.keys(ops)) if (!cases[name]) throw new Error(`no test case for fixture op ${name}`);
  });
  for (const [name, fn] of Object.entries(cases)) {
    it(name, () =>
      noLeaks(() =>
        tidy(() => {
          const c = ops[name];
          const inputs: In = {};
          for (const [k, r] of Object.entries(c.inputs)) inputs[k] = fromRef(r as any, { requiresGrad: true });
          for (const [k, r] of Object.entries(c.int_inputs)) inputs[k] = fromRef(r as any);
          const y = fn(inputs);
          assertClose(y, c.output, { what: `${name} output`, rtol: 1e-5, atol: 1e-5 });
          y.mul(fromRef(c.weight)).sum().backward();
          for (const [k, r] of Object.entries(c.grads)) assertClose(inputs[k].grad!, r as any, { what: `${name} d/d${k}`, rtol: 1e-5, atol: 1e-5 });
        }),
      ));
  }
});
