// The JSON sidecar written next to an exported model, and the function that
// turns raw rows into the graph's inputs with it. Everything numeric happens
// inside the graph (median fill, <col>_na indicators, one-hot, standardization);
// what standard ONNX operators cannot do portably stays here: parsing strings
// (trimmed category keys, missing tokens, ISO dates and their calendar parts)
// and tokenizing text. For all-numeric tables the sidecar is optional: the
// graph takes the raw values in manifest feature order, NaN for a missing one.
// Imports name the leaf modules (no libtorch behind them), so this file also runs in a browser (examples/onnx-web).
import { isMissing, toBoolean, toDate, toKey, toNumber } from '../data/values.js';
import { datePart, type DatePart } from '../data/datetime.js';
import { Tokenizer, type TokenizerJSON } from '../data/text.js';
import { MISSING } from '../data/vocabulary.js';
import type { Cell, Row } from '../data/table.js';
import type { PreprocessorJSON } from '../data/preprocessor.js';

/** One column of the `features` input (float32 [batch, width]). */
export type InputColumn =
  | { column: string; kind: 'numeric' | 'boolean'; at: number }
  /** The vocabulary index of the value (the graph one-hot encodes it). */
  | { column: string; kind: 'categorical'; at: number; tokens: string[]; missing: number; unknown: number }
  /** The calendar parts of the date (UTC), NaN when missing. */
  | { column: string; kind: 'datetime'; at: number; parts: DatePart[] };

/** One text column's input: int64 [batch, maxLength] token ids (0 = padding) its tokenizer makes. */
export interface TextInputSpec {
  /** The graph input's name ("tokens_<column>", made safe). */
  name: string;
  column: string;
  tokenizer: TokenizerJSON;
}

export type OnnxInputSpec =
  /** `features` (absent, name null, when the model reads text only) and one token input per text column. */
  | { kind: 'table'; name: 'features' | null; width: number; columns: InputColumn[]; texts: TextInputSpec[]; missingTokens: string[] }
  | { kind: 'image'; name: 'pixels'; shape: [number, number, number]; note: string };

export interface OnnxSidecar {
  format: 'sixstep-onnx-inputs';
  /** 2: text columns are inputs of their own (table.texts). */
  version: 2;
  /** SHA-256 of the model directory's manifest the file was exported from. */
  model: string;
  task: string;
  /** Class (or label) names in output order; null for regression. */
  classes: string[] | null;
  opset: number;
  input: OnnxInputSpec;
  /** Output names: probabilities + class (binary, multiclass), probabilities + labels (multilabel), value (regression). */
  outputs: string[];
}

/** The `features` layout of a table preprocessor: which raw column feeds which input column. */
export function tableColumns(pre: PreprocessorJSON): { columns: InputColumn[]; width: number } {
  const columns: InputColumn[] = [];
  let at = 0;
  for (const f of pre.features) {
    if (f.kind === 'numeric' || f.kind === 'boolean') columns.push({ column: f.column, kind: f.kind, at: at++ });
    else if (f.kind === 'categorical') {
      const tokens = f.vocabulary.tokens;
      columns.push({ column: f.column, kind: 'categorical', at: at++, tokens, missing: Math.max(0, tokens.indexOf(MISSING)), unknown: f.vocabulary.unknown });
    } else if (f.kind === 'datetime') {
      columns.push({ column: f.column, kind: 'datetime', at, parts: f.parts });
      at += f.parts.length;
    }
    // Text columns have inputs of their own (TextInputSpec).
  }
  return { columns, width: at };
}

/** Graph input names for text columns: tokens_<column>, with characters other than letters, digits and _ replaced, made unique. */
export function tokenInputNames(columns: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>(['features']);
  for (const c of columns) {
    const base = `tokens_${c.replace(/[^A-Za-z0-9_]/g, '_')}`;
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    out.set(c, name);
  }
  return out;
}

/** A feed for one graph input, independent of the runtime (wrap it in the runtime's tensor type). */
export interface Feed {
  type: 'float32' | 'int64';
  data: Float32Array | BigInt64Array;
  dims: number[];
}

/** A row value that cannot be read as the column's kind: names the row and column. */
export class OnnxInputError extends Error {
  override name = 'OnnxInputError';
  constructor(readonly row: number, readonly column: string, expected: string, found: unknown) {
    super(`row ${row}: column ${JSON.stringify(column)} must be ${expected}, found ${JSON.stringify(found)}`);
  }
}

/** Raw rows (objects keyed by column) → the graph's inputs, by the sidecar. */
export function onnxFeeds(sidecar: OnnxSidecar, rows: Row[]): Record<string, Feed> {
  const spec = sidecar.input;
  if (spec.kind === 'image') throw new Error('image models take pixels: feed a float32 [batch, C, H, W] tensor of raw pixel values');
  const tokens = new Set(spec.missingTokens);
  const feeds: Record<string, Feed> = {};
  for (const t of spec.texts ?? []) {
    const texts = rows.map((r) => {
      const v = r[t.column] as Cell;
      return isMissing(v, tokens) ? '' : String(v);
    });
    const tok = Tokenizer.fromJSON(t.tokenizer);
    const { ids } = tok.encodeBatch(texts);
    feeds[t.name] = { type: 'int64', data: BigInt64Array.from(ids, (v) => BigInt(v)), dims: [rows.length, tok.maxLength] };
  }
  if (spec.name === null) return feeds;
  const w = spec.width;
  const index = new Map(spec.columns.map((c) => [c, c.kind === 'categorical' ? new Map(c.tokens.map((t, k) => [t, k])) : null]));
  const x = new Float32Array(rows.length * w);
  rows.forEach((r, i) => {
    for (const c of spec.columns) {
      const v = r[c.column] as Cell;
      const gap = isMissing(v, tokens);
      const j = i * w + c.at;
      switch (c.kind) {
        case 'numeric': {
          const n = gap ? NaN : toNumber(v);
          if (n === null) throw new OnnxInputError(i, c.column, 'a number', v);
          x[j] = n;
          break;
        }
        case 'boolean': {
          const b = gap ? null : toBoolean(v);
          if (!gap && b === null) throw new OnnxInputError(i, c.column, 'true/false, yes/no or 0/1', v);
          x[j] = b === null ? NaN : b ? 1 : 0;
          break;
        }
        case 'categorical': {
          x[j] = gap ? c.missing : (index.get(c)!.get(toKey(v)) ?? c.unknown);
          break;
        }
        case 'datetime': {
          const t = gap ? null : toDate(v);
          if (!gap && t === null) throw new OnnxInputError(i, c.column, 'an ISO-8601 date', v);
          c.parts.forEach((p, q) => (x[j + q] = t === null ? NaN : datePart(t, p)));
          break;
        }
      }
    }
  });
  feeds.features = { type: 'float32', data: x, dims: [rows.length, w] };
  return feeds;
}
