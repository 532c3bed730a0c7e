// Every file a later command reads is written whole or not at all: a temporary
// file in the same folder, fsync, rename over the old one, fsync the folder.
// A full disk or a kill mid-write leaves the previous version (or nothing),
// never a truncated file, and the temporary file is removed on failure.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** A file could not be written (disk full, file too large, no permission): names the file and the system's code. */
export class FileWriteError extends Error {
  override name = 'FileWriteError';
  constructor(readonly path: string, readonly code: string, cause: unknown) {
    super(`could not write ${path}: ${code} (${(cause as Error)?.message ?? String(cause)})`, { cause });
  }
}

function syncFolder(path: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dirname(path), 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a folder; the rename is still atomic there.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Writes `data` to `path` atomically; throws FileWriteError naming the file when it cannot. */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'w');
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // already failing: the original error is the one to report
      }
    }
    rmSync(tmp, { force: true });
    throw new FileWriteError(path, (e as NodeJS.ErrnoException).code ?? 'EIO', e);
  }
  syncFolder(path);
}

/** JSON with a trailing newline, atomically. */
export function writeJsonAtomic(path: string, value: unknown, indent = 1): void {
  writeAtomic(path, `${JSON.stringify(value, null, indent)}\n`);
}
