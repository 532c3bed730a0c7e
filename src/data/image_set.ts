// The in-memory image dataset IDX files and image folders produce: bytes in
// NCHW order (what the loader and augmentation expect) plus integer labels.
import type { ReadReport } from './table.js';

export interface ImageSet {
  /** uint8 pixels, [N, C, H, W] row-major. */
  images: Uint8Array;
  shape: [number, number, number, number];
  /** Class index per image. */
  labels: Int32Array;
  /** Class names in index order. */
  classes: string[];
  /** Where each image came from: its file, or "file#index" inside an IDX file. */
  sources: string[];
  /** Width and height of each image before resizing, as [w0, h0, w1, h1, …] (image folders; drift monitoring compares served sizes with these). */
  originalSizes?: Int32Array;
  report: ReadReport;
}

/** The images at the given positions, copied. */
export function subsetImages(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const [, C, H, W] = set.shape;
  const per = C * H * W;
  const images = new Uint8Array(indices.length * per);
  const labels = new Int32Array(indices.length);
  const sources: string[] = new Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i];
    images.set(set.images.subarray(k * per, (k + 1) * per), i * per);
    labels[i] = set.labels[k];
    sources[i] = set.sources[k];
  }
  const sizes = set.originalSizes;
  const originalSizes = sizes ? Int32Array.from({ length: 2 * indices.length }, (_, j) => sizes[2 * indices[j >> 1] + (j & 1)]) : undefined;
  return { images, shape: [indices.length, C, H, W], labels, classes: set.classes.slice(), sources, ...(originalSizes ? { originalSizes } : {}), report: { rows: indices.length, skipped: [] } };
}
