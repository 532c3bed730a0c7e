// Reading one cell as a number, boolean, date or category key. Every stage
// (schema inference, fitting, encoding) goes through these, so a value means
// the same thing at training and at inference time.
import type { Cell } from './table.js';

/** Cells that mean "no value" in text formats, by default. */
export const DEFAULT_MISSING_TOKENS = ['', 'NA', 'N/A', 'na', 'n/a', 'NULL', 'null', 'None', 'none', '?', '-'];

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^([+-]?(inf|infinity)|nan)$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const TRUE = new Set(['true', 'yes', 't', 'y']);
const FALSE = new Set(['false', 'no', 'f', 'n']);

export function isMissing(v: Cell, tokens: ReadonlySet<string>): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'string') return tokens.has(v.trim());
  return false;
}

/** The number a cell holds (NaN/±Infinity included), or null when it is not numeric. */
export function toNumber(v: Cell): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const s = v.trim();
    if (NUMBER.test(s)) return Number(s);
    if (NON_FINITE.test(s)) return /nan/i.test(s) ? NaN : s.startsWith('-') ? -Infinity : Infinity;
  }
  return null;
}

/** true/false for boolean-like cells (true/false, yes/no, t/f, y/n, 0/1), null otherwise. */
export function toBoolean(v: Cell): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return v == 0 ? false : v == 1 ? true : null;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (TRUE.has(s) || s === '1') return true;
    if (FALSE.has(s) || s === '0') return false;
  }
  return null;
}

/** Milliseconds since the epoch for Date cells and ISO-8601 strings, null otherwise. */
export function toDate(v: Cell): number | null {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.getTime();
  if (typeof v === 'string') {
    const s = v.trim();
    if (!ISO_DATE.test(s)) return null;
    const t = Date.parse(s.length === 10 ? `${s}T00:00:00Z` : /[Zz]|[+-]\d{2}:?\d{2}$/.test(s) ? s : `${s.replace(' ', 'T')}Z`);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

/** The category key of a cell: its trimmed text. */
export function toKey(v: Cell): string {
  if (typeof v === 'string') return v.trim();
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object' && v !== null) return JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}

/** The deepest nesting a cell may have (JSON data): deeper ones are refused, so no later stage recurses without bound. */
export const MAX_NESTING = 64;

/** Whether a cell nests arrays or objects more than `limit` levels deep, measured without recursion. */
export function nestedDeeper(v: unknown, limit = MAX_NESTING): boolean {
  if (v === null || typeof v !== 'object') return false;
  const stack: Array<[unknown, number]> = [[v, 1]];
  while (stack.length) {
    const [x, depth] = stack.pop()!;
    if (depth > limit) return true;
    for (const child of Object.values(x as object)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
