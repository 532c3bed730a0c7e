// Step 5's explanation of a test loss much worse than validation: splits that
// differ (labels, features, a later period) are a shift; splits drawn alike
// leave noise in the validation set as the likelier cause.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, inferSchema, tableFromRows, type Table } from '../../src/data/index.js';
import { shiftOrNoise } from '../../src/steps/shift_or_noise.js';

const day = (i: number) => new Date(Date.UTC(2014, 0, 1) + i * 86400000).toISOString().slice(0, 10);

function rows(n: number, seed: number, o: { mean: number; pb: number; start: number; regression?: boolean }): Table {
  const rng = new Rng(seed);
  return tableFromRows(Array.from({ length: n }, (_, i) => {
    const x = o.mean + rng.normal();
    return { date: day(o.start + i), x, kind: ['u', 'v', 'w'][rng.int(3)], y: o.regression ? 2 * x + rng.normal() : rng.next() < o.pb ? 'b' : 'a' };
  }));
}

test('splits that differ in class shares and a feature, in a later period: a shift, with the numbers', () => {
  const validation = rows(300, 1, { mean: 0, pb: 0.5, start: 0 });
  const testRows = rows(300, 2, { mean: 0.8, pb: 0.85, start: 400 });
  const schema = inferSchema(validation, { target: 'y' });
  const d = shiftOrNoise({ schema, validation, test: testRows, testLoss: 0.9, validationLoss: 0.6, timeColumn: 'date', timeFlag: '--split-by time:date' });
  assert.equal(d.verdict, 'shift');
  assert.ok(d.labels?.significant && d.labels.value >= 0.25, JSON.stringify(d.labels));
  assert.equal(d.features[0].column, 'x');
  assert.ok(d.features[0].significant);
  assert.ok(!d.features.find((f) => f.column === 'kind')?.significant, 'an undrifted feature is not blamed');
  assert.equal(d.times?.testAfterValidation, true);
  assert.match(d.message, /the test loss 0\.9000 is much worse than the validation loss 0\.6000, and the splits differ: class shares \(total variation 0\.\d+, p < 1e-6/);
  assert.match(d.message, /features "x" \(KS/);
  assert.match(d.message, /the data changed between the validation and the test period/);
  assert.match(d.message, /--split-by time:date/);
});

test('splits drawn alike: noise in the validation set, with the largest difference quoted', () => {
  const validation = rows(300, 3, { mean: 0, pb: 0.5, start: 0 });
  const testRows = rows(300, 4, { mean: 0, pb: 0.5, start: 0 });
  const schema = inferSchema(validation, { target: 'y' });
  const d = shiftOrNoise({ schema, validation, test: testRows, testLoss: 0.9, validationLoss: 0.6, timeColumn: 'date' });
  assert.equal(d.verdict, 'noise');
  assert.match(d.message, /validation and test look alike \(class shares total variation 0\.\d+, p 0\.\d+; largest feature difference "(x|kind)" .* over 2 features; periods: .* \(overlapping\)\): the tuning may have fit noise in the validation set/);
});

test('regression: a shifted target is a shift; the same target is noise', () => {
  const validation = rows(250, 5, { mean: 0, pb: 0, start: 0, regression: true });
  const schema = inferSchema(validation, { target: 'y' });
  assert.equal(shiftOrNoise({ schema, validation, test: rows(250, 6, { mean: 1, pb: 0, start: 0, regression: true }), testLoss: 2, validationLoss: 1 }).verdict, 'shift');
  assert.equal(shiftOrNoise({ schema, validation, test: rows(250, 7, { mean: 0, pb: 0, start: 0, regression: true }), testLoss: 2, validationLoss: 1 }).verdict, 'noise');
});
