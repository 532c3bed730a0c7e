// Datasets: where the data came from, its content fingerprint, row count,
// schema and split manifest. Keyed by (name, fingerprint): new content under
// an old name is a new row, and the old row stays for the runs that used it.
import type { Db } from './db.js';
import { checkInt, fromJson, toJson, type Json } from './json.js';

export interface Dataset {
  id: number;
  name: string;
  path: string;
  /** Content fingerprint, e.g. a hash over the rows' fingerprints. */
  fingerprint: string;
  rows: number;
  /** Column schema as JSON (e.g. src/data's Schema). */
  schema: Json;
  /** Split manifest as JSON (e.g. src/data's SplitManifest); null until the data is split. */
  splitManifest: Json;
  /** ms since epoch */
  createdAt: number;
}

export interface DatasetInput {
  name: string;
  path: string;
  fingerprint: string;
  rows: number;
  schema: unknown;
  splitManifest?: unknown;
}

interface DatasetRow {
  id: number;
  name: string;
  path: string;
  fingerprint: string;
  rows: number;
  schema_json: string;
  split_manifest_json: string | null;
  created_at: number;
}

const toDataset = (r: DatasetRow): Dataset => ({
  id: r.id,
  name: r.name,
  path: r.path,
  fingerprint: r.fingerprint,
  rows: r.rows,
  schema: fromJson(r.schema_json),
  splitManifest: fromJson(r.split_manifest_json),
  createdAt: r.created_at,
});

/**
 * Records a dataset. Re-adding the same (name, fingerprint) updates path, rows,
 * schema and — when given — the split manifest; an omitted manifest keeps the stored one.
 */
export function putDataset(db: Db, d: DatasetInput): Dataset {
  checkInt(d.rows, 'dataset rows');
  const manifest = d.splitManifest === undefined ? null : toJson(d.splitManifest);
  return db.write(() => {
    db.stmt(
      `INSERT INTO datasets (name, path, fingerprint, rows, schema_json, split_manifest_json, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name, fingerprint) DO UPDATE SET
         path = excluded.path, rows = excluded.rows, schema_json = excluded.schema_json,
         split_manifest_json = COALESCE(excluded.split_manifest_json, split_manifest_json)`,
    ).run(d.name, d.path, d.fingerprint, d.rows, toJson(d.schema), manifest, Date.now());
    return toDataset(db.stmt('SELECT * FROM datasets WHERE name = ? AND fingerprint = ?').get(d.name, d.fingerprint) as DatasetRow);
  });
}

/** Stores the split manifest of the dataset (name, fingerprint); throws if there is no such dataset. */
export function setSplitManifest(db: Db, name: string, fingerprint: string, manifest: unknown): Dataset {
  return db.write(() => {
    const info = db.stmt('UPDATE datasets SET split_manifest_json = ? WHERE name = ? AND fingerprint = ?').run(toJson(manifest), name, fingerprint);
    if (info.changes === 0) throw new Error(`sixstep store: no dataset ${name} with fingerprint ${fingerprint}`);
    return toDataset(db.stmt('SELECT * FROM datasets WHERE name = ? AND fingerprint = ?').get(name, fingerprint) as DatasetRow);
  });
}

/** The newest dataset called `name`, or the one with that fingerprint. */
export function getDataset(db: Db, name: string, fingerprint?: string): Dataset | undefined {
  const r = (
    fingerprint === undefined
      ? db.stmt('SELECT * FROM datasets WHERE name = ? ORDER BY created_at DESC, id DESC LIMIT 1').get(name)
      : db.stmt('SELECT * FROM datasets WHERE name = ? AND fingerprint = ?').get(name, fingerprint)
  ) as DatasetRow | undefined;
  return r && toDataset(r);
}

/** Every dataset row whose content has this fingerprint (the same data under several names). */
export function datasetsByFingerprint(db: Db, fingerprint: string): Dataset[] {
  return (db.stmt('SELECT * FROM datasets WHERE fingerprint = ? ORDER BY id').all(fingerprint) as DatasetRow[]).map(toDataset);
}

export function listDatasets(db: Db): Dataset[] {
  return (db.stmt('SELECT * FROM datasets ORDER BY name, created_at, id').all() as DatasetRow[]).map(toDataset);
}
