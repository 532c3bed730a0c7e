// The serving engine's JavaScript runner for table graphs (DenseGraph)
// against ONNX Runtime on the very same exported graph: standardization,
// pass-through and embedded column blocks, hidden layers with and without
// batch norm and dropout, and each task's output (softmax, sigmoid for binary
// and multilabel, the regression output scale). Any graph outside the table
// exporter's ops is refused with the reason, never run differently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import { manualSeed, tensor, tidy, noGrad } from '../../src/tensor/index.js';
import { TabularNet, type TabularBlock } from '../../src/models/index.js';
import { exportNetwork } from '../../src/export/index.js';
import { DenseGraph } from '../../src/serve/dense_graph.js';
import { noLeaks } from '../helpers.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

// Three pass-through columns, a 4-category block embedded in 2, two more pass-through columns.
const blocks: TabularBlock[] = [
  { name: 'a', start: 0, width: 1, embedding: 0 },
  { name: 'b', start: 1, width: 1, embedding: 0 },
  { name: 'c', start: 2, width: 1, embedding: 0 },
  { name: 'cat', start: 3, width: 4, embedding: 2 },
  { name: 'd', start: 7, width: 1, embedding: 0 },
  { name: 'e', start: 8, width: 1, embedding: 0 },
];
const WIDTH = 9;

/** Encoded rows before standardization: raw-ish numbers and a one-hot block. */
function inputs(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(n * WIDTH);
  for (let i = 0; i < n; i++) {
    for (const j of [0, 1, 2, 7, 8]) x[i * WIDTH + j] = (r() - 0.5) * 200 + j * 10;
    x[i * WIDTH + 3 + Math.floor(r() * 4)] = 1;
  }
  return x;
}

const cases = [
  { name: 'multiclass with batch norm', task: 'multiclass', outputs: 3, batchNorm: true },
  { name: 'binary with dropout', task: 'binary', outputs: 1, dropout: [0.3, 0.2, 0.1] },
  { name: 'multilabel', task: 'multilabel', outputs: 4 },
  { name: 'regression with the output scale', task: 'regression', outputs: 1, outputScale: { mean: 1234.5, std: 321.25 } },
] as const;

for (const c of cases) {
  test(`${c.name}: JavaScript agrees with ONNX Runtime on the exported graph (≤ 1e-6, relative for values)`, async () => {
    await noLeaks(async () => {
      const options = { blocks, hidden: [7, 5], outputs: c.outputs, batchNorm: 'batchNorm' in c ? c.batchNorm : false, dropout: 'dropout' in c ? [...c.dropout] : undefined, outputScale: 'outputScale' in c ? c.outputScale : undefined };
      manualSeed(11);
      const net = new TabularNet(options);
      const x = inputs(64, 5);
      const mean = Array.from({ length: WIDTH }, (_, j) => (j >= 3 && j < 7 ? 0.25 : j * 10));
      const std = Array.from({ length: WIDTH }, (_, j) => (j >= 3 && j < 7 ? 0.5 : 57.7));
      if (options.batchNorm) {
        // Non-trivial running statistics from a few training-mode passes.
        tidy(() => noGrad(() => { for (let i = 0; i < 3; i++) net.forward(tensor(x, { shape: [64, WIDTH] }).mul(0.02)); }));
      }
      net.eval();
      const onnx = exportNetwork(net, { family: 'tabular', options } as never, c.task, { width: WIDTH, normalizer: { axis: 'feature', mean, std, scale: 1 } });
      net.dispose();
      const g = DenseGraph.compile(onnx);
      assert.ok(g instanceof DenseGraph, `refused: ${(g as { reason: string }).reason}`);
      assert.equal(g.inputWidth, WIDTH);
      assert.equal(g.outputWidth, c.outputs);
      const s = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1 });
      try {
        for (const n of [1, 7, 64]) {
          const xs = x.subarray(0, n * WIDTH);
          const want = (await s.run({ x: new ort.Tensor('float32', xs, [n, WIDTH]) })).y.data as Float32Array;
          const got = g.run(xs, n);
          assert.equal(got.length, want.length);
          let worst = 0;
          for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (c.task === 'regression' ? Math.max(1, Math.abs(want[i])) : 1));
          assert.ok(worst <= 1e-6, `${n} rows: max difference ${worst}`);
        }
        // Reused buffers: a second run of another size, then the first size again, gives the same answer.
        const once = Float32Array.from(g.run(x.subarray(0, WIDTH), 1));
        g.run(x, 64);
        assert.deepEqual(Array.from(g.run(x.subarray(0, WIDTH), 1)), Array.from(once));
        // Grouped inline runs vary in size under load: a size seen before allocates nothing (the same output buffer), whatever ran in between.
        const first = g.run(x.subarray(0, WIDTH), 1);
        g.run(x.subarray(0, 7 * WIDTH), 7);
        g.run(x, 64);
        assert.equal(g.run(x.subarray(0, WIDTH), 1), first);
      } finally {
        await s.release();
      }
    });
  });
}

test('graphs outside the table exporter\'s ops are refused with the reason (an LSTM text model)', async () => {
  await noLeaks(async () => {
    manualSeed(3);
    const options = { blocks: [], texts: [{ column: 'review', start: 0, length: 6, vocabulary: 20, dim: 4, encoder: 'lstm' as const, hidden: 3 }], hidden: [], outputs: 2 };
    const net = new TabularNet(options);
    net.eval();
    const onnx = exportNetwork(net, { family: 'tabular', options } as never, 'multiclass', { width: 6 });
    net.dispose();
    const g = DenseGraph.compile(onnx);
    assert.ok(!(g instanceof DenseGraph));
    assert.match(g.reason, /not float32 \[batch, width\]|op (Cast|Gather|Transpose|LSTM)/);
  });
});

test('a wrong input size is a RangeError naming both sizes', () => {
  manualSeed(1);
  const options = { blocks: blocks.slice(0, 3), hidden: [2], outputs: 2 };
  const net = new TabularNet(options);
  net.eval();
  const onnx = exportNetwork(net, { family: 'tabular', options } as never, 'multiclass', { width: 3 });
  net.dispose();
  const g = DenseGraph.compile(onnx) as DenseGraph;
  assert.throws(() => g.run(new Float32Array(5), 2), /expected 2 × 3 inputs, found 5/);
});
