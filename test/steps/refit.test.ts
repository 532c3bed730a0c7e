// The kept linear reference fitted again, its choice made, on the training and
// validation rows together: the joined view keeps the training split's
// preprocessing and the sealed test; the refit solves the reference again at
// its penalty, from its validated weights, and reaches the optimum a cold
// start reaches.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepare, type Prepared } from '../../src/data/prepare.js';
import { withValidationRows } from '../../src/data/refit.js';
import { Rng } from '../../src/data/index.js';
import { makePlan } from '../../src/steps/plan.js';
import { protocolFor } from '../../src/steps/protocol_of.js';
import { fitLinearReference, linearSpec } from '../../src/steps/linear_reference.js';
import { buildModel } from '../../src/steps/architecture.js';
import type { Module } from '../../src/nn/index.js';
import { linearRefitBlocked, linearRefitSeconds, refitLinear } from '../../src/steps/refit.js';
import { tuning, SealedTestError } from '../../src/steps/tuning_guard.js';
import { recordSplit, splitManifestPath } from '../../src/protocol/index.js';
import { noLeaks } from '../helpers.js';

/** y = 3·x0 − x1 > 0 with a category that shifts it: a linear target. */
function linearTable(rows: number): string {
  const rng = new Rng(11);
  const lines = ['y,x0,x1,c'];
  for (let r = 0; r < rows; r++) {
    const a = rng.uniform(-1, 1);
    const b = rng.uniform(-1, 1);
    const c = rng.uniform(0, 1) < 0.5 ? 'p' : 'q';
    lines.push(`${3 * a - b + (c === 'p' ? 0.5 : -0.5) > 0 ? 'up' : 'down'},${a.toFixed(4)},${b.toFixed(4)},${c}`);
  }
  return `${lines.join('\n')}\n`;
}

async function table(rows: number) {
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-refit-'));
  const data = join(dir, 'd.csv');
  writeFileSync(data, linearTable(rows));
  const p = await prepare({ data, target: 'y', projectDir: dir });
  return { p, split: await recordSplit(p, splitManifestPath(dir, data)) };
}

const rowsOf = (p: Prepared, which: 'train' | 'validation') => {
  const l = p.loader(which, { batchSize: 1000 });
  try {
    return l.size;
  } finally {
    l.dispose();
  }
};

describe('the refit on the training and validation rows', () => {
  it('the joined view: both splits\' rows, the training split\'s preprocessing, validation unchanged, the test still sealed', () => noLeaks(async () => {
    const { p } = await table(300);
    const joined = withValidationRows(p)!;
    assert.equal(joined.counts.train, p.counts.train + p.counts.validation);
    assert.equal(rowsOf(joined, 'train'), joined.counts.train);
    assert.equal(rowsOf(joined, 'validation'), p.counts.validation);
    assert.equal(joined.targets('train').length, joined.counts.train);
    assert.deepEqual([...joined.targets('train').slice(p.counts.train)], [...p.targets('validation')], 'the validation rows follow the training rows, with their targets');
    assert.equal(joined.preprocessing, p.preprocessing, 'the statistics, vocabulary and layout serving applies');
    assert.equal(joined.counts.test, p.counts.test);
    await assert.rejects(tuning(async () => joined.test.unseal('a refit tries to read the test split')), SealedTestError);
    assert.equal(withValidationRows({ ...p, preprocessing: { kind: 'image' } } as unknown as Prepared), null, 'images have no tables to join');
  }));

  it('solves the reference again at its penalty on every joined row, from its validated weights; and reaches the optimum a cold start reaches', () => noLeaks(async () => {
    const { p, split } = await table(400);
    const plan = makePlan(p);
    let validated: Module | null = null;
    const lin = (await tuning(() => fitLinearReference(protocolFor(plan, split), p, { seed: 0, onModel: (i, m) => { validated?.dispose(); validated = buildModel(linearSpec(p).spec!, p.device); validated.loadStateDict(m.stateDict()); } })))!;
    const joined = withValidationRows(p)!;
    // The last penalty's model stands in for the kept one: any start reaches the same convex optimum.
    const done = await tuning(async () => refitLinear(joined, lin, plan.cost, { validated: validated!, deadline: Infinity, clock: Date.now }));
    try {
      assert.ok(done.model, done.why);
      assert.equal(done.rows, p.counts.train + p.counts.validation);
      assert.ok(Number.isFinite(done.trainLoss) && done.trainLoss < 0.3, `training loss ${done.trainLoss}`);
      assert.match(done.why, new RegExp(`L-BFGS from the validated weights at L2 ${lin.weightDecay} \\(\\d+ iterations: .*\\) on the ${done.rows} training and validation rows`));
      // The same optimum from a cold start: the penalized problem is convex.
      const cold = buildModel(lin.spec, p.device);
      try {
        const again = await tuning(async () => refitLinear(joined, lin, plan.cost, { validated: cold, deadline: Infinity, clock: Date.now }));
        assert.ok(Math.abs(again.trainLoss - done.trainLoss) < 1e-3 * Math.max(1, done.trainLoss), `${again.trainLoss} against ${done.trainLoss}`);
        again.model?.dispose();
      } finally {
        cold.dispose();
      }
    } finally {
      done.model?.dispose();
      (validated as Module | null)?.dispose();
    }
  }));

  it('an unpenalized reference the cap stopped is not refitted: it has no optimum to be refitted to', () => {
    assert.match(linearRefitBlocked({ weightDecay: 0, converged: false })!, /no penalty and did not converge .*the validated weights stand/);
    assert.equal(linearRefitBlocked({ weightDecay: 0, converged: true }), null, 'an unpenalized optimum that exists');
    assert.equal(linearRefitBlocked({ weightDecay: 1e-4, converged: false }), null, 'a penalized optimum exists: the refit solves to it');
  });

  it('its expected time: the chosen penalty\'s seconds (else one penalty\'s share of the reference\'s), scaled by the rows it adds', () => {
    const tried = [0, 1e-4, 1e-3, 1e-2].map((weightDecay, i) => ({ weightDecay, validLoss: i === 2 ? NaN : 0.5, epochs: 10 }));
    assert.equal(linearRefitSeconds({ seconds: 6, tried, weightDecay: 1e-4 }, 400, 100), (6 / 3) * 1.25);
    assert.equal(linearRefitSeconds({ seconds: 6, tried: [], weightDecay: 0 }, 0, 100), 600, 'no penalty reached, no training rows: still a finite figure');
    const timed = tried.map((t, i) => ({ ...t, seconds: i + 1 }));
    assert.equal(linearRefitSeconds({ seconds: 6, tried: timed, weightDecay: 1e-3 }, 400, 100), 3 * 1.25, 'the chosen penalty\'s own time');
  });
});
