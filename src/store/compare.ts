// Side-by-side view of several runs for the CLI and dashboard: each run with
// its epoch curve, best and final validation loss, and step count, all read
// from one snapshot so a run still writing cannot skew the comparison.
import type { Db } from './db.js';
import { epochSeries, stepCount, type EpochMetric } from './metrics.js';
import { getRun, type Run } from './runs.js';

export interface RunComparison {
  run: Run;
  steps: number;
  epochs: EpochMetric[];
  /** The epoch with the lowest validation loss (the earliest on ties); null without validation. */
  best: { epoch: number; validLoss: number } | null;
  /** The last epoch; null before the first epoch ends. */
  final: EpochMetric | null;
}

/** The runs `ids`, in the given order. Throws on an unknown id rather than silently dropping it. */
export function compareRuns(db: Db, ids: readonly string[]): RunComparison[] {
  return db.read(() =>
    ids.map((id) => {
      const run = getRun(db, id);
      if (!run) throw new Error(`sixstep store: no run ${id}`);
      const epochs = epochSeries(db, id);
      let best: RunComparison['best'] = null;
      for (const e of epochs) if (e.validLoss !== null && (best === null || e.validLoss < best.validLoss)) best = { epoch: e.epoch, validLoss: e.validLoss };
      return { run, steps: stepCount(db, id), epochs, best, final: epochs.at(-1) ?? null };
    }),
  );
}
