// The linear reference beside the naive baseline: a network with no hidden
// layer, fitted to convergence on the same rows. On a linearly separable table
// it reaches ~100 % and the autopilot keeps it when the deep model gets no
// budget; on XOR the deep model wins. The keep rule is a pure function of
// validation figures on the same rows, tested on constructed cases.
import { xorCsv } from './xor_table.js';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepare } from '../../src/data/prepare.js';
import { makePlan } from '../../src/steps/plan.js';
import { runAutopilot } from '../../src/pipeline/auto/autopilot.js';
import { auto } from '../../src/pipeline/auto.js';
import { runRow } from '../../src/ui/run_view.js';
import { diagnose } from '../../src/steps/doctor.js';
import { protocolFor } from '../../src/steps/protocol_of.js';
import { fitLinearReference, linearSpec, trainingSettled, LINEAR_REFERENCE_DEFAULTS, MAX_LINEAR_PENALTY, scikitLearnPenalty, withScikitLearnPenalty } from '../../src/steps/linear_reference.js';
import { keepLinearReference, standingAgainstLinear, verdictWithLinear } from '../../src/steps/linear_keep.js';
import { fitVerdict } from '../../src/steps/diagnosis.js';
import { buildModel } from '../../src/steps/architecture.js';
import { acceptBestOf, recordSplit, splitManifestPath } from '../../src/protocol/index.js';
import { Rng } from '../../src/data/index.js';
import { tensor, tidy } from '../../src/tensor/index.js';
import { noLeaks } from '../helpers.js';

/** y = 2·x0 − x1 + (c = "p" ? 1 : −1) > 0: a straight line separates the classes. */
function separable(rows: number): string {
  const rng = new Rng(3);
  const lines = ['y,x0,x1,c'];
  for (let r = 0; r < rows; r++) {
    const a = rng.uniform(-1, 1);
    const b = rng.uniform(-1, 1);
    const c = rng.uniform(0, 1) < 0.5 ? 'p' : 'q';
    const s = 2 * a - b + (c === 'p' ? 1 : -1);
    // A margin keeps it separable at every split.
    if (Math.abs(s) < 0.2) continue;
    lines.push(`${s > 0 ? 'up' : 'down'},${a.toFixed(4)},${b.toFixed(4)},${c}`);
  }
  return `${lines.join('\n')}\n`;
}

const xor = xorCsv;

/** y ~ Bernoulli(sigmoid(4·(1.5·x0 − x1 + x2))): logistic regression is the right model, and no network can beat it beyond chance. */
function noisyLinear(rows: number): string {
  const rng = new Rng(5);
  const lines = ['y,x0,x1,x2'];
  for (let r = 0; r < rows; r++) {
    const x = [rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-2, 2)];
    const p = 1 / (1 + Math.exp(-4 * (1.5 * x[0] - x[1] + x[2])));
    lines.push(`${rng.uniform(0, 1) < p ? 'yes' : 'no'},${x.map((v) => v.toFixed(4)).join(',')}`);
  }
  return `${lines.join('\n')}\n`;
}

async function table(csv: string) {
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-linref-'));
  const data = join(dir, 'd.csv');
  writeFileSync(data, csv);
  const p = await prepare({ data, target: 'y', projectDir: dir });
  return { dir, p, split: await recordSplit(p, splitManifestPath(dir, data)) };
}

describe('the linear reference', () => {
  it('is a network with no hidden layer: one-hot blocks pass through; text is a bag of words; images have none', () => {
    const blocks = [{ name: 'a', column: 'a', start: 0, width: 1, embedding: 0 }, { name: 'c', column: 'c', start: 1, width: 5, embedding: 4 }];
    const tab = linearSpec({ task: 'binary', archInput: { kind: 'tabular', blocks, inputs: 6, texts: [], outputs: 1, trainingRows: 100 } as never });
    assert.ok(tab.spec && tab.spec.family === 'tabular');
    assert.deepEqual(tab.spec.options.hidden, []);
    assert.ok(tab.spec.options.blocks.every((b) => b.embedding === 0));
    assert.equal((tab as { name: string }).name, 'logistic regression');
    const stats = { rows: 100, emptyRows: 0, meanTokens: 4, medianTokens: 4, p95Tokens: 6, maxTokens: 8, distinctTokens: 40, distinctBigrams: 60, repeatedBigrams: 20 };
    const texts = [{ column: 'note', start: 6, length: 8, vocabulary: 50, stats }];
    const text = linearSpec({ task: 'multiclass', archInput: { kind: 'tabular', blocks, inputs: 6, texts, outputs: 3, trainingRows: 100 } as never });
    assert.ok(text.spec && text.spec.family === 'tabular');
    assert.deepEqual(text.spec.options.hidden, []);
    assert.deepEqual(text.spec.options.texts?.map((t) => [t.column, t.encoder, t.dim]), [['note', 'bag', 3]], 'a bag of words as wide as the outputs: a linear map of the term frequencies');
    assert.equal((text as { name: string }).name, 'bag-of-words logistic regression');
    const img = linearSpec({ task: 'multiclass', archInput: { kind: 'image', channels: 1, height: 8, width: 8, outputs: 3 } });
    assert.equal(img.spec, null);
    assert.match((img as { reason: string }).reason, /images/);
  });

  it('converged: the training loss settled over the last quarter', () => {
    assert.equal(trainingSettled([1, 0.5, 0.3, 0.2, 0.2, 0.2, 0.2, 0.2]), true);
    assert.equal(trainingSettled([1, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]), false);
    assert.equal(trainingSettled([1, 0.5]), false);
  });

  it('reaches ~100 % on a linearly separable table, on the default split, with training-only statistics', () => noLeaks(async () => {
    const { p, split } = await table(separable(400));
    const plan = makePlan(p);
    const r = await fitLinearReference(protocolFor(plan, split), p, { capSeconds: 60 });
    assert.ok(r);
    assert.ok(r.metrics.accuracy >= 0.98, `accuracy ${r.metrics.accuracy}`);
    assert.ok(r.loss < plan.baseline.loss / 3, `loss ${r.loss} against the baseline's ${plan.baseline.loss}`);
    assert.equal(r.tried.length, 5, 'four penalties and scikit-learn\'s default');
    assert.equal(r.loss, Math.min(...r.tried.map((t) => t.validLoss)), 'the penalty with the lowest validation loss is kept');
  }));

  it('includes scikit-learn\'s default penalty: C = 1 is 1/n per row, Ridge\'s alpha = 1 is 2/n', () => {
    assert.equal(scikitLearnPenalty('multiclass', 2720), 1 / 2720);
    assert.equal(scikitLearnPenalty('regression', 254), 2 / 254);
    assert.deepEqual(withScikitLearnPenalty([1e-2, 1e-3, 1e-4, 0], 'binary', 2720), [1e-2, 1e-3, 0.00037, 1e-4, 0], 'in its place, strongest first, at two digits');
    assert.deepEqual(withScikitLearnPenalty([1e-2, 1e-3, 1e-4, 0], 'binary', 50), [0.02, 1e-2, 1e-3, 1e-4, 0]);
    assert.deepEqual(withScikitLearnPenalty([1e-2, 1e-3, 1e-4, 0], 'binary', 1000), [1e-2, 1e-3, 1e-4, 0], 'already there');
  });

  it('grows the penalty grid tenfold while its strongest penalty wins, and only then', () => noLeaks(async () => {
    // A target of pure noise and many inputs on few rows: the stronger the penalty, the closer to the mean, the better.
    const rng = new Rng(17);
    const names = Array.from({ length: 30 }, (_, j) => `x${j}`);
    const lines = [['y', ...names].join(',')];
    for (let r = 0; r < 90; r++) lines.push([rng.uniform(-1, 1), ...names.map(() => rng.uniform(-1, 1))].map((v) => v.toFixed(4)).join(','));
    const { p, split } = await table(`${lines.join('\n')}\n`);
    const r = (await fitLinearReference(protocolFor(makePlan(p), split), p, { capSeconds: 60, penalties: [0, 1e-3] }))!;
    assert.ok(r.penalties.length > 2, `the strongest penalty won, so the grid grew: ${JSON.stringify(r.tried)}`);
    assert.deepEqual(r.penalties.slice(0, 3), [0, 1e-3, 1e-2]);
    assert.ok(Math.max(...r.penalties) <= MAX_LINEAR_PENALTY);
    // Each added penalty follows a grid whose strongest penalty was the best so far.
    for (let k = 2; k < r.penalties.length; k++) {
      const before = r.tried.slice(0, k).map((t) => t.validLoss);
      assert.equal(before[k - 1], Math.min(...before), `penalty ${r.penalties[k]} was added after ${r.penalties[k - 1]} won`);
    }
    const last = r.tried.length - 1;
    assert.ok(r.penalties[last] === MAX_LINEAR_PENALTY || r.tried[last].validLoss > Math.min(...r.tried.slice(0, last).map((t) => t.validLoss)), 'it stops at the cap or when the new edge loses');
    const sep = await table(separable(400));
    // An option passed as undefined keeps its default.
    const s = (await fitLinearReference(protocolFor(makePlan(sep.p), sep.split), sep.p, { capSeconds: 60, penalties: undefined }))!;
    assert.deepEqual(s.penalties, withScikitLearnPenalty(LINEAR_REFERENCE_DEFAULTS.penalties, sep.p.task, sep.p.counts.train), 'a separable table wants no strong penalty: the grid stays');
  }));
});

describe('keeping the linear reference', () => {
  const rows = (base: number, n: number, spread: number) => Array.from({ length: n }, (_, i) => base + spread * Math.sin(i * 1.7));
  it('kept when it clearly beats the deep model on the same rows, quoting both numbers', () => {
    const linear = { validLoss: 0.1, rowLosses: rows(0.1, 200, 0.05) };
    const deep = { validLoss: 0.5, rowLosses: rows(0.5, 200, 0.05) };
    const k = keepLinearReference(linear, deep, acceptBestOf);
    assert.equal(k.kept, true);
    assert.match(k.decision.reason, /0\.5000 \(the deep model\) against 0\.1000/);
    assert.equal(k.decision.numbers!.linearValidLoss, 0.1);
    assert.equal(k.decision.numbers!.deepValidLoss, 0.5);
  });
  it('the deep model stays only when it clearly beats the reference', () => {
    const deepBetter = keepLinearReference({ validLoss: 0.5, rowLosses: rows(0.5, 200, 0.05) }, { validLoss: 0.1, rowLosses: rows(0.1, 200, 0.05) }, acceptBestOf);
    assert.equal(deepBetter.kept, false);
    assert.match(deepBetter.decision.reason, /the deep model beats it/);
    assert.equal(deepBetter.acceptance.k, 1, 'one challenger');
  });
  it('a tie keeps the simpler model: a deep edge within the row noise does not earn its place', () => {
    // A 0.2 % edge for the deep model, rows noisy: not beyond the acceptance test.
    const noise = rows(0.4, 100, 0.3);
    const tiny = keepLinearReference({ validLoss: 0.4, rowLosses: noise }, { validLoss: 0.3992, rowLosses: noise.map((v, i) => v - (i % 2 ? 0.1 : -0.0984)) }, acceptBestOf);
    assert.equal(tiny.kept, true);
    assert.match(tiny.decision.reason, /within the noise/);
    assert.match(tiny.decision.action, /^keep the linear reference over the deep model/);
  });
  it('a deep model with no signal beside a linear reference that has some is unfitted, not proof of empty inputs', () => {
    const baseline = { name: 'class prior', loss: 0.69, metrics: {}, description: '' };
    const deep = fitVerdict(baseline, { trainLoss: 0.69, validLoss: 0.7 });
    assert.equal(deep.verdict, 'no-signal');
    const read = verdictWithLinear(deep, baseline, { loss: 0.1, trainLoss: 0.1, name: 'logistic regression' });
    assert.equal(read.rescued, true);
    assert.equal(read.verdict.verdict, 'bias-gap');
    assert.equal(read.verdict.action, 'go on: the linear reference shows signal');
    assert.match(read.verdict.message, /linear reference \(logistic regression\) removes 85\.5 %/);
    // A weak edge (5 % of the baseline's loss, under the 10 % weak-signal line) is no proof of signal: the verdict stands.
    assert.equal(verdictWithLinear(deep, baseline, { loss: 0.655, trainLoss: 0.65, name: 'x' }).verdict.verdict, 'no-signal');
    // A linear reference with no signal either: the verdict stands.
    assert.equal(verdictWithLinear(deep, baseline, { loss: 0.69, trainLoss: 0.69, name: 'x' }).verdict.verdict, 'no-signal');
    assert.equal(verdictWithLinear(deep, baseline, null).rescued, false);
  });
  it('says where the deep model stands against it', () => {
    assert.match(standingAgainstLinear(0.05, 0.1), /50\.0 % below the linear reference's validation loss 0\.1000/);
    assert.match(standingAgainstLinear(0.2, 0.1), /above .*worse than a linear one/);
    assert.equal(standingAgainstLinear(0.2, null), '');
  });
});

describe('the autopilot and the linear reference', () => {
  it('a separable table and a deep model given no budget: the run keeps the linear network and says so; --json, the report, the dashboard and doctor carry it', () => noLeaks(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-linref-auto-'));
    const data = join(dir, 'd.csv');
    writeFileSync(data, separable(400));
    const none = { tabular: 0, sequence: 0, image: 0 };
    const s = await auto({ data, target: 'y', project: join(dir, 'project'), budgetMinutes: 1, budget: { epochCap: { tabular: 1, sequence: 1, image: 1 }, finalMinSteps: 0, searchShare: none, ladderShare: none } });
    const lin = s.linearReference!;
    assert.ok(lin.metrics.accuracy >= 0.98, `linear accuracy ${lin.metrics.accuracy}`);
    assert.equal(lin.kept, true, s.decisions.map((d) => `${d.action}: ${d.reason}`).join('\n'));
    assert.equal(typeof lin.loss, 'number');
    assert.ok(s.model_spec && s.model_spec.family === 'tabular' && s.model_spec.options.hidden.length === 0, 'the kept model is the linear network');
    assert.ok(s.model, 'saved as a model directory like any other');
    assert.equal(s.metrics.validation!.loss, s.decisions.find((d) => d.action.startsWith('keep the linear reference'))!.numbers!.linearValidLoss);
    const d = s.decisions.find((x) => x.action.startsWith('keep the linear reference'))!;
    assert.match(d.reason, /still worse on validation: validation loss \d\.\d+ \(the deep model\) against \d\.\d+ /);
    assert.notEqual(s.signal?.verdict, 'no-signal', 'the linear reference shows the inputs carry signal');
    assert.ok(s.metrics.test, 'step 5 evaluated the kept model');
    // Its choice made, the kept linear network learns from the validation rows too; its validation figures stay the validated weights'.
    assert.equal(s.refit?.kept, true, s.decisions.map((x) => `${x.action}: ${x.reason}`).join('\n'));
    assert.equal(s.refit!.rows, s.splits.train + s.splits.validation);
    const refit = s.decisions.find((x) => x.action === 'refit the kept linear reference on the training and validation rows')!;
    assert.match(refit.reason, /validation figures stay the validated model's/);
    assert.ok(s.decisions.indexOf(refit) < s.decisions.findIndex((x) => x.step === 5), 'before step 5: the test measures the refit');
    assert.ok(existsSync(join(dir, 'project', 'runs', s.run, 'validated.safetensors')), 'the validated weights stay in the run folder');
    assert.equal(JSON.parse(readFileSync(join(s.model!, 'manifest.json'), 'utf8')).extra.refit?.rows, s.refit!.rows, 'the model directory says its weights are the refit');
    const json = JSON.parse(JSON.stringify(s));
    assert.deepEqual(['kept', 'loss', 'metrics'].map((k) => k in json.linearReference), [true, true, true]);
    assert.match(readFileSync(s.report, 'utf8'), /linearReference/);
    assert.match(runRow({ run: { id: s.run, kind: 'auto', status: 'finished', startedAt: 0, endedAt: 1, parentRunId: null, config: {}, summary: json }, epochs: [], steps: 0, final: null, best: null } as any).remark, /linear reference \d/);
    const doc = diagnose([{ id: s.run, kind: 'auto', status: 'finished', startedAt: 1, summary: json }] as any, [], []);
    assert.match(doc.linear!.verdict, /kept the linear reference/);
  }));

  it('a logistic target: the deep model neither fits the training rows better nor beats the right linear model, the time left goes to the search and training longer, and the linear network is kept', () => noLeaks(async () => {
    const { dir, p, split } = await table(noisyLinear(1200));
    const r = await runAutopilot({ plan: makePlan(p), split, store: null, runId: 'linref-logistic', runDir: join(dir, 'run'), budgetMinutes: 0.4 });
    try {
      const why = r.state.decisions.map((d) => `${d.action}: ${d.reason}`).join('\n');
      // Behind the solved linear model on the training rows (the bias gap) or, fitted, on validation: either sends the time left on.
      assert.ok(r.state.behindLinear === true || r.state.verdict?.verdict === 'bias-gap', why);
      const search = r.state.decisions.find((d) => /^random search|^skip the random search/.test(d.action))!;
      assert.ok(search, why);
      assert.match(search.reason, /does not beat the linear reference|not below the linear reference's training loss/);
      assert.ok(r.state.decisions.some((d) => /^plan the final training|^skip the final training/.test(d.action) && /steps|too little time/.test(d.action)), why);
      assert.equal(r.state.linearReference!.kept, true, why);
      assert.equal(r.state.final!.source, 'linear');
    } finally {
      r.dispose();
    }
  }));

  it('XOR: the linear reference stays near chance and the deep model wins', () => noLeaks(async () => {
    const { dir, p, split } = await table(xor(600));
    const r = await runAutopilot({ plan: makePlan(p, { hidden: [16] }), split, store: null, runId: 'linref-xor', runDir: join(dir, 'run'), budgetMinutes: 1, budget: { epochCap: { tabular: 30, sequence: 8, image: 8 } } });
    try {
      const lin = r.state.linearReference!;
      assert.ok(lin.metrics.accuracy < 0.7, `a line cannot split XOR: accuracy ${lin.metrics.accuracy}`);
      assert.equal(lin.kept, false);
      assert.notEqual(r.state.final!.source, 'linear');
      assert.ok(r.state.final!.validLoss < lin.loss, `deep ${r.state.final!.validLoss} against linear ${lin.loss}`);
      const verdict = r.state.decisions.find((d) => d.action === 'training set fitted' || d.action === 'stop: no signal')!;
      assert.match(verdict.reason, /the linear reference's validation loss/);
    } finally {
      r.dispose();
    }
  }));
});
