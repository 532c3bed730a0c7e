// Metric parity with scikit-learn 1.2: test/fixtures/metrics-reference.json,
// written by test/fixtures/generate_metrics.py (ties, absent classes, imbalance).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixturePath } from '../helpers.js';
import { confusionCounts, summarizeConfusion, rocAuc, averagePrecision, logLoss, regressionScores, evaluatePredictions, type Predictions } from '../../src/metrics/index.js';

const ref = JSON.parse(readFileSync(fixturePath('metrics-reference.json'), 'utf8'));

function close(actual: number | null, expected: number | null, what: string, tol = 1e-12): void {
  if (expected === null) return assert.equal(actual, null, `${what}: expected null, got ${actual}`);
  assert.ok(actual !== null && Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: expected ${expected}, got ${actual}`);
}

const closeAll = (a: ArrayLike<number>, e: ArrayLike<number>, what: string) => {
  assert.equal(a.length, e.length, what);
  for (let i = 0; i < e.length; i++) close(a[i], e[i], `${what}[${i}]`);
};

function predictionsOf(c: any): Predictions {
  const probabilities = c.k === 2 ? Float64Array.from((c.proba as number[]).flatMap((p) => [1 - p, p])) : Float64Array.from((c.proba as number[][]).flat());
  return { task: c.k === 2 ? 'binary' : 'multiclass', k: c.k, truth: Int32Array.from(c.truth), probabilities };
}

describe('classification metrics equal scikit-learn', () => {
  for (const c of ref.classification) {
    it(c.name, () => {
      const counts = confusionCounts(c.truth, c.pred, c.k);
      assert.deepEqual(counts, c.confusionMatrix);
      const s = summarizeConfusion(counts);
      closeAll(s.perClass.map((x) => x.precision), c.perClass.precision, 'precision');
      closeAll(s.perClass.map((x) => x.recall), c.perClass.recall, 'recall');
      closeAll(s.perClass.map((x) => x.f1), c.perClass.f1, 'f1');
      assert.deepEqual(s.perClass.map((x) => x.support), c.perClass.support);
      close(s.accuracy, c.accuracy, 'accuracy');
      close(s.macroF1, c.macroF1, 'macro F1');
      close(s.weightedF1, c.weightedF1, 'weighted F1');
      close(s.macroPrecision, c.macroPrecision, 'macro precision');
      close(s.macroRecall, c.macroRecall, 'macro recall');
      close(s.balancedAccuracy, c.balancedAccuracy, 'balanced accuracy');
      // The evaluation derives its predictions from the probabilities, as the fixture did.
      const e = evaluatePredictions(predictionsOf(c));
      assert.deepEqual(e.confusion, c.confusionMatrix);
      close(e.metrics.logLoss, c.logLoss, 'log loss', 1e-10);
      close(e.metrics.auc, c.auc, 'ROC AUC');
      close(e.metrics.averagePrecision, c.averagePrecision, 'average precision');
      if (c.k === 2) {
        close(e.metrics.f1, c.f1, 'binary f1');
        close(e.metrics.precision, c.precision, 'binary precision');
        close(e.metrics.recall, c.recall, 'binary recall');
      } else {
        close(e.metrics.f1, c.macroF1, 'multiclass f1 (macro)');
      }
    });
  }

  it('the ranking metrics take a bare positive-class column too', () => {
    const c = ref.classification.find((x: any) => x.name === 'binary ties');
    const pos = (c.truth as number[]).map((t) => t === 1);
    close(rocAuc(pos, c.proba), c.auc, 'auc');
    close(averagePrecision(pos, c.proba), c.averagePrecision, 'ap');
    close(logLoss(c.truth, c.proba, 2), c.logLoss, 'log loss', 1e-10);
  });

  it('AUC of a truth with one class is null, not a number', () => {
    assert.equal(rocAuc([true, true, true], [0.1, 0.5, 0.9]), null);
    assert.equal(averagePrecision([false, false], [0.1, 0.2]), null);
  });

  it('a class index outside 0..k-1 names the row', () => {
    assert.throws(() => confusionCounts([0, 1, 3], [0, 1, 1], 3), /row 2: class indices must lie in 0\.\.2, found truth 3/);
  });
});

describe('regression metrics equal scikit-learn', () => {
  for (const c of ref.regression) {
    it(c.name, () => {
      const r = regressionScores(c.truth, c.pred);
      close(r.rmse, c.rmse, 'rmse', 1e-10);
      close(r.mae, c.mae, 'mae', 1e-10);
      close(r.r2, c.r2, 'r2', 1e-10);
      close(r.mape, c.mape, 'mape', 1e-10);
    });
  }
});
