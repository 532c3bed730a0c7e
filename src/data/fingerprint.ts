// Row fingerprints: a short hash of a row's canonical values. They identify
// rows across runs (the split manifest) and find duplicates across splits
// (leakage) without keeping the rows themselves.
import { createHash } from 'node:crypto';
import type { Row, Table } from './table.js';
import { toKey, toNumber } from './values.js';

// "1.0" in one file and 1 in another are the same value; text is compared trimmed.
function canonical(v: Row[string]): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'object' || v instanceof Date) {
    const x = typeof v === 'boolean' ? null : toNumber(v);
    if (x !== null) return String(x);
  }
  return toKey(v);
}

/** 64-bit hex hash of the given columns of a row, each cell written as `cell` writes it. */
function hashRow(row: Row, columns: string[], cell: (v: Row[string]) => string): string {
  const h = createHash('sha1');
  for (const c of columns) {
    h.update(cell(row[c]));
    h.update('\u0000');
  }
  return h.digest('hex').slice(0, 16);
}

/** 64-bit hex fingerprint of the given columns of a row. */
export function rowFingerprint(row: Row, columns: string[]): string {
  return hashRow(row, columns, canonical);
}

/** Fingerprints of every row of a table over `columns` (default: all columns). */
export function tableFingerprints(table: Table, columns: string[] = table.columns): string[] {
  return table.rows.map((r) => rowFingerprint(r, columns));
}

/** Fingerprint of raw bytes (one image's pixels). */
export function bytesFingerprint(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex').slice(0, 16);
}

/** One fingerprint for a whole dataset from its rows' fingerprints, independent of row order. */
export function dataFingerprint(rows: string[]): string {
  const h = createHash('sha256');
  for (const fp of [...rows].sort()) h.update(fp).update(',');
  return h.digest('hex').slice(0, 32);
}

// Equal up to formatting: text in lower case without punctuation or extra
// spaces, numbers to 3 significant digits ("3.14159" and "3.14", "Main St."
// and "main st").
function loose(v: Row[string]): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'object' || v instanceof Date) {
    const x = typeof v === 'boolean' ? null : toNumber(v);
    if (x !== null) return Number.isFinite(x) ? String(Number(x.toPrecision(3))) : String(x);
  }
  return toKey(v).toLowerCase().replace(/[^\p{L}\p{N}\s]/gu, '').replace(/\s+/g, ' ').trim();
}

/** A fingerprint equal for rows that differ only in formatting (near-duplicates). */
export function nearKey(row: Row, columns: string[]): string {
  return hashRow(row, columns, loose);
}
