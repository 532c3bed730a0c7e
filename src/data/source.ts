// Opening input files: one place that turns a missing path or a directory
// into a DataError, so no reader leaks a raw ENOENT.
import { promises as fs } from 'node:fs';
import { DataError } from './errors.js';

/** Checks that `path` is a readable regular file; returns its size in bytes. */
export async function requireFile(path: string): Promise<number> {
  let st;
  try {
    st = await fs.stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(path, 0, 'an existing file', code === 'ENOENT' ? 'no such file or directory' : `an unreadable path (${code})`);
  }
  if (!st.isFile()) throw new DataError(path, 0, 'a regular file', st.isDirectory() ? 'a directory' : 'a special file');
  return st.size;
}

/** Checks that `path` is a directory. */
export async function requireDirectory(path: string): Promise<void> {
  let st;
  try {
    st = await fs.stat(path);
  } catch {
    throw new DataError(path, 0, 'an existing directory', 'no such file or directory');
  }
  if (!st.isDirectory()) throw new DataError(path, 0, 'a directory', 'a file');
}

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}
