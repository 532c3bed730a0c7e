// Batches of triplets (anchor, positive, negative) from labelled images: the
// batch source one-shot learning's triplet cost trains on.
import { Tensor, ArgumentError } from '../tensor/index.js';
import { DataLoader, Rng, deriveSeed, type ImageSet, type Normalizer } from '../data/index.js';
import type { BatchSource } from './learner.js';


export interface TripletSamplerOptions {
  /** Triplets per batch (the batch holds 3× as many images); default 32. */
  batchSize?: number;
  /** Batches per epoch (triplets are drawn, not enumerated); default 50. */
  batchesPerEpoch?: number;
  /** Seed of the draws; epoch e uses a seed derived from (seed, e). Default 0. */
  seed?: number;
  /** Applied after scaling bytes by 1/255 (fit on the training images). */
  normalizer?: Normalizer;
}

/**
 * Batches of triplets from labelled images: x holds the anchors, then their
 * positives (another image of the anchor's class), then their negatives (an
 * image of another class), [3B, C, H, W]; y holds the three blocks' labels.
 * Anchor classes are drawn uniformly, so rare classes weigh as much as common ones.
 */
export class TripletSampler implements BatchSource {
  readonly batchSize: number;
  readonly length: number;
  private readonly seed: number;
  private readonly loader: DataLoader;
  private readonly byClass: number[][];

  constructor(set: ImageSet, o: TripletSamplerOptions = {}) {
    this.batchSize = o.batchSize ?? 32;
    this.length = o.batchesPerEpoch ?? 50;
    this.seed = o.seed ?? 0;
    this.byClass = indicesByClass(set.labels).filter((ix) => ix.length > 0);
    if (this.byClass.length < 2 || !this.byClass.some((ix) => ix.length >= 2)) {
      throw new ArgumentError('triplets need at least two classes, one of them with two images or more');
    }
    this.loader = DataLoader.fromImages(set, { shuffle: false, normalizer: o.normalizer });
  }

  /** The rows of one batch: anchors, positives, negatives (exposed for tests and custom loops). */
  draw(rng: Rng): Int32Array {
    const B = this.batchSize;
    const rows = new Int32Array(3 * B);
    const anchorsFrom = this.byClass.map((ix, c) => (ix.length >= 2 ? c : -1)).filter((c) => c >= 0);
    for (let i = 0; i < B; i++) {
      const c = anchorsFrom[rng.int(anchorsFrom.length)];
      const own = this.byClass[c];
      const a = rng.int(own.length);
      const p = (a + 1 + rng.int(own.length - 1)) % own.length; // any other image of the class
      let nc = rng.int(this.byClass.length - 1);
      if (nc >= c) nc++; // any other class
      const other = this.byClass[nc];
      rows[i] = own[a];
      rows[B + i] = own[p];
      rows[2 * B + i] = other[rng.int(other.length)];
    }
    return rows;
  }

  *batches(epoch: number): Generator<{ x: Tensor; y: Tensor }> {
    const rng = new Rng(deriveSeed(this.seed, epoch));
    for (let b = 0; b < this.length; b++) {
      const batch = this.loader.batch(this.draw(rng));
      yield { x: batch.x, y: batch.y! };
    }
  }

  dispose(): void {
    this.loader.dispose();
  }
}

/** Row indices of each class, by label (empty for labels that do not occur below the largest). */
export function indicesByClass(labels: ArrayLike<number>): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < labels.length; i++) (out[labels[i]] ??= []).push(i);
  for (let c = 0; c < out.length; c++) out[c] ??= [];
  return out;
}

