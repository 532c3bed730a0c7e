// What `plan` suspects about the data before any training: each finding names
// the column, the measurement that raised it and the option that fixes it.
// The same objects go to the printed plan, `plan --json` (warnings) and the
// report.

export type FindingKind = 'time-order' | 'time-drift' | 'key-column' | 'leak' | 'near-duplicates';

export interface Finding {
  kind: FindingKind;
  /** The column it is about (null: the rows as a whole). */
  column: string | null;
  /** What was measured, in words. */
  measure: string;
  /** The measurement. */
  value: number;
  /** The threshold it crossed (the finding fires at or beyond it). */
  threshold: number;
  /** The option that fixes it, as typed on the command line. */
  option: string | null;
  /** One line: what, the figure, why it matters and the option. */
  message: string;
  /** Further figures behind the finding. */
  detail?: Record<string, number | string>;
}

/** A figure as messages print it: 3 significant digits, small p-values in e-notation. */
export function fig(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential(1);
  return String(Number(x.toPrecision(3)));
}
