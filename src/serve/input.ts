// The request rows, checked before any work: every feature column the model
// was trained on must be present (null, or a missing token such as "NA", is
// an explicit missing value and gets the training fill), and each value must
// parse the way the training preprocessing parses that column. Extra fields
// (an id, the target) are dropped so they can never reach the encoder.
import { isMissing, toBoolean, toDate, toNumber, type Cell, type FeatureSpec, type PreprocessorJSON, type Row } from '../data/index.js';
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
  numeric: 'a number',
  boolean: 'true/false, yes/no or 0/1',
  datetime: 'an ISO-8601 date',
  categorical: 'a string, number or boolean',
  text: 'a string',
};

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

function parses(kind: FeatureSpec['kind'], v: Cell): boolean {
  switch (kind) {
    case 'numeric':
      return toNumber(v) !== null;
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
    const clean: Row = {};
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
