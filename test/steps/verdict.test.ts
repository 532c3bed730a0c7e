// Step 3's verdict is one function (fitVerdict): the autopilot's decision,
// the run's summary, the exit code and `doctor` all quote it, so no two
// messages contradict. "No signal" needs a model that had its chance to fit;
// without it the verdict is "undecided", with the budget that would be enough.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitVerdict, budgetToJudge, type TrainingEvidence } from '../../src/steps/diagnosis.js';
import { diagnose } from '../../src/steps/doctor.js';
import { verdictExit, EXIT } from '../../src/cli/errors.js';
import { prepare } from '../../src/data/prepare.js';
import { makePlan } from '../../src/steps/plan.js';
import { runAutopilot } from '../../src/pipeline/auto/autopilot.js';
import { recordSplit, splitManifestPath } from '../../src/protocol/index.js';
import { Rng } from '../../src/data/index.js';
import { noLeaks } from '../helpers.js';

const prior = { name: 'class prior', loss: 2.0 };
const trained: TrainingEvidence = { epochs: 20, steps: 880, optimizer: 'adam', lr: 1e-3, initialLoss: 2.3, secondsPerEpoch: 1.2, stepsPerEpoch: 44, finderSeconds: 4 };

describe('fitVerdict', () => {
  it('fitted, bias gap, no signal: the bias rule and the baseline decide, scale-free', () => {
    for (const k of [1, 1e3, 1e-3]) {
      const base = { name: 'mean', loss: 2 * k };
      assert.equal(fitVerdict(base, { trainLoss: 0.6 * k, validLoss: 0.7 * k }).verdict, 'fitted');
      assert.equal(fitVerdict(base, { trainLoss: 1.7 * k, validLoss: 1.6 * k }).verdict, 'bias-gap');
      assert.equal(fitVerdict(base, { trainLoss: 1.99 * k, validLoss: 1.99 * k }, { evidence: { ...trained, initialLoss: 2.3 * k } }).verdict, 'no-signal');
    }
    const gap = fitVerdict(prior, { trainLoss: 1.713, validLoss: 1.73 });
    assert.equal(gap.action, 'training set not fitted: bias gap open');
    assert.match(gap.message, /removes only 14\.[34] % of the naive baseline's 2\.000 \(rule: at least 50\.0 %\)/);
    assert.doesNotMatch(gap.message, /is fitted/);
    const fitted = fitVerdict(prior, { trainLoss: 0.5, validLoss: 0.6 });
    assert.equal(fitted.action, 'training set fitted');
    assert.match(fitted.message, /The training set is fitted: the training loss 0\.5000 removes 75\.0 %/);
  });

  it('a deep model that fits the training set worse than the linear reference (beyond the slack) has a bias gap, scale-free', () => {
    for (const k of [1, 1e3, 1e-3]) {
      const base = { name: 'mean', loss: 2 * k };
      const linear = { trainLoss: 0.5 * k, name: 'linear regression' };
      // Past the baseline rule (70 % removed) but above the straight line's training loss.
      const above = fitVerdict(base, { trainLoss: 0.6 * k, validLoss: 0.62 * k }, { linear });
      assert.equal(above.verdict, 'bias-gap');
      assert.match(above.message, /not below the linear reference's training loss .*\(linear regression\)/);
      assert.equal(fitVerdict(base, { trainLoss: 0.4 * k, validLoss: 0.55 * k }, { linear }).verdict, 'fitted');
      // Within 2 % of the baseline's loss (0.04·k here) of the line is the same fit; beyond it, bias.
      assert.equal(fitVerdict(base, { trainLoss: 0.53 * k, validLoss: 0.55 * k }, { linear }).verdict, 'fitted');
      assert.equal(fitVerdict(base, { trainLoss: 0.55 * k, validLoss: 0.56 * k }, { linear }).verdict, 'bias-gap');
    }
    // The baseline rule's reason comes first when both fail; an unmeasured reference changes nothing.
    assert.match(fitVerdict(prior, { trainLoss: 1.7, validLoss: 1.7 }, { linear: { trainLoss: 0.1, name: 'logistic regression' } }).message, /removes only/);
    assert.equal(fitVerdict(prior, { trainLoss: 0.5, validLoss: 0.6 }, { linear: { trainLoss: NaN, name: 'logistic regression' } }).verdict, 'fitted');
  });

  it('no signal only from a model that had its chance: too few epochs, an insane rate or an unmoved loss make it undecided', () => {
    const flat = { trainLoss: 2.1, validLoss: 2.0 };
    assert.equal(fitVerdict(prior, { trainLoss: 1.99, validLoss: 2.0 }, { evidence: trained }).verdict, 'no-signal');
    const one = fitVerdict(prior, flat, { evidence: { ...trained, epochs: 1, initialLoss: 2.3 } });
    assert.equal(one.verdict, 'undecided');
    assert.equal(one.action, 'stop: undecided — the budget is too small to judge');
    assert.deepEqual(one.shortOf, ['only 1 epoch(s) of 44 step(s) trained (rule: at least 3 epochs and 100 steps, or 20 epochs: 3 here)']);
    assert.ok(one.undertrained);
    // Enough epochs of too few steps (a small dataset) are not enough training either.
    const few = fitVerdict(prior, flat, { evidence: { ...trained, epochs: 5, steps: 35, stepsPerEpoch: 7 } });
    assert.equal(few.verdict, 'undecided');
    assert.match(few.shortOf[0], /only 5 epoch\(s\) of 7 step\(s\).*15 here/);
    const tiny = fitVerdict(prior, flat, { evidence: { ...trained, lr: 6.3e-7, initialLoss: 2.3 } });
    assert.equal(tiny.verdict, 'undecided');
    assert.match(tiny.shortOf[0], /the rate 6\.30e-7 is 1\.59e\+3× below ADAM's standard 1e-3 \(rule: within 100×\)/);
    const unmoved = fitVerdict(prior, flat, { evidence: { ...trained, initialLoss: 2.105 } });
    assert.equal(unmoved.verdict, 'undecided');
    assert.equal(unmoved.undertrained, false);
    assert.equal(unmoved.action, 'stop: undecided — the model had no fair chance to fit');
    assert.doesNotMatch(unmoved.message, /budget/, 'more budget is not the remedy when the epochs were enough');
    assert.match(unmoved.shortOf[0], /the training loss moved 0\.2 % of the baseline's loss \(2\.105 → 2\.100; rule: at least 1\.0 %\)/);
    // Without evidence (a user's explicit `fit`) the chance is taken as given.
    assert.equal(fitVerdict(prior, flat).verdict, 'no-signal');
  });

  it('undecided names the budget that would be enough, from the measured times, and has its own exit code', () => {
    const ev: TrainingEvidence = { epochs: 1, steps: 3, optimizer: 'sgd', lr: 3e-3, initialLoss: 1.14, secondsPerEpoch: 6.4, stepsPerEpoch: 3, finderSeconds: 20 };
    const b = budgetToJudge(ev, { secondsBeforeStep3: 30, step3Share: 0.45, epochCap: 30 });
    // 100 steps of 3 per epoch would be 34 epochs; the small-data rule stops at 20: 30 + (20 + 20 × 6.4 × 1.2) / 0.45 = 415.8 s.
    assert.equal(b.epochs, 20);
    assert.ok(Math.abs(b.seconds - (30 + (20 + 20 * 6.4 * 1.2) / 0.45)) < 1e-9);
    assert.equal(b.minutes, 7);
    const v = fitVerdict({ name: 'class prior', loss: 1.0986 }, { trainLoss: 1.113, validLoss: 1.114 }, { evidence: ev, budget: b });
    assert.equal(v.verdict, 'undecided');
    assert.match(v.message, /A budget of about 7 minute\(s\) would give step 3 20 epochs \(30\.0 s before step 3 \+ \(20\.0 s of finder \+ 20 epochs × 6\.4 s measured × 1\.2 margin\) \/ 45\.0 % step 3's share = 415\.8 s\)/);
    assert.match(v.message, /run again with --budget 7/);
    assert.equal(verdictExit('undecided'), EXIT.undecided);
    assert.equal(verdictExit('no-signal'), EXIT.noSignal);
    assert.notEqual(EXIT.undecided, EXIT.noSignal);
    assert.equal(verdictExit('bias-gap'), 0);
    assert.equal(verdictExit('fitted'), 0);
  });
});

describe('doctor quotes the run\'s own verdict', () => {
  const run = (signal: unknown, extra: Record<string, unknown> = {}) => ({ id: 'a', kind: 'auto', status: 'finished', startedAt: 1, summary: { metrics: { train: { loss: 1.713 }, validation: { loss: 1.69 } }, baseline: { name: 'class prior', loss: 2.0 }, signal, ...extra } });
  it('a bias gap after a run that already switched to Adam and searched: no advice to do either again', () => {
    const v = fitVerdict(prior, { trainLoss: 1.713, validLoss: 1.69 });
    const d = diagnose([run(v, { optimizer: 'adam' })], [{ step: 3, action: 'switch from SGD to Adam' }, { step: 3, action: 'random search over width, depth, batch size and learning rate' }], []);
    assert.equal(d.bias!.verdict, v.message);
    assert.equal(d.bias!.kind, 'bias-gap');
    const next = d.next.join(' ');
    assert.doesNotMatch(next, /switch SGD to Adam/);
    assert.match(next, /already trains with Adam.*more trials of the random search that ran/);
    assert.equal(d.step, 3);
  });
  it('undecided: the budget the run named', () => {
    const ev: TrainingEvidence = { ...trained, epochs: 1, initialLoss: 2.3 };
    const v = fitVerdict(prior, { trainLoss: 2.1, validLoss: 2.0 }, { evidence: ev, budget: budgetToJudge(ev, { secondsBeforeStep3: 10, step3Share: 0.45, epochCap: 30 }) });
    const d = diagnose([run(v)], [], []);
    assert.equal(d.bias!.verdict, v.message);
    assert.match(d.next.join(' '), new RegExp(`--budget ${v.budget!.minutes}`));
    assert.doesNotMatch(d.next.join(' '), /refine the objective/);
  });
  it('a model that beats the baseline after one epoch is judged, said to be short of training, and doctor advises the budget', () => {
    const ev: TrainingEvidence = { ...trained, epochs: 1, steps: 44 };
    const v = fitVerdict(prior, { trainLoss: 0.8, validLoss: 0.9 }, { evidence: ev, budget: budgetToJudge(ev, { secondsBeforeStep3: 10, step3Share: 0.35, epochCap: 40 }) });
    assert.equal(v.verdict, 'fitted');
    assert.ok(v.undertrained);
    assert.match(v.message, /The training set is fitted.*It could fit better: only 1 epoch\(s\) of 44 step\(s\) trained.*run again with --budget 1\./);
    const d = diagnose([{ ...run(v), summary: { ...run(v).summary, metrics: { train: { loss: 0.8 }, validation: { loss: 0.9 } } } }], [], []);
    assert.match(d.next.join(' '), /trained too little.*--budget 1/);
  });
  it('a run without a stored verdict is judged by the same function on its numbers', () => {
    const d = diagnose([run(null)], [], []);
    assert.equal(d.bias!.verdict, fitVerdict(prior, { trainLoss: 1.713, validLoss: 1.69 }).message);
  });
});

describe('the autopilot quotes the same verdict everywhere', () => {
  it('on labels the inputs only partly explain: the bias-gap verdict is the decision, and doctor agrees with it', () => noLeaks(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-verdict-'));
    const rng = new Rng(4);
    const lines = ['y,a,b'];
    // The sign of a, with 35 % of the labels flipped: the best possible training loss stays far above half the prior's.
    for (let i = 0; i < 1400; i++) {
      const a = rng.uniform(-1, 1);
      const flip = rng.uniform(0, 1) < 0.35;
      lines.push(`${(a > 0) !== flip ? 'p' : 'n'},${a.toFixed(4)},${rng.uniform(-1, 1).toFixed(4)}`);
    }
    writeFileSync(join(dir, 'd.csv'), `${lines.join('\n')}\n`);
    const prepared = await prepare({ data: join(dir, 'd.csv'), target: 'y', projectDir: dir });
    const plan = makePlan(prepared);
    const split = await recordSplit(prepared, splitManifestPath(dir, join(dir, 'd.csv')));
    const r = await runAutopilot({ plan, split, store: null, runId: 'verdict', runDir: join(dir, 'run'), budgetMinutes: 0.3, budget: { epochCap: { tabular: 8, sequence: 8, image: 8 } } });
    try {
      const v = r.state.verdict!;
      assert.equal(v.verdict, 'bias-gap', v.message);
      const said = r.state.decisions.filter((d) => d.step === 3 && (d.action.startsWith('training set') || d.action.startsWith('stop: ')));
      assert.equal(said.length, 1, said.map((d) => d.action).join(' | '));
      assert.equal(said[0].action, v.action);
      // The decision quotes the verdict's message (then where the model stands against the linear reference).
      assert.ok(said[0].reason.startsWith(v.message), said[0].reason);
      assert.ok(!r.state.decisions.some((d) => d.action === 'training set fitted'), 'never "fitted" after the bias rule said the gap is open');
      const d = diagnose([{ id: 'verdict', kind: 'auto', status: 'finished', startedAt: 1, summary: { metrics: { train: { loss: r.state.final!.trainLoss }, validation: { loss: r.state.final!.validLoss } }, baseline: plan.baseline, signal: v, optimizer: r.state.step3!.optimizer } }], r.state.decisions, []);
      assert.equal(d.bias!.verdict, v.message);
      assert.equal(d.bias!.kind, 'bias-gap');
    } finally {
      r.dispose();
    }
  }));
});
