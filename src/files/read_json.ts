// A JSON file a later command reads back (a run's saved state): a file that is
// truncated, empty or not JSON (left by a crash before writes were atomic, or
// edited) is a DamagedFileError naming the file and what it holds, never
// "Unexpected end of JSON input" from deep inside a command.
import { readFileSync } from 'node:fs';

/** A file sixstep wrote earlier that cannot be read back: names the file, what it is for, and what is wrong. */
export class DamagedFileError extends Error {
  override name = 'DamagedFileError';
  constructor(readonly path: string, message: string) {
    super(`${path}: ${message}`);
  }
}

/** The parsed JSON object in `path`; `what` says what the file is, for the message. */
export function readJsonFile<T>(path: string, what: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DamagedFileError(path, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): ${what}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new DamagedFileError(path, `is damaged (${text.length === 0 ? 'empty' : `${(e as Error).message}, ${text.length} bytes`}): ${what}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new DamagedFileError(path, `holds ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}, not an object: ${what}`);
  return v as T;
}
