// The kept deep network refitted on the training and validation rows, its
// choice made: the rule (time for the whole replay; no flat learning curve),
// the epochs it replays, the check that it stands, the replay itself, and an
// autopilot run on a table a line cannot fit that refits its deep model.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepare } from '../../src/data/prepare.js';
import { withValidationRows } from '../../src/data/refit.js';
import { makePlan } from '../../src/steps/plan.js';
import { auto } from '../../src/pipeline/auto.js';
import { deepRefitRule, deepRefitSeconds, deepRefitStands, DEEP_REFIT_TIME_MARGIN, epochsToBest, expectedRefitGain, refitDeep, replayReproduces } from '../../src/steps/deep_refit.js';
import { learningCurveVerdict, STILL_FALLING } from '../../src/steps/learning_curve.js';
import { tuning } from '../../src/steps/tuning_guard.js';
import type { EpochResult } from '../../src/train/index.js';
import { noLeaks } from '../helpers.js';
import { xorCsv } from './xor_table.js';

const epoch = (i: number, validLoss: number): EpochResult => ({ epoch: i, trainLoss: 1, validLoss, metrics: {}, seconds: 0.1 });

describe('the deep refit\'s rule', () => {
  it('replays the epochs up to the kept one', () => {
    const h = [0.9, 0.7, 0.5, 0.6].map((l, i) => epoch(i, l));
    assert.equal(epochsToBest(h, h[2]), 3);
    assert.equal(epochsToBest(h, null), 4, 'no best marked: the last epoch\'s weights');
    assert.equal(epochsToBest([], null), 0);
  });

  it('expects the measured epoch time scaled by the rows, with a margin', () => {
    assert.equal(deepRefitSeconds(10, 0.5, 400, 100), 10 * 0.5 * 1.25 * DEEP_REFIT_TIME_MARGIN);
  });

  it('refits when the replay fits in the time left and the learning curve still falls (or was not measured)', () => {
    const falling = { curve: [{ fraction: 0.25, validLoss: 0.99 }, { fraction: 0.5, validLoss: 0.89 }, { fraction: 1, validLoss: 0.79 }] };
    const go = deepRefitRule({ epochs: 8, expectedSeconds: 3, secondsLeft: 20, learningCurve: falling });
    assert.equal(go.refit, true);
    assert.match(go.why, /8 epoch\(s\), replayed twice, fit in the 20\.0 s left \(about 3\.0 s needed\), and the learning curve still falls \(25 %: 0\.990, 50 %: 0\.890, 100 %: 0\.790\)/);
    assert.equal(deepRefitRule({ epochs: 8, expectedSeconds: 3, secondsLeft: 20 }).refit, true, 'no curve measured: refit as scikit-learn does');
  });

  it('does not refit without the time, without an epoch to replay, or on a flat learning curve', () => {
    const slow = deepRefitRule({ epochs: 8, expectedSeconds: 30, secondsLeft: 20 });
    assert.equal(slow.refit, false);
    assert.match(slow.why, /too little time: about 30\.0 s needed to replay 8 epoch\(s\) twice .*20\.0 s left/);
    assert.equal(deepRefitRule({ epochs: 0, expectedSeconds: 0, secondsLeft: 20 }).refit, false);
    const flat = { curve: [{ fraction: 0.5, validLoss: 0.80 }, { fraction: 1, validLoss: 0.79 }] };
    const no = deepRefitRule({ epochs: 8, expectedSeconds: 3, secondsLeft: 20, learningCurve: flat });
    assert.equal(no.refit, false);
    assert.match(no.why, /the learning curve has flattened \(50 %: 0\.800, 100 %: 0\.790\)/);
  });

  it('the learning curve\'s verdict: a relative fall above 5 % from half to all the rows', () => {
    assert.equal(STILL_FALLING, 0.05);
    assert.equal(learningCurveVerdict([{ fraction: 0.5, validLoss: 1 }, { fraction: 1, validLoss: 0.94 }]).stillFalling, true);
    assert.equal(learningCurveVerdict([{ fraction: 0.5, validLoss: 1 }, { fraction: 1, validLoss: 0.96 }]).stillFalling, false);
    assert.equal(learningCurveVerdict([{ fraction: 1, validLoss: 0.5 }]).stillFalling, false, 'one point is no curve');
  });

  it('the gain the added rows promise: the learning curve\'s fall per doubling, times the doublings they add', () => {
    const curve = [{ fraction: 0.25, validLoss: 0.99 }, { fraction: 0.5, validLoss: 0.9 }, { fraction: 1, validLoss: 0.8 }];
    assert.ok(Math.abs(expectedRefitGain(curve, 400, 400) - 0.1) < 1e-12, 'twice the rows: one doubling');
    assert.ok(Math.abs(expectedRefitGain(curve, 400, 100) - 0.1 * Math.log2(1.25)) < 1e-12);
    assert.equal(expectedRefitGain([{ fraction: 0.5, validLoss: 0.7 }, { fraction: 1, validLoss: 0.8 }], 400, 100), 0, 'a rising curve promises nothing');
    assert.equal(expectedRefitGain(null, 400, 100), 0);
  });

  it('the replay must fall short of the validated model by no more than that gain', () => {
    const ok = replayReproduces(0.80, 0.786, 0.03);
    assert.equal(ok.ok, true);
    assert.match(ok.why, /reproduces the validated model \(validation loss 0\.8000 against the validated model's 0\.7860, 0\.0140 worse; the added rows are expected to gain 0\.0300/);
    const short = replayReproduces(0.85, 0.786, 0.03);
    assert.equal(short.ok, false);
    assert.match(short.why, /falls short of the validated model by more than the added rows are expected to gain .*the validated weights stand/);
    assert.equal(replayReproduces(0.79, 0.786, 0).ok, false, 'no curve: the replay must be no worse');
    assert.equal(replayReproduces(0.78, 0.786, 0).ok, true);
    assert.equal(replayReproduces(NaN, 0.786, 1).ok, false);
  });

  it('a refit stands only when it fits the validation rows it saw better than the validated model', () => {
    assert.equal(deepRefitStands(0.3, 0.5), true);
    assert.equal(deepRefitStands(0.5, 0.5), false);
    assert.equal(deepRefitStands(NaN, 0.5), false);
  });
});

async function xorTable(rows: number) {
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-deep-refit-'));
  const data = join(dir, 'd.csv');
  writeFileSync(data, xorCsv(rows));
  return { dir, data, p: await prepare({ data, target: 'y', projectDir: dir }) };
}

describe('the deep refit', () => {
  it('replays the recipe from scratch on every joined row and ends at its last epoch; cut by the deadline, it hands back nothing', () => noLeaks(async () => {
    const { p } = await xorTable(600);
    const plan = makePlan(p);
    const joined = withValidationRows(p)!;
    const base = plan.proposal.spec;
    assert.equal(base.family, 'tabular');
    const spec = base.family === 'tabular' ? { family: 'tabular' as const, options: { ...base.options, hidden: [16] } } : base;
    const recipe = { spec, weightDecay: 0, optimizer: 'adam' as const, lr: 1e-2, batchSize: 32, epochs: 30 };
    const done = await tuning(() => refitDeep(joined, recipe, plan.cost, { seed: 0, deadline: Infinity, clock: Date.now }));
    try {
      assert.ok(done.fit, done.why);
      assert.equal(done.rows, p.counts.train + p.counts.validation);
      assert.equal(done.fit.history.length, 30);
      assert.ok(done.trainLoss < 0.35, `a hidden layer fits XOR: training loss ${done.trainLoss}`);
      assert.match(done.why, /30 epoch\(s\) of Adam at 0\.0100 with warm restarts, from scratch, on the \d+ training and validation rows/);
    } finally {
      done.fit?.dispose();
    }
    const cut = await tuning(() => refitDeep(joined, recipe, plan.cost, { seed: 0, deadline: Date.now() - 1, clock: Date.now }));
    assert.equal(cut.fit, null);
    assert.match(cut.why, /stopped by the deadline after \d+ of 30 epochs .*the validated weights stand/);
  }));

  it('the autopilot keeps a deep model on XOR and, with time left, refits it on the training and validation rows before step 5', () => noLeaks(async () => {
    const { dir, data } = await xorTable(800);
    const s = await auto({ data, target: 'y', project: join(dir, 'project'), budgetMinutes: 1 });
    const log = s.decisions.map((x) => `${x.action}: ${x.reason}`).join('\n');
    assert.notEqual(s.linearReference?.kept, true, log);
    const d = s.decisions.find((x) => /refit the kept deep model|do not refit the kept deep model|keep the validated deep model/.test(x.action));
    assert.ok(d, `the refit is decided and said:\n${log}`);
    assert.equal(s.refit?.model, 'deep');
    assert.ok(s.decisions.indexOf(d!) < s.decisions.findIndex((x) => x.step === 5), 'before step 5: the test measures the model shipped');
    if (s.refit?.kept) {
      assert.equal(s.refit.rows, s.splits.train + s.splits.validation);
      assert.match(d!.reason, /reproduces the validated model .*fits the validation rows it trained on better than the validated model/);
      assert.ok(existsSync(join(dir, 'project', 'runs', s.run, 'validated.safetensors')), 'the validated weights stay in the run folder');
      assert.equal(JSON.parse(readFileSync(join(s.model!, 'manifest.json'), 'utf8')).extra.refit?.rows, s.refit.rows);
      assert.ok((s.metrics.test?.accuracy ?? 0) > 0.85, `test accuracy ${s.metrics.test?.accuracy}`);
    } else {
      assert.match(d!.reason, /the validated weights stand/);
    }
  }));
});
