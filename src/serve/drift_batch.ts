// Drift bookkeeping of small requests off their response path: their rows
// are counted together at the end of the event-loop turn (setImmediate runs
// after the turn's responses are written), one observe() for all of them.
// Whoever reads or saves the drift report flushes first, so it always counts
// every answered row; large requests flush too, then go slice by slice
// (slices.ts), so rows are observed in the order they were answered.
import type { Row } from '../data/index.js';
import type { Prediction } from './predictor.js';
import type { DriftMonitor } from './drift.js';

export class DriftBatch {
  private rows: Row[] = [];
  private predictions: Prediction[] = [];
  private scheduled = false;

  constructor(private readonly monitor: DriftMonitor) {}

  add(rows: readonly Row[], predictions: readonly Prediction[]): void {
    for (const r of rows) this.rows.push(r);
    for (const p of predictions) this.predictions.push(p);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Observes every queued row now. */
  flush(): void {
    this.scheduled = false;
    if (this.rows.length === 0) return;
    const rows = this.rows;
    const predictions = this.predictions;
    this.rows = [];
    this.predictions = [];
    this.monitor.observe(rows, predictions);
  }
}
