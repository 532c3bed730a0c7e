// A child process for the multi-process study-store tests (not a test file).
//   <store> <study> <budget>   <store>: sqlite:<project dir> or a postgres:// URL.
// Opens the store, prints "ready", waits for a line on stdin (so all workers
// start together), then claims and finishes trials until the budget is used
// up (5 ms of "training" each), and prints the numbers it got as JSON.
import { writeSync } from 'node:fs';
import { openStore } from '../../src/store/index.js';
import { PostgresStudyStore } from '../../src/store/postgres.js';
import { SqliteStudyStore } from '../../src/store/sqlite_study.js';

const [where, study, budget] = process.argv.slice(2);
const project = where.startsWith('sqlite:') ? openStore(where.slice('sqlite:'.length)) : null;
const store = project ? new SqliteStudyStore(project) : await PostgresStudyStore.connect(where);
writeSync(1, 'ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.destroy();
const got: number[] = [];
for (;;) {
  const t = await store.claim(study, { budget: Number(budget), params: (n) => ({ n, by: process.pid }) });
  if (!t) break;
  got.push(t.number);
  await new Promise((r) => setTimeout(r, 5)); // the "training": a worker does not claim back to back
  await store.finish(study, t.number, { state: 'complete', value: t.number / 100, curve: [t.number] });
}
await store.close();
project?.close();
writeSync(1, `${JSON.stringify(got)}\n`);
