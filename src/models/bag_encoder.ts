// A text column as a bag of embeddings (fastText's input layer): the mean of
// the embeddings of its words and of its adjacent word pairs, each pair hashed
// into one of `buckets` rows after the words'. One embedding_bag call per
// batch: padding (id 0) is left out of the mean, and a text without words
// reads as zeros. Short texts (a few words) need little more than which words
// occur, and this costs a fraction of an LSTM.
import { Tensor, arange, cat, op, tidy, noGrad, empty } from '../tensor/index.js';
import { Module } from '../nn/index.js';

export interface BagEncoderOptions {
  /** Word ids run from 0 (padding) to vocabulary − 1. */
  vocabulary: number;
  /** Embedding width (the encoder's output width). */
  dim: number;
  /** Hash buckets for word pairs; 0: words only. */
  buckets: number;
}

/** Multiplier of the pair hash (a prime): ids stay below 2^24, so a·P + b fits int64 exactly. */
export const BIGRAM_PRIME = 1000003;

/** Word-pair ids of an int64 id matrix [B, L]: vocabulary + (a·P + b) mod buckets where both words are real, else 0 (padding). */
export function bigramIds(ids: Tensor, vocabulary: number, buckets: number): Tensor {
  return tidy(() => {
    const L = ids.shape[1];
    const a = ids.narrow(1, 0, L - 1);
    const b = ids.narrow(1, 1, L - 1);
    const real = a.gt(0).to('int64').mul(b.gt(0).to('int64'));
    const hashed = (op('aten::remainder', 'Scalar', a.mul(BIGRAM_PRIME).add(b), buckets) as Tensor).add(vocabulary);
    return hashed.mul(real);
  });
}

export class BagEncoder extends Module {
  readonly weight: Tensor;

  constructor(readonly o: BagEncoderOptions) {
    super();
    this.weight = this.registerParameter('weight', empty([o.vocabulary + o.buckets, o.dim]));
    // fastText's start: small uniform vectors, so words and pairs seen once or never add little noise to a mean.
    noGrad(() => {
      this.weight.uniform_(-1 / o.dim, 1 / o.dim);
      this.weight.select(0, 0).fill_(0).dispose();
    });
  }

  get width(): number {
    return this.o.dim;
  }

  /** ids: int64 [B, L] → [B, dim]. */
  forward(ids: Tensor): Tensor {
    return tidy(() => {
      const [B, L] = ids.shape;
      const all = this.o.buckets > 0 && L > 1 ? cat([ids, bigramIds(ids, this.o.vocabulary, this.o.buckets)], 1) : ids;
      const per = all.shape[1];
      const offsets = arange(0, B * per, per, { device: ids.device });
      // mode 1 = mean; padding_idx 0 leaves padding out of each mean (an empty bag is zeros).
      const [out] = op('aten::embedding_bag', 'padding_idx', this.weight, all.reshape(-1), offsets, false, 1, false, null, false, 0) as Tensor[];
      return out;
    });
  }
}
