// The seed's stock example, on real data: predicting next month's price from
// the previous three finds no signal beyond "copy last month's price".
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stocksLagsCsv } from '../../examples/stocks_lags.js';
import { prepare } from '../../src/data/prepare.js';
import { chooseCostFunction } from '../../src/steps/cost_function.js';
import { proposeArchitecture } from '../../src/steps/architecture.js';
import { fitTrainingSet } from '../../src/steps/fit_training_set.js';
import { meanBaseline, copyBaseline, strongest } from '../../src/steps/baseline.js';
import { fitVerdict } from '../../src/steps/diagnosis.js';
import { noLeaks } from '../helpers.js';

describe('cannot fit: stocks.csv', () => {
  it('reports no signal beyond the naive baseline instead of claiming success', () => noLeaks(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-stocks-'));
    const data = join(dir, 'stocks-lags.csv');
    writeFileSync(data, stocksLagsCsv());
    // Prices in time: validated on later months than the model learned from.
    const p = await prepare({ data, target: 'price', projectDir: dir, splitBy: { kind: 'time', column: 'date' } });
    assert.equal(p.task, 'regression');
    assert.ok(p.trainTable!.rows.every((r) => String(r.date) < String(p.validationTable!.rows[0].date)), 'training months before validation months');
    const tr = p.targets('train');
    const va = p.targets('validation');
    const baseline = strongest([meanBaseline(tr, va), ...p.copyCandidates.map((c) => copyBaseline(c.column, c.predictions, va))]);
    assert.equal(baseline.name, 'copy price_lag1', "yesterday's value is the strongest naive baseline");
    const cost = chooseCostFunction(p.task, 0);
    const arch = proposeArchitecture(p.archInput);
    // 20 epochs of its 6 steps: the training a no-signal verdict needs (fewer would be "undecided").
    const r = await fitTrainingSet(p, { spec: arch.spec, cost, epochs: 20 });
    try {
      // Against the mean, the model looks brilliant; against yesterday's price it has nothing.
      const best = r.best!;
      assert.ok(best.validLoss! < meanBaseline(tr, va).loss / 5, 'far better than predicting the mean');
      const verdict = fitVerdict(baseline, { trainLoss: best.trainLoss, validLoss: best.validLoss! }, { evidence: r.evidence });
      assert.equal(verdict.verdict, 'no-signal', verdict.message);
      assert.match(verdict.message, /may not carry the information/);
    } finally {
      r.dispose();
    }
  }));
});
