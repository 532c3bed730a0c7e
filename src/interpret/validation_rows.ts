// The validation rows of a table run, as its split manifest assigned them:
// the raw rows (values shown next to the top losses, columns shuffled for
// feature importance). The test rows stay sealed; they are never read here.
import { existsSync } from 'node:fs';
import { readTable, splitTable, manifestPath, DataError, type Schema, type Table } from '../data/index.js';

export interface ValidationRowsOptions {
  /** The run's data file. */
  data: string;
  /** The run's --test file, if it had one (its rows are never read into validation). */
  test?: string | null;
  schema: Schema;
  seed: number;
  projectDir: string;
}

export async function validationRows(o: ValidationRowsOptions): Promise<Table> {
  const manifest = manifestPath(o.projectDir, o.data);
  // Without the run's manifest the rows cannot be known to be the ones it validated on: refuse rather than split anew.
  if (!existsSync(manifest)) throw new DataError(manifest, 0, `the split manifest the run wrote for ${o.data}`, 'no such file (was the run made in another --project?)');
  const table = await readTable(o.data);
  const testSet = o.test ? await readTable(o.test) : undefined;
  // The manifest decides (its seed, shares and kind of split): the rows are the run's, whatever options made them.
  const split = await splitTable(table, { schema: o.schema, seed: o.seed, manifest, testSet, followManifest: true, lenient: true });
  return split.validation;
}
