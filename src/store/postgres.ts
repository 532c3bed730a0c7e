// A study on a PostgreSQL server, shared by search workers on several
// machines: `sixstep tune --store postgres://user:password@host:port/db`.
// One table, <schema>.trials (schema "sixstep" unless the URL says
// ?schema=name), created on first connect. Claims of one study are serialized
// by a transaction-scoped advisory lock, and every timestamp is the server's
// clock, so workers on machines whose clocks disagree still judge heartbeats
// alike. Runs and their metrics stay in each machine's project store.
import pg from 'pg';
import { hostname } from 'node:os';
import type { ClaimOptions, FinishOptions, StudyStore, StudyTrial } from './study.js';
import type { Json } from './json.js';
import type { TrialState } from './trials.js';

/** First keys of the advisory locks: creating the schema, and claiming in a study. */
const LOCK_SCHEMA = 0x53697853; // "SixS"
const LOCK_CLAIM = 0x53697854;

const NOW = 'clock_timestamp()';

interface Row {
  study_name: string;
  trial_number: number;
  run_id: string | null;
  params: Json;
  state: TrialState;
  value: number | null;
  curve: number[];
  claimed_by: string | null;
  created_at: Date;
  ended_at: Date | null;
  heartbeat_at: Date | null;
}

const toTrial = (r: Row): StudyTrial => ({
  study: r.study_name,
  number: r.trial_number,
  params: r.params,
  state: r.state,
  value: r.value,
  curve: r.curve,
  runId: r.run_id,
  claimedBy: r.claimed_by,
  createdAt: r.created_at.getTime(),
  endedAt: r.ended_at?.getTime() ?? null,
  heartbeatAt: r.heartbeat_at?.getTime() ?? null,
});

const finite = (x: number | null | undefined): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : x);

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

export class PostgresStudyStore implements StudyStore {
  readonly kind = 'postgres';
  private readonly table: string;

  private constructor(private readonly pool: pg.Pool, readonly schema: string) {
    this.table = `${pg.escapeIdentifier(schema)}.trials`;
  }

  /**
   * Connects and creates the schema and table if they are missing. Safe when
   * several workers connect at once: creation runs under an advisory lock.
   */
  static async connect(url: string): Promise<PostgresStudyStore> {
    const u = new URL(url);
    const schema = u.searchParams.get('schema') ?? 'sixstep';
    u.searchParams.delete('schema');
    const pool = new pg.Pool({ connectionString: u.toString(), max: 3, connectionTimeoutMillis: 10_000 });
    // An idle connection the server dropped is replaced on next use; without a listener it would crash the process.
    pool.on('error', (e) => process.stderr.write(`sixstep: PostgreSQL connection lost (${e.message}); reconnecting on next use\n`));
    const store = new PostgresStudyStore(pool, schema);
    try {
      await store.createSchema();
    } catch (e) {
      await pool.end();
      throw new Error(`sixstep: cannot use the PostgreSQL study store at ${redactUrl(url)}: ${(e as Error).message}`);
    }
    return store;
  }

  private async transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const r = await fn(c);
      await c.query('COMMIT');
      return r;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  private createSchema(): Promise<void> {
    // Checked before created: CREATE … IF NOT EXISTS still needs the privilege to create.
    return this.transaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_SCHEMA]);
      const ns = await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
      if (!ns.rowCount) await c.query(`CREATE SCHEMA ${pg.escapeIdentifier(this.schema)}`);
      const t = await c.query('SELECT to_regclass($1) AS t', [this.table]);
      if (t.rows[0].t !== null) return;
      await c.query(`
        CREATE TABLE ${this.table} (
          study_name text NOT NULL,
          trial_number integer NOT NULL CHECK (trial_number >= 0),
          run_id text,
          params jsonb NOT NULL,
          state text NOT NULL CHECK (state IN ('running', 'complete', 'pruned', 'failed')),
          value double precision,
          curve double precision[] NOT NULL DEFAULT '{}',
          claimed_by text,
          created_at timestamptz NOT NULL,
          ended_at timestamptz,
          heartbeat_at timestamptz,
          PRIMARY KEY (study_name, trial_number)
        )`);
      await c.query(`CREATE INDEX ON ${this.table} (study_name, state)`);
    });
  }

  async claim(study: string, o: ClaimOptions): Promise<StudyTrial | null> {
    return this.transaction(async (c) => {
      // One claimer per study at a time; other studies are not held up.
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLAIM, `${this.schema}.${study}`]);
      const { rows } = await c.query(
        `SELECT count(*) FILTER (WHERE state <> 'failed')::int AS active, COALESCE(max(trial_number) + 1, 0)::int AS next
         FROM ${this.table} WHERE study_name = $1`,
        [study],
      );
      const { active, next } = rows[0] as { active: number; next: number };
      if (active >= o.budget) return null;
      const inserted = await c.query(
        `INSERT INTO ${this.table} (study_name, trial_number, params, state, claimed_by, created_at, heartbeat_at)
         VALUES ($1, $2, $3, 'running', $4, ${NOW}, ${NOW}) RETURNING *`,
        [study, next, JSON.stringify(o.params(next) ?? null), o.claimedBy ?? `${hostname()}:${process.pid}`],
      );
      return toTrial(inserted.rows[0]);
    });
  }

  async setRun(study: string, n: number, runId: string): Promise<void> {
    const r = await this.pool.query(`UPDATE ${this.table} SET run_id = $3 WHERE study_name = $1 AND trial_number = $2`, [study, n, runId]);
    if (!r.rowCount) throw new Error(`sixstep store: no trial ${study}#${n}`);
  }

  async heartbeat(study: string, n: number): Promise<boolean> {
    const r = await this.pool.query(`UPDATE ${this.table} SET heartbeat_at = ${NOW} WHERE study_name = $1 AND trial_number = $2 AND state = 'running'`, [study, n]);
    return r.rowCount === 1;
  }

  async finish(study: string, n: number, f: FinishOptions): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE ${this.table} SET state = $3, value = $4, curve = $5, ended_at = ${NOW}, heartbeat_at = ${NOW}
       WHERE study_name = $1 AND trial_number = $2 AND state = 'running'`,
      [study, n, f.state, finite(f.value), [...(f.curve ?? [])]],
    );
    return r.rowCount === 1;
  }

  async failStale(study: string, graceMs: number): Promise<number[]> {
    const r = await this.pool.query(
      `UPDATE ${this.table} SET state = 'failed', ended_at = ${NOW}
       WHERE study_name = $1 AND state = 'running' AND COALESCE(heartbeat_at, created_at) < ${NOW} - $2 * interval '1 millisecond'
       RETURNING trial_number`,
      [study, graceMs],
    );
    return r.rows.map((x) => x.trial_number as number).sort((a, b) => a - b);
  }

  async trials(study: string): Promise<StudyTrial[]> {
    const r = await this.pool.query(`SELECT * FROM ${this.table} WHERE study_name = $1 ORDER BY trial_number`, [study]);
    return r.rows.map(toTrial);
  }

  async best(study: string): Promise<StudyTrial | null> {
    const r = await this.pool.query(
      `SELECT * FROM ${this.table} WHERE study_name = $1 AND state = 'complete' AND value IS NOT NULL ORDER BY value, trial_number LIMIT 1`,
      [study],
    );
    return r.rows.length ? toTrial(r.rows[0]) : null;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
