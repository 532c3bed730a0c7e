// Transfer learning on Fashion-MNIST, measured: pretrain a small ResNet on
// classes 0–4, fine-tune it on classes 5–9 from a few examples per class, and
// compare with the same network trained from scratch on the same examples for
// the same number of epochs. Prints one row per (seed, shots, draw).
//
//   node dist/bench/transfer.js [--seeds 0,1,2] [--shots 5,10] [--draws 3] [--pretrain 1200] [--pretrainEpochs 3] [--widths 8,16,64] [--frozenBn] …
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { manualSeed, setNumThreads, saveSafetensors, liveTensors, noGrad, tidy } from '../src/tensor/index.js';
import { crossEntropy } from '../src/nn/index.js';
import { ResNet } from '../src/models/index.js';
import { AdamW, OneCycleLR } from '../src/optim/index.js';
import { Learner, ScheduleCallback, accuracy, type BatchSource } from '../src/train/index.js';
import { layerGroups, discriminativeParamGroups, loadPretrained, fineTune, recalibrateBatchNorm, type LayerGroup } from '../src/train/transfer.js';
import { readIdx, DataLoader, Normalizer, subsetImages, Rng, type ImageSet } from '../src/data/index.js';

const FASHION = '/usr/share/datasets/fashion-mnist';

/** Up to `perClass` images of each listed class (seeded), labels renumbered 0… in list order. */
function pick(set: ImageSet, classes: number[], perClass: number, seed: number): ImageSet {
  const rng = new Rng(seed);
  const idx: number[] = [];
  for (const c of classes) {
    const of = [...set.labels.keys()].filter((i) => set.labels[i] === c);
    const perm = rng.permutation(of.length);
    for (let k = 0; k < Math.min(perClass, of.length); k++) idx.push(of[perm[k]]);
  }
  const sub = subsetImages(set, idx);
  sub.labels = sub.labels.map((l) => classes.indexOf(l));
  sub.classes = classes.map((c) => set.classes[c]);
  return sub;
}

function source(loader: DataLoader): BatchSource {
  return { length: loader.length, *batches(e) { for (const b of loader.epoch(e)) yield { x: b.x, y: b.y! }; } };
}

// Defaults: the settings test/train/transfer.test.ts runs (its figures are this bench's seed 0).
const args = parseArgs({
  options: {
    seeds: { type: 'string', default: '0' },
    /** Examples per class for fine-tuning (comma list), and how many draws of them. */
    shots: { type: 'string', default: '10' },
    draws: { type: 'string', default: '3' },
    /** Pretraining images per class and epochs. */
    pretrain: { type: 'string', default: '1200' },
    pretrainEpochs: { type: 'string', default: '3' },
    /** Fine-tuning and scratch epochs (the same budget), of which frozen. */
    epochs: { type: 'string', default: '12' },
    freeze: { type: 'string', default: '4' },
    lr: { type: 'string', default: '3e-2' },
    lrMult: { type: 'string', default: '10' },
    scratchLr: { type: 'string', default: '1e-2' },
    pre: { type: 'string', default: '0,1,2,3,4' },
    tune: { type: 'string', default: '5,6,7,8,9' },
    widths: { type: 'string', default: '8,16,64' },
    /** Keep the frozen groups' batch norms frozen too (default: they train, fastai's train_bn). */
    frozenBn: { type: 'boolean', default: false },
  },
});
setNumThreads(2);
const arch = { inChannels: 1, classes: 5, blocks: [1, 1, 1], widths: args.values.widths!.split(',').map(Number) };
const [train, test] = await Promise.all([readIdx(join(FASHION, 'train-images-idx3-ubyte.gz')), readIdx(join(FASHION, 't10k-images-idx3-ubyte.gz'))]);
const dir = mkdtempSync(join(tmpdir(), 'sixstep-transfer-'));
const epochs = Number(args.values.epochs);
const preClasses = args.values.pre!.split(',').map(Number);
const tuneClasses = args.values.tune!.split(',').map(Number);
const lr = Number(args.values.lr);

async function fitModel(model: ResNet, set: ImageSet, norm: Normalizer, nEpochs: number, peak: number, seed: number): Promise<void> {
  const loader = DataLoader.fromImages(set, { batchSize: Math.min(32, Math.floor(set.shape[0] / 3)), seed, normalizer: norm, dropLast: true });
  const optimizer = new AdamW({ params: model.parameters(), lr: peak, weightDecay: 0.01 });
  const learner = new Learner({ model, optimizer, costFunction: crossEntropy, train: source(loader) });
  learner.addCallback(new ScheduleCallback(new OneCycleLR(optimizer, { maxLr: peak, totalSteps: nEpochs * loader.length })));
  await learner.fit(nEpochs);
  await recalibrate(model, set, norm);
  optimizer.dispose();
  loader.dispose();
}

/** Precise batch-norm statistics from (up to 1000 of) the training images. */
async function recalibrate(model: ResNet, set: ImageSet, norm: Normalizer, groups?: LayerGroup[]): Promise<void> {
  const loader = DataLoader.fromImages(set, { batchSize: 250, seed: 0, normalizer: norm });
  const first = Math.min(loader.length, 4);
  await recalibrateBatchNorm(model, { *batches() { let i = 0; for (const b of loader.epoch(0)) { if (i++ < first) yield { x: b.x, y: b.y! }; else { b.x.dispose(); b.y!.dispose(); } } } }, { groups });
  loader.dispose();
}

function accuracyOn(model: ResNet, set: ImageSet, norm: Normalizer): number {
  const loader = DataLoader.fromImages(set, { batchSize: 500, shuffle: false, normalizer: norm });
  model.eval();
  let right = 0;
  for (const b of loader.epoch(0)) {
    right += noGrad(() => tidy(() => accuracy.batchSum(model.forward(b.x), b.y!)));
    b.x.dispose();
    b.y!.dispose();
  }
  loader.dispose();
  return right / set.shape[0];
}

try {
  for (const seed of args.values.seeds!.split(',').map(Number)) {
    const t0 = performance.now();
    const pre = pick(train, preClasses, Number(args.values.pretrain), seed);
    const norm = Normalizer.fitChannels(pre.images, pre.shape);
    manualSeed(seed);
    const base = new ResNet(arch);
    await fitModel(base, pre, norm, Number(args.values.pretrainEpochs), 1e-2, seed);
    const preAcc = accuracyOn(base, pick(test, preClasses, 200, seed), norm);
    const file = join(dir, `base-${seed}.safetensors`);
    saveSafetensors(file, base.stateDict());
    base.dispose();
    const tPre = (performance.now() - t0) / 1000;
    const held = pick(test, tuneClasses, 400, seed + 1);
    for (const shots of args.values.shots!.split(',').map(Number)) for (let draw = 0; draw < Number(args.values.draws); draw++) {
      const few = pick(train, tuneClasses, shots, seed + 2 + 1000 * draw);
      // Fine-tuned.
      manualSeed(seed + 3);
      const tuned = new ResNet(arch);
      loadPretrained(tuned, file, { skip: ['fc.'] });
      const groups = layerGroups(tuned);
      const loader = DataLoader.fromImages(few, { batchSize: Math.min(32, Math.floor(few.shape[0] / 3)), seed, normalizer: norm, dropLast: true });
      const optimizer = new AdamW({ params: discriminativeParamGroups(groups, lr), weightDecay: 0.01 });
      const learner = new Learner({ model: tuned, optimizer, costFunction: crossEntropy, train: source(loader) });
      await fineTune({ learner, groups, epochs: epochs - Number(args.values.freeze), freezeEpochs: Number(args.values.freeze), baseLr: lr, lrMult: Number(args.values.lrMult), trainBatchNorm: !args.values.frozenBn });
      await recalibrate(tuned, few, norm, groups);
      const tunedAcc = accuracyOn(tuned, held, norm);
      optimizer.dispose();
      loader.dispose();
      tuned.dispose();
      // From scratch: same examples, same epochs.
      manualSeed(seed + 3);
      const scratch = new ResNet(arch);
      await fitModel(scratch, few, norm, epochs, Number(args.values.scratchLr), seed);
      const scratchAcc = accuracyOn(scratch, held, norm);
      scratch.dispose();
      console.log(`seed ${seed} shots ${shots} draw ${draw}: pretrain acc ${(100 * preAcc).toFixed(1)}% (${tPre.toFixed(1)} s); fine-tuned ${(100 * tunedAcc).toFixed(1)}%, scratch ${(100 * scratchAcc).toFixed(1)}%, margin ${(100 * (tunedAcc - scratchAcc)).toFixed(1)} pts; ${((performance.now() - t0) / 1000).toFixed(1)} s; live ${liveTensors()}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
