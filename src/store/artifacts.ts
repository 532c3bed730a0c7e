// Artifacts: files a run produced (model, checkpoints, reports, plots) with
// their sha256 and size, so a file on disk can be checked against the run that
// claims it. The same (run, path) again is an overwrite (a rolling
// checkpoint): the row is updated, not duplicated.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Db } from './db.js';
import { checkInt } from './json.js';

export type ArtifactKind = 'model' | 'checkpoint' | 'report' | 'plot';

export interface Artifact {
  id: number;
  runId: string;
  kind: ArtifactKind;
  path: string;
  sha256: string;
  bytes: number;
  /** ms since epoch (of the latest write at this path) */
  createdAt: number;
}

export interface NewArtifact {
  runId: string;
  kind: ArtifactKind;
  path: string;
  sha256: string;
  bytes: number;
}

interface ArtifactRow {
  id: number;
  run_id: string;
  kind: ArtifactKind;
  path: string;
  sha256: string;
  bytes: number;
  created_at: number;
}

const toArtifact = (r: ArtifactRow): Artifact => ({
  id: r.id,
  runId: r.run_id,
  kind: r.kind,
  path: r.path,
  sha256: r.sha256,
  bytes: r.bytes,
  createdAt: r.created_at,
});

export function addArtifact(db: Db, a: NewArtifact): Artifact {
  checkInt(a.bytes, 'artifact bytes');
  if (!/^[0-9a-f]{64}$/.test(a.sha256)) throw new TypeError(`sixstep store: sha256 must be 64 lowercase hex digits, got ${a.sha256}`);
  return db.write(() => {
    const r = db
      .stmt(
        `INSERT INTO artifacts (run_id, kind, path, sha256, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, path) DO UPDATE SET kind = excluded.kind, sha256 = excluded.sha256,
           bytes = excluded.bytes, created_at = excluded.created_at
         RETURNING *`,
      )
      .get(a.runId, a.kind, a.path, a.sha256, a.bytes, Date.now()) as ArtifactRow;
    return toArtifact(r);
  });
}

/** sha256 and size of a file, streamed so a multi-gigabyte model is not read into memory. */
export async function fileDigest(path: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: h.digest('hex'), bytes };
}

export function getArtifact(db: Db, id: number): Artifact | undefined {
  const r = db.stmt('SELECT * FROM artifacts WHERE id = ?').get(id) as ArtifactRow | undefined;
  return r && toArtifact(r);
}

/** A run's artifacts (optionally of one kind), oldest first. */
export function artifactsOf(db: Db, runId: string, kind?: ArtifactKind): Artifact[] {
  return (
    db.stmt('SELECT * FROM artifacts WHERE run_id = @run AND (@kind IS NULL OR kind = @kind) ORDER BY created_at, id').all({ run: runId, kind: kind ?? null }) as ArtifactRow[]
  ).map(toArtifact);
}

/** Artifacts whose content has this sha256, e.g. to find the run behind a model file. */
export function artifactsBySha256(db: Db, sha256: string): Artifact[] {
  return (db.stmt('SELECT * FROM artifacts WHERE sha256 = ? ORDER BY id').all(sha256) as ArtifactRow[]).map(toArtifact);
}
