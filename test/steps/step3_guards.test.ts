// Step 3 cannot hand on an untrained model: a finder whose curve cannot be
// read gives way to a stated fallback rate, every finder starts from the
// initial weights, and a training loss that does not move is caught within a
// few epochs and acted on — each a logged decision quoting its numbers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepare } from '../../src/data/prepare.js';
import { makePlan } from '../../src/steps/plan.js';
import { fitTrainingSet } from '../../src/steps/fit_training_set.js';
import { rateFromFinder, RESNET_SGD_LR, standardRate, STANDARD_LR } from '../../src/steps/optimizer_rule.js';
import { judgeProgress, stallAction, stallWindow } from '../../src/steps/stall_rule.js';
import { Rng } from '../../src/data/index.js';
import { noLeaks } from '../helpers.js';

/** Two informative inputs and a noise one; the class is the sign of a linear mix. */
async function linearTable(rows = 400) {
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-guards-'));
  const rng = new Rng(11);
  const lines = ['y,a,b,c'];
  for (let i = 0; i < rows; i++) {
    const [a, b, c] = [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)];
    lines.push(`${a + 0.5 * b > 0 ? 'up' : 'down'},${a.toFixed(4)},${b.toFixed(4)},${c.toFixed(4)}`);
  }
  writeFileSync(join(dir, 'd.csv'), `${lines.join('\n')}\n`);
  return makePlan(await prepare({ data: join(dir, 'd.csv'), target: 'y', projectDir: dir }));
}

describe('the rate when the finder cannot be read', () => {
  const r = { suggestion: { lr: 6.3e-7 }, valley: { lr: 3e-3 } };
  it('a sound curve gives its pick; a pick alone off gives the valley; anything else the standard rate', () => {
    assert.deepEqual(rateFromFinder(r, { sound: true, problems: [] }, 'adam'), { lr: 6.3e-7, source: 'pick' });
    assert.deepEqual(rateFromFinder(r, { sound: false, problems: [{ kind: 'below-valley' }] }, 'adam'), { lr: 3e-3, source: 'valley' });
    assert.deepEqual(rateFromFinder(r, { sound: false, problems: [{ kind: 'flat' }, { kind: 'below-valley' }] }, 'adam'), { lr: STANDARD_LR.adam, source: 'standard' });
    assert.deepEqual(rateFromFinder(null, null, 'sgd'), { lr: STANDARD_LR.sgd, source: 'standard' }, 'a sweep too short to read');
    // A ResNet trained from scratch with SGD falls back on its recipe's rate, ten times the generic one.
    assert.equal(standardRate('sgd', 'resnet'), RESNET_SGD_LR);
    assert.equal(standardRate('adam', 'resnet'), STANDARD_LR.adam);
    assert.equal(standardRate('sgd', 'tabular'), STANDARD_LR.sgd);
    assert.deepEqual(rateFromFinder(r, { sound: false, problems: [{ kind: 'flat' }] }, 'sgd', standardRate('sgd', 'resnet')), { lr: 0.1, source: 'standard' });
  });
});

describe('the stall rule', () => {
  it('a flat training loss with the bias gap open stalls; the same line on a fitted training set does not; scale-free', () => {
    for (const k of [1, 1000, 1e-3]) {
      const flat = [1.7145, 1.7145, 1.7146, 1.7145].map((v) => v * k);
      const v = judgeProgress(flat, 2.025 * k)!;
      assert.equal(v.stalled, true);
      assert.match(v.reason, /did not move over 3 epoch\(s\).*rule: at least 0\.50 %/);
      assert.equal(judgeProgress([0.3, 0.3, 0.3, 0.3].map((x) => x * k), 2.025 * k)!.stalled, false, 'fitted: convergence');
    }
    assert.equal(judgeProgress([1.7, 1.7, 1.7], 2), null, 'too early: the window is 3 epochs');
    // The window holds at least 100 steps: 3 epochs of a 44-batch epoch, 15 of a 7-batch one.
    assert.deepEqual([stallWindow(44), stallWindow(390), stallWindow(7)], [3, 3, 15]);
  });
  it('a loss that goes up and down with the warm restarts moves; a steady fall moves', () => {
    assert.equal(judgeProgress([1.593, 1.587, 1.61, 1.597], 2.007)!.stalled, false);
    assert.equal(judgeProgress([1.9, 1.85, 1.8, 1.76], 2.007)!.stalled, false);
  });
  it('acts once: a rate ten times below the standard is raised to it; a sane rate, or a second stall, ends the phase', () => {
    const a = stallAction({ optimizer: 'adam', lr: 6.3e-7, standardLr: 1e-3, rateChanged: false });
    assert.equal(a.kind, 'rate');
    assert.equal((a as { lr: number }).lr, 1e-3);
    assert.match(a.why, /1\.59e\+3× below ADAM's standard/);
    assert.equal(stallAction({ optimizer: 'adam', lr: 3e-3, standardLr: 1e-3, rateChanged: false }).kind, 'stop');
    assert.equal(stallAction({ optimizer: 'adam', lr: 1e-3, standardLr: 1e-3, rateChanged: true }).kind, 'stop');
  });
});

describe('fitTrainingSet guards', () => {
  it('a finder that diverges at once: the standard rate, a logged decision quoting why', () => noLeaks(async () => {
    const plan = await linearTable();
    // A sweep that starts far above any usable rate blows up in its first points.
    const r = await fitTrainingSet(plan.prepared, { spec: plan.proposal.spec, cost: plan.cost, epochs: 2, optimizer: 'sgd', lrFinder: { startLr: 1e3, endLr: 1e9, numIter: 40 } });
    try {
      assert.equal(r.lr, STANDARD_LR.sgd);
      const d = r.decisions.find((x) => x.action.startsWith('learning rate'))!;
      assert.match(d.action, /1\.00e-2 for SGD \(the standard rate: the finder's pick is not trusted\)/);
      assert.match(d.reason, /cannot be read.*diverged at once/);
      assert.equal(d.numbers!.source, 'standard');
      assert.ok(r.history.every((h) => Number.isFinite(h.trainLoss)));
    } finally {
      r.dispose();
    }
  }));

  it('a flat training loss (a rate far too small) is caught after 3 epochs and the rate raised, and the loss then moves', () => noLeaks(async () => {
    const plan = await linearTable(2000);
    // Batches of 32: 44 steps per epoch, so the window is 3 epochs (at least 100 steps).
    const r = await fitTrainingSet(plan.prepared, { spec: plan.proposal.spec, cost: plan.cost, epochs: 10, batchSize: 32, optimizer: 'adam', lr: 1e-8, baselineLoss: plan.baseline.loss });
    try {
      const i = r.decisions.findIndex((x) => x.action.startsWith('change the learning rate to 1.00e-3 for ADAM'));
      assert.ok(i >= 0, r.decisions.map((x) => x.action).join(' | '));
      const d = r.decisions[i];
      assert.match(d.reason, /did not move over 3 epoch\(s\): its range is 0\.00 % of the naive baseline's/);
      assert.match(d.reason, /the rate 1\.00e-8 is 1\.00e\+5× below ADAM's standard 1\.00e-3/);
      assert.ok(r.history.length > 3 && i >= 0 && r.decisions.slice(0, i).every((x) => !x.action.startsWith('change the learning rate')), 'caught once, after the window');
      assert.equal((d.numbers as any).window, 3);
      assert.equal(r.lr, 1e-3);
      assert.equal(r.history.length, 10, 'the epochs left are trained at the new rate');
      assert.ok(r.evidence && r.evidence.epochs === 10 && r.evidence.lr === 1e-3);
      // The loss moved once the rate was sane: by more than the no-signal line (2 % of the baseline's loss).
      const [stalled, last] = [r.history[2].validLoss!, r.history.at(-1)!.validLoss!];
      assert.ok(stalled - last > 0.02 * plan.baseline.loss, `validation ${stalled} at the stall, ${last} at the end (baseline ${plan.baseline.loss})`);
    } finally {
      r.dispose();
    }
  }));

  it('after the switch to Adam, its finder starts from the initial weights, not the SGD-trained ones', () => noLeaks(async () => {
    const plan = await linearTable();
    // A rule SGD cannot pass: the switch always happens.
    const r = await fitTrainingSet(plan.prepared, { spec: plan.proposal.spec, cost: plan.cost, epochs: 4, rule: { minDrop: 0.999 }, lrFinder: { numIter: 40 } });
    try {
      assert.deepEqual(r.lrFinds.map((f) => f.optimizer), ['sgd', 'adam']);
      const [sgd, adam] = r.lrFinds.map((f) => f.result.rawLosses[0]);
      // At 1e-7 the first step changes nothing: the same weights and batch give the same first loss.
      assert.ok(Math.abs(sgd - adam) < 1e-5, `first finder losses ${sgd} and ${adam}`);
      assert.ok(r.decisions.some((d) => /after switching to Adam: the learning-rate finder's curve \(from the initial weights\)/.test(d.reason) || /after switching to Adam: the learning-rate finder's curve \(from the initial weights\) cannot be read/.test(d.reason)));
    } finally {
      r.dispose();
    }
  }));
});
