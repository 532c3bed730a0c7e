// JSON input: an array of row objects, or NDJSON (one object per line).
// Arrays are scanned incrementally: a small state machine finds each
// top-level element's text and line, and JSON.parse decodes just that
// element, so a bad element is reported at its own line and big files stream.
import { createReadStream, promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { DataError, quote } from './errors.js';
import { MAX_NESTING, nestedDeeper } from './values.js';
import { requireFile } from './source.js';
import { MAX_CELL_CHARS, newRow, type ReadReport, type Row, type Table } from './table.js';
import type { LineRow, RowStream } from './csv.js';

export interface JsonOptions {
  /** 'array' (a JSON array of objects) or 'ndjson'. Default: ndjson for .ndjson/.jsonl, else by the first character ('[' → array). */
  format?: 'array' | 'ndjson';
  /** Skip rows that are not valid JSON objects and report them, instead of throwing. Default false. */
  lenient?: boolean;
  /** Stop after this many rows. Default: all. */
  maxRows?: number;
}

// One element may not grow past this: garbage without closing brackets would otherwise be buffered whole.
const MAX_ELEMENT_CHARS = 1 << 26;

function parseElement(text: string, file: string, line: number): { value?: unknown; error?: DataError } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    let at = line;
    if (pos) for (let i = 0; i < Math.min(Number(pos[1]), text.length); i++) if (text.charCodeAt(i) === 10) at++;
    return { error: new DataError(file, at, 'a valid JSON value', quote(msg.replace(/^.*?: /, ''), 100)) };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { error: new DataError(file, line, 'an object (one row)', value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`) };
  }
  // A row without a prototype: JSON.parse keeps a "__proto__" key as an own property, and a copy must too.
  const row = newRow();
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' && v.length > MAX_CELL_CHARS) return { error: new DataError(file, line, `values of at most ${MAX_CELL_CHARS} characters`, `a value of ${v.length} characters in column ${quote(k)}`) };
    if (nestedDeeper(v)) return { error: new DataError(file, line, `values nested at most ${MAX_NESTING} levels deep`, `a deeper one in column ${quote(k)}`) };
    row[k] = v as Row[string];
  }
  return { value: row };
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d, 0xfeff]);

async function* scanArray(chunks: AsyncIterable<string>, file: string, lenient: boolean, report: ReadReport): AsyncGenerator<LineRow> {
  type Phase = 'start' | 'before' | 'element' | 'after' | 'end';
  let phase = 'start' as Phase;
  let line = 1;
  let sawComma = false;
  let parts: string[] = [];
  let partLen = 0;
  let elemLine = 0;
  let depth = 0;
  let inString = false;
  let escape = false;
  const fail = (expected: string, ch: string): never => {
    throw new DataError(file, line, expected, ch === '' ? 'end of file' : quote(ch));
  };

  for await (const chunk of chunks) {
    let segStart = phase === 'element' ? 0 : -1; // where the current element's text starts in this chunk
    const out: LineRow[] = [];
    const finish = (endExclusive: number): void => {
      if (segStart >= 0) parts.push(chunk.slice(segStart, endExclusive));
      const text = parts.join('');
      parts = [];
      partLen = 0;
      segStart = -1;
      const { value, error } = parseElement(text, file, elemLine);
      if (error) {
        if (!lenient) throw error;
        report.skipped.push({ line: error.line, reason: `expected ${error.expected}, found ${error.found}` });
      } else {
        out.push({ row: value as Row, line: elemLine });
      }
      phase = 'after';
    };
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (phase === 'element') {
        if (inString) {
          if (escape) escape = false;
          else if (c === 0x5c) escape = true;
          else if (c === 0x22) inString = false;
          if (c === 10) line++;
          if (!inString && depth === 0) finish(i + 1); // a top-level string element
          continue;
        }
        if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) {
          if (depth === 0) {
            finish(i); // ']' closing the array right after a scalar element
            i--;
            continue;
          }
          if (--depth === 0) finish(i + 1);
        } else if (depth === 0 && (c === 0x2c || WS.has(c))) {
          finish(i);
          i--;
          continue;
        }
        if (c === 10) line++;
        continue;
      }
      if (c === 10) line++;
      if (WS.has(c)) continue;
      const ch = chunk[i];
      switch (phase) {
        case 'start':
          if (c !== 0x5b) fail("'[' (a JSON array of row objects)", ch);
          phase = 'before';
          sawComma = false;
          break;
        case 'before':
          if (c === 0x5d) {
            if (sawComma) fail('a value after the comma', ch);
            phase = 'end';
            break;
          }
          if (c === 0x2c) fail('a value', ch);
          phase = 'element';
          elemLine = line;
          depth = 0;
          inString = false;
          escape = false;
          segStart = i;
          i--; // let the element branch see its first character
          break;
        case 'after':
          if (c === 0x2c) {
            phase = 'before';
            sawComma = true;
          } else if (c === 0x5d) phase = 'end';
          else fail("',' or ']'", ch);
          break;
        case 'end':
          fail('end of file after the closing bracket', ch);
      }
    }
    if (phase === 'element' && segStart >= 0) {
      const piece = chunk.slice(segStart);
      parts.push(piece);
      partLen += piece.length;
      if (partLen > MAX_ELEMENT_CHARS) throw new DataError(file, elemLine, 'a row object of reasonable size', `over ${MAX_ELEMENT_CHARS} characters without closing`);
    }
    for (const r of out) yield r;
  }
  if (phase === 'start') throw new DataError(file, line, "'[' (a JSON array of row objects)", 'an empty file');
  if (phase === 'element' && depth === 0 && !inString && parts.length) {
    // a scalar element running into end of file: still report it at its own line
    const { error } = parseElement(parts.join(''), file, elemLine);
    if (error) throw error;
  }
  if (phase !== 'end') throw new DataError(file, line, "']' closing the array", 'end of file');
}

async function* scanLines(input: Readable, file: string, lenient: boolean, report: ReadReport): AsyncGenerator<LineRow> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  let any = false;
  try {
    for await (let text of rl) {
      line++;
      if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.trim() === '') continue;
      any = true;
      const { value, error } = parseElement(text, file, line);
      if (error) {
        if (!lenient) throw error;
        report.skipped.push({ line, reason: `expected ${error.expected}, found ${error.found}` });
        continue;
      }
      yield { row: value as Row, line };
    }
  } finally {
    rl.close();
    input.destroy();
  }
  if (!any && report.skipped.length === 0) throw new DataError(file, 1, 'one JSON object per line', 'an empty file');
}

function rowStream(open: () => Readable, file: string, format: 'array' | 'ndjson', options: JsonOptions): RowStream {
  const report: ReadReport = { rows: 0, skipped: [] };
  const seen = new Set<string>();
  const columns: string[] = [];
  const maxRows = options.maxRows ?? Infinity;
  const lenient = options.lenient ?? false;
  async function* generate(): AsyncGenerator<LineRow> {
    const input = open();
    const inner = format === 'ndjson' ? scanLines(input, file, lenient, report) : scanArray(input as AsyncIterable<string>, file, lenient, report);
    try {
      for await (const r of inner) {
        for (const k in r.row) if (!seen.has(k)) (seen.add(k), columns.push(k));
        report.rows++;
        yield r;
        if (report.rows >= maxRows) break;
      }
    } catch (e) {
      if (e instanceof DataError) throw e;
      throw new DataError(file, 0, 'readable UTF-8 text', quote((e as Error).message, 100));
    } finally {
      input.destroy();
    }
  }
  return { columns, report, [Symbol.asyncIterator]: generate };
}

async function sniffFormat(path: string): Promise<'array' | 'ndjson'> {
  if (/\.(ndjson|jsonl)$/i.test(path)) return 'ndjson';
  const fh = await fs.open(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return firstChar(buf.subarray(0, bytesRead).toString('utf8')) === '{' ? 'ndjson' : 'array';
  } finally {
    await fh.close();
  }
}

function firstChar(s: string): string {
  const m = /[^\s\ufeff]/.exec(s);
  return m ? m[0] : '';
}

/** Streams the rows of a JSON array or NDJSON file. */
export async function streamJson(path: string, options: JsonOptions = {}): Promise<RowStream> {
  await requireFile(path);
  const format = options.format ?? (await sniffFormat(path));
  return rowStream(() => createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 }), path, format, options);
}

async function collect(stream: RowStream, file: string): Promise<Table> {
  const rows: Row[] = [];
  const lines: number[] = [];
  for await (const r of stream) {
    rows.push(r.row);
    lines.push(r.line);
  }
  return { columns: stream.columns, rows, lines, file, report: stream.report };
}

/** Reads a whole JSON array or NDJSON file into a table. */
export async function readJson(path: string, options: JsonOptions = {}): Promise<Table> {
  return collect(await streamJson(path, options), path);
}

/** Parses JSON or NDJSON text already in memory; `file` names it in errors. */
export async function parseJson(text: string, options: JsonOptions & { file?: string } = {}): Promise<Table> {
  const file = options.file ?? '<string>';
  const format = options.format ?? (firstChar(text) === '{' ? 'ndjson' : 'array');
  return collect(rowStream(() => Readable.from([text], { objectMode: true }), file, format, options), file);
}
