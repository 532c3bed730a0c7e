// Error-analysis metrics per split: stored, replaced, read back in split order.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';

describe('store: split metrics', () => {
  it('stores each split once, replaces it, keeps NaN as null, and refuses unknown splits', () => {
    const store = openStore(mkdtempSync(join(tmpdir(), 'sixstep-split-metrics-')));
    try {
      const run = store.createRun({ kind: 'fit' });
      store.putSplitMetrics(run.id, { split: 'validation', rows: 10, metrics: { f1: 0.5, auc: null }, detail: { confusion: [[3, 2], [0, 5]] } });
      store.putSplitMetrics(run.id, { split: 'train', rows: 40, metrics: { f1: 0.9, auc: NaN } });
      store.putSplitMetrics(run.id, { split: 'validation', rows: 10, metrics: { f1: 0.7, auc: 0.8 } });
      const got = store.splitMetrics(run.id);
      assert.deepEqual(got.map((g) => [g.split, g.rows, g.metrics.f1, g.metrics.auc]), [['train', 40, 0.9, null], ['validation', 10, 0.7, 0.8]]);
      assert.throws(() => store.putSplitMetrics(run.id, { split: 'holdout' as any, rows: 1, metrics: {} }), /split must be one of train, validation, test, got holdout/);
    } finally {
      store.close();
    }
  });
});
