// In-process inference from a model directory: verify the checksums and the
// manifest (readModelDir), build the module from the manifest's plain-JSON
// architecture with our own code (nothing from the artifact is executed),
// load the weights, then encode rows with exactly the training preprocessing
// (medians, vocabularies with their <unknown> entry, standardization).
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { loadModelDir, ModelDirError, MANIFEST, type ModelManifest } from '../artifact/index.js';
import { buildModel, type ModelSpec } from '../models/index.js';
import { inputLayout, packRows, type InputLayout } from '../data/model_input.js';
import type { Preprocessing } from '../data/prepare.js';
import { Preprocessor, DataError, tableFromRows, setOwn, newRow, type EncodedTable, type EncodeReport, type Row, type Table, type Task } from '../data/index.js';
import { tensor, tidy, noGrad } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import { checkRows, inputFields, type InputField } from './input.js';
import { InputError, ServeFault, UnsupportedModelError } from './errors.js';
import { standardizeInPlace } from './standardize.js';

/** One prediction; `id` lets feedback refer to it later. */
export interface Prediction {
  id: string;
  /** Binary/multiclass: the most probable class. */
  label?: string;
  /** Multilabel: the labels with probability ≥ 0.5. */
  labels?: string[];
  /** Classification: the probability of every class (multilabel: of every label, independently). */
  probabilities?: Record<string, number>;
  /** Regression: the predicted value, in the target's units. */
  value?: number;
}

export interface PredictorOptions {
  /** Rows per forward pass, to bound memory on large batches. Default 4096. */
  chunkRows?: number;
  /** Makes prediction ids. Default crypto.randomUUID. */
  newId?: () => string;
  /** Where the network computes ('cpu', 'cuda:0'); the model is moved once at load, each chunk of rows as it is predicted. Default 'cpu'. */
  device?: string;
}

export interface TablePredictions {
  predictions: Prediction[];
  /** The source line of each prediction. */
  lines: number[];
  /** Rows skipped (lenient), missing cells filled and unseen categories, as the encoder counted them. */
  report: EncodeReport;
}

/** Rows that passed Predictor.check (the brand keeps unchecked rows out of predictChecked). */
export type CheckedRows = Row[] & { readonly __checked: true };

/** Largest float32: the model computes in float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** A row whose non-finite output is blamed on a field this many training standard deviations from the mean. */
const OUTSIDE_Z = 1000;

/** The rows of a table the encoder kept, by their source lines. */
function keptRows(table: Table, rows: readonly Row[], lines: readonly number[]): Row[] {
  const at = new Map(table.lines.map((l, i) => [l, i]));
  return lines.map((l) => rows[at.get(l) ?? 0]);
}

export class Predictor {
  /** Absolute path of the model directory. */
  readonly dir: string;
  readonly manifest: ModelManifest<ModelSpec, Preprocessing>;
  readonly task: Task;
  /** Class (or label) names in output order; null for regression. */
  readonly classes: string[] | null;
  /** The fields every input row must carry. */
  readonly fields: InputField[];
  /** SHA-256 of the manifest: identifies the model wherever its directory moves. */
  readonly modelKey: string;
  readonly preprocessor: Preprocessor;
  /** The preprocessing less its final standardization, which predictChecked does in JavaScript (standardize.ts). */
  private readonly encoder: Preprocessor;
  /** Where the text columns' ids go in the network's input row. */
  readonly layout: InputLayout;
  private readonly missingTokens: ReadonlySet<string>;
  /** Each numeric field's training standardization, looked up once (requireComputable runs on every request). */
  private readonly scales: Array<{ name: string; mean: number; std: number }>;
  private model: Module | null;
  private readonly chunkRows: number;
  private readonly newId: () => string;
  /** Where the network's parameters are. */
  readonly device: string;

  private constructor(dir: string, manifest: ModelManifest<ModelSpec, Preprocessing>, model: Module, modelKey: string, o: PredictorOptions) {
    const pre = manifest.preprocessing;
    if (pre.kind === 'image') throw new UnsupportedModelError(`${join(dir, MANIFEST)}: image models take pixels, not JSON rows; serving them is not supported`);
    this.dir = dir;
    this.manifest = manifest;
    this.model = model;
    this.modelKey = modelKey;
    this.preprocessor = Preprocessor.fromJSON(pre.preprocessor);
    this.encoder = Preprocessor.fromJSON({ ...pre.preprocessor, normalizer: null });
    this.task = (this.preprocessor.task ?? manifest.task) as Task;
    this.classes = this.preprocessor.classes;
    this.fields = inputFields(pre.preprocessor);
    this.layout = inputLayout(pre.preprocessor);
    this.missingTokens = new Set(pre.preprocessor.missingTokens);
    const norm = pre.preprocessor.normalizer;
    this.scales = this.fields
      .filter((f) => f.kind === 'numeric')
      .map((f) => {
        const j = pre.preprocessor.featureNames.indexOf(f.name);
        return { name: f.name, mean: norm && j >= 0 ? norm.mean[j] : 0, std: norm && j >= 0 && norm.std[j] > 0 ? norm.std[j] : 1 };
      });
    this.chunkRows = Math.max(1, o.chunkRows ?? 4096);
    this.newId = o.newId ?? randomUUID;
    this.device = o.device ?? 'cpu';
  }

  /** Verifies and loads a model directory; throws ModelDirError naming the bad file. */
  static load(dir: string, o: PredictorOptions = {}): Predictor {
    const abs = resolve(dir);
    const { read, model } = loadModelDir<ModelSpec>(abs, (spec) => buildModel(spec, o.device ?? 'cpu'), {
      accept: (m) => {
        if (m.preprocessing.kind === 'image') throw new UnsupportedModelError(`${join(abs, MANIFEST)}: image models take pixels, not JSON rows; serving them is not supported`);
      },
    });
    try {
      return new Predictor(abs, read.manifest, model, read.modelKey, o);
    } catch (e) {
      model.dispose();
      throw e;
    }
  }

  /** The metric the real world is judged by: accuracy for classification, rmse for regression. */
  get metric(): 'accuracy' | 'rmse' {
    return this.task === 'regression' ? 'rmse' : 'accuracy';
  }

  /**
   * Validates rows (InputError naming the field and row index), encodes them
   * with the training preprocessing and predicts.
   */
  predict(rows: unknown): Prediction[] {
    return this.predictChecked(this.check(rows));
  }

  /** Validation alone (the server runs it before any work): InputError naming the field and row. */
  check(rows: unknown): CheckedRows {
    const checked = checkRows(rows, this.fields, this.missingTokens);
    this.requireComputable(checked);
    return checked as CheckedRows;
  }

  /**
   * A finite JSON number can still overflow once standardized into float32
   * (1e308): refused with the field, the value and the training scale, rather
   * than answered with a null prediction.
   */
  private requireComputable(rows: readonly Row[]): void {
    for (const { name, mean, std } of this.scales) {
      for (let i = 0; i < rows.length; i++) {
        const v = rows[i][name];
        if (typeof v === 'number' && !(Math.abs((v - mean) / std) < FLOAT32_MAX)) {
          throw new InputError(name, i, 'type', `row ${i}: field "${name}" = ${v} is too large for the model to compute with (training mean ${mean.toPrecision(4)}, std ${std.toPrecision(4)}); expected a value the model's float32 arithmetic can hold once standardized`);
        }
      }
    }
  }

  /** Predicts rows that passed check(); a non-finite output refuses the request (outputError). */
  predictChecked(rows: CheckedRows): Prediction[] {
    if (rows.length === 0) return [];
    const { values, width } = this.forward(rows);
    const out: Prediction[] = new Array(rows.length);
    const error = this.describeRows(rows, 0, rows.length, values, 0, width, out);
    if (error) throw error;
    return out;
  }

  /** The network's outputs (after softmax/sigmoid) for checked rows, [rows × width]: what MicroBatcher joins requests for. */
  forward(rows: CheckedRows): { values: Float64Array; width: number } {
    // Checked rows cannot fail to encode; strict mode would say so if they did.
    const enc = this.encoder.transform(tableFromRows(rows, '<request>'));
    const norm = this.preprocessor.normalizer;
    if (norm && enc.n > 0) standardizeInPlace(enc.x, enc.n, norm);
    return this.network(enc);
  }

  /**
   * Predictions for rows [from, to) of one request, whose outputs start at
   * row `at` of `values`, written to out[from … to); returns the error that
   * refuses the request instead when a row's output is not finite (then the
   * request gets no answer but that error, naming the row in its own numbering).
   */
  describeRows(rows: readonly Row[], from: number, to: number, values: Float64Array, at: number, width: number, out: Prediction[]): InputError | ServeFault | null {
    for (let i = from; i < to; i++, at++) {
      const v = values.subarray(at * width, (at + 1) * width);
      for (let k = 0; k < width; k++) if (!Number.isFinite(v[k])) return this.outputError(rows[i], i, v[k]);
      out[i] = this.describe(v);
    }
    return null;
  }

  /**
   * Why a row has no prediction (its output is `y`, not finite). A numeric
   * field far outside the training data (|z| ≥ 1000 once standardized) makes
   * the request the cause: 422 naming that field. Otherwise the model is:
   * 500, never a null prediction.
   */
  private outputError(row: Row, i: number, y: number): InputError | ServeFault {
    let worst: { name: string; value: number; z: number } | null = null;
    for (const { name, mean, std } of this.scales) {
      const v = row[name];
      if (typeof v !== 'number') continue;
      const z = Math.abs((v - mean) / std);
      if (!worst || z > worst.z) worst = { name, value: v, z };
    }
    if (worst && worst.z >= OUTSIDE_Z) {
      return new InputError(worst.name, i, 'type', `row ${i}: field "${worst.name}" = ${worst.value} lies ${worst.z.toPrecision(3)} training standard deviations from the training mean; the model's output for it is not finite (${y}). Expected a value nearer the training range`);
    }
    return new ServeFault(500, 'non-finite-output', `row ${i}: the model's output is not finite (${y}) for inputs within its training range; the model cannot answer this row`);
  }

  /**
   * Batch prediction over a table read from a file: a missing column or a bad
   * value is a DataError naming the file and line, as in training; lenient
   * mode skips such rows and reports them.
   */
  predictTable(table: Table, o: { lenient?: boolean } = {}): TablePredictions {
    const missing = this.fields.filter((f) => !table.columns.includes(f.name)).map((f) => f.name);
    if (missing.length) throw new DataError(table.file, 1, `the model's input column${missing.length > 1 ? 's' : ''} ${missing.map((c) => JSON.stringify(c)).join(', ')}`, `columns ${table.columns.map((c) => JSON.stringify(c)).join(', ')}`);
    // Only the features: a target column in the file must not make rows without a label disappear.
    const rows: Row[] = table.rows.map((r) => {
      const o: Row = newRow();
      for (const f of this.fields) o[f.name] = r[f.name];
      return o;
    });
    const enc = this.preprocessor.transform({ ...table, columns: this.fields.map((f) => f.name), rows }, { lenient: o.lenient ?? false });
    const { values, width } = this.network(enc);
    const predictions: Prediction[] = new Array(enc.n);
    // The encoded rows (lenient mode may have skipped some), for naming the field of a non-finite output.
    const kept = enc.n === rows.length ? rows : keptRows(table, rows, enc.lines);
    const error = this.describeRows(kept, 0, enc.n, values, 0, width, predictions);
    if (error instanceof InputError) throw new DataError(table.file, enc.lines[error.row!] ?? 0, `a value of "${error.field}" the model can compute with`, error.message.replace(/^row \d+: /, ''));
    if (error) throw new ModelDirError(join(this.dir, MANIFEST), `${table.file}: ${error.message}`);
    return { predictions, lines: enc.lines, report: enc.report };
  }

  /** The network's outputs for encoded rows, in chunks of chunkRows: [n × width] float64. */
  private network(enc: EncodedTable): { values: Float64Array; width: number } {
    const model = this.model;
    if (!model) throw new Error('the predictor was disposed');
    // The network's input rows: the features, then each text column's ids.
    const d = this.layout.width;
    const rows = this.layout.texts.length ? packRows(enc, this.layout) : enc.x;
    let all: Float64Array | null = null;
    let width = 0;
    for (let s = 0; s < enc.n; s += this.chunkRows) {
      const m = Math.min(this.chunkRows, enc.n - s);
      const chunk = tidy(() =>
        noGrad(() => {
          const host = tensor(rows.subarray(s * d, (s + m) * d), { shape: [m, d] });
          const x = this.device === 'cpu' ? host : host.to(this.device);
          let y = model.forward(x);
          if (y.shape.length === 1) y = y.reshape(m, 1);
          const p = this.task === 'multiclass' ? y.softmax(1) : this.task === 'regression' ? y : y.sigmoid();
          return { values: p.to('float64').to('cpu').data() as Float64Array, width: y.shape[1] };
        }),
      );
      if (m === enc.n) return chunk;
      width = chunk.width;
      all ??= new Float64Array(enc.n * width);
      all.set(chunk.values, s * width);
    }
    return { values: all ?? new Float64Array(0), width };
  }

  /** One prediction from the network's output row (after softmax/sigmoid); OnnxEngine uses it too. */
  describe(v: Float64Array): Prediction {
    const id = this.newId();
    const classes = this.classes ?? [];
    switch (this.task) {
      case 'regression':
        return { id, value: v[0] };
      case 'binary': {
        const p = v[0];
        return { id, label: p >= 0.5 ? classes[1] : classes[0], probabilities: { [classes[0]]: 1 - p, [classes[1]]: p } };
      }
      case 'multiclass': {
        let best = 0;
        const probabilities: Record<string, number> = {};
        for (let k = 0; k < classes.length; k++) {
          setOwn(probabilities, classes[k], v[k]);
          if (v[k] > v[best]) best = k;
        }
        return { id, label: classes[best], probabilities };
      }
      case 'multilabel': {
        const probabilities: Record<string, number> = {};
        classes.forEach((c, k) => setOwn(probabilities, c, v[k]));
        return { id, labels: classes.filter((_, k) => v[k] >= 0.5), probabilities };
      }
    }
  }

  /** Releases the module's tensors. Predicting afterwards throws. */
  dispose(): void {
    this.model?.dispose();
    this.model = null;
  }
}
