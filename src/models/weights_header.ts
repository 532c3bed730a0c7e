// Names and shapes of a safetensors file from its header alone (the first
// bytes), so choosing an architecture for 100 MB of weights reads kilobytes.
import { closeSync, openSync, readSync } from 'node:fs';
import { SafetensorsError } from '../tensor/safetensors.js';

export function safetensorsShapes(file: string): Record<string, { shape: number[]; dtype: string }> {
  const fd = openSync(file, 'r');
  try {
    const len = Buffer.alloc(8);
    if (readSync(fd, len, 0, 8, 0) < 8) throw new SafetensorsError(`${file}: too short for a safetensors header`);
    const n = Number(len.readBigUInt64LE(0));
    if (n > 100_000_000) throw new SafetensorsError(`${file}: header length ${n} exceeds the 100 MB limit (not a safetensors file?)`);
    const buf = Buffer.alloc(n);
    if (readSync(fd, buf, 0, n, 8) < n) throw new SafetensorsError(`${file}: header runs past the end of the file (truncated?)`);
    let header: Record<string, { shape?: number[]; dtype?: string }>;
    try {
      header = JSON.parse(buf.toString('utf8'));
    } catch (e) {
      throw new SafetensorsError(`${file}: header is not valid JSON (${(e as Error).message})`);
    }
    const out: Record<string, { shape: number[]; dtype: string }> = {};
    for (const [k, v] of Object.entries(header)) if (k !== '__metadata__' && Array.isArray(v?.shape)) out[k] = { shape: v.shape, dtype: String(v.dtype) };
    return out;
  } finally {
    closeSync(fd);
  }
}
