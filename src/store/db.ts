// The SQLite connection under the store: pragmas for many processes sharing
// one file, a prepared-statement cache, and the two kinds of transaction the
// store uses (IMMEDIATE for writers, DEFERRED for consistent multi-query reads).
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;
export type Statement = Database.Statement;

/** How a connection to a project database is opened. */
export interface OpenOptions {
  /**
   * Milliseconds a writer waits for another process's write lock before it
   * fails with SQLITE_BUSY. Default 10 000: parallel search trials queue on
   * one lock, and on a small machine a batch of theirs can take a while.
   */
  busyTimeoutMs?: number;
  /**
   * PRAGMA synchronous. Default 'normal': in WAL mode every commit survives a
   * crashed or killed process; only an OS crash or power loss can drop the last
   * commits. 'full' adds an fsync per commit to cover that too.
   */
  synchronous?: 'normal' | 'full';
}

export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

/** SQLITE_BUSY and its extended codes (SQLITE_BUSY_RECOVERY, _SNAPSHOT, _TIMEOUT). */
export function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `fn`, retrying on SQLITE_BUSY until `timeoutMs` has passed. Only for
 * connection setup: switching a new file to WAL and reading its schema can
 * report BUSY without consulting the busy handler while another process is
 * doing the same, which is exactly what parallel trials starting together do.
 */
export function retryBusy<T>(timeoutMs: number, fn: () => T): T {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      return fn();
    } catch (e) {
      if (!isBusy(e) || Date.now() + wait > deadline) throw e;
      sleepSync(wait);
    }
  }
}

/** A connection with a statement cache and transaction helpers. */
/**
 * The database file could not be written: the disk is full, the file grew
 * past the size limit, or the system reported an I/O error. Names the file,
 * whatever statement failed.
 */
export class StoreWriteError extends Error {
  override name = 'StoreWriteError';
  constructor(readonly path: string, readonly code: string, cause: unknown) {
    super(`could not write ${path}: ${code} (${(cause as Error)?.message ?? String(cause)})`, { cause });
  }
}

/** SQLite's codes for a write the disk refused (as opposed to a constraint or a busy lock). */
function isDiskError(e: unknown): e is Error & { code: string } {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY');
}

export class Db {
  readonly raw: SqliteDatabase;
  private readonly statements = new Map<string, Statement>();

  constructor(raw: SqliteDatabase) {
    this.raw = raw;
  }

  /** The prepared statement for `sql`, compiled once per connection. */
  stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.raw.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /**
   * Runs `fn` in a BEGIN IMMEDIATE transaction: the write lock is taken up
   * front, so two writers queue on the busy timeout instead of both reading,
   * then one failing to upgrade with SQLITE_BUSY_SNAPSHOT. Inside an open
   * transaction it becomes a savepoint. Rolls back if `fn` throws.
   */
  write<T>(fn: () => T): T {
    try {
      return this.raw.transaction(fn).immediate();
    } catch (e) {
      if (isDiskError(e)) throw new StoreWriteError(this.raw.name, e.code, e);
      throw e;
    }
  }

  /** Runs `fn` in a deferred transaction, so its queries see one snapshot while writers carry on. */
  read<T>(fn: () => T): T {
    return this.raw.transaction(fn).deferred();
  }

  close(): void {
    this.statements.clear();
    if (this.raw.open) this.raw.close();
  }
}

/** Opens (creating if needed) the database file at `file` with the store's pragmas. */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const synchronous = options.synchronous ?? 'normal';
  const raw = new Database(file, { timeout: busyTimeoutMs });
  try {
    retryBusy(busyTimeoutMs, () => {
      raw.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`);
      // WAL: readers (the dashboard) never block the writer, and a commit is one append.
      const mode = raw.pragma('journal_mode = WAL', { simple: true });
      if (String(mode).toLowerCase() !== 'wal') throw new Error(`sixstep store: could not switch ${file} to WAL (journal_mode=${mode})`);
      raw.pragma(`synchronous = ${synchronous.toUpperCase()}`);
      raw.pragma('foreign_keys = ON');
    });
  } catch (e) {
    raw.close();
    throw e;
  }
  return new Db(raw);
}

