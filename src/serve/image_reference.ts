// What served images are compared against, measured on the training images
// only and saved beside the model (image-reference.json): the distribution of
// each image's mean per channel, of the original widths, heights and aspect
// ratios (before resizing), and the share of each class.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageSet } from '../data/index.js';
import { quantileBins } from './psi.js';

export const IMAGE_REFERENCE = 'image-reference.json';

export interface Bins {
  /** Interior edges (bin i holds edges[i−1] < v ≤ edges[i]). */
  edges: number[];
  proportions: number[];
  /** Training range, for the share of served values outside it. */
  min: number;
  max: number;
}

export interface ImageReference {
  format: 'sixstep-image-reference';
  version: 1;
  images: number;
  /** Per channel: each training image's mean brightness of that channel, in [0, 1]. */
  channels: Bins[];
  /** Original sizes; from the stored size when the data kept none (IDX: every image already at model size). */
  width: Bins;
  height: Bins;
  /** ln(width / height): 0 square, symmetric for portrait and landscape. */
  aspect: Bins;
  /** Share of each class among the training images. */
  classes: Record<string, number>;
}

function bins(values: ArrayLike<number>): Bins {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) (min = Math.min(min, values[i])), (max = Math.max(max, values[i]));
  return { ...quantileBins(values), min, max };
}

/** Per-image per-channel means of uint8 CHW pixels, scaled to [0, 1]. */
export function channelMeans(pixels: Uint8Array, channels: number): number[] {
  const per = pixels.length / channels;
  const out: number[] = [];
  for (let c = 0; c < channels; c++) {
    let s = 0;
    for (let i = c * per; i < (c + 1) * per; i++) s += pixels[i];
    out.push(s / per / 255);
  }
  return out;
}

export function buildImageReference(set: ImageSet): ImageReference {
  const [N, C, H, W] = set.shape;
  const per = C * H * W;
  const means: Float64Array[] = Array.from({ length: C }, () => new Float64Array(N));
  for (let n = 0; n < N; n++) channelMeans(set.images.subarray(n * per, (n + 1) * per), C).forEach((m, c) => (means[c][n] = m));
  const sizes = set.originalSizes;
  const w = Float64Array.from({ length: N }, (_, n) => (sizes ? sizes[2 * n] : W));
  const h = Float64Array.from({ length: N }, (_, n) => (sizes ? sizes[2 * n + 1] : H));
  const counts = new Array(set.classes.length).fill(0);
  for (const l of set.labels) counts[l]++;
  return {
    format: 'sixstep-image-reference',
    version: 1,
    images: N,
    channels: means.map(bins),
    width: bins(w),
    height: bins(h),
    aspect: bins(w.map((x, i) => Math.log(x / h[i]))),
    classes: Object.fromEntries(set.classes.map((c, k) => [c, N ? counts[k] / N : 0])),
  };
}

/** Writes the training reference into a saved model directory. */
export function writeImageReference(modelDir: string, train: ImageSet): string {
  const file = join(modelDir, IMAGE_REFERENCE);
  writeFileSync(file, `${JSON.stringify(buildImageReference(train))}\n`);
  return file;
}

/** The saved reference, or null when the model directory has none. */
export function readImageReference(modelDir: string): ImageReference | null {
  const file = join(modelDir, IMAGE_REFERENCE);
  if (!existsSync(file)) return null;
  const r = JSON.parse(readFileSync(file, 'utf8')) as ImageReference;
  return r.format === 'sixstep-image-reference' && r.version === 1 ? r : null;
}
