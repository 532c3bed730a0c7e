// Serving is never silently wrong: numeric fields take finite numbers only
// (422 naming the field otherwise), no prediction is ever null, values far
// outside the training range come back flagged, and prediction drift is
// measured against the model's own predictions on validation rows, since
// start and over a recent window.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Predictor, InputError, DriftMonitor, checkRows, rangeWarnings, predictionReference, readReferenceProfile, approximateProfile, createServer, listen, type Prediction, type Served } from '../../src/serve/index.js';
import { prepare, type Row } from '../../src/data/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { liveTensors } from '../../src/tensor/index.js';
import { CARS, PENGUINS, completeRows, trainModel } from './helpers.js';

let penguins: { project: string; model: string };
let cars: { project: string; model: string };
let baseline: number;

before(() => {
  penguins = trainModel(PENGUINS, 'Species');
  cars = trainModel(CARS, 'Miles_per_Gallon');
  baseline = liveTensors();
});

after(() => {
  assert.equal(liveTensors(), baseline, 'every predictor released its tensors');
  for (const m of [penguins, cars]) rmSync(dirname(m.project), { recursive: true, force: true });
});

const field = [{ name: 'x', kind: 'numeric' as const }];

test('numeric fields: booleans, strings and non-finite values are refused naming the field, expected and found', () => {
  for (const bad of [true, 'abc', '12', 'Infinity', 'NaN', {}]) {
    assert.throws(
      () => checkRows([{ x: 1 }, { x: bad }], field, new Set(['NA'])),
      (e: InputError) => e instanceof InputError && e.status === 422 && e.field === 'x' && e.row === 1 && /must be a finite JSON number/.test(e.message) && e.message.includes(JSON.stringify(bad)),
      JSON.stringify(bad),
    );
  }
  // Rows come back without a prototype (any field name is safe): compared as plain objects.
  assert.deepEqual(checkRows([{ x: 2.5 }, { x: null }, { x: 'NA' }], field, new Set(['NA'])).map((r) => ({ ...r })), [{ x: 2.5 }, { x: null }, { x: 'NA' }], 'numbers and explicit missing values pass');
});

test('a huge finite number is a 422 naming the field, never a null prediction; in-range rows predict finite values', () => {
  const p = Predictor.load(cars.model);
  try {
    const rows = completeRows(CARS, 'Miles_per_Gallon').slice(0, 5);
    const e = (() => {
      try {
        p.predict([rows[0], { ...rows[1], Horsepower: 1e308 }]);
      } catch (err) {
        return err as InputError;
      }
      return null;
    })();
    assert.ok(e instanceof InputError, 'refused');
    assert.equal(e.status, 422);
    assert.equal(e.field, 'Horsepower');
    assert.equal(e.row, 1);
    assert.match(e.message, /1e\+308/);
    for (const v of [1e30, -1e30, 1e6]) {
      const out = p.predict([{ ...rows[2], Horsepower: v }]);
      assert.ok(Number.isFinite(out[0].value), `Horsepower ${v}: ${out[0].value}`);
    }
  } finally {
    p.dispose();
  }
});

test('values far outside the training range are flagged; values inside are not', () => {
  const ranges = { a: { min: 0, max: 10 }, b: { min: 5, max: 5 } };
  const w = rangeWarnings([{ a: 5, b: 5 }, { a: 19, b: 5 }, { a: 21, b: 5 }, { a: -11, b: 6 }, { a: null, b: 'NA' }], ranges);
  assert.deepEqual(w, [
    { row: 2, field: 'a', value: 21, trainingRange: [0, 10] },
    { row: 3, field: 'a', value: -11, trainingRange: [0, 10] },
    { row: 3, field: 'b', value: 6, trainingRange: [5, 5] },
  ]);
});

test('the /predict response carries the warnings; the fit wrote validation predictions as the drift reference', async () => {
  const predictor = Predictor.load(cars.model);
  const store = openStore(cars.project);
  let served: Served | null = null;
  try {
    const profile = readReferenceProfile(predictor.dir, predictor.manifest, predictor.modelKey);
    assert.equal(profile.source, 'data');
    assert.equal(profile.predictions?.basis, 'validation predictions');
    served = createServer({ predictor, store });
    const url = await listen(served);
    const rows = completeRows(CARS, 'Miles_per_Gallon').slice(0, 3);
    const max = profile.features.Horsepower.kind === 'numeric' ? profile.features.Horsepower.max! : NaN;
    const r = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: [rows[0], { ...rows[1], Horsepower: max * 10 }] }) });
    assert.equal(r.status, 200);
    const j = (await r.json()) as { predictions: Prediction[]; warnings: unknown[] };
    assert.ok(j.predictions.every((p) => Number.isFinite(p.value)));
    assert.equal(j.warnings.length, 1);
    assert.deepEqual(j.warnings[0], { row: 1, field: 'Horsepower', value: max * 10, trainingRange: [(profile.features.Horsepower as any).min, max] });
    const bad = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: [{ ...rows[0], Horsepower: true }] }) });
    assert.equal(bad.status, 422);
    assert.equal(((await bad.json()) as { field: string }).field, 'Horsepower');
  } finally {
    await served?.close();
    predictor.dispose();
    store.close();
  }
});

async function validationRows(m: { project: string }, data: string, target: string): Promise<Row[]> {
  // The same project folder: the saved split gives back the very validation rows.
  const prepared = await prepare({ data, target, projectDir: m.project });
  return prepared.validationTable!.rows.filter((r) => Object.entries(r).every(([k, v]) => k === target || v !== null));
}

for (const [name, data, target, get] of [
  ['classification', PENGUINS, 'Species', () => penguins],
  ['regression', CARS, 'Miles_per_Gallon', () => cars],
] as const) {
  test(`${name}: serving the validation rows gives a prediction PSI of about 0 against the reference`, async () => {
    const m = get();
    const predictor = Predictor.load(m.model);
    try {
      const profile = readReferenceProfile(predictor.dir, predictor.manifest, predictor.modelKey);
      const rows = await validationRows(m, data, target);
      const monitor = new DriftMonitor(profile, { window: 20 });
      monitor.observe(rows, predictor.predict(rows));
      const d = monitor.report();
      assert.equal(d.predictions.basis, 'validation predictions');
      assert.equal(d.predictions.approximate, false);
      assert.ok(d.predictions.psi !== null && d.predictions.psi < 0.02, `prediction PSI ${d.predictions.psi}`);
      assert.equal(d.recent?.window, 20);
      assert.equal(d.recent?.rows, 20, 'the window holds the last 20 rows');
      assert.equal(d.recent?.recent, undefined);
    } finally {
      predictor.dispose();
    }
  });
}

test('the recent window shows fresh drift that the since-start counts dilute', () => {
  const profile = { format: 'sixstep-reference', version: 1, source: 'data', modelKey: 'k', rows: 100, features: { x: { kind: 'numeric', edges: [1, 2, 3], proportions: [0.25, 0.25, 0.25, 0.25], min: 0, max: 4, missing: 0 } }, predictions: { kind: 'classes', proportions: { a: 0.5, b: 0.5 }, basis: 'validation predictions' } } as const;
  const monitor = new DriftMonitor(profile as any, { window: 100 });
  const calm = Array.from({ length: 1000 }, (_, i) => ({ x: (i % 4) + 0.5 }));
  monitor.observe(calm, calm.map((_, i) => ({ id: String(i), label: i % 2 ? 'a' : 'b' })));
  const shifted = Array.from({ length: 100 }, () => ({ x: 3.5 }));
  monitor.observe(shifted, shifted.map((_, i) => ({ id: `s${i}`, label: 'a' })));
  const d = monitor.report();
  assert.ok(d.features.x.psi! < 0.25, `since start: ${d.features.x.psi}`);
  assert.deepEqual(d.drifted, []);
  assert.ok(d.recent!.features.x.psi! > 1, `recent: ${d.recent!.features.x.psi}`);
  assert.deepEqual(d.recent!.drifted, ['x']);
  assert.ok(d.recent!.predictions.psi! > d.predictions.psi!);
});

test('an approximate reference is marked as such; old profiles say their predictions reference was the training targets', () => {
  const manifest = JSON.parse(readFileSync(join(cars.model, 'manifest.json'), 'utf8'));
  const approx = approximateProfile(manifest, 'k');
  const monitor = new DriftMonitor(approx);
  monitor.observe([], []);
  const d = monitor.report();
  assert.equal(d.reference, 'approximate');
  assert.equal(d.predictions.basis, 'approximate');
  assert.equal(d.predictions.approximate, true);
  const old = new DriftMonitor({ ...approx, source: 'data', predictions: { kind: 'classes', proportions: { a: 1 } } }).report();
  assert.equal(old.predictions.basis, 'training targets');
  assert.equal(old.predictions.approximate, true);
  assert.deepEqual(predictionReference([{ id: '1', label: 'a' }, { id: '2', label: 'b' }, { id: '3', label: 'a' }]), { kind: 'classes', proportions: { a: 2 / 3, b: 1 / 3 }, basis: 'validation predictions' });
});
