// The split of every row as a CSV a user can audit or hand to another tool:
// line (as in error messages, header = line 1), split (train, validation,
// test or dropped), reason (why a row was dropped), row (its position among
// the data rows, from 1: rows of a one-line JSON file share a line; empty for
// a row the reader skipped).
import type { RowAssignment } from './split.js';

function cell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function assignmentsCsv(rows: readonly RowAssignment[]): string {
  const out = ['line,split,reason,row'];
  for (const r of rows) out.push([String(r.line), r.split, cell(r.reason ?? ''), r.row > 0 ? String(r.row) : ''].join(','));
  return `${out.join('\n')}\n`;
}
