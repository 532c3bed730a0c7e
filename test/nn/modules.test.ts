// Module outputs, running statistics, LSTM gradients and state dicts against PyTorch.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tidy, tensor, randn, manualSeed, ArgumentError, ShapeError } from '../../src/tensor/index.js';
import { BatchNorm1d, BatchNorm2d, LSTM, BasicBlock, Sequential, Linear, ReLU, Dropout, Module } from '../../src/nn/index.js';
import { reference, fromRef, assertClose, noLeaks } from '../helpers.js';

const ref = reference().modules;
const load = (m: Module<any, any>, state: Record<string, any>) =>
  tidy(() => {
    const sd: Record<string, any> = {};
    for (const [k, r] of Object.entries(state)) sd[k] = fromRef(r as any);
    m.loadStateDict(sd);
  });

describe('modules match PyTorch', () => {
  it('BatchNorm2d: batch statistics in training, running statistics after', () => noLeaks(() => {
    const bn = new BatchNorm2d({ numFeatures: 3 });
    tidy(() => {
      assertClose(bn.forward(fromRef(ref.batchnorm2d_train.input)), ref.batchnorm2d_train.output, { atol: 1e-5 });
      const sd = bn.stateDict();
      for (const [k, r] of Object.entries(ref.batchnorm2d_train.state)) assertClose(sd[k], r as any, { what: k, atol: 1e-6 });
      bn.eval();
      assertClose(bn.forward(fromRef(ref.batchnorm2d_eval.input)), ref.batchnorm2d_eval.output, { atol: 1e-5 });
    });
    bn.dispose();
  }));

  it('BatchNorm1d', () => noLeaks(() => {
    const bn = new BatchNorm1d({ numFeatures: 6 });
    tidy(() => {
      assertClose(bn.forward(fromRef(ref.batchnorm1d_train.input)), ref.batchnorm1d_train.output, { atol: 1e-5 });
      const sd = bn.stateDict();
      for (const [k, r] of Object.entries(ref.batchnorm1d_train.state)) assertClose(sd[k], r as any, { what: k, atol: 1e-6 });
      assert.throws(() => bn.forward(randn([2, 6, 3, 3])), ShapeError);
    });
    bn.dispose();
  }));

  it('LSTM: outputs, final states and gradients', () => noLeaks(() => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, batchFirst: true });
    load(lstm, reference().init.lstm);
    tidy(() => {
      const { output, h, c } = lstm.forward(fromRef(ref.lstm.input));
      assertClose(output, ref.lstm.output, { atol: 1e-6 });
      assertClose(h, ref.lstm.h, { atol: 1e-6 });
      assertClose(c, ref.lstm.c, { atol: 1e-6 });
      output.sum().add(h.sum()).backward();
      for (const [k, p] of lstm.namedParameters()) assertClose(p.grad!, ref.lstm.grads[k], { what: `grad ${k}`, atol: 1e-5 });
    });
    lstm.dispose();
  }));

  it('ResNet basic block with a projection shortcut, in training mode', () => noLeaks(() => {
    const blk = new BasicBlock({ inPlanes: 3, planes: 6, stride: 2 });
    assert.deepEqual(Object.keys(blk.stateDict()).sort(), Object.keys(ref.basic_block.state).sort());
    load(blk, ref.basic_block.state);
    tidy(() => {
      assertClose(blk.forward(fromRef(ref.basic_block.input)), ref.basic_block.output, { atol: 1e-5 });
      const sd = blk.stateDict();
      for (const [k, r] of Object.entries(ref.basic_block.state_after)) assertClose(sd[k], r as any, { what: k, atol: 1e-6 });
    });
    blk.dispose();
  }));
});

describe('Module', () => {
  it('names parameters as PyTorch does and counts them', () => noLeaks(() => {
    const net = new Sequential(new Linear({ inFeatures: 4, outFeatures: 8 }), new ReLU(), new Dropout({ p: 0.2 }), new Linear({ inFeatures: 8, outFeatures: 3 }));
    assert.deepEqual(net.namedParameters().map(([n]) => n), ['0.weight', '0.bias', '3.weight', '3.bias']);
    assert.equal(net.parameterCount(), 4 * 8 + 8 + 8 * 3 + 3);
    net.eval();
    assert.equal((net.layers[2] as Dropout).training, false);
    net.dispose();
  }));

  it('loadStateDict refuses wrong names and shapes, changing nothing', () => noLeaks(() => {
    const lin = new Linear({ inFeatures: 2, outFeatures: 2 });
    const before = lin.weight.toArray();
    tidy(() => {
      assert.throws(() => lin.loadStateDict({ weight: tensor([[1, 2], [3, 4]]) }), ArgumentError);
      assert.throws(() => lin.loadStateDict({ weight: tensor([[1, 2, 3]]), bias: tensor([1, 2]) }), ShapeError);
    });
    assert.deepEqual(lin.weight.toArray(), before);
    lin.dispose();
  }));

  it('to() keeps the same parameter objects', () => noLeaks(() => {
    manualSeed(0);
    const lin = new Linear({ inFeatures: 3, outFeatures: 2 });
    const w = lin.weight;
    const values = w.toArray();
    lin.to('float64');
    assert.equal(lin.weight, w);
    assert.equal(w.dtype, 'float64');
    assert.ok(w.requiresGrad);
    assertClose(w, values, { rtol: 1e-7 });
    lin.dispose();
  }));
});
