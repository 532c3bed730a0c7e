// Error analysis on constructed cases whose answer is known: the most-confused
// pair, a planted mislabelled row at the top of the losses, calibration bins,
// and a pure-noise column whose permutation importance is ≈ 0 for a model
// trained on the data.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, tensor, tidy } from '../../src/tensor/index.js';
import { Linear, crossEntropy } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';
import { inferSchema, Preprocessor, tableFromRows, Rng } from '../../src/data/index.js';
import { mostConfused, topLosses, calibration, interpretPredictions, interpretTable, permutationImportance, type ClassTopLoss } from '../../src/interpret/index.js';
import type { Predictions } from '../../src/metrics/index.js';
import { noLeaks } from '../helpers.js';

const classes = ['cat', 'dog', 'fox'];

/** Confident, correct predictions of `truth`, except where `guess` overrides the predicted class. */
function confident(truth: number[], guess: Record<number, number> = {}, p = 0.9): Extract<Predictions, { k: number }> {
  const k = 3;
  const probabilities = new Float64Array(truth.length * k);
  truth.forEach((t, i) => {
    const c = guess[i] ?? t;
    for (let j = 0; j < k; j++) probabilities[i * k + j] = j === c ? p : (1 - p) / (k - 1);
  });
  return { task: 'multiclass', k, truth: Int32Array.from(truth), probabilities };
}

describe('interpret', () => {
  it('names the most-confused pair first', () => {
    // fox is taken for dog 3 times, dog for cat once, nothing else.
    const truth = [0, 0, 1, 1, 1, 2, 2, 2, 2, 2];
    const p = confident(truth, { 2: 0, 5: 1, 6: 1, 7: 1 });
    const v = interpretPredictions(p, { classes });
    assert.deepEqual(v.confusionMatrix!.counts, [[2, 0, 0], [1, 2, 0], [0, 3, 2]]);
    assert.deepEqual(v.mostConfused.map((x) => [x.truth, x.predicted, x.count]), [['fox', 'dog', 3], ['dog', 'cat', 1]]);
    assert.equal(v.mostConfused[0].shareOfTruth, 3 / 5);
    assert.deepEqual(mostConfused([[5, 0], [0, 5]], ['a', 'b']), []);
  });

  it('puts a planted mislabelled row at the top of the losses, with its truth, prediction and probability', () => {
    const truth = Array.from({ length: 40 }, (_, i) => i % 3);
    const p = confident(truth, {}, 0.8);
    // Row 16 is a dog the model calls a fox with 0.99: its label is wrong, or the model badly so.
    p.probabilities.set([0.005, 0.005, 0.99], 16 * 3);
    const rows = truth.map((t, i) => ({ id: i, label: classes[t] }));
    const v = interpretPredictions(p, { classes, top: 3, rows, lines: rows.map((_, i) => i + 2) });
    const first = v.topLosses[0] as ClassTopLoss & { values?: unknown; line?: number };
    assert.equal(first.index, 16);
    assert.equal(first.truth, 'dog');
    assert.equal(first.predicted, 'fox');
    assert.equal(first.probability, 0.99);
    assert.equal(first.truthProbability, 0.005);
    assert.ok(Math.abs(first.loss + Math.log(0.005)) < 1e-12);
    assert.deepEqual(first.values, { id: 16, label: 'dog' });
    assert.equal(first.line, 18);
    assert.equal(v.topLosses.length, 3);
  });

  it('regression: the largest errors first and residuals against prediction', () => {
    const p: Predictions = { task: 'regression', truth: Float64Array.from([1, 2, 3, 4]), predicted: Float64Array.from([1.1, 2, 9, 3.5]) };
    const t = topLosses(p, 2) as Array<{ index: number; error: number }>;
    assert.deepEqual(t.map((x) => x.index), [2, 3]);
    assert.equal(t[0].error, 6);
    const v = interpretPredictions(p);
    assert.equal(v.confusionMatrix, null);
    assert.equal(v.residuals!.points.length, 4);
    assert.ok(Math.abs(v.residuals!.points[2].residual + 6) < 1e-12);
  });

  it('calibration bins: a model that says 0.9 and is right 9 times in 10 is calibrated', () => {
    const truth = Array.from({ length: 10 }, () => 0);
    const p = confident(truth, { 9: 1 }, 0.9);
    const c = calibration(p);
    const bin = c.bins.find((b) => b.count)!;
    assert.equal(bin.count, 10);
    assert.ok(Math.abs(bin.meanPredicted! - 0.9) < 1e-12 && Math.abs(bin.observed! - 0.9) < 1e-12);
    assert.ok(c.ece < 1e-12);
  });

  it('permutation importance: a column the loss ignores scores exactly 0, spread included', async () => {
    const signal = [1, 2, 3, 4, 5, 6, 7, 8];
    const r = await permutationImportance({
      features: ['noise', 'signal'],
      rows: 8,
      repeats: 4,
      loss: async (f, order) => signal.reduce((a, s, i) => a + (s - (f === 'signal' ? signal[order![i]] : s)) ** 2, 0) / 8,
    });
    assert.equal(r.features[0].feature, 'signal');
    assert.ok(r.features[0].mean > 0);
    const noise = r.features.find((x) => x.feature === 'noise')!;
    assert.deepEqual([noise.mean, noise.std, noise.values.length], [0, 0, 4]);
  });

  it('a trained table model: the pure-noise column has importance ≈ 0, the signal column a large one', async () => {
    await noLeaks(async () => {
      const rng = new Rng(3);
      const rows = Array.from({ length: 300 }, () => {
        const x = rng.next() * 4 - 2;
        return { signal: x, noise: rng.next() * 4 - 2, label: x > 0 ? 'up' : 'down' };
      });
      const table = tableFromRows(rows);
      const schema = inferSchema(table, { target: 'label' });
      const pre = Preprocessor.fit(table, schema);
      const enc = pre.transform(table);
      manualSeed(0);
      const model = new Linear({ inFeatures: enc.features.length, outFeatures: 2 });
      const opt = new SGD({ params: model.parameters(), lr: 0.5 });
      const x = tensor(enc.x, { shape: [enc.n, enc.features.length] });
      const y = tidy(() => tensor(enc.y as Int32Array, { shape: [enc.n] }).to('int64'));
      try {
        for (let s = 0; s < 200; s++) {
          tidy(() => crossEntropy(model.forward(x), y).backward());
          opt.step();
          opt.zeroGrad();
        }
        const v = await interpretTable({ model, preprocessor: pre.toJSON(), task: 'multiclass', classes: pre.classes, table, features: ['signal', 'noise'], repeats: 5, seed: 1 });
        const imp = Object.fromEntries(v.featureImportance!.features.map((f) => [f.feature, f]));
        assert.ok(imp.signal.mean > 0.5, `signal importance ${imp.signal.mean}`);
        // ≈ 0: small against the signal's and within a few spreads of zero.
        assert.ok(Math.abs(imp.noise.mean) < 0.05 * imp.signal.mean, `noise importance ${imp.noise.mean} against ${imp.signal.mean}`);
        assert.ok(v.metrics.accuracy! > 0.9, `accuracy ${v.metrics.accuracy}`);
        assert.equal(v.rows, 300);
        assert.equal(v.topLosses.length, 10);
        assert.ok('values' in v.topLosses[0]);
      } finally {
        x.dispose();
        y.dispose();
        opt.dispose();
        model.dispose();
      }
    });
  });
});
