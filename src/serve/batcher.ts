// Micro-batching: concurrent requests that arrive in the same turn of the
// event loop share one forward pass. A forward pass costs about the same for
// one row as for dozens (it is per-call overhead: encoding set-up, native
// calls), so under load this multiplies throughput while a lone request
// waits only until the end of the current loop turn (setImmediate).
import type { Predictor, Prediction, CheckedRows } from './predictor.js';

export interface BatcherOptions {
  /** Most rows in one forward pass; a request is never split. Default 512. */
  maxRows?: number;
}

interface Waiting {
  rows: CheckedRows;
  resolve(p: Prediction[]): void;
  reject(e: unknown): void;
}

export class MicroBatcher {
  private queue: Waiting[] = [];
  private scheduled = false;
  private readonly maxRows: number;

  constructor(
    private readonly predictor: Predictor,
    o: BatcherOptions = {},
  ) {
    this.maxRows = Math.max(1, o.maxRows ?? 512);
  }

  predict(rows: CheckedRows): Promise<Prediction[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.run());
      }
    });
  }

  private run(): void {
    this.scheduled = false;
    // Take whole requests until the batch is full (the first one always fits).
    let total = 0;
    let k = 0;
    while (k < this.queue.length && (k === 0 || total + this.queue[k].rows.length <= this.maxRows)) total += this.queue[k++].rows.length;
    const batch = this.queue.splice(0, k);
    if (this.queue.length) {
      this.scheduled = true;
      setImmediate(() => this.run());
    }
    if (batch.length === 0) return;
    let values: Float64Array;
    let width: number;
    try {
      ({ values, width } = this.predictor.forward(batch.length === 1 ? batch[0].rows : (batch.flatMap((w) => w.rows) as CheckedRows)));
    } catch (e) {
      for (const w of batch) w.reject(e);
      return;
    }
    // Each request is answered from its own rows: a row whose output is not finite refuses its request alone, named in its numbering.
    let at = 0;
    for (const w of batch) {
      const out: Prediction[] = new Array(w.rows.length);
      const error = this.predictor.describeRows(w.rows, 0, w.rows.length, values, at, width, out);
      at += w.rows.length;
      if (error) w.reject(error);
      else w.resolve(out);
    }
  }
}
