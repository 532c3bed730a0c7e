// Error-analysis metrics of a run's model per split. Writing a split again
// (the run kept a better model later) replaces the earlier row: the figures
// describe the model the run kept.
import type { Db } from './db.js';
import { checkInt, fromJson, real, toJson, type JsonObject } from './json.js';

export type MetricSplit = 'train' | 'validation' | 'test';

export interface SplitMetricsInput {
  split: MetricSplit;
  rows: number;
  /** Scalar metrics by name (null where undefined, e.g. AUC with one class present). */
  metrics: Record<string, number | null>;
  /** Per-class scores, confusion matrix and the like. Default {}. */
  detail?: JsonObject;
}

export interface SplitMetrics extends Required<SplitMetricsInput> {
  recordedAt: number;
}

const SPLITS: readonly MetricSplit[] = ['train', 'validation', 'test'];

export function putSplitMetrics(db: Db, runId: string, m: SplitMetricsInput, at = Date.now()): void {
  if (!SPLITS.includes(m.split)) throw new RangeError(`sixstep store: split must be one of ${SPLITS.join(', ')}, got ${String(m.split)}`);
  checkInt(m.rows, 'rows');
  // NaN and ±Infinity are not JSON: stored as null, as the loss columns store NaN.
  const metrics = Object.fromEntries(Object.entries(m.metrics).map(([k, v]) => [k, real(v)]));
  db.write(() => {
    db.stmt('INSERT OR REPLACE INTO split_metrics (run_id, split, rows, metrics_json, detail_json, recorded_at) VALUES (?, ?, ?, ?, ?, ?)').run(runId, m.split, m.rows, toJson(metrics), toJson(m.detail ?? {}), at);
  });
}

/** The run's metrics by split, in train, validation, test order. */
export function splitMetricsOf(db: Db, runId: string): SplitMetrics[] {
  const rows = db.stmt('SELECT split, rows, metrics_json, detail_json, recorded_at FROM split_metrics WHERE run_id = ?').all(runId) as Array<{ split: MetricSplit; rows: number; metrics_json: string; detail_json: string; recorded_at: number }>;
  return rows
    .map((r) => ({ split: r.split, rows: r.rows, metrics: fromJson<Record<string, number | null>>(r.metrics_json), detail: fromJson<JsonObject>(r.detail_json), recordedAt: r.recorded_at }))
    .sort((a, b) => SPLITS.indexOf(a.split) - SPLITS.indexOf(b.split));
}
