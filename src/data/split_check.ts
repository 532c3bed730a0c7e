// Before a saved split manifest decides the rows, it must be the manifest of
// this data under these options. A changed seed, share or kind of split
// (random, time, group) would re-deal rows
// that were held out (the sealed test split among them) into training; other
// data under the same file name would inherit a split of rows it does not
// have. Both are refused with what differs, why, and what to do. Data that
// grew or lost some rows keeps its split, with the counts said out loud.
import { DataError } from './errors.js';
import type { SplitManifest } from './manifest.js';
import { sameSplitBy, splitByFlag, type SplitBy } from './split_by.js';

/** A saved split that cannot be used for this run; `usage` when the options differ (not the data). */
export class SplitManifestError extends DataError {
  override name = 'SplitManifestError';
  readonly usage: boolean;
  /** What to do instead of "fix the data". */
  readonly remedy: string;

  constructor(file: string, expected: string, found: string, remedy: string, usage: boolean) {
    super(file, 0, expected, found, remedy);
    this.usage = usage;
    this.remedy = remedy;
  }
}

/** The options a split was (or is about to be) made with. */
export interface SplitRequest {
  seed: number;
  validation: number;
  test: number;
  sources: SplitManifest['sources'];
  /** Random (default), time or group. */
  by?: SplitBy;
  /** Near-duplicates of training rows removed from the held-out splits too. Default false. */
  nearDuplicates?: boolean;
}

/** Each option whose value differs from the manifest's, as "name: saved → asked" (empty: same options). */
export function optionChanges(m: SplitManifest, r: SplitRequest): string[] {
  const out: string[] = [];
  const share = (x: number) => String(Math.round(x * 1e6) / 1e6);
  if (!sameSplitBy(m.splitBy, r.by)) out.push(`${splitByFlag(m.splitBy)} → ${splitByFlag(r.by)}`);
  // A time split draws nothing at random: its seed does not matter.
  else if (m.seed !== r.seed && (r.by?.kind ?? 'random') !== 'time') out.push(`--split-seed ${m.seed} → ${r.seed}`);
  if (Boolean(m.nearDuplicates) !== Boolean(r.nearDuplicates)) out.push(m.nearDuplicates ? 'near-duplicates removed → kept (--drop-near-duplicates dropped)' : 'near-duplicates kept → removed (--drop-near-duplicates)');
  if (m.sources.validation !== r.sources.validation) out.push(`validation ${m.sources.validation === 'user' ? 'set supplied' : 'split from the data'} → ${r.sources.validation === 'user' ? 'set supplied' : 'split from the data'}`);
  else if (r.sources.validation === 'split' && Math.abs(m.fractions.validation - r.validation) > 1e-9) out.push(`--validation-share ${share(m.fractions.validation)} → ${share(r.validation)}`);
  if (m.sources.test !== r.sources.test) out.push(`test ${m.sources.test === 'user' ? 'set supplied (--test)' : 'split from the data'} → ${r.sources.test === 'user' ? 'set supplied (--test)' : 'split from the data'}`);
  else if (r.sources.test === 'split' && Math.abs(m.fractions.test - r.test) > 1e-9) out.push(`--test-share ${share(m.fractions.test)} → ${share(r.test)}`);
  return out;
}

/** Throws when the manifest was made with other options. */
export function checkOptions(path: string, m: SplitManifest, r: SplitRequest): void {
  const changes = optionChanges(m, r);
  if (!changes.length) return;
  const kind = m.splitBy?.kind ?? 'random';
  const flags = kind !== 'random' || !sameSplitBy(m.splitBy, r.by) ? [splitByFlag(m.splitBy)] : [];
  if (kind !== 'time') flags.push(`--split-seed ${m.seed}`);
  if (m.nearDuplicates) flags.push('--drop-near-duplicates');
  if (m.sources.validation === 'split') flags.push(`--validation-share ${m.fractions.validation}`);
  if (m.sources.test === 'split') flags.push(`--test-share ${m.fractions.test}`);
  throw new SplitManifestError(
    path,
    `the options this split manifest was made with`,
    changes.join(', '),
    `a new split would move rows held out so far, the sealed test rows among them, into training. Run with ${flags.join(' ')}${m.sources.test === 'user' ? ' --test <the same test set>' : ''}, or delete ${path} (or use another --project folder) to split afresh; test results recorded on the old split then no longer count as sealed`,
    true,
  );
}

/** How the current data relates to the data the manifest was made from. */
export interface DataChange {
  /** The same rows (in any order). */
  same: boolean;
  /** Rows of the data the manifest knows. */
  known: number;
  /** Rows it does not know (they go to training). */
  newRows: number;
  /** Manifest rows no longer in the data. */
  missingRows: number;
  /** Where the new rows went, when not all to training (a time or group split places them by time or group). */
  placed?: string;
}

/**
 * Throws when most rows are unknown to the manifest (other data under the same
 * name); otherwise returns a note for changed data, or null when unchanged.
 */
export function checkData(path: string, dataFile: string, m: SplitManifest, rows: number, c: DataChange): string | null {
  if (c.same) return null;
  if (c.known * 2 < rows) {
    throw new SplitManifestError(
      dataFile,
      `the data the split manifest ${path} was made from (${m.rows ?? m.counts.train + m.counts.validation + m.counts.test + m.counts.dropped} rows, ${m.created})`,
      `${rows} rows of which ${c.known} are known to it (${c.newRows} new, ${c.missingRows} of its rows missing)`,
      `this is other data under the same file name; use another --project folder, or delete ${path} to split this data afresh`,
      false,
    );
  }
  return `the data changed since its split was saved in ${path}: ${c.newRows} new rows (${c.placed ?? 'sent to training'}), ${c.missingRows} saved rows missing; the known rows keep their splits`;
}
