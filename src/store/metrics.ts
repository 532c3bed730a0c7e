// Per-step and per-epoch metrics of a run. Writing a step again (a run resumed
// from a checkpoint replays the steps after it) replaces the earlier row, so
// the series always describes the weights that were actually kept.
import type { Db } from './db.js';
import { checkInt, fromJson, real, toJson, type JsonObject } from './json.js';

export interface StepMetric {
  step: number;
  epoch: number;
  /** NaN when the loss was NaN (stored as NULL). */
  loss: number;
  /** Learning rate of each parameter group at this step. */
  lrs: number[];
  /** Global gradient norm before clipping; null where not measured. */
  gradNorm: number | null;
}

export interface StepInput {
  step: number;
  epoch: number;
  loss: number;
  lrs: readonly number[];
  gradNorm?: number | null;
}

export interface EpochMetric {
  epoch: number;
  /** NaN when the loss was NaN. */
  trainLoss: number;
  /** null when the epoch had no validation pass (or its loss was NaN). */
  validLoss: number | null;
  /** Other metrics by name, e.g. { accuracy: 0.91 }. */
  metrics: JsonObject;
  /** Wall-clock seconds the epoch took. */
  seconds: number;
}

export interface EpochInput {
  epoch: number;
  trainLoss: number;
  validLoss?: number | null;
  metrics?: JsonObject;
  seconds: number;
}

export interface SeriesOptions {
  /** First step to return (inclusive). Default: the first. */
  from?: number;
  /** Last step to return (inclusive). Default: the last. */
  to?: number;
  /** Keep only every n-th row (by position), so a dashboard can plot a million-step run. Default 1. */
  every?: number;
}

interface StepRow {
  step: number;
  epoch: number;
  loss: number | null;
  lrs_json: string;
  grad_norm: number | null;
}

interface EpochRow {
  epoch: number;
  train_loss: number | null;
  valid_loss: number | null;
  metrics_json: string;
  seconds: number;
}

const toStep = (r: StepRow): StepMetric => ({
  step: r.step,
  epoch: r.epoch,
  loss: r.loss ?? NaN,
  lrs: fromJson<number[]>(r.lrs_json),
  gradNorm: r.grad_norm,
});

const toEpoch = (r: EpochRow): EpochMetric => ({
  epoch: r.epoch,
  trainLoss: r.train_loss ?? NaN,
  validLoss: r.valid_loss,
  metrics: fromJson<JsonObject>(r.metrics_json),
  seconds: r.seconds,
});

export function checkStep(s: StepInput): void {
  checkInt(s.step, 'step');
  checkInt(s.epoch, 'epoch');
}

const INSERT_STEP = `INSERT INTO step_metrics (run_id, step, epoch, loss, lrs_json, grad_norm) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (run_id, step) DO UPDATE SET epoch = excluded.epoch, loss = excluded.loss, lrs_json = excluded.lrs_json, grad_norm = excluded.grad_norm`;
const BEAT = 'UPDATE runs SET heartbeat_at = ? WHERE id = ?';

/**
 * Writes `rows` of run `runId` in one write transaction and bumps the run's
 * heartbeat. Callers with a stream of steps want StepWriter, which batches.
 */
export function insertSteps(db: Db, runId: string, rows: readonly StepInput[]): void {
  for (const s of rows) checkStep(s);
  db.write(() => {
    const insert = db.stmt(INSERT_STEP);
    for (const s of rows) insert.run(runId, s.step, s.epoch, real(s.loss), toJson(s.lrs), real(s.gradNorm));
    db.stmt(BEAT).run(Date.now(), runId);
  });
}

/** Writes (or replaces) one epoch's row. */
export function logEpoch(db: Db, runId: string, e: EpochInput): void {
  checkInt(e.epoch, 'epoch');
  db.write(() => {
    db.stmt(
      `INSERT INTO epoch_metrics (run_id, epoch, train_loss, valid_loss, metrics_json, seconds) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, epoch) DO UPDATE SET train_loss = excluded.train_loss, valid_loss = excluded.valid_loss,
         metrics_json = excluded.metrics_json, seconds = excluded.seconds`,
    ).run(runId, e.epoch, real(e.trainLoss), real(e.validLoss), toJson(e.metrics ?? {}), e.seconds);
    db.stmt(BEAT).run(Date.now(), runId);
  });
}

/** The run's steps in step order. */
export function stepSeries(db: Db, runId: string, o: SeriesOptions = {}): StepMetric[] {
  const every = o.every ?? 1;
  if (!Number.isInteger(every) || every < 1) throw new RangeError(`sixstep store: every must be a positive integer, got ${every}`);
  const rows = db
    .stmt('SELECT step, epoch, loss, lrs_json, grad_norm FROM step_metrics WHERE run_id = ? AND step BETWEEN ? AND ? ORDER BY step')
    .all(runId, o.from ?? Number.MIN_SAFE_INTEGER, o.to ?? Number.MAX_SAFE_INTEGER) as StepRow[];
  const out: StepMetric[] = [];
  for (let i = 0; i < rows.length; i += every) out.push(toStep(rows[i]));
  return out;
}

export function stepCount(db: Db, runId: string): number {
  return (db.stmt('SELECT count(*) AS n FROM step_metrics WHERE run_id = ?').get(runId) as { n: number }).n;
}

/** The run's epochs in epoch order. */
export function epochSeries(db: Db, runId: string): EpochMetric[] {
  return (
    db.stmt('SELECT epoch, train_loss, valid_loss, metrics_json, seconds FROM epoch_metrics WHERE run_id = ? ORDER BY epoch').all(runId) as EpochRow[]
  ).map(toEpoch);
}
