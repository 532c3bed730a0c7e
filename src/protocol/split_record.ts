// Which rows a run used, recorded with the run: the split manifest's own seed,
// shares and sources (whatever --seed the run had: a saved split is reused
// whatever seed made it), the fingerprint of the rows per split, and the
// folds when decisions read them. Error analysis, the report and `doctor`
// follow this record, never the run's training seed or today's defaults.
import { manifestPath } from '../data/manifest.js';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { loadManifest, type SplitManifest } from '../data/manifest.js';
import { DataError } from '../data/errors.js';
import type { FoldSet } from '../data/folds.js';
import type { Prepared } from '../data/prepare.js';

export interface SplitRecord {
  /** The split manifest that decided the rows (data/prepare.ts keeps it in the project folder). */
  manifest: string;
  /** The manifest's split seed (not necessarily the run's --seed). */
  seed: number;
  validationShare: number;
  testShare: number;
  sources: SplitManifest['sources'];
  /** Fingerprint of the rows in each split (the prepared data's): another split has another one. */
  fingerprint: string;
  /** Cross-validation folds of the non-test rows, when decisions read them. */
  folds: { k: number; seed: number; fingerprint: string; rows: number; stratified: boolean } | null;
}

/** Where data/prepare.ts keeps the split manifest of a data file in a project. */
export function splitManifestPath(projectDir: string, data: string): string {
  return manifestPath(projectDir, data);
}

/** Which rows validate in which fold, as a short hash: equal in every process that dealt the same folds. */
export function foldsFingerprint(set: FoldSet): string {
  const h = createHash('sha256');
  for (const f of set.folds) h.update(`${f.index}:${f.validationLines.join(',')};`);
  return h.digest('hex').slice(0, 16);
}

/** The record of a prepared run's split, read from the manifest that made it; `folds` with the seed that dealt them. */
export async function recordSplit(p: Pick<Prepared, 'fingerprint'>, manifest: string, folds?: { set: FoldSet; seed: number }): Promise<SplitRecord> {
  const m = await loadManifest(manifest);
  if (!m) throw new Error(`${manifest}: the split manifest of this run is missing`);
  return {
    manifest,
    seed: m.seed,
    validationShare: m.fractions.validation,
    testShare: m.fractions.test,
    sources: m.sources,
    fingerprint: p.fingerprint,
    folds: folds ? { k: folds.set.k, seed: folds.seed, fingerprint: foldsFingerprint(folds.set), rows: folds.set.rows, stratified: folds.set.classCounts !== null } : null,
  };
}

/** A split record read back from a run's configuration; null when the run predates it (or it is malformed). */
export function splitRecordOf(config: unknown): SplitRecord | null {
  const s = (config as { split?: Partial<SplitRecord> } | null)?.split;
  if (!s || typeof s.manifest !== 'string' || typeof s.seed !== 'number' || typeof s.validationShare !== 'number' || typeof s.testShare !== 'number' || typeof s.fingerprint !== 'string') return null;
  return s as SplitRecord;
}

/** The fingerprint of the rows per split a manifest records: the prepared data's fingerprint (data/prepare.ts computes it the same way). */
export function manifestFingerprint(m: Pick<SplitManifest, 'fingerprints'>): string {
  const h = createHash('sha256');
  for (const k of ['train', 'validation', 'test'] as const) h.update(k).update([...(m.fingerprints[k] ?? [])].sort().join(','));
  return h.digest('hex').slice(0, 32);
}

/**
 * The split a run used, as recorded; for a run that predates the record, the
 * saved manifest's own seed and shares (a saved split is reused whatever seed
 * made it). Throws when the manifest is gone or was replaced since the run.
 */
export async function followSplit(recorded: SplitRecord | null, manifest: string, runId: string): Promise<SplitRecord> {
  const m = await loadManifest(recorded?.manifest ?? manifest);
  if (!m) throw new SplitRecordError(recorded?.manifest ?? manifest, `the split manifest run ${runId} was made with`, 'no such file (was the run made in another --project?)');
  const fingerprint = manifestFingerprint(m);
  if (recorded && recorded.fingerprint !== fingerprint) throw new SplitRecordError(recorded.manifest, `the split run ${runId} trained on (rows fingerprint ${recorded.fingerprint})`, `a manifest of other rows (fingerprint ${fingerprint}): the split was made afresh after the run, so its validation rows can no longer be known`);
  return recorded ?? { manifest, seed: m.seed, validationShare: m.fractions.validation, testShare: m.fractions.test, sources: m.sources, fingerprint, folds: null };
}

/** The rows a run used cannot be found again. */
export class SplitRecordError extends DataError {
  override name = 'SplitRecordError';
  constructor(file: string, expected: string, found: string) {
    super(file, 0, expected, found);
  }
}
