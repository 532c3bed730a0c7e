// Training on Parquet files larger than memory: row groups are read and
// encoded on the fly, a buffer of a few row groups is shuffled (the row-group
// order is shuffled too, every epoch), and only that buffer is held.
import { tensor, tidy } from '../tensor/index.js';
import { DataError } from './errors.js';
import { deriveSeed, Rng } from './prng.js';
import { parquetInfo, parquetRowGroups } from './parquet.js';
import type { Batch, Augmenter } from './loader.js';
import type { EncodeReport, Preprocessor } from './preprocessor.js';

export interface ParquetLoaderOptions {
  /** Rows per batch. Default 256. */
  batchSize?: number;
  /** Shuffle row-group order and rows within the buffer. Default true. */
  shuffle?: boolean;
  /** Default 0; epoch e uses a seed derived from (seed, e). */
  seed?: number;
  /** Row groups held and shuffled together; memory grows with it. Default 2. */
  bufferRowGroups?: number;
  /** Default 'cpu'. */
  device?: string;
  /** Drop a final batch smaller than batchSize. Default false. */
  dropLast?: boolean;
  /** Restrict to these row groups (e.g. a training subset). Default: all. */
  rowGroups?: number[];
  /** Skip rows with bad values (counted in report) instead of throwing. Default false. */
  lenient?: boolean;
  /** Augmentation for training batches. */
  augment?: Augmenter;
}

interface Pool {
  x: Float32Array;
  /** 0-based file row of each pooled row. */
  r: Int32Array;
  y: Float32Array | Int32Array | null;
  n: number;
}

export class ParquetLoader implements AsyncIterable<Batch> {
  readonly path: string;
  readonly preprocessor: Preprocessor;
  private readonly o: ParquetLoaderOptions;
  private nextEpoch = 0;
  /** Rows encoded, skipped and filled in the last epoch (complete when it ends). */
  report: EncodeReport = { rows: 0, skipped: [], missing: {}, nonFinite: {}, unknown: {} };

  constructor(path: string, preprocessor: Preprocessor, options: ParquetLoaderOptions = {}) {
    this.path = path;
    this.preprocessor = preprocessor;
    this.o = options;
    const b = options.batchSize ?? 256;
    if (!Number.isInteger(b) || b < 1) throw new DataError(path, 0, 'a positive integer batch size', String(options.batchSize));
    // Its batches carry the encoded features only: a text column would be dropped without a word.
    const text = preprocessor.features.find((f) => f.kind === 'text');
    if (text) throw new DataError(path, 0, 'a preprocessing without text columns (streamed batches carry the encoded features only; prepare() reads text)', `text column ${JSON.stringify(text.column)}`);
  }

  async *epoch(e: number = this.nextEpoch): AsyncGenerator<Batch> {
    this.nextEpoch = e + 1;
    const seed = deriveSeed(this.o.seed ?? 0, e);
    const rng = new Rng(seed);
    const augRng = new Rng(deriveSeed(seed, 0xa5a5));
    const shuffle = this.o.shuffle ?? true;
    const B = this.o.batchSize ?? 256;
    const K = Math.max(1, this.o.bufferRowGroups ?? 2);
    const info = await parquetInfo(this.path);
    const groups = (this.o.rowGroups ?? info.rowGroups.map((g) => g.index)).slice();
    if (shuffle) rng.shuffle(groups);
    const d = this.preprocessor.featureNames.length;
    const yWidth = this.preprocessor.task === 'multilabel' ? this.preprocessor.classes!.length : 1;
    const report: EncodeReport = { rows: 0, skipped: [], missing: {}, nonFinite: {}, unknown: {} };
    this.report = report;
    let carry: Pool | null = null;
    let buffered: Pool[] = [];

    // Emits full batches from the pooled row groups (gathered row by row, so
    // the pool is never copied whole); returns the rows left over.
    const drain = function* (this: ParquetLoader, parts: Pool[], final: boolean): Generator<Batch, Pool | null> {
      const n = parts.reduce((a, p) => a + p.n, 0);
      const part = new Int32Array(n);
      const local = new Int32Array(n);
      let at = 0;
      parts.forEach((p, pi) => {
        for (let i = 0; i < p.n; i++, at++) (part[at] = pi), (local[at] = i);
      });
      const order = shuffle ? rng.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
      const full = Math.floor(n / B) * B;
      const gather = (rows: Int32Array): Pool => {
        const m = rows.length;
        const x = new Float32Array(m * d);
        const r = new Int32Array(m);
        const y0 = parts[0].y;
        const y = y0 === null ? null : y0 instanceof Int32Array ? new Int32Array(m * yWidth) : new Float32Array(m * yWidth);
        for (let i = 0; i < m; i++) {
          const p = parts[part[rows[i]]];
          const k = local[rows[i]];
          x.set(p.x.subarray(k * d, (k + 1) * d), i * d);
          r[i] = p.r[k];
          if (y && p.y) for (let q = 0; q < yWidth; q++) y[i * yWidth + q] = p.y[k * yWidth + q];
        }
        return { x, r, y, n: m };
      };
      const end = final && !this.o.dropLast ? n : full;
      for (let s = 0; s < end; s += B) yield this.cut(gather(order.subarray(s, Math.min(s + B, n))), augRng);
      if (final || full === n) return null;
      return gather(order.subarray(full)); // too few for a batch: they wait for the next pool
    };

    for (let gi = 0; gi < groups.length; gi++) {
      for await (const table of parquetRowGroups(this.path, { rowGroups: [groups[gi]] })) {
        const enc = this.preprocessor.transform(table, { lenient: this.o.lenient ?? false });
        table.rows.length = 0; // the row objects are the largest thing in memory: let them go now
        report.rows += enc.report.rows;
        report.skipped.push(...enc.report.skipped);
        for (const k of ['missing', 'nonFinite', 'unknown'] as const) for (const [c, v] of Object.entries(enc.report[k])) report[k][c] = (report[k][c] ?? 0) + v;
        buffered.push({ x: enc.x, r: Int32Array.from(enc.lines, (l) => l - 1), y: enc.y, n: enc.n });
      }
      const last = gi === groups.length - 1;
      if (buffered.length >= K || last) {
        const parts: Pool[] = carry ? [carry, ...buffered] : buffered;
        buffered = [];
        carry = null;
        if (parts.some((p) => p.n > 0)) carry = yield* drain.call(this, parts, last);
      }
    }
  }

  private cut(pool: Pool, rng: Rng): Batch {
    const yShape = this.preprocessor.task === 'multilabel' ? [pool.n, this.preprocessor.classes!.length] : [pool.n];
    return tidy(() => {
      const device = this.o.device ?? 'cpu';
      const x = tensor(pool.x, { shape: [pool.n, this.preprocessor.featureNames.length], device });
      const y = pool.y === null ? null : pool.y instanceof Int32Array ? tensor(pool.y, { shape: yShape, device }).to('int64') : tensor(pool.y, { shape: yShape, device });
      let b: Batch = { x, y, text: {}, indices: pool.r };
      if (this.o.augment) b = this.o.augment.apply(b, rng);
      return b;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<Batch> {
    return this.epoch();
  }
}
