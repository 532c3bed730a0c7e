// The table network's text encoders against PyTorch (a bag of words and hashed
// word pairs; embedding + LSTM), and the network that joins every input path:
// numbers, category embeddings and text encoders, with or without hidden layers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cat, manualSeed, randn, tensor, tidy } from '../../src/tensor/index.js';
import type { Module } from '../../src/nn/index.js';
import { BagEncoder, LstmEncoder, TabularNet, bigramIds, layerTable, formatLayerTable, modelColumns, buildModel, specColumns, type TabularNetOptions } from '../../src/models/index.js';
import { fixturePath, fromRef, assertClose, noLeaks } from '../helpers.js';

const ref = JSON.parse(readFileSync(fixturePath('text-encoders-reference.json'), 'utf8'));
const load = (m: Module<any, any>, state: Record<string, any>) =>
  tidy(() => {
    const sd: Record<string, any> = {};
    for (const [k, r] of Object.entries(state)) sd[k] = fromRef(r as any);
    m.loadStateDict(sd);
  });

describe('text encoders against PyTorch', () => {
  it('bag: word pairs hash as PyTorch computes them; the mean leaves padding out, an empty text reads zeros; gradients match', () => noLeaks(() => {
    const r = ref.bag;
    const bag = new BagEncoder({ vocabulary: r.vocabulary, dim: r.dim, buckets: r.buckets });
    load(bag, { weight: r.weight });
    tidy(() => {
      const ids = fromRef(ref.ids);
      assert.deepEqual(bigramIds(ids, r.vocabulary, r.buckets).toArray(), r.pairs.values);
      const y = bag.forward(ids);
      assertClose(y, r.output, { atol: 1e-6 });
      assert.deepEqual(y.narrow(0, 1, 1).toArray(), [0, 0, 0, 0], 'the all-padding row');
      y.mul(fromRef(r.w)).sum().backward();
      assertClose(bag.weight.grad!, r.grad.weight, { what: 'grad weight', atol: 1e-6 });
    });
    bag.dispose();
  }));

  it('LSTM: embedding, bidirectional LSTM, max over real positions, zeros for an empty text; gradients match', () => noLeaks(() => {
    const r = ref.lstm;
    const enc = new LstmEncoder({ vocabulary: r.vocabulary, dim: r.dim, hidden: r.hidden, bidirectional: r.bidirectional });
    load(enc, r.state);
    tidy(() => {
      const y = enc.forward(fromRef(ref.ids));
      assertClose(y, r.output, { atol: 1e-5 });
      assert.ok(y.narrow(0, 1, 1).toArray().every((v) => v === 0), 'the all-padding row');
      y.mul(fromRef(r.w)).sum().backward();
      for (const [k, p] of enc.namedParameters()) assertClose(p.grad!, r.grad[k], { what: `grad ${k}`, atol: 1e-5 });
    });
    enc.dispose();
  }));
});

/** Two numbers, a 3-category block, a bag text of 4 ids and an LSTM text of 5 ids in one row of width 14. */
const options = (hidden: number[]): TabularNetOptions => ({
  blocks: [
    { name: 'size', column: 'size', start: 0, width: 1, embedding: 0 },
    { name: 'size_1', column: 'size', start: 1, width: 1, embedding: 0 },
    { name: 'kind', column: 'kind', start: 2, width: 3, embedding: 2 },
  ],
  texts: [
    { column: 'title', start: 5, length: 4, vocabulary: 12, encoder: 'bag', dim: 6, buckets: 8 },
    { column: 'body', start: 9, length: 5, vocabulary: 12, encoder: 'lstm', dim: 3, hidden: 4 },
  ],
  hidden,
  outputs: 2,
});

describe('one network for every input path', () => {
  it('reads each path from its slice of the row: the joined vector is the parts side by side', () => noLeaks(() => {
    manualSeed(0);
    const net = new TabularNet(options([5]));
    net.eval();
    tidy(() => {
      const feats = cat([randn([2, 2]), tensor([0, 1, 0, 1, 0, 0], { shape: [2, 3] })], 1);
      const title = tensor([3, 4, 0, 0, 0, 0, 0, 0], { shape: [2, 4] });
      const body = tensor([5, 6, 7, 0, 0, 1, 2, 0, 0, 0], { shape: [2, 5] });
      const x = cat([feats, title, body], 1);
      const joined = net.join(x);
      assert.deepEqual(joined.shape, [2, 2 + 2 + 6 + 4]);
      const bag = net.encoders[0].module.forward(title.to('int64'));
      const lstm = net.encoders[1].module.forward(body.to('int64'));
      assertClose(joined.narrow(1, 4, 6), bag.toArray(), { what: 'title', atol: 0 });
      assertClose(joined.narrow(1, 10, 4), lstm.toArray(), { what: 'body', atol: 0 });
      assert.deepEqual(joined.narrow(1, 4, 6).narrow(0, 1, 1).toArray(), new Array(6).fill(0), 'an empty title reads zeros');
      assert.deepEqual(net.forward(x).shape, [2, 2]);
    });
    net.dispose();
  }));

  it('no hidden layer is a linear model on the same inputs (the head reads the join)', () => noLeaks(() => {
    manualSeed(1);
    const net = new TabularNet(options([]));
    const rows = layerTable(net);
    assert.deepEqual(rows.map((r) => r.name), ['(features)', 'emb_0', 'text_0', 'text_1.embedding', 'text_1.lstm', 'head']);
    assert.equal(rows.find((r) => r.name === 'head')!.shapes.weight.join('×'), '2×14');
    assert.equal(rows.find((r) => r.name === 'head')!.input, 'join: 2 (features) + 2 (kind) + 6 (title) + 4 (body) = 14');
    assert.match(rows.find((r) => r.name === 'text_0')!.input!, /^title: bag of words and word pairs, mean of 4 ids/);
    assert.match(rows.find((r) => r.name === 'text_1.embedding')!.input!, /^body: embedding into an LSTM over 5 ids/);
    assert.match(formatLayerTable(rows), /reads/);
    tidy(() => assert.deepEqual(net.forward(randn([3, 14]).abs().floor()).shape, [3, 2]));
    net.dispose();
  }));

  it('names the columns it reads, each once, for the plan ⇔ model check', () => noLeaks(() => {
    assert.deepEqual(modelColumns(options([4])), ['size', 'kind', 'title', 'body']);
    assert.deepEqual(specColumns({ family: 'tabular', options: options([4]) }), ['size', 'kind', 'title', 'body']);
    assert.throws(() => new TabularNet({ blocks: [], hidden: [], outputs: 1 }), /no input/);
    const m = buildModel({ family: 'tabular', options: options([3, 3]) });
    assert.ok(m.parameters().length > 0);
    m.dispose();
  }));
});
