// The split manifest: which rows (by their features' fingerprint, the target
// left out so a corrected label keeps its row in its split) went to which
// split, saved as JSON so a re-run, or another machine, uses exactly the same
// rows even if the file is reordered. It records the data it was made from and
// the options that made it, so that another file, seed or share is noticed
// (see split_check.ts). Rows the manifest has never seen go to training.
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { DataError, quote } from './errors.js';

export type SplitName = 'train' | 'validation' | 'test' | 'dropped';

export interface SplitManifest {
  /** 1: rows identified with their target (read for upgrade only); 2: by their features. */
  version: 1 | 2;
  created: string;
  seed: number;
  fractions: { validation: number; test: number };
  stratified: boolean;
  /** 'user' when the caller supplied the split; 'split' when it was cut from the data. */
  sources: { validation: 'split' | 'user'; test: 'split' | 'user' };
  counts: Record<SplitName, number>;
  /** Fingerprints per split; a repeated fingerprint means duplicate rows. 'dropped' holds rows removed as leakage. */
  fingerprints: Record<SplitName, string[]>;
  /** Version 2: fingerprint of the data the split was made from (its rows' identities, order-free). */
  data?: string;
  /** Version 2: rows in that data. */
  rows?: number;
  /** Version 2: the target column(s) left out of the row identities. */
  target?: string[];
  /** Tables: the columns the first run left out (--ignore) and the kinds it forced (--kind); they change the inputs, never the rows' splits. */
  columns?: ColumnOverrides;
}

/** What a run asked of the table's columns. */
export interface ColumnOverrides {
  ignore: string[];
  kinds: Record<string, string>;
}

/** The overrides as the options that set them ("--ignore a,b --kind c=text"), or "no column overrides". */
export function describeOverrides(c: ColumnOverrides | undefined): string {
  const parts: string[] = [];
  if (c?.ignore.length) parts.push(`--ignore ${c.ignore.join(',')}`);
  const kinds = Object.entries(c?.kinds ?? {});
  if (kinds.length) parts.push(`--kind ${kinds.map(([k, v]) => `${k}=${v}`).join(',')}`);
  return parts.length ? parts.join(' ') : 'no column overrides';
}

export interface ManifestAssignment {
  train: number[];
  validation: number[];
  test: number[];
  dropped: number[];
  /** Row positions whose fingerprint the manifest did not know (assigned to training). */
  newRows: number[];
  /** Manifest rows not found in the data. */
  missingRows: number;
}

const ORDER: SplitName[] = ['train', 'validation', 'test', 'dropped'];

/**
 * Assigns rows to splits by the manifest. Each occurrence of a fingerprint
 * takes the next recorded split for it; extra copies follow the last one,
 * so duplicates never straddle splits.
 */
export function applyManifest(fingerprints: string[], manifest: SplitManifest, splits: SplitName[] = ORDER): ManifestAssignment {
  const queues = new Map<string, SplitName[]>();
  for (const s of splits) for (const fp of manifest.fingerprints[s] ?? []) {
    const q = queues.get(fp);
    if (q) q.push(s);
    else queues.set(fp, [s]);
  }
  const out: ManifestAssignment = { train: [], validation: [], test: [], dropped: [], newRows: [], missingRows: 0 };
  const last = new Map<string, SplitName>();
  fingerprints.forEach((fp, i) => {
    const q = queues.get(fp);
    let s: SplitName | undefined = q && q.length ? q.shift() : last.get(fp);
    // Every copy of an unknown row is new (copies follow the first into training).
    if (!q) out.newRows.push(i);
    if (s === undefined) s = 'train';
    last.set(fp, s);
    out[s].push(i);
  });
  for (const q of queues.values()) out.missingRows += q.length;
  return out;
}

export async function saveManifest(path: string, manifest: SplitManifest): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true });
  await fs.writeFile(path, `${JSON.stringify(manifest)}\n`);
}

/** Reads a manifest; null when the file does not exist yet. */
export async function loadManifest(path: string): Promise<SplitManifest | null> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new DataError(path, 0, 'a readable manifest file', (e as Error).message);
  }
  let m: SplitManifest;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new DataError(path, 1, 'a JSON split manifest', quote((e as Error).message, 80));
  }
  if ((m?.version !== 1 && m?.version !== 2) || typeof m.fingerprints !== 'object' || !Array.isArray(m.fingerprints.train)) {
    throw new DataError(path, 1, 'a version 1 or 2 split manifest with fingerprints', 'another JSON document');
  }
  return m;
}
