// The test ledger: one append-only row per evaluation on the test set. Every
// look at the test data is a chance to overfit to it, so the count of looks is
// reported with every test score; triggers in the schema refuse UPDATE and
// DELETE, so the count can only go up.
import type { Db } from './db.js';
import { real } from './json.js';

export interface LedgerEntry {
  id: number;
  /** ms since epoch */
  at: number;
  /** The evaluated model: an artifact's sha256, a name, or a run id. */
  modelId: string;
  runId: string | null;
  metricName: string;
  value: number | null;
  /** Fingerprint of the test data evaluated on. */
  datasetFingerprint: string;
  note: string | null;
}

export interface NewLedgerEntry {
  modelId: string;
  /** Default null. */
  runId?: string | null;
  metricName: string;
  value: number | null;
  datasetFingerprint: string;
  /** Default null. */
  note?: string | null;
  /** Default Date.now(). */
  at?: number;
}

export interface LedgerFilter {
  modelId?: string;
  datasetFingerprint?: string;
}

interface LedgerRow {
  id: number;
  at: number;
  model_id: string;
  run_id: string | null;
  metric_name: string;
  value: number | null;
  dataset_fingerprint: string;
  note: string | null;
}

const toEntry = (r: LedgerRow): LedgerEntry => ({
  id: r.id,
  at: r.at,
  modelId: r.model_id,
  runId: r.run_id,
  metricName: r.metric_name,
  value: r.value,
  datasetFingerprint: r.dataset_fingerprint,
  note: r.note,
});

export function recordTestEvaluation(db: Db, e: NewLedgerEntry): LedgerEntry {
  return db.write(() => {
    const r = db
      .stmt(
        `INSERT INTO test_ledger (at, model_id, run_id, metric_name, value, dataset_fingerprint, note)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      )
      .get(e.at ?? Date.now(), e.modelId, e.runId ?? null, e.metricName, real(e.value), e.datasetFingerprint, e.note ?? null) as LedgerRow;
    return toEntry(r);
  });
}

/** How many test evaluations were recorded: for one model, or in the whole project. */
export function testEvaluations(db: Db, modelId?: string): number {
  const r = (
    modelId === undefined
      ? db.stmt('SELECT count(*) AS n FROM test_ledger').get()
      : db.stmt('SELECT count(*) AS n FROM test_ledger WHERE model_id = ?').get(modelId)
  ) as { n: number };
  return r.n;
}

/** Ledger entries, oldest first. */
export function ledger(db: Db, filter: LedgerFilter = {}): LedgerEntry[] {
  return (
    db
      .stmt(
        `SELECT * FROM test_ledger
         WHERE (@model IS NULL OR model_id = @model) AND (@fp IS NULL OR dataset_fingerprint = @fp)
         ORDER BY id`,
      )
      .all({ model: filter.modelId ?? null, fp: filter.datasetFingerprint ?? null }) as LedgerRow[]
  ).map(toEntry);
}
