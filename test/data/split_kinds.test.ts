// Splits by time and by group, their folds, the manifest that records them,
// and the data-layer fixes around splitting: kinds from the training rows,
// duplicates across fold sides, seeded fractions, identical re-application.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, Rng, SplitManifestError, assignGroupSplits, assignTimeSplits, inferSchema, prepare, readTable, splitTable, subsetEncoded, tableFingerprints, tableFromRows, timeFolds, type Row, type Table } from '../../src/data/index.js';
import { makeFolds } from '../../src/data/folds.js';
import { PENGUINS, tempDir } from './helpers.js';

const day = (i: number) => new Date(Date.UTC(2020, 0, 1) + i * 86400000).toISOString().slice(0, 10);
const ms = (s: unknown) => Date.parse(`${s}T00:00:00Z`);
const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), -Infinity);
const min = (xs: number[]) => xs.reduce((a, b) => Math.min(a, b), Infinity);

/** 500 rows on 120 days in shuffled order (many rows share a day). */
function timed(seed = 1): Table {
  const rng = new Rng(seed);
  return tableFromRows(Array.from({ length: 500 }, (_, i) => ({ date: day(rng.int(120)), x: rng.normal(), y: rng.next() < 0.5 ? 'a' : 'b', n: i })), 'timed.csv');
}

/** `groups` patients with 1–8 rows each; a patient's rows share a class (mostly). */
function grouped(groups = 100, seed = 2): Table {
  const rng = new Rng(seed);
  const rows: Row[] = [];
  for (let g = 0; g < groups; g++) {
    const cls = rng.next() < 0.3 ? 'sick' : 'well';
    for (let k = 1 + rng.int(8); k > 0; k--) rows.push({ patient: `P${g}`, age: 20 + rng.int(60), x: rng.normal(), y: rng.next() < 0.9 ? cls : cls === 'sick' ? 'well' : 'sick' });
  }
  return tableFromRows(rng.shuffle(rows) as Row[], 'grouped.csv');
}

function csv(t: Table): string {
  return `${[t.columns.join(','), ...t.rows.map((r) => t.columns.map((c) => String(r[c] ?? '')).join(','))].join('\n')}\n`;
}

test('a time split: every training time before every validation time before every test time; shares kept; ties never straddle', async () => {
  const t = timed();
  const schema = inferSchema(t, { target: 'y' });
  const s = await splitTable(t, { schema, by: { kind: 'time', column: 'date' } });
  const times = (x: Table) => x.rows.map((r) => ms(r.date));
  const test = s.test.unseal('time split test: check order');
  assert.ok(max(times(s.train)) < min(times(s.validation)), 'training before validation');
  assert.ok(max(times(s.validation)) < min(times(test)), 'validation before test');
  assert.equal(s.train.rows.length + s.validation.rows.length + test.rows.length, 500);
  for (const [n, share] of [[s.validation.rows.length, 0.15], [test.rows.length, 0.15]]) assert.ok(Math.abs(n - share * 500) <= 10, `${n} rows for a share of ${share}`);
  assert.deepEqual(s.manifest.splitBy, { kind: 'time', column: 'date' });
  assert.equal(s.manifest.stratified, false);
  // The pure function: the latest rows are test, whatever the file order.
  const a = assignTimeSplits([5, 1, 4, 2, 3, 9, 8, 7, 6, 0], 0.2, 0.2);
  assert.deepEqual(a, { train: [0, 1, 2, 3, 4, 9], validation: [7, 8], test: [5, 6] });
  // A supplied test set: validation is the latest rows of the data.
  const u = await splitTable(t, { schema, by: { kind: 'time', column: 'date' }, testSet: tableFromRows([{ date: day(300), x: 0, y: 'a', n: -1 }]) });
  assert.ok(max(times(u.train)) < min(times(u.validation)));
  assert.equal(u.manifest.sources.test, 'user');
});

test('rows without a time are refused with their count and lines, or (--lenient) left out of every split and listed', async (t) => {
  const table = timed();
  table.rows[3].date = '';
  table.rows[7].date = 'soon';
  const schema = inferSchema(table, { target: 'y' });
  const err = await splitTable(table, { schema, by: { kind: 'time', column: 'date' } }).catch((e) => e);
  assert.ok(err instanceof DataError && !(err instanceof SplitManifestError), String(err));
  assert.match(err.message, /2 rows without one \(lines 4, 8\)/);
  assert.match(err.message, /--lenient/);
  const s = await splitTable(table, { schema, by: { kind: 'time', column: 'date' }, lenient: true });
  assert.match(s.notes.join(' '), /2 rows without a time in "date" left out of every split \(--lenient; lines 4, 8\)/);
  const dropped = s.assignments.filter((a) => a.split === 'dropped');
  assert.deepEqual(dropped.map((a) => [a.row, a.reason]), [[4, 'no value in time column "date"'], [8, 'not a date in time column "date"']]);
  assert.deepEqual(s.assignments.map((a) => a.row), Array.from({ length: 500 }, (_, i) => i + 1), 'every row once');
  // Through prepare: the same refusal is a data error naming the file.
  const dir = tempDir(t);
  writeFileSync(join(dir, 'd.csv'), csv(table));
  await assert.rejects(prepare({ data: join(dir, 'd.csv'), target: 'y', projectDir: dir, splitBy: { kind: 'time', column: 'date' } }), /d\.csv:5: expected a date or time in column "date"/);
});

test('a group split leaves no group in two splits, keeps the shares roughly and the class shares where groups allow; seeded', async () => {
  const t = grouped();
  const schema = inferSchema(t, { target: 'y' });
  const s = await splitTable(t, { schema, seed: 3, by: { kind: 'group', column: 'patient' } });
  const test = s.test.unseal('group split test');
  const groupsOf = (x: Table) => new Set(x.rows.map((r) => r.patient));
  const [a, b, c] = [groupsOf(s.train), groupsOf(s.validation), groupsOf(test)];
  for (const g of b) assert.ok(!a.has(g) && !c.has(g), `${g} in validation and elsewhere`);
  for (const g of c) assert.ok(!a.has(g), `${g} in test and training`);
  const n = t.rows.length;
  assert.equal(s.train.rows.length + s.validation.rows.length + test.rows.length, n);
  assert.ok(Math.abs(s.validation.rows.length - 0.15 * n) <= 8 && Math.abs(test.rows.length - 0.15 * n) <= 8, `${s.validation.rows.length}, ${test.rows.length} of ${n}`);
  const sick = (x: Table) => x.rows.filter((r) => r.y === 'sick').length / x.rows.length;
  assert.ok(Math.abs(sick(s.validation) - sick(t)) < 0.08 && Math.abs(sick(test) - sick(t)) < 0.08, `sick share ${sick(s.validation)}, ${sick(test)} against ${sick(t)}`);
  const again = assignGroupSplits(t.rows.map((r) => String(r.patient)), null, 3, 0.15, 0.15);
  assert.deepEqual(again, assignGroupSplits(t.rows.map((r) => String(r.patient)), null, 3, 0.15, 0.15), 'same seed, same split');
  assert.notDeepEqual(again.test, assignGroupSplits(t.rows.map((r) => String(r.patient)), null, 4, 0.15, 0.15).test, 'another seed, another split');
});

test('forward-chaining folds: each fold validates on a later period than all it trains on; the periods follow each other', () => {
  const rng = new Rng(4);
  const times = Array.from({ length: 103 }, () => rng.int(60));
  const folds = timeFolds(times, 4);
  assert.equal(folds.length, 4);
  let seen = 0;
  folds.forEach((f, i) => {
    assert.ok(max(f.train.map((r) => times[r])) < min(f.validation.map((r) => times[r])), `fold ${i + 1}: training before validation`);
    if (i > 0) assert.deepEqual(f.train, [...folds[i - 1].train, ...folds[i - 1].validation].sort((a, b) => a - b), 'each fold trains on all earlier periods');
    seen += f.validation.length;
  });
  assert.equal(new Set(folds.flatMap((f) => f.validation)).size, seen, 'validation periods do not overlap');
  assert.throws(() => timeFolds([1, 2, 3], 3), DataError);
});

test('prepare with a time split: folds chain forward; with --group: each group in one fold, and the group column is not a feature', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'timed.csv'), csv(timed()));
  const pt = await prepare({ data: join(dir, 'timed.csv'), target: 'y', projectDir: dir, splitBy: { kind: 'time', column: 'date' } });
  const ft = makeFolds(pt, 3, 0);
  assert.deepEqual(ft.by, { kind: 'time', column: 'date' });
  for (const f of ft.folds) {
    const tr = f.prepared.trainTable!.rows.map((r) => ms(r.date));
    const va = f.prepared.validationTable!.rows.map((r) => ms(r.date));
    assert.ok(max(tr) < min(va), `fold ${f.index + 1} validates on a later period`);
  }
  writeFileSync(join(dir, 'grouped.csv'), csv(grouped()));
  const pg = await prepare({ data: join(dir, 'grouped.csv'), target: 'y', projectDir: dir, splitBy: { kind: 'group', column: 'patient' } });
  assert.equal(pg.preprocessing.kind === 'tabular' && pg.preprocessing.schema.columns.find((c) => c.name === 'patient')?.role, 'dropped');
  assert.ok(pg.preprocessing.kind === 'tabular' && !pg.preprocessing.preprocessor.featureNames.some((n) => n.startsWith('patient')));
  const fg = makeFolds(pg, 5, 0);
  const owner = new Map<unknown, number>();
  for (const f of fg.folds) {
    const mine = new Set(f.prepared.validationTable!.rows.map((r) => r.patient));
    for (const g of mine) {
      assert.ok(!owner.has(g), `${g} validated in two folds`);
      owner.set(g, f.index);
    }
    assert.ok(f.prepared.trainTable!.rows.every((r) => !mine.has(r.patient)), `fold ${f.index + 1} trains on a group it validates on`);
  }
});

test('the manifest records the kind of split; another kind is refused naming both; new rows follow their time or group', async (t) => {
  const dir = tempDir(t);
  const manifest = join(dir, 'split.json');
  const table = timed();
  const schema = inferSchema(table, { target: 'y' });
  await splitTable(table, { schema, manifest, by: { kind: 'time', column: 'date' } });
  assert.deepEqual(JSON.parse(readFileSync(manifest, 'utf8')).splitBy, { kind: 'time', column: 'date' });
  const err = await splitTable(table, { schema, manifest }).catch((e) => e);
  assert.ok(err instanceof SplitManifestError && err.usage, String(err));
  assert.match(err.message, /--split-by time:date → --split-by random/);
  assert.match(err.message, /Run with --split-by time:date/);
  // A time split draws nothing at random: another split seed is not a change.
  const reseeded = await splitTable(table, { schema, manifest, seed: 9, by: { kind: 'time', column: 'date' } });
  assert.equal(reseeded.reused, true);
  // Two later days and one early day join the data: they go where their time falls.
  const grown = tableFromRows([...table.rows, { date: day(500), x: 0, y: 'a', n: 1000 }, { date: day(501), x: 1, y: 'b', n: 1001 }, { date: day(0), x: 2, y: 'a', n: 1002 }], 'timed.csv');
  const g = await splitTable(grown, { schema, manifest, by: { kind: 'time', column: 'date' } });
  assert.match(g.notes.join(' '), /3 new rows \(1 to training, 0 to validation, 2 to test, by their time\)/);
  assert.ok(g.test.unseal('new rows test').rows.some((r) => r.n === 1001));
  // Groups: a new row of a known patient joins that patient's split.
  const gm = join(dir, 'group.json');
  const gt = grouped();
  const gs = inferSchema(gt, { target: 'y' });
  const first = await splitTable(gt, { schema: gs, manifest: gm, by: { kind: 'group', column: 'patient' } });
  const valPatient = first.validation.rows[0].patient;
  const more = tableFromRows([...gt.rows, { patient: valPatient, age: 99, x: 9, y: 'well' }], 'grouped.csv');
  const second = await splitTable(more, { schema: gs, manifest: gm, by: { kind: 'group', column: 'patient' } });
  assert.ok(second.validation.rows.some((r) => r.age === 99), 'the new row joined its group in validation');
});

test('re-applying a saved split is identical: copies of one feature row with different labels keep their own splits, and the duplicate note repeats', async (t) => {
  const dir = tempDir(t);
  const rng = new Rng(6);
  // 400 rows of 90 feature values: many copies, some with different labels, some exact duplicates.
  const rows: Row[] = Array.from({ length: 400 }, () => ({ a: rng.int(30), b: ['u', 'v', 'w'][rng.int(3)], y: ['p', 'q', 'r'][rng.int(3)] }));
  writeFileSync(join(dir, 'dups.csv'), csv(tableFromRows(rows)));
  const o = { data: join(dir, 'dups.csv'), target: 'y', projectDir: dir };
  const first = await prepare(o);
  const second = await prepare(o);
  assert.equal(second.reusedSplit, true);
  assert.deepEqual(second.counts, first.counts);
  assert.deepEqual(second.assignments, first.assignments, 'every row in the same split, for the same reason');
  assert.deepEqual(Array.from(second.targets('train')), Array.from(first.targets('train')), 'the same labels in training');
  assert.deepEqual(second.notes.filter((n) => /leakage/.test(n)), first.notes.filter((n) => /leakage/.test(n)), 'the duplicate note repeats');
  assert.ok(first.notes.some((n) => /leakage/.test(n)));
  const m = JSON.parse(readFileSync(join(dir, 'split-dups.json'), 'utf8'));
  assert.equal(m.version, 3);
  assert.equal(m.fingerprints.dropped.length, m.droppedFrom.length);
});

test('the manifest of penguins.json is split-penguins.json; a project with the old split-penguins.json.json keeps it', async (t) => {
  const dir = tempDir(t);
  const first = await prepare({ data: PENGUINS, target: 'Species', projectDir: dir });
  assert.ok(existsSync(join(dir, 'split-penguins.json')) && !existsSync(join(dir, 'split-penguins.json.json')));
  const old = tempDir(t);
  copyFileSync(join(dir, 'split-penguins.json'), join(old, 'split-penguins.json.json'));
  const again = await prepare({ data: PENGUINS, target: 'Species', projectDir: old });
  assert.equal(again.reusedSplit, true);
  assert.deepEqual(again.counts, first.counts);
  assert.ok(!existsSync(join(old, 'split-penguins.json')), 'the old name stays in use');
});

test('assignments: every row once, in the split prepare used, dropped rows with why', async (t) => {
  const dir = tempDir(t);
  const p = await prepare({ data: PENGUINS, target: 'Species', projectDir: dir });
  const a = p.assignments!;
  const table = await readTable(PENGUINS);
  assert.deepEqual(a.map((x) => x.row), Array.from({ length: table.rows.length }, (_, i) => i + 1));
  const lines = (s: string) => a.filter((x) => x.split === s).map((x) => x.line);
  assert.deepEqual(lines('validation'), p.validationTable!.lines);
  assert.deepEqual(lines('train'), p.trainTable!.lines.filter((l) => !a.some((x) => x.line === l && x.split === 'dropped')));
  assert.equal(lines('test').length, p.counts.test);
  for (const d of a.filter((x) => x.split === 'dropped')) assert.ok(d.reason && d.reason.length > 5, JSON.stringify(d));
  // Penguins has rows without a Sex but every row has a Species: nothing dropped for the target.
  assert.ok(a.every((x) => !/target/.test(x.reason ?? '')));
});

test('folds drop validation rows that duplicate the fold\'s training rows, as the default split does', async (t) => {
  const dir = tempDir(t);
  const rng = new Rng(8);
  // Continuous values never repeat by chance: the 60 repeated rows are copies.
  const distinct: Row[] = Array.from({ length: 240 }, () => ({ a: rng.next(), b: rng.next(), y: rng.next() < 0.5 ? 'p' : 'q' }));
  const rows: Row[] = [...distinct, ...distinct.slice(0, 60).map((r) => ({ ...r }))];
  writeFileSync(join(dir, 'few.csv'), csv(tableFromRows(rows)));
  const p = await prepare({ data: join(dir, 'few.csv'), target: 'y', projectDir: dir });
  const set = makeFolds(p, 4, 0);
  let removed = 0;
  for (const f of set.folds) {
    const train = new Set(tableFingerprints(f.prepared.trainTable!, p.duplicateColumns));
    assert.ok(tableFingerprints(f.prepared.validationTable!, p.duplicateColumns).every((fp) => !train.has(fp)), `fold ${f.index + 1}`);
    removed += f.duplicatesRemoved ?? 0;
  }
  assert.ok(removed > 0, 'some were removed');
});

test('column kinds come from the training rows only: a column filled in only in the latest (test) rows is no feature', async (t) => {
  const dir = tempDir(t);
  const rows = Array.from({ length: 200 }, (_, i) => ({ date: day(i), x: i % 7, late: i >= 185 ? (i % 3) + 0.5 : '', y: i % 2 ? 'a' : 'b' }));
  writeFileSync(join(dir, 'late.csv'), csv(tableFromRows(rows)));
  const p = await prepare({ data: join(dir, 'late.csv'), target: 'y', projectDir: dir, splitBy: { kind: 'time', column: 'date' } });
  const late = p.preprocessing.kind === 'tabular' ? p.preprocessing.schema.columns.find((c) => c.name === 'late') : undefined;
  assert.equal(late?.kind, 'constant');
  assert.equal(late?.role, 'dropped');
  assert.match(p.notes.join(' '), /column kinds inferred from the \d+ training rows/);
  // Inferred on every row, the column would have been numeric.
  assert.equal(inferSchema(tableFromRows(rows), { target: 'y' }).columns.find((c) => c.name === 'late')?.kind, 'numeric');
});

test('seeded fractions: every seed its own subset (0 and 1 differ), the same seed the same rows', () => {
  const n = 50;
  const enc = { x: Float32Array.from({ length: n }, (_, i) => i), n, y: null, features: ['i'], text: {}, lines: Array.from({ length: n }, (_, i) => i + 2) } as any;
  const rows = (seed: number) => Array.from(subsetEncoded(enc, 0.2, seed).x);
  assert.notDeepEqual(rows(0), rows(1));
  assert.deepEqual(rows(1), rows(1));
  assert.equal(rows(2).length, 10);
});
