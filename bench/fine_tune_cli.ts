// The README's fine-tuning row: a ResNet-18 in torchvision layout pretrained
// here on Fashion-MNIST classes 0–4 (nobody can download ImageNet weights on
// this machine; the recipe is the same), saved with torchvision names; then
// classes 5–9 from a few images per class as an image folder, trained by
// `sixstep fit --pretrained` and — the same architecture, the same input
// adapter, from random weights — by the library's fit(), with the same epochs
// and batch size; both judged with `sixstep predict` on 500 new test images of
// those classes.
//
// Each side runs at its own best rate: every rate listed is tried (Adam, fixed
// rates, so no learning-rate finder runs; --lrs is the head's rate while the
// body is frozen), the one with the best validation accuracy is kept — chosen
// on validation, never on the new images — and only the kept model predicts.
//
//   node dist/bench/fine_tune_cli.js [--per-class 40] [--epochs 5] [--pretrain 400] [--lrs 1e-3,5e-3,2e-2] [--scratch-lrs 3e-4,1e-3,3e-3] [--batch-size 16]
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { manualSeed, setNumThreads, saveSafetensors, tensor, tidy } from '../src/tensor/index.js';
import { crossEntropy } from '../src/nn/index.js';
import { ResNet, torchvisionResNet, IMAGENET_NORMALIZATION } from '../src/models/index.js';
import { AdamW } from '../src/optim/index.js';
import { readIdx, Rng, type ImageSet } from '../src/data/index.js';
import { openPlan } from '../src/pipeline/project.js';
import { fit } from '../src/pipeline/fit.js';
import { pretrainedSpec } from '../src/steps/fine_tune.js';

const FASHION = '/usr/share/datasets/fashion-mnist';
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
const a = parseArgs({ options: { 'per-class': { type: 'string', default: '40' }, epochs: { type: 'string', default: '5' }, pretrain: { type: 'string', default: '400' }, 'pretrain-epochs': { type: 'string', default: '2' }, lrs: { type: 'string', default: '1e-3,5e-3,2e-2' }, 'scratch-lrs': { type: 'string', default: '3e-4,1e-3,3e-3' }, 'batch-size': { type: 'string', default: '16' } } }).values;
const started = performance.now();
setNumThreads(2);
const dir = mkdtempSync(join(tmpdir(), 'sixstep-finetune-bench-'));
const [train, test] = await Promise.all([readIdx(join(FASHION, 'train-images-idx3-ubyte.gz')), readIdx(join(FASHION, 't10k-images-idx3-ubyte.gz'))]);

function pick(set: ImageSet, classes: number[], per: number, seed: number): number[] {
  const rng = new Rng(seed);
  return classes.flatMap((c) => {
    const of = [...set.labels.keys()].filter((i) => set.labels[i] === c);
    const perm = rng.permutation(of.length);
    return Array.from({ length: Math.min(per, of.length) }, (_, k) => of[perm[k]]);
  });
}

async function writeFolder(set: ImageSet, idx: number[], root: string): Promise<void> {
  for (const i of idx) {
    const d = join(root, set.classes[set.labels[i]].replace(/[^A-Za-z0-9_-]+/g, '_'));
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, `${i}.png`), await sharp(Buffer.from(set.images.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer());
  }
}

// 1. Pretraining on classes 0–4: inputs as a user's torchvision weights would expect them
//    (RGB at 32 px, ImageNet normalization), through the same input adapter fine-tuning uses.
let t0 = performance.now();
manualSeed(0);
const pre = pick(train, [0, 1, 2, 3, 4], Number(a.pretrain), 0);
const net = new ResNet({ ...torchvisionResNet('resnet18', { classes: 5 }), input: { dataMean: [0], dataStd: [1], channels: 3, size: [32, 32], mean: [...IMAGENET_NORMALIZATION.mean], std: [...IMAGENET_NORMALIZATION.std] } });
const opt = new AdamW({ params: net.parameters(), lr: 2e-3, weightDecay: 0.01 });
const rng = new Rng(1);
for (let e = 0; e < Number(a['pretrain-epochs']); e++) {
  const order = rng.permutation(pre.length);
  for (let s = 0; s + 64 <= order.length; s += 64) {
    tidy(() => {
      const rows = Array.from(order.subarray(s, s + 64), (k) => pre[k]);
      const x = new Float32Array(64 * 784);
      rows.forEach((r, j) => x.set(Float32Array.from(train.images.subarray(r * 784, (r + 1) * 784), (v) => v / 255), j * 784));
      const loss = crossEntropy(net.forward(tensor(x, { shape: [64, 1, 28, 28] })), tensor(rows.map((r) => train.labels[r]), { dtype: 'int64' }));
      loss.backward();
      opt.step();
      opt.zeroGrad();
    });
  }
}
const weights = join(dir, 'resnet18-fashion0-4.safetensors');
saveSafetensors(weights, net.stateDict());
opt.dispose();
net.dispose();
console.log(`pretrained resnet18 on ${pre.length} images of classes 0–4 in ${((performance.now() - t0) / 1000).toFixed(0)} s → ${weights}`);

// 2. The new task: classes 5–9, a few images each; 500 new test images to predict.
const folder = join(dir, 'fashion5-9');
await writeFolder(train, pick(train, [5, 6, 7, 8, 9], Number(a['per-class']), 2), folder);
const fresh = join(dir, 'new-images');
await writeFolder(test, pick(test, [5, 6, 7, 8, 9], 100, 3), fresh);

function run(args: string[]): { seconds: number; json: any; status: number | null; stderr: string } {
  const t = performance.now();
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { seconds: (performance.now() - t) / 1000, json: r.stdout ? JSON.parse(r.stdout) : null, status: r.status, stderr: r.stderr };
}

/** One fit at `lr`: its model directory, validation accuracy and seconds. */
type Arm = { lr: number; model: string; validationAccuracy: number; seconds: number; command: string };
const epochs = Number(a.epochs);
const batchSize = Number(a['batch-size']);
const rates = (s: string) => s.split(',').map(Number);

function pretrainedArm(lr: number): Arm {
  const extra = ['--pretrained', weights, '--input-size', '32', '--lr', String(lr)];
  const fit = run(['fit', '--data', folder, '--epochs', String(epochs), '--batch-size', String(batchSize), '--project', join(dir, `project-pretrained-${lr}`), '--json', ...extra]);
  if (!fit.json) throw new Error(`pretrained fit failed (${fit.status}): ${fit.stderr}`);
  return { lr, model: fit.json.model, validationAccuracy: fit.json.metrics.validation.accuracy, seconds: fit.seconds, command: `sixstep fit --data fashion5-9 --epochs ${epochs} --batch-size ${batchSize} --pretrained resnet18-fashion0-4.safetensors --input-size 32 --lr ${lr}` };
}

/** The same ResNet-18 and input adapter the pretrained side builds (pretrainedSpec), from random weights, through the library. */
async function scratchArm(lr: number): Promise<Arm> {
  const t = performance.now();
  const p = await openPlan({ data: folder, project: join(dir, `project-scratch-${lr}`), seed: 0 });
  try {
    const spec = pretrainedSpec(p.prepared, 'resnet18', { size: [32, 32] });
    const s = await fit({ plan: { ...p, proposal: { ...p.proposal, spec } }, seed: 0, training: { optimizer: 'adam', lr, epochs, batchSize } });
    return { lr, model: s.model, validationAccuracy: s.metrics.validation.accuracy ?? 0, seconds: (performance.now() - t) / 1000, command: `fit() with pretrainedSpec(resnet18, 32×32) from random weights, Adam at ${lr}, ${epochs} epochs, batch ${batchSize}` };
  } finally {
    p.store.close();
  }
}

const best = (arms: Arm[]) => arms.reduce((x, y) => (y.validationAccuracy > x.validationAccuracy ? y : x));
// One fit at a time: they never share the cores.
const scratch: Arm[] = [];
for (const lr of rates(a['scratch-lrs']!)) scratch.push(await scratchArm(lr));
const sides: Array<[string, Arm[]]> = [
  ['pretrained', rates(a.lrs!).map(pretrainedArm)],
  ['scratch (same ResNet-18)', scratch],
];
for (const [label, arms] of sides) {
  const kept = best(arms);
  const p = run(['predict', '--model', kept.model, '--data', fresh, '--json']);
  const preds = p.json.predictions as Array<{ file: string; label: string }>;
  const right = preds.filter((x) => basename(dirname(x.file)) === x.label.replace(/[^A-Za-z0-9_-]+/g, '_')).length;
  console.log(JSON.stringify({ model: label, rates: arms.map((x) => ({ lr: x.lr, validationAccuracy: x.validationAccuracy })), keptRate: kept.lr, validationAccuracy: kept.validationAccuracy, newImagesAccuracy: right / preds.length, newImages: preds.length, fitSeconds: Math.round(kept.seconds), command: kept.command }));
}
console.log(`whole bench: ${((performance.now() - started) / 1000).toFixed(0)} s wall`);
