// Step 4's ladder on constructed cases (an overfitting setup gets dropout or
// weight decay; one that does not overfit gets none) and step 5's sealed test:
// unreadable during tuning, every evaluation in the ledger, a warning on the
// second look.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepare } from '../../src/data/prepare.js';
import { chooseCostFunction } from '../../src/steps/cost_function.js';
import { proposeArchitecture, type ModelSpec } from '../../src/steps/architecture.js';
import { fitModel, metricsFor } from '../../src/steps/fit.js';
import { regularizationLadder, gapOpen } from '../../src/steps/regularize.js';
import { makePlan } from '../../src/steps/plan.js';
import { protocolOf } from '../protocol/helpers.js';
import type { PlaybookProtocol } from '../../src/steps/protocol_of.js';
import { evaluateOnTest } from '../../src/steps/sealed_test.js';
import { tuning, SealedTestError } from '../../src/steps/tuning_guard.js';
import { openStore } from '../../src/store/index.js';
import { Rng } from '../../src/data/index.js';
import { noLeaks } from '../helpers.js';

/** y depends on x0 only, plus label noise; 40 noise columns invite overfitting. */
function csv(rows: number, seed: number): string {
  const rng = new Rng(seed);
  const lines = [['y', ...Array.from({ length: 41 }, (_, i) => `x${i}`)].join(',')];
  for (let r = 0; r < rows; r++) {
    const x = Array.from({ length: 41 }, () => rng.normal());
    const y = (x[0] > 0 ? 1 : 0) ^ (rng.next() < 0.2 ? 1 : 0);
    lines.push([y ? 'yes' : 'no', ...x.map((v) => v.toFixed(4))].join(','));
  }
  return `${lines.join('\n')}\n`;
}

async function setup(rows: number) {
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-ladder-'));
  writeFileSync(join(dir, 'd.csv'), csv(rows, 3));
  const p = await prepare({ data: join(dir, 'd.csv'), target: 'y', projectDir: dir });
  const cost = chooseCostFunction(p.task, p.classes!.length);
  return { dir, p, cost, baselineLoss: makePlan(p).baseline.loss, protocol: await protocolOf(p, { projectDir: dir, data: join(dir, 'd.csv') }) };
}

async function measure(pr: PlaybookProtocol, cost: ReturnType<typeof chooseCostFunction>, spec: ModelSpec, epochs: number) {
  const p = pr.defaultSplit.prepared;
  const fit = await fitModel(p, { spec, cost, optimizer: 'adam', lr: 0.01, epochs, batchSize: 32 });
  try {
    // The decision inputs, as the protocol measures them: eval mode, the fixed training subset, validation row by row.
    return pr.measure(pr.defaultSplit, fit.model, fit.best, { spec, weightDecay: 0, augment: false, label: 'start' });
  } finally {
    fit.dispose();
  }
}

describe('step 4: the regularization ladder', () => {
  it('an overfitting network gets dropout or weight decay, in the seed\'s order', () => noLeaks(async () => {
    const { p, cost, baselineLoss, protocol } = await setup(600);
    // Too wide for 420 noisy training rows, trained long: it memorizes.
    const base = proposeArchitecture(p.archInput, { hidden: [256] }).spec;
    const start = await measure(protocol, cost, base, 30);
    assert.ok(gapOpen(start, baselineLoss), `the setup overfits (train ${start.trainLoss}, valid ${start.validLoss})`);
    const r = await tuning(() => regularizationLadder({ protocol, start: start.candidate, startScore: start, recipe: { optimizer: 'adam', lr: 0.01, epochs: 30, batchSize: 32, seed: 1 }, draws: 2 }));
    const actions = r.decisions.map((d) => d.action);
    assert.equal(actions[0], 'start the regularization ladder');
    const firstRung = actions.findIndex((a) => /dropout/.test(a));
    const wdRung = actions.findIndex((a) => /weight decay/.test(a));
    assert.ok(firstRung > 0 && (wdRung === -1 || wdRung > firstRung), `dropout is tried before weight decay: ${actions.join(' | ')}`);
    assert.ok(actions.some((a) => /^keep (dropout|weight decay)/.test(a)), `dropout or weight decay is kept: ${actions.join(' | ')}`);
    assert.ok(r.best.validLoss < start.validLoss);
    assert.ok(r.decisions.every((d) => d.step === 4 && d.reason.length > 10));
  }));

  it('a network that does not overfit gets no regularization', () => noLeaks(async () => {
    const { p, cost, protocol } = await setup(400);
    const base = proposeArchitecture(p.archInput, { hidden: [2] }).spec;
    const start = await measure(protocol, cost, base, 3);
    const r = await regularizationLadder({ protocol, start: start.candidate, startScore: start, recipe: { optimizer: 'adam', lr: 0.01, epochs: 3, batchSize: 32 } });
    assert.deepEqual(r.decisions.map((d) => d.action), ['no regularization']);
    assert.equal(r.probes.length, 0);
  }));
});

describe('step 5: the sealed test set', () => {
  it('cannot be read during tuning; every evaluation is recorded; a second look warns', () => noLeaks(async () => {
    const { dir, p, cost } = await setup(200);
    await assert.rejects(tuning(async () => p.test.unseal('peek while tuning')), SealedTestError);
    const spec = proposeArchitecture(p.archInput).spec;
    const fit = await fitModel(p, { spec, cost, optimizer: 'adam', lr: 0.01, epochs: 3 });
    const store = openStore(dir);
    try {
      await assert.rejects(tuning(() => evaluateOnTest({ prepared: p, model: fit.model, cost, metrics: metricsFor(p.task), store, modelId: 'm1' })), SealedTestError);
      const first = await evaluateOnTest({ prepared: p, model: fit.model, cost, metrics: metricsFor(p.task), store, modelId: 'm1', validationLoss: fit.best!.validLoss });
      assert.equal(first.evaluations, 1);
      assert.deepEqual(first.warnings, []);
      assert.ok(Number.isFinite(first.loss) && first.metrics.accuracy >= 0);
      const second = await evaluateOnTest({ prepared: p, model: fit.model, cost, metrics: metricsFor(p.task), store, modelId: 'm2', validationLoss: 1e-9 });
      assert.equal(second.evaluations, 2);
      assert.match(second.warnings[0], /seen 2 times.*optimistic/);
      assert.match(second.advice!, /Enlarge the validation set.*step 4/);
      assert.equal(store.ledger({ datasetFingerprint: p.fingerprint }).filter((e) => e.metricName === 'loss').length, 2);
    } finally {
      store.close();
      fit.dispose();
    }
  }));
});
