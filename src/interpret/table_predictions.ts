// A model's predictions on table rows, encoded by the model's own
// preprocessor: the rows of a split, and the same rows with one column's
// values shuffled (for permutation importance).
import { DataLoader, Preprocessor, asSource, type PreprocessorJSON, type Row, type Table } from '../data/index.js';
import { inputLayout, type InputLayout } from '../data/model_input.js';
import type { Module } from '../nn/index.js';
import { collectPredictions, type Predictions, type PredictionTask } from '../metrics/index.js';

export interface TablePredictorOptions {
  model: Module;
  preprocessor: PreprocessorJSON;
  task: PredictionTask;
  /** Number of classes (1 for regression). */
  k: number;
}

export interface TablePredictions {
  predictions: Predictions;
  /** Raw row of each prediction (rows the encoder skipped are not predicted). */
  rows: Row[];
  /** Source line of each prediction. */
  lines: number[];
}

export class TablePredictor {
  private readonly pre: Preprocessor;
  private readonly layout: InputLayout;
  constructor(private readonly o: TablePredictorOptions) {
    this.pre = Preprocessor.fromJSON(o.preprocessor);
    this.layout = inputLayout(o.preprocessor);
  }

  async predict(table: Table): Promise<TablePredictions> {
    const enc = this.pre.transform(table);
    // Batches go where the model's parameters are (a model trained with --device cuda stays there).
    const device = this.o.model.parameters()[0]?.device ?? 'cpu';
    const source = asSource(DataLoader.fromEncoded(enc, { batchSize: 512, shuffle: false, device }), this.layout);
    try {
      const predictions = await collectPredictions(this.o.model, source, this.o.task, this.o.k);
      const byLine = new Map<number, Row>();
      table.lines.forEach((l, i) => byLine.set(l, table.rows[i]));
      return { predictions, rows: enc.lines.map((l) => byLine.get(l)!), lines: enc.lines };
    } finally {
      source.dispose();
    }
  }
}

/** The table with `column`'s values reordered: row i takes the value of row order[i]. */
export function permuteColumn(table: Table, column: string, order: Int32Array): Table {
  return { ...table, rows: table.rows.map((r, i) => ({ ...r, [column]: table.rows[order[i]][column] })) };
}
