// Steps 1–3 decisions on constructed cases: the cost function, the initial
// architecture, the SGD→Adam rule, random search and the no-signal verdict.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseCostFunction } from '../../src/steps/cost_function.js';
import { proposeArchitecture, describeModel } from '../../src/steps/architecture.js';
import { judgeSgd } from '../../src/steps/optimizer_rule.js';
import { randomSearch, sample } from '../../src/search/index.js';
import { meanBaseline, priorBaseline, copyBaseline, strongest } from '../../src/steps/baseline.js';
import { fitVerdict } from '../../src/steps/diagnosis.js';
import { Rng } from '../../src/data/index.js';
import { tidy, tensor } from '../../src/tensor/index.js';
import { noLeaks } from '../helpers.js';

describe('step 1: cost function', () => {
  it('follows the target', () => noLeaks(() => {
    assert.equal(chooseCostFunction('regression', 0).name, 'mse');
    assert.equal(chooseCostFunction('binary', 2).name, 'binaryCrossEntropy');
    assert.equal(chooseCostFunction('binary', 2).outputs, 1);
    assert.equal(chooseCostFunction('multiclass', 5).name, 'crossEntropy');
    assert.equal(chooseCostFunction('multiclass', 5).outputs, 5);
    assert.equal(chooseCostFunction('multilabel', 4).name, 'multilabelBinaryCrossEntropy');
    // Binary cross-entropy on one logit takes class indices.
    tidy(() => {
      const l = chooseCostFunction('binary', 2).fn(tensor([[0], [0]]), tensor([0, 1], { dtype: 'int64' }));
      assert.ok(Math.abs(l.item() - Math.log(2)) < 1e-6);
    });
    const custom = chooseCostFunction('multiclass', 3, { name: 'triplet', fn: (p) => p.sum(), outputs: 8 });
    assert.equal(custom.name, 'triplet');
    assert.match(custom.reason, /custom/);
  }));
});

describe('step 2: initial architecture', () => {
  const blocks = [
    { name: 'a', column: 'a', start: 0, width: 1, embedding: 0 },
    { name: 'b', column: 'b', start: 1, width: 1, embedding: 0 },
    { name: 'c', column: 'c', start: 2, width: 30, embedding: 0 },
  ];
  it('one hidden layer at the midpoint of inputs and outputs', () => {
    const p = proposeArchitecture({ kind: 'tabular', blocks, inputs: 32, texts: [], outputs: 4, trainingRows: 1000 });
    assert.equal(p.spec.family, 'tabular');
    if (p.spec.family !== 'tabular') return;
    // c is embedded: 2 numeric + embedding of 30 categories.
    const nIn = 2 + p.spec.options.blocks[2].embedding;
    assert.deepEqual(p.spec.options.hidden, [Math.round((nIn + 4) / 2)]);
    assert.match(p.reason, /midpoint/);
  });
  it('or N_s / (α·(N_i + N_o)) with α between 2 and 10', () => {
    const p = proposeArchitecture({ kind: 'tabular', blocks: blocks.slice(0, 2), inputs: 2, texts: [], outputs: 1, trainingRows: 3000 }, { rule: 'samples', alpha: 4 });
    assert.ok(p.spec.family === 'tabular' && p.spec.options.hidden[0] === Math.round(3000 / (4 * 3)));
    assert.throws(() => proposeArchitecture({ kind: 'tabular', blocks, inputs: 32, texts: [], outputs: 4, trainingRows: 1000 }, { rule: 'samples', alpha: 11 }));
  });
  it('a ResNet for images, an encoder per text column; printed as a layer table', () => noLeaks(() => {
    const img = proposeArchitecture({ kind: 'image', channels: 1, height: 28, width: 28, outputs: 10 });
    assert.equal(img.spec.family, 'resnet');
    assert.match(img.reason, /ResNet-8/);
    const stats = (mean: number) => ({ rows: 900, emptyRows: 0, meanTokens: mean, medianTokens: mean, p95Tokens: 2 * mean, maxTokens: 3 * mean, distinctTokens: 480, distinctBigrams: 2000, repeatedBigrams: 300, cutRows: 0 });
    const txt = proposeArchitecture({ kind: 'tabular', blocks: [], inputs: 0, texts: [{ column: 'body', start: 0, length: 64, vocabulary: 500, stats: stats(120) }, { column: 'title', start: 64, length: 16, vocabulary: 300, stats: stats(6) }], outputs: 1, trainingRows: 900 });
    assert.equal(txt.spec.family, 'tabular');
    if (txt.spec.family !== 'tabular') return;
    assert.deepEqual(txt.spec.options.texts!.map((t) => [t.column, t.encoder]), [['body', 'lstm'], ['title', 'bag']]);
    assert.deepEqual(txt.unclearText, ['body']);
    const rows = describeModel(txt.spec);
    assert.ok(rows.some((r) => r.type === 'LSTM') && rows.some((r) => r.type === 'BagEncoder'));
    assert.match(rows.find((r) => r.name === 'fc_0')!.input!, /join: 128 \(body\) \+ 64 \(title\) = 192/);
  }));
});

describe('step 3: the SGD → Adam rule (a pure function of eval-mode losses on a fixed training subset)', () => {
  it('switches when SGD trains slowly or stalls, and says why with the numbers it used', () => {
    assert.equal(judgeSgd({ initial: 1, losses: [0.9] }), null, 'not before patience');
    const slow = judgeSgd({ initial: 1.0, losses: [0.95, 0.9] })!;
    assert.equal(slow.switchToAdam, true);
    assert.match(slow.reason, /too slowly/);
    assert.match(slow.reason, /1\.000 → 0\.9500 → 0\.9000/, 'quotes the measurements it used');
    const fine = judgeSgd({ initial: 1.0, losses: [0.6, 0.4] })!;
    assert.equal(fine.switchToAdam, false);
    const stalled = judgeSgd({ initial: 1.0, losses: [0.5, 0.499] })!;
    assert.equal(stalled.switchToAdam, true);
    assert.match(stalled.reason, /stalled/);
    assert.equal(judgeSgd({ initial: 1, losses: [0.5, NaN] })!.switchToAdam, true);
    assert.equal(judgeSgd({ initial: NaN, losses: [0.5, 0.4] })!.switchToAdam, true);
  });
  it('at patience 2 compares three different measurements (no double comparison)', () => {
    // The fall since the start and the fall in the last epoch are different numbers.
    const d = judgeSgd({ initial: 2.0, losses: [1.0, 0.9] })!;
    assert.ok(Math.abs(d.numbers.drop - 0.55) < 1e-12);
    assert.ok(Math.abs(d.numbers.lastDrop! - 0.1) < 1e-12);
    assert.notEqual(d.numbers.drop, d.numbers.lastDrop);
    // Patience 1 has no "last epoch" distinct from the whole window: only the fall since the start is judged.
    const one = judgeSgd({ initial: 1, losses: [0.7] }, { patience: 1 })!;
    assert.equal(one.numbers.lastDrop, null);
    assert.equal(one.switchToAdam, false);
  });
  it('is scale-free: multiplying every loss by 1000 or 1/1000 gives the same verdict and percentages', () => {
    for (const w of [{ initial: 1, losses: [0.95, 0.9] }, { initial: 1, losses: [0.6, 0.4] }, { initial: 1, losses: [0.5, 0.499] }]) {
      const base = judgeSgd(w)!;
      for (const k of [1000, 1e-3]) {
        const s = judgeSgd({ initial: w.initial * k, losses: w.losses.map((v) => v * k) })!;
        assert.equal(s.switchToAdam, base.switchToAdam);
        assert.ok(Math.abs(s.numbers.drop - base.numbers.drop) < 1e-9);
      }
    }
  });
});

describe('step 3: random search', () => {
  it('samples randomly (not a grid), seeded, batch sizes powers of two', () => {
    const space = { hidden: { min: 4, max: 512, log: true, integer: true }, layers: { min: 1, max: 3, integer: true }, learningRate: { min: 1e-4, max: 1e-1 } };
    const a = Array.from({ length: 40 }, ((r) => () => sample(space, r))(new Rng(7)));
    const b = Array.from({ length: 40 }, ((r) => () => sample(space, r))(new Rng(7)));
    assert.deepEqual(a, b);
    assert.ok(new Set(a.map((p) => p.learningRate)).size === 40, 'continuous values, never repeated grid points');
    assert.ok(new Set(a.map((p) => p.hidden)).size > 20);
    for (const p of a) assert.ok([64, 128, 256, 512, 1024].includes(p.batchSize!));
    assert.ok(a.every((p) => p.learningRate! >= 1e-4 && p.learningRate! <= 1e-1));
  });

  it('stops hopeless trials by the median rule and picks the best by validation loss only', async () => {
    const seen: number[] = [];
    const { best, trials } = await randomSearch({ space: { learningRate: { min: 1e-3, max: 1 } }, trials: 8, seed: 1 }, async (params, ctx) => {
      // A synthetic objective: the loss is |log10(lr) + 1.5|, decreasing over 5 epochs; training loss misleads.
      const target = Math.abs(Math.log10(params.learningRate!) + 1.5);
      let v = Infinity;
      for (let e = 0; e < 5; e++) {
        v = target + 1 / (e + 1);
        if (ctx.report(e, v)) break;
      }
      seen.push(ctx.number);
      return { validLoss: v, trainLoss: -target };
    });
    assert.equal(trials.length, 8);
    assert.ok(trials.some((t) => t.state === 'pruned'), 'some trials are stopped early');
    const complete = trials.filter((t) => t.state === 'complete');
    assert.equal(best!.value, Math.min(...complete.map((t) => t.value)));
  });

  it('respects a time budget', async () => {
    const { trials } = await randomSearch({ space: {}, trials: 1000, minutes: 0.002 }, async () => {
      await new Promise((r) => setTimeout(r, 30));
      return { validLoss: 1, trainLoss: 1 };
    });
    assert.ok(trials.length < 20);
  });
});

describe('naive baselines and the no-signal verdict', () => {
  it('mean, class prior and copy baselines', () => {
    const m = meanBaseline([1, 2, 3], [2, 4]);
    assert.equal(m.loss, (0 + 4) / 2);
    const p = priorBaseline('multiclass', 3, [0, 0, 1, 2], [0, 1]);
    assert.equal(p.metrics.accuracy, 0.5);
    const c = copyBaseline('lag1', [1.9, 4.1], [2, 4]);
    assert.ok(c.loss < m.loss);
    assert.equal(strongest([m, c]).name, 'copy lag1');
  });
  it('says there is no signal when the model does not beat the baseline', () => {
    const base = { name: 'copy lag1', loss: 100, metrics: {}, description: '' };
    assert.equal(fitVerdict(base, { trainLoss: 60, validLoss: 101 }).verdict, 'no-signal');
    assert.match(fitVerdict(base, { trainLoss: 60, validLoss: 101 }).message, /No signal.*fitting noise/);
    const weak = fitVerdict(base, { trainLoss: 60, validLoss: 95 });
    assert.equal(weak.verdict, 'bias-gap', 'the training loss removes 40 % of the baseline (rule: 50 %)');
    assert.ok(weak.weak);
    assert.match(weak.message, /weak signal/);
    assert.equal(fitVerdict(base, { trainLoss: 10, validLoss: 20 }).verdict, 'fitted');
  });
});
