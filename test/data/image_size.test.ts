// Image folders are read at their own size and channels: 28×28 greyscale
// stays 1×28×28 (never 3×64×64), colour stays 3 channels, photos larger than
// the cap are scaled down with their aspect kept (to what the budget fits,
// under `auto`), and --image-size overrides. A test folder is read at the
// training images' shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { readImageFolder } from '../../src/data/image_folder.js';
import { chooseImageShape, naturalImages, DEFAULT_MAX_SIDE } from '../../src/data/image_size.js';
import { imageCapForBudget, timeImage } from '../../src/steps/image_budget.js';
import { noLeaks } from '../helpers.js';
import { prepare } from '../../src/data/prepare.js';

/** `n` images per class of w×h: greyscale (a bar at a class-dependent column) or colour (a class-dependent tint). */
async function folder(o: { w: number; h: number; colour: boolean; n?: number; classes?: number }): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-imgsize-'));
  const C = o.colour ? 3 : 1;
  for (let k = 0; k < (o.classes ?? 3); k++) {
    mkdirSync(join(dir, `c${k}`));
    for (let i = 0; i < (o.n ?? 4); i++) {
      const px = Buffer.alloc(o.w * o.h * C);
      for (let y = 0; y < o.h; y++) for (let x = 0; x < o.w; x++) for (let c = 0; c < C; c++) px[(y * o.w + x) * C + c] = o.colour ? (c === k ? 200 : 30 + i) : x === (k * 5 + i) % o.w ? 255 : 10;
      let img = sharp(px, { raw: { width: o.w, height: o.h, channels: C } });
      if (!o.colour) img = img.toColourspace('b-w');
      await img.png().toFile(join(dir, `c${k}`, `${i}.png`));
    }
  }
  return dir;
}

test('28×28 greyscale PNGs are read at 1×28×28, with the choice stated', async () => {
  const dir = await folder({ w: 28, h: 28, colour: false });
  const set = await readImageFolder(dir);
  assert.deepEqual(set.shape, [12, 1, 28, 28]);
  assert.match(set.shapeChoice!.reason, /their own size 28×28 \(all 12 images\), 1 channel \(every image is greyscale\): small images are not upsampled/);
});

test('colour images keep 3 channels and their aspect; --image-size overrides; a fixed shape reads channels only from the caller', async () => {
  const dir = await folder({ w: 40, h: 30, colour: true });
  const set = await readImageFolder(dir);
  assert.deepEqual(set.shape, [12, 3, 30, 40], 'height 30, width 40');
  const sized = await readImageFolder(dir, { size: 16 });
  assert.deepEqual(sized.shape, [12, 3, 16, 16]);
  assert.match(sized.shapeChoice!.reason, /16×16 as --image-size asks \(their own size is 40×30/);
  const grey = await readImageFolder(dir, { size: [10, 12], channels: 1 });
  assert.deepEqual(grey.shape, [12, 1, 10, 12]);
  assert.equal(grey.shapeChoice, null);
});

test('images larger than the cap are scaled down with their aspect kept, never up', () => {
  const natural = naturalImages([{ width: 400, height: 200, greyscale: false }, { width: 400, height: 200, greyscale: false }, { width: 300, height: 150, greyscale: true }]);
  assert.deepEqual([natural.width, natural.height, natural.channels, natural.atThatSize], [400, 200, 3, 2]);
  const c = chooseImageShape(natural);
  assert.deepEqual([c.width, c.height, c.channels], [DEFAULT_MAX_SIDE, 32, 3]);
  assert.match(c.reason, /64×32.*the median; 2 of 3 images are exactly that size.*longer side above 64/);
  const wide = chooseImageShape(natural, { cap: { side: 128, reason: 'what the budget fits' } });
  assert.deepEqual([wide.width, wide.height], [128, 64]);
  assert.match(wide.reason, /above 128 \(what the budget fits\)/);
  const small = chooseImageShape(naturalImages([{ width: 12, height: 9, greyscale: true }]), { cap: { side: 128, reason: '' } });
  assert.deepEqual([small.width, small.height, small.channels], [12, 9, 1], 'not upsampled to the cap');
});

test('large photos: the largest side whose epochs fit step 3\'s share of the budget, from measured times', () => {
  const natural = { count: 1000, width: 640, height: 480, channels: 3 as const, atThatSize: 1000 };
  // A stand-in measurement: seconds per image grow with the pixels (1 µs per pixel).
  const secondsPerImage = (s: { height: number; width: number }) => s.height * s.width * 1e-6;
  const measured: number[] = [];
  const cap = imageCapForBudget(natural, { budgetSeconds: 600, step3Share: 0.45, secondsPerImage: (s) => (measured.push(Math.max(s.width, s.height)), secondsPerImage(s)) });
  // 270 s for 5 epochs of 700 images × 1.5: at most 0.0514 s per image, 51,429 pixels: 256×192 would be 49,152 — but 224 is the largest side tried.
  // 224×168 = 37,632 px → 39.5 s per epoch; fits. Sides are tried from the smallest up.
  assert.equal(cap.side, 224);
  assert.deepEqual(measured, [32, 48, 64, 96, 128, 160, 192, 224]);
  assert.match(cap.reason, /the largest side that fits step 3's 270 s \(45 % of the 600 s budget\) for 5 epochs of 700 training images: 39\.5 s per epoch measured at 224/);
  const tight = imageCapForBudget(natural, { budgetSeconds: 60, step3Share: 0.45, secondsPerImage });
  // 27 s for 5 epochs: 64×48 = 3,072 px → 3.2 s per epoch (16 s) fits; 96×72 → 7.3 s (36 s) does not.
  assert.equal(tight.side, 64);
  assert.match(tight.reason, /3\.23 s per epoch measured at 64, 7\.26 s at 96/);
  const none = imageCapForBudget(natural, { budgetSeconds: 1, step3Share: 0.45, secondsPerImage });
  assert.equal(none.side, 32);
  assert.match(none.reason, /no size fits.*a larger --budget allows more/);
  assert.equal(imageCapForBudget({ ...natural, width: 28, height: 28 }, { budgetSeconds: 1, step3Share: 0.45, secondsPerImage: () => assert.fail('small images are never measured') }).side, DEFAULT_MAX_SIDE);
});

test('prepare: the plan states the shape; a test folder is read at the training images\' shape', async () => {
  const data = await folder({ w: 20, h: 20, colour: false, n: 10 });
  const other = await folder({ w: 50, h: 50, colour: true, n: 2 });
  const p = await prepare({ data, test: other, projectDir: mkdtempSync(join(tmpdir(), 'sixstep-imgsize-proj-')) });
  assert.deepEqual(p.archInput, { kind: 'image', channels: 1, height: 20, width: 20, outputs: 3 });
  assert.match(p.describe, /30 images of 1×20×20/);
  assert.ok(p.notes.some((n) => /their own size 20×20/.test(n)), p.notes.join(' | '));
  assert.equal(p.counts.test, 6);
  const sized = await prepare({ data, imageSize: 12, projectDir: mkdtempSync(join(tmpdir(), 'sixstep-imgsize-proj-')) });
  assert.deepEqual(sized.preprocessing.kind === 'image' && sized.preprocessing.shape, [1, 12, 12]);
});

test('timing a side trains one small batch of step 2\'s ResNet and releases every tensor', () => noLeaks(() => {
  const s = timeImage({ channels: 1, height: 16, width: 16 }, 2);
  assert.ok(Number.isFinite(s) && s > 0, `${s} s per image`);
}));

test('a later run reads the images at the shape the project\'s split was made at, whatever its budget', async () => {
  const data = await folder({ w: 50, h: 50, colour: true, n: 6 });
  const projectDir = mkdtempSync(join(tmpdir(), 'sixstep-imgsize-proj-'));
  const first = await prepare({ data, projectDir, imageCap: () => ({ side: 32, reason: 'a small budget' }) });
  assert.deepEqual(first.preprocessing.kind === 'image' && first.preprocessing.shape, [3, 32, 32]);
  const again = await prepare({ data, projectDir, imageCap: () => ({ side: 64, reason: 'a larger budget' }) });
  assert.deepEqual(again.preprocessing.kind === 'image' && again.preprocessing.shape, [3, 32, 32]);
  assert.equal(again.reusedSplit, true);
  assert.equal(again.fingerprint, first.fingerprint);
  assert.ok(again.notes.some((n) => /the shape this project's split was made at/.test(n)), again.notes.join(' | '));
});
