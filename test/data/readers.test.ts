import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsv, readCsv, streamCsv, readJson, streamJson, parseJson, readTable, sniffDelimiter } from '../../src/data/index.js';
import { PENGUINS, plain, rejectsData, tempDir } from './helpers.js';

test('CSV: quoted fields, embedded newlines, escaped quotes, BOM and CRLF', async () => {
  const t = await parseCsv('\ufeffname,note,n\r\n"Smith, J","said ""hi""\nthen left",3\r\nplain,,4\r\n');
  assert.deepEqual(t.columns, ['name', 'note', 'n']);
  assert.deepEqual(plain(t.rows), [
    { name: 'Smith, J', note: 'said "hi"\nthen left', n: '3' },
    { name: 'plain', note: '', n: '4' },
  ]);
  assert.deepEqual(t.lines, [2, 4], 'each row remembers the line it starts on');
});

test('CSV: other delimiters are sniffed; .tsv means tabs; header names are made unique', async (t) => {
  assert.equal(sniffDelimiter('a;b;c\n1;2;3'), ';');
  assert.equal(sniffDelimiter('a|b\n'), '|');
  assert.equal(sniffDelimiter('"x,y";b;c\n'), ';', 'delimiters inside quotes do not count');
  // A ';'-delimited file writes decimal commas: read as numbers, and said so.
  const semi = await parseCsv('a;b;c\n1,5;2;x,y\n-0,25;3;1,2,3\n');
  assert.deepEqual(plain(semi.rows), [
    { a: '1.5', b: '2', c: 'x,y' },
    { a: '-0.25', b: '3', c: '1,2,3' },
  ]);
  assert.deepEqual(semi.report.notes, ['"a": 2 values with a decimal comma read as numbers (3,14 → 3.14; the file is delimited by ";")']);
  const dir = tempDir(t);
  const tsv = join(dir, 'x.tsv');
  writeFileSync(tsv, 'a\ta\t\n1\t2\t3\n');
  // A repeated name is refused (which of the two would --target mean?), or renamed with a note under --lenient.
  await rejectsData(readTable(tsv), { file: tsv, line: 1, match: /each column name once, found "a" \(columns 1, 2\)/ });
  const r = await readTable(tsv, { lenient: true });
  assert.deepEqual(r.columns, ['a', 'a_2', 'column_3']);
  assert.deepEqual({ ...r.rows[0] }, { a: '1', a_2: '2', column_3: '3' });
  assert.match(r.report.notes![0], /repeated column name "a" \(columns 1, 2\): the repeats were renamed "a_2"/);
});

test('CSV: wrong field count is a DataError naming file and line; lenient mode skips and reports it', async (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'bad.csv');
  writeFileSync(f, 'a,b\n1,2\n3,4,5\n\n6\n7,8\n');
  const e = await rejectsData(readCsv(f), { file: f, line: 3 });
  assert.equal(e.expected, '2 fields');
  assert.equal(e.found, '3 fields');
  const lenient = await readCsv(f, { lenient: true });
  assert.deepEqual(lenient.rows.map((r) => r.a), ['1', '7']);
  assert.deepEqual(lenient.report.skipped.map((s) => s.line), [3, 5]);
  assert.equal(lenient.report.rows, 2);
});

test('CSV: broken quoting, empty files and missing paths give DataErrors', async (t) => {
  const dir = tempDir(t);
  await rejectsData(parseCsv('a,b\n1,"2\n3,4\n', { file: 'q.csv' }), { file: 'q.csv', line: 2, match: /closing quote/ });
  await rejectsData(parseCsv('a,b\n1,2"x",3\n', { file: 'q.csv' }), { line: 2 });
  await rejectsData(parseCsv('a,b\n1,"2"x\n', { file: 'q.csv' }), { line: 2 });
  const empty = join(dir, 'empty.csv');
  writeFileSync(empty, '');
  await rejectsData(readCsv(empty), { file: empty, line: 1, match: /empty file/ });
  const missing = join(dir, 'nope.csv');
  await rejectsData(readCsv(missing), { file: missing, line: 0, match: /no such file/ });
  await rejectsData(readCsv(dir), { file: dir, match: /directory/ });
  const lenient = await parseCsv('a,b\n1,2\n3,"4\n5,6\n', { lenient: true });
  assert.equal(lenient.rows.length, 1);
  assert.match(lenient.report.skipped[0].reason, /never closes/, 'the swallowed lines are reported, not lost silently');
});

test('CSV streams: rows arrive before the file is read to the end', async (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'big.csv');
  const n = 50000;
  writeFileSync(f, `i,x\n${Array.from({ length: n }, (_, i) => `${i},${i * 2}`).join('\n')}\n`);
  const s = await streamCsv(f);
  let seen = 0;
  for await (const { row, line } of s) {
    assert.equal(line, seen + 2);
    assert.equal(row.i, String(seen));
    if (++seen === 10) break; // stops reading early without error
  }
  assert.equal(seen, 10);
  const limited = await readCsv(f, { maxRows: 123 });
  assert.equal(limited.rows.length, 123);
});

test('JSON arrays and NDJSON: rows with their lines; errors at the bad element', async (t) => {
  const dir = tempDir(t);
  const arr = join(dir, 'a.json');
  writeFileSync(arr, '[\n  {"a": 1, "b": "x"},\n  {"a": 2,\n   "c": [1, 2]}\n]\n');
  const ta = await readJson(arr);
  assert.deepEqual(ta.columns, ['a', 'b', 'c']);
  assert.deepEqual(ta.lines, [2, 3]);
  assert.deepEqual({ ...ta.rows[1] }, { a: 2, c: [1, 2] });
  const nd = join(dir, 'b.ndjson');
  writeFileSync(nd, '{"a": 1}\n\n{"a": 2, "s": "}{"}\n');
  const tn = await readTable(nd);
  assert.deepEqual(plain(tn.rows), [{ a: 1 }, { a: 2, s: '}{' }]);
  assert.deepEqual(tn.lines, [1, 3]);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '[{"a": 1},\n {"a": 2},\n {"a": }]');
  await rejectsData(readJson(bad), { file: bad, line: 3 });
  const lenient = await readJson(bad, { lenient: true });
  assert.equal(lenient.rows.length, 2);
  assert.deepEqual(lenient.report.skipped.map((s) => s.line), [3]);
  await rejectsData(parseJson('[{"a":1},]', { file: 'c.json' }), { file: 'c.json', line: 1, match: /after the comma/ });
  await rejectsData(parseJson('[{"a":1}\n', { file: 'c.json' }), { line: 2, match: /closing the array/ });
  await rejectsData(parseJson('{"a":1}\n[1]\n', { file: 'c.ndjson' }), { line: 2, match: /object/ });
  await rejectsData(parseJson('', { file: 'e.json' }), { line: 1, match: /empty file/ });
});

test('JSON streaming over a real file: penguins, 344 rows with missing values', async () => {
  const s = await streamJson(PENGUINS);
  let n = 0;
  let nulls = 0;
  for await (const { row } of s) {
    n++;
    if (row['Beak Length (mm)'] === null) nulls++;
  }
  assert.equal(n, 344);
  assert.ok(nulls > 0, 'penguins has missing measurements');
  assert.deepEqual(s.columns, ['Species', 'Island', 'Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex']);
});

test('readTable rejects unknown extensions with a DataError', async (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'x.xlsx');
  writeFileSync(f, 'x');
  await rejectsData(readTable(f), { file: f, match: /\.xlsx/ });
});
