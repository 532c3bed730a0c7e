// The request rows, checked before any work: every feature column the model
// was trained on must be present (null, or a missing token such as "NA", is
// an explicit missing value and gets the training fill), and each value must
// parse the way the training preprocessing parses that column. Extra fields
// (an id, the target) are dropped so they can never reach the encoder.
// A numeric field takes a finite JSON number only: true, "12" or "Infinity"
// are refused (422) rather than coerced. Values far outside the training
// range still predict, but come back flagged (rangeWarnings).
import { isMissing, newRow, toBoolean, toDate, type Cell, type FeatureSpec, type PreprocessorJSON, type Row } from '../data/index.js';
import { InputError } from './errors.js';

export interface InputField {
  name: string;
  kind: FeatureSpec['kind'];
}

/** The fields a row must carry, in the preprocessor's order. */
export function inputFields(pre: PreprocessorJSON): InputField[] {
  return pre.features.map((f) => ({ name: f.column, kind: f.kind }));
}

const EXPECTED: Record<FeatureSpec['kind'], string> = {
  numeric: 'a finite JSON number (or null for a missing value)',
  boolean: 'true/false, yes/no or 0/1',
  datetime: 'an ISO-8601 date',
  categorical: 'a string, number or boolean',
  text: 'a string',
};

/**
 * A client value for an error message, about 40 characters at most. It never
 * walks into the value: a 10 KB body can nest 5,000 levels, and rendering it
 * whole (JSON.stringify) would overflow the stack instead of naming the field.
 */
export function showValue(v: unknown): string {
  const s = Array.isArray(v) ? `[${shallow(v.slice(0, 4))}${v.length > 4 ? ', …' : ''}]` : v !== null && typeof v === 'object' ? showObject(v) : scalar(v);
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

/** One level only: nested values are shown as […] or {…}. */
function shallow(items: unknown[]): string {
  return items.map((x) => (Array.isArray(x) ? '[…]' : x !== null && typeof x === 'object' ? '{…}' : scalar(x))).join(', ');
}

function showObject(o: object): string {
  const keys = Object.keys(o);
  const parts = keys.slice(0, 4).map((k) => `${JSON.stringify(k.slice(0, 20))}: ${shallow([(o as Record<string, unknown>)[k]])}`);
  return `{${parts.join(', ')}${keys.length > 4 ? ', …' : ''}}`;
}

function scalar(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.length > 40 ? v.slice(0, 40) : v) : String(v);
}

const show = showValue;

/** The classes a label must be among, for an error message (at most 20 named). */
export function listClasses(classes: readonly string[]): string {
  const named = classes.slice(0, 20).map((c) => JSON.stringify(c)).join(',');
  return `[${named}${classes.length > 20 ? `,… ${classes.length - 20} more` : ''}]`;
}

function parses(kind: FeatureSpec['kind'], v: Cell): boolean {
  switch (kind) {
    case 'numeric':
      // Strict: a boolean or a string is a client bug, not a number (CSV files go through predictTable instead).
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return toBoolean(v) !== null;
    case 'datetime':
      return toDate(v) !== null;
    case 'categorical':
    case 'text':
      return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  }
}

/**
 * Validates the rows and returns copies holding only the model's fields.
 * Throws InputError naming the field and the row index.
 */
export function checkRows(rows: unknown, fields: InputField[], missingTokens: ReadonlySet<string>): Row[] {
  if (!Array.isArray(rows)) throw new InputError('rows', null, rows === undefined ? 'missing' : 'type', `"rows" must be an array of objects, found ${show(rows)}`);
  const out: Row[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as Record<string, unknown>;
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new InputError('rows', i, 'type', `row ${i}: expected an object of column values, found ${show(r)}`);
    // A column may be called "__proto__" or "constructor" (fastify keeps such keys as own properties): see newRow.
    const clean: Row = newRow();
    for (const f of fields) {
      if (!Object.prototype.hasOwnProperty.call(r, f.name)) {
        throw new InputError(f.name, i, 'missing', `row ${i}: missing field "${f.name}" (${EXPECTED[f.kind]}; send null for a missing value)`);
      }
      const v = r[f.name] as Cell;
      if (v !== null && !isMissing(v, missingTokens) && (typeof v === 'object' || !parses(f.kind, v))) {
        throw new InputError(f.name, i, 'type', `row ${i}: field "${f.name}" must be ${EXPECTED[f.kind]}, found ${show(v)}`);
      }
      clean[f.name] = v;
    }
    out[i] = clean;
  }
  return out;
}

/** A numeric field's training range, with how far outside it a value may go before it is flagged. */
export interface FieldRange {
  min: number;
  max: number;
}

/** A served value far outside what the model was trained on: the prediction is an extrapolation. */
export interface RangeWarning {
  row: number;
  field: string;
  value: number;
  trainingRange: [number, number];
}

/**
 * Values further outside the training [min, max] than the range's own width
 * (so 3× the largest training value of a positive column is flagged, a value
 * just past the largest is not). A constant column flags any other value.
 */
export function rangeWarnings(rows: readonly Row[], ranges: Readonly<Record<string, FieldRange>>): RangeWarning[] {
  const out: RangeWarning[] = [];
  const list = Object.entries(ranges);
  rows.forEach((r, i) => {
    for (const [field, g] of list) {
      const v = r[field];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const span = g.max - g.min;
      if (v < g.min - span || v > g.max + span) out.push({ row: i, field, value: v, trainingRange: [g.min, g.max] });
    }
  });
  return out;
}
