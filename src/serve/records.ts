// What serving leaves in the project store, for `sixstep doctor` and later
// sessions: each served prediction (id, predicted label or value), the true
// labels sent back as feedback, and the latest drift report per model. The
// tables are the store's (migration 5); the read side is records_read.ts.
// Predictions and drift reports are written on a thread of their own
// (records_writer.ts); if that thread dies, everything it had not committed is
// written here instead and the main thread writes from then on, with a warning.
import { Worker } from 'node:worker_threads';
import type { Store } from '../store/index.js';
import type { RecordBatch, DriftSave } from './records_writer.js';
import { readEnding, writerShared } from './records_shared.js';
import type { Prediction } from './predictor.js';
import type { DriftReport } from './drift.js';

/** How long close() waits for the records thread to close its connection. */
const CLOSE_WAIT_MS = 2000;
import { measureRealWorld, type RealWorld } from './records_read.js';

export type { RealWorld } from './records_read.js';

export interface ServedModel {
  key: string;
  dir: string;
  task: string;
  metric: 'accuracy' | 'rmse';
  /** The model's test-set value of `metric`, when one was measured. */
  testValue: number | null;
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

/** How long flush() waits for the writer thread before taking it for dead. */
const WRITER_WAIT_MS = 10_000;

type Pending = [string, number, string | null, number | null];

/** The writer thread, what it was handed, and the shared counters: [0] batches committed, [1] 1 once the thread is going away (then its reason). */
interface Writer {
  worker: Worker;
  buffer: SharedArrayBuffer;
  shared: Int32Array;
  posted: number;
  /** Messages posted and not yet known committed, oldest first: rewritten here if the thread dies. */
  unconfirmed: Array<RecordBatch | DriftSave>;
  /** How many messages were committed when unconfirmed[0] was posted. */
  base: number;
}

/** Serving records of one model in one project store; predictions are buffered and written in batches. */
export class ServeRecords {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sliceScheduled = false;
  private readonly flushMs: number;
  private readonly flushRows: number;
  private readonly insert;
  private writer: Writer | null = null;

  constructor(
    private readonly store: Store,
    readonly model: ServedModel,
    o: ServeRecordsOptions = {},
  ) {
    this.flushMs = o.flushMs ?? 250;
    this.flushRows = o.flushRows ?? 2000;
    store.connection
      .prepare('INSERT INTO serve_models (model_key, model_dir, task, metric, test_value, started_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(model_key) DO UPDATE SET model_dir = excluded.model_dir, test_value = COALESCE(excluded.test_value, serve_models.test_value), started_at = excluded.started_at')
      .run(model.key, model.dir, model.task, model.metric, model.testValue, Date.now());
    this.insert = store.connection.prepare('INSERT OR IGNORE INTO serve_predictions (id, model_key, at, label, value) VALUES (?, ?, ?, ?, ?)');
    if (o.offThread) {
      const shared = writerShared();
      const worker = new Worker(new URL('./records_writer.js', import.meta.url), { workerData: { file: store.file, key: model.key, shared } });
      let cause: string | null = null;
      worker.on('message', (m: { error?: string }) => {
        if (m.error) process.stderr.write(`${m.error}\n`);
      });
      worker.on('error', (e) => (cause = e.message));
      worker.on('exit', (code) => {
        if (this.writer?.worker === worker) this.fallBack(readEnding(shared) || cause || `it exited with code ${code}`);
      });
      worker.unref(); // close() ends it; it must not keep a finished process alive
      this.writer = { worker, buffer: shared, shared: new Int32Array(shared, 0, 2), posted: 0, unconfirmed: [], base: 0 };
    }
  }

  /** Hands one message to the writer thread, keeping it until the thread says it is committed. */
  private send(w: Writer, m: RecordBatch | DriftSave): void {
    this.confirm(w);
    w.worker.postMessage(m);
    w.unconfirmed.push(m);
    w.posted++;
  }

  /** Drops the messages the writer thread has committed. */
  private confirm(w: Writer): void {
    const done = Atomics.load(w.shared, 0) - w.base;
    if (done <= 0) return;
    w.unconfirmed.splice(0, done);
    w.base += done;
  }

  /**
   * The writer thread is gone (it died, or stopped answering): what it had
   * not committed is written here, and from now on the main thread writes.
   */
  private fallBack(cause: string): void {
    const w = this.writer;
    if (!w) return;
    this.writer = null;
    this.confirm(w);
    process.stderr.write(`warning: serve records: the writer thread stopped (${cause}); ${w.unconfirmed.length} uncommitted batch(es) are written on the main thread, which writes from now on\n`);
    for (const m of w.unconfirmed) {
      if ('drift' in m) this.writeDrift(m.drift, m.at);
      else this.write(JSON.parse(m.rows) as Pending[]);
    }
    void w.worker.terminate();
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

  private write(rows: Pending[]): void {
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
    const w = this.writer;
    if (!w) return this.flush(); // the thread died since this was scheduled
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    // One string: cloning it for the thread is a copy, not a walk over thousands of small values.
    this.send(w, { rows: JSON.stringify(rows) });
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
      for (let seen = Atomics.load(w.shared, 0); seen < w.posted; seen = Atomics.load(w.shared, 0)) {
        // The thread raises [1] as it goes (and wakes this wait): no waiting out the deadline on a dead thread.
        if (Atomics.load(w.shared, 1) !== 0) {
          this.fallBack(readEnding(w.buffer) || 'it ended');
          break;
        }
        const left = deadline - Date.now();
        if (left <= 0) {
          this.fallBack(`it committed ${seen} of ${w.posted} batches in ${WRITER_WAIT_MS} ms`);
          break;
        }
        Atomics.wait(w.shared, 0, seen, left);
      }
      if (this.writer) this.confirm(this.writer);
    }
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    this.write(rows);
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
    return measureRealWorld(this.store, this.model);
  }

  saveDrift(report: DriftReport): void {
    const drift = JSON.stringify(report);
    if (this.writer) return this.send(this.writer, { drift, at: Date.now() });
    this.writeDrift(drift, Date.now());
  }

  private writeDrift(report: string, at: number): void {
    this.store.connection.prepare('INSERT INTO serve_drift (model_key, at, report) VALUES (?, ?, ?) ON CONFLICT(model_key) DO UPDATE SET at = excluded.at, report = excluded.report').run(this.model.key, at, report);
  }

  /** Flushes and ends the writer thread; the store stays open (its owner closes it). */
  close(): void {
    this.flush();
    const w = this.writer;
    if (w) {
      this.writer = null;
      w.worker.postMessage({ close: true });
      // The thread closes its connection, then says it ended: waiting for that (briefly, in short slices
      // since the signal may come between a check and a wait) means the database file is closed on return.
      const until = Date.now() + CLOSE_WAIT_MS;
      while (Atomics.load(w.shared, 1) === 0 && Date.now() < until) Atomics.wait(w.shared, 0, Atomics.load(w.shared, 0), Math.min(20, until - Date.now()));
    }
  }
}
