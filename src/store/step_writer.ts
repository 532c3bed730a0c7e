// Batched step writes. One transaction per step would cost a commit (and a
// turn at the write lock other processes queue on) per step; buffering rows
// and committing them together costs one per batch.
import type { Db } from './db.js';
import { checkStep, insertSteps, type StepInput } from './metrics.js';

export interface StepWriterOptions {
  /** Rows buffered before add() flushes them. Default 256. */
  batchSize?: number;
  /**
   * add() also flushes once the oldest buffered row is this many ms old, so a
   * dashboard watching a slow run sees it move. Checked on add() only (no
   * timers keep the process alive); 0 disables. Default 2000.
   */
  maxDelayMs?: number;
}

export const DEFAULT_STEP_BATCH = 256;
export const DEFAULT_STEP_MAX_DELAY_MS = 2000;

export class StepWriter {
  readonly runId: string;
  readonly batchSize: number;
  readonly maxDelayMs: number;
  private buffer: StepInput[] = [];
  private oldestAt = 0;
  private closed = false;
  private written = 0;

  /** Use Store.stepWriter(), which also flushes the writer when the store closes. */
  constructor(
    private readonly db: Db,
    runId: string,
    options: StepWriterOptions = {},
    private readonly onClose: (w: StepWriter) => void = () => {},
  ) {
    this.runId = runId;
    this.batchSize = options.batchSize ?? DEFAULT_STEP_BATCH;
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_STEP_MAX_DELAY_MS;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new RangeError(`sixstep store: batchSize must be a positive integer, got ${this.batchSize}`);
  }

  /** Rows added but not yet committed. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Rows committed by this writer. */
  get committed(): number {
    return this.written;
  }

  /** Buffers one step; flushes when the batch is full or old. Invalid rows throw here, not at flush. */
  add(row: StepInput): void {
    if (this.closed) throw new Error('sixstep store: StepWriter is closed');
    checkStep(row);
    // Copy: the caller may reuse its lrs array for the next step.
    this.buffer.push({ step: row.step, epoch: row.epoch, loss: row.loss, lrs: [...row.lrs], gradNorm: row.gradNorm ?? null });
    const now = this.maxDelayMs > 0 ? Date.now() : 0;
    if (this.buffer.length === 1) this.oldestAt = now;
    if (this.buffer.length >= this.batchSize || (this.maxDelayMs > 0 && now - this.oldestAt >= this.maxDelayMs)) this.flush();
  }

  /**
   * Commits the buffered rows in one transaction and returns how many. If the
   * commit fails (e.g. SQLITE_BUSY past the busy timeout) the rows stay
   * buffered, so calling flush() again retries them.
   */
  flush(): number {
    const n = this.buffer.length;
    if (n === 0) return 0;
    insertSteps(this.db, this.runId, this.buffer);
    this.buffer = [];
    this.written += n;
    return n;
  }

  /** Drops the buffered rows and stops accepting more, e.g. when they can never be written. */
  discard(): void {
    this.buffer = [];
    this.closed = true;
    this.onClose(this);
  }

  /** Flushes and stops accepting rows. Closing twice is harmless. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.onClose(this);
  }
}
