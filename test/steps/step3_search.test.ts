// Step 3's random search inside the autopilot: a basic recipe that cannot fit
// the training set (a bias gap) gets the search before any no-signal verdict;
// one that fits does not. The bias rule itself is a pure, scale-free function.
import { xorCsv } from './xor_table.js';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepare } from '../../src/data/prepare.js';
import { makePlan } from '../../src/steps/plan.js';
import { runAutopilot } from '../../src/pipeline/auto/autopilot.js';
import { recordSplit, splitManifestPath } from '../../src/protocol/index.js';
import { biasGap } from '../../src/steps/bias_rule.js';
import { Rng } from '../../src/data/index.js';
import { makeFolds } from '../../src/data/folds.js';
import { foldSearchPlan } from '../../src/steps/budget_plan.js';
import { noLeaks } from '../helpers.js';

describe('the bias rule', () => {
  it('open when the training loss removes less than half of the baseline\'s loss; scale-free', () => {
    assert.equal(biasGap(0.6, 1).open, true);
    assert.equal(biasGap(0.4, 1).open, false);
    assert.equal(biasGap(NaN, 1).open, true);
    for (const k of [1e3, 1e-3]) {
      assert.equal(biasGap(0.6 * k, 1 * k).open, true);
      assert.equal(biasGap(0.4 * k, 1 * k).open, false);
    }
    assert.match(biasGap(0.6, 1).reason, /40\.0 %.*at least 50\.0 %/);
  });
});

/** The split record of a test's data (its manifest in the test's folder). */
const splitOf = (p: Awaited<ReturnType<typeof prepare>>, dir: string, folds?: ReturnType<typeof makeFolds>) => recordSplit(p, splitManifestPath(dir, join(dir, 'd.csv')), folds ? { set: folds, seed: 0 } : undefined);

const xor = xorCsv;

describe('the autopilot\'s step-3 random search', () => {
  it('a bias gap after the basic recipe: random search before the verdict, its best trial adopted', () => noLeaks(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-search-'));
    writeFileSync(join(dir, 'd.csv'), xor(500));
    const p = await prepare({ data: join(dir, 'd.csv'), target: 'y', projectDir: dir });
    const plan = makePlan(p, { hidden: [1] });
    const r = await runAutopilot({ plan, split: await splitOf(p, dir), store: null, runId: 'search-test', runDir: join(dir, 'run'), budgetMinutes: 2, budget: { epochCap: { tabular: 8, sequence: 8, image: 8 } } });
    try {
      const s3 = r.state.decisions.filter((d) => d.step === 3).map((d) => d.action);
      const search = s3.findIndex((a) => a.startsWith('random search'));
      const verdict = s3.findIndex((a) => a.startsWith('stop: ') || a.startsWith('training set '));
      assert.ok(search >= 0, `the search ran: ${s3.join(' | ')}`);
      assert.ok(search < verdict, 'before the verdict');
      assert.ok(s3.some((a) => a.startsWith('adopt the search')), `a better trial is adopted: ${s3.join(' | ')}`);
      assert.equal(r.state.final!.candidate.label.startsWith('searched'), true);
      assert.ok(r.state.decisions.filter((d) => d.step === 3).every((d) => d.reason.length > 10));
    } finally {
      r.dispose();
    }
  }));

  it('a basic recipe that fits the training set: no search', () => noLeaks(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-nosearch-'));
    const rng = new Rng(2);
    const lines = ['y,x0,x1'];
    for (let i = 0; i < 300; i++) {
      const a = rng.uniform(-1, 1);
      // A band: one hidden layer fits it, a line cannot (the deep model must also beat the linear reference, or the time left searches).
      lines.push(`${Math.abs(a) < 0.5 ? 'in' : 'out'},${a.toFixed(4)},${rng.uniform(-1, 1).toFixed(4)}`);
    }
    writeFileSync(join(dir, 'd.csv'), `${lines.join('\n')}\n`);
    const p = await prepare({ data: join(dir, 'd.csv'), target: 'y', projectDir: dir });
    const r = await runAutopilot({ plan: makePlan(p), split: await splitOf(p, dir), store: null, runId: 'nosearch', runDir: join(dir, 'run'), budgetMinutes: 1, budget: { epochCap: { tabular: 40, sequence: 8, image: 8 } } });
    try {
      assert.ok(!r.state.decisions.some((d) => d.action.startsWith('random search')), r.state.decisions.map((d) => d.action).join(' | '));
    } finally {
      r.dispose();
    }
  }));
});

describe('the step-3 random search under --folds', () => {
  it('a bias gap on the fold means: the search runs, each trial scored by its mean over the folds, the decisions quote mean and spread', () => noLeaks(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-search-folds-'));
    writeFileSync(join(dir, 'd.csv'), xor(500));
    const p = await prepare({ data: join(dir, 'd.csv'), target: 'y', projectDir: dir });
    const plan = makePlan(p, { hidden: [1] });
    const folds = makeFolds(p, 3, 0);
    const r = await runAutopilot({ plan, split: await splitOf(p, dir, folds), store: null, runId: 'search-folds', runDir: join(dir, 'run'), budgetMinutes: 3, folds, budget: { epochCap: { tabular: 8, sequence: 8, image: 8 } } });
    try {
      const d3 = r.state.decisions.filter((d) => d.step === 3);
      const actions = d3.map((d) => d.action);
      const search = actions.findIndex((a) => a.startsWith('random search'));
      const verdict = actions.findIndex((a) => a.startsWith('stop: ') || a.startsWith('training set '));
      assert.ok(search >= 0, `the search ran: ${actions.join(' | ')}`);
      assert.ok(search < verdict, 'before the verdict');
      assert.match(d3[search].reason, /each trial trains on the 3 folds and is scored by its mean/);
      assert.ok(!actions.some((a) => a.startsWith('skip the random search')), actions.join(' | '));
      const outcome = d3.find((d) => d.action.startsWith('adopt the search') || d.action === 'keep the basic recipe')!;
      assert.match(outcome.reason, /mean over 3 folds .*\(mean of 3 folds, .*–.*, sd .*\) against the basic recipe's .*\(mean of 3 folds/);
      assert.equal((outcome.numbers as any).folds.k, 3);
      // Two hidden units cannot fit XOR; a searched net can: the search's best is adopted on the fold means.
      assert.match(outcome.action, /^adopt the search/, outcome.reason);
      const trained = d3.find((d) => d.action === 'train the adopted trial on the default split')!;
      assert.ok(trained, 'the adopted configuration is trained on the default split');
      // The fold means go on deciding: the verdict reads the adopted trial's mean over the folds.
      assert.deepEqual((outcome.numbers as any).folds, r.state.cv!.step3.folds!.validLoss);
      assert.equal((d3[verdict].numbers as any).validLoss, r.state.cv!.step3.validLoss);
      assert.equal(r.state.final!.validLoss, (trained.numbers as any).defaultSplitValidLoss, 'the kept model\'s own figures are the default split\'s');
      assert.equal(r.state.final!.candidate.label.startsWith('searched'), true);
    } finally {
      r.dispose();
    }
  }));

  it('no time for a trial on the folds: skipped, saying so with the arithmetic', () => noLeaks(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-search-folds-skip-'));
    writeFileSync(join(dir, 'd.csv'), xor(300));
    const p = await prepare({ data: join(dir, 'd.csv'), target: 'y', projectDir: dir });
    const folds = makeFolds(p, 3, 0);
    const r = await runAutopilot({ plan: makePlan(p, { hidden: [1] }), split: await splitOf(p, dir, folds), store: null, runId: 'search-folds-skip', runDir: join(dir, 'run'), budgetMinutes: 2, folds, budget: { epochCap: { tabular: 4, sequence: 4, image: 4 }, searchShare: { tabular: 0, sequence: 0, image: 0 } } });
    try {
      const skip = r.state.decisions.find((d) => d.action === 'skip the random search: time budget')!;
      assert.ok(skip, r.state.decisions.map((d) => d.action).join(' | '));
      assert.match(skip.reason, /no trial on 3 folds fits: a trial trains 3 folds × 4 epochs/);
      assert.equal((skip.numbers as any).k, 3);
    } finally {
      r.dispose();
    }
  }));

  it('foldSearchPlan: folds multiply a trial\'s cost; the trials that fit, never more than the search\'s budget', () => {
    // A fold trains on 200 of the default split's 100 rows' worth: twice a step-3 epoch; 3 folds × 2 epochs × 2 × 0.5 s = 6 s a trial.
    const base = { epochSeconds: 0.5, trialEpochs: 2, k: 3, foldTrainRows: 200, trainRows: 100, maxTrials: 8 };
    const plenty = foldSearchPlan({ ...base, secondsLeft: 1000 });
    assert.equal(plenty.trials, 8);
    assert.equal(plenty.cut, false);
    assert.equal(plenty.perTrialSeconds, 6);
    assert.equal(plenty.refitSeconds, 1);
    const tight = foldSearchPlan({ ...base, secondsLeft: 1 + 6 * 3.5 });
    assert.equal(tight.trials, 3);
    assert.equal(tight.cut, true);
    assert.match(tight.arithmetic, /3 folds × 2 epochs × 0\.5 s .* = 6\.0 s; \(22\.0 s left − 1\.0 s to train the adopted trial on the default split\) \/ 6\.0 s = 3 trial/);
    assert.equal(foldSearchPlan({ ...base, secondsLeft: 0.5 }).trials, 0);
    assert.equal(foldSearchPlan({ ...base, secondsLeft: -5 }).trials, 0);
  });
});
