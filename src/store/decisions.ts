// Decisions: what the playbook (or the person) chose at each of the six steps
// of a run and why, with the numbers behind it, so a result can be explained
// later without re-running anything. Numbered per run in the order made.
import type { Db } from './db.js';
import { fromJson, toJson, type JsonObject } from './json.js';

/** The playbook step a decision belongs to, 1 to 6. */
export type PlaybookStep = 1 | 2 | 3 | 4 | 5 | 6;

export interface Decision {
  runId: string;
  /** 1, 2, 3… within the run. */
  seq: number;
  step: PlaybookStep;
  /** What was done, e.g. 'lower-lr', 'add-dropout', 'stop'. */
  action: string;
  /** Why, in a sentence a person can read. */
  reason: string;
  /** The evidence, e.g. { validLoss: 0.41, trainLoss: 0.12 }. */
  numbers: JsonObject;
  /** ms since epoch */
  createdAt: number;
}

export interface NewDecision {
  runId: string;
  step: PlaybookStep;
  action: string;
  reason: string;
  /** Default {}. */
  numbers?: JsonObject;
}

interface DecisionRow {
  run_id: string;
  seq: number;
  step: number;
  action: string;
  reason: string;
  numbers_json: string;
  created_at: number;
}

const toDecision = (r: DecisionRow): Decision => ({
  runId: r.run_id,
  seq: r.seq,
  step: r.step as PlaybookStep,
  action: r.action,
  reason: r.reason,
  numbers: fromJson<JsonObject>(r.numbers_json),
  createdAt: r.created_at,
});

/** Appends a decision to its run, numbering it after the run's last one. */
export function addDecision(db: Db, d: NewDecision): Decision {
  if (!Number.isInteger(d.step) || d.step < 1 || d.step > 6) throw new RangeError(`sixstep store: playbook step must be 1 to 6, got ${d.step}`);
  const createdAt = Date.now();
  return db.write(() => {
    const { seq } = db.stmt('SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM decisions WHERE run_id = ?').get(d.runId) as { seq: number };
    const numbers = toJson(d.numbers ?? {});
    db.stmt('INSERT INTO decisions (run_id, seq, step, action, reason, numbers_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(d.runId, seq, d.step, d.action, d.reason, numbers, createdAt);
    // Parsed back from the stored text, so the result equals what decisionsOf returns (NaN → null).
    return { runId: d.runId, seq, step: d.step, action: d.action, reason: d.reason, numbers: fromJson<JsonObject>(numbers), createdAt };
  });
}

/** A run's decisions in the order they were made. */
export function decisionsOf(db: Db, runId: string): Decision[] {
  return (db.stmt('SELECT * FROM decisions WHERE run_id = ? ORDER BY seq').all(runId) as DecisionRow[]).map(toDecision);
}
