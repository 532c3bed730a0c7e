// safetensors: the weights format PyTorch and Hugging Face read — an 8-byte
// little-endian header length, a JSON header, then raw little-endian data.
// No pickle, nothing executable. The reader validates before it allocates.
import { readFileSync, writeFileSync, renameSync, openSync, fsyncSync, closeSync } from 'node:fs';
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

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Parses and validates a safetensors buffer; `source` names it in errors. */
export function decodeSafetensors(buf: Buffer, source = 'safetensors data'): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  if (buf.length < 8) throw new SafetensorsError(`${source}: file is ${buf.length} bytes, too short for a safetensors header`);
  const n = buf.readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER)) throw new SafetensorsError(`${source}: header length ${n} exceeds the 100 MB limit (not a safetensors file?)`);
  const headerLen = Number(n);
  if (8 + headerLen > buf.length) throw new SafetensorsError(`${source}: header of ${headerLen} bytes runs past the end of the ${buf.length}-byte file (truncated?)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new SafetensorsError(`${source}: header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new SafetensorsError(`${source}: header must be a JSON object`);
  const dataStart = 8 + headerLen;
  const dataLen = buf.length - dataStart;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const entries: Array<[string, Entry]> = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = raw as Entry;
    const dtype = fromST.get(e?.dtype);
    if (!dtype) throw new SafetensorsError(`${source}: tensor '${name}' has unsupported dtype ${JSON.stringify(e?.dtype)}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new SafetensorsError(`${source}: tensor '${name}' has an invalid shape`);
    if (!Array.isArray(e.data_offsets) || e.data_offsets.length !== 2 || !e.data_offsets.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(`${source}: tensor '${name}' has invalid data_offsets`);
    }
    const [b, end] = e.data_offsets;
    const numel = e.shape.reduce((a, d) => a * d, 1);
    if (end - b !== numel * elementSize[dtype]) {
      throw new SafetensorsError(`${source}: tensor '${name}' of shape [${e.shape}] ${e.dtype} needs ${numel * elementSize[dtype]} bytes, offsets give ${end - b}`);
    }
    entries.push([name, e]);
  }
  // Offsets must tile the data exactly: no gaps, no overlaps, nothing past the end.
  const sorted = [...entries].sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  let expected = 0;
  for (const [name, e] of sorted) {
    if (e.data_offsets[0] !== expected) throw new SafetensorsError(`${source}: tensor '${name}' starts at byte ${e.data_offsets[0]}, expected ${expected} (gap or overlap)`);
    expected = e.data_offsets[1];
  }
  if (expected !== dataLen) throw new SafetensorsError(`${source}: tensors cover ${expected} bytes of data, the file holds ${dataLen} (truncated or padded?)`);
  const tensors: Record<string, Tensor> = {};
  try {
    for (const [name, e] of entries) {
      const dtype = fromST.get(e.dtype)!;
      // Copy into an aligned buffer: the addon copies again into the tensor.
      const bytes = new Uint8Array(buf.subarray(dataStart + e.data_offsets[0], dataStart + e.data_offsets[1]));
      tensors[name] = new Tensor(native.fromBuffer(bytes, e.shape, dtypeCode[dtype]));
    }
  } catch (err) {
    for (const t of Object.values(tensors)) t.dispose();
    throw err;
  }
  return { tensors, metadata };
}

/** Writes atomically: a temporary file in the same folder, fsync, rename. */
export function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, encodeSafetensors(tensors, metadata));
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function loadSafetensors(path: string): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  return decodeSafetensors(readFileSync(path), path);
}
