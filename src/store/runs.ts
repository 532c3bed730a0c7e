// Runs: one training, lr-find, search trial or automatic-pipeline execution.
// A run starts 'running' and ends 'finished', 'failed' or 'interrupted'; a
// process killed mid-run never says so, which is what the heartbeat is for.
import { randomBytes } from 'node:crypto';
import type { Db } from './db.js';
import { fromJson, toJson, type Json } from './json.js';

export type KnownRunKind = 'fit' | 'lr-find' | 'trial' | 'auto' | 'search' | 'eval';
/** Any string; the known kinds are what sixstep itself writes. */
export type RunKind = KnownRunKind | (string & {});
export type RunStatus = 'running' | 'finished' | 'failed' | 'interrupted';

export interface Run {
  id: string;
  kind: RunKind;
  config: Json;
  status: RunStatus;
  /** ms since epoch */
  startedAt: number;
  endedAt: number | null;
  parentRunId: string | null;
  summary: Json;
  /** Last sign of life from the writing process (ms since epoch). */
  heartbeatAt: number | null;
}

export interface NewRun {
  /** Default: `<kind>-<UTC yyyymmdd-hhmmss>-<6 hex>`, sortable by start time and readable in a shell. */
  id?: string;
  kind: RunKind;
  /** Default {}. */
  config?: unknown;
  /** The run this one belongs to, e.g. the search a trial is part of. Default null. */
  parentRunId?: string | null;
  /** Default Date.now(). */
  startedAt?: number;
}

export interface RunFilter {
  kind?: RunKind | RunKind[];
  status?: RunStatus | RunStatus[];
  /** A run id for its children; null for top-level runs only; omitted for all. */
  parentRunId?: string | null;
  /** Only runs started at or after this time (ms since epoch). */
  since?: number;
  /** At most this many, newest first. Default: all. */
  limit?: number;
}

export interface RunRow {
  id: string;
  kind: string;
  config_json: string;
  status: RunStatus;
  started_at: number;
  ended_at: number | null;
  parent_run_id: string | null;
  summary_json: string | null;
  heartbeat_at: number | null;
}

export const toRun = (r: RunRow): Run => ({
  id: r.id,
  kind: r.kind,
  config: fromJson(r.config_json),
  status: r.status,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  parentRunId: r.parent_run_id,
  summary: fromJson(r.summary_json),
  heartbeatAt: r.heartbeat_at,
});

export function newRunId(kind: string, at = Date.now()): string {
  const stamp = new Date(at).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${kind}-${stamp}-${randomBytes(3).toString('hex')}`;
}

export function getRun(db: Db, id: string): Run | undefined {
  const r = db.stmt('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
  return r && toRun(r);
}

function mustGetRun(db: Db, id: string): Run {
  const run = getRun(db, id);
  if (!run) throw new Error(`sixstep store: no run ${id}`);
  return run;
}

export function createRun(db: Db, n: NewRun): Run {
  const startedAt = n.startedAt ?? Date.now();
  const id = n.id ?? newRunId(n.kind, startedAt);
  return db.write(() => {
    db.stmt(
      `INSERT INTO runs (id, kind, config_json, status, started_at, parent_run_id, heartbeat_at)
       VALUES (?, ?, ?, 'running', ?, ?, ?)`,
    ).run(id, n.kind, toJson(n.config ?? {}), startedAt, n.parentRunId ?? null, startedAt);
    return mustGetRun(db, id);
  });
}

export interface FinishRun {
  /** Default 'finished'. */
  status?: Exclude<RunStatus, 'running'>;
  /** Replaces the stored summary when given. */
  summary?: unknown;
  /** Default Date.now(). */
  endedAt?: number;
}

/** Ends a run with its final status (and summary). */
export function finishRun(db: Db, id: string, f: FinishRun = {}): Run {
  const endedAt = f.endedAt ?? Date.now();
  return db.write(() => {
    const info = db
      .stmt(
        `UPDATE runs SET status = ?, ended_at = ?, heartbeat_at = ?,
           summary_json = CASE WHEN ? THEN ? ELSE summary_json END
         WHERE id = ?`,
      )
      .run(f.status ?? 'finished', endedAt, endedAt, f.summary === undefined ? 0 : 1, f.summary === undefined ? null : toJson(f.summary), id);
    if (info.changes === 0) throw new Error(`sixstep store: no run ${id}`);
    return mustGetRun(db, id);
  });
}

/** Replaces a run's summary, e.g. the best validation loss so far while it is still running. */
export function setRunSummary(db: Db, id: string, summary: unknown): void {
  db.write(() => {
    const info = db.stmt('UPDATE runs SET summary_json = ? WHERE id = ?').run(toJson(summary), id);
    if (info.changes === 0) throw new Error(`sixstep store: no run ${id}`);
  });
}

/** Records that the run's process is alive. StepWriter flushes do this too. */
export function heartbeat(db: Db, id: string, at = Date.now()): void {
  db.write(() => {
    db.stmt('UPDATE runs SET heartbeat_at = ? WHERE id = ?').run(at, id);
  });
}

/**
 * Marks as 'interrupted' every running run whose heartbeat is older than
 * `staleAfterMs`: its process is gone. Returns their ids.
 */
export function interruptStaleRuns(db: Db, staleAfterMs: number, now = Date.now()): string[] {
  return db.write(() => {
    const rows = db
      .stmt(`UPDATE runs SET status = 'interrupted', ended_at = COALESCE(heartbeat_at, started_at)
             WHERE status = 'running' AND COALESCE(heartbeat_at, started_at) < ? RETURNING id`)
      .all(now - staleAfterMs) as { id: string }[];
    return rows.map((r) => r.id).sort();
  });
}

export function listRuns(db: Db, filter: RunFilter = {}): Run[] {
  const where: string[] = [];
  const args: unknown[] = [];
  const oneOf = (column: string, v: string | string[]) => {
    const vs = Array.isArray(v) ? v : [v];
    if (vs.length === 0) where.push('0');
    else where.push(`${column} IN (${vs.map(() => '?').join(', ')})`);
    args.push(...vs);
  };
  if (filter.kind !== undefined) oneOf('kind', filter.kind);
  if (filter.status !== undefined) oneOf('status', filter.status);
  if (filter.parentRunId === null) where.push('parent_run_id IS NULL');
  else if (filter.parentRunId !== undefined) {
    where.push('parent_run_id = ?');
    args.push(filter.parentRunId);
  }
  if (filter.since !== undefined) {
    where.push('started_at >= ?');
    args.push(filter.since);
  }
  let sql = `SELECT * FROM runs${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC`;
  if (filter.limit !== undefined) {
    sql += ' LIMIT ?';
    args.push(filter.limit);
  }
  // Not cached: the SQL text varies with the filter, and listing is not a hot path.
  return (db.raw.prepare(sql).all(...args) as RunRow[]).map(toRun);
}
