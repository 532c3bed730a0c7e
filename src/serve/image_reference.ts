// What served images are compared against, saved beside the model
// (image-reference.json) when the model directory is written, so serving
// never reads the training data: the distribution of each training image's
// mean per channel, of the original widths, heights and aspect ratios (before
// resizing), the share of each class among the training images, and the
// share of each class among the model's own predictions on the validation
// images — served predictions are compared with predictions, never with
// targets (a model that under-predicts a class would otherwise read as drift).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageSet } from '../data/index.js';
import { quantileBins } from './psi.js';
import { writeJsonAtomic } from '../files/index.js';

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
  /** Share of each class among the model's predictions on the validation images; absent in references written before it (drift then falls back to `classes`). */
  predictions?: { basis: 'validation predictions'; images: number; shares: Record<string, number> };
}

/** What served predictions are compared with, and on what basis. */
export function predictionReference(r: ImageReference): { basis: 'validation predictions' | 'training targets'; shares: Record<string, number> } {
  return r.predictions ? { basis: r.predictions.basis, shares: r.predictions.shares } : { basis: 'training targets', shares: r.classes };
}

export interface ImageReferenceOptions {
  /** The class index the model predicts for each validation image (the prediction reference). */
  validationPredicted?: ArrayLike<number>;
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

function shares(indices: ArrayLike<number>, classes: readonly string[]): Record<string, number> {
  const counts = new Array(classes.length).fill(0);
  for (let i = 0; i < indices.length; i++) counts[indices[i]]++;
  return Object.fromEntries(classes.map((c, k) => [c, indices.length ? counts[k] / indices.length : 0]));
}

export function buildImageReference(set: ImageSet, o: ImageReferenceOptions = {}): ImageReference {
  const [N, C, H, W] = set.shape;
  const per = C * H * W;
  const means: Float64Array[] = Array.from({ length: C }, () => new Float64Array(N));
  for (let n = 0; n < N; n++) channelMeans(set.images.subarray(n * per, (n + 1) * per), C).forEach((m, c) => (means[c][n] = m));
  const sizes = set.originalSizes;
  const w = Float64Array.from({ length: N }, (_, n) => (sizes ? sizes[2 * n] : W));
  const h = Float64Array.from({ length: N }, (_, n) => (sizes ? sizes[2 * n + 1] : H));
  const v = o.validationPredicted;
  return {
    format: 'sixstep-image-reference',
    version: 1,
    images: N,
    channels: means.map(bins),
    width: bins(w),
    height: bins(h),
    aspect: bins(w.map((x, i) => Math.log(x / h[i]))),
    classes: shares(set.labels, set.classes),
    ...(v && v.length ? { predictions: { basis: 'validation predictions' as const, images: v.length, shares: shares(v, set.classes) } } : {}),
  };
}

/** Writes the reference into a saved model directory: the training images' statistics and, given them, the model's validation predictions. */
export function writeImageReference(modelDir: string, train: ImageSet, o: ImageReferenceOptions = {}): string {
  const file = join(modelDir, IMAGE_REFERENCE);
  writeJsonAtomic(file, buildImageReference(train, o), 0);
  return file;
}

/** The saved reference, or null when the model directory has none. */
export function readImageReference(modelDir: string): ImageReference | null {
  const file = join(modelDir, IMAGE_REFERENCE);
  if (!existsSync(file)) return null;
  const r = JSON.parse(readFileSync(file, 'utf8')) as ImageReference;
  return r.format === 'sixstep-image-reference' && r.version === 1 ? r : null;
}
