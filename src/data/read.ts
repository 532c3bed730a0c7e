// One entry point for tabular files: the reader is chosen by extension.
import { extname } from 'node:path';
import { DataError } from './errors.js';
import { readCsv, type CsvOptions } from './csv.js';
import { readJson, type JsonOptions } from './json.js';
import { readParquet, type ParquetOptions } from './parquet.js';
import type { Table } from './table.js';

export type ReadOptions = CsvOptions & JsonOptions & ParquetOptions;

/** Reads .csv/.tsv/.tab/.txt, .json/.ndjson/.jsonl or .parquet into a table. */
export async function readTable(path: string, options: ReadOptions = {}): Promise<Table> {
  const ext = extname(path).toLowerCase();
  switch (ext) {
    case '.csv':
    case '.tsv':
    case '.tab':
    case '.txt':
      return readCsv(path, options);
    case '.json':
    case '.ndjson':
    case '.jsonl':
      return readJson(path, options);
    case '.parquet':
      return readParquet(path, options);
    default:
      throw new DataError(path, 0, 'a .csv, .tsv, .json, .ndjson or .parquet file', ext ? `a ${ext} file` : 'a file without extension');
  }
}
