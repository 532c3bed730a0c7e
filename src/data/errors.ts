// The one error type for bad input: it always says where (file, line) and
// what was expected versus found, so a user can open the file and fix it.

/** Bad or unreadable input data. `line` is 1-based; 0 when no line applies (a missing path, a binary file). */
export class DataError extends Error {
  override name = 'DataError';
  readonly file: string;
  readonly line: number;
  readonly expected: string;
  readonly found: string;

  constructor(file: string, line: number, expected: string, found: string, hint?: string) {
    super(`${file}${line > 0 ? `:${line}` : ''}: expected ${expected}, found ${found}${hint ? ` (${hint})` : ''}`);
    this.file = file;
    this.line = line;
    this.expected = expected;
    this.found = found;
  }
}

/** A row a lenient reader or encoder skipped, and why. */
export interface SkippedRow {
  line: number;
  reason: string;
}

/** Shortens a value for an error message: long cells would drown the message. */
export function quote(value: unknown, max = 40): string {
  const s = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
