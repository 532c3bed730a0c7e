// The dashboard's drift view data: served models' per-feature drift with a chart spec.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';
import { ServeRecords } from '../../src/serve/records.js';
import { answer } from '../../src/ui/api.js';

describe('dashboard drift API', () => {
  it('lists nothing before serving, then each served model\'s features with PSI', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-drift-'));
    const store = openStore(dir);
    try {
      assert.deepEqual((answer({ store } as any, ['drift'], new URLSearchParams()) as any).models, []);
      const rec = new ServeRecords(store, { key: 'k1', dir: '/models/m1', task: 'multiclass', metric: 'accuracy', testValue: 0.9 });
      rec.saveDrift({ rows: 100, features: { mass: { n: 100, psi: 0.8, outOfRange: 0.3, unseen: 0, missing: 0 }, island: { n: 100, psi: 0.01, outOfRange: 0, unseen: 0.02, missing: 0 } }, predictions: { n: 100, psi: 0.1 } } as any);
      rec.close();
      const d = answer({ store } as any, ['drift'], new URLSearchParams()) as any;
      assert.equal(d.models.length, 1);
      assert.equal(d.models[0].modelDir, '/models/m1');
      assert.deepEqual(d.models[0].features.map((f: any) => f.name).sort(), ['island', 'mass']);
      assert.equal(d.models[0].chart.data.values.find((v: any) => v.feature === 'mass').psi, 0.8);
    } finally {
      store.close();
    }
  });
});
