// LR-finder curves. Stored as an ordinary run of kind 'lr-find' rather than a
// table of their own: each probe is a step row (lrs[0] = the learning rate
// tried, loss = the loss seen there), so listing, exporting, comparing and
// deleting work the same as for any run, and the suggestion goes in the summary.
import type { Db } from './db.js';
import { insertSteps, stepSeries } from './metrics.js';
import { createRun, finishRun, getRun, type Run } from './runs.js';

export interface LrFindPoint {
  lr: number;
  loss: number;
}

export interface LrFindInput {
  /** The run id (e.g. to name its plot files after it); default a new one. */
  id?: string;
  points: readonly LrFindPoint[];
  /** The suggested learning rate, if the finder made one. */
  suggestion?: number | null;
  /** Finder settings (start/end lr, iterations, smoothing…). Default {}. */
  config?: unknown;
  /** The run this search serves, e.g. the fit that will use its suggestion. */
  parentRunId?: string | null;
  /** Extra summary fields stored next to the suggestion. */
  summary?: Record<string, unknown>;
}

/** Saves a finished lr-find as one 'lr-find' run, written in a single transaction. */
export function saveLrFind(db: Db, input: LrFindInput): Run {
  return db.write(() => {
    const run = createRun(db, { id: input.id, kind: 'lr-find', config: input.config ?? {}, parentRunId: input.parentRunId ?? null });
    insertSteps(
      db,
      run.id,
      input.points.map((p, i) => ({ step: i, epoch: 0, loss: p.loss, lrs: [p.lr] })),
    );
    return finishRun(db, run.id, { summary: { ...input.summary, suggestion: input.suggestion ?? null, points: input.points.length } });
  });
}

/** The (lr, loss) curve of an lr-find run, in probe order. */
export function lrFindCurve(db: Db, runId: string): LrFindPoint[] {
  const run = getRun(db, runId);
  if (!run) throw new Error(`sixstep store: no run ${runId}`);
  if (run.kind !== 'lr-find') throw new Error(`sixstep store: run ${runId} is a ${run.kind} run, not lr-find`);
  return stepSeries(db, runId).map((s) => ({ lr: s.lrs[0], loss: s.loss }));
}
