// ONNX parity for the families the first parity file does not reach: the
// torchvision ResNet-50 layout (Bottleneck blocks) behind a pretrained
// backbone's input adapter, a binary image model, and multilabel tables
// (a sigmoid per label), each checked in onnxruntime-node against sixstep's
// own serving path (ImagePredictor, Predictor, and the server's OnnxEngine):
// max |difference| ≤ 1e-5 on probabilities, identical classes and labels.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { manualSeed, randint, tidy, noGrad } from '../../src/tensor/index.js';
import { TabularNet, ResNet, torchvisionResNet, IMAGENET_NORMALIZATION, embeddingSize, type TabularBlock, type ResNetOptions } from '../../src/models/index.js';
import { inferSchema, Preprocessor, Normalizer, tableFromRows, type Row } from '../../src/data/index.js';
import { saveModelDir } from '../../src/artifact/index.js';
import { Predictor, ImagePredictor, OnnxEngine } from '../../src/serve/index.js';
import { exportModelDir, onnxFeeds, type ExportedModel } from '../../src/export/index.js';
import type { Module } from '../../src/nn/index.js';
import { noLeaks } from '../helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sixstep-onnx-families-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function save(name: string, model: Module, architecture: unknown, preprocessing: unknown, task: string, classes: string[] | null, extra?: Record<string, unknown>): string {
  model.eval();
  const dir = saveModelDir(join(tmp, name), model, { architecture, preprocessing, task, classes, costFunction: 'test', metrics: {}, dataFingerprint: null, extra });
  model.dispose();
  return dir;
}

async function run(exp: ExportedModel, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(exp.onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

/** Running statistics that are not the identity (eval mode reads only these). */
function randomizeRunningStats(net: Module): void {
  noGrad(() => {
    for (const [name, b] of net.namedBuffers()) {
      if (name.endsWith('running_mean')) b.normal_(0, 0.2);
      if (name.endsWith('running_var')) b.uniform_(0.5, 1.5);
    }
  });
}

/** An image model directory as fine-tuning writes it; ImagePredictor's predictions and the export's on the same pixels. */
async function imageParity(name: string, options: ResNetOptions, shape: [number, number, number], task: 'binary' | 'multiclass', classes: string[], n: number, fcScale: number, extra?: Record<string, unknown>) {
  const [C, H, W] = shape;
  manualSeed(13);
  const net = new ResNet(options);
  randomizeRunningStats(net);
  // A smaller classifier keeps the probabilities away from 0 and 1, where any difference would vanish.
  noGrad(() => net.fc.weight.mul_(fcScale));
  const pixels = tidy(() => Uint8Array.from(randint(0, 256, [n, C, H, W]).data() as Float32Array | BigInt64Array, Number));
  const normalizer = Normalizer.fitChannels(pixels, [n, C, H, W]);
  const dir = save(name, net, { family: 'resnet', options }, { kind: 'image', normalizer: normalizer.toJSON(), classes, shape }, task, classes, extra);
  const exp = exportModelDir(dir);
  const predictor = ImagePredictor.load(dir);
  const per = C * H * W;
  const local = predictor.predictDecoded(Array.from({ length: n }, (_, i) => ({ pixels: pixels.subarray(i * per, (i + 1) * per), original: { width: W, height: H, channels: C, format: 'png' as const } })));
  predictor.dispose();
  const out = await run(exp, { pixels: new ort.Tensor('float32', Float32Array.from(pixels), [n, C, H, W]) });
  const probs = out.probabilities.data as Float32Array;
  let maxDiff = 0;
  local.forEach((p, i) => classes.forEach((c, k) => (maxDiff = Math.max(maxDiff, Math.abs(p.probabilities![c] - probs[i * classes.length + k])))));
  const onnxClasses = Array.from(out.class.data as BigInt64Array, (k) => classes[Number(k)]);
  const unsure = local.filter((p) => Object.values(p.probabilities!).some((v) => v > 0.05 && v < 0.95)).length;
  return { maxDiff, onnxClasses, localClasses: local.map((p) => p.label), exp, unsure, probs: local.map((p) => classes.map((c) => p.probabilities![c])) };
}

describe('ONNX export of the remaining families, checked by ONNX Runtime', () => {
  it('torchvision ResNet-50 (Bottleneck blocks) behind a pretrained input adapter: 1-channel 16×16 data → RGB 32×32 with ImageNet normalization', async () => {
    await noLeaks(async () => {
      const shape: [number, number, number] = [1, 16, 16];
      const classes = ['cat', 'dog', 'owl'];
      const base = torchvisionResNet('resnet50', { classes: classes.length });
      assert.equal(base.block, 'bottleneck');
      // dataMean/dataStd are the data's standardization, as fine-tuning records them.
      const options: ResNetOptions = { ...base, input: { dataMean: [0.47], dataStd: [0.29], channels: 3, size: [32, 32], mean: [...IMAGENET_NORMALIZATION.mean], std: [...IMAGENET_NORMALIZATION.std] } };
      const r = await imageParity('resnet50', options, shape, 'multiclass', classes, 4, 0.1);
      assert.ok(r.unsure > 0, 'some probabilities are away from 0 and 1');
      assert.ok(r.maxDiff <= 1e-5, `max |diff| ${r.maxDiff}`);
      assert.deepEqual(r.onnxClasses, r.localClasses);
      assert.deepEqual(r.exp.sidecar.outputs, ['probabilities', 'class']);
    });
  });

  it('binary image model: one sigmoid output becomes [1 − p, p], as ImagePredictor reads it (never a softmax over one class)', async () => {
    await noLeaks(async () => {
      const classes = ['no', 'yes'];
      const options: ResNetOptions = { inChannels: 3, classes: 1, blocks: [1, 1, 1], widths: [4, 8, 8], stem: 'small', block: 'bottleneck' };
      const r = await imageParity('resnet-binary', options, [3, 12, 12], 'binary', classes, 6, 1);
      assert.ok(r.unsure > 0, 'some probabilities are away from 0 and 1');
      assert.equal(r.exp.sidecar.task, 'binary');
      assert.ok(r.maxDiff <= 1e-5, `max |diff| ${r.maxDiff}`);
      assert.deepEqual(r.onnxClasses, r.localClasses);
    });
  });

  for (const task of ['multiclass', 'binary'] as const) {
    it(`flip test-time augmentation (${task}) travels with the model: the server and the export average each image with its mirror alike`, async () => {
      await noLeaks(async () => {
        const classes = task === 'binary' ? ['no', 'yes'] : ['a', 'b', 'c'];
        const options: ResNetOptions = { inChannels: 1, classes: task === 'binary' ? 1 : 3, blocks: [1, 1, 1], widths: [4, 8, 8], stem: 'small' };
        const plain = await imageParity(`tta-off-${task}`, options, [1, 10, 10], task, classes, 5, 1);
        const flip = await imageParity(`tta-flip-${task}`, options, [1, 10, 10], task, classes, 5, 1, { testTimeAugmentation: 'flip' });
        assert.ok(flip.maxDiff <= 1e-5, `max |diff| ${flip.maxDiff}`);
        assert.deepEqual(flip.onnxClasses, flip.localClasses);
        // Not vacuous: averaging with the mirror changed the probabilities.
        const moved = Math.max(...flip.probs.flatMap((row, i) => row.map((v, k) => Math.abs(v - plain.probs[i][k]))));
        assert.ok(moved > 1e-3, `flip averaging changed the probabilities by ${moved}`);
      });
    });
  }

  it('a model directory with an unknown test-time augmentation is refused by the server and the export, naming the field', async () => {
    await noLeaks(async () => {
      const options: ResNetOptions = { inChannels: 1, classes: 2, blocks: [1], widths: [4], stem: 'small' };
      const net = new ResNet(options);
      const pixels = new Uint8Array(2 * 36);
      const normalizer = Normalizer.fitChannels(pixels, [2, 1, 6, 6]);
      const dir = save('tta-bad', net, { family: 'resnet', options }, { kind: 'image', normalizer: normalizer.toJSON(), classes: ['x', 'y'], shape: [1, 6, 6] }, 'multiclass', ['x', 'y'], { testTimeAugmentation: 'rotate' });
      assert.throws(() => ImagePredictor.load(dir), /manifest\.json: field extra\.testTimeAugmentation: expected "flip" or null, found string "rotate"/);
      assert.throws(() => exportModelDir(dir), /manifest\.json: field extra\.testTimeAugmentation: expected "flip" or null, found string "rotate"/);
    });
  });

  for (const shape of ['boolean columns', 'separated labels'] as const) {
    it(`multilabel table (${shape}): a sigmoid per label, the same probabilities and labels from predict, the export and serve's ONNX engine`, async () => {
      await noLeaks(async () => {
        const r = rng(shape === 'boolean columns' ? 21 : 22);
        const colors = ['red', 'green', 'blue'];
        const rows: Row[] = Array.from({ length: 120 }, (_, i) => {
          const a = r() * 10 - 5;
          const color = colors[Math.floor(r() * colors.length)];
          const big = a > 1;
          const warm = color === 'red' || r() < 0.2;
          const base: Row = { a: i % 17 === 3 ? null : a, b: r() * 50, color };
          return shape === 'boolean columns' ? { ...base, big, warm } : { ...base, tags: [big ? 'big' : '', warm ? 'warm' : ''].filter(Boolean).join('|') };
        });
        const table = tableFromRows(rows, 'tags.json');
        const schema = inferSchema(table, shape === 'boolean columns' ? { target: ['big', 'warm'] } : { target: 'tags', multilabelSeparator: '|' });
        const pre = Preprocessor.fit(table, schema);
        assert.equal(pre.task, 'multilabel');
        const labels = pre.classes!;
        const blocks: TabularBlock[] = [];
        let start = 0;
        for (const f of pre.features) {
          const width = f.kind === 'categorical' ? f.vocabulary.tokens.length : f.kind === 'text' ? 0 : (f.kind === 'datetime' ? f.parts.length : 1) + (f.indicator ? 1 : 0);
          blocks.push({ name: f.column, start, width, embedding: f.kind === 'categorical' ? embeddingSize(width) : 0 });
          start += width;
        }
        const options = { blocks, hidden: [6], outputs: labels.length };
        manualSeed(8);
        const dir = save(`multilabel-${shape.replace(' ', '-')}`, new TabularNet(options), { family: 'tabular', options }, { kind: 'tabular', schema, preprocessor: pre.toJSON() }, 'multilabel', labels);
        const exp = exportModelDir(dir);
        assert.equal(exp.sidecar.task, 'multilabel');
        assert.deepEqual(exp.sidecar.outputs, ['probabilities', 'labels']);
        const targets = shape === 'boolean columns' ? ['big', 'warm'] : ['tags'];
        const inputs = rows.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => !targets.includes(k))));
        const predictor = Predictor.load(dir);
        const engine = await OnnxEngine.start(predictor);
        try {
          const local = predictor.predict(inputs);
          const served = await engine.predict(predictor.check(inputs));
          const feeds = Object.fromEntries(Object.entries(onnxFeeds(exp.sidecar, inputs)).map(([k, f]) => [k, new ort.Tensor(f.type, f.data, f.dims)]));
          const out = await run(exp, feeds);
          const probs = out.probabilities.data as Float32Array;
          const on = out.labels.data as BigInt64Array;
          let maxExport = 0;
          let maxServed = 0;
          local.forEach((p, i) => {
            labels.forEach((l, k) => {
              maxExport = Math.max(maxExport, Math.abs(p.probabilities![l] - probs[i * labels.length + k]));
              maxServed = Math.max(maxServed, Math.abs(p.probabilities![l] - served[i].probabilities![l]));
            });
            assert.deepEqual(labels.filter((_, k) => on[i * labels.length + k] === 1n), p.labels, `row ${i}: the export's labels`);
            assert.deepEqual(served[i].labels, p.labels, `row ${i}: the ONNX engine's labels`);
          });
          assert.ok(maxExport <= 1e-5, `export: max |diff| ${maxExport}`);
          assert.ok(maxServed <= 1e-5, `serve (onnx engine): max |diff| ${maxServed}`);
          // The probabilities are independent per label (not a softmax): rows whose sum is far from 1 exist.
          assert.ok(local.some((p) => Math.abs(labels.reduce((s, l) => s + p.probabilities![l], 0) - 1) > 0.05));
        } finally {
          await engine.close();
          predictor.dispose();
        }
      });
    });
  }
});
