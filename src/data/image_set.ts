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
  return { images, shape: [indices.length, C, H, W], labels, classes: set.classes.slice(), sources, report: { rows: indices.length, skipped: [] } };
}
