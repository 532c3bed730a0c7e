// Inference off the event loop: the Predictor's own preprocessing (checked
// rows → the encoded matrix, exactly as predictChecked encodes them; its last
// step, standardization, inside the graph) stays on the main thread, the network runs in ONNX Runtime on a worker thread, and
// the Predictor turns its outputs into predictions as before. While a run is
// in flight, arriving requests queue and go together in the next run:
// micro-batching happens only under load, where it pays; a lone request never
// waits for a timer.
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { Preprocessor, tableFromRows } from '../data/index.js';
import { exportNetworkFromDir } from '../export/index.js';
import type { Predictor, Prediction, CheckedRows } from './predictor.js';
import { InputError } from './errors.js';

export interface OnnxEngineOptions {
  /** ONNX Runtime intra-op threads; default 1 (latency for small models, the other core left to Node). */
  threads?: number;
  /**
   * Most rows in one run; default 1024. Larger requests are split into runs of
   * this size, so the main thread encodes and describes them in slices and
   * other requests (/health) are answered in between.
   */
  maxRows?: number;
}

interface Waiting {
  rows: CheckedRows;
  /** Rows handed to runs so far, and rows answered. */
  sent: number;
  done: number;
  out: Prediction[];
  failed: boolean;
  resolve(p: Prediction[]): void;
  reject(e: unknown): void;
}

/** Rows [start, end) of one request in a run. */
interface Slice {
  w: Waiting;
  start: number;
  end: number;
}

interface Reply {
  id: number;
  y?: Float32Array;
  dims?: number[];
  error?: string;
}

export class OnnxEngine {
  private queue: Waiting[] = [];
  private inFlight: { id: number; slices: Slice[] } | null = null;
  private nextId = 0;
  private closed = false;
  private scheduled = false;

  private constructor(
    private readonly predictor: Predictor,
    private readonly worker: Worker,
    private readonly textColumn: string | undefined,
    private readonly maxRows: number,
    /** The Predictor's preprocessing less the final standardization, which the graph does in the same float32 arithmetic. */
    private readonly encoder: Preprocessor,
  ) {
    worker.on('message', (m: Reply) => this.finish(m));
    worker.on('error', (e) => this.failAll(e));
  }

  /** Exports the predictor's network (from its verified directory) and starts the inference thread. */
  static async start(predictor: Predictor, o: OnnxEngineOptions = {}): Promise<OnnxEngine> {
    const { onnx, modelKey } = exportNetworkFromDir(predictor.dir, { standardize: true });
    if (modelKey !== predictor.modelKey) throw new Error(`${predictor.dir}: the model directory changed after it was loaded`);
    const pre = predictor.manifest.preprocessing;
    const textColumn = pre.kind === 'sequence' ? pre.textColumn : undefined;
    const threads = Math.max(1, Math.floor(o.threads ?? 1));
    const worker = new Worker(new URL('./onnx_worker.js', import.meta.url), { workerData: { onnx, threads, input: textColumn ? 'ids' : 'x' } });
    const [first] = (await Promise.race([once(worker, 'message'), once(worker, 'error').then(([e]) => Promise.reject(e))])) as [{ ready?: boolean }];
    if (!first?.ready) throw new Error('the ONNX Runtime worker did not start');
    const encoder = Preprocessor.fromJSON({ ...predictor.preprocessor.toJSON(), normalizer: null });
    return new OnnxEngine(predictor, worker, textColumn, Math.max(1, o.maxRows ?? 1024), encoder);
  }

  /** Predictions for checked rows, in order; the same encoding and output rules as Predictor.predictChecked. */
  predict(rows: CheckedRows): Promise<Prediction[]> {
    if (this.closed) return Promise.reject(new Error('the ONNX engine was closed'));
    if (rows.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ rows, sent: 0, done: 0, out: new Array(rows.length), failed: false, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Encoding starts after the event loop polled for I/O once more (two
   * setImmediate hops: one may run in the current turn), so a large request's
   * validation and its slices are separate blocks with other requests between.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() =>
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      }),
    );
  }

  private pump(): void {
    if (this.inFlight || this.queue.length === 0) return;
    // Fill one run: the rest of the first request, then whole or partial later ones.
    const slices: Slice[] = [];
    let room = this.maxRows;
    for (const w of this.queue) {
      if (room === 0) break;
      if (w.sent === w.rows.length) continue;
      const end = Math.min(w.rows.length, w.sent + room);
      slices.push({ w, start: w.sent, end });
      room -= end - w.sent;
      w.sent = end;
    }
    if (slices.length === 0) return;
    try {
      const rows = (slices.length === 1 && slices[0].start === 0 && slices[0].end === slices[0].w.rows.length ? slices[0].w.rows : slices.flatMap((x) => x.w.rows.slice(x.start, x.end))) as CheckedRows;
      const enc = this.encoder.transform(tableFromRows(rows, '<request>'));
      const id = this.nextId++;
      this.inFlight = { id, slices };
      if (this.textColumn) {
        const ids = enc.text[this.textColumn];
        const L = ids.length / Math.max(1, enc.n);
        const data = BigInt64Array.from(ids, (v) => BigInt(v));
        this.worker.postMessage({ id, type: 'int64', data, dims: [enc.n, L] }, [data.buffer]);
      } else {
        const data = enc.x.slice();
        this.worker.postMessage({ id, type: 'float32', data, dims: [enc.n, enc.features.length] }, [data.buffer]);
      }
    } catch (e) {
      this.inFlight = null;
      this.fail(slices.map((x) => x.w), e);
      this.schedule();
    }
  }

  /** Rejects these requests (once each) and drops them from the queue. */
  private fail(requests: Waiting[], e: unknown): void {
    for (const w of requests) {
      if (w.failed) continue;
      w.failed = true;
      w.reject(e);
    }
    this.queue = this.queue.filter((w) => !w.failed);
  }

  private finish(m: Reply): void {
    const run = this.inFlight;
    if (!run || m.id !== run.id) return;
    this.inFlight = null;
    if (m.error !== undefined || !m.y || !m.dims) {
      this.fail(run.slices.map((x) => x.w), new Error(`ONNX Runtime: ${m.error ?? 'no output'}`));
    } else {
      // float32 outputs read as float64, as the libtorch path reads them.
      const width = m.dims.length === 1 ? 1 : m.dims[1];
      const values = Float64Array.from(m.y);
      let at = 0;
      for (const { w, start, end } of run.slices) {
        for (let i = start; i < end; i++, at++) {
          const v = values.subarray(at * width, (at + 1) * width);
          // Never a null prediction, as on the libtorch path: a non-finite output refuses the request.
          const bad = v.findIndex((x) => !Number.isFinite(x));
          if (bad >= 0 && !w.failed) this.fail([w], new InputError('rows', i, 'type', `row ${i}: the model's output is not finite (${v[bad]}); the inputs are outside what the model can compute with`));
          if (!w.failed) w.out[i] = this.predictor.describe(v);
        }
        w.done += end - start;
        if (w.done === w.rows.length && !w.failed) {
          this.queue.splice(this.queue.indexOf(w), 1);
          w.resolve(w.out);
        }
      }
    }
    // The next run starts on a later turn of the event loop, so requests that arrived meanwhile are served first.
    this.schedule();
  }

  private failAll(e: unknown): void {
    this.inFlight = null;
    this.fail(this.queue, e);
  }

  /** Stops the inference thread after the runs already asked for. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.inFlight || this.queue.length) await new Promise((r) => setTimeout(r, 5));
    const exit = once(this.worker, 'exit');
    this.worker.postMessage({ close: true });
    await Promise.race([exit, new Promise((r) => setTimeout(r, 2000))]);
    await this.worker.terminate();
  }
}
