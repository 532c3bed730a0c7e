import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Predictor, InputError, DriftMonitor, writeReferenceProfile, readReferenceProfile, approximateProfile, psi, quantileBins } from '../../src/serve/index.js';
import { ModelDirError } from '../../src/artifact/index.js';
import { DataError, readTable, tableFromRows, type Row, type Schema } from '../../src/data/index.js';
import type { Preprocessing } from '../../src/data/prepare.js';
import { noLeaks } from '../helpers.js';
import { PENGUINS, completeRows, runCli, trainModel } from './helpers.js';

let model: string;
let project: string;
let scratch: string;
const rows = completeRows(PENGUINS, 'Species');

before(() => {
  ({ model, project } = trainModel(PENGUINS, 'Species'));
  scratch = mkdtempSync(join(tmpdir(), 'sixstep-serve-copies-'));
});

after(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(dirname(project), { recursive: true, force: true });
});

function copyModel(name: string): string {
  const dir = join(scratch, name);
  cpSync(model, dir, { recursive: true });
  return dir;
}

test('predicts every class with probabilities that sum to 1, each with its own id', async () => {
  await noLeaks(() => {
    const p = Predictor.load(model);
    try {
      assert.equal(p.task, 'multiclass');
      assert.deepEqual(p.classes, ['Adelie', 'Chinstrap', 'Gentoo']);
      const out = p.predict(rows.slice(0, 50));
      assert.equal(out.length, 50);
      assert.equal(new Set(out.map((o) => o.id)).size, 50);
      for (const o of out) {
        const total = Object.values(o.probabilities!).reduce((s, v) => s + v, 0);
        assert.ok(Math.abs(total - 1) < 1e-5, `probabilities sum to ${total}`);
        assert.ok(p.classes!.includes(o.label!));
      }
      // Trained for a few epochs on easy data: most training rows come out right.
      const right = out.filter((o, i) => o.label === rows[i].Species).length;
      assert.ok(right >= 40, `${right}/50 right`);
    } finally {
      p.dispose();
    }
  });
});

test('unseen categories go through the reserved <unknown> entry, missing values get the training fill', async () => {
  await noLeaks(() => {
    const p = Predictor.load(model);
    try {
      const base = rows[0];
      const [a, b, gap, na] = p.predict([
        { ...base, Island: 'Atlantis' },
        { ...base, Island: 'Lemuria' },
        { ...base, 'Body Mass (g)': null },
        { ...base, 'Body Mass (g)': 'NA' },
      ]);
      assert.deepEqual(a.probabilities, b.probabilities, 'two unseen islands encode the same');
      assert.deepEqual(gap.probabilities, na.probabilities, 'null and a missing token are both missing');
      // The same rows through the preprocessor directly report the unknown category.
      const enc = p.preprocessor.transform(tableFromRows([{ ...base, Island: 'Atlantis' }]));
      assert.equal(enc.report.unknown.Island, 1);
    } finally {
      p.dispose();
    }
  });
});

test('a missing or wrong-typed field is an InputError naming the field and the row', async () => {
  await noLeaks(() => {
    const p = Predictor.load(model);
    try {
      const { Sex: _drop, ...noSex } = rows[1];
      assert.throws(() => p.predict([rows[0], noSex]), (e: unknown) => e instanceof InputError && e.field === 'Sex' && e.row === 1 && e.problem === 'missing' && /Sex/.test(e.message));
      assert.throws(() => p.predict([{ ...rows[0], 'Body Mass (g)': 'heavy' }]), (e: unknown) => e instanceof InputError && e.field === 'Body Mass (g)' && e.row === 0 && e.problem === 'type' && e.status === 422);
      assert.throws(() => p.predict([{ ...rows[0], Island: { name: 'Biscoe' } }]), (e: unknown) => e instanceof InputError && e.field === 'Island');
      assert.throws(() => p.predict({ rows: [] }), (e: unknown) => e instanceof InputError && e.field === 'rows');
      assert.throws(() => p.predict([42]), (e: unknown) => e instanceof InputError && e.field === 'rows' && e.row === 0);
    } finally {
      p.dispose();
    }
  });
});

test('batch prediction keeps the training rules: DataError with file and line, lenient skips and reports', async () => {
  const file = join(scratch, 'batch.json');
  const batch = rows.slice(0, 6).map((r) => ({ ...r }));
  batch[3]['Flipper Length (mm)'] = 'long';
  writeFileSync(file, JSON.stringify(batch, null, 1));
  const table = await readTable(file);
  await noLeaks(() => {
    const p = Predictor.load(model);
    try {
      assert.throws(() => p.predictTable(table), (e: unknown) => e instanceof DataError && e.file === file && e.line === table.lines[3] && /Flipper Length/.test(e.message));
      const r = p.predictTable(table, { lenient: true });
      assert.equal(r.predictions.length, 5);
      assert.deepEqual(r.report.skipped.map((s) => s.line), [table.lines[3]]);
      assert.ok(!r.lines.includes(table.lines[3]));
      const noIsland = tableFromRows(rows.slice(0, 2).map(({ Island: _i, ...rest }) => rest), 'x.json');
      assert.throws(() => p.predictTable(noIsland), (e: unknown) => e instanceof DataError && /Island/.test(e.message));
    } finally {
      p.dispose();
    }
  });
});

test('corrupted model directories are refused with the file named', () => {
  const flipped = copyModel('flipped');
  const w = join(flipped, 'model.safetensors');
  const bytes = readFileSync(w);
  bytes[bytes.length - 3] ^= 0xff;
  writeFileSync(w, bytes);
  assert.throws(() => Predictor.load(flipped), (e: unknown) => e instanceof ModelDirError && e.file === w && /model\.safetensors/.test(e.message));

  const truncated = copyModel('truncated');
  const t = join(truncated, 'model.safetensors');
  truncateSync(t, Math.floor(statSync(t).size / 2));
  assert.throws(() => Predictor.load(truncated), (e: unknown) => e instanceof ModelDirError && /model\.safetensors/.test(e.message));

  const edited = copyModel('edited');
  const m = join(edited, 'manifest.json');
  writeFileSync(m, readFileSync(m, 'utf8').replace('"multiclass"', '"regression"'));
  assert.throws(() => Predictor.load(edited), (e: unknown) => e instanceof ModelDirError && /manifest\.json/.test(e.message));

  // The CLI says the same and exits with the model code.
  const r = runCli(['predict', '--model', flipped, '--data', PENGUINS]);
  assert.equal(r.status, 4);
  assert.match(r.stderr, /model\.safetensors: checksum mismatch/);
});

test('the reference profile is verified and bound to its model', async () => {
  const dir = copyModel('with-reference');
  const table = await readTable(PENGUINS);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const schema = (manifest.preprocessing as Preprocessing & { schema: Schema }).schema;
  const file = writeReferenceProfile(dir, table, schema);
  await noLeaks(() => {
    const p = Predictor.load(dir);
    try {
      const ref = readReferenceProfile(p.dir, p.manifest, p.modelKey);
      assert.equal(ref.source, 'data');
      assert.equal(ref.rows, table.rows.length);
      const mass = ref.features['Body Mass (g)'];
      assert.equal(mass.kind, 'numeric');
      assert.ok(mass.kind === 'numeric' && mass.min === 2700 && mass.max === 6300);
      writeFileSync(file, readFileSync(file, 'utf8').replace('Body Mass', 'Body Maas'));
      assert.throws(() => readReferenceProfile(p.dir, p.manifest, p.modelKey), (e: unknown) => e instanceof ModelDirError && /reference\.json/.test(e.message));
      assert.throws(() => readReferenceProfile(p.dir, p.manifest, 'another-model'), (e: unknown) => e instanceof ModelDirError && /reference\.json/.test(e.message));
    } finally {
      p.dispose();
    }
  });
});

/** Rows with a heavier body mass (numeric shift) and an island never seen (categorical shift). */
function shifted(): Row[] {
  return rows.map((r) => ({ ...r, 'Body Mass (g)': (r['Body Mass (g)'] as number) + 3000, Island: 'Atlantis' }));
}

test('a shifted stream raises the drift of exactly the shifted features (measured reference)', async () => {
  const table = await readTable(PENGUINS);
  const dir = copyModel('drift');
  const schema = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).preprocessing.schema as Schema;
  writeReferenceProfile(dir, table, schema);
  await noLeaks(() => {
    const p = Predictor.load(dir);
    try {
      const ref = readReferenceProfile(p.dir, p.manifest, p.modelKey);
      const calm = new DriftMonitor(ref);
      calm.observe(rows, p.predict(rows));
      const c = calm.report();
      for (const [name, f] of Object.entries(c.features)) {
        assert.ok(f.psi !== null && f.psi < 0.1, `${name}: psi ${f.psi} on the training rows`);
        assert.equal(f.unseen ?? 0, 0, `${name}: unseen`);
        assert.equal(f.outOfRange ?? 0, 0, `${name}: out of range`);
      }
      assert.deepEqual(c.drifted, []);
      assert.ok(c.predictions.psi !== null && c.predictions.psi < 0.1);

      const drift = new DriftMonitor(ref);
      const moved = shifted();
      drift.observe(moved, p.predict(moved));
      const d = drift.report();
      assert.deepEqual(d.drifted.sort(), ['Body Mass (g)', 'Island']);
      assert.ok(d.features['Body Mass (g)'].outOfRange! > 0.5);
      assert.equal(d.features.Island.unseen, 1);
      for (const name of ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Sex']) {
        assert.ok(d.features[name].psi! < 0.1, `${name} did not move`);
        assert.equal(d.features[name].outOfRange ?? 0, 0);
      }
    } finally {
      p.dispose();
    }
  });
});

test('without reference.json the manifest still gives normal bins and the vocabularies', async () => {
  await noLeaks(() => {
    const p = Predictor.load(model);
    try {
      const ref = approximateProfile(p.manifest, p.modelKey);
      assert.equal(ref.source, 'approximate');
      const m = new DriftMonitor(ref);
      m.observe(shifted(), []);
      const d = m.report();
      assert.ok(d.features['Body Mass (g)'].psi! > 1, `psi ${d.features['Body Mass (g)'].psi}`);
      assert.ok(d.features['Beak Depth (mm)'].psi! < 0.25, `psi ${d.features['Beak Depth (mm)'].psi}`);
      assert.equal(d.features.Island.unseen, 1);
      assert.equal(d.features['Beak Depth (mm)'].outOfRange, null, 'no range without the training rows');
    } finally {
      p.dispose();
    }
  });
});

test('psi: zero for identical shares, large for a moved distribution', () => {
  const { edges, proportions } = quantileBins(Array.from({ length: 1000 }, (_, i) => i));
  assert.equal(edges.length, 9);
  assert.ok(Math.abs(psi(proportions, proportions.map((x) => x * 100))!) < 1e-12);
  const moved = new Array(proportions.length).fill(0);
  moved[moved.length - 1] = 100;
  assert.ok(psi(proportions, moved)! > 2);
  assert.equal(psi(proportions, new Array(proportions.length).fill(0)), null);
});
