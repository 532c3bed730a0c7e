// Data pipeline throughput: CSV and Parquet ingest rows/s, one streamed epoch
// over flights-3m.parquet (peak RSS), and one in-memory epoch over
// flights-200k, printed as JSON lines. Run: node dist/bench/data.js
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataLoader, ParquetLoader, Preprocessor, inferSchema, parquetRowGroups, readCsv, readJson, readParquet } from '../src/data/index.js';
import { liveTensors } from '../src/tensor/index.js';

const DATA = 'node_modules/vega-datasets/data';
const emit = (o: Record<string, unknown>): void => console.log(JSON.stringify(o));
const mb = (kb: number): number => Math.round(kb / 1024);
const batchSize = Number(process.env.BATCH ?? 1024);

async function csvIngest(): Promise<void> {
  // flights-200k as CSV text, written once to a temp file
  const flights = await readJson(`${DATA}/flights-200k.json`);
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-bench-'));
  const file = join(dir, 'flights-200k.csv');
  writeFileSync(file, `delay,distance,time\n${flights.rows.map((r) => `${r.delay},${r.distance},${r.time}`).join('\n')}\n`);
  const t0 = performance.now();
  const t = await readCsv(file);
  const s = (performance.now() - t0) / 1000;
  emit({ bench: 'csv_ingest', file: 'flights-200k.csv', rows: t.rows.length, seconds: +s.toFixed(3), rows_per_s: Math.round(t.rows.length / s) });
  rmSync(dir, { recursive: true, force: true });
}

async function parquetIngest(): Promise<void> {
  const t0 = performance.now();
  let rows = 0;
  for await (const g of parquetRowGroups(`${DATA}/flights-3m.parquet`, { rowGroups: [0, 1, 2] })) rows += g.rows.length;
  const s = (performance.now() - t0) / 1000;
  emit({ bench: 'parquet_ingest', file: 'flights-3m.parquet (row groups 0-2)', rows, seconds: +s.toFixed(3), rows_per_s: Math.round(rows / s) });
}

async function streamedEpoch(): Promise<void> {
  const path = `${DATA}/flights-3m.parquet`;
  // schema and statistics from the first row group only: the training sample
  const sample = await readParquet(path, { rowGroups: [0] });
  const pre = Preprocessor.fit(sample, inferSchema(sample, { target: 'delay' }), { maxCategories: 20 });
  sample.rows.length = 0;
  const loader = new ParquetLoader(path, pre, { batchSize, seed: 1, bufferRowGroups: 2 });
  const before = liveTensors();
  const t0 = performance.now();
  let rows = 0;
  let batches = 0;
  for await (const b of loader.epoch(0)) {
    rows += b.x.shape[0];
    batches++;
    b.x.dispose();
    b.y?.dispose();
  }
  const s = (performance.now() - t0) / 1000;
  emit({
    bench: 'parquet_epoch', file: 'flights-3m.parquet', rows, batches, batch_size: batchSize, features: pre.featureNames.length,
    seconds: +s.toFixed(2), rows_per_s: Math.round(rows / s), peak_rss_mb: mb(process.resourceUsage().maxRSS), leaked_tensors: liveTensors() - before,
  });
}

async function memoryEpoch(): Promise<void> {
  const t0 = performance.now();
  const t = await readJson(`${DATA}/flights-200k.json`);
  const t1 = performance.now();
  const pre = Preprocessor.fit(t, inferSchema(t, { target: 'delay' }));
  const enc = pre.transform(t);
  const loader = DataLoader.fromEncoded(enc, { batchSize, seed: 1 });
  const t2 = performance.now();
  let rows = 0;
  for (const b of loader.epoch(0)) {
    rows += b.x.shape[0];
    b.x.dispose();
    b.y?.dispose();
  }
  const t3 = performance.now();
  loader.dispose();
  emit({
    bench: 'memory_epoch', file: 'flights-200k.json', rows, batch_size: batchSize, features: pre.featureNames.length,
    read_seconds: +((t1 - t0) / 1000).toFixed(3), encode_seconds: +((t2 - t1) / 1000).toFixed(3), epoch_seconds: +((t3 - t2) / 1000).toFixed(3),
    total_seconds: +((t3 - t0) / 1000).toFixed(3),
  });
}

// ONLY=name runs one bench (peak RSS is per process, so measure parquet_epoch alone for a clean figure)
const benches: Record<string, () => Promise<void>> = { csv_ingest: csvIngest, parquet_ingest: parquetIngest, memory_epoch: memoryEpoch, parquet_epoch: streamedEpoch };
for (const [name, run] of Object.entries(benches)) if (!process.env.ONLY || process.env.ONLY.split(',').includes(name)) await run();
