// Schema migrations. The database's version lives in PRAGMA user_version (0 for
// a new file); each migration moves it up by one. Pending migrations run in one
// BEGIN IMMEDIATE transaction that re-reads the version under the write lock,
// so processes opening an old database at the same moment upgrade it once, and
// a migration that fails leaves the database exactly as it was.
import { SCHEMA_V1 } from './schema_v1.js';
import { SCHEMA_V2 } from './schema_v2.js';
import { SCHEMA_V3 } from './schema_v3.js';
import { SCHEMA_V4 } from './schema_v4.js';
import { SCHEMA_V5 } from './schema_v5.js';
import type { Db } from './db.js';

export interface Migration {
  /** The user_version after this migration; versions run 1, 2, 3… without gaps. */
  version: number;
  name: string;
  up(db: Db): void;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', up: (db) => db.raw.exec(SCHEMA_V1) },
  { version: 2, name: 'heartbeats and gradient norms', up: (db) => db.raw.exec(SCHEMA_V2) },
  { version: 3, name: 'per-rank figures of data-parallel runs', up: (db) => db.raw.exec(SCHEMA_V3) },
  { version: 4, name: 'error-analysis metrics per split', up: (db) => db.raw.exec(SCHEMA_V4) },
  { version: 5, name: 'serving records: models, predictions, feedback, drift', up: (db) => db.raw.exec(SCHEMA_V5) },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The database was written by a newer sixstep than this one. */
export class StoreVersionError extends Error {
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(`sixstep store: database schema version ${found} is newer than this sixstep supports (${supported}); upgrade sixstep`);
    this.name = 'StoreVersionError';
  }
}

export interface MigrateOptions {
  /** Version to stop at. Default: the last of `migrations`. Older targets exist for tests and tooling. */
  to?: number;
  /** Migration list. Default MIGRATIONS. */
  migrations?: readonly Migration[];
}

export interface MigrateResult {
  from: number;
  to: number;
  applied: string[];
}

export function schemaVersion(db: Db): number {
  return db.raw.pragma('user_version', { simple: true }) as number;
}

/** Brings the database up to `options.to`, running each pending migration in order, all in one transaction. */
export function migrate(db: Db, options: MigrateOptions = {}): MigrateResult {
  const migrations = options.migrations ?? MIGRATIONS;
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`sixstep store: migration ${i} has version ${m.version}, expected ${i + 1}`);
  });
  const latest = migrations.length;
  const target = options.to ?? latest;
  if (!Number.isInteger(target) || target < 0 || target > latest) throw new RangeError(`sixstep store: no migration to version ${target}`);
  // Cheap check first, so opening an up-to-date database takes no write lock.
  const seen = schemaVersion(db);
  if (seen > latest) throw new StoreVersionError(seen, latest);
  if (seen >= target) return { from: seen, to: seen, applied: [] };
  return db.write(() => {
    const from = schemaVersion(db);
    if (from > latest) throw new StoreVersionError(from, latest);
    const applied: string[] = [];
    for (const m of migrations.slice(from, target)) {
      m.up(db);
      // user_version is in the file header, so this is part of the transaction.
      db.raw.pragma(`user_version = ${m.version}`);
      applied.push(`${m.version}: ${m.name}`);
    }
    return { from, to: Math.max(from, target), applied };
  });
}
