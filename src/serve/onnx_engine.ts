// Inference off the Predictor's libtorch path: the Predictor's own
// preprocessing (checked rows → the encoded matrix, exactly as predictChecked
// encodes them; its last step, standardization, inside the graph) stays on the
// main thread, the network runs in ONNX Runtime, and the Predictor turns its
// outputs into predictions as before. Where it runs is measured at start-up:
// a request no larger than the rows one run handles within `inlineMs` on this
// thread (tens of microseconds for a small table model) runs inline on the
// event loop, since handing it to a thread and back costs more than the run
// itself; larger ones run on a worker thread, in slices of `maxRows`, so the
// event loop keeps answering (/health, small predictions) meanwhile. While a
// worker run is in flight, arriving large requests queue and go together in
// the next run: micro-batching happens only under load, where it pays.
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import type OrtModule from 'onnxruntime-node';
import { isOnnxRuntimeMissing, onnxRuntimeMissing } from './onnx_runtime.js';
import { sessionOptions } from './onnx_session.js';
import { Preprocessor, tableFromRows } from '../data/index.js';
import { exportNetworkFromDir } from '../export/index.js';
import type { Predictor, Prediction, CheckedRows } from './predictor.js';
import { ServeFault } from './errors.js';
import { DenseGraph } from './dense_graph.js';
import { packRows } from '../data/model_input.js';

export interface OnnxEngineOptions {
  /** ONNX Runtime intra-op threads; default 1 (latency for small models, the other core left to Node). */
  threads?: number;
  /**
   * Most rows in one run; default 1024. Larger requests are split into runs of
   * this size, so the main thread encodes and describes them in slices and
   * other requests (/health) are answered in between.
   */
  maxRows?: number;
  /**
   * Event-loop time (ms) one inline run may take: requests of up to the rows
   * a run was measured to finish within it, at start-up, run on the event
   * loop; default 0.25. 0 sends every request to the worker.
   */
  inlineMs?: number;
  /**
   * Longest a worker run may take (ms) before the worker is taken for hung:
   * the requests in that run get 503, a new worker starts, and the old one is
   * asked to close once its run ends (ending a thread inside a run would abort
   * the process in onnxruntime-node). Default 60 000.
   */
  runTimeoutMs?: number;
}

/** What a worker is started with, kept so a worker that died can be replaced. */
interface WorkerInit {
  onnx: Uint8Array;
  threads: number;
  input: 'ids' | 'x';
}

/** Restarts allowed within RESTART_WINDOW_MS before the worker is given up on (large requests then get 503 at once). */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

/** Starts the inference thread and waits for its session: rejects with why it did not start. */
async function startWorker(init: WorkerInit): Promise<Worker> {
  const worker = new Worker(new URL('./onnx_worker.js', import.meta.url), { workerData: init });
  try {
    const [first] = (await Promise.race([once(worker, 'message'), once(worker, 'error').then(([e]) => Promise.reject(e)), once(worker, 'exit').then(([code]) => Promise.reject(new Error(`exited with code ${code} before its session was ready`)))])) as [{ ready?: boolean }];
    if (!first?.ready) throw new Error('sent no ready message');
    return worker;
  } catch (e) {
    await worker.terminate();
    throw new Error(`the ONNX Runtime worker did not start: ${(e as Error).message}`);
  }
}

// onnxruntime-node is an optional dependency (see onnx_runtime.ts): loaded by OnnxEngine.start, before any use here.
let ort: typeof OrtModule;

async function loadOnnxRuntime(): Promise<typeof OrtModule> {
  try {
    return (await import('onnxruntime-node')).default;
  } catch (e) {
    throw isOnnxRuntimeMissing(e) ? onnxRuntimeMissing() : e;
  }
}

/** Rows tried for the inline limit (doubling); an encoded request of more rows always goes to the worker. */
const INLINE_MAX_ROWS = 256;


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

interface InlineWaiting {
  rows: CheckedRows;
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
  /** Small requests waiting for the end of this event-loop turn (runInlineQueue). */
  private inlineQueue: InlineWaiting[] = [];
  private inlineScheduled = false;
  private inlineRunning = 0;
  private inFlight: { id: number; slices: Slice[] } | null = null;
  private nextId = 0;
  private closed = false;
  private scheduled = false;
  private worker: Worker;
  /** Set while a replacement worker starts (large requests wait in the queue). */
  private restarting: Promise<void> | null = null;
  private restartTimes: number[] = [];
  /** Why the worker was given up on; large requests then get 503 at once. */
  private broken: string | null = null;
  private runTimer: NodeJS.Timeout | null = null;
  /** Workers replaced while a run was hung: their later exit is expected. */
  private readonly retired = new WeakSet<Worker>();

  private constructor(
    private readonly predictor: Predictor,
    worker: Worker,
    private readonly workerInit: WorkerInit,
    private readonly runTimeoutMs: number,
    private readonly maxRows: number,
    /** The Predictor's preprocessing less the final standardization, which the graph does in the same float32 arithmetic. */
    private readonly encoder: Preprocessor,
    /** The same graph on the main thread, for requests of at most `inlineRows` rows. */
    private readonly inline: OrtModule.InferenceSession | null,
    /** Measured at start-up (see OnnxEngineOptions.inlineMs); 0: nothing runs inline. */
    readonly inlineRows: number,
    /** The graph in JavaScript, when it is a table graph and ran one row faster than ONNX Runtime at start-up. */
    private readonly dense: DenseGraph | null,
    /** How the inline path was chosen, with the times it was chosen on. */
    readonly inlineChoice: InlineChoice,
  ) {
    this.worker = worker;
    this.watch(worker);
  }

  /** Answers from the worker, and its death: 'error' says why, 'exit' follows it (or comes alone, after terminate() or a crash). */
  private watch(worker: Worker): void {
    let cause: string | null = null;
    worker.on('message', (m: Reply) => {
      if (worker === this.worker) this.finish(m);
    });
    worker.on('error', (e) => (cause = e.message));
    worker.on('exit', (code) => this.lost(worker, cause ?? `exit code ${code}`));
  }

  /**
   * The worker stopped: the requests of the run in it fail at once with 503
   * naming the cause, and a new worker starts; queued requests wait for it.
   * After MAX_RESTARTS within a minute the engine gives up on the worker and
   * large requests get 503 at once (small ones still run inline).
   */
  private lost(worker: Worker, cause: string): void {
    if (worker !== this.worker || this.retired.has(worker) || (this.closed && !this.inFlight && this.queue.length === 0)) return;
    if (this.runTimer) clearTimeout(this.runTimer);
    this.runTimer = null;
    const run = this.inFlight;
    this.inFlight = null;
    process.stderr.write(`serve: the ONNX Runtime worker stopped (${cause}); ${run ? `${run.slices.length} request(s) in its run get 503; ` : ''}restarting it\n`);
    if (run) this.fail(run.slices.map((x) => x.w), new ServeFault(503, 'onnx-worker-stopped', `the ONNX Runtime worker thread stopped during this request (${cause}); it is being restarted: send the request again`));
    const now = Date.now();
    this.restartTimes = this.restartTimes.filter((t) => now - t < RESTART_WINDOW_MS);
    if (this.restartTimes.length >= MAX_RESTARTS) return this.giveUp(`it stopped ${MAX_RESTARTS + 1} times within ${RESTART_WINDOW_MS / 1000} s (last: ${cause})`);
    this.restartTimes.push(now);
    this.restarting = startWorker(this.workerInit).then(
      (w) => {
        this.restarting = null;
        if (this.closed && this.queue.length === 0) return void w.terminate();
        this.worker = w;
        this.watch(w);
        this.schedule();
      },
      (e: Error) => {
        this.restarting = null;
        this.giveUp(e.message);
      },
    );
  }

  /** A run past its timeout: the worker is replaced as if it had died, and closes on its own once the run ends. */
  private hung(worker: Worker, cause: string): void {
    if (worker !== this.worker) return;
    this.runTimer = null;
    this.lost(worker, cause);
    this.retired.add(worker);
    worker.postMessage({ close: true });
    worker.unref();
  }

  private giveUp(why: string): void {
    this.broken = why;
    process.stderr.write(`serve: giving up on the ONNX Runtime worker: ${why}; requests over ${this.inlineRows} rows get 503\n`);
    this.fail(this.queue, this.unavailable());
  }

  private unavailable(): ServeFault {
    return new ServeFault(503, 'onnx-worker-down', `the ONNX Runtime worker thread is down (${this.broken}); this server answers requests of at most ${this.inlineRows} rows until it is restarted`);
  }

  /** Exports the predictor's network (from its verified directory), starts the inference thread and measures the inline limit. */
  static async start(predictor: Predictor, o: OnnxEngineOptions = {}): Promise<OnnxEngine> {
    ort = await loadOnnxRuntime();
    const { onnx, modelKey } = exportNetworkFromDir(predictor.dir, { standardize: true });
    if (modelKey !== predictor.modelKey) throw new Error(`${predictor.dir}: the model directory changed after it was loaded`);
    const init: WorkerInit = { onnx, threads: Math.max(1, Math.floor(o.threads ?? 1)), input: 'x' };
    const worker = await startWorker(init);
    const encoder = Preprocessor.fromJSON({ ...predictor.preprocessor.toJSON(), normalizer: null });
    const inlineMs = o.inlineMs ?? 0.25;
    let inline: OrtModule.InferenceSession | null = null;
    let inlineRows = 0;
    let dense: DenseGraph | null = null;
    let choice: InlineChoice = { runner: null, reason: 'inlineMs is 0: every request goes to the worker' };
    try {
      if (inlineMs > 0) {
        // One intra-op thread on the main thread: the run is a few small ops, and the other core stays with the worker and the network stack.
        inline = await ort.InferenceSession.create(onnx, sessionOptions(1));
        const width = predictor.layout.width;
        const ortRun = (n: number) => runZeros(inline!, width, n);
        // A graph with text encoders (token lookups, an LSTM) is not a dense graph: compile says so.
        const compiled = DenseGraph.compile(onnx);
        if (compiled instanceof DenseGraph) {
          // The cheaper runner for one row, measured: a served table model is usually a few hundred multiply-adds.
          const jsRun = (n: number) => void compiled.run(new Float32Array(n * compiled.inputWidth), n);
          const [js, rt] = [await medianMs(jsRun, 1), await medianMs(ortRun, 1)];
          if (js < rt) dense = compiled;
          choice = { runner: dense ? 'javascript' : 'onnxruntime', reason: `one row: JavaScript ${fmtUs(js)}, ONNX Runtime ${fmtUs(rt)} (median of 7)` };
        } else choice = { runner: 'onnxruntime', reason: `not run in JavaScript: ${compiled.reason}` };
        inlineRows = await measureInlineRows(dense ? (n) => void dense!.run(new Float32Array(n * dense!.inputWidth), n) : ortRun, inlineMs);
        if (inlineRows === 0) choice = { runner: null, reason: `one row takes longer than ${inlineMs} ms on this thread; ${choice.reason}` };
        if (dense) {
          await inline.release();
          inline = null;
        }
      }
    } catch (e) {
      await worker.terminate();
      throw e;
    }
    return new OnnxEngine(predictor, worker, init, Math.max(1, o.runTimeoutMs ?? 60_000), Math.max(1, o.maxRows ?? 1024), encoder, inline, inlineRows, dense, { ...choice, rows: inlineRows });
  }

  /** Predictions for checked rows, in order; the same encoding and output rules as Predictor.predictChecked. */
  predict(rows: CheckedRows): Promise<Prediction[]> {
    if (this.closed) return Promise.reject(new Error('the ONNX engine was closed'));
    if (rows.length === 0) return Promise.resolve([]);
    if ((this.inline || this.dense) && rows.length <= this.inlineRows) {
      return new Promise((resolve, reject) => {
        this.inlineQueue.push({ rows, resolve, reject });
        if (!this.inlineScheduled) {
          this.inlineScheduled = true;
          setImmediate(() => this.runInlineQueue());
        }
      });
    }
    if (this.broken) return Promise.reject(this.unavailable());
    return new Promise((resolve, reject) => {
      this.queue.push({ rows, sent: 0, done: 0, out: new Array(rows.length), failed: false, resolve, reject });
      this.schedule();
    });
  }

  /**
   * The small requests that arrived in this turn of the event loop, in runs
   * of at most `inlineRows` rows: one call into ONNX Runtime and one encoding
   * per run instead of per request (under load several arrive per turn; a
   * lone request waits only for the end of the turn).
   */
  private runInlineQueue(): void {
    this.inlineScheduled = false;
    const waiting = this.inlineQueue;
    this.inlineQueue = [];
    for (let start = 0; start < waiting.length; ) {
      let end = start;
      let total = 0;
      while (end < waiting.length && (end === start || total + waiting[end].rows.length <= this.inlineRows)) total += waiting[end++].rows.length;
      void this.runInline(waiting.slice(start, end));
      start = end;
    }
  }

  /** One inline run on the event loop: encode, run, describe; a non-finite output refuses only its own request. */
  private async runInline(group: InlineWaiting[]): Promise<void> {
    let values: Float64Array;
    let width: number;
    try {
      const rows = (group.length === 1 ? group[0].rows : group.flatMap((w) => w.rows)) as CheckedRows;
      const feed = this.encode(rows);
      if (this.dense) {
        values = Float64Array.from(this.dense.run(feed.data as Float32Array, rows.length));
        width = this.dense.outputWidth;
      } else {
        this.inlineRunning++;
        const y = await this.inline!.run({ x: new ort.Tensor(feed.type, feed.data, feed.dims) })
          .then((out) => out.y)
          .finally(() => this.inlineRunning--);
        width = y.dims.length === 1 ? 1 : y.dims[1];
        values = Float64Array.from(y.data as Float32Array);
      }
    } catch (e) {
      for (const w of group) w.reject(e);
      return;
    }
    let at = 0;
    for (const w of group) {
      const predictions: Prediction[] = new Array(w.rows.length);
      const error = this.predictor.describeRows(w.rows, 0, w.rows.length, values, at, width, predictions);
      at += w.rows.length;
      if (error) w.reject(error);
      else w.resolve(predictions);
    }
  }

  /** Checked rows as the network's input rows: the encoding before standardization, then each text column's ids (float32 [n, width]). */
  private encode(rows: CheckedRows): { type: 'float32'; data: Float32Array; dims: number[] } {
    const enc = this.encoder.transform(tableFromRows(rows, '<request>'));
    const layout = this.predictor.layout;
    return { type: 'float32', data: packRows(enc, layout), dims: [enc.n, layout.width] };
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
    if (this.inFlight || this.restarting || this.broken || this.queue.length === 0) return;
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
      const feed = this.encode(rows);
      const id = this.nextId++;
      this.inFlight = { id, slices };
      this.worker.postMessage({ id, ...feed }, [feed.data.buffer as ArrayBuffer]);
      const worker = this.worker;
      this.runTimer = setTimeout(() => this.hung(worker, `a run of ${rows.length} rows took over ${this.runTimeoutMs} ms`), this.runTimeoutMs);
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
    if (this.runTimer) clearTimeout(this.runTimer);
    this.runTimer = null;
    if (m.error !== undefined || !m.y || !m.dims) {
      this.fail(run.slices.map((x) => x.w), new Error(`ONNX Runtime: ${m.error ?? 'no output'}`));
    } else {
      // float32 outputs read as float64, as the libtorch path reads them.
      const width = m.dims.length === 1 ? 1 : m.dims[1];
      const values = Float64Array.from(m.y);
      let at = 0;
      for (const { w, start, end } of run.slices) {
        // Never a null prediction, as on the libtorch path: a non-finite output refuses the request.
        const error = w.failed ? null : this.predictor.describeRows(w.rows, start, end, values, at, width, w.out);
        at += end - start;
        if (error) this.fail([w], error);
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

  /** Stops the inference thread after the runs already asked for. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.inFlight || this.queue.length || this.restarting || this.inlineScheduled || this.inlineRunning) await new Promise((r) => setTimeout(r, 5));
    if (this.runTimer) clearTimeout(this.runTimer);
    if (!this.broken) {
      const exit = once(this.worker, 'exit');
      this.worker.postMessage({ close: true });
      await Promise.race([exit, new Promise((r) => setTimeout(r, 2000))]);
    }
    await this.worker.terminate();
    await this.inline?.release();
  }
}

/** Which runner serves small requests on the event loop, and why (the times it compared). */
export interface InlineChoice {
  /** null: nothing runs inline. */
  runner: 'javascript' | 'onnxruntime' | null;
  reason: string;
  /** The most rows one inline run takes (measured). */
  rows?: number;
}

const fmtUs = (ms: number) => `${Math.round(ms * 1000 * 10) / 10} µs`;

/** One run of the session on zero inputs of n rows (the cost of a dense network does not depend on the values). */
async function runZeros(session: OrtModule.InferenceSession, width: number, n: number): Promise<void> {
  await session.run({ x: new ort.Tensor('float32', new Float32Array(n * width), [n, width]) });
}

/** The median of 7 timed runs of n rows (ms), after 20 warm-up runs (the JavaScript runner is compiled by then). */
async function medianMs(run: (n: number) => Promise<void> | void, n: number): Promise<number> {
  for (let k = 0; k < 20; k++) await run(n);
  const times: number[] = [];
  for (let k = 0; k < 7; k++) {
    const t0 = process.hrtime.bigint();
    await run(n);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[3];
}

/**
 * The most rows (1, 2, 4 … INLINE_MAX_ROWS) whose run takes at most
 * `budgetMs` on this thread (medianMs); 0 when even one row takes longer.
 */
async function measureInlineRows(run: (n: number) => Promise<void> | void, budgetMs: number): Promise<number> {
  let best = 0;
  for (let n = 1; n <= INLINE_MAX_ROWS; n *= 2) {
    if ((await medianMs(run, n)) > budgetMs) break;
    best = n;
  }
  return best;
}
