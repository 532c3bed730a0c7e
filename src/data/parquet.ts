// Parquet through hyparquet, one row group at a time, so a file larger than
// memory can be read (or trained on) incrementally. ZSTD pages are decoded
// with fzstd; Snappy is built into hyparquet; GZIP and Brotli use node:zlib.
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, type AsyncBuffer, type Compressors, type FileMetaData } from 'hyparquet';
import { decompress as zstd } from 'fzstd';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { DataError, quote } from './errors.js';
import { requireFile } from './source.js';
import { newRow, type Row, type Table } from './table.js';

const compressors: Compressors = {
  ZSTD: (input: Uint8Array, outputLength: number) => zstd(input, new Uint8Array(outputLength)),
  GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)),
  BROTLI: (input: Uint8Array) => new Uint8Array(brotliDecompressSync(input)),
};

export interface ParquetOptions {
  /** Columns to read. Default: all. */
  columns?: string[];
  /** Row groups to read, in this order. Default: all, in file order. */
  rowGroups?: number[];
  /** Stop after this many rows. Default: all. */
  maxRows?: number;
}

export interface ParquetInfo {
  rows: number;
  columns: string[];
  rowGroups: { index: number; start: number; rows: number }[];
}

interface Opened {
  file: AsyncBuffer;
  metadata: FileMetaData;
  info: ParquetInfo;
}

async function open(path: string): Promise<Opened> {
  await requireFile(path);
  const file = await asyncBufferFromFile(path);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    throw new DataError(path, 0, 'a Parquet file (PAR1 footer and valid metadata)', quote((e as Error).message, 100));
  }
  let start = 0;
  const rowGroups = metadata.row_groups.map((g, index) => {
    const rows = Number(g.num_rows);
    const r = { index, start, rows };
    start += rows;
    return r;
  });
  // top-level columns: schema[0] is the root; its children follow in order
  const columns: string[] = [];
  let i = 1;
  const skip = (k: number): number => {
    const el = metadata.schema[k];
    let next = k + 1;
    for (let c = 0; c < (el.num_children ?? 0); c++) next = skip(next);
    return next;
  };
  while (i < metadata.schema.length) {
    columns.push(metadata.schema[i].name);
    i = skip(i);
  }
  return { file, metadata, info: { rows: Number(metadata.num_rows), columns, rowGroups } };
}

/** Row count, columns and row groups of a Parquet file, from its footer only. */
export async function parquetInfo(path: string): Promise<ParquetInfo> {
  return (await open(path)).info;
}

/** Reads row groups one at a time; each arrives as a table whose lines are 1-based row numbers. */
export async function* parquetRowGroups(path: string, options: ParquetOptions = {}): AsyncGenerator<Table & { rowGroup: number }> {
  const { file, metadata, info } = await open(path);
  const columns = options.columns ?? info.columns;
  for (const c of columns) if (!info.columns.includes(c)) throw new DataError(path, 0, `a column named ${quote(c)}`, `columns ${info.columns.join(', ')}`);
  let left = options.maxRows ?? Infinity;
  for (const g of options.rowGroups ?? info.rowGroups.map((r) => r.index)) {
    const group = info.rowGroups[g];
    if (!group) throw new DataError(path, 0, `a row group below ${info.rowGroups.length}`, String(g));
    if (left <= 0) return;
    const rowEnd = group.start + Math.min(group.rows, left);
    let rows: Row[];
    try {
      // Arrays, then rows without a prototype: a column may be called "__proto__" or "constructor".
      const arrays = await new Promise<unknown[][]>((resolve, reject) => parquetRead({ file, metadata, columns, rowStart: group.start, rowEnd, compressors, rowFormat: 'array', onComplete: (r) => resolve(r as unknown[][]) }).catch(reject));
      rows = arrays.map((a) => {
        const row: Row = newRow();
        for (let c = 0; c < columns.length; c++) row[columns[c]] = a[c] as Row[string];
        return row;
      });
    } catch (e) {
      throw new DataError(path, group.start + 1, `decodable Parquet data in row group ${g}`, quote((e as Error).message, 100));
    }
    left -= rows.length;
    yield {
      rowGroup: g,
      columns: columns.slice(),
      rows,
      lines: rows.map((_, i) => group.start + i + 1),
      file: path,
      report: { rows: rows.length, skipped: [] },
    };
  }
}

/** Reads a whole Parquet file (or the chosen row groups) into one table. */
export async function readParquet(path: string, options: ParquetOptions = {}): Promise<Table> {
  const out: Table = { columns: [], rows: [], lines: [], file: path, report: { rows: 0, skipped: [] } };
  for await (const t of parquetRowGroups(path, options)) {
    out.columns = t.columns;
    for (let i = 0; i < t.rows.length; i++) {
      out.rows.push(t.rows[i]);
      out.lines.push(t.lines[i]);
    }
  }
  if (out.columns.length === 0) out.columns = (await parquetInfo(path)).columns;
  out.report.rows = out.rows.length;
  return out;
}
