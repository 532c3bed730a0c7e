import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSchema, inferSchema, overrideSchema, parseCsv, readJson, tableFromRows, type Schema } from '../../src/data/index.js';
import { PENGUINS, rejectsData } from './helpers.js';

const kind = (s: Schema, name: string): string => s.columns.find((c) => c.name === name)!.kind;
const role = (s: Schema, name: string): string => s.columns.find((c) => c.name === name)!.role;

test('penguins: kinds, missing counts and a multiclass task, printable', async () => {
  const t = await readJson(PENGUINS);
  const s = inferSchema(t, { target: 'Species' });
  assert.equal(s.task, 'multiclass');
  assert.deepEqual(s.target, ['Species']);
  assert.equal(kind(s, 'Island'), 'categorical');
  assert.equal(kind(s, 'Sex'), 'categorical');
  for (const c of ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)']) assert.equal(kind(s, c), 'numeric');
  const missing = (name: string): number => s.columns.find((c) => c.name === name)!.missing;
  const nullCount = (name: string): number => t.rows.filter((r) => r[name] === null).length;
  assert.equal(missing('Body Mass (g)'), nullCount('Body Mass (g)'));
  assert.equal(missing('Sex'), nullCount('Sex'));
  assert.ok(missing('Sex') > 0);
  const text = formatSchema(s);
  assert.match(text, /344 rows; target: Species; task: multiclass/);
  assert.match(text, /Body Mass \(g\)\s+numeric\s+feature/);
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s, 'the schema is plain JSON');
});

test('kinds: boolean, datetime, identifier, constant, text, low-cardinality integers; notes for dropped columns', async () => {
  const rows = Array.from({ length: 60 }, (_, i) => ({
    id: String(i + 1),
    flag: i % 3 === 0 ? 'yes' : 'no',
    when: `2024-0${1 + (i % 9)}-1${i % 10}`,
    stamp: `2024-03-01T1${i % 10}:30:00Z`,
    rating: String(1 + (i % 5)),
    constant: 'same',
    empty: '',
    review: `this product is ${['great', 'fine', 'poor'][i % 3]} and I would buy it again number ${i}`,
    price: String(10 + i * 0.25),
    y: String(i % 2),
  }));
  const s = inferSchema(tableFromRows(rows, 'synthetic.csv'), { target: 'y' });
  assert.equal(kind(s, 'flag'), 'boolean');
  assert.equal(kind(s, 'when'), 'datetime');
  assert.equal(kind(s, 'stamp'), 'datetime');
  assert.equal(kind(s, 'id'), 'identifier');
  assert.equal(role(s, 'id'), 'dropped');
  assert.equal(kind(s, 'constant'), 'constant');
  assert.equal(role(s, 'constant'), 'dropped');
  assert.equal(kind(s, 'empty'), 'constant');
  assert.equal(kind(s, 'review'), 'text');
  assert.equal(kind(s, 'rating'), 'categorical', 'few distinct integers are categories');
  assert.equal(kind(s, 'price'), 'numeric');
  assert.equal(s.task, 'binary');
  assert.ok(s.notes.some((n) => n.includes('"id"') && n.includes('identifier')), 'dropping is noted');
  assert.ok(s.notes.some((n) => n.includes('"constant"')));
});

test('overrides change kinds, at inference or afterwards', async () => {
  const t = await parseCsv('zip,v,y\n10115,1.5,a\n10117,2.5,b\n10115,3.5,a\n20095,1.0,b\n');
  const inferred = inferSchema(t, { target: 'y' });
  assert.equal(kind(inferred, 'zip'), 'numeric');
  const forced = inferSchema(t, { target: 'y', overrides: { zip: 'categorical' }, drop: ['v'] });
  assert.equal(kind(forced, 'zip'), 'categorical');
  assert.equal(forced.columns.find((c) => c.name === 'zip')!.overridden, true);
  assert.equal(role(forced, 'v'), 'dropped');
  const later = overrideSchema(inferred, { zip: 'identifier' });
  assert.equal(role(later, 'zip'), 'dropped');
  assert.equal(kind(inferred, 'zip'), 'numeric', 'the original is not changed');
  assert.match(formatSchema(later), /\* set by override/);
});

test('the target decides the task: regression, binary, multiclass, multilabel', async () => {
  const rows = Array.from({ length: 40 }, (_, i) => ({ x: String(i), r: String(i * 1.37), b: i % 2 ? 'true' : 'false', m: String(i % 4), tags: ['a', 'b', 'a|b', ''][i % 4], l1: String(i % 2), l2: String((i >> 1) % 2) }));
  const t = tableFromRows(rows);
  assert.equal(inferSchema(t, { target: 'r' }).task, 'regression');
  assert.equal(inferSchema(t, { target: 'b' }).task, 'binary');
  assert.equal(inferSchema(t, { target: 'm' }).task, 'multiclass');
  assert.equal(inferSchema(t, { target: 'tags', multilabelSeparator: '|' }).task, 'multilabel');
  assert.equal(inferSchema(t, { target: ['l1', 'l2'] }).task, 'multilabel');
  assert.equal(inferSchema(t, { target: 'm', task: 'regression' }).task, 'regression', 'the task can be forced');
});

test('a missing target column or a single-class target is a DataError naming the file', async () => {
  const t = await parseCsv('a,y\n1,x\n2,x\n3,x\n', { file: 'one.csv' });
  await rejectsData(() => inferSchema(t, { target: 'label' }), { file: 'one.csv', line: 1, match: /target column named "label".*found columns "a", "y"/ });
  const e = await rejectsData(() => inferSchema(t, { target: 'y' }), { file: 'one.csv', match: /two classes/ });
  assert.equal(e.found, 'only "x"');
  const headerOnly = await parseCsv('a,y\n', { file: 'header.csv' });
  assert.equal(headerOnly.rows.length, 0);
  await rejectsData(() => inferSchema(headerOnly, { target: 'y' }), { file: 'header.csv', line: 1, match: /at least one data row/ });
});

test('NaN and Infinity in numeric input are counted and reported', async () => {
  const t = await parseCsv('v,y\n1,a\nNaN,b\n3,a\ninf,b\n5,a\n-Infinity,b\n', { file: 'nan.csv' });
  const s = inferSchema(t, { target: 'y' });
  const v = s.columns.find((c) => c.name === 'v')!;
  assert.equal(v.kind, 'numeric');
  assert.equal(v.nonFinite, 3);
  assert.ok(s.notes.some((n) => n.includes('3 NaN/Infinity')));
});
