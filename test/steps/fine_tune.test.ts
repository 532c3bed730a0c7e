// Fine-tuning from a torchvision-named weights file: a ResNet-18 pretrained on
// the spot on some synthetic classes, saved with torchvision names, then
// fine-tuned on other classes — the stages (body frozen bit-identically while
// the head learns, then differential rates rising toward the head), every one
// a logged decision; the CLI's fit --pretrained end to end (model directory
// with the input adapter, predict on it); usage errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { manualSeed, tensor, tidy, saveSafetensors, loadSafetensors, dispose, liveTensors, setNumThreads } from '../../src/tensor/index.js';
import { crossEntropy } from '../../src/nn/index.js';
import { ResNet, torchvisionResNet } from '../../src/models/index.js';
import { Adam } from '../../src/optim/index.js';
import { prepare } from '../../src/data/prepare.js';
import { chooseCostFunction } from '../../src/steps/cost_function.js';
import { fineTuneTrainingSet, archOfWeights } from '../../src/steps/fine_tune.js';
import { evalLoss } from '../../src/protocol/measure.js';
import type { Callback } from '../../src/train/index.js';
import { runCli } from '../serve/helpers.js';
import { fixturePath } from '../helpers.js';

setNumThreads(2);
let dir: string;
let weights: string;

/** A 24×24 image: stripes (horizontal, vertical or diagonal) in one colour, with seeded noise. */
function stripes(kind: 'h' | 'v' | 'd', rgb: number[], i: number): Uint8Array {
  const S = 24;
  const out = new Uint8Array(S * S * 3);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
    const on = (kind === 'h' ? y : kind === 'v' ? x : x + y) % 6 < 3;
    for (let c = 0; c < 3; c++) out[(y * S + x) * 3 + c] = Math.max(0, Math.min(255, (on ? rgb[c] : 20) + (((x * 7 + y * 13 + i * 29 + c) % 31) - 15)));
  }
  return out;
}

async function writeFolder(root: string, classes: Record<string, ['h' | 'v' | 'd', number[]]>, per: number): Promise<void> {
  for (const [name, [kind, rgb]] of Object.entries(classes)) {
    mkdirSync(join(root, name), { recursive: true });
    for (let i = 0; i < per; i++) writeFileSync(join(root, name, `${i}.png`), await sharp(Buffer.from(stripes(kind, rgb, i)), { raw: { width: 24, height: 24, channels: 3 } }).png().toBuffer());
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sixstep-finetune-'));
  // Pretraining: red and green stripes, horizontal or vertical, one epoch of a ResNet-18 in torchvision layout.
  manualSeed(0);
  const net = new ResNet(torchvisionResNet('resnet18', { classes: 4 }));
  const opt = new Adam({ params: net.parameters(), lr: 1e-3 });
  const kinds: Array<['h' | 'v' | 'd', number[]]> = [['h', [220, 40, 40]], ['v', [220, 40, 40]], ['h', [40, 200, 40]], ['v', [40, 200, 40]]];
  for (let step = 0; step < 4; step++) {
    tidy(() => {
      const xs: number[] = [];
      const ys: number[] = [];
      for (let i = 0; i < 16; i++) {
        const k = (i + step) % 4;
        const img = stripes(kinds[k][0], kinds[k][1], i + 16 * step);
        for (let c = 0; c < 3; c++) for (let p = 0; p < 24 * 24; p++) xs.push(img[p * 3 + c] / 255);
        ys.push(k);
      }
      const loss = crossEntropy(net.forward(tensor(Float32Array.from(xs), { shape: [16, 3, 24, 24] })), tensor(ys, { dtype: 'int64' }));
      loss.backward();
      opt.step();
      opt.zeroGrad();
    });
  }
  weights = join(dir, 'pretrained.safetensors');
  saveSafetensors(weights, net.stateDict());
  opt.dispose();
  net.dispose();
  // Fine-tuning: blue stripes in three orientations, classes never seen in pretraining.
  await writeFolder(join(dir, 'blue'), { horizontal: ['h', [40, 40, 220]], vertical: ['v', [40, 40, 220]], diagonal: ['d', [40, 40, 220]] }, 12);
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('fine-tuning a pretrained backbone', () => {
  it('recognizes the architecture from the names and shapes in the file', () => {
    assert.equal(archOfWeights(weights), 'resnet18');
    assert.equal(archOfWeights(fixturePath('torchvision-resnet18-stem.safetensors')), null);
  });

  it('trains the head on a frozen body, then every group at rates rising toward the head; each stage logged', async () => {
    const before = liveTensors();
    const p = await prepare({ data: join(dir, 'blue'), projectDir: join(dir, 'lib-project'), seed: 0, imageSize: 24 });
    const file = loadSafetensors(weights).tensors;
    const decisions: Array<{ action: string; numbers?: Record<string, unknown> }> = [];
    const lrsSeen: number[][] = [];
    let bodyAfterFrozen: number[] | null = null;
    let headAfterFrozen: number[] | null = null;
    let meanAfterFrozen: number[] | null = null;
    const probe: Callback = {
      name: 'probe',
      afterBatch: (l) => lrsSeen.push(l.optimizer.lrs),
      afterFit: (l) => {
        const m = l.model as ResNet;
        if (bodyAfterFrozen) return;
        bodyAfterFrozen = m.stages[0][0].conv1.weight.toArray().slice(0, 50);
        meanAfterFrozen = (m.stages[0][0].bn1.runningMean as any).toArray().slice(0, 10);
        headAfterFrozen = m.fc.weight.toArray().slice(0, 10);
      },
    };
    const cost = chooseCostFunction(p.task, p.classes!.length);
    const r = await fineTuneTrainingSet(p, { pretrained: weights, cost, epochs: 1, freezeEpochs: 1, batchSize: 8, seed: 0, lrFinder: { numIter: 20 }, callbacks: [probe], onDecision: (d) => decisions.push(d) });
    try {
      const m = r.model as ResNet;
      // Stage 1: the body is bit-identical to the file (weights and batch-norm statistics); the head learned.
      assert.deepEqual(bodyAfterFrozen, file['layer1.0.conv1.weight'].toArray().slice(0, 50));
      assert.deepEqual(meanAfterFrozen, file['layer1.0.bn1.running_mean'].toArray().slice(0, 10));
      assert.equal(m.fc.outFeatures, 3);
      // Stage 2: the body moved too.
      assert.notDeepEqual(m.stages[0][0].conv1.weight.toArray().slice(0, 50), bodyAfterFrozen);
      assert.notDeepEqual(m.fc.weight.toArray().slice(0, 10), headAfterFrozen);
      // Differential rates: during the unfrozen epoch, group rates rise from the first group to the head.
      const last = lrsSeen.at(-2)!;
      assert.equal(last.length, 3);
      assert.ok(last[0] < last[1] && last[1] < last[2], `rates ${last}`);
      const unfrozen = decisions.find((d) => /^unfreeze/.test(d.action))!;
      const rates = unfrozen.numbers!.rates as number[];
      assert.ok(Math.abs(rates[2] / rates[0] - 100) < 1e-6, 'the first group trains 100× slower than the head (lrMult)');
      assert.deepEqual(decisions.map((d) => d.action.split(' ').slice(0, 2).join(' ')), ['start from', 'adapt the', 'freeze the', 'unfreeze and']);
      assert.match(decisions[1].action, /3×24×24 → 3×32×32/);
      const adapter = (r.spec as any).options.input;
      assert.deepEqual(adapter.mean, [0.485, 0.456, 0.406]);
      assert.equal(r.lrFinds.length, 2, 'the finder ran for the head and again for the unfrozen network');
    } finally {
      r.dispose();
      dispose(file);
    }
    assert.equal(liveTensors(), before, 'every tensor released');
  });

  it('runs the guards and keeps its best epoch: a NaN injected mid-run is rolled back, and the model returned holds the best epoch', async () => {
    const before = liveTensors();
    const p = await prepare({ data: join(dir, 'blue'), projectDir: join(dir, 'nan-project'), seed: 0, imageSize: 24 });
    const decisions: Array<{ action: string }> = [];
    // One non-finite loss at step 5 (in the unfrozen stage), seen by the NaN guard before the optimizer steps.
    let poisoned = false;
    const poison: Callback = { name: 'poison', order: 5, beforeStep: (l) => {
      if (l.step >= 5 && !poisoned) {
        poisoned = true;
        l.lossValue = NaN;
      }
    } };
    const cost = chooseCostFunction(p.task, p.classes!.length);
    const r = await fineTuneTrainingSet(p, { pretrained: weights, cost, epochs: 3, freezeEpochs: 1, batchSize: 8, seed: 0, lr: 1e-3, callbacks: [poison], onDecision: (d) => decisions.push(d) });
    try {
      assert.ok(decisions.some((d) => /^roll back and /.test(d.action)), decisions.map((d) => d.action).join(' | '));
      assert.equal(r.history.length, 4, 'training went on after the rollback');
      const finite = r.history.filter((h) => Number.isFinite(h.validLoss));
      const lowest = finite.reduce((a, b) => (b.validLoss! < a.validLoss! ? b : a));
      assert.equal(r.best!.epoch, lowest.epoch, 'the best epoch is the lowest validation loss');
      // The model holds that epoch's weights: its validation loss is the best epoch's.
      const v = p.loader('validation', { batchSize: 64 });
      try {
        assert.ok(Math.abs(evalLoss(r.model, cost.measure ?? cost.fn, v) - r.best!.validLoss!) < 1e-5);
      } finally {
        v.dispose();
      }
    } finally {
      r.dispose();
    }
    assert.equal(liveTensors(), before, 'every tensor released');
  });

  it('fit --pretrained from the CLI saves a model that predict uses; bad options exit 2', () => {
    const project = join(dir, 'project');
    const r = runCli(['fit', '--data', join(dir, 'blue'), '--pretrained', weights, '--epochs', '1', '--batch-size', '8', '--input-size', '32', '--lr', '1e-3', '--project', project, '--json']);
    assert.ok(r.status === 0 || r.status === 5, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.ok(s.decisions.some((d: any) => /^start from pretrained resnet18/.test(d.action)));
    const manifest = JSON.parse(readFileSync(join(s.model, 'manifest.json'), 'utf8'));
    assert.equal(manifest.architecture.options.block, 'basic');
    assert.deepEqual(manifest.architecture.options.input.size, [32, 32]);
    const pr = runCli(['predict', '--model', s.model, '--data', join(dir, 'blue', 'diagonal'), '--json']);
    assert.equal(pr.status, 0, pr.stderr);
    assert.equal(JSON.parse(pr.stdout).predictions.length, 12);
    const wrong = runCli(['fit', '--data', join(dir, 'blue'), '--pretrained', weights, '--arch', 'resnet50', '--epochs', '1', '--project', project]);
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /missing from the file: .*layer1\.0\.conv3\.weight/);
    const bad = runCli(['fit', '--data', join(dir, 'blue'), '--pretrained', weights, '--arch', 'vgg16', '--project', project]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--arch "vgg16": expected one of resnet18, resnet34, resnet50/);
    const table = runCli(['fit', '--data', 'data/penguins.json', '--target', 'Species', '--pretrained', weights, '--project', project]);
    assert.equal(table.status, 2);
    assert.match(table.stderr, /fine-tunes image models, and data\/penguins\.json is a table/);
    const stray = runCli(['fit', '--data', join(dir, 'blue'), '--arch', 'resnet18', '--project', project]);
    assert.equal(stray.status, 2);
    assert.match(stray.stderr, /--arch applies only with --pretrained/);
  });
});
