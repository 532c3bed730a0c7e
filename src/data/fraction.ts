// Seeded fractions of a split (learning curves): a Fisher–Yates shuffle with
// a small LCG, rows kept in their original order.
import type { EncodedTable } from './preprocessor.js';
import type { ImageSet } from './image_set.js';

export function subsetEncoded(enc: EncodedTable, fraction: number, seed: number): EncodedTable {
  if (fraction >= 1) return enc;
  const n = Math.max(1, Math.round(enc.n * fraction));
  // A seeded choice of rows (for learning curves).
  const idx = Array.from({ length: enc.n }, (_, i) => i);
  let s = seed >>> 0 || 1;
  for (let i = idx.length - 1; i > 0; i--) {
    s = (s * 1664525 + 1013904223) >>> 0;
    const j = s % (i + 1);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const keep = idx.slice(0, n).sort((a, b) => a - b);
  const d = enc.features.length;
  const x = new Float32Array(n * d);
  keep.forEach((r, i) => x.set(enc.x.subarray(r * d, (r + 1) * d), i * d));
  let y: Int32Array | Float32Array | null = null;
  if (enc.y) {
    const per = enc.y.length / enc.n;
    y = new (enc.y.constructor as any)(n * per) as Int32Array | Float32Array;
    keep.forEach((r, i) => y!.set(enc.y!.subarray(r * per, (r + 1) * per), i * per));
  }
  const text: Record<string, Int32Array> = {};
  for (const [k, ids] of Object.entries(enc.text)) {
    const L = ids.length / enc.n;
    const t = new Int32Array(n * L);
    keep.forEach((r, i) => t.set(ids.subarray(r * L, (r + 1) * L), i * L));
    text[k] = t;
  }
  return { ...enc, x, n, y, text, lines: keep.map((r) => enc.lines[r]) };
}

export function subsetImageFraction(s: ImageSet, fraction: number, seed: number): ImageSet {
  const n = s.shape[0];
  const k = Math.max(1, Math.round(n * fraction));
  const idx = Array.from({ length: n }, (_, i) => i);
  let r = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    r = (r * 1664525 + 1013904223) >>> 0;
    const j = r % (i + 1);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const per = s.shape[1] * s.shape[2] * s.shape[3];
  const keep = idx.slice(0, k).sort((a, b) => a - b);
  const images = new Uint8Array(k * per);
  keep.forEach((src, i) => images.set(s.images.subarray(src * per, (src + 1) * per), i * per));
  return { ...s, images, shape: [k, s.shape[1], s.shape[2], s.shape[3]], labels: Int32Array.from(keep, (i) => s.labels[i]), sources: keep.map((i) => s.sources[i]) };
}
