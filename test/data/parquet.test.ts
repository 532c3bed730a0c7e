import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParquetLoader, Preprocessor, inferSchema, parquetInfo, parquetRowGroups, readParquet, readTable } from '../../src/data/index.js';
import { liveTensors } from '../../src/tensor/index.js';
import { VEGA, rejectsData, tempDir } from './helpers.js';

const FLIGHTS = join(VEGA, 'flights-3m.parquet');

test('Parquet: footer info, one row group at a time, typed cells', async () => {
  const info = await parquetInfo(FLIGHTS);
  assert.equal(info.rows, 3000000);
  assert.deepEqual(info.columns, ['date', 'delay', 'distance', 'origin', 'destination']);
  assert.equal(info.rowGroups.reduce((a, g) => a + g.rows, 0), info.rows);
  const it = parquetRowGroups(FLIGHTS, { rowGroups: [1], columns: ['delay', 'origin'] });
  const g = (await it.next()).value!;
  assert.equal(g.rowGroup, 1);
  assert.equal(g.rows.length, info.rowGroups[1].rows);
  assert.deepEqual(Object.keys(g.rows[0]), ['delay', 'origin']);
  assert.equal(g.lines[0], info.rowGroups[1].start + 1, 'lines are 1-based row numbers');
  await it.return(undefined);
  const small = await readTable(FLIGHTS, { maxRows: 1000 });
  assert.equal(small.rows.length, 1000);
  assert.ok(small.rows[0].date instanceof Date);
});

test('Parquet: bad files are DataErrors', async (t) => {
  const dir = tempDir(t);
  const fake = join(dir, 'fake.parquet');
  writeFileSync(fake, 'PAR1 this is not parquet');
  await rejectsData(readParquet(fake), { file: fake, match: /Parquet/ });
  await rejectsData(readParquet(join(dir, 'none.parquet')), { match: /no such file/ });
  await rejectsData(readParquet(FLIGHTS, { columns: ['nope'] }), { match: /column named "nope"/ });
});

test('ParquetLoader streams row groups: every row once per epoch, shuffled within a buffer, bounded memory', async () => {
  const base = liveTensors();
  const sample = await readParquet(FLIGHTS, { rowGroups: [0], maxRows: 50000 });
  const schema = inferSchema(sample, { target: 'delay' });
  assert.equal(schema.task, 'regression');
  assert.equal(schema.columns.find((c) => c.name === 'date')!.kind, 'datetime');
  const pre = Preprocessor.fit(sample, schema, { maxCategories: 10 });
  const info = await parquetInfo(FLIGHTS);
  const groups = [3, 4];
  const loader = new ParquetLoader(FLIGHTS, pre, { batchSize: 4096, rowGroups: groups, bufferRowGroups: 1, seed: 2 });
  const expected = groups.reduce((a, g) => a + info.rowGroups[g].rows, 0);
  const seen = new Uint8Array(info.rows);
  let rows = 0;
  let firstBatch: number[] = [];
  let peak = 0;
  for await (const b of loader.epoch(0)) {
    if (!firstBatch.length) firstBatch = Array.from(b.indices.subarray(0, 10));
    assert.equal(b.x.dtype, 'float32');
    assert.equal(b.y!.dtype, 'float32');
    assert.equal(b.x.shape[1], pre.featureNames.length);
    for (const r of b.indices) seen[r]++;
    rows += b.x.shape[0];
    b.x.dispose();
    b.y!.dispose();
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  assert.equal(rows, expected);
  assert.equal(loader.report.rows, expected);
  for (const g of groups) {
    const { start, rows: n } = info.rowGroups[g];
    for (let r = start; r < start + n; r++) assert.equal(seen[r], 1, `row ${r} exactly once`);
  }
  const ordered = firstBatch.every((r, i) => i === 0 || r === firstBatch[i - 1] + 1);
  assert.ok(!ordered, 'rows are shuffled');
  const next = (await loader.epoch(1).next()).value!;
  assert.notDeepEqual(Array.from(next.indices.subarray(0, 10)), firstBatch, 'a new order next epoch');
  next.x.dispose();
  next.y!.dispose();
  assert.ok(peak < 1.5e9, `rss ${Math.round(peak / 1e6)} MB`);
  assert.equal(liveTensors(), base);
});
