// A seed gives PyTorch's exact initial weights: same libtorch generator, same arithmetic.
import { describe, it } from 'node:test';
import { manualSeed, randn, empty, ones, tidy } from '../../src/tensor/index.js';
import { Linear, Conv2d, Embedding, LSTM, init } from '../../src/nn/index.js';
import * as F from '../../src/nn/functional.js';
import { reference, assertClose, noLeaks } from '../helpers.js';

describe('seeded initialization matches PyTorch', () => {
  const ref = reference().init;
  const exact = { rtol: 0, atol: 0 };

  it('randn', () => noLeaks(() => tidy(() => {
    manualSeed(1);
    assertClose(randn([6]), ref.randn, exact);
  })));

  it('Linear (Kaiming-uniform, a = √5)', () => noLeaks(() => {
    manualSeed(1);
    const m = new Linear({ inFeatures: 5, outFeatures: 3 });
    assertClose(m.weight, ref.linear.weight, exact);
    assertClose(m.bias!, ref.linear.bias, exact);
    m.dispose();
  }));

  it('Conv2d', () => noLeaks(() => {
    manualSeed(2);
    const m = new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3 });
    assertClose(m.weight, ref.conv2d.weight, exact);
    assertClose(m.bias!, ref.conv2d.bias, exact);
    m.dispose();
  }));

  it('Embedding with a padding index', () => noLeaks(() => {
    manualSeed(3);
    const m = new Embedding({ numEmbeddings: 7, embeddingDim: 4, paddingIdx: 0 });
    assertClose(m.weight, ref.embedding.weight, exact);
    m.dispose();
  }));

  it('LSTM, two layers: names and values', () => noLeaks(() => {
    manualSeed(4);
    const m = new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, batchFirst: true });
    const sd = m.stateDict();
    for (const [k, r] of Object.entries(ref.lstm)) assertClose(sd[k], r as any, { ...exact, what: k });
    m.dispose();
  }));

  it('He (Kaiming) normal and Xavier uniform', () => noLeaks(() => tidy(() => {
    manualSeed(5);
    assertClose(init.kaimingNormal_(empty([8, 6]), { nonlinearity: 'relu' }), ref.kaiming_normal, { rtol: 1e-6, atol: 0 });
    manualSeed(5);
    assertClose(init.xavierUniform_(empty([8, 6])), ref.xavier_uniform, { rtol: 1e-6, atol: 0 });
  })));

  it('dropout masks', () => noLeaks(() => tidy(() => {
    manualSeed(6);
    assertClose(F.dropout(ones([4, 10]), 0.3, true), ref.dropout, exact);
  })));
});
