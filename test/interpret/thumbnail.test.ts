// Thumbnails of the top losses for image models: a PNG data URI that decodes
// back to the image's pixels (nearest-neighbour scaled), attached by
// interpretModel to each top loss of an image model and drawn by the report
// (only PNG data URIs become <img>; anything else stays text).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { thumbnail, interpretModel, THUMBNAIL_SIDE, type Interpretation } from '../../src/interpret/index.js';
import { DataLoader, asSource, type ImageSet } from '../../src/data/index.js';
import { errorAnalysisHtml } from '../../src/report/error_analysis.js';
import type { Module } from '../../src/nn/index.js';
import { noLeaks } from '../helpers.js';

/** n images of C×2×2 with distinct pixels; labels cycle over 3 classes. */
function images(n: number, C: number): ImageSet {
  const px = new Uint8Array(n * C * 4);
  for (let i = 0; i < px.length; i++) px[i] = (i * 37) % 256;
  return { images: px, shape: [n, C, 2, 2], labels: Int32Array.from({ length: n }, (_, i) => i % 3), classes: ['a', 'b', 'c'], sources: Array.from({ length: n }, (_, i) => `img${i}.png`), report: { rows: n, skipped: [] } };
}

async function decode(uri: string): Promise<{ data: Buffer; info: sharp.OutputInfo }> {
  assert.match(uri, /^data:image\/png;base64,/);
  return sharp(Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64')).raw().toBuffer({ resolveWithObject: true });
}

describe('top-loss thumbnails', () => {
  it('a PNG of the image, its longest side THUMBNAIL_SIDE, pixels where they were (RGB and grey)', async () => {
    for (const C of [3, 1]) {
      const set = images(2, C);
      const { data, info } = await decode(await thumbnail(set, 1));
      assert.equal(info.width, THUMBNAIL_SIDE);
      assert.equal(info.height, THUMBNAIL_SIDE);
      // Top-left block is pixel (0, 0) of image 1, bottom-right block pixel (1, 1), channel by channel (grey decodes as equal channels).
      const ch = info.channels;
      for (let c = 0; c < ch; c++) {
        const src = C === 1 ? 0 : c;
        assert.equal(data[c], set.images[1 * C * 4 + src * 4 + 0], `channel ${c} top-left`);
        assert.equal(data[(THUMBNAIL_SIDE * THUMBNAIL_SIDE - 1) * ch + c], set.images[1 * C * 4 + src * 4 + 3], `channel ${c} bottom-right`);
      }
    }
    await assert.rejects(() => thumbnail(images(2, 3), 2), /image 2 of 2/);
  });

  it('interpretModel gives every top loss of an image model its thumbnail; the report draws it', () => noLeaks(async () => {
    const set = images(9, 1);
    // A stand-in model: the first three pixels are the three logits.
    const model = { training: false, eval() {}, train() {}, forward: (x: any) => x.reshape(x.shape[0], 4).narrow(1, 0, 3) } as unknown as Module;
    const v: Interpretation = await interpretModel({ model, task: 'multiclass', classes: set.classes, preprocessing: { kind: 'image' }, seed: 0, top: 4, validationSource: () => asSource(DataLoader.fromImages(set, { batchSize: 4, shuffle: false })), validationImages: () => set });
    assert.equal(v.topLosses.length, 4);
    for (const t of v.topLosses) assert.equal(t.thumbnail, await thumbnail(set, t.index), `row ${t.index}`);
    const html = await errorAnalysisHtml(v);
    assert.equal((html.match(/<img class="thumbnail" src="data:image\/png;base64,/g) ?? []).length, 4);
    assert.match(html, /<th>image<\/th>/);
    const forged = await errorAnalysisHtml({ ...v, topLosses: [{ ...v.topLosses[0], thumbnail: 'javascript:alert(1)' }] });
    assert.doesNotMatch(forged, /<img/);
  }));
});
