// Transfer learning: layer groups, freezing (frozen means bit-identical),
// differential rates per group, loading pretrained weights around a new head,
// fine_tune and gradual unfreezing; then the demonstration on Fashion-MNIST:
// pretrain on classes 0–4, fine-tune on 5–9 from a few examples, against the
// same network trained from scratch on the same examples.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, randn, randint, tensor, tidy, keep, noGrad, setNumThreads, saveSafetensors, type Tensor } from '../../src/tensor/index.js';
import { Sequential, Linear, ReLU, BatchNorm1d, crossEntropy } from '../../src/nn/index.js';
import { ResNet, TabularNet } from '../../src/models/index.js';
import { SGD, AdamW, OneCycleLR } from '../../src/optim/index.js';
import { Learner, ScheduleCallback, accuracy, type BatchSource, type Callback } from '../../src/train/index.js';
import {
  layerGroups, freeze, unfreeze, frozenBatchNorm, loadPretrained, discriminativeParamGroups, groupLrs, fineTune, gradualUnfreeze, recalibrateBatchNorm, describeGroups,
} from '../../src/train/transfer.js';
import { readIdx, DataLoader, Normalizer, subsetImages, Rng, type ImageSet } from '../../src/data/index.js';
import { noLeaks } from '../helpers.js';

setNumThreads(2);

/** n batches of random rows, the same every epoch (8 features, 3 classes, or images). */
function randomSource(n: number, shape: number[], classes: number, seed: number): BatchSource & { free(): void } {
  manualSeed(seed);
  const xs = Array.from({ length: n }, () => keep(randn(shape)));
  const ys = Array.from({ length: n }, () => keep(randint(0, classes, [shape[0]], { dtype: 'int64' })));
  return {
    length: n,
    *batches() {
      for (let i = 0; i < n; i++) yield { x: xs[i].clone(), y: ys[i].clone() };
    },
    free() {
      for (const t of [...xs, ...ys]) t.dispose();
    },
  };
}

/** Every parameter and buffer as plain numbers, by name. */
function snapshot(state: Record<string, Tensor>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(state).map(([k, t]) => [k, t.toArray()]));
}

const smallResNet = (classes: number) => new ResNet({ inChannels: 1, classes, blocks: [1, 1, 1], widths: [4, 8, 8] });

describe('layerGroups', () => {
  it('splits a ResNet into stem + first stage, later stages, head', () => noLeaks(() => {
    const net = smallResNet(3);
    const g = layerGroups(net);
    assert.deepEqual(describeGroups(g).map((d) => [d.name, d.modules]), [
      ['body.0', ['conv1', 'bn1', 'layer1.0']],
      ['body.1', ['layer2.0', 'layer3.0']],
      ['head', ['fc']],
    ]);
    // Every parameter in exactly one group, in the model's order.
    assert.deepEqual(g.flatMap((x) => x.params), net.parameters());
    const four = new ResNet({ inChannels: 1, classes: 2, blocks: [1, 1, 1, 1], widths: [4, 4, 8, 8] });
    assert.deepEqual(layerGroups(four).map((x) => x.modules.map(([n]) => n)), [['conv1', 'bn1', 'maxpool', 'layer1.0', 'layer2.0'], ['layer3.0', 'layer4.0'], ['fc']]);
    net.dispose();
    four.dispose();
  }));

  it('splits a Sequential by its parameter-holding layers and a TabularNet into embeddings, hidden, head', () => noLeaks(() => {
    const seq = new Sequential(new Linear({ inFeatures: 4, outFeatures: 8 }), new ReLU(), new Linear({ inFeatures: 8, outFeatures: 8 }), new ReLU(), new Linear({ inFeatures: 8, outFeatures: 8 }), new ReLU(), new Linear({ inFeatures: 8, outFeatures: 2 }));
    assert.deepEqual(layerGroups(seq).map((x) => x.modules.map(([n]) => n)), [['0', '1', '2'], ['3', '4', '5'], ['6']]);
    const two = new Sequential(new Linear({ inFeatures: 4, outFeatures: 8 }), new ReLU(), new Linear({ inFeatures: 8, outFeatures: 2 }));
    assert.deepEqual(layerGroups(two).map((x) => x.name), ['body', 'head']);
    const tab = new TabularNet({ blocks: [{ name: 'n', start: 0, width: 1, embedding: 0 }, { name: 'c', start: 1, width: 5, embedding: 3 }], hidden: [8], outputs: 2, batchNorm: true });
    assert.deepEqual(layerGroups(tab).map((x) => [x.name, x.modules.map(([n]) => n)]), [['embeddings', ['emb_0']], ['hidden', ['fc_0', 'bn_0']], ['head', ['head']]]);
    for (const m of [seq, two, tab]) m.dispose();
  }));

  it('takes a spec of dotted module names, and refuses one that leaves parameters out or names them twice', () => noLeaks(() => {
    const net = smallResNet(3);
    const g = layerGroups(net, [{ name: 'early', modules: ['conv1', 'bn1', 'layer1.0.conv1'] }, { name: 'rest', modules: ['layer1.0.bn1', 'layer1.0.conv2', 'layer1.0.bn2', 'layer2.0', 'layer3.0', 'fc'] }]);
    assert.equal(g[0].params.length, 4);
    assert.throws(() => layerGroups(net, [{ name: 'a', modules: ['conv1', 'bn1', 'layer1.0', 'layer2.0', 'layer3.0'] }]), /parameters in no group: fc.weight, fc.bias/);
    assert.throws(() => layerGroups(net, [{ name: 'a', modules: ['layer1.0'] }, { name: 'b', modules: ['layer1.0.conv1'] }]), /'layer1.0.conv1.weight' is in group 'a' and in group 'b'/);
    assert.throws(() => layerGroups(net, [{ name: 'a', modules: ['layer9'] }]), /no module named 'layer9'/);
    net.dispose();
  }));
});

describe('freezing', () => {
  it('leaves frozen parameters and batch-norm statistics bit-identical through Learner steps (AdamW with weight decay, SGD with momentum)', () => noLeaks(async () => {
    for (const make of [(p: any) => new AdamW({ params: p, lr: 1e-2, weightDecay: 0.1 }), (p: any) => new SGD({ params: p, lr: 0.1, momentum: 0.9, weightDecay: 1e-3 })]) {
      manualSeed(1);
      const net = smallResNet(3);
      const groups = layerGroups(net);
      const optimizer = make(discriminativeParamGroups(groups, 1e-2));
      const train = randomSource(3, [6, 1, 12, 12], 3, 2);
      const learner = new Learner({ model: net, optimizer, costFunction: crossEntropy, train, callbacks: [frozenBatchNorm(groups)] });
      // A first unfrozen epoch fills the optimizer state (momentum, Adam moments) of every parameter.
      await learner.fit(1);
      freeze(groups);
      assert.deepEqual(groups.map((g) => g.frozen), [true, true, false]);
      const head = new Set(groups[2].params);
      const before = snapshot(net.stateDict());
      await learner.fit(2);
      const after = snapshot(net.stateDict());
      for (const [name, p] of net.namedParameters()) {
        if (head.has(p)) assert.notDeepEqual(after[name], before[name], `${name} (head) trains`);
        else assert.deepEqual(after[name], before[name], `${name} (frozen) is unchanged`);
      }
      for (const name of Object.keys(before).filter((n) => /running_|num_batches/.test(n))) assert.deepEqual(after[name], before[name], `${name} is unchanged`);
      unfreeze(groups);
      assert.ok(net.parameters().every((p) => p.requiresGrad));
      await learner.fit(1);
      assert.notDeepEqual(snapshot(net.stateDict())['conv1.weight'], after['conv1.weight'], 'unfrozen, the stem trains again');
      optimizer.dispose();
      train.free();
      net.dispose();
    }
  }));

  it('with trainBatchNorm, trains the frozen groups\' batch norms only', () => noLeaks(async () => {
    manualSeed(3);
    const net = smallResNet(3);
    const groups = layerGroups(net);
    freeze(groups, -1, { trainBatchNorm: true });
    const optimizer = new AdamW({ params: discriminativeParamGroups(groups, 1e-2) });
    const train = randomSource(2, [6, 1, 12, 12], 3, 4);
    const learner = new Learner({ model: net, optimizer, costFunction: crossEntropy, train, callbacks: [frozenBatchNorm(groups)] });
    const before = snapshot(net.stateDict());
    await learner.fit(1);
    const after = snapshot(net.stateDict());
    for (const name of ['conv1.weight', 'layer1.0.conv1.weight', 'layer3.0.conv2.weight']) assert.deepEqual(after[name], before[name], name);
    for (const name of ['bn1.weight', 'bn1.running_mean', 'layer2.0.bn2.bias', 'fc.weight']) assert.notDeepEqual(after[name], before[name], name);
    optimizer.dispose();
    train.free();
    net.dispose();
  }));

  it('counts negative upTo from the end and clears stale gradients', () => noLeaks(() => {
    const net = new Sequential(new Linear({ inFeatures: 2, outFeatures: 2 }), new ReLU(), new Linear({ inFeatures: 2, outFeatures: 2 }), new ReLU(), new Linear({ inFeatures: 2, outFeatures: 2 }));
    const groups = layerGroups(net);
    tidy(() => net.forward(randn([3, 2])).sum().backward());
    freeze(groups, -2);
    assert.deepEqual(groups.map((g) => g.frozen), [true, false, false]);
    assert.equal(groups[0].params[0].grad, null);
    assert.ok(tidy(() => groups[1].params[0].grad !== null), 'the trainable group keeps its gradient');
    freeze(groups, 5);
    assert.deepEqual(groups.map((g) => g.frozen), [true, true, true]);
    net.zeroGrad();
    net.dispose();
  }));
});

describe('differential learning rates', () => {
  it('gives each layer group its rate, lowest for the earliest, and the steps follow them', () => noLeaks(() => {
    manualSeed(5);
    const net = new Sequential(new Linear({ inFeatures: 3, outFeatures: 4 }), new ReLU(), new Linear({ inFeatures: 4, outFeatures: 4 }), new ReLU(), new Linear({ inFeatures: 4, outFeatures: 2 }));
    const groups = layerGroups(net);
    assert.deepEqual(groupLrs({ min: 1e-4, max: 1e-2 }, 3).map((x) => +x.toPrecision(12)), [1e-4, 1e-3, 1e-2]);
    assert.deepEqual(groupLrs(0.5, 2), [0.5, 0.5]);
    assert.throws(() => groupLrs([1, 2], 3), /2 learning rates for 3 layer groups/);
    const pg = discriminativeParamGroups(groups, { min: 1e-4, max: 1e-2 }, { momentum: 0 });
    assert.deepEqual(pg.map((g) => g.name), ['body.0', 'body.1', 'head']);
    pg.forEach((g, i) => assert.equal(g.params, groups[i].params));
    const optimizer = new SGD({ params: pg, lr: 1 });
    assert.deepEqual(optimizer.lrs.map((x) => +x.toPrecision(6)), [1e-4, 1e-3, 1e-2]);
    // Plain SGD: each parameter moves by exactly its group's rate times its gradient.
    tidy(() => crossEntropy(net.forward(randn([5, 3])), tensor([0, 1, 1, 0, 1], { dtype: 'int64' })).backward());
    const before = groups.map((g) => g.params.map((p) => p.toArray()));
    const grads = tidy(() => groups.map((g) => g.params.map((p) => p.grad!.toArray())));
    optimizer.step();
    groups.forEach((g, gi) => {
      const lr = optimizer.lrs[gi];
      g.params.forEach((p, pi) => {
        const after = p.toArray();
        after.forEach((v, k) => assert.ok(Math.abs(before[gi][pi][k] - lr * grads[gi][pi][k] - v) < 1e-7, `group ${g.name}`));
      });
    });
    optimizer.zeroGrad();
    optimizer.dispose();
    net.dispose();
  }));
});

describe('loadPretrained', () => {
  it('loads matching tensors, skips a head of another shape or by prefix, and reports it', (t) => noLeaks(() => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-transfer-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    manualSeed(7);
    const source = smallResNet(10);
    // Running statistics that differ from a fresh network's, so loading them is visible.
    noGrad(() => source.stemBn.runningMean!.add_(0.5));
    const file = join(dir, 'base.safetensors');
    saveSafetensors(file, { ...source.stateDict(), 'extra.weight': source.fc.weight });
    const want = snapshot(source.stateDict());
    manualSeed(8);
    const target = smallResNet(5);
    const fresh = snapshot(target.stateDict());
    const r = loadPretrained(target, file);
    assert.deepEqual(r.skipped, [{ name: 'fc.weight', reason: 'shape' }, { name: 'fc.bias', reason: 'shape' }]);
    assert.deepEqual(r.unused, ['extra.weight']);
    const got = snapshot(target.stateDict());
    for (const name of r.loaded) assert.deepEqual(got[name], want[name], name);
    assert.ok(r.loaded.includes('bn1.running_mean') && r.loaded.includes('layer3.0.downsample.0.weight'));
    assert.deepEqual(got['fc.weight'], fresh['fc.weight'], 'the head keeps its initialization');
    // Same shapes: skip by prefix.
    const same = smallResNet(10);
    assert.deepEqual(loadPretrained(same, file, { skip: ['fc.'] }).skipped.map((s) => s.reason), ['skip', 'skip']);
    // strict refuses a mismatch it was not told to skip, and names it.
    assert.throws(() => loadPretrained(target, file, { strict: true }), /fc.weight \(shape\), fc.bias \(shape\)/);
    assert.doesNotThrow(() => loadPretrained(target, file, { strict: true, skip: ['fc.'] }));
    // From tensors in memory, missing names are reported.
    const r2 = loadPretrained(target, { 'conv1.weight': source.stem.weight });
    assert.equal(r2.loaded.length, 1);
    assert.ok(r2.skipped.some((s) => s.name === 'bn1.weight' && s.reason === 'missing'));
    assert.throws(() => loadPretrained(target, join(dir, 'nope.safetensors')), /no such file/);
    for (const m of [source, target, same]) m.dispose();
  }));
});

describe('fineTune and gradualUnfreeze', () => {
  /** Records which groups are frozen at each fit and the optimizer's rates at the first step. */
  function spy(groups: ReturnType<typeof layerGroups>): Callback & { frozen: boolean[][]; lrs: number[][] } {
    const s = {
      frozen: [] as boolean[][],
      lrs: [] as number[][],
      order: 100,
      beforeFit: () => void s.frozen.push(groups.map((g) => g.frozen)),
      beforeStep: (l: Learner) => void (l.iter === 0 && l.epoch === l.startEpoch ? s.lrs.push(l.optimizer.lrs) : undefined),
    };
    return s;
  }

  it('trains the head frozen, then everything at rates from lr/2/lrMult to lr/2', () => noLeaks(async () => {
    manualSeed(9);
    const net = smallResNet(3);
    const groups = layerGroups(net);
    const optimizer = new AdamW({ params: discriminativeParamGroups(groups, 1e-3) });
    const train = randomSource(4, [6, 1, 12, 12], 3, 10);
    const s = spy(groups);
    const learner = new Learner({ model: net, optimizer, costFunction: crossEntropy, train, callbacks: [s] });
    const stem = net.stem.weight.toArray();
    let stemAfterFrozen: number[] = [];
    learner.addCallback({ afterFit: () => void (stemAfterFrozen.length || (stemAfterFrozen = net.stem.weight.toArray())) });
    const r = await fineTune({ learner, groups, epochs: 2, freezeEpochs: 1, baseLr: 1e-2, lrMult: 100 });
    assert.equal(r.frozen.length, 1);
    assert.equal(r.unfrozen.length, 2);
    assert.deepEqual(s.frozen, [[true, true, false], [false, false, false]]);
    assert.deepEqual(stemAfterFrozen, stem, 'the stem did not move while frozen');
    assert.notDeepEqual(net.stem.weight.toArray(), stem, 'and moved once unfrozen');
    // 1cycle starts each group at its peak / div: the frozen phase peaks at 1e-2 (head), the second at [5e-5 … 5e-3].
    assert.ok(Math.abs(s.lrs[0][2] - 1e-2 / 25) < 1e-9);
    const peaks = s.lrs[1].map((x) => x * 5);
    [5e-5, 5e-4, 5e-3].forEach((want, i) => assert.ok(Math.abs(peaks[i] - want) / want < 0.05, `group ${i}: ${peaks[i]} ≈ ${want}`));
    optimizer.dispose();
    train.free();
    net.dispose();
  }));

  it('gradual unfreezing opens one more group per stage', () => noLeaks(async () => {
    manualSeed(11);
    const net = smallResNet(3);
    const groups = layerGroups(net);
    const optimizer = new AdamW({ params: discriminativeParamGroups(groups, 1e-3) });
    const train = randomSource(2, [6, 1, 12, 12], 3, 12);
    const s = spy(groups);
    const learner = new Learner({ model: net, optimizer, costFunction: crossEntropy, train, callbacks: [s] });
    const stages = await gradualUnfreeze({ learner, groups, lr: 1e-2, finalEpochs: 1 });
    assert.deepEqual(stages.map((x) => x.length), [1, 1, 2]);
    assert.deepEqual(s.frozen, [[true, true, false], [true, false, false], [false, false, false]]);
    assert.ok(groups.every((g) => !g.frozen));
    optimizer.dispose();
    train.free();
    net.dispose();
  }));

  it('refuses an optimizer whose groups are not the layer groups', () => noLeaks(async () => {
    const net = smallResNet(3);
    const groups = layerGroups(net);
    const optimizer = new AdamW({ params: net.parameters() });
    const train = randomSource(1, [2, 1, 8, 8], 3, 13);
    const learner = new Learner({ model: net, optimizer, costFunction: crossEntropy, train });
    await assert.rejects(fineTune({ learner, groups, epochs: 1 }), /1 parameter groups, there are 3 layer groups/);
    optimizer.dispose();
    train.free();
    net.dispose();
  }));
});

describe('recalibrateBatchNorm', () => {
  it('replaces running statistics by the plain average over the batches and restores momentum', () => noLeaks(async () => {
    manualSeed(14);
    const bn = new BatchNorm1d({ numFeatures: 2 });
    const xs = tidy(() => [randn([64, 2]).mul(3).add(1), randn([64, 2]).sub(2)]);
    const mean = tidy(() => xs.map((x) => x.mean(0).toArray()));
    const vars = tidy(() => xs.map((x) => x.var(0).toArray()));
    bn.eval();
    await recalibrateBatchNorm(bn, { *batches() { for (const x of xs) yield { x: x.clone(), y: tensor([0]) }; } });
    assert.equal(bn.training, false, 'mode restored');
    assert.equal(bn.momentum, 0.1, 'momentum restored');
    bn.runningMean!.toArray().forEach((v, j) => assert.ok(Math.abs(v - (mean[0][j] + mean[1][j]) / 2) < 1e-5));
    bn.runningVar!.toArray().forEach((v, j) => assert.ok(Math.abs(v - (vars[0][j] + vars[1][j]) / 2) < 1e-4));
    for (const x of xs) x.dispose();
    bn.dispose();
  }));
});

// ---------------------------------------------------------------------------
// The demonstration

const FASHION = '/usr/share/datasets/fashion-mnist';
const haveFashion = existsSync(join(FASHION, 'train-images-idx3-ubyte.gz')) && existsSync(join(FASHION, 't10k-images-idx3-ubyte.gz'));

/** `perClass` images of each listed class (seeded), labels renumbered 0… in list order. */
function pick(set: ImageSet, classes: number[], perClass: number, seed: number): ImageSet {
  const rng = new Rng(seed);
  const idx: number[] = [];
  for (const c of classes) {
    const of: number[] = [];
    set.labels.forEach((l, i) => l === c && of.push(i));
    const perm = rng.permutation(of.length);
    for (let k = 0; k < Math.min(perClass, of.length); k++) idx.push(of[perm[k]]);
  }
  const sub = subsetImages(set, idx);
  sub.labels = sub.labels.map((l) => classes.indexOf(l));
  sub.classes = classes.map((c) => set.classes[c]);
  return sub;
}

function sourceOf(loader: DataLoader): BatchSource {
  return { length: loader.length, *batches(e) { for (const b of loader.epoch(e)) yield { x: b.x, y: b.y! }; } };
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

/** Precise batch-norm statistics from (up to 1000 of) the training images. */
async function recalibrate(model: ResNet, set: ImageSet, norm: Normalizer): Promise<void> {
  const loader = DataLoader.fromImages(set, { batchSize: 250, seed: 0, normalizer: norm });
  const first = Math.min(loader.length, 4);
  await recalibrateBatchNorm(model, {
    *batches() {
      let i = 0;
      for (const b of loader.epoch(0)) {
        if (i++ < first) yield { x: b.x, y: b.y! };
        else (b.x.dispose(), b.y!.dispose());
      }
    },
  });
  loader.dispose();
}

/** Same batches (size, count, order) for both arms: a third of the set per batch, the rest dropped. */
function fewShotLoader(set: ImageSet, norm: Normalizer, seed: number): DataLoader {
  return DataLoader.fromImages(set, { batchSize: Math.min(32, Math.floor(set.shape[0] / 3)), seed, normalizer: norm, dropLast: true });
}

// The settings bench/transfer.ts measured (its seed 0 is this test): with
// seeds 0, 1, 2 the mean margin over three draws was 6.5, 5.7 and 6.9 points,
// single draws ranging from −2.4 to +12.8 (which ten images are drawn matters
// as much as pretraining) — hence the average, and the 4-point bar.
const DEMO = { pretrainPerClass: 1200, pretrainEpochs: 3, shots: 10, draws: 3, epochs: 12, freezeEpochs: 4, lr: 3e-2, lrMult: 10, scratchLr: 1e-2, widths: [8, 16, 64] };

describe('transfer learning on Fashion-MNIST', () => {
  it('a network pretrained on classes 0–4 learns 5–9 from a few examples better than one from scratch', async (t) => {
    if (!haveFashion) {
      t.skip(`Fashion-MNIST not found in ${FASHION} (Debian package dataset-fashion-mnist)`);
      return;
    }
    await noLeaks(async () => {
      const t0 = performance.now();
      const [train, test] = await Promise.all([readIdx(join(FASHION, 'train-images-idx3-ubyte.gz')), readIdx(join(FASHION, 't10k-images-idx3-ubyte.gz'))]);
      const arch = { inChannels: 1, classes: 5, blocks: [1, 1, 1], widths: DEMO.widths };
      const dir = mkdtempSync(join(tmpdir(), 'sixstep-transfer-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));

      // 1. Pretrain on classes 0–4 and save the weights.
      const pre = pick(train, [0, 1, 2, 3, 4], DEMO.pretrainPerClass, 0);
      const norm = Normalizer.fitChannels(pre.images, pre.shape);
      manualSeed(0);
      const base = new ResNet(arch);
      {
        const loader = DataLoader.fromImages(pre, { batchSize: 32, seed: 0, normalizer: norm, dropLast: true });
        const optimizer = new AdamW({ params: base.parameters(), lr: 1e-2, weightDecay: 0.01 });
        const learner = new Learner({ model: base, optimizer, costFunction: crossEntropy, train: sourceOf(loader) });
        learner.addCallback(new ScheduleCallback(new OneCycleLR(optimizer, { maxLr: 1e-2, totalSteps: DEMO.pretrainEpochs * loader.length })));
        await learner.fit(DEMO.pretrainEpochs);
        await recalibrate(base, pre, norm);
        optimizer.dispose();
        loader.dispose();
      }
      const preAcc = accuracyOn(base, pick(test, [0, 1, 2, 3, 4], 200, 0), norm);
      const file = join(dir, 'base.safetensors');
      saveSafetensors(file, base.stateDict());
      base.dispose();
      const tPre = (performance.now() - t0) / 1000;

      // 2. Classes 5–9 from a few examples each, several draws; held-out t10k images to judge.
      const held = pick(test, [5, 6, 7, 8, 9], 400, 1);
      const rows: Array<{ tuned: number; scratch: number }> = [];
      for (let draw = 0; draw < DEMO.draws; draw++) {
        const few = pick(train, [5, 6, 7, 8, 9], DEMO.shots, 2 + 1000 * draw);

        manualSeed(3);
        const tuned = new ResNet(arch);
        const report = loadPretrained(tuned, file, { skip: ['fc.'] });
        assert.deepEqual(report.skipped.map((s) => s.name), ['fc.weight', 'fc.bias']);
        const groups = layerGroups(tuned);
        const loader = fewShotLoader(few, norm, 0);
        const optimizer = new AdamW({ params: discriminativeParamGroups(groups, DEMO.lr), weightDecay: 0.01 });
        const learner = new Learner({ model: tuned, optimizer, costFunction: crossEntropy, train: sourceOf(loader) });
        await fineTune({ learner, groups, epochs: DEMO.epochs - DEMO.freezeEpochs, freezeEpochs: DEMO.freezeEpochs, baseLr: DEMO.lr, lrMult: DEMO.lrMult, trainBatchNorm: true });
        await recalibrate(tuned, few, norm);
        const tunedAcc = accuracyOn(tuned, held, norm);
        optimizer.dispose();
        tuned.dispose();

        // The same network from scratch: same examples, same batches, same number of epochs.
        manualSeed(3);
        const scratch = new ResNet(arch);
        const sOpt = new AdamW({ params: scratch.parameters(), lr: DEMO.scratchLr, weightDecay: 0.01 });
        const sLearner = new Learner({ model: scratch, optimizer: sOpt, costFunction: crossEntropy, train: sourceOf(loader) });
        sLearner.addCallback(new ScheduleCallback(new OneCycleLR(sOpt, { maxLr: DEMO.scratchLr, totalSteps: DEMO.epochs * loader.length })));
        await sLearner.fit(DEMO.epochs);
        await recalibrate(scratch, few, norm);
        const scratchAcc = accuracyOn(scratch, held, norm);
        sOpt.dispose();
        scratch.dispose();
        loader.dispose();
        rows.push({ tuned: tunedAcc, scratch: scratchAcc });
      }
      const mean = (f: (r: { tuned: number; scratch: number }) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      const margin = mean((r) => r.tuned - r.scratch);
      console.log(
        `transfer: pretrained on ${pre.shape[0]} images of classes 0–4 (${pct(preAcc)} on held-out 0–4, ${tPre.toFixed(1)} s); ` +
          `${DEMO.shots} examples per class of 5–9, ${DEMO.draws} draws, judged on ${held.shape[0]} t10k images: ` +
          rows.map((r, i) => `draw ${i}: fine-tuned ${pct(r.tuned)} vs scratch ${pct(r.scratch)}`).join('; ') +
          `; mean ${pct(mean((r) => r.tuned))} vs ${pct(mean((r) => r.scratch))}, margin ${(100 * margin).toFixed(1)} points; ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      assert.ok(preAcc > 0.75, `pretraining learned classes 0–4: ${pct(preAcc)}`);
      assert.ok(margin >= 0.04, `fine-tuned beats scratch by ${(100 * margin).toFixed(1)} points on average`);
    });
  });
});
