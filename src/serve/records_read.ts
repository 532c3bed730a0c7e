// The read side of serving's records, for `sixstep doctor` and the dashboard:
// the real-world metric of a served model and the latest drift reports. A
// leaf module (the store's connection and types only), so a reader of the
// records never loads the inference engines. The tables are the store's
// (migration 5); ServeRecords writes them.
import type { Store } from '../store/index.js';
import type { DriftReport } from './drift.js';

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

/** The real-world metric of one served model; null before any feedback. */
export function measureRealWorld(store: Store, model: { key: string; dir: string; metric: 'accuracy' | 'rmse'; testValue: number | null }): RealWorld | null {
  const db = store.connection;
  if (model.metric === 'accuracy') {
    const r = db.prepare('SELECT COUNT(*) AS n, AVG(p.label = f.label) AS v FROM serve_feedback f JOIN serve_predictions p ON p.id = f.prediction_id WHERE p.model_key = ?').get(model.key) as { n: number; v: number | null };
    return r.n ? { metric: 'accuracy', value: r.v ?? 0, testValue: model.testValue, n: r.n, modelDir: model.dir } : null;
  }
  const r = db.prepare('SELECT COUNT(*) AS n, AVG((p.value - f.value) * (p.value - f.value)) AS mse FROM serve_feedback f JOIN serve_predictions p ON p.id = f.prediction_id WHERE p.model_key = ? AND f.value IS NOT NULL').get(model.key) as { n: number; mse: number | null };
  return r.n ? { metric: 'rmse', value: Math.sqrt(r.mse ?? 0), testValue: model.testValue, n: r.n, modelDir: model.dir } : null;
}

/**
 * For `sixstep doctor`: the real-world metric of the most recently served
 * model that received feedback, beside its test value; null when nothing
 * was served with feedback in this project.
 */
export function realWorldSummary(store: Store): RealWorld | null {
  const latest = store.connection
    .prepare('SELECT m.model_key AS key, m.model_dir AS dir, m.metric AS metric, m.test_value AS testValue FROM serve_feedback f JOIN serve_predictions p ON p.id = f.prediction_id JOIN serve_models m ON m.model_key = p.model_key ORDER BY f.at DESC LIMIT 1')
    .get() as { key: string; dir: string; metric: 'accuracy' | 'rmse'; testValue: number | null } | undefined;
  return latest ? measureRealWorld(store, latest) : null;
}

/** For `sixstep doctor` and the dashboard: the latest saved drift report of each served model, newest first. */
export function servedDrift(store: Store): Array<{ modelDir: string; at: number; report: DriftReport }> {
  const rows = store.connection.prepare('SELECT m.model_dir AS dir, d.at AS at, d.report AS report FROM serve_drift d JOIN serve_models m ON m.model_key = d.model_key ORDER BY d.at DESC').all() as Array<{ dir: string; at: number; report: string }>;
  return rows.map((r) => ({ modelDir: r.dir, at: r.at, report: JSON.parse(r.report) as DriftReport }));
}
