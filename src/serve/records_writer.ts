// The thread that writes served predictions to the project store, so the
// SQLite work (a transaction per batch, and the WAL checkpoints SQLite runs
// inside some commits, 1–13 ms measured on this machine) never holds the
// event loop. Its own connection to the same database file (WAL: the main
// thread's reads see each commit). Messages: a batch of columns → one
// transaction; after it, the shared counter of committed batches is raised
// and notified, which is what ServeRecords.flush() waits on. Whenever the
// thread ends (closed, failed to start, crashed) it raises the second slot
// and wakes that wait, so the main thread takes over instead of waiting.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../store/index.js';
import { lowerThreadPriority } from './background_priority.js';
import { REASON_CHARS } from './records_shared.js';

/** Predictions as JSON: [[id, at, label, value], …]. */
export interface RecordBatch {
  rows: string;
}

/** The latest drift report of the model, already JSON. */
export interface DriftSave {
  drift: string;
  at: number;
}

const { file, key, shared } = workerData as { file: string; key: string; shared: SharedArrayBuffer };
const counter = new Int32Array(shared, 0, 2);

/** Raises the "going away" slot, with why (readEnding reads it on the main thread), and wakes a waiting flush(). */
function ending(why = 'it ended'): void {
  if (Atomics.load(counter, 1) !== 0) return;
  const text = new Uint16Array(shared, 8, REASON_CHARS);
  const n = Math.min(why.length, REASON_CHARS - 1);
  for (let i = 0; i < n; i++) text[i] = why.charCodeAt(i);
  text[n] = 0;
  Atomics.store(counter, 1, 1);
  Atomics.notify(counter, 0);
}
process.on('exit', () => ending());

function start() {
  lowerThreadPriority();
  const db = openDatabase(file);
  const insert = db.raw.prepare('INSERT OR IGNORE INTO serve_predictions (id, model_key, at, label, value) VALUES (?, ?, ?, ?, ?)');
  const write = db.raw.transaction((b: RecordBatch) => {
    for (const [id, at, label, value] of JSON.parse(b.rows) as Array<[string, number, string | null, number | null]>) insert.run(id, key, at, label, value);
  });
  const saveDrift = db.raw.prepare('INSERT INTO serve_drift (model_key, at, report) VALUES (?, ?, ?) ON CONFLICT(model_key) DO UPDATE SET at = excluded.at, report = excluded.report');
  return { db, write, saveDrift };
}

let w: ReturnType<typeof start>;
try {
  w = start();
} catch (e) {
  // Said once, then the thread ends: the main thread writes instead.
  ending(`it could not open ${file}: ${(e as Error).message}`);
  process.exit(1);
}

parentPort!.on('message', (m: RecordBatch | DriftSave | { close: true }) => {
  if ('close' in m) {
    w.db.close();
    ending('closed');
    parentPort!.close();
    return;
  }
  try {
    if ('drift' in m) w.saveDrift.run(key, m.at, m.drift);
    else w.write(m);
  } catch (e) {
    // Not silent: the main thread logs it; the counter still moves so no flush() waits forever.
    parentPort!.postMessage({ error: `serve records: ${(e as Error).message}` });
  }
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
});
