// The one writer of a model directory: what a run hands to serving and
// export. Weights (safetensors), the manifest (architecture, preprocessing
// with the training-set statistics, task, classes, metrics, data fingerprint,
// test-time augmentation and the rest in `extra`), the SHA-256 of both, and
// the drift references measured at training time (the caller builds them:
// they belong to this manifest, so they receive its checksum). Everything is
// written into a temporary sibling folder and renamed into place: a reader
// sees the whole directory or none of it. A failed write (a full disk)
// removes the temporary folder, keeps any previous directory, and throws
// FileWriteError naming the file.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSafetensors, engineInfo } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import { writeAtomic, FileWriteError } from '../files/index.js';
import { CHECKSUMS, MANIFEST, WEIGHTS, type ModelManifest } from './model_dir.js';

const SIXSTEP_VERSION = '0.1.0';

/** What a model directory records beside its weights (the writer adds format, version, date and versions). */
export type ModelRecord<S = unknown, P = unknown> = Omit<ModelManifest<S, P>, 'format' | 'version' | 'createdAt' | 'versions'>;

export interface ModelPackageOptions {
  /** Further files by name, built once the manifest's checksum (the model's key) is known: the drift references. */
  references?: (modelKey: string) => Record<string, string>;
}

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

/** Writes the model directory `dir` (replacing any there) and returns it. */
export function writeModelPackage<S, P>(dir: string, model: Module<any, any>, record: ModelRecord<S, P>, o: ModelPackageOptions = {}): string {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    mkdirSync(tmp, { recursive: true });
    const weights = encodeSafetensors(model.stateDict(), { format: 'pt' });
    writeAtomic(join(tmp, WEIGHTS), weights);
    const manifest: ModelManifest<S, P> = {
      format: 'sixstep-model',
      version: 1,
      createdAt: new Date().toISOString(),
      versions: { sixstep: SIXSTEP_VERSION, libtorch: engineInfo().torchVersion, node: process.versions.node },
      ...record,
    };
    const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
    writeAtomic(join(tmp, MANIFEST), manifestText);
    const sums: Record<string, string> = { [WEIGHTS]: sha256(weights), [MANIFEST]: sha256(manifestText) };
    writeAtomic(join(tmp, CHECKSUMS), `${JSON.stringify(sums, null, 2)}\n`);
    for (const [name, content] of Object.entries(o.references?.(sums[MANIFEST]) ?? {})) writeAtomic(join(tmp, name), content);
    // The previous directory is moved aside, not removed, until the new one is in place.
    const old = `${dir}.old-${process.pid}`;
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(tmp, dir);
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (e instanceof FileWriteError) throw e;
    throw new FileWriteError(dir, (e as NodeJS.ErrnoException).code ?? 'EIO', e);
  }
  return dir;
}

/** The tabular drift reference's file body as serving reads it (serve/reference.ts): the profile as a string, with its own checksum. */
export function checksummedJson(value: unknown): string {
  const body = JSON.stringify(value);
  return `${JSON.stringify({ sha256: sha256(body), profile: body })}\n`;
}

/** A model directory with no drift references (tests, tools). */
export function saveModelDir<S, P>(dir: string, model: Module<any, any>, record: ModelRecord<S, P>): string {
  return writeModelPackage(dir, model, record);
}
