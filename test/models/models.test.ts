// The proposed model families build, run, train a step and print their layer tables.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, randn, randint, tidy, tensor, cat } from '../../src/tensor/index.js';
import { crossEntropy } from '../../src/nn/index.js';
import { Adam } from '../../src/optim/index.js';
import { TabularNet, ResNet, resnetFor, layerTable, formatLayerTable, embeddingSize } from '../../src/models/index.js';
import { noLeaks } from '../helpers.js';

describe('model families', () => {
  it('TabularNet embeds one-hot blocks and passes numeric columns through', () => noLeaks(() => {
    manualSeed(0);
    const net = new TabularNet({
      blocks: [
        { name: 'a', start: 0, width: 1, embedding: 0 },
        { name: 'island', start: 1, width: 4, embedding: embeddingSize(4) },
        { name: 'b', start: 5, width: 1, embedding: 0 },
      ],
      hidden: [5],
      outputs: 3,
      dropout: [0, 0.2],
    });
    tidy(() => {
      const x = cat([randn([8, 1]), tensor(Array.from({ length: 32 }, (_, i) => (i % 4 === i % 3 ? 1 : 0)), { shape: [8, 4] }), randn([8, 1])], 1);
      const y = net.forward(x);
      assert.deepEqual(y.shape, [8, 3]);
      const table = layerTable(net);
      assert.deepEqual(table.map((r) => r.name), ['(features)', 'emb_0', 'fc_0', 'head']);
      assert.match(table[0].input ?? '', /a, b as 2 value/);
      assert.equal(table[2].input, 'join: 2 (features) + 3 (island) = 5');
      assert.equal(table.reduce((s, r) => s + r.params, 0), net.parameterCount());
      assert.match(formatLayerTable(table), /total trainable parameters: /);
    });
    net.dispose();
  }));

  it('ResNet sized to 28 px trains a step; larger inputs get the ResNet-18 layout', () => noLeaks(() => {
    manualSeed(0);
    const o = resnetFor({ inChannels: 1, classes: 10, height: 28, width: 28 });
    assert.deepEqual(o.blocks, [1, 1, 1]);
    assert.deepEqual(resnetFor({ inChannels: 3, classes: 10, height: 128, width: 128 }).blocks, [2, 2, 2, 2]);
    const net = new ResNet(o);
    const opt = new Adam({ params: net.parameters(), lr: 1e-3 });
    tidy(() => {
      const x = randn([4, 1, 28, 28]);
      const y = randint(0, 10, [4]);
      const loss = crossEntropy(net.forward(x), y);
      loss.backward();
      opt.step();
      assert.ok(Number.isFinite(loss.item()));
      assert.ok(net.namedParameters().some(([n]) => n === 'layer2.0.downsample.0.weight'));
    });
    opt.dispose();
    net.dispose();
  }));

});
