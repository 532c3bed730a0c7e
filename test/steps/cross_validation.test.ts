// Decisions on folds (steps/cross_validation.ts): the ladder reads the mean
// over the folds, so a constructed case where one fold alone would keep a rung
// and the mean rejects it is rejected, quoting mean and spread. Class weights
// and balanced sampling change training only: the measured losses stay
// unweighted (like with like with the naive baseline), and the sampling
// reaches the training loaders of every fit, never the measuring ones.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aggregateFolds, describeSpread, foldSpread, acceptBestOf, EvaluationProtocol, type ProtocolView } from '../../src/protocol/index.js';
import { foldSpec, foldCost, fitOnView, type PlaybookProtocol } from '../../src/steps/protocol_of.js';
import { protocolOf } from '../protocol/helpers.js';
import { balancedWeights, classCounts } from '../../src/steps/class_balance.js';
import { crossValidateRecipe, describeRecipeFolds } from '../../src/steps/recipe_folds.js';
import type { Decision } from '../../src/steps/decisions.js';
import { writeFileSync } from 'node:fs';
import { regularizationLadder, type Candidate, type Measured } from '../../src/steps/regularize.js';
import { chooseCostFunction } from '../../src/steps/cost_function.js';
import { classBalance } from '../../src/steps/class_balance.js';
import { measureLoss } from '../../src/protocol/measure.js';
import { fitModel } from '../../src/steps/fit.js';
import { fitTrainingSet } from '../../src/steps/fit_training_set.js';
import { evalLoss } from '../../src/protocol/measure.js';
import { makePlan } from '../../src/steps/plan.js';
import { prepare, type Prepared } from '../../src/data/prepare.js';
import { makeFolds } from '../../src/data/folds.js';
import { crossEntropy } from '../../src/nn/index.js';
import { tensor, tidy } from '../../src/tensor/index.js';
import { workerArgs } from '../../src/cli/tune_workers.js';
import { costOptions } from '../../src/cli/common.js';
import { noLeaks } from '../helpers.js';

const penguins = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'data', 'penguins.json');
const spec = { family: 'tabular', options: { inputs: 4, outputs: 3, hidden: [8] } } as any;
const start: Candidate = { spec, weightDecay: 0, augment: false, label: 'the initial architecture' };

/** A fold's measurement: `rows` validation rows, each with loss `loss`. */
const fold = (c: Candidate, loss: number, rows = 20): Measured => ({ candidate: c, trainLoss: 0.1, validLoss: loss, rowLosses: Array.from({ length: rows }, (_, i) => loss + (i % 2 ? 0.01 : -0.01)), metrics: { accuracy: 1 - loss }, epoch: 3 });

describe('decisions on folds', () => {
  it('foldSpread and aggregateFolds: means, spread, out-of-fold rows in fold order, the median best epoch', () => {
    const s = foldSpread([1, 2, 6]);
    assert.equal(s.mean, 3);
    assert.equal(s.min, 1);
    assert.equal(s.max, 6);
    assert.ok(Math.abs(s.std - Math.sqrt(7)) < 1e-12);
    assert.match(describeSpread(s), /^3\.000 \(mean of 3 folds, 1\.000–6\.000, sd 2\.646\)$/);
    const a = aggregateFolds([fold(start, 0.2, 2), { ...fold(start, 0.4, 3), epoch: 9 }, { ...fold(start, 0.6, 1), epoch: 1 }]);
    assert.ok(Math.abs(a.validLoss - 0.4) < 1e-12);
    assert.equal(a.rowLosses!.length, 6);
    assert.equal(a.epoch, 3);
    assert.ok(Math.abs(a.metrics.accuracy - 0.6) < 1e-12);
  });

  it('the ladder follows the mean over the folds: a rung one fold alone would keep is rejected', async () => {
    const startScore = aggregateFolds([fold(start, 0.5), fold(start, 0.5), fold(start, 0.5)]);
    /** A protocol whose trainings are the constructed measurements (k folds, or one view). */
    const constructed = (k: number, measure: (c: Candidate) => Measured): PlaybookProtocol => {
      const view = { index: 0, label: 'constructed', prepared: { kind: 'tabular', task: 'multiclass' } as unknown as Prepared, cost: chooseCostFunction('multiclass', 3), baseline: { name: 'prior', loss: 1.1, metrics: {}, description: '' }, defaultSplit: k === 1 } as ProtocolView<any>;
      const pr = new EvaluationProtocol<any, any, any>({ kind: k > 1 ? 'k-fold' : 'holdout', views: Array.from({ length: k }, () => view), defaultSplit: view, baseline: view.baseline, split: {} as any, trainer: async () => { throw new Error('not trained'); } });
      pr.train = async (c: Candidate) => ({ ...measure(c), cut: false, perView: [] });
      return pr;
    };
    const run = (k: number, measure: (c: Candidate) => Measured) => regularizationLadder({ protocol: constructed(k, measure), start, startScore, recipe: { optimizer: 'sgd', lr: 0.1, epochs: 3 }, draws: 1 });
    // Fold 1 alone: 0.30 against 0.50, clearly better. The mean of the three folds: 0.633, worse.
    const folded = await run(3, (c) => aggregateFolds([fold(c, 0.3), fold(c, 0.8), fold(c, 0.8)]));
    const dropout = folded.decisions.find((d) => /dropout before the last linear layer/.test(d.reason) || /dropout before the last linear layer/.test(d.action))!;
    assert.match(dropout.action, /^reject/);
    assert.match(dropout.reason, /0\.6333 \(mean of 3 folds, 0\.3000–0\.8000/);
    assert.deepEqual((dropout.numbers as any).tried[0].folds.values, [0.3, 0.8, 0.8]);
    assert.equal(folded.best, startScore, 'the start stays best');
    const single = await run(1, (c) => fold(c, 0.3));
    const kept = single.decisions.find((d) => /dropout/.test(d.action))!;
    assert.match(kept.action, /^keep dropout/, 'the same rung on fold 1 alone would have been kept');
  });

  it('crossValidate on penguins folds: every fold trained and measured; the baseline measured on the same folds', () => noLeaks(async () => {
    const projectDir = mkdtempSync(join(tmpdir(), 'sixstep-cv-'));
    const p = await prepare({ data: penguins, target: 'Species', projectDir, seed: 0 });
    const plan = makePlan(p);
    const set = makeFolds(p, 3, 0);
    const pr = await protocolOf(p, { projectDir, data: penguins, plan, folds: set });
    const m = await pr.train({ ...start, spec: plan.proposal.spec }, { optimizer: 'adam', lr: 1e-2, epochs: 2, seed: 0 });
    assert.equal(m.folds!.validLoss.k, 3);
    assert.equal(m.rowLosses!.length, set.rows, 'out-of-fold row losses cover every non-test row');
    const b = pr.baseline;
    assert.equal(b.folds!.k, 3);
    assert.ok(m.validLoss < b.loss, `${m.validLoss} < ${b.loss}`);
  }));
});

describe('class weights and balanced sampling change training, not the measure', () => {
  it('a class-weighted cost measures with the plain cross-entropy, as the naive baseline does', () => noLeaks(() => {
    const targets = [0, 0, 0, 0, 0, 0, 1, 2];
    const weighted = chooseCostFunction('multiclass', 3, undefined, { balance: classBalance(targets, 3, 'balanced') });
    tidy(() => {
      const logits = tensor([2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 1, 1], { shape: [4, 3] });
      const y = tensor([0, 1, 2, 2], { dtype: 'int64' });
      const plain = crossEntropy(logits, y).item();
      assert.notEqual(weighted.fn(logits, y).item(), plain, 'training is weighted');
      assert.equal(measureLoss(weighted)(logits, y).item(), plain, 'the measure is not');
    });
    assert.match(weighted.reason, /in the training gradient only .* stay unweighted/);
  }));

  it('fitModel with class weights reports the unweighted validation loss (the measure the baseline uses)', () => noLeaks(async () => {
    const p = await prepare({ data: penguins, target: 'Species', projectDir: mkdtempSync(join(tmpdir(), 'sixstep-cw-')), seed: 0 });
    const plan = makePlan(p, {}, { classWeights: 'balanced' });
    assert.equal(plan.cost.name, 'weightedCrossEntropy');
    const fit = await fitModel(p, { spec: plan.proposal.spec, cost: plan.cost, optimizer: 'adam', lr: 1e-2, epochs: 2 });
    try {
      const v = p.loader('validation', { batchSize: 512 });
      try {
        const reported = fit.history.find((h) => h.epoch === (fit.best ?? fit.history.at(-1)!).epoch)!.validLoss!;
        assert.ok(Math.abs(reported - evalLoss(fit.model, (a, b) => crossEntropy(a, b), v)) < 1e-6, 'validation loss is the plain cross-entropy');
        assert.ok(Math.abs(reported - evalLoss(fit.model, plan.cost.fn, v)) > 1e-6, 'and not the weighted one');
      } finally {
        v.dispose();
      }
    } finally {
      fit.dispose();
    }
  }));

  it('--sampling balanced reaches the training loader of fit, step 3 and the folds, never the measuring loaders; tune workers and ranks get the option', () => noLeaks(async () => {
    const smDir = mkdtempSync(join(tmpdir(), 'sixstep-sm-'));
    const p = await prepare({ data: penguins, target: 'Species', projectDir: smDir, seed: 0 });
    const plan = makePlan(p, {}, costOptions({ sampling: 'balanced' } as any));
    assert.equal(plan.cost.sampling, 'balanced');
    assert.match(plan.cost.reason, /balanced sampling instead of class weights/);
    const asked: Array<{ split: string; sampling?: string }> = [];
    const spy = (q: Prepared): Prepared => ({ ...q, loader: (split, lo) => (asked.push({ split, sampling: lo?.sampling }), q.loader(split, lo)) });
    const fit = await fitModel(spy(p), { spec: plan.proposal.spec, cost: plan.cost, optimizer: 'adam', lr: 1e-2, epochs: 1 });
    fit.dispose();
    const s3 = await fitTrainingSet(spy(p), { spec: plan.proposal.spec, cost: plan.cost, epochs: 1, lr: 1e-2, optimizer: 'adam' });
    s3.dispose();
    const set = makeFolds(p, 2, 0);
    set.folds.forEach((f) => (f.prepared = spy(f.prepared)));
    const pr = await protocolOf(p, { projectDir: smDir, data: penguins, plan, folds: set });
    await pr.train({ ...start, spec: plan.proposal.spec }, { optimizer: 'adam', lr: 1e-2, epochs: 1 });
    const train = asked.filter((a) => a.split === 'train');
    assert.ok(train.filter((a) => a.sampling === 'balanced').length >= 4, `training loaders: ${JSON.stringify(train)}`);
    assert.ok(asked.filter((a) => a.split === 'validation').every((a) => a.sampling === undefined), 'validation never samples');
    assert.ok(train.filter((a) => a.sampling === undefined).length >= 1, 'the fixed training subset measures without sampling');
    assert.deepEqual(workerArgs(['tune', '--sampling', 'balanced', '--workers', '2'], 's'), ['tune', '--sampling', 'balanced', '--study', 's']);
    assert.throws(() => costOptions({ sampling: 'balanced', classWeights: 'balanced' } as any), /choose one/);
    assert.throws(() => costOptions({ sampling: 'often' } as any), /--sampling must be one of natural, balanced, got "often"/);
  }));
});

describe('training statistics per fold', () => {
  it('each fold trains with its own training statistics: a regression output scale from exactly its training rows, class weights from its training counts', () => noLeaks(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-cv-scale-'));
    // Every row a distinct target (a few far out), so any fold-validation row among the statistics would move them.
    const rows = Array.from({ length: 90 }, (_, i) => `${(i * 7) % 23},${['a', 'b', 'c'][i % 3]},${(i % 10 === 0 ? 500 : 0) + i * i * 0.25 + (i % 7)}`);
    writeFileSync(join(dir, 'reg.csv'), `x,c,y\n${rows.join('\n')}\n`);
    const p = await prepare({ data: join(dir, 'reg.csv'), target: 'y', projectDir: dir, seed: 1 });
    const plan = makePlan(p);
    const spec0 = plan.proposal.spec as any;
    assert.ok(spec0.options.outputScale, 'regression proposals scale their output');
    const set = makeFolds(p, 4, 1);
    const meanSd = (v: number[]) => {
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return { mean: m, std: Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) };
    };
    const targetOf = (t: { rows: Record<string, unknown>[] }) => t.rows.map((r) => Math.fround(Number(r.y)));
    const all = meanSd([...targetOf(p.trainTable!), ...targetOf(p.validationTable!)]);
    for (const f of set.folds) {
      const own = meanSd(targetOf(f.prepared.trainTable!));
      const withValidation = meanSd([...targetOf(f.prepared.trainTable!), ...targetOf(f.prepared.validationTable!)]);
      const scale = (f.prepared.archInput as any).targetScale;
      assert.ok(Math.abs(scale.mean - own.mean) < 1e-9 * Math.abs(own.mean) + 1e-9, `fold ${f.index + 1}: mean ${scale.mean} against its training rows' ${own.mean}`);
      assert.ok(Math.abs(scale.std - own.std) < 1e-9 * own.std, `fold ${f.index + 1}: sd ${scale.std} against ${own.std}`);
      assert.ok(Math.abs(scale.mean - withValidation.mean) > 1e-6 && Math.abs(scale.mean - spec0.options.outputScale.mean) > 1e-6, 'neither the non-test rows\' nor the default split\'s mean');
      assert.ok(Math.abs(withValidation.mean - all.mean) < 1e-6, 'a fold\'s training and validation rows are the non-test rows');
      // The spec trained on the fold takes the fold's scale; nothing else changes.
      const s = foldSpec(plan.proposal.spec, f.prepared) as any;
      assert.deepEqual(s.options.outputScale, scale);
      assert.deepEqual({ ...s.options, outputScale: null }, { ...spec0.options, outputScale: null });
      // Feature standardization likewise: x's mean over the fold's training rows (population sd).
      const x = f.prepared.trainTable!.rows.map((r) => Number(r.x));
      const pre = (f.prepared.preprocessing as any).preprocessor;
      const j = pre.featureNames.indexOf('x');
      assert.ok(Math.abs(pre.normalizer.mean[j] - x.reduce((a, b) => a + b, 0) / x.length) < 1e-5);
    }
    assert.equal(spec0.options.outputScale.mean, (p.archInput as any).targetScale.mean, 'the default split keeps its own');
    // One fold trained with its own spec and cost, measured on its validation rows.
    const pr = await protocolOf(p, { projectDir: dir, data: join(dir, 'reg.csv'), plan, folds: set, seed: 1 });
    const t = await fitOnView(pr.views[0], { candidate: { ...start, spec: plan.proposal.spec }, recipe: { optimizer: 'adam', lr: 1e-3, epochs: 1, seed: 0 }, fraction: 1, callbacks: [], what: 'fold 1' });
    try {
      assert.equal(t.history.length, 1);
      assert.equal(t.cut, false);
      assert.ok(Number.isFinite(pr.measure(pr.views[0], t.model, t.best, start).validLoss));
    } finally {
      t.dispose();
    }

    // Class weights (when asked for) from the fold's training class counts.
    const q = await prepare({ data: penguins, target: 'Species', projectDir: mkdtempSync(join(tmpdir(), 'sixstep-cv-w-')), seed: 0 });
    const weighted = makePlan(q, {}, { classWeights: 'balanced' });
    for (const f of makeFolds(q, 3, 0).folds) {
      const c = foldCost(weighted.cost, f.prepared);
      assert.deepEqual(c.balance!.weights, balancedWeights(classCounts(f.prepared.targets('train'), 3)));
      assert.notDeepEqual(c.balance!.weights, weighted.cost.balance!.weights);
    }
    const plain = makePlan(q).cost;
    assert.equal(foldCost(plain, makeFolds(q, 3, 0).folds[0].prepared), plain, 'without class weights the cost is unchanged');
  }));
});

describe('a recipe on the folds (fit --folds)', () => {
  it('per-fold figures and their spreads, the verdict on the means, two decisions; an interruption leaves no figures', () => noLeaks(async () => {
    const projectDir = mkdtempSync(join(tmpdir(), 'sixstep-recipe-'));
    const p = await prepare({ data: penguins, target: 'Species', projectDir, seed: 0 });
    const plan = makePlan(p);
    const set = makeFolds(p, 3, 0);
    const pr = await protocolOf(p, { projectDir, data: penguins, plan, folds: set });
    const log: Decision[] = [];
    const candidate = { ...start, spec: plan.proposal.spec };
    const recipe = { optimizer: 'adam' as const, lr: 1e-2, epochs: 3, seed: 0 };
    const r = (await crossValidateRecipe(pr, { candidate, recipe, log: (d) => log.push(d) }))!;
    assert.equal(r.perFold.length, 3);
    assert.deepEqual(r.perFold.map((f) => f.validationRows), set.folds.map((f) => f.prepared.counts.validation));
    assert.deepEqual(r.validLoss.values, r.perFold.map((f) => f.validLoss));
    assert.deepEqual(r.metrics.accuracy.values, r.perFold.map((f) => f.metrics.accuracy));
    assert.ok(['fitted', 'bias-gap'].includes(r.verdict.verdict) && !r.verdict.weak, r.verdict.message);
    assert.ok(r.validLoss.mean < r.baseline.folds.mean);
    assert.deepEqual(log.map((d) => d.action), ['cross-validate the recipe on 3 folds', 'final model: the initial architecture, trained on the default split']);
    assert.match(log[1].reason, /the 3 folds measured the recipe/);
    const lines = describeRecipeFolds(r);
    assert.equal(lines.filter((l) => /^fold \d of 3: /.test(l)).length, 3);
    let folds = 0;
    const none = await crossValidateRecipe(pr, { candidate, recipe, log: (d) => log.push(d), onFold: () => folds++, stopped: () => folds >= 1 });
    assert.equal(none, null);
    assert.equal(folds, 1, 'no fold after the interruption');
    assert.equal(log.length, 2, 'no decision for figures that are not complete');
  }));
});
