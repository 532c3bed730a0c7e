// A small PNG of one image of a set, as a data URI, for the top losses of
// image models (interpret, the report, the dashboard). Encoded with sharp,
// which already decodes every image the repo reads; pixels are scaled with
// the nearest neighbour so small images (28×28) stay crisp.
import sharp from 'sharp';
import type { ImageSet } from '../data/index.js';

/** Longest side of a thumbnail in pixels. */
export const THUMBNAIL_SIDE = 48;

/** The image at `index` of the set as `data:image/png;base64,…`, its longest side `side` pixels. */
export async function thumbnail(set: ImageSet, index: number, side = THUMBNAIL_SIDE): Promise<string> {
  const [n, C, H, W] = set.shape;
  if (!Number.isInteger(index) || index < 0 || index >= n) throw new RangeError(`thumbnail: image ${index} of ${n}`);
  if (C !== 1 && C !== 3) throw new RangeError(`thumbnail: 1 or 3 channels, found ${C}`);
  const plane = H * W;
  const chw = set.images.subarray(index * C * plane, (index + 1) * C * plane);
  // The set is channel-first (CHW); PNG rows are pixel-interleaved (HWC).
  const hwc = Buffer.alloc(C * plane);
  for (let c = 0; c < C; c++) for (let i = 0; i < plane; i++) hwc[i * C + c] = chw[c * plane + i];
  const scale = side / Math.max(H, W);
  const png = await sharp(hwc, { raw: { width: W, height: H, channels: C } })
    .resize({ width: Math.max(1, Math.round(W * scale)), height: Math.max(1, Math.round(H * scale)), kernel: 'nearest', fit: 'fill' })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** Adds a thumbnail to every top loss (their `index` is the image's position in `set`). */
export async function withThumbnails<T extends { index: number }>(rows: T[], set: ImageSet): Promise<Array<T & { thumbnail: string }>> {
  return Promise.all(rows.map(async (r) => ({ ...r, thumbnail: await thumbnail(set, r.index) })));
}
