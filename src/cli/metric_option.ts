// --metric: the optimising metric of fit, tune and auto, checked once at the
// edge against the task (F1 means nothing for a regression).
import type { Command } from 'commander';
import { metricMismatch, objective, OPTIMISING_METRICS, type Objective, type OptimisingMetric } from '../metrics/index.js';
import { UsageError } from './errors.js';

export function addMetricOption(c: Command): Command {
  return c.option('--metric <name>', `the optimising metric that decides which model is best (${OPTIMISING_METRICS.join('|')}); the loss by default, the one figure every task has`, 'loss');
}

/** Figures every data-parallel rank agrees on (the loop sums them over ranks); F1, AUC and R² are per rank's shard. */
const AGREED: ReadonlySet<string> = new Set(['loss', 'accuracy', 'rmse', 'mae']);

/** The objective for --metric on this task, or a UsageError naming the option. */
export function metricObjective(metric: string | undefined, task: string, parallel: { nproc?: string; nnodes?: string } = {}): Objective {
  const m = metric ?? 'loss';
  if (!(OPTIMISING_METRICS as readonly string[]).includes(m)) throw new UsageError(`--metric must be one of ${OPTIMISING_METRICS.join(', ')}, got ${JSON.stringify(m)}`);
  const why = metricMismatch(m as OptimisingMetric, task);
  if (why) throw new UsageError(`--metric: ${why}`);
  const ranks = Number(parallel.nproc ?? 1) * Number(parallel.nnodes ?? 1);
  // Ranks choosing by their own shard's F1 could keep different weights.
  if (ranks > 1 && !AGREED.has(m)) throw new UsageError(`--metric ${m} with data-parallel training: each rank measures it on its own shard only; use loss, accuracy, rmse or mae with --nproc/--nnodes`);
  return objective(m as OptimisingMetric);
}
