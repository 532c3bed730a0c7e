// The split manifest: which rows went to which split, saved as JSON so a
// re-run, or another machine, uses exactly the same rows even if the file is
// reordered. A row is known by its features' fingerprint (the target left out,
// so a corrected label keeps its row in its split), and since version 3 also
// by a hash of its label and by its line: copies of one feature row that
// carry different labels (or sit on different lines) go back to the very
// splits they had, so the same split always gives the same counts. Held-out
// rows removed as duplicates of training rows are recorded with the split
// they were drawn for, so the duplicate check repeats identically. The
// manifest records the data it was made from and the options that made it
// (split seed, shares, random, time or group), so that another file or other
// options are noticed (see split_check.ts).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { DataError, quote } from './errors.js';
import { writeAtomic } from '../files/index.js';
import type { SplitBy } from './split_by.js';

export type SplitName = 'train' | 'validation' | 'test' | 'dropped';

export interface SplitManifest {
  /** 1: rows identified with their target (read for upgrade only); 2: by their features; 3: features, then label and line. */
  version: 1 | 2 | 3;
  created: string;
  seed: number;
  fractions: { validation: number; test: number };
  stratified: boolean;
  /** 'user' when the caller supplied the split; 'split' when it was cut from the data. */
  sources: { validation: 'split' | 'user'; test: 'split' | 'user' };
  counts: Record<SplitName, number>;
  /** Fingerprints per split; a repeated fingerprint means duplicate rows. 'dropped' holds rows removed as leakage. */
  fingerprints: Record<SplitName, string[]>;
  /** Version 2+: fingerprint of the data the split was made from (its rows' identities, order-free). */
  data?: string;
  /** Version 2+: rows in that data. */
  rows?: number;
  /** Version 2+: the target column(s) left out of the row identities. */
  target?: string[];
  /** Version 3: a hash of each row's label, parallel to `fingerprints`. */
  labels?: Record<SplitName, string[]>;
  /** Version 3: each row's line in the data file, parallel to `fingerprints`. */
  lines?: Record<SplitName, number[]>;
  /** Version 3: the split each dropped row was drawn for, parallel to `fingerprints.dropped`. */
  droppedFrom?: Array<'validation' | 'test' | null>;
  /** Version 3: the columns a row's identity hashes (tables). */
  columns?: string[];
  /** Version 3: how the rows were dealt; absent: random. */
  splitBy?: SplitBy;
  /** Version 3: held-out rows equal to a training row up to formatting were removed too (--drop-near-duplicates). */
  nearDuplicates?: boolean;
  /** Version 3: the data file's name. */
  source?: string;
  /** Tables: the columns the first run left out (--ignore) and the kinds it forced (--kind); they change the inputs, never the rows' splits. */
  overrides?: ColumnOverrides;
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

/** One row as the manifest knows it. */
export interface ManifestRows {
  /** Identity fingerprints (features). */
  ids: string[];
  /** Label hashes, parallel to ids (version 3 matching). */
  labels?: string[];
  lines?: number[];
}

export interface ManifestAssignment {
  train: number[];
  validation: number[];
  test: number[];
  dropped: number[];
  /** Rows that come back as 'dropped' with the split they were drawn for (version 3): the duplicate check decides again. */
  droppedFrom: Map<number, 'validation' | 'test'>;
  /** Row positions whose fingerprint the manifest did not know (assigned to training). */
  newRows: number[];
  /** Manifest rows not found in the data. */
  missingRows: number;
  /** Those rows, as entries to keep in an updated manifest (should they come back, they return to their split). */
  missing: ManifestEntry[];
}

export interface ManifestEntry {
  split: SplitName;
  id: string;
  label?: string;
  line?: number;
  from?: 'validation' | 'test';
}

const ORDER: SplitName[] = ['train', 'validation', 'test', 'dropped'];

/** The manifest's rows as entries, in split order. */
export function manifestEntries(m: SplitManifest, splits: SplitName[] = ORDER): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  for (const s of splits) {
    (m.fingerprints[s] ?? []).forEach((id, i) => {
      const e: ManifestEntry = { split: s, id };
      if (m.labels?.[s]) e.label = m.labels[s][i];
      if (m.lines?.[s]) e.line = m.lines[s][i];
      if (s === 'dropped' && m.droppedFrom?.[i]) e.from = m.droppedFrom[i]!;
      out.push(e);
    });
  }
  return out;
}

/**
 * Assigns rows to splits by the manifest, in three passes: a row takes the
 * entry with its fingerprint, label and line; then one with its fingerprint
 * and label (the file was reordered); then one with its fingerprint (its label
 * was corrected). Extra copies of a known row follow a copy already placed;
 * unknown rows go to training (newRows).
 */
export function applyManifest(rows: ManifestRows | string[], manifest: SplitManifest, splits: SplitName[] = ORDER): ManifestAssignment {
  const r: ManifestRows = Array.isArray(rows) ? { ids: rows } : rows;
  const entries = manifestEntries(manifest, splits);
  const used = new Uint8Array(entries.length);
  const at = new Array<number>(r.ids.length).fill(-1);
  const keys: Array<(id: string, label?: string, line?: number) => string | null> = [
    (id, label, line) => (label === undefined || line === undefined ? null : `${id}\u0000${label}\u0000${line}`),
    (id, label) => (label === undefined ? null : `${id}\u0000${label}`),
    (id) => id,
  ];
  for (const key of keys) {
    const buckets = new Map<string, number[]>();
    entries.forEach((e, k) => {
      if (used[k]) return;
      const kk = key(e.id, e.label, e.line);
      if (kk === null) return;
      const b = buckets.get(kk);
      if (b) b.push(k);
      else buckets.set(kk, [k]);
    });
    r.ids.forEach((id, i) => {
      if (at[i] >= 0) return;
      const kk = key(id, r.labels?.[i], r.lines?.[i]);
      const b = kk === null ? undefined : buckets.get(kk);
      const k = b?.shift();
      if (k === undefined) return;
      used[k] = 1;
      at[i] = k;
    });
  }
  const out: ManifestAssignment = { train: [], validation: [], test: [], dropped: [], droppedFrom: new Map(), newRows: [], missingRows: 0, missing: [] };
  const placed = new Map<string, SplitName>();
  const known = new Set(entries.map((e) => e.id));
  r.ids.forEach((id, i) => {
    if (at[i] >= 0) placed.set(id, entries[at[i]].split);
  });
  r.ids.forEach((id, i) => {
    let s: SplitName;
    if (at[i] >= 0) {
      const e = entries[at[i]];
      s = e.split;
      if (s === 'dropped' && e.from) out.droppedFrom.set(i, e.from);
    } else if (known.has(id)) {
      s = placed.get(id) ?? 'train';
    } else {
      out.newRows.push(i);
      s = 'train';
    }
    out[s].push(i);
  });
  entries.forEach((e, k) => {
    if (!used[k]) out.missing.push(e);
  });
  out.missingRows = out.missing.length;
  return out;
}

/** Where a data file's split manifest lives in a project: split-<name without extension>.json. */
export function manifestPath(projectDir: string, data: string): string {
  const name = basename(data);
  const ext = extname(name);
  const stem = ext && ext !== name ? name.slice(0, -ext.length) : name;
  const short = join(projectDir, `split-${stem}.json`);
  // Before, the whole file name was kept (split-penguins.json.json): such projects keep their manifest.
  const legacy = join(projectDir, `split-${name}.json`);
  if (!existsSync(short) && existsSync(legacy)) return legacy;
  // Another file with the same stem (penguins.csv next to penguins.json) owns the short name: take the long one.
  if (ext && existsSync(short) && manifestSource(short) !== null && manifestSource(short) !== name) return legacy;
  return short;
}

function manifestSource(path: string): string | null {
  try {
    const m = JSON.parse(readFileSync(path, 'utf8'));
    return typeof m?.source === 'string' ? m.source : null;
  } catch {
    return null;
  }
}

export async function saveManifest(path: string, manifest: SplitManifest): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  writeAtomic(path, `${JSON.stringify(manifest)}\n`);
}

/** Reads a manifest; null when the file does not exist yet. */
export async function loadManifest(path: string): Promise<SplitManifest | null> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
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
  if (typeof m?.version === 'number' && m.version > 3) {
    throw new DataError(path, 1, 'a split manifest of version 1 to 3 (this sixstep reads no newer one)', `version ${m.version}`, 'use the sixstep that wrote it, or delete the file to split afresh');
  }
  if ((m?.version !== 1 && m?.version !== 2 && m?.version !== 3) || typeof m.fingerprints !== 'object' || !Array.isArray(m.fingerprints.train)) {
    throw new DataError(path, 1, 'a version 1, 2 or 3 split manifest with fingerprints', 'another JSON document');
  }
  return m;
}
