// "Did you mean": the column a mistyped name most likely meant. A match
// ignoring case wins; otherwise the smallest edit distance, if it is small
// against the name's length (a third of it, at least 2).
import { DataError, quote } from './errors.js';

/** Levenshtein distance (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** The closest candidate to `name`, or null when none is close enough to suggest. */
export function closest(name: string, candidates: readonly string[]): string | null {
  const lower = name.toLowerCase();
  const same = candidates.find((c) => c.toLowerCase() === lower);
  if (same !== undefined) return same;
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/** A column named by the user (an option, not the file) that the data does not have. */
export class UnknownColumnError extends DataError {
  override name = 'UnknownColumnError';
  readonly column: string;
  readonly suggestion: string | null;

  constructor(file: string, what: string, column: string, columns: readonly string[]) {
    const suggestion = closest(column, columns);
    super(file, 1, `${what} named ${quote(column)}`, columns.length ? `columns ${columns.map((c) => quote(c, 30)).join(', ')}` : 'no columns', suggestion === null ? undefined : `did you mean ${quote(suggestion)}?`);
    this.column = column;
    this.suggestion = suggestion;
  }
}

/** No column named where one is needed (tables need --target): the command line lacks it, not the data. */
export class MissingColumnError extends DataError {
  override name = 'MissingColumnError';
}
