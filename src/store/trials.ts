// Hyperparameter-search trials. Several worker processes run one study at
// once: claimTrial takes the next trial number under the write lock, so no two
// workers get the same number, and heartbeats let a survivor mark a dead
// worker's trial failed instead of waiting on it forever.
import { hostname } from 'node:os';
import type { Db } from './db.js';
import { checkInt, fromJson, real, toJson, type Json } from './json.js';

export type TrialState = 'running' | 'complete' | 'pruned' | 'failed';

export interface Trial {
  studyName: string;
  /** 0, 1, 2… within the study, in claim order. */
  trialNumber: number;
  runId: string | null;
  params: Json;
  state: TrialState;
  /** The objective, the validation loss: lower is better. null until known. */
  value: number | null;
  /** Which worker runs it, `<host>:<pid>` by default. */
  claimedBy: string | null;
  /** ms since epoch */
  createdAt: number;
  endedAt: number | null;
  heartbeatAt: number | null;
}

export interface ClaimTrial {
  params: unknown;
  /** The run that trains this trial. Default null; set it later with setTrialRun. */
  runId?: string | null;
  /** Default `<hostname>:<pid>`. */
  claimedBy?: string;
}

export interface FinishTrial {
  state: Exclude<TrialState, 'running'>;
  /** The objective (validation loss); may stay null for failed trials. */
  value?: number | null;
}

interface TrialRow {
  study_name: string;
  trial_number: number;
  run_id: string | null;
  params_json: string;
  state: TrialState;
  value: number | null;
  claimed_by: string | null;
  created_at: number;
  ended_at: number | null;
  heartbeat_at: number | null;
}

const toTrial = (r: TrialRow): Trial => ({
  studyName: r.study_name,
  trialNumber: r.trial_number,
  runId: r.run_id,
  params: fromJson(r.params_json),
  state: r.state,
  value: r.value,
  claimedBy: r.claimed_by,
  createdAt: r.created_at,
  endedAt: r.ended_at,
  heartbeatAt: r.heartbeat_at,
});

export function getTrial(db: Db, study: string, n: number): Trial | undefined {
  const r = db.stmt('SELECT * FROM trials WHERE study_name = ? AND trial_number = ?').get(study, n) as TrialRow | undefined;
  return r && toTrial(r);
}

function mustGetTrial(db: Db, study: string, n: number): Trial {
  const t = getTrial(db, study, n);
  if (!t) throw new Error(`sixstep store: no trial ${study}#${n}`);
  return t;
}

/** Creates the study's next trial in state 'running' and returns it. Safe across processes. */
export function claimTrial(db: Db, study: string, c: ClaimTrial): Trial {
  const now = Date.now();
  return db.write(() => {
    const { next } = db.stmt('SELECT COALESCE(MAX(trial_number) + 1, 0) AS next FROM trials WHERE study_name = ?').get(study) as { next: number };
    db.stmt(
      `INSERT INTO trials (study_name, trial_number, run_id, params_json, state, claimed_by, created_at, heartbeat_at)
       VALUES (?, ?, ?, ?, 'running', ?, ?, ?)`,
    ).run(study, next, c.runId ?? null, toJson(c.params), c.claimedBy ?? `${hostname()}:${process.pid}`, now, now);
    return mustGetTrial(db, study, next);
  });
}

/**
 * Claims the study's next trial number unless `budget` trials that are not
 * failed exist already (running ones included); null then. A failed trial
 * gives its place in the budget to the next number. The params are computed
 * from the number inside the same write transaction.
 */
export function claimTrialWithin(db: Db, study: string, budget: number, c: Omit<ClaimTrial, 'params'> & { params: (n: number) => unknown }): Trial | null {
  return db.write(() => {
    const { active, next } = db
      .stmt(`SELECT count(*) FILTER (WHERE state != 'failed') AS active, COALESCE(MAX(trial_number) + 1, 0) AS next FROM trials WHERE study_name = ?`)
      .get(study) as { active: number; next: number };
    if (active >= budget) return null;
    return claimTrial(db, study, { ...c, params: c.params(next) });
  });
}

function update(db: Db, study: string, n: number, sql: string, ...args: unknown[]): Trial {
  checkInt(n, 'trial number');
  return db.write(() => {
    const info = db.stmt(`UPDATE trials SET ${sql} WHERE study_name = ? AND trial_number = ?`).run(...args, study, n);
    if (info.changes === 0) throw new Error(`sixstep store: no trial ${study}#${n}`);
    return mustGetTrial(db, study, n);
  });
}

export function setTrialRun(db: Db, study: string, n: number, runId: string): Trial {
  return update(db, study, n, 'run_id = ?', runId);
}

export function trialHeartbeat(db: Db, study: string, n: number, at = Date.now()): Trial {
  return update(db, study, n, 'heartbeat_at = ?', at);
}

export function finishTrial(db: Db, study: string, n: number, f: FinishTrial): Trial {
  const now = Date.now();
  return update(db, study, n, 'state = ?, value = ?, ended_at = ?, heartbeat_at = ?', f.state, real(f.value), now, now);
}

/** Marks failed every running trial of `study` whose heartbeat is older than `staleAfterMs`. Returns their numbers. */
export function failStaleTrials(db: Db, study: string, staleAfterMs: number, now = Date.now()): number[] {
  return db.write(() => {
    const rows = db
      .stmt(`UPDATE trials SET state = 'failed', ended_at = ?
             WHERE study_name = ? AND state = 'running' AND COALESCE(heartbeat_at, created_at) < ? RETURNING trial_number`)
      .all(now, study, now - staleAfterMs) as { trial_number: number }[];
    return rows.map((r) => r.trial_number).sort((a, b) => a - b);
  });
}

/** All trials of a study in trial-number order. */
export function trialsOf(db: Db, study: string): Trial[] {
  return (db.stmt('SELECT * FROM trials WHERE study_name = ? ORDER BY trial_number').all(study) as TrialRow[]).map(toTrial);
}

/** The complete trial with the lowest value (ties: the earliest), if any. */
export function bestTrial(db: Db, study: string): Trial | undefined {
  const r = db
    .stmt(`SELECT * FROM trials WHERE study_name = ? AND state = 'complete' AND value IS NOT NULL ORDER BY value, trial_number LIMIT 1`)
    .get(study) as TrialRow | undefined;
  return r && toTrial(r);
}

/** Names of all studies, alphabetically. */
export function listStudies(db: Db): string[] {
  return (db.stmt('SELECT DISTINCT study_name FROM trials ORDER BY study_name').all() as { study_name: string }[]).map((r) => r.study_name);
}
