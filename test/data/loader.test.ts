import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataLoader, ImageAugment, Preprocessor, Rng, TabularAugment, inferSchema, readJson, DEFAULT_IMAGE_AUGMENT, type Batch } from '../../src/data/index.js';
import { cudaAvailable, liveTensors, manualSeed, tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { PENGUINS } from './helpers.js';

function free(b: Batch): void {
  b.x.dispose();
  b.y?.dispose();
  b.y2?.dispose();
  for (const t of Object.values(b.text)) t.dispose();
}

test('DataLoader: float32 features, int64 class targets, any batch size, reshuffled every epoch with a seed', async () => {
  const base = liveTensors();
  const t = await readJson(PENGUINS);
  const pre = Preprocessor.fit(t, inferSchema(t, { target: 'Species' }));
  const enc = pre.transform(t);
  for (const batchSize of [1, 7, 32, 344, 1000]) {
    const loader = DataLoader.fromEncoded(enc, { batchSize, seed: 1 });
    assert.equal(loader.length, Math.ceil(344 / batchSize));
    const seen: number[] = [];
    let first: number[] = [];
    for (const b of loader) {
      assert.equal(b.x.dtype, 'float32');
      assert.equal(b.y!.dtype, 'int64');
      assert.deepEqual(b.x.shape, [b.indices.length, enc.features.length]);
      assert.equal(b.x.device, 'cpu');
      if (!first.length) first = Array.from(b.indices);
      // the batch holds exactly the rows it names
      const row = b.indices[0];
      assert.ok(Math.abs(b.x.toArray()[0] - enc.x[row * enc.features.length]) < 1e-6);
      assert.equal(b.y!.toArray()[0], enc.y![row]);
      seen.push(...b.indices);
      free(b);
    }
    assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 344 }, (_, i) => i), 'every row once per epoch');
    const second = loader.epoch().next().value as Batch;
    if (batchSize < 344) assert.notDeepEqual(Array.from(second.indices), first, 'a new order next epoch');
    free(second);
    loader.dispose();
  }
  const a = DataLoader.fromEncoded(enc, { batchSize: 10, seed: 4 });
  const b = DataLoader.fromEncoded(enc, { batchSize: 10, seed: 4 });
  assert.deepEqual(Array.from(a.order(3)), Array.from(b.order(3)), 'same seed and epoch, same order');
  const dl = DataLoader.fromEncoded(enc, { batchSize: 100, dropLast: true, shuffle: false });
  const sizes = [...dl].map((x) => (free(x), x.indices.length));
  assert.deepEqual(sizes, [100, 100, 100]);
  assert.deepEqual(Array.from(dl.order(5).subarray(0, 3)), [0, 1, 2]);
  a.dispose();
  b.dispose();
  dl.dispose();
  assert.equal(liveTensors(), base);
});

test('regression targets are float32; batches can be consumed inside tidy()', async () => {
  const base = liveTensors();
  const t = await readJson(PENGUINS);
  const pre = Preprocessor.fit(t, inferSchema(t, { target: 'Body Mass (g)' }));
  assert.equal(pre.task, 'regression');
  const loader = DataLoader.fromEncoded(pre.transform(t), { batchSize: 64 });
  let rows = 0;
  for (const b of loader) tidy(() => {
    assert.equal(b.y!.dtype, 'float32');
    rows += b.y!.shape[0];
    free(b);
  });
  assert.equal(rows, 342, 'the two rows without a body mass are left out (and reported)');
  loader.dispose();
  assert.equal(liveTensors(), base);
});

function images(n: number): Float32Array {
  const x = new Float32Array(n * 1 * 8 * 8);
  for (let i = 0; i < n; i++) for (let y = 0; y < 8; y++) for (let c = 0; c < 8; c++) x[i * 64 + y * 8 + c] = c / 8; // a left-to-right ramp
  return x;
}

test('image augmentation: each part toggles; flip is exact; shapes and ranges kept; config is JSON', () => {
  const base = liveTensors();
  const x = tensor(images(6), { shape: [6, 1, 8, 8] });
  const off = { hflip: null, affine: null, crop: null, color: null, erase: null };
  const same = new ImageAugment(off).images(x, new Rng(1));
  assert.deepEqual(same.toArray(), x.toArray(), 'all parts off: unchanged');
  const flipped = new ImageAugment({ ...off, hflip: { p: 1 } }).images(x, new Rng(1));
  const fx = flipped.toArray();
  assert.equal(fx[0], 7 / 8);
  assert.equal(fx[7], 0);
  const check = (aug: ImageAugment, name: string): void => {
    const out = aug.images(x, new Rng(2));
    assert.deepEqual(out.shape, [6, 1, 8, 8], name);
    assert.notDeepEqual(out.toArray(), x.toArray(), `${name} changes the batch`);
    const v = out.toArray();
    assert.ok(v.every((p) => p >= -1e-6 && p <= 1 + 1e-6), `${name} keeps values in range`);
    out.dispose();
  };
  check(new ImageAugment({ ...off, affine: { p: 1, degrees: 15, translate: 0.1 } }), 'affine');
  check(new ImageAugment({ ...off, crop: { padding: 2 } }), 'crop');
  check(new ImageAugment({ ...off, color: { brightness: 0.3, contrast: 0.3 } }), 'color');
  const erase = new ImageAugment({ ...off, erase: { p: 1, area: [0.1, 0.2], value: 0.5 } });
  const e = tidy(() => erase.images(x, new Rng(3)).toArray());
  const halves = e.filter((v) => v === 0.5).length;
  assert.ok(halves >= 6 * 3, 'a rectangle is erased in every image');
  const full = new ImageAugment();
  assert.deepEqual(full.toJSON(), DEFAULT_IMAGE_AUGMENT);
  assert.deepEqual(ImageAugment.fromJSON(JSON.parse(JSON.stringify(erase.toJSON()))).toJSON(), erase.toJSON());
  const r1 = tidy(() => full.images(x, new Rng(9)).toArray());
  const r2 = tidy(() => full.images(x, new Rng(9)).toArray());
  assert.deepEqual(r1, r2, 'the same seed gives the same augmentation');
  for (const t of [x, same, flipped]) t.dispose();
  assert.equal(liveTensors(), base);
});

test('augmentation runs in training loaders only when given; evaluation loaders are untouched', () => {
  const base = liveTensors();
  const set = { images: Uint8Array.from({ length: 10 * 64 }, (_, i) => (i % 8) * 32), shape: [10, 1, 8, 8] as [number, number, number, number], labels: Int32Array.from({ length: 10 }, (_, i) => i % 2), classes: ['a', 'b'], sources: [], report: { rows: 10, skipped: [] } };
  const train = DataLoader.fromImages(set, { batchSize: 4, augment: new ImageAugment({ hflip: { p: 1 }, affine: null, crop: null, color: null, erase: null }), shuffle: false });
  const evalLoader = DataLoader.fromImages(set, { batchSize: 4, shuffle: false });
  const tb = train.epoch(0).next().value as Batch;
  const eb = evalLoader.epoch(0).next().value as Batch;
  assert.equal(eb.x.toArray()[0], 0);
  assert.ok(Math.abs(tb.x.toArray()[0] - (7 * 32) / 255) < 1e-6, 'the training batch is flipped');
  assert.equal(tb.y!.dtype, 'int64');
  free(tb);
  free(eb);
  train.dispose();
  evalLoader.dispose();
  assert.equal(liveTensors(), base);
});

test('tabular augmentation: off by default; Gaussian noise and mixup when asked', () => {
  const base = liveTensors();
  manualSeed(0);
  const x = tensor(Float32Array.from({ length: 40 }, (_, i) => i), { shape: [10, 4] });
  const y = tensor(Int32Array.from({ length: 10 }, (_, i) => i % 3), { shape: [10] });
  const y64 = y.to('int64');
  const batch: Batch = { x, y: y64, text: {}, indices: new Int32Array(10) };
  const none = new TabularAugment().apply(batch, new Rng(1));
  assert.deepEqual(none.x.toArray(), x.toArray());
  assert.equal(none.y2, undefined);
  const noisy = new TabularAugment({ noise: { std: 0.1 } }).apply(batch, new Rng(1));
  const sd = tidy(() => noisy.x.sub(x).std().item());
  assert.ok(sd > 0.05 && sd < 0.2, `noise std ${sd}`);
  const mixed = new TabularAugment({ mixup: { alpha: 0.4 } }).apply(batch, new Rng(1));
  assert.ok(mixed.lambda! >= 0 && mixed.lambda! <= 1);
  assert.equal(mixed.y2!.dtype, 'int64');
  assert.deepEqual(new TabularAugment({ mixup: { alpha: 0.4 } }).toJSON(), { noise: null, mixup: { alpha: 0.4 } });
  for (const t of [x, y, y64] as Tensor[]) t.dispose();
  for (const b of [none, noisy, mixed]) free(b);
  assert.equal(liveTensors(), base);
});

test('batches and augmentation on a CUDA device', async (t) => {
  if (!cudaAvailable()) {
    t.skip('no CUDA device on this machine');
    return;
  }
  const base = liveTensors();
  const set = { images: Uint8Array.from({ length: 8 * 3 * 16 * 16 }, (_, i) => i % 256), shape: [8, 3, 16, 16] as [number, number, number, number], labels: Int32Array.from({ length: 8 }, (_, i) => i % 2), classes: ['a', 'b'], sources: [], report: { rows: 8, skipped: [] } };
  const loader = DataLoader.fromImages(set, { batchSize: 4, device: 'cuda', augment: new ImageAugment() });
  for (const b of loader) {
    assert.match(b.x.device, /^cuda/);
    assert.match(b.y!.device, /^cuda/);
    assert.deepEqual(b.x.shape, [4, 3, 16, 16]);
    free(b);
  }
  loader.dispose();
  assert.equal(liveTensors(), base);
});

test('DataLoader shards: batch slices add up to the one-process batches; dataset shares cover every row once', () => {
  const base = liveTensors();
  const N = 103;
  const make = (o: ConstructorParameters<typeof DataLoader>[1]) => new DataLoader({ x: tensor(Float32Array.from({ length: N }, (_, i) => i), { shape: [N, 1] }), y: null }, o);
  const single = make({ batchSize: 20, seed: 3 });
  const whole = [...single.epoch(2)].map((b) => {
    free(b);
    return Array.from(b.indices);
  });
  single.dispose();
  for (const W of [2, 3, 4]) {
    // 'batch': rank r holds a contiguous slice of every global batch of the same permutation.
    const ranks = Array.from({ length: W }, (_, r) => make({ batchSize: 20, seed: 3, shard: { rank: r, worldSize: W } }));
    const per = ranks.map((l) => [...l.epoch(2)].map((b) => (free(b), Array.from(b.indices))));
    // 103 = 5 × 20 + 3: the last global batch (3 rows) is kept for 2 and 3 ranks, skipped for 4.
    const batches = W <= 3 ? 6 : 5;
    for (const [r, l] of ranks.entries()) {
      assert.equal(l.length, batches);
      assert.equal(per[r].length, batches);
    }
    for (let k = 0; k < batches; k++) assert.deepEqual(per.flatMap((p) => p[k]), whole[k], `W=${W} batch ${k}`);
    for (const l of ranks) l.dispose();
    // 'dataset': each rank a contiguous share of the pass; together every row exactly once.
    const shares = Array.from({ length: W }, (_, r) => make({ batchSize: 16, shuffle: false, shard: { rank: r, worldSize: W, split: 'dataset' } }));
    const rows = shares.flatMap((l) => {
      const got = [...l.epoch(0)].flatMap((b) => (free(b), Array.from(b.indices)));
      assert.equal(l.length, Math.ceil(got.length / 16));
      return got;
    });
    assert.deepEqual(rows, Array.from({ length: N }, (_, i) => i));
    for (const l of shares) l.dispose();
  }
  // Refused options: the tensors stay the caller's (tidy frees them).
  assert.throws(() => tidy(() => make({ batchSize: 2, shard: { rank: 0, worldSize: 3 } })), /batch size of at least 3/);
  assert.throws(() => tidy(() => make({ shard: { rank: 3, worldSize: 3 } })), /0 ≤ rank < worldSize/);
  assert.equal(liveTensors(), base);
});
