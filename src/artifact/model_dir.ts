// The model directory: safetensors weights, a JSON manifest (architecture,
// preprocessing with the training-set statistics, task, metrics, data
// fingerprint, versions) and the SHA-256 of every file. Loading verifies the
// checksums and the manifest before it builds anything, and never executes
// code from the artifact: the architecture is data, built by our own code.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensors, dispose } from '../tensor/index.js';
import type { Module } from '../nn/index.js';

export const MANIFEST = 'manifest.json';
export const WEIGHTS = 'model.safetensors';
export const CHECKSUMS = 'checksums.json';

/** A corrupted, truncated or foreign model directory. */
export class ModelDirError extends Error {
  override name = 'ModelDirError';
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
  }
}

export interface ModelManifest<Spec = unknown, Pre = unknown> {
  format: 'sixstep-model';
  version: 1;
  createdAt: string;
  /** Plain-JSON description our code builds the module from. */
  architecture: Spec;
  /** Everything inference must reproduce (training-set statistics, vocabularies, schema). */
  preprocessing: Pre;
  task: string;
  classes: string[] | null;
  costFunction: string;
  metrics: Record<string, Record<string, number | null> | null>;
  dataFingerprint: string | null;
  versions: { sixstep: string; libtorch: string; node: string };
  extra?: Record<string, unknown>;
}

function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** Reads and verifies a model directory; the caller builds the module from `manifest.architecture`. */
export function readModelDir<S = unknown, P = unknown>(dir: string): { manifest: ModelManifest<S, P>; loadWeights(model: Module<any, any>): void } {
  const sumsFile = join(dir, CHECKSUMS);
  if (!existsSync(dir)) throw new ModelDirError(dir, 'no such model directory');
  if (!existsSync(sumsFile)) throw new ModelDirError(sumsFile, 'missing: not a sixstep model directory (or an incomplete one)');
  let sums: Record<string, string>;
  try {
    sums = JSON.parse(readFileSync(sumsFile, 'utf8'));
  } catch {
    throw new ModelDirError(sumsFile, 'is not valid JSON');
  }
  const bytes: Record<string, Buffer> = {};
  for (const f of [WEIGHTS, MANIFEST]) {
    const p = join(dir, f);
    if (!existsSync(p)) throw new ModelDirError(p, 'missing');
    bytes[f] = readFileSync(p);
    if (typeof sums[f] !== 'string') throw new ModelDirError(sumsFile, `has no checksum for ${f}`);
    if (sha256(bytes[f]) !== sums[f]) throw new ModelDirError(p, 'checksum mismatch: the file is corrupted or was changed after saving');
  }
  let manifest: ModelManifest<S, P>;
  try {
    manifest = JSON.parse(bytes[MANIFEST].toString('utf8'));
  } catch {
    throw new ModelDirError(join(dir, MANIFEST), 'is not valid JSON');
  }
  if (manifest.format !== 'sixstep-model' || manifest.version !== 1) throw new ModelDirError(join(dir, MANIFEST), `unsupported format ${JSON.stringify(manifest.format)} version ${manifest.version}`);
  return {
    manifest,
    loadWeights(model) {
      const { tensors } = loadSafetensors(join(dir, WEIGHTS));
      try {
        model.loadStateDict(tensors);
      } catch (e) {
        throw new ModelDirError(join(dir, WEIGHTS), `does not fit the architecture in the manifest: ${(e as Error).message}`);
      } finally {
        dispose(tensors);
      }
    },
  };
}
