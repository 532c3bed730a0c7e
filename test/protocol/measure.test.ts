// What the protocol measures is what the decisions read. Class weights change
// training only: with --class-weights balanced the per-row losses the
// comparisons read are the unweighted cross-entropy, and on a constructed
// case where the weighted and the unweighted comparison disagree, the
// protocol's decision is the unweighted one. The training loss a decision (and
// a model directory, and doctor) reads is the eval-mode loss on the fixed
// training subset: with dropout it differs from the train-mode figures.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tensor, zeros, noGrad, tidy, dispose } from '../../src/tensor/index.js';
import { Linear, crossEntropy } from '../../src/nn/index.js';
import { prepare } from '../../src/data/prepare.js';
import { Rng } from '../../src/data/index.js';
import { makePlan } from '../../src/steps/plan.js';
import { fitModel } from '../../src/steps/fit.js';
import { withDropout } from '../../src/steps/regularize.js';
import { acceptBestOf, evalLoss, rowLosses, trainSubset } from '../../src/protocol/index.js';
import { protocolOf } from './helpers.js';
import { noLeaks } from '../helpers.js';

const penguins = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'data', 'penguins.json');

/** A model that predicts the same logits for every row. */
function constant(inputs: number, logits: number[]): Linear {
  const m = new Linear({ inFeatures: inputs, outFeatures: logits.length });
  const state = { weight: zeros([logits.length, inputs]), bias: tensor(logits) };
  noGrad(() => m.loadStateDict(state));
  dispose(state);
  return m;
}

/** 1200 rows, one in five 'yes', independent of x: the best constant guesses are the prior (unweighted) and ½ (balanced weights). */
function imbalanced(dir: string): string {
  const rng = new Rng(3);
  const lines = ['x,y'];
  for (let i = 0; i < 1200; i++) lines.push(`${rng.normal().toFixed(4)},${rng.next() < 0.2 ? 'yes' : 'no'}`);
  writeFileSync(join(dir, 'imbalanced.csv'), `${lines.join('\n')}\n`);
  return join(dir, 'imbalanced.csv');
}

describe('decisions read unweighted per-row losses', () => {
  it('--class-weights balanced: the prior beats the even guess unweighted, the weighted cost says the opposite; the protocol keeps the prior', () => noLeaks(async () => {
    const projectDir = mkdtempSync(join(tmpdir(), 'sixstep-measure-cw-'));
    const data = imbalanced(projectDir);
    const p = await prepare({ data, target: 'y', projectDir, seed: 0 });
    const plan = makePlan(p, {}, { classWeights: 'balanced' });
    assert.equal(plan.cost.name, 'weightedBinaryCrossEntropy');
    const pr = await protocolOf(p, { projectDir, data, plan });
    const inputs = (p.archInput as { inputs: number }).inputs;
    const positive = p.targets('train').reduce((a, y) => a + y, 0) / p.counts.train;
    // The unweighted loss's best constant is the training prior; the balanced-weighted one's is ½.
    const prior = constant(inputs, [Math.log(positive / (1 - positive))]);
    const even = constant(inputs, [0]);
    const c = (label: string) => ({ spec: plan.proposal.spec, weightDecay: 0, augment: false, label });
    const epoch = { epoch: 0, trainLoss: NaN, validLoss: 0, metrics: {}, seconds: 0 };
    try {
      const a = pr.measure(pr.defaultSplit, prior, epoch, c('prior'));
      const b = pr.measure(pr.defaultSplit, even, epoch, c('even'));
      const v = p.loader('validation', { batchSize: 64 });
      try {
        // The protocol's rows are the plain binary cross-entropy, row by row.
        const plain = rowLosses(even, plan.cost.measure!, v);
        assert.deepEqual(b.rowLosses!.map((x) => x.toFixed(6)), plain.map((x) => x.toFixed(6)));
        const weighted = { prior: rowLosses(prior, plan.cost.fn, v), even: rowLosses(even, plan.cost.fn, v) };
        assert.notDeepEqual(weighted.even.map((x) => x.toFixed(6)), plain.map((x) => x.toFixed(6)), 'the weighted rows differ');
        const mean = (r: number[]) => r.reduce((s, x) => s + x, 0) / r.length;
        assert.ok(mean(weighted.even) < mean(weighted.prior), 'weighted: the even guess looks better');
        assert.ok(mean(b.rowLosses!) > mean(a.rowLosses!), 'unweighted: the prior is better');
        // The same comparison on weighted rows would adopt the even guess; the protocol's does not.
        assert.equal(acceptBestOf({ validLoss: mean(weighted.even), rowLosses: weighted.even }, { validLoss: mean(weighted.prior), rowLosses: weighted.prior }).accept, true);
        assert.equal(pr.compare(b, a, 1).accept, false);
        assert.ok(pr.compare(a, b, 1).accept, 'and the prior beats the even guess');
      } finally {
        v.dispose();
      }
    } finally {
      prior.dispose();
      even.dispose();
    }
  }));
});

describe('the training loss is measured in eval mode on the fixed training subset', () => {
  it('a model with dropout 0.5: the protocol\'s training loss is the eval-mode one, not the epoch mean nor a train-mode pass', () => noLeaks(async () => {
    const projectDir = mkdtempSync(join(tmpdir(), 'sixstep-measure-dropout-'));
    const p = await prepare({ data: penguins, target: 'Species', projectDir, seed: 0 });
    const plan = makePlan(p, { hidden: [32, 32] });
    const pr = await protocolOf(p, { projectDir, data: penguins, plan });
    const spec = withDropout(plan.proposal.spec, 0.5, 0.5);
    const fit = await fitModel(p, { spec, cost: plan.cost, optimizer: 'adam', lr: 1e-2, epochs: 3, seed: 0 });
    try {
      const m = pr.measure(pr.defaultSplit, fit.model, fit.best, { spec, weightDecay: 0, augment: false, label: 'dropout 0.5' });
      const s = trainSubset(p);
      try {
        assert.ok(Math.abs(m.trainLoss - evalLoss(fit.model, (x, y) => crossEntropy(x, y), s)) < 1e-9, 'eval mode, the fixed subset');
        // The same rows with dropout active (train mode), averaged over a few passes.
        fit.model.train();
        let trainMode = 0;
        for (let i = 0; i < 3; i++) {
          for (const b of s.batches(0) as Iterable<{ x: any; y: any }>) {
            trainMode += tidy(() => noGrad(() => crossEntropy(fit.model.forward(b.x), b.y).item())) * b.x.shape[0];
            b.x.dispose();
            b.y.dispose();
          }
        }
        fit.model.eval();
        trainMode /= 3 * Math.min(p.counts.train, 2048);
        assert.ok(trainMode > m.trainLoss * 1.05, `dropout inflates the train-mode figure: ${trainMode} against ${m.trainLoss}`);
        const epochMean = fit.best!.trainLoss;
        assert.ok(Math.abs(epochMean - m.trainLoss) > 1e-3, `the epoch mean ${epochMean} is not what the decisions read (${m.trainLoss})`);
      } finally {
        s.dispose();
      }
    } finally {
      fit.dispose();
    }
  }));
});
