import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { DataError, SealedTest, SplitManifestError, saveManifest, prepare, tableFromRows, assignSplits, inferSchema, onUnseal, readJson, splitTable, subsetTable, tableFingerprints, type Table } from '../../src/data/index.js';
import { PENGUINS, tempDir } from './helpers.js';
import { chanceRepeatRate, REPEATS_BY_CHANCE } from '../../src/data/leakage.js';

const species = (t: Table): Record<string, number> => {
  const c: Record<string, number> = {};
  for (const r of t.rows) c[r.Species as string] = (c[r.Species as string] ?? 0) + 1;
  return c;
};

test('splits are seeded, disjoint, cover every row, and stratified by class', async () => {
  const t = await readJson(PENGUINS);
  const schema = inferSchema(t, { target: 'Species' });
  const a = await splitTable(t, { schema, seed: 7, validation: 0.2, test: 0.2 });
  const b = await splitTable(t, { schema, seed: 7, validation: 0.2, test: 0.2 });
  const c = await splitTable(t, { schema, seed: 8, validation: 0.2, test: 0.2 });
  const testA = a.test.unseal('split test: check disjointness');
  const all = [...a.train.lines, ...a.validation.lines, ...testA.lines, ...a.manifest.fingerprints.dropped.map(() => -1)];
  assert.equal(all.length, t.rows.length);
  assert.equal(new Set([...a.train.lines, ...a.validation.lines, ...testA.lines]).size, all.filter((l) => l > 0).length, 'no row in two splits');
  assert.deepEqual(a.train.lines, b.train.lines, 'same seed, same split');
  assert.notDeepEqual(a.train.lines, c.train.lines, 'another seed, another split');
  const whole = species(t);
  const val = species(a.validation);
  for (const k of Object.keys(whole)) assert.ok(Math.abs(val[k] - 0.2 * whole[k]) <= 1, `validation keeps the share of ${k}`);
  assert.equal(a.manifest.stratified, true);
  const r = assignSplits(10, null, 1, 0.2, 0.2);
  assert.deepEqual([r.train.length, r.validation.length, r.test.length], [6, 2, 2]);
  assert.throws(() => assignSplits(10, null, 1, 0.6, 0.5), DataError);
});

test('the manifest makes re-runs use the same rows, even when the file is reordered or grows', async (t) => {
  const dir = tempDir(t);
  const manifest = join(dir, 'runs/split.json');
  const table = await readJson(PENGUINS);
  const schema = inferSchema(table, { target: 'Species' });
  const first = await splitTable(table, { schema, seed: 11, manifest });
  assert.equal(first.reused, false);
  const saved = JSON.parse(readFileSync(manifest, 'utf8'));
  assert.equal(saved.counts.train, first.train.rows.length);
  assert.equal(saved.fingerprints.test.length, first.test.size);
  // Reverse the file and add two new rows: the known rows keep their splits and the counts are said.
  const reversed = [...table.rows.keys()].reverse();
  const changed = subsetTable(table, reversed);
  changed.rows.push({ ...table.rows[0], 'Body Mass (g)': 9999 }, { ...table.rows[1], 'Body Mass (g)': 8888 });
  changed.lines.push(9001, 9002);
  const second = await splitTable(changed, { schema, seed: 11, manifest });
  assert.equal(second.reused, true);
  assert.equal(second.newRows, 2);
  assert.equal(second.missingRows, 0);
  assert.equal(second.notes.length, 1);
  assert.match(second.notes[0], /2 new rows \(sent to training\), 0 saved rows missing/);
  const third = await splitTable(changed, { schema, seed: 11, manifest });
  assert.deepEqual(third.notes, [], 'the manifest now knows the grown data');
  assert.equal(third.train.rows.length, second.train.rows.length);
  const fp = (x: Table): string[] => tableFingerprints(x).sort();
  assert.deepEqual(fp(second.validation), fp(first.validation));
  assert.deepEqual(fp(second.test.unseal('manifest test: compare')), fp(first.test.unseal('manifest test: compare')));
  assert.equal(second.train.rows.length, first.train.rows.length + 2, 'new rows go to training');
});

test('leakage: duplicate rows across splits are detected, counted and removed from the held-out side', async () => {
  const t = await readJson(PENGUINS);
  const schema = inferSchema(t, { target: 'Species' });
  // Duplicate 40 rows: with a 30% held-out share, some copies land on both sides.
  const dup = subsetTable(t, [...t.rows.keys(), ...Array.from({ length: 40 }, (_, i) => i * 8)]);
  dup.lines = dup.lines.map((l, i) => (i < t.rows.length ? l : 100000 + i));
  const kept = await splitTable(dup, { schema, seed: 5, dropLeaked: false });
  const leaks = kept.leakage.trainValidation + kept.leakage.trainTest + kept.leakage.validationTest;
  assert.ok(leaks > 0, 'some duplicates straddle splits');
  assert.deepEqual(kept.leakage.removed, { validation: 0, test: 0 });
  // Independent count: held-out rows whose fingerprint is in training.
  const trainFp = new Set(tableFingerprints(kept.train));
  const valLeaks = tableFingerprints(kept.validation).filter((f) => trainFp.has(f)).length;
  assert.equal(kept.leakage.trainValidation, valLeaks);
  assert.ok(kept.leakage.examples.length > 0 && kept.leakage.examples[0].train.length > 0);

  const dropped = await splitTable(dup, { schema, seed: 5 });
  assert.equal(dropped.leakage.removed.validation, dropped.leakage.trainValidation);
  assert.equal(dropped.leakage.removed.test, dropped.leakage.trainTest + dropped.leakage.validationTest);
  const trainSet = new Set(tableFingerprints(dropped.train));
  const valSet = new Set(tableFingerprints(dropped.validation));
  assert.ok(tableFingerprints(dropped.validation).every((f) => !trainSet.has(f)));
  assert.ok(tableFingerprints(dropped.test.unseal('leakage test: verify removal')).every((f) => !trainSet.has(f) && !valSet.has(f)));
  assert.equal(dropped.train.rows.length + dropped.validation.rows.length + dropped.test.size + dropped.manifest.counts.dropped, dup.rows.length, 'removed rows are recorded, not lost');
});

test('repeats by chance are the data, not leakage: a table of few categories keeps its held-out repeats, copies of continuous rows are still removed', async () => {
  // Three columns of 2–3 values: nearly every row repeats another by chance.
  assert.ok(chanceRepeatRate([['a', 'b', 'a', 'b'], ['x', 'x', 'x', 'y']]) > 0);
  assert.equal(chanceRepeatRate([['a']]), 0, 'one row repeats nothing');
  assert.ok(Math.abs(chanceRepeatRate([['a', 'b', 'a', 'b']]) - 3 * 0.5) < 1e-12, '(n − 1)·Σp²');
  const rows = Array.from({ length: 300 }, (_, i) => ({ colour: ['red', 'green', 'blue'][(i * 7) % 3], size: ['s', 'l'][(i * 5) % 2], kind: ['x', 'y'][(i * 11) % 3 === 0 ? 0 : 1], label: ['yes', 'no'][(i * 13) % 2] }));
  const t = tableFromRows(rows, 'few-categories.csv');
  const s = await splitTable(t, { schema: inferSchema(t, { target: 'label' }), seed: 2 });
  assert.ok(s.leakage.repeatsByChance >= REPEATS_BY_CHANCE, `chance repeats ${s.leakage.repeatsByChance}`);
  assert.ok(s.leakage.trainValidation + s.leakage.trainTest > 0, 'held-out rows repeat training rows');
  assert.equal(s.leakage.keptAsData, true);
  assert.deepEqual(s.leakage.removed, { validation: 0, test: 0 });
  assert.equal(s.train.rows.length + s.validation.rows.length + s.test.size, 300, 'no row cut');
  // Penguins' measurements never repeat by chance: a copied row is a leak.
  const p = await readJson(PENGUINS);
  const copies = subsetTable(p, [...p.rows.keys(), ...Array.from({ length: 40 }, (_, i) => i * 8)]);
  const c = await splitTable(copies, { schema: inferSchema(copies, { target: 'Species' }), seed: 5 });
  assert.ok(c.leakage.repeatsByChance < REPEATS_BY_CHANCE / 100, `chance repeats ${c.leakage.repeatsByChance}`);
  assert.equal(c.leakage.keptAsData, false);
  assert.ok(c.leakage.removed.validation + c.leakage.removed.test > 0);
});

test('a user-supplied test set is respected: used as is, only checked for leakage', async () => {
  const t = await readJson(PENGUINS);
  const schema = inferSchema(t, { target: 'Species' });
  const official = subsetTable(t, Array.from({ length: 50 }, (_, i) => 294 + i));
  const rest = subsetTable(t, Array.from({ length: 294 }, (_, i) => i));
  const s = await splitTable(rest, { schema, testSet: official, validation: 0.2, seed: 1 });
  assert.equal(s.test.source, 'user');
  assert.equal(s.manifest.sources.test, 'user');
  assert.equal(s.train.rows.length + s.validation.rows.length, 294);
  assert.deepEqual(s.test.unseal('user test set check').lines, official.lines);
  // A user test set that overlaps the training data is reported and cleaned.
  const overlapping = subsetTable(t, [0, 1, 2, 300]);
  const o = await splitTable(rest, { schema, testSet: overlapping, validation: 0.2, seed: 1 });
  assert.equal(o.leakage.trainTest + o.leakage.validationTest, 3);
  assert.equal(o.test.size, 1);
  const withVal = await splitTable(rest, { schema, testSet: official, validationSet: subsetTable(rest, [10, 20]), seed: 1 });
  assert.equal(withVal.manifest.sources.validation, 'user');
  assert.equal(withVal.validation.rows.length, 0, 'the supplied validation rows duplicate training rows, so they are removed as leakage');
  assert.equal(withVal.leakage.trainValidation, 2);
});

test('SealedTest: rows only through unseal(reason), every access recorded, never serialized', () => {
  const sealed = new SealedTest({ secret: [1, 2, 3] }, 3);
  assert.equal(sealed.size, 3);
  assert.equal(sealed.unsealed, false);
  assert.ok(!JSON.stringify(sealed).includes('secret'));
  assert.ok(!inspect(sealed).includes('secret'));
  assert.deepEqual(Object.keys(sealed).includes('secret'), false);
  assert.throws(() => sealed.unseal(''), DataError);
  assert.deepEqual(sealed.unseal('final evaluation').secret, [1, 2, 3]);
  assert.equal(sealed.accessLog.length, 1);
  assert.equal(sealed.accessLog[0].reason, 'final evaluation');
  assert.ok(!Number.isNaN(Date.parse(sealed.accessLog[0].at)));
  // A listener can forbid access, e.g. while tuning.
  const off = onUnseal((a) => {
    if (/tuning/.test(a.reason)) throw new Error('the test split is off limits while tuning');
  });
  try {
    assert.throws(() => sealed.unseal('tuning learning rate'), /off limits/);
    assert.equal(sealed.accessLog.length, 1, 'a forbidden access returns nothing and is not logged as a read');
  } finally {
    off();
  }
  assert.equal(JSON.parse(JSON.stringify(sealed)).accesses.length, 1);
});

test('a manifest made with another seed or share is refused, naming what changed and why', async (t) => {
  const dir = tempDir(t);
  const manifest = join(dir, 'split.json');
  const table = await readJson(PENGUINS);
  const schema = inferSchema(table, { target: 'Species' });
  await splitTable(table, { schema, seed: 0, manifest });
  const seedErr = await splitTable(table, { schema, seed: 7, manifest }).catch((e) => e);
  assert.ok(seedErr instanceof SplitManifestError, String(seedErr));
  assert.equal(seedErr.usage, true);
  assert.match(seedErr.message, /--split-seed 0 → 7/);
  assert.match(seedErr.message, /sealed test rows/);
  assert.match(seedErr.message, new RegExp(`delete ${manifest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  const shareErr = await splitTable(table, { schema, seed: 0, test: 0.2, manifest }).catch((e) => e);
  assert.ok(shareErr instanceof SplitManifestError);
  assert.match(shareErr.message, /--test-share 0.15 → 0.2/);
  assert.doesNotMatch(shareErr.message, /--split-seed 0 →/);
  const supplied = await splitTable(table, { schema, seed: 0, manifest, testSet: subsetTable(table, [0, 1]) }).catch((e) => e);
  assert.ok(supplied instanceof SplitManifestError);
  assert.match(supplied.message, /test split from the data → set supplied/);
});

test('other data under the same file name is refused with the counts; it never inherits a 0-row validation split', async (t) => {
  const dir = tempDir(t);
  const manifest = join(dir, 'split-data.csv.json');
  const table = await readJson(PENGUINS);
  const schema = inferSchema(table, { target: 'Species' });
  await splitTable(table, { schema, seed: 0, manifest });
  const other = tableFromRows(Array.from({ length: 100 }, (_, i) => ({ a: i, b: i % 7, Species: i % 2 ? 'x' : 'y' })), 'other/data.csv');
  const err = await splitTable(other, { schema: inferSchema(other, { target: 'Species' }), seed: 0, manifest }).catch((e) => e);
  assert.ok(err instanceof SplitManifestError, String(err));
  assert.equal(err.usage, false);
  assert.match(err.message, /^other\/data.csv: /);
  assert.match(err.message, /100 rows of which 0 are known to it \(100 new, 344 of its rows missing\)/);
  assert.match(err.message, /another --project folder/);
});

test('rows are identified by their features: a test row whose label is corrected stays in test', async (t) => {
  const dir = tempDir(t);
  const manifest = join(dir, 'split.json');
  const table = await readJson(PENGUINS);
  const schema = inferSchema(table, { target: 'Species' });
  const first = await splitTable(table, { schema, seed: 3, manifest });
  const testLines = first.test.unseal('identity test: pick a test row').lines;
  const at = table.lines.indexOf(testLines[0]);
  const fixed = subsetTable(table, [...table.rows.keys()]);
  fixed.rows[at] = { ...fixed.rows[at], Species: fixed.rows[at].Species === 'Adelie' ? 'Gentoo' : 'Adelie' };
  const second = await splitTable(fixed, { schema, seed: 3, manifest });
  assert.equal(second.newRows, 0);
  assert.deepEqual(second.notes, [], 'same rows: a label is not part of a row identity');
  assert.ok(second.test.unseal('identity test: check').lines.includes(testLines[0]), 'the relabelled row is still a test row');
  assert.ok(!second.train.lines.includes(testLines[0]));
});

test('a version 1 manifest (rows identified with their label) keeps its splits and is upgraded', async (t) => {
  const dir = tempDir(t);
  const manifest = join(dir, 'split.json');
  const table = await readJson(PENGUINS);
  const schema = inferSchema(table, { target: 'Species' });
  const fresh = await splitTable(table, { schema, seed: 4 });
  const testRows = fresh.test.unseal('v1 test: write an old manifest');
  const columns = table.columns;
  await saveManifest(manifest, {
    version: 1, created: 'earlier', seed: 4, fractions: { validation: 0.15, test: 0.15 }, stratified: true, sources: { validation: 'split', test: 'split' },
    counts: { train: fresh.train.rows.length, validation: fresh.validation.rows.length, test: testRows.rows.length, dropped: 0 },
    fingerprints: { train: tableFingerprints(fresh.train, columns), validation: tableFingerprints(fresh.validation, columns), test: tableFingerprints(testRows, columns), dropped: fresh.manifest.fingerprints.dropped },
  });
  const upgraded = await splitTable(table, { schema, seed: 4, manifest });
  assert.deepEqual(upgraded.test.unseal('v1 test: compare').lines, testRows.lines);
  assert.match(upgraded.notes.join(' '), /identifies them by their features/);
  assert.equal(JSON.parse(readFileSync(manifest, 'utf8')).version, 3);
});

test('prepare refuses an empty validation or test split, with the counts', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'tiny.csv');
  writeFileSync(file, 'x,y\n1,2\n2,4\n3,6\n');
  const err = await prepare({ data: file, target: 'y', projectDir: dir }).catch((e) => e);
  assert.ok(err instanceof DataError, String(err));
  assert.match(err.message, /3 training, 0 validation and 0 test rows \(validation share 0.15, test share 0.15\)/);
  assert.match(err.message, /validation and test split is empty/);
});
