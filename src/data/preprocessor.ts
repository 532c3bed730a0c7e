// Turns table rows into model inputs: every statistic (medians, vocabularies,
// classes, means and standard deviations) is fitted on the training rows
// only, then applied unchanged to validation, test and inference rows. The
// fitted state is plain JSON so it can be saved with a model.
import { DataError, quote, type SkippedRow } from './errors.js';
import type { Schema, Task } from './schema.js';
import type { Cell, Row, Table } from './table.js';
import { isMissing, toBoolean, toDate, toKey, toNumber } from './values.js';
import { chooseDateParts, datePart, writeDateParts, type DatePart } from './datetime.js';
import { MISSING, Vocabulary, type VocabularyJSON } from './vocabulary.js';
import { Tokenizer, type TokenizerJSON, type TokenizerOptions } from './text.js';
import { Normalizer, type NormalizerJSON } from './normalizer.js';
import { count, emptyMissingReport, fitNumericImputation, type IndicatorPolicy, type MissingReport } from './missing.js';

export interface PreprocessorOptions {
  /** <col>_na indicators for numeric, boolean and datetime columns. Default 'auto' (when training had gaps). */
  indicators?: IndicatorPolicy;
  /** Largest vocabulary per categorical column, most frequent first; the rest map to <unknown>. Default 1000. */
  maxCategories?: number;
  /** Categories seen fewer times in training map to <unknown>. Default 1. */
  minCategoryCount?: number;
  /** Standardize numeric and datetime-part features with training mean/std. Default true. */
  standardize?: boolean;
  /** Tokenizer settings for text columns. */
  text?: TokenizerOptions;
  /** Skip training rows with unparseable values (reporting them) instead of throwing. Default false. */
  lenient?: boolean;
}

export type FeatureSpec =
  | { kind: 'numeric' | 'boolean'; column: string; median: number; indicator: boolean }
  | { kind: 'datetime'; column: string; parts: DatePart[]; medians: number[]; indicator: boolean }
  | { kind: 'categorical'; column: string; vocabulary: VocabularyJSON }
  | { kind: 'text'; column: string; tokenizer: TokenizerJSON };

export type TargetSpec =
  | { task: 'regression'; column: string }
  | { task: 'binary' | 'multiclass'; column: string; classes: string[]; kind: 'numeric' | 'boolean' | 'category' }
  | { task: 'multilabel'; columns: string[]; labels: string[]; separator?: string };

export interface PreprocessorJSON {
  version: 1;
  features: FeatureSpec[];
  target: TargetSpec | null;
  featureNames: string[];
  normalizer: NormalizerJSON | null;
  missingTokens: string[];
}

export interface EncodeReport extends MissingReport {
  /** Rows encoded. */
  rows: number;
  /** Rows left out, with their lines: no target value, or (lenient) a bad value. */
  skipped: SkippedRow[];
}

/** Rows as model inputs. */
export interface EncodedTable {
  /** Row-major [n, features.length] float32 features. */
  x: Float32Array;
  n: number;
  features: string[];
  /** Targets: class indices (int32; the loader makes int64) for binary/multiclass, floats for regression, [n, labels] 0/1 floats for multilabel; null without a target column. */
  y: Int32Array | Float32Array | null;
  /** Text columns as [n, maxLength] token ids (0 = padding). */
  text: Record<string, Int32Array>;
  /** The source line of each encoded row. */
  lines: number[];
  task: Task | null;
  report: EncodeReport;
}

type Parsed = { gap: true; nonFinite?: boolean } | { gap: false; value: number | string } | { bad: string };

function parseFeature(kind: FeatureSpec['kind'], v: Cell, tokens: ReadonlySet<string>): Parsed | { bad: string } {
  if (kind === 'text') return { gap: false, value: isMissing(v, tokens) ? '' : String(v) };
  if (isMissing(v, tokens)) return { gap: true };
  switch (kind) {
    case 'numeric': {
      const x = toNumber(v);
      if (x === null) return { bad: 'a number' };
      return Number.isFinite(x) ? { gap: false, value: x } : { gap: true, nonFinite: true };
    }
    case 'boolean': {
      const b = toBoolean(v);
      return b === null ? { bad: 'true/false, yes/no or 0/1' } : { gap: false, value: b ? 1 : 0 };
    }
    case 'datetime': {
      const t = toDate(v);
      return t === null ? { bad: 'an ISO-8601 date' } : { gap: false, value: t };
    }
    case 'categorical':
      return { gap: false, value: toKey(v) };
  }
}

function classKey(v: Cell, kind: 'numeric' | 'boolean' | 'category'): string | null {
  if (kind === 'boolean') {
    const b = toBoolean(v);
    return b === null ? null : String(b);
  }
  if (kind === 'numeric') {
    const x = toNumber(v);
    return x === null || !Number.isFinite(x) ? null : String(x);
  }
  return toKey(v);
}

function labelsOf(v: Cell, separator: string | undefined): string[] {
  if (Array.isArray(v)) return v.map((x) => toKey(x as Cell)).filter((s) => s !== '');
  const s = toKey(v);
  return separator === undefined ? [s] : s.split(separator).map((x) => x.trim()).filter((x) => x !== '');
}

export class Preprocessor {
  readonly features: FeatureSpec[];
  readonly target: TargetSpec | null;
  readonly featureNames: string[];
  readonly normalizer: Normalizer | null;
  readonly missingTokens: string[];
  private readonly tokens: ReadonlySet<string>;
  private readonly vocabularies = new Map<string, Vocabulary>();
  private readonly tokenizers = new Map<string, Tokenizer>();

  private constructor(j: PreprocessorJSON) {
    this.features = j.features;
    this.target = j.target;
    this.featureNames = j.featureNames;
    this.normalizer = j.normalizer ? Normalizer.fromJSON(j.normalizer) : null;
    this.missingTokens = j.missingTokens;
    this.tokens = new Set(j.missingTokens);
    for (const f of j.features) {
      if (f.kind === 'categorical') this.vocabularies.set(f.column, Vocabulary.fromJSON(f.vocabulary));
      if (f.kind === 'text') this.tokenizers.set(f.column, Tokenizer.fromJSON(f.tokenizer));
    }
  }

  get task(): Task | null {
    return this.target?.task ?? null;
  }

  /** Class names in index order (binary/multiclass), label names (multilabel), or null. */
  get classes(): string[] | null {
    if (!this.target || this.target.task === 'regression') return null;
    return this.target.task === 'multilabel' ? this.target.labels : this.target.classes;
  }

  /**
   * Fits on training rows only. Rows without a target value are left out and
   * reported; a bad value (text in a numeric column …) throws a DataError
   * naming its line, or in lenient mode skips the row.
   */
  static fit(train: Table, schema: Schema, options: PreprocessorOptions = {}): Preprocessor {
    const tokens = new Set(schema.missingTokens);
    const lenient = options.lenient ?? false;
    const cols = schema.columns.filter((c) => c.role === 'feature');
    const kinds = cols.map((c) => c.kind as FeatureSpec['kind']);
    for (const t of schema.target) {
      if (!train.columns.includes(t)) throw new DataError(train.file, 1, `a target column named ${quote(t)}`, `columns ${train.columns.map((c) => quote(c, 30)).join(', ')}`);
    }
    // Which training rows count: those with a target and parseable features.
    const targetSpec0 = Preprocessor.targetSkeleton(schema);
    const kept: number[] = [];
    const skipped: SkippedRow[] = [];
    for (let i = 0; i < train.rows.length; i++) {
      const row = train.rows[i];
      const problem = Preprocessor.rowProblem(row, cols.map((c) => c.name), kinds, tokens, targetSpec0);
      if (problem === null) {
        kept.push(i);
        continue;
      }
      if (problem.fatal && !lenient) throw new DataError(train.file, train.lines[i], problem.expected, problem.found);
      skipped.push({ line: train.lines[i], reason: problem.fatal ? `expected ${problem.expected}, found ${problem.found}` : problem.found });
    }
    if (kept.length === 0) throw new DataError(train.file, 1, 'at least one usable training row', `none of ${train.rows.length}`);
    const rows = kept.map((i) => train.rows[i]);

    const features: FeatureSpec[] = [];
    const names: string[] = [];
    const scaled: number[] = [];
    for (let k = 0; k < cols.length; k++) {
      const column = cols[k].name;
      const kind = kinds[k];
      const parsed = rows.map((r) => parseFeature(kind, r[column], tokens) as Exclude<Parsed, { bad: string }>);
      if (kind === 'numeric' || kind === 'boolean') {
        const v = Float64Array.from(parsed, (p) => (p.gap ? NaN : (p.value as number)));
        const { median, indicator } = fitNumericImputation(v, options.indicators);
        features.push({ kind, column, median, indicator });
        if (kind === 'numeric') scaled.push(names.length);
        names.push(column);
        if (indicator) names.push(`${column}_na`);
      } else if (kind === 'datetime') {
        const times = parsed.filter((p) => !p.gap).map((p) => (p as { value: number }).value);
        const parts = chooseDateParts(times);
        let indicator = false;
        const medians = parts.map((part) => {
          const v = Float64Array.from(parsed, (p) => (p.gap ? NaN : datePart(p.value as number, part)));
          const m = fitNumericImputation(v, options.indicators);
          indicator = m.indicator;
          return m.median;
        });
        features.push({ kind, column, parts, medians, indicator });
        for (const part of parts) {
          scaled.push(names.length);
          names.push(`${column}_${part}`);
        }
        if (indicator) names.push(`${column}_na`);
      } else if (kind === 'categorical') {
        const vocab = Vocabulary.fit(
          parsed.filter((p) => !p.gap).map((p) => (p as { value: string }).value),
          { maxSize: options.maxCategories ?? 1000, minCount: options.minCategoryCount ?? 1 },
        );
        features.push({ kind, column, vocabulary: vocab.toJSON() });
        for (const t of vocab.tokens) names.push(`${column}=${t}`);
      } else {
        const tok = Tokenizer.fit(parsed.map((p) => (p as { value: string }).value), options.text);
        features.push({ kind: 'text', column, tokenizer: tok.toJSON() });
      }
    }

    const target = Preprocessor.fitTarget(rows, targetSpec0, tokens);
    const pre = new Preprocessor({ version: 1, features, target, featureNames: names, normalizer: null, missingTokens: schema.missingTokens });
    if (options.standardize === false || scaled.length === 0) return pre;
    const enc = pre.encodeRows(rows, kept.map((i) => train.lines[i]), train.file, { lenient: true, withTarget: false });
    const normalizer = Normalizer.fitMatrix(enc.x, enc.n, names.length, scaled);
    return new Preprocessor({ ...pre.toJSON(), normalizer: normalizer.toJSON() });
  }

  // The target's kind before fitting: enough to tell good rows from bad.
  private static targetSkeleton(schema: Schema): TargetSpec | null {
    if (!schema.task || schema.target.length === 0) return null;
    if (schema.task === 'multilabel') return { task: 'multilabel', columns: schema.target, labels: [], separator: schema.multilabelSeparator };
    const c = schema.columns.find((x) => x.name === schema.target[0])!;
    if (schema.task === 'regression') return { task: 'regression', column: c.name };
    return { task: schema.task, column: c.name, classes: [], kind: c.kind === 'boolean' ? 'boolean' : c.kind === 'numeric' ? 'numeric' : 'category' };
  }

  private static rowProblem(row: Row, columns: string[], kinds: FeatureSpec['kind'][], tokens: ReadonlySet<string>, target: TargetSpec | null): { fatal: boolean; expected: string; found: string } | null {
    for (let k = 0; k < columns.length; k++) {
      const p = parseFeature(kinds[k], row[columns[k]], tokens);
      if ('bad' in p) return { fatal: true, expected: `${p.bad} in column ${quote(columns[k])}`, found: quote(row[columns[k]]) };
    }
    if (!target) return null;
    if (target.task === 'multilabel') {
      for (const c of target.columns) {
        if (isMissing(row[c], tokens)) return { fatal: false, expected: '', found: `no target value in ${quote(c)}` };
        if (target.columns.length > 1 && toBoolean(row[c]) === null) return { fatal: true, expected: `0/1 in target column ${quote(c)}`, found: quote(row[c]) };
      }
      return null;
    }
    const v = row[target.column];
    if (isMissing(v, tokens)) return { fatal: false, expected: '', found: `no target value in ${quote(target.column)}` };
    if (target.task === 'regression') {
      const x = toNumber(v);
      if (x === null || !Number.isFinite(x)) return { fatal: true, expected: `a finite number in target column ${quote(target.column)}`, found: quote(v) };
      return null;
    }
    if (classKey(v, target.kind) === null) return { fatal: true, expected: `a ${target.kind} class label in target column ${quote(target.column)}`, found: quote(v) };
    return null;
  }

  private static fitTarget(rows: Row[], t: TargetSpec | null, tokens: ReadonlySet<string>): TargetSpec | null {
    if (!t || t.task === 'regression') return t;
    if (t.task === 'multilabel') {
      if (t.columns.length > 1) return { ...t, labels: t.columns.slice() };
      const seen = new Set<string>();
      for (const r of rows) if (!isMissing(r[t.columns[0]], tokens)) for (const l of labelsOf(r[t.columns[0]], t.separator)) seen.add(l);
      return { ...t, labels: [...seen].sort() };
    }
    const seen = new Set<string>();
    for (const r of rows) seen.add(classKey(r[t.column], t.kind)!);
    const classes = [...seen].sort(t.kind === 'numeric' ? (a, b) => Number(a) - Number(b) : undefined);
    return { ...t, classes };
  }

  /**
   * Encodes any rows with the fitted state: training, validation, test or
   * inference. Unseen categories become <unknown>, gaps the training fill;
   * both are counted in the report. A target column absent from the table
   * (inference) gives y = null.
   */
  transform(table: Table, options: { lenient?: boolean } = {}): EncodedTable {
    const withTarget = this.target !== null && (this.target.task === 'multilabel' ? this.target.columns : [this.target.column]).every((c) => table.columns.includes(c));
    const enc = this.encodeRows(table.rows, table.lines, table.file, { lenient: options.lenient ?? false, withTarget });
    if (this.normalizer && enc.n > 0) this.normalizer.applyArray(enc.x, enc.n, true); // the array is ours: no second copy
    return enc;
  }

  private encodeRows(rows: Row[], lines: number[], file: string, o: { lenient: boolean; withTarget: boolean }): EncodedTable {
    const d = this.featureNames.length;
    const report: EncodeReport = { rows: 0, skipped: [], ...emptyMissingReport() };
    const x = new Float32Array(rows.length * d);
    const t = o.withTarget ? this.target : null;
    const labelIndex = t?.task === 'multilabel' ? new Map(t.labels.map((l, i) => [l, i])) : null;
    const classIndex = t && (t.task === 'binary' || t.task === 'multiclass') ? new Map(t.classes.map((c, i) => [c, i])) : null;
    const yWidth = t?.task === 'multilabel' ? t.labels.length : 1;
    const y = !t ? null : classIndex ? new Int32Array(rows.length) : new Float32Array(rows.length * yWidth);
    const texts = new Map<string, string[]>([...this.tokenizers.keys()].map((k) => [k, []]));
    const outLines: number[] = [];
    let n = 0;
    const fail = (i: number, expected: string, found: string, fatal: boolean): void => {
      if (fatal && !o.lenient) throw new DataError(file, lines[i], expected, found);
      report.skipped.push({ line: lines[i], reason: fatal ? `expected ${expected}, found ${found}` : found });
    };
    rowLoop: for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      // The target first: a row that cannot be labelled is left out before its features count.
      if (t) {
        if (t.task === 'multilabel') {
          const base = n * yWidth;
          for (let j = 0; j < yWidth; j++) y![base + j] = 0;
          for (const c of t.columns) {
            if (isMissing(row[c], this.tokens)) {
              fail(i, '', `no target value in ${quote(c)}`, false);
              continue rowLoop;
            }
          }
          if (t.columns.length > 1) {
            for (let j = 0; j < t.columns.length; j++) {
              const b = toBoolean(row[t.columns[j]]);
              if (b === null) {
                fail(i, `0/1 in target column ${quote(t.columns[j])}`, quote(row[t.columns[j]]), true);
                continue rowLoop;
              }
              y![base + j] = b ? 1 : 0;
            }
          } else {
            for (const l of labelsOf(row[t.columns[0]], t.separator)) {
              const j = labelIndex!.get(l);
              if (j === undefined) {
                fail(i, `a label seen in training (${t.labels.slice(0, 8).map((s) => quote(s, 20)).join(', ')})`, quote(l), true);
                continue rowLoop;
              }
              y![base + j] = 1;
            }
          }
        } else {
          const v = row[t.column];
          if (isMissing(v, this.tokens)) {
            fail(i, '', `no target value in ${quote(t.column)}`, false);
            continue;
          }
          if (t.task === 'regression') {
            const num = toNumber(v);
            if (num === null || !Number.isFinite(num)) {
              fail(i, `a finite number in target column ${quote(t.column)}`, quote(v), true);
              continue;
            }
            y![n] = num;
          } else {
            const key = classKey(v, t.kind);
            const c = key === null ? undefined : classIndex!.get(key);
            if (c === undefined) {
              fail(i, `a class seen in training (${t.classes.slice(0, 8).map((s) => quote(s, 20)).join(', ')})`, quote(v), true);
              continue;
            }
            y![n] = c;
          }
        }
      }
      let j = n * d;
      const start = j;
      const rowTexts: string[] = []; // kept aside until the whole row is known to be good
      for (const f of this.features) {
        const p = parseFeature(f.kind, row[f.column], this.tokens);
        if ('bad' in p) {
          x.fill(0, start, start + d);
          fail(i, `${p.bad} in column ${quote(f.column)}`, quote(row[f.column]), true);
          continue rowLoop;
        }
        if (p.gap) {
          count(report.missing, f.column);
          if (p.nonFinite) count(report.nonFinite, f.column);
        }
        switch (f.kind) {
          case 'numeric':
          case 'boolean':
            x[j++] = p.gap ? f.median : (p.value as number);
            if (f.indicator) x[j++] = p.gap ? 1 : 0;
            break;
          case 'datetime':
            if (p.gap) for (let q = 0; q < f.parts.length; q++) x[j + q] = f.medians[q];
            else writeDateParts(p.value as number, f.parts, x, j);
            j += f.parts.length;
            if (f.indicator) x[j++] = p.gap ? 1 : 0;
            break;
          case 'categorical': {
            const vocab = this.vocabularies.get(f.column)!;
            let idx: number;
            if (p.gap) idx = vocab.encode(MISSING);
            else {
              idx = vocab.encode(p.value as string);
              if (idx === vocab.unknown) count(report.unknown, f.column);
            }
            for (let q = 0; q < vocab.size; q++) x[j + q] = 0;
            x[j + idx] = 1;
            j += vocab.size;
            break;
          }
          case 'text':
            rowTexts.push((p as { value: string }).value);
            break;
        }
      }
      let q = 0;
      for (const list of texts.values()) list.push(rowTexts[q++]);
      outLines.push(lines[i]);
      n++;
    }
    report.rows = n;
    const text: Record<string, Int32Array> = {};
    for (const [col, list] of texts) {
      const { ids, unknownCount } = this.tokenizers.get(col)!.encodeBatch(list);
      text[col] = ids;
      if (unknownCount) count(report.unknown, col, unknownCount);
    }
    return {
      x: x.subarray(0, n * d),
      n,
      features: this.featureNames,
      y: y ? (y.subarray(0, n * yWidth) as Int32Array | Float32Array) : null,
      text,
      lines: outLines,
      task: t ? t.task : null,
      report,
    };
  }

  toJSON(): PreprocessorJSON {
    return { version: 1, features: this.features, target: this.target, featureNames: this.featureNames, normalizer: this.normalizer ? this.normalizer.toJSON() : null, missingTokens: this.missingTokens };
  }

  static fromJSON(j: PreprocessorJSON): Preprocessor {
    if (j.version !== 1) throw new DataError('<preprocessor>', 0, 'preprocessor JSON version 1', `version ${quote(j.version)}`);
    return new Preprocessor(JSON.parse(JSON.stringify(j)));
  }
}
