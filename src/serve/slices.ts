// Bookkeeping of a large request in slices: the drift monitor counts rows
// (its state is a sum over rows, so slices in order give the same report),
// and between slices the event loop answers other requests (/health, small
// predictions) instead of waiting behind a 10 000-row batch.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Row } from '../data/index.js';
import type { Prediction } from './predictor.js';
import type { DriftMonitor } from './drift.js';

/** Rows per slice: about 10 ms of drift bookkeeping. */
export const SLICE_ROWS = 1000;

export async function observeInSlices(monitor: DriftMonitor, rows: readonly Row[], predictions: readonly Prediction[]): Promise<void> {
  if (rows.length <= SLICE_ROWS) return monitor.observe(rows, predictions);
  for (let s = 0; s < rows.length; s += SLICE_ROWS) {
    if (s > 0) await nextTurn().then(() => nextTurn()); // after one more poll for I/O
    monitor.observe(rows.slice(s, s + SLICE_ROWS), predictions.slice(s, s + SLICE_ROWS));
  }
}
