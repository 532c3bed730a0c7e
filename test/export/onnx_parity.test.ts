// The exported ONNX file, run by ONNX Runtime (onnxruntime-node), against
// sixstep's own predictions on the same raw rows or images, for every model
// family: max |difference| ≤ 1e-5 on probabilities and values, identical
// classes. Models are built with fixed (seeded) weights and saved as model
// directories, so the export reads exactly what `fit` would have written.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { manualSeed, randint, tensor, tidy, noGrad } from '../../src/tensor/index.js';
import { TabularNet, ResNet, embeddingSize, type TabularBlock, type TabularNetOptions, type TextEncoderSpec } from '../../src/models/index.js';
import { featureBlocks } from '../../src/data/prepare.js';
import { inputLayout } from '../../src/data/model_input.js';
import { inferSchema, Preprocessor, Normalizer, tableFromRows, type Row } from '../../src/data/index.js';
import { saveModelDir } from '../../src/artifact/index.js';
import { Predictor, type Prediction } from '../../src/serve/index.js';
import { exportModelDir, onnxFeeds, decodeModel, OPSET, type OnnxSidecar } from '../../src/export/index.js';
import type { Module } from '../../src/nn/index.js';
import { noLeaks } from '../helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sixstep-onnx-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A seeded pseudo-random generator for the synthetic rows. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function blocksOf(pre: Preprocessor): TabularBlock[] {
  const blocks: TabularBlock[] = [];
  let start = 0;
  for (const f of pre.features) {
    if (f.kind === 'categorical') {
      const width = f.vocabulary.tokens.length;
      blocks.push({ name: f.column, start, width, embedding: embeddingSize(width) });
      start += width;
    } else if (f.kind !== 'text') {
      const width = (f.kind === 'datetime' ? f.parts.length : 1) + (f.indicator ? 1 : 0);
      for (let i = 0; i < width; i++) blocks.push({ name: `${f.column}_${i}`, start: start + i, width: 1, embedding: 0 });
      start += width;
    }
  }
  return blocks;
}

function save(name: string, model: Module, architecture: unknown, preprocessing: unknown, task: string, classes: string[] | null): string {
  model.eval();
  const dir = saveModelDir(join(tmp, name), model, { architecture, preprocessing, task, classes, costFunction: 'test', metrics: {}, dataFingerprint: null });
  model.dispose();
  return dir;
}

/** A table model saved as fit would save it: preprocessing fitted on the rows, a TabularNet with seeded weights. */
function tableModel(name: string, rows: Row[], target: string, o: { batchNorm?: boolean; overrides?: Record<string, any> } = {}): string {
  const table = tableFromRows(rows, `${name}.json`);
  const schema = inferSchema(table, { target, overrides: o.overrides });
  const pre = Preprocessor.fit(table, schema);
  const task = pre.task!;
  const outputs = task === 'multiclass' ? pre.classes!.length : 1;
  const enc = pre.transform(table);
  const y = Array.from(enc.y ?? []);
  const mean = y.reduce((s, v) => s + v, 0) / Math.max(1, y.length);
  const std = Math.sqrt(y.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, y.length)) || 1;
  const options = { blocks: blocksOf(pre), hidden: [7, 5], outputs, batchNorm: o.batchNorm, outputScale: task === 'regression' ? { mean, std } : undefined };
  manualSeed(7);
  const net = new TabularNet(options);
  if (o.batchNorm) {
    // Non-trivial running statistics: a few training-mode passes.
    tidy(() => noGrad(() => { for (let i = 0; i < 3; i++) net.forward(tensor(enc.x, { shape: [enc.n, enc.features.length] }).mul(1.5)); }));
  }
  return save(name, net, { family: 'tabular', options }, { kind: 'tabular', schema, preprocessor: pre.toJSON() }, task, pre.classes);
}

async function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
}

async function runRows(exp: { onnx: Uint8Array; sidecar: OnnxSidecar }, rows: Row[]): Promise<Record<string, ort.Tensor>> {
  const s = await session(exp.onnx);
  const feeds = Object.fromEntries(Object.entries(onnxFeeds(exp.sidecar, rows)).map(([k, f]) => [k, new ort.Tensor(f.type, f.data, f.dims)]));
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

/** max |difference| of probabilities (or values), and the rows whose class differs. */
function compare(local: Prediction[], out: Record<string, ort.Tensor>, sidecar: OnnxSidecar): { maxDiff: number; classMismatch: number[] } {
  let maxDiff = 0;
  const classMismatch: number[] = [];
  const classes = sidecar.classes ?? [];
  local.forEach((p, i) => {
    if (sidecar.task === 'regression') {
      maxDiff = Math.max(maxDiff, Math.abs(p.value! - Number(out.value.data[i])));
      return;
    }
    classes.forEach((c, k) => (maxDiff = Math.max(maxDiff, Math.abs(p.probabilities![c] - Number(out.probabilities.data[i * classes.length + k])))));
    if (sidecar.task === 'multilabel') return;
    if (classes[Number(out.class.data[i])] !== p.label) classMismatch.push(i);
  });
  return { maxDiff, classMismatch };
}

function synthetic(n: number, seed: number): Row[] {
  const r = rng(seed);
  const colors = ['red', 'green', 'blue', 'teal'];
  return Array.from({ length: n }, (_, i) => {
    const a = r() * 10 - 5;
    const b = r() * 100;
    const color = colors[Math.floor(r() * colors.length)];
    return {
      a: i % 17 === 3 ? null : a,
      b: i % 23 === 5 ? 'NA' : b,
      flag: i % 29 === 1 ? null : r() < 0.5,
      color: i % 13 === 2 ? null : color,
      day: i % 19 === 4 ? null : new Date(Date.UTC(2020, Math.floor(r() * 12), 1 + Math.floor(r() * 28), Math.floor(r() * 24))).toISOString(),
      y: a * 2 + b / 30 + (color === 'red' ? 3 : 0) + r(),
      cls: a + (color === 'blue' ? 2 : 0) > 0 ? 'up' : a < -2 ? 'down' : 'flat',
    };
  });
}

const drop = (rows: Row[], ...cols: string[]) => rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !cols.includes(k))));

describe('ONNX export checked by ONNX Runtime', () => {
  it('writes opset 13 with a dynamic batch axis, named inputs and outputs, weights as initializers', async () => {
    const rows = drop(synthetic(60, 1), 'cls', 'color', 'day', 'flag');
    const exp = exportModelDir(tableModel('shape', rows, 'y'));
    const m = decodeModel(exp.onnx);
    assert.equal(Number(m.opsetImport![0].version), OPSET);
    assert.equal(OPSET, 13);
    assert.deepEqual(m.graph!.input!.map((i) => i.name), ['features']);
    assert.deepEqual(m.graph!.output!.map((o) => o.name), ['value']);
    assert.equal(m.graph!.input![0].type!.tensorType!.shape!.dim![0].dimParam, 'batch');
    assert.equal(Number(m.graph!.input![0].type!.tensorType!.shape!.dim![1].dimValue), 2);
    assert.ok(m.graph!.initializer!.some((t) => (t.name ?? '').startsWith('weight')), 'weights are initializers');
  });

  it('all-numeric regression: raw float32 values in manifest order (NaN = missing) give the value in target units', async () => {
    const rows = drop(synthetic(120, 2), 'cls', 'color', 'day', 'flag');
    const dir = tableModel('numeric-regression', rows, 'y');
    const exp = exportModelDir(dir);
    const inputs = drop(rows, 'y');
    const predictor = Predictor.load(dir);
    const local = predictor.predict(inputs);
    predictor.dispose();
    // No sidecar: the raw numbers, in the order the manifest lists the features.
    const cols = (exp.sidecar.input as { columns: Array<{ column: string }> }).columns.map((c) => c.column);
    assert.deepEqual(cols, ['a', 'b']);
    const x = Float32Array.from(inputs.flatMap((r) => cols.map((c) => (r[c] === null || r[c] === 'NA' ? NaN : Number(r[c])))));
    const s = await session(exp.onnx);
    const out = await s.run({ features: new ort.Tensor('float32', x, [inputs.length, cols.length]) });
    await s.release();
    const { maxDiff } = compare(local, out, exp.sidecar);
    assert.ok(maxDiff <= 1e-5 * Math.max(1, ...local.map((p) => Math.abs(p.value!))), `max |diff| ${maxDiff}`);
    assert.ok(local.some((_, i) => inputs[i].a === null), 'rows with gaps were compared');
  });

  it('mixed table, multiclass with batch norm: categories, booleans, dates and gaps encoded in the graph', async () => {
    await noLeaks(async () => {
      const rows = drop(synthetic(150, 3), 'y');
      const dir = tableModel('mixed-multiclass', rows, 'cls', { batchNorm: true });
      const exp = exportModelDir(dir);
      const inputs = [...drop(rows, 'cls'), { a: 1, b: 2, flag: 'yes', color: 'purple', day: '2021-03-04' }];
      const predictor = Predictor.load(dir);
      const local = predictor.predict(inputs);
      predictor.dispose();
      const out = await runRows(exp, inputs);
      const { maxDiff, classMismatch } = compare(local, out, exp.sidecar);
      assert.ok(maxDiff <= 1e-5, `max |diff| ${maxDiff}`);
      assert.deepEqual(classMismatch, []);
      assert.deepEqual(exp.sidecar.outputs, ['probabilities', 'class']);
    });
  });

  it('binary classification: probabilities [1 − p, p] and the class at p ≥ 0.5', async () => {
    const rows = synthetic(100, 4).map((r) => ({ ...r, cls: r.cls === 'up' ? 'yes' : 'no' }));
    const dir = tableModel('binary', drop(rows, 'y'), 'cls');
    const exp = exportModelDir(dir);
    const inputs = drop(rows, 'y', 'cls');
    const predictor = Predictor.load(dir);
    const local = predictor.predict(inputs);
    predictor.dispose();
    const out = await runRows(exp, inputs);
    const { maxDiff, classMismatch } = compare(local, out, exp.sidecar);
    assert.equal(exp.sidecar.task, 'binary');
    assert.ok(maxDiff <= 1e-5, `max |diff| ${maxDiff}`);
    assert.deepEqual(classMismatch, []);
  });

  for (const stem of ['small', 'imagenet'] as const) {
    it(`ResNet (${stem} stem): raw pixels in, the graph scales and standardizes them`, async () => {
      await noLeaks(async () => {
        manualSeed(11);
        const [C, H, W] = stem === 'small' ? [3, 16, 16] : [3, 40, 40];
        const options = stem === 'small' ? { inChannels: C, classes: 4, blocks: [1, 1, 1], stem } : { inChannels: C, classes: 5, blocks: [1, 1, 1, 1], widths: [8, 8, 16, 16], stem };
        const net = new ResNet(options);
        const n = 6;
        const pixels = tidy(() => randint(0, 256, [n, C, H, W]).to('float32').data() as Float32Array);
        const normalizer = Normalizer.fitChannels(Uint8Array.from(pixels), [n, C, H, W]);
        // Running statistics that are not the identity (set directly: eval mode reads only these).
        noGrad(() => {
          for (const [name, b] of net.namedBuffers()) {
            if (name.endsWith('running_mean')) b.normal_(0, 0.2);
            if (name.endsWith('running_var')) b.uniform_(0.5, 1.5);
          }
        });
        const classes = Array.from({ length: options.classes }, (_, k) => `c${k}`);
        const dir = save(`resnet-${stem}`, net, { family: 'resnet', options }, { kind: 'image', normalizer: normalizer.toJSON(), classes, shape: [C, H, W] }, 'multiclass', classes);
        const exp = exportModelDir(dir);
        assert.equal(exp.sidecar.input.name, 'pixels');
        // sixstep's own prediction: the saved network, the saved normalizer, softmax.
        const loaded = new ResNet(options);
        const { readModelDir } = await import('../../src/artifact/index.js');
        readModelDir(dir).loadWeights(loaded);
        loaded.eval();
        const local = tidy(() => noGrad(() => loaded.forward(Normalizer.fromJSON(normalizer.toJSON()).apply(tensor(pixels, { shape: [n, C, H, W] }))).softmax(1).data() as Float32Array));
        loaded.dispose();
        const s = await session(exp.onnx);
        const out = await s.run({ pixels: new ort.Tensor('float32', pixels, [n, C, H, W]) });
        await s.release();
        const probs = out.probabilities.data as Float32Array;
        let maxDiff = 0;
        for (let i = 0; i < local.length; i++) maxDiff = Math.max(maxDiff, Math.abs(local[i] - probs[i]));
        assert.ok(maxDiff <= 1e-5, `max |diff| ${maxDiff}`);
        for (let i = 0; i < n; i++) {
          const row = Array.from(local.subarray(i * classes.length, (i + 1) * classes.length));
          assert.equal(Number(out.class.data[i]), row.indexOf(Math.max(...row)), `image ${i}`);
        }
      });
    });
  }

  /** A TabularNet spec for a fitted preprocessor: its feature blocks (categories embedded) and the given encoders for its text columns. */
  const mixedOptions = (pre: Preprocessor, encoders: Array<Record<string, unknown>>, rest: { hidden: number[]; outputs: number; outputScale?: { mean: number; std: number } }): TabularNetOptions => ({
    blocks: featureBlocks(pre).map((b) => ({ ...b, embedding: b.width > 1 ? embeddingSize(b.width) : 0 })),
    texts: inputLayout(pre.toJSON()).texts.map((t, i) => ({ ...t, ...encoders[i] }) as TextEncoderSpec),
    ...rest,
  });

  it('a mixed table: numbers, a category, an LSTM text (2 layers, bidirectional) and a bag text; the sidecar tokenizes per column, the graph does the rest', async () => {
    await noLeaks(async () => {
      const r = rng(5);
      const words = ['good', 'bad', 'fine', 'awful', 'great', 'meh', 'movie', 'plot', 'the', 'was'];
      const rows: Row[] = Array.from({ length: 40 }, (_, i) => {
        const len = 1 + Math.floor(r() * 9);
        const text = Array.from({ length: len }, () => words[Math.floor(r() * words.length)]).join(' ');
        const title = `${words[Math.floor(r() * words.length)]} ${words[Math.floor(r() * words.length)]}`;
        return { review: i % 11 === 0 ? null : text, title: i % 7 === 0 ? '' : title, stars: i % 13 === 0 ? null : Math.floor(r() * 5), genre: ['drama', 'comedy', 'noir'][i % 3], mood: /good|great|fine/.test(text) ? 'pos' : /bad|awful/.test(text) ? 'neg' : 'neutral' };
      });
      const table = tableFromRows(rows, 'reviews.json');
      const schema = inferSchema(table, { target: 'mood', overrides: { review: 'text', title: 'text', stars: 'numeric' } });
      const pre = Preprocessor.fit(table, schema, { text: { maxLength: 8 } });
      const options = mixedOptions(pre, [{ encoder: 'lstm', dim: 6, hidden: 5, layers: 2, bidirectional: true }, { encoder: 'bag', dim: 4, buckets: 32 }], { hidden: [7], outputs: pre.classes!.length });
      manualSeed(3);
      const dir = save('mixed', new TabularNet(options), { family: 'tabular', options }, { kind: 'sequence', schema, preprocessor: pre.toJSON() }, 'multiclass', pre.classes);
      const exp = exportModelDir(dir);
      const input = exp.sidecar.input;
      assert.ok(input.kind === 'table' && input.name === 'features');
      assert.deepEqual(input.kind === 'table' && input.texts.map((t) => t.name), ['tokens_review', 'tokens_title']);
      const inputs = [...drop(rows, 'mood'), { review: 'the plot was never seen before, great', title: null, stars: 9, genre: 'western' }];
      const predictor = Predictor.load(dir);
      const local = predictor.predict(inputs);
      predictor.dispose();
      const out = await runRows(exp, inputs);
      const { maxDiff, classMismatch } = compare(local, out, exp.sidecar);
      assert.ok(maxDiff <= 1e-5, `max |diff| ${maxDiff}`);
      assert.deepEqual(classMismatch, []);
    });
  });

  it('text only, a bag of words and pairs for regression: no features input, the output scale travels in the graph', async () => {
    await noLeaks(async () => {
      const r = rng(9);
      const words = ['cheap', 'dear', 'small', 'large', 'house', 'flat', 'garden', 'the', 'with'];
      const rows: Row[] = Array.from({ length: 30 }, () => {
        const text = Array.from({ length: 1 + Math.floor(r() * 7) }, () => words[Math.floor(r() * words.length)]).join(' ');
        return { listing: text, price: 250_000 + 100_000 * (/large|garden/.test(text) ? 1 : 0) + 20_000 * r() };
      });
      const table = tableFromRows(rows, 'listings.json');
      const schema = inferSchema(table, { target: 'price', overrides: { listing: 'text' } });
      const pre = Preprocessor.fit(table, schema, { text: { maxLength: 8 } });
      const options = mixedOptions(pre, [{ encoder: 'bag', dim: 6, buckets: 64 }], { hidden: [], outputs: 1, outputScale: { mean: 300_000, std: 50_000 } });
      manualSeed(4);
      const dir = save('text-regression', new TabularNet(options), { family: 'tabular', options }, { kind: 'sequence', schema, preprocessor: pre.toJSON() }, 'regression', null);
      const exp = exportModelDir(dir);
      assert.ok(exp.sidecar.input.kind === 'table' && exp.sidecar.input.name === null && exp.sidecar.input.width === 0);
      const inputs = drop(rows, 'price');
      const predictor = Predictor.load(dir);
      const local = predictor.predict(inputs);
      predictor.dispose();
      // In the target's units: around the mean, not around 0.
      assert.ok(local.every((p) => Math.abs(p.value! - 300_000) < 5 * 50_000), `values ${local.slice(0, 3).map((p) => p.value)}`);
      const out = await runRows(exp, inputs);
      const { maxDiff } = compare(local, out, exp.sidecar);
      assert.ok(maxDiff <= 1e-5 * Math.max(1, ...local.map((p) => Math.abs(p.value!))), `max |diff| ${maxDiff}`);
    });
  });
});
