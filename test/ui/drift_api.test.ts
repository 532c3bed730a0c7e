// The dashboard's drift view data: served models' per-feature drift with a chart spec.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';
import { ServeRecords } from '../../src/serve/records.js';
import { answer } from '../../src/ui/api.js';
import { binLabel } from '../../src/ui/image_drift.js';
import { IMAGE_MODEL, makeProject } from './fixture.js';

/** The names a chart's axis shows for the indices its data holds (plot/names.ts). */
function axisNames(chart: unknown): string[] {
  const expr = /"labelExpr":"((?:[^"\\]|\\.)*)"/.exec(JSON.stringify(chart))![1];
  return new Function(`return ${JSON.parse(`"${expr}"`).replace('[datum.value]', '')}`)() as string[];
}

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
      const features = axisNames(d.models[0].chart);
      assert.equal(d.models[0].chart.data.values.find((v: any) => features[v.feature] === 'mass').psi, 0.8);
    } finally {
      store.close();
    }
  });

  it("an image server's drift: channels, size and aspect distributions against training, predictions against the validation predictions", () => {
    const store = openStore(makeProject());
    try {
      const m = (answer({ store } as any, ['drift'], new URLSearchParams()) as any).models.find((x: any) => x.modelDir === IMAGE_MODEL);
      assert.ok(m.image, 'an image view');
      assert.deepEqual(m.image.channels.map((c: any) => c.name), ['red', 'green', 'blue']);
      // Half the served images are bright (240): the channel means move above the training range.
      assert.equal(m.image.channels[0].outOfRange, 0.5);
      assert.ok(m.image.channels[0].servedMean > m.image.channels[0].max && m.image.channels[0].max < 240 / 255);
      assert.deepEqual(m.image.shape.map((s: any) => s.name), ['width', 'height', 'aspect']);
      const widths = m.image.shapeChart.data.values.filter((v: any) => v.statistic === 'width');
      const served = widths.filter((v: any) => v.series === 'served').reduce((a: number, v: any) => a + v.share, 0);
      assert.ok(Math.abs(served - 1) < 1e-12, 'served shares of the width bins sum to 1');
      assert.equal(m.image.predictions.basis, 'validation predictions');
      const classes = axisNames(m.image.predictionChart);
      const red = m.image.predictionChart.data.values.filter((v: any) => classes[v.class] === 'red');
      assert.deepEqual(red.map((v: any) => v.share), [0.5, 6 / 8], 'reference 3 of 6 validation predictions; served 6 of 8');
      assert.equal((answer({ store } as any, ['drift'], new URLSearchParams()) as any).models.filter((x: any) => x.modelDir !== IMAGE_MODEL && x.image).length, 0);
    } finally {
      store.close();
    }
  });

  it('bins are labelled by their edges', () => {
    assert.deepEqual([0, 1, 2].map((i) => binLabel([20, 22.5], i)), ['≤ 20', '20–22.5', '> 22.5']);
    assert.equal(binLabel([], 0), 'all');
  });
});
