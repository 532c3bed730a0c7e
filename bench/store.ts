// Experiment-store write throughput: step rows/s through a StepWriter at
// several batch sizes against one transaction per row, with synchronous=NORMAL
// (the default) and FULL (an fsync per commit). One JSON line per case.
// Run: node dist/bench/store.js   (ROWS=200000 sets the batched row count)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type StepInput } from '../src/store/index.js';

const emit = (o: Record<string, unknown>): void => console.log(JSON.stringify(o));
const ROWS = Number(process.env.ROWS ?? 200_000);
const root = mkdtempSync(join(tmpdir(), 'sixstep-bench-store-'));

const row = (i: number): StepInput => ({ step: i, epoch: Math.floor(i / 1000), loss: 1 / (i + 1), lrs: [1e-3, 1e-4], gradNorm: i / 7 });

function run(name: string, synchronous: 'normal' | 'full', rows: number, batch: number | null): void {
  const store = openStore(join(root, `${name}-${synchronous}-${batch ?? 1}`), { synchronous });
  const r = store.createRun({ kind: 'fit' });
  const t0 = performance.now();
  if (batch === null) {
    for (let i = 0; i < rows; i++) store.logStep(r.id, row(i));
  } else {
    const w = store.stepWriter(r.id, { batchSize: batch, maxDelayMs: 0 });
    for (let i = 0; i < rows; i++) w.add(row(i));
    w.close();
  }
  const s = (performance.now() - t0) / 1000;
  if (store.stepCount(r.id) !== rows) throw new Error(`${name}: wrote ${store.stepCount(r.id)} of ${rows} rows`);
  store.close();
  emit({ bench: `store_steps_${name}`, synchronous, batch: batch ?? 1, rows, seconds: +s.toFixed(3), rows_per_s: Math.round(rows / s) });
}

try {
  for (const batch of [16, 64, 256, 1024]) run('batched', 'normal', ROWS, batch);
  run('single_row', 'normal', Math.round(ROWS / 10), null);
  run('batched', 'full', ROWS, 256);
  run('single_row', 'full', Math.round(ROWS / 100), null);
} finally {
  rmSync(root, { recursive: true, force: true });
}
