// One-shot learning on Fashion-MNIST, measured: a triplet embedding trained on
// classes 0–5, evaluated 4-way one-shot on held-out (t10k) images of classes
// 6–9, which it never saw, against nearest neighbour on raw pixels.
//
//   node dist/bench/one_shot.js [--seeds 0,1,2] [--perClass 500] [--epochs 4] [--margin 0.5]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { manualSeed, setNumThreads, liveTensors, tensor, tidy } from '../src/tensor/index.js';
import { readIdx, Normalizer, subsetImages, Rng, type ImageSet } from '../src/data/index.js';
import { EmbeddingNet, trainEmbedding, embedImages, evaluateEpisodes, tripletCost } from '../src/steps/one_shot.js';

const FASHION = '/usr/share/datasets/fashion-mnist';

/** Up to `perClass` images of each listed class (seeded), labels kept. */
function pick(set: ImageSet, classes: number[], perClass: number, seed: number): ImageSet {
  const rng = new Rng(seed);
  const idx: number[] = [];
  for (const c of classes) {
    const of = [...set.labels.keys()].filter((i) => set.labels[i] === c);
    const perm = rng.permutation(of.length);
    for (let k = 0; k < Math.min(perClass, of.length); k++) idx.push(of[perm[k]]);
  }
  return subsetImages(set, idx);
}

const args = parseArgs({ options: { seeds: { type: 'string', default: '0' }, perClass: { type: 'string', default: '500' }, epochs: { type: 'string', default: '4' }, lr: { type: 'string', default: '3e-3' }, batches: { type: 'string', default: '50' }, margin: { type: 'string', default: '0.5' }, widths: { type: 'string', default: '8,16,32' }, dim: { type: 'string', default: '32' } } });
setNumThreads(2);
const [train, test] = await Promise.all([readIdx(join(FASHION, 'train-images-idx3-ubyte.gz')), readIdx(join(FASHION, 't10k-images-idx3-ubyte.gz'))]);
const held = pick(test, [6, 7, 8, 9], 1000, 0);
const pixels = tidy(() => tensor(held.images, { shape: held.shape, dtype: 'uint8' }).float().div(255).flatten(1));
console.log(`raw pixels: 4-way one-shot ${(100 * evaluateEpisodes(pixels, held.labels, { episodes: 500, seed: 1 }).accuracy).toFixed(1)}%`);
pixels.dispose();
for (const seed of args.values.seeds!.split(',').map(Number)) {
  const t0 = performance.now();
  const seen = pick(train, [0, 1, 2, 3, 4, 5], Number(args.values.perClass), seed);
  const norm = Normalizer.fitChannels(seen.images, seen.shape);
  manualSeed(seed);
  const arch = { inChannels: 1, widths: args.values.widths!.split(',').map(Number), dim: Number(args.values.dim) };
  const model = new EmbeddingNet(arch);
  const margin = Number(args.values.margin);
  const cost = tripletCost({ margin });
  const history = await trainEmbedding({ model, train: seen, normalizer: norm, epochs: Number(args.values.epochs), lr: Number(args.values.lr), cost, seed, batchesPerEpoch: Number(args.values.batches) });
  const emb = embedImages(model, held, norm);
  const r = evaluateEpisodes(emb, held.labels, { episodes: 500, seed: 1 });
  const untrained = new EmbeddingNet(arch);
  const e0 = embedImages(untrained, held, norm);
  const r0 = evaluateEpisodes(e0, held.labels, { episodes: 500, seed: 1 });
  emb.dispose();
  e0.dispose();
  untrained.dispose();
  model.dispose();
  console.log(`seed ${seed}: losses ${history.map((h) => h.trainLoss.toFixed(3)).join(' ')}; 4-way one-shot ${(100 * r.accuracy).toFixed(1)}% (untrained net ${(100 * r0.accuracy).toFixed(1)}%, chance ${(100 * r.chance).toFixed(0)}%); ${((performance.now() - t0) / 1000).toFixed(1)} s; live ${liveTensors()}`);
}
