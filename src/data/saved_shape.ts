// The working shape an image folder's split was made at, kept in the project
// beside the split manifest. Images are fingerprinted by their decoded
// pixels, so a later run (another --budget, --resume) must read them at the
// same shape for the saved split to recognise them.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeAtomic } from '../files/index.js';
import { DataError } from './errors.js';

export interface SavedShape {
  channels: 1 | 3;
  height: number;
  width: number;
}

export function savedShapePath(projectDir: string, data: string): string {
  return join(projectDir, `image-shape-${basename(data)}.json`);
}

/** The saved shape, or null when there is none; a malformed file is a DataError naming it. */
export function loadSavedShape(path: string): SavedShape | null {
  if (!existsSync(path)) return null;
  let s: SavedShape;
  try {
    s = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DataError(path, 1, 'a JSON image shape {channels, height, width}', (e as Error).message);
  }
  const side = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  if (!(s && (s.channels === 1 || s.channels === 3) && side(s.height) && side(s.width))) throw new DataError(path, 1, 'an image shape {channels: 1 or 3, height, width}', JSON.stringify(s).slice(0, 80));
  return s;
}

export function saveShape(path: string, s: SavedShape): void {
  writeAtomic(path, `${JSON.stringify({ channels: s.channels, height: s.height, width: s.width })}\n`);
}
