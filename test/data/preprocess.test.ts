import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Normalizer, Preprocessor, Tokenizer, inferSchema, parseCsv, readJson, splitTable, subsetTable, tableFromRows, UNKNOWN, MISSING, type Table } from '../../src/data/index.js';
import { liveTensors, tensor, tidy } from '../../src/tensor/index.js';
import { PENGUINS, rejectsData } from './helpers.js';

const MASS = 'Body Mass (g)';

test('statistics come from training rows only: changing validation or test values moves nothing', async () => {
  const base = liveTensors();
  const t = await readJson(PENGUINS);
  const schema = inferSchema(t, { target: 'Species' });
  const fitAll = async (table: Table): Promise<{ json: string; split: Awaited<ReturnType<typeof splitTable>> }> => {
    const split = await splitTable(table, { schema, seed: 3 });
    return { json: JSON.stringify(Preprocessor.fit(split.train, schema).toJSON()), split };
  };
  const { json: reference, split } = await fitAll(t);
  const test = split.test.unseal('preprocessing test: perturb held-out rows to prove they do not feed the statistics');
  const heldOut = new Set([...split.validation.lines, ...test.lines]);
  // Wildly change every validation and test row in the source table, then split and fit again.
  const wild: Table = { ...t, rows: t.rows.map((r, i) => (heldOut.has(t.lines[i]) ? { ...r, [MASS]: 1e9, 'Beak Length (mm)': -5000, Island: 'Atlantis' } : r)) };
  const again = await fitAll(wild);
  assert.deepEqual(again.split.train.lines, split.train.lines, 'the same training rows');
  assert.equal(again.json, reference, 'medians, vocabularies, classes, mean and std are unchanged');
  // It does move when a training row changes, so the check has teeth.
  const trainLine = split.train.lines[0];
  const moved: Table = { ...t, rows: t.rows.map((r, i) => (t.lines[i] === trainLine ? { ...r, [MASS]: 1e6 } : r)) };
  assert.notEqual((await fitAll(moved)).json, reference);

  const pre = Preprocessor.fit(split.train, schema);
  const j = pre.featureNames.indexOf(MASS);
  const median = (pre.features.find((f) => f.column === MASS) as { median: number }).median;
  const masses = split.train.rows.map((r) => r[MASS]);
  const known = masses.filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
  assert.ok(median >= known[Math.floor((known.length - 1) / 2)] && median <= known[Math.ceil((known.length - 1) / 2)], 'the fill is the training median');
  const filled = masses.map((v) => (typeof v === 'number' ? v : median));
  const mean = filled.reduce((a, b) => a + b, 0) / filled.length;
  assert.ok(Math.abs(pre.normalizer!.mean[j] - mean) < 1e-6 * mean, 'the normalizer mean is the training mean');
  // Held-out rows are scaled with training statistics, not their own.
  const wildVal = again.split.validation;
  const encWild = pre.transform(wildVal);
  assert.ok(encWild.x[j] > 1e5);
  assert.equal(encWild.report.unknown.Island, wildVal.rows.length, 'an island never seen in training is <unknown>');
  assert.equal(liveTensors(), base);
});

test('missing values: numeric → training median plus <col>_na; categorical → <missing>; unseen → <unknown>', async () => {
  const base = liveTensors();
  const train = await parseCsv('v,c,y\n1,red,a\n2,blue,b\n,red,a\n4,,b\n100,blue,a\n', { file: 'train.csv' });
  const schema = inferSchema(train, { target: 'y' });
  const pre = Preprocessor.fit(train, schema, { standardize: false });
  assert.deepEqual(pre.featureNames, ['v', 'v_na', `c=${MISSING}`, `c=${UNKNOWN}`, 'c=blue', 'c=red']);
  const val = await parseCsv('v,c,y\n,green,b\n7,red,a\nNaN,,a\n', { file: 'val.csv' });
  const enc = pre.transform(val);
  const row = (i: number): number[] => Array.from(enc.x.subarray(i * 6, i * 6 + 6));
  assert.deepEqual(row(0), [2, 1, 0, 1, 0, 0], 'median of 1,2,4,100 (the lower middle, as libtorch) and an unknown colour');
  assert.deepEqual(row(1), [7, 0, 0, 0, 0, 1]);
  assert.deepEqual(row(2), [2, 1, 1, 0, 0, 0]);
  assert.deepEqual(enc.report.missing, { v: 2, c: 1 });
  assert.deepEqual(enc.report.nonFinite, { v: 1 });
  assert.deepEqual(enc.report.unknown, { c: 1 });
  assert.deepEqual(Array.from(enc.y!), [1, 0, 0]);
  assert.ok(enc.y instanceof Int32Array);
  assert.equal(liveTensors(), base);
});

test('bad values: a DataError naming file, line and column; lenient mode skips and reports the rows', async () => {
  const base = liveTensors();
  const train = await parseCsv('v,y\n1,a\n2,b\n3,a\n4,b\n5,a\n6,b\n7,a\n8,b\n9,a\n10,b\n11,a\n12,b\n13,a\n14,b\n15,a\n16,b\n17,a\n18,b\n19,a\n20,b\n21,a\noops,b\n', { file: 'nums.csv' });
  const schema = inferSchema(train, { target: 'y' });
  assert.equal(schema.columns[0].kind, 'numeric', 'one stray string does not make a numeric column categorical');
  const e = await rejectsData(() => Preprocessor.fit(train, schema), { file: 'nums.csv', line: 23 });
  assert.match(e.expected, /a number in column "v"/);
  assert.equal(e.found, '"oops"');
  const pre = Preprocessor.fit(train, schema, { lenient: true });
  const val = await parseCsv('v,y\n1,a\nx,b\n2,c\n,\n', { file: 'val.csv' });
  await rejectsData(() => pre.transform(val), { file: 'val.csv', line: 3 });
  const enc = pre.transform(val, { lenient: true });
  assert.equal(enc.n, 1);
  assert.deepEqual(enc.report.skipped.map((s) => s.line), [3, 4, 5]);
  assert.match(enc.report.skipped[1].reason, /class seen in training/);
  assert.match(enc.report.skipped[2].reason, /no target value/);
  assert.deepEqual(enc.lines, [2]);
  assert.equal(liveTensors(), base);
});

test('rows without a target are left out and reported; inference tables without the target give y = null', async () => {
  const base = liveTensors();
  const t = await readJson(PENGUINS);
  const rows = t.rows.slice(0, 80).map((r, i) => (i === 5 ? { ...r, Species: null } : r));
  const table = { ...t, rows, lines: t.lines.slice(0, 80) };
  const schema = inferSchema(tableFromRows([...t.rows]), { target: 'Species' });
  const pre = Preprocessor.fit(table, schema);
  const enc = pre.transform(table);
  assert.equal(enc.n, 79);
  assert.equal(enc.report.skipped.length, 1);
  assert.equal(enc.report.skipped[0].line, t.lines[5]);
  const inference = tableFromRows(t.rows.slice(0, 3).map(({ Species, ...rest }) => rest));
  const out = pre.transform(inference);
  assert.equal(out.y, null);
  assert.equal(out.n, 3);
  assert.equal(liveTensors(), base);
});

test('regression and multilabel targets; datetime and boolean features', async () => {
  const base = liveTensors();
  const rows = Array.from({ length: 30 }, (_, i) => ({ when: `2024-01-${String(1 + i).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:00Z`, ok: i % 2 ? 'yes' : 'no', price: String(i * 2.5), tags: ['a', 'a|b', 'c', ''][i % 4] || 'b' }));
  const t = tableFromRows(rows);
  const reg = Preprocessor.fit(t, inferSchema(t, { target: 'price' }));
  assert.deepEqual(reg.featureNames.slice(0, 5), ['when_year', 'when_month', 'when_day', 'when_weekday', 'when_hour']);
  assert.ok(reg.featureNames.includes('ok'));
  const enc = reg.transform(t);
  assert.ok(enc.y instanceof Float32Array);
  assert.equal(enc.y![3], 7.5);
  const ml = Preprocessor.fit(t, inferSchema(t, { target: 'tags', multilabelSeparator: '|' }));
  assert.deepEqual(ml.classes, ['a', 'b', 'c']);
  const y = ml.transform(t).y!;
  assert.deepEqual(Array.from(y.subarray(0, 6)), [1, 0, 0, 1, 1, 0]);
  assert.equal(liveTensors(), base);
});

test('the fitted preprocessor round-trips through JSON and encodes identically', async () => {
  const base = liveTensors();
  const t = await readJson(PENGUINS);
  const pre = Preprocessor.fit(t, inferSchema(t, { target: 'Species' }));
  const again = Preprocessor.fromJSON(JSON.parse(JSON.stringify(pre.toJSON())));
  assert.deepEqual(Array.from(again.transform(t).x), Array.from(pre.transform(t).x));
  assert.deepEqual(again.classes, ['Adelie', 'Chinstrap', 'Gentoo']);
  assert.equal(liveTensors(), base);
});

test('Normalizer: libtorch statistics, JSON round trip, applied to tensors', () => {
  const base = liveTensors();
  const x = Float32Array.from([1, 10, 3, 10, 5, 10]);
  const n = Normalizer.fitMatrix(x, 3, 2);
  assert.deepEqual(n.mean, [3, 10]);
  assert.ok(Math.abs(n.std[0] - Math.sqrt(8 / 3)) < 1e-9);
  assert.equal(n.std[1], 1, 'a constant column is left unscaled');
  const back = Normalizer.fromJSON(JSON.parse(JSON.stringify(n)));
  const out = tidy(() => back.apply(tensor(x, { shape: [3, 2] })).toArray());
  assert.ok(Math.abs(out[0] + Math.sqrt(3 / 2)) < 1e-6 && out[1] === 0);
  const images = Uint8Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => i * 10);
  const c = Normalizer.fitChannels(images, [2, 3, 2, 2]);
  assert.equal(c.mean.length, 3);
  assert.ok(Math.abs(c.mean[0] - ((0 + 10 + 20 + 30 + 120 + 130 + 140 + 150) / 8) / 255) < 1e-9);
  assert.equal(liveTensors(), base);
});

test('text columns: tokenized with a training-only vocabulary; unseen words are <unknown>', async () => {
  const base = liveTensors();
  const train = ['The cat sat.', 'the dog sat down', 'a cat, a dog'];
  const tok = Tokenizer.fit(train, { maxLength: 5 });
  assert.equal(tok.vocabulary.tokens[0], '<pad>');
  const { ids, lengths, unknownCount } = tok.encodeBatch(['the cat flew', 'a dog sat down . and more words']);
  assert.equal(ids.length, 10);
  assert.deepEqual(Array.from(lengths), [3, 5]);
  assert.equal(unknownCount, 1);
  assert.equal(ids[2], tok.vocabulary.unknown);
  assert.equal(ids[3], 0, 'padded with <pad>');
  const rows = Array.from({ length: 30 }, (_, i) => ({ review: `great product number ${i} would buy again ${i % 3 ? 'yes' : 'no'}`, y: String(i % 2) }));
  const t = tableFromRows(rows);
  const pre = Preprocessor.fit(subsetTable(t, Array.from({ length: 20 }, (_, i) => i)), inferSchema(t, { target: 'y' }), { text: { maxLength: 8 } });
  const enc = pre.transform(t);
  assert.equal(enc.text.review.length, 30 * 8);
  assert.ok(enc.report.unknown.review! >= 10, 'numbers 20–29 were never seen in training');
  assert.equal(liveTensors(), base);
});
