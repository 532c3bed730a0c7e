// Shared by the data tests: temp folders, paths to real data, error checks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { DataError } from '../../src/data/index.js';

export const ROOT = resolve(process.cwd());
export const PENGUINS = join(ROOT, 'data/penguins.json');
export const VEGA = join(ROOT, 'node_modules/vega-datasets/data');
export const FASHION = '/usr/share/datasets/fashion-mnist';

export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-data-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Asserts that `p` rejects with a DataError and returns it for more checks. */
export async function rejectsData(p: Promise<unknown> | (() => unknown), check?: Partial<Pick<DataError, 'file' | 'line'>> & { match?: RegExp }): Promise<DataError> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof DataError, `expected a DataError, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  const e = err as DataError;
  if (check?.file !== undefined) assert.equal(e.file, check.file);
  if (check?.line !== undefined) assert.equal(e.line, check.line, e.message);
  if (check?.match) assert.match(e.message, check.match);
  assert.ok(e.message.includes(e.file), 'the message names the file');
  return e;
}

/** Rows as ordinary objects, to compare with literals (readers make rows without a prototype). */
export function plain<T extends object>(rows: T[]): T[] {
  return rows.map((r) => ({ ...r }));
}
