import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { DataLoader, ImageAugment, Normalizer, readIdx, readIdxFile, readImageFolder, splitImages, subsetImages, type Batch, type ImageSet } from '../../src/data/index.js';
import { liveTensors, tidy } from '../../src/tensor/index.js';
import { FASHION, rejectsData, tempDir } from './helpers.js';

const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const haveFashion = existsSync(join(FASHION, 'train-images-idx3-ubyte.gz'));

function idx(magic: number, dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

test('IDX: plain and gzipped files, images paired with labels; header/size mismatches are DataErrors', async (t) => {
  const dir = tempDir(t);
  const pixels = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => i);
  writeFileSync(join(dir, 'x-images-idx3-ubyte'), idx(0x803, [3, 2, 2], pixels));
  writeFileSync(join(dir, 'x-labels-idx1-ubyte'), idx(0x801, [3], Uint8Array.from([2, 0, 1])));
  const plain = await readIdx(join(dir, 'x-images-idx3-ubyte'));
  assert.deepEqual(plain.shape, [3, 1, 2, 2]);
  assert.deepEqual(Array.from(plain.labels), [2, 0, 1]);
  assert.deepEqual(plain.classes, ['0', '1', '2']);
  writeFileSync(join(dir, 'z-images-idx3-ubyte.gz'), gzipSync(idx(0x803, [3, 2, 2], pixels)));
  writeFileSync(join(dir, 'z-labels-idx1-ubyte.gz'), gzipSync(idx(0x801, [3], Uint8Array.from([2, 0, 1]))));
  const gz = await readIdx(join(dir, 'z-images-idx3-ubyte.gz'));
  assert.deepEqual(Array.from(gz.images), Array.from(pixels));

  const short = join(dir, 's-images-idx3-ubyte');
  writeFileSync(short, idx(0x803, [3, 2, 2], pixels.subarray(0, 10)));
  const e = await rejectsData(readIdxFile(short, 3), { file: short });
  assert.equal(e.expected, '12 data bytes after the header (3×2×2)');
  assert.equal(e.found, '10 bytes');
  const wrongMagic = join(dir, 'w-images-idx3-ubyte');
  writeFileSync(wrongMagic, idx(0x801, [12], pixels));
  await rejectsData(readIdxFile(wrongMagic, 3), { file: wrongMagic, match: /IDX magic 0x00000803/ });
  writeFileSync(join(dir, 'm-images-idx3-ubyte'), idx(0x803, [3, 2, 2], pixels));
  writeFileSync(join(dir, 'm-labels-idx1-ubyte'), idx(0x801, [2], Uint8Array.from([1, 0])));
  await rejectsData(readIdx(join(dir, 'm-images-idx3-ubyte')), { match: /3 labels/ });
  await rejectsData(readIdx(join(dir, 'nope-images-idx3-ubyte.gz')), { match: /no such file/ });
  const badGz = join(dir, 'b-images-idx3-ubyte.gz');
  writeFileSync(badGz, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not really gzip')]));
  await rejectsData(readIdxFile(badGz), { file: badGz, match: /gzip/ });
});

test('Fashion-MNIST: official test set respected, validation stratified, channel statistics from training only', async (t) => {
  if (!haveFashion) {
    t.skip(`Fashion-MNIST not found in ${FASHION} (Debian package dataset-fashion-mnist)`);
    return;
  }
  const base = liveTensors();
  const train = await readIdx(join(FASHION, 'train-images-idx3-ubyte.gz'), { classes: FASHION_CLASSES });
  const official = await readIdx(join(FASHION, 't10k-images-idx3-ubyte.gz'), { classes: FASHION_CLASSES });
  assert.deepEqual(train.shape, [60000, 1, 28, 28]);
  assert.deepEqual(official.shape, [10000, 1, 28, 28]);
  const split = await splitImages(train, { testSet: official, validation: 1 / 6, seed: 0 });
  assert.equal(split.test.source, 'user');
  const counts = new Array(10).fill(0);
  for (const l of split.validation.labels) counts[l]++;
  assert.ok(counts.every((c) => Math.abs(c - 1000) <= 1), `validation is stratified: ${counts}`);
  // Leakage between train and the official test set is measured (Fashion-MNIST has a few exact duplicates).
  const leaked = split.leakage.trainTest + split.leakage.validationTest;
  assert.equal(split.test.size, 10000 - leaked);
  const norm = Normalizer.fitChannels(split.train.images, split.train.shape);
  assert.ok(Math.abs(norm.mean[0] - 0.286) < 0.005, `mean ${norm.mean[0]}`);
  assert.ok(Math.abs(norm.std[0] - 0.353) < 0.005, `std ${norm.std[0]}`);
  // Different training rows (the validation rows) give different statistics: the fit sees only what it is given.
  assert.notEqual(Normalizer.fitChannels(split.validation.images, split.validation.shape).mean[0], norm.mean[0]);
  // Normalized batches have about zero mean and unit spread: bytes are scaled once, not twice.
  const plain = DataLoader.fromImages(split.train, { batchSize: 2048, shuffle: false, normalizer: norm });
  const first = plain.epoch(0).next().value!;
  const [m, sd] = tidy(() => [first.x.mean().item(), first.x.std().item()]);
  assert.ok(Math.abs(m) < 0.1 && Math.abs(sd - 1) < 0.1, `normalized batch mean ${m}, std ${sd}`);
  first.x.dispose();
  first.y?.dispose();
  plain.dispose();
  const loader = DataLoader.fromImages(split.train, { batchSize: 256, seed: 1, normalizer: norm, augment: new ImageAugment() });
  let n = 0;
  for (const b of loader) {
    assert.deepEqual(b.x.shape.slice(1), [1, 28, 28]);
    assert.equal(b.x.dtype, 'float32');
    n += b.x.shape[0];
    b.x.dispose();
    b.y?.dispose();
    if (n >= 2048) break;
  }
  loader.dispose();
  assert.equal(liveTensors(), base);
});

async function someImages(): Promise<ImageSet> {
  if (haveFashion) {
    const all = await readIdx(join(FASHION, 't10k-images-idx3-ubyte.gz'), { classes: FASHION_CLASSES });
    const pick: number[] = [];
    const per = new Array(10).fill(0);
    for (let i = 0; i < all.labels.length && pick.length < 200; i++) if (per[all.labels[i]] < 20) (per[all.labels[i]]++, pick.push(i));
    return subsetImages(all, pick);
  }
  // synthetic stand-ins: class k is a bar at column 2k
  const n = 200;
  const images = new Uint8Array(n * 28 * 28);
  for (let i = 0; i < n; i++) for (let y = 0; y < 28; y++) images[i * 784 + y * 28 + 2 * (i % 10)] = 255;
  return { images, shape: [n, 1, 28, 28], labels: Int32Array.from({ length: n }, (_, i) => i % 10), classes: Array.from({ length: 10 }, (_, k) => `c${k}`), sources: [], report: { rows: n, skipped: [] } };
}

test('image folders: ~200 PNG/JPEG files decoded and resized with sharp; a corrupt file is a DataError or, lenient, skipped and reported', async (t) => {
  const base = liveTensors();
  const dir = tempDir(t);
  const set = await someImages();
  const classes = set.classes.map((c) => c.replace(/\W+/g, '_'));
  for (let i = 0; i < set.shape[0]; i++) {
    const folder = join(dir, classes[set.labels[i]]);
    mkdirSync(folder, { recursive: true });
    const img = sharp(Buffer.from(set.images.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } });
    const name = String(i).padStart(3, '0');
    if (i % 2) await img.png().toFile(join(folder, `${name}.png`));
    else await img.jpeg({ quality: 95 }).toFile(join(folder, `${name}.jpg`));
  }
  const corrupt = join(dir, classes[0], 'broken.png');
  writeFileSync(corrupt, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('garbage, not a PNG body')]));
  writeFileSync(join(dir, classes[0], 'notes.txt'), 'ignored: not an image extension');

  const e = await rejectsData(readImageFolder(dir, { size: [28, 28], channels: 1 }), { file: corrupt });
  assert.equal(e.expected, 'a decodable PNG, JPEG or WebP image');
  const read = await readImageFolder(dir, { size: [28, 28], channels: 1, lenient: true });
  assert.equal(read.shape[0], set.shape[0]);
  assert.equal(read.report.skipped.length, 1);
  assert.match(read.report.skipped[0].reason, /broken\.png/);
  assert.deepEqual(read.classes, [...classes].sort());
  // PNG is lossless: a PNG image comes back with its pixels.
  const k = read.sources.findIndex((s) => s.endsWith('001.png'));
  const back = read.images.subarray(k * 784, (k + 1) * 784);
  const orig = set.images.subarray(784, 2 * 784);
  let diff = 0;
  for (let i = 0; i < 784; i++) diff += Math.abs(back[i] - orig[i]);
  assert.ok(diff / 784 < 1, `mean abs difference ${diff / 784}`);
  const rgb = await readImageFolder(dir, { size: [16, 20], channels: 3, lenient: true });
  assert.deepEqual(rgb.shape, [set.shape[0], 3, 16, 20]);
  const loader = DataLoader.fromImages(rgb, { batchSize: 64, normalizer: Normalizer.fitChannels(rgb.images, rgb.shape) });
  const b = loader.epoch(0).next().value as Batch;
  assert.deepEqual(b.x.shape, [64, 3, 16, 20]);
  b.x.dispose();
  b.y?.dispose();
  loader.dispose();
  await rejectsData(readImageFolder(join(dir, 'missing')), { match: /no such file/ });
  const empty = join(dir, 'empty-root');
  mkdirSync(empty);
  await rejectsData(readImageFolder(empty), { file: empty, match: /no class folders/ });
  assert.equal(liveTensors(), base);
});
