// One-shot learning, the worked example of a custom cost function: train an
// embedding with a triplet loss on some classes, so that images of one class
// lie close together and other classes further away; then classify classes
// the network never saw from a single example each, by nearest embedding.
import { Tensor, tensor, tidy, noGrad, cat, ArgumentError } from '../tensor/index.js';
import { tripletMarginLoss, type Module, type CostFunction } from '../nn/index.js';
import { EmbeddingNet, l2Normalize, type EmbeddingNetOptions } from '../models/embedding_net.js';
import { TripletSampler, indicesByClass, type TripletSamplerOptions } from '../train/triplet_sampler.js';
import { AdamW, OneCycleLR } from '../optim/index.js';
import { Learner, ScheduleCallback, type EpochResult } from '../train/index.js';
import { recalibrateBatchNorm } from '../train/transfer.js';
import { DataLoader, Rng, type ImageSet, type Normalizer } from '../data/index.js';

// The network (models/) and the sampler (train/) are re-exported: one-shot learning's public surface stays here.
export { EmbeddingNet, l2Normalize, TripletSampler, indicesByClass, type EmbeddingNetOptions, type TripletSamplerOptions };

// ---------------------------------------------------------------------------
// Cost functions: typed like the library's, (output, target) => scalar tensor

/** Splits a triplet batch's embeddings [3B, D] into anchors, positives and negatives. */
function thirds(emb: Tensor): [Tensor, Tensor, Tensor] {
  const n = emb.shape[0];
  if (n % 3 !== 0) throw new ArgumentError(`a triplet batch has 3·B rows, got ${n}`);
  const B = n / 3;
  return [emb.narrow(0, 0, B), emb.narrow(0, B, B), emb.narrow(0, 2 * B, B)];
}

/**
 * The triplet loss over a TripletSampler batch, max(d(a, p) − d(a, n) + margin, 0)
 * averaged: the library's tripletMarginLoss, wrapped as a cost function. The
 * labels are not needed: the batch's layout says which rows go together.
 * Default margin 0.5 (unit-norm embeddings are at most 2 apart).
 */
export function tripletCost(o: { margin?: number } = {}): CostFunction {
  const margin = o.margin ?? 0.5;
  return (emb: Tensor, _labels: Tensor) =>
    tidy(() => {
      const [a, p, n] = thirds(emb);
      return tripletMarginLoss(a, p, n, { margin });
    });
}

// ---------------------------------------------------------------------------
// Training

export interface TrainEmbeddingOptions {
  model: Module;
  /** Labelled training images (only the classes to learn from). */
  train: ImageSet;
  normalizer?: Normalizer;
  /** Default 4. */
  epochs?: number;
  /** Peak rate of the 1cycle schedule (AdamW); default 3e-3. */
  lr?: number;
  /** Default 1e-4. */
  weightDecay?: number;
  /** Default tripletCost(). */
  cost?: CostFunction;
  /** Triplets per batch and batches per epoch (TripletSampler); defaults 32 and 50. */
  batchSize?: number;
  batchesPerEpoch?: number;
  seed?: number;
  /** Batches over which batch-norm statistics are re-estimated after training; default 8 (0: none). */
  recalibrate?: number;
}

/** Trains an embedding on triplets with the Learner (the cost is any function of (embeddings, labels)). */
export async function trainEmbedding(o: TrainEmbeddingOptions): Promise<EpochResult[]> {
  const epochs = o.epochs ?? 4;
  const lr = o.lr ?? 3e-3;
  const sampler = new TripletSampler(o.train, { batchSize: o.batchSize, batchesPerEpoch: o.batchesPerEpoch, seed: o.seed, normalizer: o.normalizer });
  const optimizer = new AdamW({ params: o.model.parameters(), lr, weightDecay: o.weightDecay ?? 1e-4 });
  try {
    const learner = new Learner({ model: o.model, optimizer, costFunction: o.cost ?? tripletCost(), train: sampler });
    learner.addCallback(new ScheduleCallback(new OneCycleLR(optimizer, { maxLr: lr, totalSteps: epochs * sampler.length })));
    const history = await learner.fit(epochs);
    const extra = o.recalibrate ?? 8;
    if (extra > 0) {
      // A fresh epoch's draws, so the statistics come from the training distribution.
      await recalibrateBatchNorm(o.model, { length: extra, *batches() { let i = 0; for (const b of sampler.batches(epochs)) { if (i++ >= extra) { b.x.dispose(); b.y.dispose(); break; } yield b; } } });
    }
    return history;
  } finally {
    optimizer.dispose();
    sampler.dispose();
  }
}

// ---------------------------------------------------------------------------
// Classifying new classes from one example each

/** Embeddings [N, D] of images already scaled and normalized, in chunks, without gradients, in eval mode. */
export function embed(model: Module, images: Tensor, chunk = 512): Tensor {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() =>
      tidy(() => {
        const n = images.shape[0];
        const parts: Tensor[] = [];
        for (let s = 0; s < n; s += chunk) parts.push(model.forward(images.narrow(0, s, Math.min(chunk, n - s))));
        return parts.length === 1 ? parts[0] : cat(parts, 0);
      }),
    );
  } finally {
    model.train(wasTraining);
  }
}

/** For each query row, the index of the nearest support row (Euclidean). */
export function nearest(support: Tensor, queries: Tensor): Int32Array {
  return noGrad(() =>
    tidy(() => {
      const s2 = support.square().sum(1).unsqueeze(0);
      const q2 = queries.square().sum(1, true);
      const d2 = q2.add(s2).sub(queries.matmul(support.t()).mul(2));
      return Int32Array.from(d2.argmin(1).toArray());
    }),
  );
}

/**
 * One-shot classification: `support` holds one (preprocessed) image per new
 * class, [K, C, H, W]; each query gets the index of the support image whose
 * embedding is nearest.
 */
export function oneShotClassify(model: Module, support: Tensor, queries: Tensor): Int32Array {
  return tidy(() => nearest(embed(model, support), embed(model, queries)));
}

export interface EpisodeOptions {
  /** Classes per episode (N-way); default 4. */
  ways?: number;
  /** Queries per class per episode; default 5. */
  queriesPerClass?: number;
  /** Default 500. */
  episodes?: number;
  seed?: number;
}

export interface EpisodeResult {
  /** Fraction of queries classified right, over all episodes. */
  accuracy: number;
  /** 1/ways. */
  chance: number;
  episodes: number;
  queries: number;
}

/**
 * N-way one-shot accuracy over random episodes: each picks `ways` classes,
 * one support row and `queriesPerClass` other rows of each, and classifies the
 * queries by nearest support. Works on precomputed features [N, D] (embeddings,
 * or raw pixels flattened for a baseline), so every image is embedded once.
 */
export function evaluateEpisodes(features: Tensor, labels: ArrayLike<number>, o: EpisodeOptions = {}): EpisodeResult {
  const ways = o.ways ?? 4;
  const q = o.queriesPerClass ?? 5;
  const episodes = o.episodes ?? 500;
  const classes = indicesByClass(labels).map((ix, c) => ({ c, ix })).filter(({ ix }) => ix.length > q);
  if (classes.length < ways) throw new ArgumentError(`${ways}-way episodes need ${ways} classes with more than ${q} rows each; there are ${classes.length}`);
  const rng = new Rng(o.seed ?? 0);
  let right = 0;
  let total = 0;
  for (let e = 0; e < episodes; e++) {
    const chosen = rng.permutation(classes.length).subarray(0, ways);
    const support: number[] = [];
    const queries: number[] = [];
    const truth: number[] = [];
    chosen.forEach((k, w) => {
      const ix = classes[k].ix;
      const perm = rng.permutation(ix.length);
      support.push(ix[perm[0]]);
      for (let j = 1; j <= q; j++) {
        queries.push(ix[perm[j]]);
        truth.push(w);
      }
    });
    const pred = tidy(() => nearest(features.indexSelect(0, tensor(support, { dtype: 'int64' })), features.indexSelect(0, tensor(queries, { dtype: 'int64' }))));
    pred.forEach((p, i) => (right += p === truth[i] ? 1 : 0));
    total += pred.length;
  }
  return { accuracy: right / total, chance: 1 / ways, episodes, queries: total };
}

/** Embeds every image of `set` (bytes scaled by 1/255, then the normalizer) once: [N, D]. */
export function embedImages(model: Module, set: ImageSet, normalizer?: Normalizer, chunk = 500): Tensor {
  const loader = DataLoader.fromImages(set, { batchSize: chunk, shuffle: false, normalizer });
  try {
    return tidy(() => {
      const parts: Tensor[] = [];
      for (const b of loader.epoch(0)) {
        parts.push(embed(model, b.x, chunk));
        b.x.dispose();
        b.y?.dispose();
      }
      return cat(parts, 0);
    });
  } finally {
    loader.dispose();
  }
}
