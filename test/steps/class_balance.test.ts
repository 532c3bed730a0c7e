// Step 1 on imbalanced classes: the measured ratio in the cost-function
// decision, and class weights equal to PyTorch's weight= (fixtures from
// test/fixtures/generate_metrics.py: torch 1.13 and scikit-learn 1.2).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tensor, tidy } from '../../src/tensor/index.js';
import { chooseCostFunction } from '../../src/steps/cost_function.js';
import { balancedWeights, classBalance, classCounts, IMBALANCE_THRESHOLD } from '../../src/steps/class_balance.js';
import { fixturePath, noLeaks } from '../helpers.js';
import { priorBaseline } from '../../src/steps/baseline.js';

const ref = JSON.parse(readFileSync(fixturePath('metrics-reference.json'), 'utf8')).weightedLoss;
const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${what}: expected ${b}, got ${a}`);

describe('class balance (step 1)', () => {
  it("balanced weights equal scikit-learn's compute_class_weight", () => {
    balancedWeights(classCounts(ref.target, 3)).forEach((w, i) => near(w, ref.balancedWeights[i], `weight ${i}`));
    balancedWeights(classCounts(ref.binaryTarget, 2)).forEach((w, i) => near(w, ref.binaryBalancedWeights[i], `binary weight ${i}`));
  });

  it("weighted cross-entropy equals torch's F.cross_entropy(weight=), unweighted stays as before", async () => {
    await noLeaks(() => {
      const balance = classBalance(ref.target, 3, 'balanced');
      const weighted = chooseCostFunction('multiclass', 3, undefined, { balance });
      const plain = chooseCostFunction('multiclass', 3, undefined, { balance: classBalance(ref.target, 3, 'none') });
      assert.equal(weighted.name, 'weightedCrossEntropy');
      assert.equal(plain.name, 'crossEntropy');
      tidy(() => {
        const logits = tensor(ref.logits, { shape: [12, 3] });
        const y = tensor(ref.target, { dtype: 'int64' });
        near(weighted.fn(logits, y).item(), ref.crossEntropy, 'weighted CE');
        near(plain.fn(logits, y).item(), ref.crossEntropyUnweighted, 'CE');
      });
    });
  });

  it("weighted binary cross-entropy equals torch's per-row weight=", async () => {
    await noLeaks(() => {
      const balance = classBalance(ref.binaryTarget, 2, 'balanced');
      const cost = chooseCostFunction('binary', 2, undefined, { balance });
      assert.equal(cost.name, 'weightedBinaryCrossEntropy');
      tidy(() => {
        const logits = tensor(ref.binaryLogits, { shape: [10, 1] });
        const y = tensor(ref.binaryTarget.map(Math.round), { dtype: 'int64' });
        near(cost.fn(logits, y).item(), ref.binaryCrossEntropy, 'weighted BCE');
        near(chooseCostFunction('binary', 2).fn(logits, y).item(), ref.binaryCrossEntropyUnweighted, 'BCE');
      });
    });
  });

  it('the cost-function decision states the measured ratio and the threshold', () => {
    const targets = [...new Array(80).fill(0), ...new Array(10).fill(1), ...new Array(10).fill(2)];
    const b = classBalance(targets, 3);
    assert.deepEqual([b.counts, b.ratio, b.imbalanced, b.weights], [[80, 10, 10], 8, true, null]);
    const reason = chooseCostFunction('multiclass', 3, undefined, { balance: b }).reason;
    assert.match(reason, /imbalanced/);
    assert.match(reason, /80\/10\/10/);
    assert.match(reason, /8\.0× the rows of the smallest \(imbalanced from 3×\)/);
    assert.match(reason, /--class-weights balanced/);
    const even = classBalance([0, 1, 2, 0, 1, 2], 3);
    assert.equal(even.imbalanced, false);
    assert.match(chooseCostFunction('multiclass', 3, undefined, { balance: even }).reason, /no class weights needed/);
    assert.equal(IMBALANCE_THRESHOLD, 3);
    // A class with no training rows: the ratio is infinite and said so.
    assert.equal(classBalance([0, 0, 1], 3).ratio, Infinity);
    assert.throws(() => classBalance([0, 1], 2, 'inverse' as any), /class weights must be one of balanced, none, got inverse/);
  });

  it('names the classes in its messages, as the target names them', () => {
    const targets = [...new Array(80).fill(0), ...new Array(10).fill(1), ...new Array(10).fill(2)];
    const b = classBalance(targets, 3, 'balanced', undefined, 'natural', ['libs', 'perl', 'utils']);
    assert.match(b.note, /training class counts libs 80, perl 10, utils 10:/);
    assert.match(b.note, /n\/\(k·count\) = libs 0\.417, perl 3\.33, utils 3\.33/);
    // Many classes: the first twenty, then how many more.
    const many = classBalance(Array.from({ length: 30 }, (_, i) => i), 30, 'none', undefined, 'natural', Array.from({ length: 30 }, (_, i) => `c${i}`));
    assert.match(many.note, /c19 1, and 10 more classes:/);
    // Without names (a caller that has none): the counts alone, as before.
    assert.match(classBalance(targets, 3).note, /training class counts 80\/10\/10:/);
    assert.equal(priorBaseline('multiclass', 3, targets, [0, 1], ['libs', 'perl', 'utils']).description, 'predict the training class frequencies (majority class libs)');
    assert.equal(priorBaseline('multiclass', 3, targets, [0, 1]).description, 'predict the training class frequencies (majority class 0)');
  });
});
