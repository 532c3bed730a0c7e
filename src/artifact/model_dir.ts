// The model directory: safetensors weights, a JSON manifest (architecture,
// preprocessing with the training-set statistics, task, metrics, data
// fingerprint, versions) and the SHA-256 of every file. Loading verifies the
// checksums and the manifest before it builds anything, and never executes
// code from the artifact: the architecture is data, built by our own code.
import { inputLayout } from '../data/model_input.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors, readSafetensorsHeader, SafetensorsError, dispose, tidy, noGrad, zeros, type SafetensorsHeader, type Tensor } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import type { Preprocessing } from '../data/prepare.js';
import type { WeightsExtent } from '../models/spec_bounds.js';
import { manifestProblem } from './manifest_check.js';

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

/** What readModelDir gives back: the checked manifest, and the loader of its weights into a module built from it. */
export interface ModelDir<S, P> {
  manifest: ModelManifest<S, P>;
  /** The manifest's SHA-256 (as checksums.json records it): the model's identity wherever its directory moves. */
  modelKey: string;
  /** The weights file's tensors and values, as its header declares them. */
  weights: WeightsExtent;
  /**
   * Loads the weights into a module built from `manifest.architecture`: every
   * tensor's name, dtype and shape is compared with the module's before any is
   * read, and every floating-point value must be finite. With `probe` (the
   * input's shape and dtype), the module then runs once in eval mode on zeros
   * (the training means, once standardized) and its output must be finite.
   */
  loadWeights(model: Module<any, any>, probe?: NeutralInput): void;
}

/** Largest manifest or checksums file read (vocabularies make manifests large, not this large). */
const MAX_JSON_BYTES = 512 << 20;

/**
 * Reads and verifies a model directory, the one check every command that
 * loads a model goes through: each file is a regular file, the checksums
 * match, both JSON files parse to objects, the weights header is consistent
 * with the file (readSafetensorsHeader), and the manifest passes its checks
 * (manifestProblem: fields, preprocessing, the architecture bounded by the
 * weights) — all before anything is allocated or built. Every problem is a
 * ModelDirError naming the file and the field.
 */
export function readModelDir<S = unknown, P = unknown>(dir: string): ModelDir<S, P> {
  const kind = statOf(dir);
  if (kind === null) throw new ModelDirError(dir, 'no such model directory');
  if (kind !== 'directory') throw new ModelDirError(dir, `is a ${kind}, expected a model directory`);
  const sumsFile = join(dir, CHECKSUMS);
  if (statOf(sumsFile) === null) throw new ModelDirError(sumsFile, 'missing: not a sixstep model directory (or an incomplete one)');
  const sums = readJsonObject(sumsFile, readRegularFile(sumsFile, MAX_JSON_BYTES));
  const bytes: Record<string, Buffer> = {};
  for (const f of [WEIGHTS, MANIFEST]) {
    const p = join(dir, f);
    if (typeof sums[f] !== 'string') throw new ModelDirError(sumsFile, `field ${JSON.stringify(f)}: expected the file's SHA-256, found ${sums[f] === undefined ? 'nothing' : JSON.stringify(sums[f])?.slice(0, 40)}`);
    bytes[f] = readRegularFile(p, f === MANIFEST ? MAX_JSON_BYTES : Infinity);
    if (sha256(bytes[f]) !== sums[f]) throw new ModelDirError(p, 'checksum mismatch: the file is corrupted or was changed after saving');
  }
  const weightsFile = join(dir, WEIGHTS);
  const manifestFile = join(dir, MANIFEST);
  let header: SafetensorsHeader;
  try {
    header = readSafetensorsHeader(bytes[WEIGHTS], weightsFile);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new ModelDirError(weightsFile, e.message.replace(`${weightsFile}: `, ''));
    throw e;
  }
  let elements = 0;
  for (const e of header.entries.values()) elements += e.shape.reduce((a, d) => a * d, 1);
  const weights: WeightsExtent = { tensors: header.entries.size, elements };
  const manifest = readJsonObject(manifestFile, bytes[MANIFEST]);
  const problem = manifestProblem(manifest, weights);
  if (problem) throw new ModelDirError(manifestFile, `field ${problem.field}: ${problem.message}`);
  return {
    manifest: manifest as unknown as ModelManifest<S, P>,
    modelKey: sums[MANIFEST] as string,
    weights,
    loadWeights(model, probe) {
      const own = model.stateDict();
      const mismatch = describeMismatch(own, header);
      if (mismatch) throw new ModelDirError(weightsFile, `does not fit the architecture in the manifest: ${mismatch}`);
      const { tensors } = decodeSafetensors(bytes[WEIGHTS], weightsFile);
      try {
        for (const [name, t] of Object.entries(tensors)) {
          const bad = firstNonFinite(t);
          if (bad !== null) throw new ModelDirError(weightsFile, `tensor ${JSON.stringify(name)} holds ${bad} values: the weights are unusable`);
        }
        model.loadStateDict(tensors);
      } catch (e) {
        if (e instanceof ModelDirError) throw e;
        throw new ModelDirError(weightsFile, `does not fit the architecture in the manifest: ${(e as Error).message}`);
      } finally {
        dispose(tensors);
      }
      if (probe) probeOutput(model, probe, weightsFile);
    },
  };
}

/**
 * readModelDir, then the module built from its architecture (by `build`, the
 * caller's spec builder: the artifact room builds nothing itself), its weights
 * loaded and probed on a neutral input, in eval mode; `accept` may refuse the
 * manifest (throwing) before anything is built. Any failure is a
 * ModelDirError naming the file; the module is released on failure, and
 * belongs to the caller otherwise.
 */
export function loadModelDir<S, P extends Preprocessing = Preprocessing>(dir: string, build: (spec: S) => Module<any, any>, o: { accept?: (m: ModelManifest<S, P>) => void } = {}): { read: ModelDir<S, P>; model: Module<any, any> } {
  const read = readModelDir<S, P>(dir);
  o.accept?.(read.manifest);
  let model: Module<any, any>;
  try {
    model = build(read.manifest.architecture);
  } catch (e) {
    throw new ModelDirError(join(dir, MANIFEST), `its architecture cannot be built: ${(e as Error).message}`);
  }
  try {
    read.loadWeights(model, neutralInput(read.manifest.preprocessing));
    model.eval();
    return { read, model };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** 'file', 'directory', another kind, or null when nothing is there. */
function statOf(path: string): string | null {
  let st;
  try {
    st = statSync(path);
  } catch {
    return null;
  }
  return st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'special file';
}

function readRegularFile(path: string, maxBytes: number): Buffer {
  const kind = statOf(path);
  if (kind === null) throw new ModelDirError(path, 'missing');
  if (kind !== 'file') throw new ModelDirError(path, `is a ${kind}, expected a file`);
  if (statSync(path).size > maxBytes) throw new ModelDirError(path, `is ${statSync(path).size} bytes, more than the ${maxBytes} a model directory's JSON file may have`);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ModelDirError(path, `cannot be read: ${(e as Error).message}`);
  }
}

function readJsonObject(path: string, bytes: Buffer): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new ModelDirError(path, `is not valid JSON (${(e as Error).message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ModelDirError(path, `expected a JSON object, found ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
  return v as Record<string, unknown>;
}

/** Missing or unexpected tensors, or the first whose dtype or shape differs from the module's; null when they all fit. */
function describeMismatch(own: Record<string, Tensor>, header: SafetensorsHeader): string | null {
  const names = Object.keys(own);
  const missing = names.filter((k) => !header.entries.has(k));
  const unexpected = [...header.entries.keys()].filter((k) => !Object.hasOwn(own, k));
  const list = (xs: string[]) => `${xs.slice(0, 5).map((x) => JSON.stringify(x)).join(', ')}${xs.length > 5 ? ` and ${xs.length - 5} more` : ''}`;
  if (missing.length || unexpected.length) return [missing.length ? `missing ${list(missing)}` : '', unexpected.length ? `unexpected ${list(unexpected)}` : ''].filter(Boolean).join('; ');
  for (const k of names) {
    const e = header.entries.get(k)!;
    const t = own[k];
    // Float weights relabelled as integers (or the reverse) would be converted silently into garbage.
    if (e.dtype !== t.dtype) return `tensor ${JSON.stringify(k)} is ${e.dtype} in the file; the architecture's is ${t.dtype}`;
    if (e.shape.join(',') !== t.shape.join(',')) return `tensor ${JSON.stringify(k)} has shape [${e.shape}] in the file; the architecture's is [${t.shape}]`;
  }
  return null;
}

const FLOATING = new Set(['float32', 'float64', 'float16', 'bfloat16']);

/** 'NaN' or 'infinite' when a floating-point tensor holds such a value, else null. */
function firstNonFinite(t: Tensor): string | null {
  if (!FLOATING.has(t.dtype)) return null;
  const v = (t.dtype === 'float32' || t.dtype === 'float64' ? t.data() : t.to('float32').data()) as Float32Array | Float64Array;
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return Number.isNaN(v[i]) ? 'NaN' : 'infinite';
  return null;
}

/** An input of the model's shape for the load-time probe. */
export interface NeutralInput {
  shape: number[];
  dtype: 'float32' | 'int64';
}

/**
 * One example of zeros in the shape a model of this preprocessing takes: the
 * training means once standardized (tables, images) or padding tokens
 * (text columns' slots); undefined for a preprocessing kind this reader does not know.
 */
export function neutralInput(pre: Preprocessing): NeutralInput | undefined {
  switch (pre.kind) {
    case 'image':
      return { shape: [1, ...pre.shape], dtype: 'float32' };
    // A table's network reads one packed float row: the features, then each text column's token ids (padding: 0).
    case 'sequence':
    case 'tabular':
      return { shape: [1, inputLayout(pre.preprocessor).width], dtype: 'float32' };
    default:
      return undefined;
  }
}

/** One eval-mode forward pass on zeros: a network whose output is not finite there answers nothing usable. */
function probeOutput(model: Module<any, any>, probe: NeutralInput, weightsFile: string): void {
  model.eval();
  const device = model.parameters()[0]?.device ?? 'cpu';
  const bad = tidy(() =>
    noGrad(() => {
      const y = model.forward(zeros(probe.shape, { dtype: probe.dtype, device })) as Tensor;
      const v = y.to('float64').to('cpu').data() as Float64Array;
      for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return v[i];
      return null;
    }),
  );
  if (bad !== null) throw new ModelDirError(weightsFile, `the network's output on a neutral input (zeros: the training means once standardized) is ${bad}: the weights are unusable`);
}
