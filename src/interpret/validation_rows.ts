// The validation rows of a table run, as its split assigned them: the raw
// rows (values shown next to the top losses, columns shuffled for feature
// importance). The split is the one the run recorded (protocol/
// split_record.ts) — its manifest's seed and shares, whatever the run's
// training seed — so error analysis reads exactly the rows the run validated
// on. The test rows stay sealed; they are never read here.
import { readTable, splitTable, type Schema, type Table } from '../data/index.js';
import type { SplitRecord } from '../protocol/split_record.js';

export interface ValidationRowsOptions {
  /** The run's data file. */
  data: string;
  /** The run's --test file, if it had one (its rows are never read into validation). */
  test?: string | null;
  schema: Schema;
  /** The split the run used (protocol/split_record.ts followSplit). */
  split: SplitRecord;
}

export async function validationRows(o: ValidationRowsOptions): Promise<Table> {
  const table = await readTable(o.data);
  const testSet = o.test ? await readTable(o.test) : undefined;
  const split = await splitTable(table, { schema: o.schema, seed: o.split.seed, reuseSavedSeed: true, validation: o.split.validationShare, test: o.split.testShare, manifest: o.split.manifest, testSet, followManifest: true, lenient: true });
  return split.validation;
}
