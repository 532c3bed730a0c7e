// Optimizer trajectories, parameter groups, state round trips and clipping against PyTorch.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tidy, ArgumentError } from '../../src/tensor/index.js';
import { Sequential, Linear, ReLU, crossEntropy } from '../../src/nn/index.js';
import { SGD, Adam, AdamW, Optimizer, clipGradNorm, gradsFinite, gradNorms } from '../../src/optim/index.js';
import { reference, fromRef, assertClose, noLeaks } from '../helpers.js';

const ref = reference().optim;

function mlp(start: Record<string, any>): Sequential {
  const net = new Sequential(new Linear({ inFeatures: 4, outFeatures: 8 }), new ReLU(), new Linear({ inFeatures: 8, outFeatures: 3 }));
  tidy(() => {
    const sd: Record<string, any> = {};
    for (const [k, r] of Object.entries(start)) sd[k] = fromRef(r as any);
    net.loadStateDict(sd);
  });
  return net;
}

function groupsOf(net: Sequential, lrs: [number, number]) {
  return [
    { params: net.layers[0].parameters(), lr: lrs[0] },
    { params: net.layers[2].parameters(), lr: lrs[1] },
  ];
}

const makers: Record<string, [(n: Sequential) => Optimizer, [number, number[]]?]> = {
  sgd_momentum: [(n) => new SGD({ params: n.parameters(), lr: 0.1, momentum: 0.9, weightDecay: 1e-4 })],
  sgd_nesterov: [(n) => new SGD({ params: n.parameters(), lr: 0.05, momentum: 0.9, nesterov: true })],
  sgd_plain: [(n) => new SGD({ params: n.parameters(), lr: 0.2 })],
  adam: [(n) => new Adam({ params: n.parameters(), lr: 0.01, weightDecay: 0.01 })],
  adam_amsgrad: [(n) => new Adam({ params: n.parameters(), lr: 0.02, amsgrad: true })],
  adamw: [(n) => new AdamW({ params: n.parameters(), lr: 0.01, weightDecay: 0.05 })],
  adamw_groups: [(n) => new AdamW({ params: groupsOf(n, [0.001, 0.01]), lr: 0.01 }), [6, [0.002, 0.005]]],
  sgd_groups: [(n) => new SGD({ params: groupsOf(n, [0.05, 0.2]), lr: 0.1, momentum: 0.9 }), [4, [0.1, 0.01]]],
};

describe('optimizer trajectories match PyTorch over 12 steps', () => {
  it('covers every fixture case', () => {
    for (const name of Object.keys(ref)) assert.ok(makers[name], `no case for ${name}`);
  });
  for (const [name, [make, change]] of Object.entries(makers)) {
    it(name, () => noLeaks(() => {
      const r = ref[name];
      const net = mlp(r.start);
      const opt = make(net);
      const x = fromRef(r.x);
      const y = fromRef(r.y);
      const losses: number[] = [];
      const lrs: number[][] = [];
      for (let step = 0; step < r.losses.length; step++) {
        if (change && step === change[0]) opt.setLrs(change[1]);
        tidy(() => {
          opt.zeroGrad();
          const loss = crossEntropy(net.forward(x), y);
          loss.backward();
          opt.step();
          losses.push(loss.item());
        });
        lrs.push(opt.lrs);
      }
      assertClose(losses, r.losses, { rtol: 1e-5, atol: 1e-6, what: 'losses' });
      assert.deepEqual(lrs, r.lrs);
      const sd = net.stateDict();
      for (const [k, e] of Object.entries(r.end)) assertClose(sd[k], e as any, { what: k, rtol: 1e-4, atol: 1e-6 });
      x.dispose();
      y.dispose();
      opt.dispose();
      net.dispose();
    }));
  }
});

describe('optimizer state', () => {
  it('a restored optimizer continues exactly where the original would', () => noLeaks(() => {
    const r = ref.adamw;
    const run = (resumeAt: number | null) => {
      const net = mlp(r.start);
      let opt: Optimizer = new AdamW({ params: net.parameters(), lr: 0.01, weightDecay: 0.05 });
      const x = fromRef(r.x);
      const y = fromRef(r.y);
      for (let step = 0; step < 8; step++) {
        if (step === resumeAt) {
          const snap = opt.stateDict();
          opt.dispose();
          opt = new AdamW({ params: net.parameters(), lr: 0.5, weightDecay: 0 });
          opt.loadStateDict(snap);
          for (const t of Object.values(snap.tensors)) t.dispose();
        }
        tidy(() => {
          opt.zeroGrad();
          crossEntropy(net.forward(x), y).backward();
          opt.step();
        });
      }
      const out = net.parameters().map((p) => p.toArray());
      x.dispose();
      y.dispose();
      opt.dispose();
      net.dispose();
      return out;
    };
    assert.deepEqual(run(4), run(null));
  }));

  it('rejects invalid hyperparameters and mismatched state', () => noLeaks(() => {
    const net = mlp(ref.sgd_plain.start);
    assert.throws(() => new SGD({ params: net.parameters(), lr: -1 }), ArgumentError);
    assert.throws(() => new SGD({ params: net.parameters(), lr: 0.1, nesterov: true }), ArgumentError);
    assert.throws(() => new Adam({ params: net.parameters(), betas: [1.2, 0.9] }), ArgumentError);
    assert.throws(() => new Adam({ params: [] }), ArgumentError);
    const sgd = new SGD({ params: net.parameters(), lr: 0.1 });
    const adam = new Adam({ params: net.parameters() });
    const snap = sgd.stateDict();
    assert.throws(() => adam.loadStateDict(snap), ArgumentError);
    assert.throws(() => sgd.setLr(5, 0.1), ArgumentError);
    sgd.dispose();
    adam.dispose();
    net.dispose();
  }));
});

describe('gradient clipping', () => {
  const clip = reference().clip;
  for (const [name, normType] of [['l2', 2], ['inf', Infinity]] as const) {
    it(`clipGradNorm (${name}) matches torch.nn.utils.clip_grad_norm_`, () => noLeaks(() => tidy(() => {
      const c = clip[name];
      const p1 = fromRef(c.p1, { requiresGrad: true });
      const p2 = fromRef(c.p2, { requiresGrad: true });
      p1.mul(3).pow(2).sum().add(p2.mul(5).sum()).backward();
      assert.ok(gradsFinite([p1, p2]));
      const total = clipGradNorm([p1, p2], 1.5, normType);
      assertClose([total], [c.total], { rtol: 1e-6 });
      assertClose(p1.grad!, c.g1, { rtol: 1e-5 });
      assertClose(p2.grad!, c.g2, { rtol: 1e-5 });
      const norms = gradNorms([p1, p2]);
      assert.equal(norms.length, 2);
    })));
  }
});
