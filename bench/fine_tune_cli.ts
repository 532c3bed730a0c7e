// The README's fine-tuning row, measured through the CLI: a ResNet-18 in
// torchvision layout pretrained here on Fashion-MNIST classes 0–4 (nobody can
// download ImageNet weights on this machine; the recipe is the same), saved
// with torchvision names; then classes 5–9 from a few images per class as an
// image folder, trained by `sixstep fit --pretrained` and by `sixstep fit`
// from scratch with the same epochs, and both judged with `sixstep predict`
// on 500 new test images of those classes.
//
// Both fits take fixed Adam rates (--lr: the head's while the body is frozen;
// --scratch-lr: Adam's usual 1e-3), so no learning-rate finder runs, and small
// batches (a few hundred images give a handful of steps per epoch otherwise).
//
//   node dist/bench/fine_tune_cli.js [--per-class 40] [--epochs 5] [--pretrain 400] [--lr 5e-3] [--scratch-lr 1e-3] [--batch-size 16]
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

const FASHION = '/usr/share/datasets/fashion-mnist';
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
const a = parseArgs({ options: { 'per-class': { type: 'string', default: '40' }, epochs: { type: 'string', default: '5' }, pretrain: { type: 'string', default: '400' }, 'pretrain-epochs': { type: 'string', default: '2' }, lr: { type: 'string', default: '5e-3' }, 'scratch-lr': { type: 'string', default: '1e-3' }, 'batch-size': { type: 'string', default: '16' } } }).values;
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

for (const [label, extra] of [['pretrained', ['--pretrained', weights, '--input-size', '32', '--lr', a.lr!]], ['scratch', ['--optimizer', 'adam', '--lr', a['scratch-lr']!]]] as const) {
  const fit = run(['fit', '--data', folder, '--epochs', a.epochs!, '--batch-size', a['batch-size']!, '--project', join(dir, `project-${label}`), '--json', ...extra]);
  if (!fit.json) throw new Error(`${label} fit failed (${fit.status}): ${fit.stderr}`);
  const p = run(['predict', '--model', fit.json.model, '--data', fresh, '--json']);
  const preds = p.json.predictions as Array<{ file: string; label: string }>;
  const right = preds.filter((x) => basename(dirname(x.file)) === x.label.replace(/[^A-Za-z0-9_-]+/g, '_')).length;
  console.log(JSON.stringify({ model: label, validationAccuracy: fit.json.metrics.validation.accuracy, newImagesAccuracy: right / preds.length, newImages: preds.length, fitSeconds: Math.round(fit.seconds), command: `sixstep fit --data fashion5-9 --epochs ${a.epochs} --batch-size ${a['batch-size']} ${extra.map((x) => (x === weights ? 'resnet18-fashion0-4.safetensors' : x)).join(' ')}`.trim() }));
}
console.log(`whole bench: ${((performance.now() - started) / 1000).toFixed(0)} s wall`);
