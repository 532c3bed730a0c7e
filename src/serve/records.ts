// What serving leaves in the project store, for `sixstep doctor` and later
// sessions: each served prediction (id, predicted label or value), the true
// labels sent back as feedback, and the latest drift report per model.
// The store's migrations belong to src/store; these tables are serving's own,
// created with CREATE TABLE IF NOT EXISTS on first use and never altered:
//   serve_models(model_key PK, model_dir, task, metric, test_value, started_at)
//   serve_predictions(id PK, model_key, at, label, value)
//   serve_feedback(prediction_id PK, at, label, value)
//   serve_drift(model_key PK, at, report JSON)
import { Worker } from 'node:worker_threads';
import type { Store } from '../store/index.js';
import type { RecordBatch } from './records_writer.js';
import type { Prediction } from './predictor.js';
import type { DriftReport } from './drift.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS serve_models (
  model_key TEXT PRIMARY KEY,
  model_dir TEXT NOT NULL,
  task TEXT NOT NULL,
  metric TEXT NOT NULL,
  test_value REAL,
  started_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS serve_predictions (
  id TEXT PRIMARY KEY,
  model_key TEXT NOT NULL,
  at INTEGER NOT NULL,
  label TEXT,
  value REAL
);
CREATE INDEX IF NOT EXISTS serve_predictions_model ON serve_predictions(model_key, at);
CREATE TABLE IF NOT EXISTS serve_feedback (
  prediction_id TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  label TEXT,
  value REAL
);
CREATE TABLE IF NOT EXISTS serve_drift (
  model_key TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  report TEXT NOT NULL
);
`;

export interface ServedModel {
  key: string;
  dir: string;
  task: string;
  metric: 'accuracy' | 'rmse';
  /** The model's test-set value of `metric`, when one was measured. */
  testValue: number | null;
}

export interface RealWorld {
  metric: 'accuracy' | 'rmse';
  /** The metric over every prediction that received feedback. */
  value: number;
  /** The same metric on the sealed test set; null when the model was never tested. */
  testValue: number | null;
  /** Predictions with feedback. */
  n: number;
  modelDir: string;
}

export interface FeedbackItem {
  id: string;
  /** The true class (classification) … */
  label?: string;
  /** … or the true value (regression). */
  value?: number;
}

export interface ServeRecordsOptions {
  /** Buffered predictions are written at least this often (ms). Default 250. */
  flushMs?: number;
  /** … or once this many are waiting. Default 2000. */
  flushRows?: number;
  /**
   * Writes the buffered predictions on a thread of their own (records_writer.ts)
   * instead of the event loop; flush(), feedback() and realWorld() still see
   * every prediction recorded before them. Default false; the servers turn it on.
   */
  offThread?: boolean;
}

/** How long flush() waits for the writer thread before saying so. */
const WRITER_WAIT_MS = 10_000;

function ensureTables(store: Store): void {
  store.connection.exec(SCHEMA);
}

function hasTables(store: Store): boolean {
  const row = store.connection.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('serve_models', 'serve_predictions', 'serve_feedback')").get() as { n: number };
  return row.n === 3;
}

function measure(store: Store, model: { key: string; dir: string; metric: 'accuracy' | 'rmse'; testValue: number | null }): RealWorld | null {
  const db = store.connection;
  if (model.metric === 'accuracy') {
    const r = db.prepare('SELECT COUNT(*) AS n, AVG(p.label = f.label) AS v FROM serve_feedback f JOIN serve_predictions p ON p.id = f.prediction_id WHERE p.model_key = ?').get(model.key) as { n: number; v: number | null };
    return r.n ? { metric: 'accuracy', value: r.v ?? 0, testValue: model.testValue, n: r.n, modelDir: model.dir } : null;
  }
  const r = db.prepare('SELECT COUNT(*) AS n, AVG((p.value - f.value) * (p.value - f.value)) AS mse FROM serve_feedback f JOIN serve_predictions p ON p.id = f.prediction_id WHERE p.model_key = ? AND f.value IS NOT NULL').get(model.key) as { n: number; mse: number | null };
  return r.n ? { metric: 'rmse', value: Math.sqrt(r.mse ?? 0), testValue: model.testValue, n: r.n, modelDir: model.dir } : null;
}

/** Serving records of one model in one project store; predictions are buffered and written in batches. */
export class ServeRecords {
  private pending: Array<[string, number, string | null, number | null]> = [];
  private timer: NodeJS.Timeout | null = null;
  private sliceScheduled = false;
  private readonly flushMs: number;
  private readonly flushRows: number;
  private readonly insert;
  private writer: { worker: Worker; committed: Int32Array; posted: number } | null = null;

  constructor(
    private readonly store: Store,
    readonly model: ServedModel,
    o: ServeRecordsOptions = {},
  ) {
    ensureTables(store);
    this.flushMs = o.flushMs ?? 250;
    this.flushRows = o.flushRows ?? 2000;
    store.connection
      .prepare('INSERT INTO serve_models (model_key, model_dir, task, metric, test_value, started_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(model_key) DO UPDATE SET model_dir = excluded.model_dir, test_value = COALESCE(excluded.test_value, serve_models.test_value), started_at = excluded.started_at')
      .run(model.key, model.dir, model.task, model.metric, model.testValue, Date.now());
    this.insert = store.connection.prepare('INSERT OR IGNORE INTO serve_predictions (id, model_key, at, label, value) VALUES (?, ?, ?, ?, ?)');
    if (o.offThread) {
      const shared = new SharedArrayBuffer(4);
      const worker = new Worker(new URL('./records_writer.js', import.meta.url), { workerData: { file: store.file, key: model.key, committed: shared } });
      worker.on('message', (m: { error?: string }) => {
        if (m.error) process.stderr.write(`${m.error}\n`);
      });
      worker.on('error', (e) => process.stderr.write(`serve records writer: ${e.message}\n`));
      worker.unref(); // close() ends it; it must not keep a finished process alive
      this.writer = { worker, committed: new Int32Array(shared), posted: 0 };
    }
  }

  /** Queues the predictions; they are in the store within flushMs. */
  record(predictions: readonly Prediction[]): void {
    const at = Date.now();
    for (const p of predictions) this.pending.push([p.id, at, p.label ?? (p.labels ? p.labels.join('|') : null), p.value ?? null]);
    if (this.pending.length >= this.flushRows) this.scheduleSlice();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.timedFlush(), this.flushMs);
      this.timer.unref(); // close() flushes; a pending write must not keep a finished process alive
    }
  }

  /**
   * Writes queued predictions 200 at a time (~10–20 ms each), one slice per
   * turn of the event loop after the request's own turn, so a 10 000-row
   * batch never holds other requests up for long.
   */
  private scheduleSlice(): void {
    if (this.sliceScheduled) return;
    this.sliceScheduled = true;
    setImmediate(() => {
      this.sliceScheduled = false;
      if (this.writer) return this.post(); // the writer thread takes any number at once
      this.write(this.pending.splice(0, 200));
      if (this.pending.length) this.scheduleSlice();
    });
  }

  private write(rows: Array<[string, number, string | null, number | null]>): void {
    if (rows.length === 0) return;
    const key = this.model.key;
    this.store.connection.transaction(() => {
      for (const [id, at, label, value] of rows) this.insert.run(id, key, at, label, value);
    })();
  }

  /** Hands every queued prediction to the writer thread. */
  private post(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const w = this.writer!;
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    // One string: cloning it for the thread is a copy, not a walk over thousands of small values.
    const batch: RecordBatch = { rows: JSON.stringify(rows) };
    w.worker.postMessage(batch);
    w.posted++;
  }

  /** Timer flushes go to the writer thread when there is one; flush() itself is synchronous. */
  private timedFlush(): void {
    if (this.writer) this.post();
    else this.flush();
  }

  /**
   * Every recorded prediction is in the store when this returns: queued ones
   * are written in one transaction, and with a writer thread, its batches
   * are waited for (Atomics.wait: a few ms at most, only on feedback, the
   * drift route and shutdown).
   */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const w = this.writer;
    if (w) {
      const deadline = Date.now() + WRITER_WAIT_MS;
      for (let seen = Atomics.load(w.committed, 0); seen < w.posted; seen = Atomics.load(w.committed, 0)) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`serve records: the writer thread committed ${seen} of ${w.posted} batches in ${WRITER_WAIT_MS} ms`);
        Atomics.wait(w.committed, 0, seen, left);
      }
    }
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    const key = this.model.key;
    this.store.connection.transaction(() => {
      for (const [id, at, label, value] of rows) this.insert.run(id, key, at, label, value);
    })();
  }

  /**
   * Stores true labels for earlier predictions of this model (a second label
   * for the same id replaces the first). Returns the ids it did not know.
   */
  feedback(items: readonly FeedbackItem[]): { accepted: number; unknown: string[] } {
    this.flush();
    const db = this.store.connection;
    const known = db.prepare('SELECT 1 FROM serve_predictions WHERE id = ? AND model_key = ?');
    const put = db.prepare('INSERT INTO serve_feedback (prediction_id, at, label, value) VALUES (?, ?, ?, ?) ON CONFLICT(prediction_id) DO UPDATE SET at = excluded.at, label = excluded.label, value = excluded.value');
    const unknown: string[] = [];
    let accepted = 0;
    const at = Date.now();
    db.transaction(() => {
      for (const f of items) {
        if (!known.get(f.id, this.model.key)) {
          unknown.push(f.id);
          continue;
        }
        put.run(f.id, at, f.label ?? null, f.value ?? null);
        accepted++;
      }
    })();
    return { accepted, unknown };
  }

  /** The real-world metric of this model so far; null before any feedback. */
  realWorld(): RealWorld | null {
    this.flush();
    return measure(this.store, this.model);
  }

  saveDrift(report: DriftReport): void {
    if (this.writer) {
      this.writer.worker.postMessage({ drift: JSON.stringify(report), at: Date.now() });
      this.writer.posted++;
      return;
    }
    this.store.connection.prepare('INSERT INTO serve_drift (model_key, at, report) VALUES (?, ?, ?) ON CONFLICT(model_key) DO UPDATE SET at = excluded.at, report = excluded.report').run(this.model.key, Date.now(), JSON.stringify(report));
  }

  /** Flushes and ends the writer thread; the store stays open (its owner closes it). */
  close(): void {
    this.flush();
    if (this.writer) {
      this.writer.worker.postMessage({ close: true });
      this.writer = null;
    }
  }
}

/**
 * For `sixstep doctor`: the real-world metric of the most recently served
 * model that received feedback, beside its test value; null when nothing
 * was served with feedback in this project.
 */
export function realWorldSummary(store: Store): { metric: 'accuracy' | 'rmse'; value: number; testValue: number | null; n: number; modelDir: string } | null {
  if (!hasTables(store)) return null;
  const latest = store.connection
    .prepare('SELECT m.model_key AS key, m.model_dir AS dir, m.metric AS metric, m.test_value AS testValue FROM serve_feedback f JOIN serve_predictions p ON p.id = f.prediction_id JOIN serve_models m ON m.model_key = p.model_key ORDER BY f.at DESC LIMIT 1')
    .get() as { key: string; dir: string; metric: 'accuracy' | 'rmse'; testValue: number | null } | undefined;
  return latest ? measure(store, latest) : null;
}

/** For `sixstep doctor`: the latest saved drift report of each served model, newest first. */
export function servedDrift(store: Store): Array<{ modelDir: string; at: number; report: DriftReport }> {
  const row = store.connection.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('serve_models', 'serve_drift')").get() as { n: number };
  if (row.n < 2) return [];
  const rows = store.connection.prepare('SELECT m.model_dir AS dir, d.at AS at, d.report AS report FROM serve_drift d JOIN serve_models m ON m.model_key = d.model_key ORDER BY d.at DESC').all() as Array<{ dir: string; at: number; report: string }>;
  return rows.map((r) => ({ modelDir: r.dir, at: r.at, report: JSON.parse(r.report) as DriftReport }));
}
