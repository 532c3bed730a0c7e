// Loading pretrained weights into a model with names checked both ways: what
// the file lacks, what the model lacks, and every shape that differs, all
// named in one error, so a wrong architecture or a foreign file is fixed at
// once instead of one tensor at a time.
import { existsSync } from 'node:fs';
import { loadSafetensors, noGrad, dispose, type Tensor } from '../tensor/index.js';
import type { Module } from '../nn/index.js';

export interface WeightsMismatch {
  /** Model tensors the file does not hold. */
  missing: string[];
  /** File tensors the model does not have. */
  unexpected: string[];
  /** Same name, different shape. */
  shape: Array<{ name: string; file: number[]; model: number[] }>;
}

/** The file does not fit the model; the message lists every tensor and why. */
export class WeightsError extends Error {
  override name = 'WeightsError';
  constructor(readonly file: string, readonly mismatch: WeightsMismatch | null, message: string) {
    super(`${file}: ${message}`);
  }
}

const list = (names: string[], most = 8) => `${names.slice(0, most).join(', ')}${names.length > most ? `, … (${names.length} in all)` : ''}`;

export function describeMismatch(m: WeightsMismatch): string {
  const parts: string[] = [];
  if (m.shape.length) parts.push(`shape mismatch: ${m.shape.slice(0, 8).map((s) => `${s.name} is [${s.file.join(', ')}] in the file, the model expects [${s.model.join(', ')}]`).join('; ')}${m.shape.length > 8 ? `; … (${m.shape.length} in all)` : ''}`);
  if (m.missing.length) parts.push(`missing from the file: ${list(m.missing)}`);
  if (m.unexpected.length) parts.push(`unexpected (not in the model): ${list(m.unexpected)}`);
  return parts.join('; ');
}

export interface LoadWeightsOptions {
  /**
   * Name prefixes the file need not fit (a new head: ['fc.']): these model
   * tensors keep their initial values, and file tensors under them are ignored.
   * Default none.
   */
  ignore?: string[];
}

export interface LoadWeightsReport {
  loaded: string[];
  /** Model tensors left as initialized because they match `ignore`. */
  ignored: string[];
}

/** Compares names and shapes; pure, so it is tested without files. */
export function weightsMismatch(model: Record<string, { shape: readonly number[] }>, file: Record<string, { shape: readonly number[] }>, ignore: string[] = []): WeightsMismatch {
  const skip = (n: string) => ignore.some((p) => n.startsWith(p));
  const missing = Object.keys(model).filter((k) => !skip(k) && !(k in file));
  const unexpected = Object.keys(file).filter((k) => !skip(k) && !(k in model));
  const shape = Object.keys(model)
    .filter((k) => !skip(k) && k in file && file[k].shape.join(',') !== model[k].shape.join(','))
    .map((name) => ({ name, file: [...file[name].shape], model: [...model[name].shape] }));
  return { missing, unexpected, shape };
}

/**
 * Copies every tensor of a safetensors file (or a state dict) into the model;
 * throws a WeightsError naming every missing, unexpected or misshapen tensor
 * unless they fall under `ignore`. Values are converted to the model's dtype
 * and device (a float16 file loads into float32 weights).
 */
export function loadWeights(model: Module<any, any>, file: string | Record<string, Tensor>, o: LoadWeightsOptions = {}): LoadWeightsReport {
  const name = typeof file === 'string' ? file : 'state dict';
  if (typeof file === 'string' && !existsSync(file)) throw new WeightsError(file, null, 'no such file');
  let source: Record<string, Tensor>;
  try {
    source = typeof file === 'string' ? loadSafetensors(file).tensors : file;
  } catch (e) {
    throw new WeightsError(name, null, `not a readable safetensors file: ${(e as Error).message}`);
  }
  try {
    const own = model.stateDict();
    const m = weightsMismatch(own, source, o.ignore);
    if (m.missing.length || m.unexpected.length || m.shape.length) throw new WeightsError(name, m, `does not fit the model: ${describeMismatch(m)}`);
    const ignore = o.ignore ?? [];
    const report: LoadWeightsReport = { loaded: [], ignored: [] };
    noGrad(() => {
      for (const [k, dst] of Object.entries(own)) {
        if (ignore.some((p) => k.startsWith(p))) {
          report.ignored.push(k);
          continue;
        }
        dst.copy_(source[k]);
        report.loaded.push(k);
      }
    });
    return report;
  } finally {
    if (typeof file === 'string') dispose(source);
  }
}
