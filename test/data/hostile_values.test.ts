// Values that look like data but cannot be computed with, caught at `plan`
// (exit 3 naming the line and column, or skipped and reported with
// --lenient): numbers float32 cannot hold (±1e308, Infinity), decimal commas
// that would become categories, repeated column names, outsized cells.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkNumbers } from '../../src/data/number_range.js';
import { inferSchema, parseCsv, parseJson, readTable, MAX_CELL_CHARS } from '../../src/data/index.js';
import { rejectsData, tempDir } from './helpers.js';
import { runCli } from '../serve/helpers.js';

/** A small regression table with `bad` at data row 7 (line 8) of column x. */
function table(bad: string, delimiter = ','): string {
  const lines = [['x', 'c', 'y'].join(delimiter)];
  for (let i = 0; i < 40; i++) lines.push([i === 6 ? bad : String(i * 1.5), i % 2 ? 'a' : 'b', String(i * 3 + 1)].join(delimiter));
  return `${lines.join('\n')}\n`;
}

test('±1e308 and ±Infinity in a numeric feature or a regression target are refused with line and column; lenient skips and reports them', async () => {
  for (const bad of ['1e308', '-1e308', 'Infinity', '-inf', '4e38']) {
    const t = await parseCsv(table(bad), { file: 'x.csv' });
    const schema = inferSchema(t, { target: 'y' });
    const e = await rejectsData(() => checkNumbers(t, schema), { file: 'x.csv', line: 8 });
    assert.match(e.message, new RegExp(`found "${bad.replace('+', '\\+')}" in column "x"`), e.message);
    const kept = checkNumbers(t, schema, { lenient: true });
    assert.equal(kept.rows.length, 39);
    assert.deepEqual(kept.report.skipped.map((s) => s.line), [8]);
  }
  const target = await parseJson(JSON.stringify(Array.from({ length: 30 }, (_, i) => ({ x: i, y: i === 3 ? 1e308 : i }))), { file: 't.json' });
  await rejectsData(() => checkNumbers(target, inferSchema(target, { target: 'y' })), { line: 1, match: /in column "y"/ });
  // NaN stays a missing value (the schema notes it); a value float32 holds passes.
  for (const fine of ['NaN', '3e38', '-1e-300']) {
    const t = await parseCsv(table(fine));
    assert.equal(checkNumbers(t, inferSchema(t, { target: 'y' })).rows.length, 40, fine);
  }
});

test('plan: exit 3 naming the line and column of 1e308; --lenient plans without that row, saying so', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'big.csv');
  writeFileSync(file, table('1e308'));
  const r = runCli(['plan', '--data', file, '--target', 'y', '--project', join(dir, 'p')]);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:8: expected a number within ±3\\.4e38.*found "1e308" in column "x"`));
  const lenient = runCli(['plan', '--data', file, '--target', 'y', '--project', join(dir, 'p2'), '--lenient']);
  assert.equal(lenient.status, 0, lenient.stderr);
  assert.match(lenient.stdout, /1 rows skipped: numbers the model cannot hold \(lines 8\)/);
  assert.doesNotMatch(lenient.stdout, /Infinity/);
});

test('decimal commas: read as numbers in a ";" file, refused with a hint in a "," file (not silently categories)', async (t) => {
  const semi = await parseCsv(table('9,75', ';').replace(/(\d)\.(\d)/g, '$1,$2'), { file: 's.csv' });
  const schema = inferSchema(semi, { target: 'y' });
  assert.equal(schema.columns.find((c) => c.name === 'x')?.kind, 'numeric');
  assert.equal(semi.rows[6].x, '9.75');
  const comma = await parseCsv(`x,y\n${Array.from({ length: 30 }, (_, i) => `"${i},5",${i}`).join('\n')}\n`, { file: 'c.csv' });
  const e = await rejectsData(() => checkNumbers(comma, inferSchema(comma, { target: 'y' })), { file: 'c.csv', line: 2 });
  assert.match(e.message, /numbers with a decimal point in column "x", found "0,5" and 29 more like it \(these look like numbers with a decimal comma/);
  const dir = tempDir(t);
  const file = join(dir, 'comma.csv');
  writeFileSync(file, `x,y\n${Array.from({ length: 30 }, (_, i) => `"${i},5",${i}`).join('\n')}\n`);
  const r = runCli(['plan', '--data', file, '--target', 'y', '--project', join(dir, 'p')]);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /decimal comma/);
});

test('a repeated column name stops plan (which one would --target mean?) naming both columns', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'dup.csv');
  writeFileSync(file, `a,target,target\n${Array.from({ length: 20 }, (_, i) => `${i},${i % 2},${i}`).join('\n')}\n`);
  const r = runCli(['plan', '--data', file, '--target', 'target', '--project', join(dir, 'p')]);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /expected each column name once, found "target" \(columns 2, 3\)/);
});

test('an outsized cell is refused with line and column (skipped with lenient), never kept in a vocabulary', async (t) => {
  const dir = tempDir(t);
  const big = 'v'.repeat(MAX_CELL_CHARS + 1);
  const csv = join(dir, 'big.csv');
  writeFileSync(csv, `a,b\n1,x\n2,${big}\n3,y\n`);
  await rejectsData(readTable(csv), { file: csv, line: 3, match: new RegExp(`a value of ${MAX_CELL_CHARS + 1} characters in column "b"`) });
  const lenient = await readTable(csv, { lenient: true });
  assert.deepEqual(lenient.rows.map((r) => r.a), ['1', '3']);
  assert.deepEqual(lenient.report.skipped.map((s) => s.line), [3]);
  // Past the record limit the parser stops before holding it whole.
  const huge = join(dir, 'huge.csv');
  writeFileSync(huge, `a,b\n1,${'w'.repeat(5 * MAX_CELL_CHARS)}\n`);
  await rejectsData(readTable(huge), { file: huge, match: /a record of at most/ });
  const json = join(dir, 'big.json');
  writeFileSync(json, JSON.stringify([{ a: 1, b: 'x' }, { a: 2, b: big }]));
  await rejectsData(readTable(json), { file: json, line: 1, match: /characters in column "b"/ });
});

test('a JSON cell nested thousands of levels deep is refused with its line and column, not a stack overflow', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'deep.json');
  const rows = Array.from({ length: 10 }, (_, i) => JSON.stringify({ a: i, b: 'x', y: i % 2 }));
  rows[3] = `{"a": 3, "b": ${'['.repeat(5000)}1${']'.repeat(5000)}, "y": 1}`;
  writeFileSync(file, `[\n${rows.join(',\n')}\n]\n`);
  await rejectsData(readTable(file), { file, line: 5, match: /values nested at most 64 levels deep, found a deeper one in column "b"/ });
  const lenient = await readTable(file, { lenient: true });
  assert.equal(lenient.rows.length, 9);
  // Nesting within the bound is kept (a list of labels, say).
  const shallow = await parseJson('[{"a": [[1, 2], [3]], "y": 1}]');
  assert.deepEqual(shallow.rows[0].a, [[1, 2], [3]]);
});
