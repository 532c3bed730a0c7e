// safetensors: the weights format PyTorch and Hugging Face read — an 8-byte
// little-endian header length, a JSON header, then raw little-endian data.
// No pickle, nothing executable. The reader validates before it allocates.
import { readFileSync } from 'node:fs';
import { writeAtomic } from '../files/index.js';
import { native } from './native.js';
import { Tensor } from './tensor.js';
import { dtypeCode, elementSize, type DType } from './dtype.js';

const toST: Record<DType, string> = {
  float32: 'F32', float64: 'F64', float16: 'F16', bfloat16: 'BF16', int64: 'I64', int32: 'I32', int16: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL',
};
const fromST = new Map<string, DType>(Object.entries(toST).map(([k, v]) => [v, k as DType]));

const MAX_HEADER = 100 * 1024 * 1024;

/** A malformed or truncated safetensors file. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/** Serializes named tensors; names are sorted so the bytes are reproducible. */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Buffer {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const bytes = Buffer.from(t.bytes());
    header[name] = { dtype: toST[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
  const pad = (8 - ((Buffer.byteLength(json) + 8) % 8)) % 8;
  json += ' '.repeat(pad);
  const jsonBytes = Buffer.from(json, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(jsonBytes.length));
  return Buffer.concat([len, jsonBytes, ...chunks]);
}

/** One tensor as the header describes it; `begin`/`end` are byte offsets into the data section. */
export interface SafetensorsEntry {
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/** A safetensors file's header, checked against the file's size before anything is allocated. */
export interface SafetensorsHeader {
  /** Tensors by name, in header order (a Map: any name, "__proto__" included, is a name). */
  entries: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
  /** Where the data section starts in the file. */
  dataStart: number;
}

/** Most dimensions one tensor may have. */
const MAX_RANK = 16;

/**
 * Parses and validates the header of a safetensors buffer without reading the
 * tensors: the header length, every dtype, shape and offset, and that the
 * offsets tile the data exactly (no gap, overlap or byte past the end), so
 * no tensor can claim more memory than the file holds. `source` names the
 * file in errors.
 */
export function readSafetensorsHeader(buf: Uint8Array, source = 'safetensors data'): SafetensorsHeader {
  if (buf.length < 8) throw new SafetensorsError(`${source}: file is ${buf.length} bytes, too short for a safetensors header`);
  const n = Buffer.from(buf.buffer, buf.byteOffset, 8).readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER)) throw new SafetensorsError(`${source}: header length ${n} exceeds the 100 MB limit (not a safetensors file?)`);
  const headerLen = Number(n);
  if (8 + headerLen > buf.length) throw new SafetensorsError(`${source}: header of ${headerLen} bytes runs past the end of the ${buf.length}-byte file (truncated?)`);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + 8, headerLen).toString('utf8'));
  } catch (e) {
    throw new SafetensorsError(`${source}: header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new SafetensorsError(`${source}: header must be a JSON object, found ${header === null ? 'null' : Array.isArray(header) ? 'an array' : typeof header}`);
  const dataStart = 8 + headerLen;
  const dataLen = buf.length - dataStart;
  const raw = header as Record<string, unknown>;
  const meta = Object.hasOwn(raw, '__metadata__') ? raw.__metadata__ : {};
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta) || !Object.values(meta).every((v) => typeof v === 'string')) throw new SafetensorsError(`${source}: __metadata__ must be an object of strings`);
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, e] of Object.entries(raw)) {
    if (name === '__metadata__') continue;
    const what = `${source}: tensor ${JSON.stringify(name)}`;
    if (e === null || typeof e !== 'object' || Array.isArray(e)) throw new SafetensorsError(`${what} must be an object with dtype, shape and data_offsets`);
    const { dtype: code, shape, data_offsets: offsets } = e as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = typeof code === 'string' ? fromST.get(code) : undefined;
    if (!dtype) throw new SafetensorsError(`${what} has unsupported dtype ${JSON.stringify(code)?.slice(0, 40)} (expected one of ${[...fromST.keys()].join(', ')})`);
    if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new SafetensorsError(`${what} has an invalid shape (expected at most ${MAX_RANK} whole numbers ≥ 0), found ${JSON.stringify(shape)?.slice(0, 60)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0) || offsets[1] < offsets[0]) {
      throw new SafetensorsError(`${what} has invalid data_offsets (expected [begin, end] with 0 ≤ begin ≤ end), found ${JSON.stringify(offsets)?.slice(0, 60)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLen) throw new SafetensorsError(`${what} ends at byte ${end} of the data, which holds ${dataLen} (truncated?)`);
    // In doubles: a product past 2^53 is already far beyond any file's size, so the comparison still refuses it.
    const bytes = (shape as number[]).reduce((a, d) => a * d, elementSize[dtype]);
    if (end - begin !== bytes) throw new SafetensorsError(`${what} of shape [${shape}] ${code} needs ${bytes} bytes, offsets give ${end - begin}`);
    entries.set(name, { dtype, shape: shape as number[], begin, end });
  }
  // Offsets must tile the data exactly: no gaps, no overlaps, nothing past the end.
  const sorted = [...entries].sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end);
  let expected = 0;
  for (const [name, e] of sorted) {
    if (e.begin !== expected) throw new SafetensorsError(`${source}: tensor ${JSON.stringify(name)} starts at byte ${e.begin}, expected ${expected} (${e.begin < expected ? 'overlapping another tensor' : 'a gap before it'})`);
    expected = e.end;
  }
  if (expected !== dataLen) throw new SafetensorsError(`${source}: tensors cover ${expected} bytes of data, the file holds ${dataLen} (truncated or padded?)`);
  return { entries, metadata: { ...(meta as Record<string, string>) }, dataStart };
}

/** Parses and validates a safetensors buffer; `source` names it in errors. Tensors by name, in an object without a prototype. */
export function decodeSafetensors(buf: Buffer, source = 'safetensors data'): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const { entries, metadata, dataStart } = readSafetensorsHeader(buf, source);
  const tensors: Record<string, Tensor> = Object.create(null);
  try {
    for (const [name, e] of entries) {
      // Copy into an aligned buffer: the addon copies again into the tensor.
      const bytes = new Uint8Array(buf.subarray(dataStart + e.begin, dataStart + e.end));
      tensors[name] = new Tensor(native.fromBuffer(bytes, e.shape, dtypeCode[e.dtype]));
    }
  } catch (err) {
    for (const t of Object.values(tensors)) t.dispose();
    throw err;
  }
  return { tensors, metadata };
}

/** Writes atomically (writeAtomic: whole or not at all; FileWriteError names the file). */
export function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): void {
  writeAtomic(path, encodeSafetensors(tensors, metadata));
}

export function loadSafetensors(path: string): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  return decodeSafetensors(readFileSync(path), path);
}
