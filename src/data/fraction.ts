// Seeded fractions of a split (learning curves): which rows, from the one
// seeded generator (prng.ts) — every seed its own subset — kept in their
// original order.
import type { EncodedTable } from './preprocessor.js';
import type { ImageSet } from './image_set.js';
import { Rng } from './prng.js';

/** k of n row positions, chosen by the seed, ascending. */
export function seededRows(n: number, k: number, seed: number): number[] {
  return Array.from(new Rng(seed).permutation(n).subarray(0, k)).sort((a, b) => a - b);
}

export function subsetEncoded(enc: EncodedTable, fraction: number, seed: number): EncodedTable {
  if (fraction >= 1) return enc;
  const n = Math.max(1, Math.round(enc.n * fraction));
  const keep = seededRows(enc.n, n, seed);
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
  const per = s.shape[1] * s.shape[2] * s.shape[3];
  const keep = seededRows(n, k, seed);
  const images = new Uint8Array(k * per);
  keep.forEach((src, i) => images.set(s.images.subarray(src * per, (src + 1) * per), i * per));
  return { ...s, images, shape: [k, s.shape[1], s.shape[2], s.shape[3]], labels: Int32Array.from(keep, (i) => s.labels[i]), sources: keep.map((i) => s.sources[i]) };
}
