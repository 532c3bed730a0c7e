// CSV/TSV reading on csv-parse, streamed record by record: quoted fields,
// embedded newlines, a BOM and other delimiters are handled by the parser;
// this file adds the header, line numbers, field-count checks and lenient mode.
import { createReadStream, promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import { parse, CsvError, type InfoRecord } from 'csv-parse';
import { DataError, quote, type SkippedRow } from './errors.js';
import { requireFile } from './source.js';
import { MAX_CELL_CHARS, newRow, type ReadReport, type Row, type Table } from './table.js';

export interface CsvOptions {
  /** Field delimiter. Default: tab for .tsv/.tab files, otherwise sniffed from the first line among , ; tab | (',' when unsure). */
  delimiter?: string;
  /** true (default): the first record names the columns; or the names to use when the file has no header. */
  header?: boolean | string[];
  /** Skip malformed rows and report them instead of throwing. Default false. */
  lenient?: boolean;
  /** Stop after this many data rows. Default: all. */
  maxRows?: number;
}

/** A parsed data row with the line it starts on. */
export interface LineRow {
  row: Row;
  line: number;
}

/** Rows as they are parsed; `columns` is set once the header is read, `report` is complete when iteration ends. */
export interface RowStream extends AsyncIterable<LineRow> {
  readonly columns: string[];
  readonly report: ReadReport;
}

const CANDIDATES = [',', '\t', ';', '|'];

/** Picks the delimiter that occurs most often outside quotes on the first line. */
export function sniffDelimiter(firstChunk: string): string {
  const counts = new Map<string, number>(CANDIDATES.map((c) => [c, 0]));
  let inQuote = false;
  for (const ch of firstChunk) {
    if (ch === '"') inQuote = !inQuote;
    else if (!inQuote && (ch === '\n' || ch === '\r')) break;
    else if (!inQuote && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  let n = 0;
  for (const [c, k] of counts) if (k > n) [best, n] = [c, k];
  return best;
}

/** Unique, non-empty column names: a blank header cell becomes column_<i>, repeats get _2, _3 … */
export function normalizeHeader(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((raw, i) => {
    let name = raw.trim() || `column_${i + 1}`;
    const k = seen.get(name) ?? 0;
    seen.set(name, k + 1);
    if (k > 0) name = `${name}_${k + 1}`;
    return name;
  });
}

/** Header names given more than once, with their 1-based positions. */
export function repeatedNames(names: string[]): Array<{ name: string; positions: number[] }> {
  const at = new Map<string, number[]>();
  names.forEach((raw, i) => {
    const name = raw.trim();
    if (name) at.set(name, [...(at.get(name) ?? []), i + 1]);
  });
  return [...at].filter(([, p]) => p.length > 1).map(([name, positions]) => ({ name, positions }));
}

/** A number written with a decimal comma (3,14 or -0,5e3), as ';'-delimited files write them. */
const DECIMAL_COMMA = /^\s*[+-]?(\d+,\d*|,\d+)([eE][+-]?\d+)?\s*$/;

function describeCsvError(e: CsvError): { expected: string; found: string } {
  switch (e.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return { expected: 'a closing quote', found: 'end of file inside a quoted field' };
    case 'CSV_INVALID_CLOSING_QUOTE':
      return { expected: 'a delimiter or line end after a closing quote', found: 'more characters after the quote' };
    case 'INVALID_OPENING_QUOTE':
      return { expected: 'a quote only at the start of a field', found: 'a quote inside an unquoted field' };
    case 'CSV_MAX_RECORD_SIZE':
      return { expected: `a record of at most ${4 * MAX_CELL_CHARS} characters`, found: 'a longer one' };
    default:
      return { expected: 'well-formed CSV', found: e.message };
  }
}

function rowStream(input: () => Readable, file: string, delimiter: string, options: CsvOptions): RowStream {
  const lenient = options.lenient ?? false;
  const report: ReadReport = { rows: 0, skipped: [] };
  const state = { columns: [] as string[] };
  const maxRows = options.maxRows ?? Infinity;

  async function* generate(): AsyncGenerator<LineRow> {
    let lastEnd = 0; // the line the previous record ended on, updated synchronously by the parser
    const skipped: SkippedRow[] = report.skipped;
    const parser = parse({
      delimiter,
      bom: true,
      relax_column_count: true, // field counts are checked here, with line numbers and lenient mode
      skip_records_with_error: lenient,
      // A record past this is refused (skipped with lenient) before it is held whole: see MAX_CELL_CHARS.
      max_record_size: 4 * MAX_CELL_CHARS,
      on_record: (fields: string[], ctx: InfoRecord) => {
        const start = lastEnd + 1;
        lastEnd = Number(ctx.lines);
        return { fields, start } as unknown as string[];
      },
      on_skip: lenient
        ? (err: CsvError | undefined) => {
            const end = Number(err?.lines ?? lastEnd + 1);
            if (err?.code === 'CSV_QUOTE_NOT_CLOSED') {
              // the open quote swallowed everything to the end: say which lines went unread
              skipped.push({ line: lastEnd + 1, reason: `a quoted field opened here never closes (lines ${lastEnd + 1}–${end} unread)` });
            } else {
              skipped.push({ line: end, reason: err ? describeCsvError(err).found : 'malformed record' });
            }
            lastEnd = end;
            return undefined;
          }
        : undefined,
    });
    const source = input();
    source.on('error', (e) => parser.destroy(e));
    source.pipe(parser);
    let header: string[] | null = Array.isArray(options.header) ? normalizeHeader(options.header) : null;
    if (header) state.columns = header;
    const wantHeader = options.header === undefined || options.header === true;
    // In ';'-delimited files a comma in a number is a decimal comma (the European convention): read as a point, and said so.
    const decimalComma = delimiter === ';';
    let commaNumbers: Map<string, number> | null = null;
    try {
      for await (const rec of parser as AsyncIterable<{ fields: string[]; start: number }>) {
        const start = rec.start;
        const fields = rec.fields;
        if (fields.length === 1 && fields[0] === '') continue; // a blank line is not a row
        if (header === null) {
          header = wantHeader ? normalizeHeader(fields) : fields.map((_, i) => `column_${i + 1}`);
          const repeated = wantHeader ? repeatedNames(fields) : [];
          if (repeated.length) {
            const list = repeated.map((r) => `${quote(r.name)} (columns ${r.positions.join(', ')})`).join(', ');
            if (!lenient) throw new DataError(file, start, 'each column name once', list, 'rename the repeats, or pass --lenient to have them renamed name_2, name_3 … with a note');
            (report.notes ??= []).push(`repeated column name${repeated.length > 1 ? 's' : ''} ${list}: the repeats were renamed ${repeated.map((r) => quote(`${r.name}_2`)).join(', ')} …`);
          }
          state.columns = header;
          if (wantHeader) continue;
        }
        if (fields.length !== header.length) {
          const expected = `${header.length} fields`;
          const found = `${fields.length} field${fields.length === 1 ? '' : 's'}`;
          if (!lenient) throw new DataError(file, start, expected, found);
          skipped.push({ line: start, reason: `expected ${expected}, found ${found}` });
          continue;
        }
        const long = fields.findIndex((f) => f.length > MAX_CELL_CHARS);
        if (long >= 0) {
          const found = `a value of ${fields[long].length} characters in column ${quote(header[long])}`;
          if (!lenient) throw new DataError(file, start, `values of at most ${MAX_CELL_CHARS} characters`, found);
          skipped.push({ line: start, reason: found });
          continue;
        }
        const row: Row = newRow();
        for (let i = 0; i < header.length; i++) {
          let v = fields[i];
          if (decimalComma && v.includes(',') && DECIMAL_COMMA.test(v)) {
            v = v.replace(',', '.');
            commaNumbers ??= new Map();
            commaNumbers.set(header[i], (commaNumbers.get(header[i]) ?? 0) + 1);
          }
          row[header[i]] = v;
        }
        report.rows++;
        yield { row, line: start };
        if (report.rows >= maxRows) break;
      }
    } catch (e) {
      if (e instanceof DataError) throw e;
      if (e instanceof CsvError) {
        const { expected, found } = describeCsvError(e);
        const line = e.code === 'CSV_QUOTE_NOT_CLOSED' ? lastEnd + 1 : Number(e.lines ?? lastEnd + 1);
        throw new DataError(file, line, expected, found);
      }
      throw new DataError(file, lastEnd + 1, 'readable CSV text', quote((e as Error).message, 120));
    } finally {
      source.unpipe(parser);
      source.destroy();
      parser.destroy();
    }
    if (header === null) throw new DataError(file, 1, 'a header row', 'an empty file');
    for (const [column, n] of commaNumbers ?? []) (report.notes ??= []).push(`${quote(column)}: ${n} value${n === 1 ? '' : 's'} with a decimal comma read as number${n === 1 ? '' : 's'} (3,14 → 3.14; the file is delimited by ${quote(delimiter)})`);
  }

  return {
    get columns() {
      return state.columns;
    },
    report,
    [Symbol.asyncIterator]: generate,
  };
}

async function sniffFile(path: string): Promise<string> {
  if (/\.(tsv|tab)$/i.test(path)) return '\t';
  const fh = await fs.open(path, 'r');
  try {
    const buf = Buffer.alloc(65536);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return sniffDelimiter(buf.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await fh.close();
  }
}

/** Streams the rows of a CSV/TSV file without holding the file in memory. */
export async function streamCsv(path: string, options: CsvOptions = {}): Promise<RowStream> {
  await requireFile(path);
  const delimiter = options.delimiter ?? (await sniffFile(path));
  return rowStream(() => createReadStream(path), path, delimiter, options);
}

async function collect(stream: RowStream, file: string): Promise<Table> {
  const rows: Row[] = [];
  const lines: number[] = [];
  for await (const { row, line } of stream) {
    rows.push(row);
    lines.push(line);
  }
  return { columns: stream.columns, rows, lines, file, report: stream.report };
}

/** Reads a whole CSV/TSV file into a table. */
export async function readCsv(path: string, options: CsvOptions = {}): Promise<Table> {
  return collect(await streamCsv(path, options), path);
}

/** Parses CSV text already in memory; `file` names it in errors. */
export async function parseCsv(text: string, options: CsvOptions & { file?: string } = {}): Promise<Table> {
  const file = options.file ?? '<string>';
  const delimiter = options.delimiter ?? sniffDelimiter(text.slice(0, 65536));
  return collect(rowStream(() => Readable.from([text]), file, delimiter, options), file);
}
