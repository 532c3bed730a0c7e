// Batches as tensors. The dataset lives in a few CPU tensors; each batch is
// an index_select of a seeded permutation (new every epoch), moved to the
// device, scaled, augmented (training loaders only) and normalized.
import { keep, tensor, tidy, type Tensor } from '../tensor/index.js';
import { DataError } from './errors.js';
import { deriveSeed, Rng } from './prng.js';
import type { Normalizer } from './normalizer.js';
import type { EncodedTable } from './preprocessor.js';
import type { ImageSet } from './image_set.js';
import { balancedDraw, rowsByClass, type Sampling } from './sampler.js';

/** One batch. The tensors belong to the caller: dispose them, or iterate inside tidy(). */
export interface Batch {
  /** float32 features [B, D] or images [B, C, H, W]. */
  x: Tensor;
  /** int64 class indices [B] (binary/multiclass), float32 [B] (regression) or [B, K] (multilabel); null without targets. */
  y: Tensor | null;
  /** int64 [B, L] token ids per text column. */
  text: Record<string, Tensor>;
  /** Which dataset rows the batch holds. */
  indices: Int32Array;
  /** Mixup: the partner rows' targets and the mixing weight (loss = λ·L(y) + (1−λ)·L(y2)). */
  y2?: Tensor;
  lambda?: number;
}

/** Something that changes training batches (image or tabular augmentation). */
export interface Augmenter {
  apply(batch: Batch, rng: Rng): Batch;
  toJSON(): unknown;
}

export interface LoaderOptions {
  /** Rows per batch. Default 32. */
  batchSize?: number;
  /** Reshuffle every epoch. Default true. */
  shuffle?: boolean;
  /** Seed of the shuffles and augmentation; epoch e uses a seed derived from (seed, e). Default 0. */
  seed?: number;
  /** Drop a last batch smaller than batchSize. Default false. */
  dropLast?: boolean;
  /** Where batches go: 'cpu' (default), 'cuda', 'cuda:1' … */
  device?: string;
  /** Multiply features by this first (1/255 for image bytes). Default 1. */
  scale?: number;
  /** Applied after augmentation (e.g. image channel mean/std from the training set). */
  normalizer?: Normalizer;
  /** Augmentation: give it to the training loader only. */
  augment?: Augmenter;
  /**
   * Data parallelism: this rank's share of every batch. All ranks walk the
   * same permutation of the same global batches (of batchSize rows) and each
   * takes a disjoint contiguous slice, so together they see exactly the
   * single-process batch. A last global batch with fewer rows than ranks is
   * skipped (it would leave a rank empty); shuffling makes those rows differ
   * every epoch. With split 'dataset' (evaluation) each rank instead takes a
   * contiguous share of the whole pass and batches it: every row is seen
   * once, none skipped, and ranks may have different numbers of batches.
   */
  shard?: { rank: number; worldSize: number; split?: 'batch' | 'dataset' };
  /**
   * 'balanced': each epoch draws as many rows as there are, classes equally
   * likely, with replacement (data/sampler.ts); needs class-index targets and
   * shuffling. Data-parallel ranks share the draw and take disjoint slices of
   * it, so each rank trains on different rows. Default 'natural'.
   */
  sampling?: Sampling;
}

export interface LoaderData {
  /** [N, …] features, any dtype (bytes stay bytes until a batch is cut). */
  x: Tensor;
  y: Tensor | null;
  text?: Record<string, Tensor>;
}

export class DataLoader implements Iterable<Batch> {
  readonly size: number;
  readonly batchSize: number;
  private readonly data: LoaderData;
  private readonly o: LoaderOptions;
  private nextEpoch = 0;
  private readonly classRows: number[][] | null = null;

  /** Takes ownership of the tensors in `data` (dispose() frees them). */
  constructor(data: LoaderData, options: LoaderOptions = {}) {
    this.data = data;
    this.o = options;
    this.size = data.x.shape[0];
    this.batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new DataError('<loader>', 0, 'a positive integer batch size', String(options.batchSize));
    const sh = options.shard;
    if (sh && (!Number.isInteger(sh.worldSize) || sh.worldSize < 1 || !Number.isInteger(sh.rank) || sh.rank < 0 || sh.rank >= sh.worldSize)) {
      throw new DataError('<loader>', 0, 'a shard with 0 ≤ rank < worldSize', JSON.stringify(sh));
    }
    if (sh && sh.split !== 'dataset' && sh.worldSize > this.batchSize) throw new DataError('<loader>', 0, `a batch size of at least ${sh.worldSize} (one row per rank)`, String(this.batchSize));
    if (options.sampling === 'balanced') {
      if (!data.y || data.y.shape.length !== 1 || data.y.dtype !== 'int64') throw new DataError('<loader>', 0, 'class-index targets for balanced sampling (classification)', data.y ? `targets of shape [${data.y.shape.join(', ')}] (${data.y.dtype})` : 'no targets');
      if (options.shuffle === false) throw new DataError('<loader>', 0, 'a shuffling (training) loader for balanced sampling', 'shuffle: false');
      this.classRows = rowsByClass(data.y.toArray() as number[]);
    }
    keep(data.x);
    if (data.y) keep(data.y);
    for (const t of Object.values(data.text ?? {})) keep(t);
  }

  /** A loader over encoded table rows: float32 features, int64 class or float32 regression targets. */
  static fromEncoded(enc: EncodedTable, options: LoaderOptions = {}): DataLoader {
    const d = enc.features.length;
    return tidy(() => {
      const x = tensor(enc.x, { shape: [enc.n, d] });
      let y: Tensor | null = null;
      if (enc.y) {
        if (enc.y instanceof Int32Array) y = tensor(enc.y, { shape: [enc.n] }).to('int64');
        else y = tensor(enc.y, { shape: enc.task === 'multilabel' ? [enc.n, enc.y.length / Math.max(1, enc.n)] : [enc.n] });
      }
      const text: Record<string, Tensor> = {};
      for (const [k, ids] of Object.entries(enc.text)) text[k] = tensor(ids, { shape: [enc.n, ids.length / Math.max(1, enc.n)] }).to('int64');
      return new DataLoader({ x, y, text }, options);
    });
  }

  /** A loader over images: bytes scaled by 1/255, then augmented, then normalized (per channel). */
  static fromImages(set: ImageSet, options: LoaderOptions = {}): DataLoader {
    return tidy(() => new DataLoader({ x: tensor(set.images, { shape: set.shape, dtype: 'uint8' }), y: tensor(set.labels, { shape: [set.shape[0]] }).to('int64') }, { scale: 1 / 255, ...options }));
  }

  /** Batches per epoch. */
  get length(): number {
    const sh = this.o.shard;
    if (sh?.split === 'dataset') {
      const rows = Math.floor(((sh.rank + 1) * this.size) / sh.worldSize) - Math.floor((sh.rank * this.size) / sh.worldSize);
      return this.o.dropLast ? Math.floor(rows / this.batchSize) : Math.ceil(rows / this.batchSize);
    }
    const full = Math.floor(this.size / this.batchSize);
    const rest = this.size - full * this.batchSize;
    if (this.o.dropLast || rest === 0) return full;
    return rest >= (this.o.shard?.worldSize ?? 1) ? full + 1 : full;
  }

  /** The row order of epoch `e`: a seeded permutation, or 0 … N−1 without shuffling. */
  order(e: number): Int32Array {
    if (this.o.shuffle === false) return Int32Array.from({ length: this.size }, (_, i) => i);
    if (this.classRows) return balancedDraw(this.classRows, this.size, new Rng(deriveSeed(this.o.seed ?? 0, e, 0xba1)));
    return new Rng(deriveSeed(this.o.seed ?? 0, e)).permutation(this.size);
  }

  /** The batches of epoch `e` (default: the next epoch). */
  *epoch(e: number = this.nextEpoch): Generator<Batch> {
    this.nextEpoch = e + 1;
    let order = this.order(e);
    const whole = this.o.shard?.split === 'dataset' ? this.o.shard : null;
    if (whole) order = order.subarray(Math.floor((whole.rank * this.size) / whole.worldSize), Math.floor(((whole.rank + 1) * this.size) / whole.worldSize));
    // Data-parallel ranks walk the same permutation but must draw different augmentations for their rows.
    const ranks = this.o.shard && this.o.shard.worldSize > 1 ? [this.o.shard.rank + 1] : [];
    const rng = new Rng(deriveSeed(this.o.seed ?? 0, e, 0xa5a5, ...ranks));
    const B = this.batchSize;
    const n = order.length;
    const last = this.o.dropLast ? Math.floor(n / B) * B : n;
    const shard = whole ? undefined : this.o.shard;
    for (let s = 0; s < last; s += B) {
      const end = Math.min(s + B, n);
      if (!shard || shard.worldSize <= 1) {
        yield this.batch(order.subarray(s, end), rng);
        continue;
      }
      const m = end - s;
      if (m < shard.worldSize) break;
      const from = s + Math.floor((shard.rank * m) / shard.worldSize);
      const to = s + Math.floor(((shard.rank + 1) * m) / shard.worldSize);
      yield this.batch(order.subarray(from, to), rng);
    }
  }

  [Symbol.iterator](): Iterator<Batch> {
    return this.epoch();
  }

  /** The batch holding the given rows (no augmentation unless an rng is given). */
  batch(indices: Int32Array, rng?: Rng): Batch {
    return tidy(() => {
      const device = this.o.device ?? 'cpu';
      const idx = tensor(indices, { dtype: 'int64' });
      const move = (t: Tensor): Tensor => (device === 'cpu' ? t : t.to(device));
      let x = move(this.data.x.indexSelect(0, idx));
      // Bytes and integers become float32; float64 data (exactness tests) stays float64.
      if (x.dtype !== 'float32' && x.dtype !== 'float64') x = x.to('float32');
      const scale = this.o.scale ?? 1;
      if (scale !== 1) x = x.mul(scale);
      const y = this.data.y ? move(this.data.y.indexSelect(0, idx)) : null;
      const text: Record<string, Tensor> = {};
      for (const [k, t] of Object.entries(this.data.text ?? {})) text[k] = move(t.indexSelect(0, idx));
      let b: Batch = { x, y, text, indices: Int32Array.from(indices) };
      if (this.o.augment && rng) b = this.o.augment.apply(b, rng);
      // The features are already multiplied by `scale`: the normalizer must not scale them again.
      if (this.o.normalizer) b = { ...b, x: this.o.normalizer.apply(b.x, scale) };
      return b;
    });
  }

  dispose(): void {
    this.data.x.dispose();
    this.data.y?.dispose();
    for (const t of Object.values(this.data.text ?? {})) t.dispose();
  }
}
