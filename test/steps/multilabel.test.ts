// Multilabel: the [n, K] 0/1 target is K labels, not n·K class indices. The
// naive baseline predicts each label's training frequency (per-label loss and
// accuracy, known by hand on constructed data); the accuracy metric scores
// each label decision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelPriorBaseline, makePlan, fitModel } from '../../src/steps/index.js';
import { prepare } from '../../src/data/index.js';
import { accuracy, labelAccuracy } from '../../src/train/index.js';
import { tensor, liveTensors } from '../../src/tensor/index.js';

test('labelPriorBaseline: each label its training frequency; loss and accuracies by hand', () => {
  // Training: label a in 3 of 4 rows, label b in 0 of 4.
  const train = [1, 0, 1, 0, 1, 0, 0, 0];
  // Validation: 2 rows, (a=1, b=1) and (a=0, b=0).
  const valid = [1, 1, 0, 0];
  const b = labelPriorBaseline(['a', 'b'], train, valid);
  const pa = (3 + 1) / (4 + 2);
  const pb = (0 + 1) / (4 + 2);
  const loss = -(Math.log(pa) + Math.log(pb) + Math.log(1 - pa) + Math.log(1 - pb)) / 4;
  assert.ok(Math.abs(b.loss - loss) < 1e-12, `${b.loss} vs ${loss}`);
  assert.equal(b.metrics['accuracy[a]'], 0.5, 'a predicted present: right on row 0 only');
  assert.equal(b.metrics['accuracy[b]'], 0.5, 'b predicted absent: right on row 1 only');
  assert.equal(b.metrics.accuracy, 0.5);
  assert.equal(b.name, 'label prior');
  assert.match(b.description, /a 67 %, b 17 %/);
});

test('accuracy on multilabel logits scores each label decision; labelAccuracy one label', () => {
  const before = liveTensors();
  const pred = tensor([2, -1, 3, -2, -1, 1], { shape: [2, 3] }); // decisions [1,0,1], [0,0,1]
  const target = tensor([1, 0, 0, 0, 1, 1], { shape: [2, 3] });
  // Correct decisions: row 0: 2 of 3, row 1: 2 of 3 → per-row sum 4/3.
  assert.ok(Math.abs(accuracy.batchSum(pred, target) - 4 / 3) < 1e-9);
  assert.equal(labelAccuracy(0, 'x').batchSum(pred, target), 2);
  assert.equal(labelAccuracy(1, 'y').batchSum(pred, target), 1);
  assert.equal(labelAccuracy(2, 'z').name, 'accuracy[z]');
  // Class indices are unaffected.
  const logits = tensor([0.1, 2, 0.3, 3, 0, 0], { shape: [2, 3] });
  const classes = tensor([1, 1], { dtype: 'int64' });
  assert.equal(accuracy.batchSum(logits, classes), 1);
  for (const t of [pred, target, logits, classes]) t.dispose();
  assert.equal(liveTensors(), before);
});

test('makePlan on a multilabel table uses the per-label baseline', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-multilabel-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lines = ['x,y,red,round'];
  for (let i = 0; i < 200; i++) lines.push(`${i % 17},${(i * 7) % 13},${i % 4 === 0 ? 1 : 0},${i % 5 === 0 ? 0 : 1}`);
  writeFileSync(join(dir, 'shapes.csv'), `${lines.join('\n')}\n`);
  const prepared = await prepare({ data: join(dir, 'shapes.csv'), target: ['red', 'round'], projectDir: dir });
  assert.equal(prepared.task, 'multilabel');
  const plan = makePlan(prepared);
  assert.equal(plan.cost.name, 'multilabelBinaryCrossEntropy');
  assert.equal(plan.baseline.name, 'label prior');
  const labels = prepared.classes!;
  assert.deepEqual([...labels].sort(), ['red', 'round']);
  for (const l of labels) assert.ok(plan.baseline.metrics[`accuracy[${l}]`] >= 0.5, `${l}: majority per label`);
  // About 25 % red and 80 % round: the loss is the mean binary entropy, well below ln 2 and far from a K-class prior.
  assert.ok(plan.baseline.loss > 0.3 && plan.baseline.loss < 0.62, `loss ${plan.baseline.loss}`);
  // Training reports the label-wise accuracy, a share of label decisions (never above 1).
  const before = liveTensors();
  const fit = await fitModel(prepared, { spec: plan.proposal.spec, cost: plan.cost, optimizer: 'adam', lr: 0.01, epochs: 3, batchSize: 32 });
  try {
    const last = fit.history.at(-1)!.metrics;
    const acc = last.accuracy;
    assert.ok(acc >= 0.5 && acc <= 1, `label-wise validation accuracy ${acc}`);
    // Each label's own accuracy too; the label-wise figure is their mean (the same rows for every label).
    const per = labels.map((l) => last[`accuracy[${l}]`]);
    for (const [k, v] of per.entries()) assert.ok(v >= 0 && v <= 1, `${labels[k]}: ${v}`);
    assert.ok(Math.abs(per.reduce((a, b) => a + b, 0) / per.length - acc) < 1e-9, `mean of ${per} is ${acc}`);
  } finally {
    fit.dispose();
  }
  assert.equal(liveTensors(), before);
});
