// Step 4's last act, once every choice is made on validation — which model,
// its penalty, how long it trains: the kept linear reference is fitted again
// the same way on the training and validation rows together, as scikit-learn
// refits after a search. The choice stays the validated one; the shipped
// model learns from every row the sealed test does not hold (for time-ordered
// data, the most recent ones). It stands only when it completes its schedule
// with a finite training loss; otherwise the validated weights do. Its
// validation figures are the validated model's: the refit has seen those rows.
import type { Prepared } from '../data/prepare.js';
import { Deadline } from '../train/index.js';
import type { CostFunctionChoice } from './cost_function.js';
import { fitModel, type FitResult } from './fit.js';
import { LINEAR_REFERENCE_DEFAULTS, type LinearReference } from './linear_reference.js';
import { solveLinear } from './linear_solve.js';

/** The linear reference as the refit reads it: its network, chosen penalty, epochs and time. */
export type RefitSource = Pick<LinearReference, 'spec' | 'weightDecay' | 'epochs' | 'seconds' | 'tried'>;

/** Seconds the refit should take: one penalty's share of the linear reference's time, scaled by the rows it adds. */
export function linearRefitSeconds(lin: Pick<RefitSource, 'seconds' | 'tried'>, trainRows: number, validationRows: number): number {
  const reached = Math.max(1, lin.tried.filter((t) => Number.isFinite(t.validLoss)).length);
  return (lin.seconds / reached) * ((trainRows + validationRows) / Math.max(1, trainRows));
}

export interface LinearRefit {
  /** The training, when it completed its schedule with a finite loss; the caller keeps its weights and disposes it. */
  fit: FitResult | null;
  rows: number;
  epochs: number;
  seconds: number;
  /** The training loss at the end: the solver's full-batch loss with its penalty. */
  trainLoss: number;
  /** Why the refit stands or not, with its figures. */
  why: string;
}

/**
 * The linear reference's recipe again (Adam at its rate, its batch size, the
 * chosen penalty, the epochs it trained) on `joined` — the training and
 * validation rows (data/refit.ts) — ending annealed at the last epoch's
 * weights. `trainRows` is the training split's size (the batch size is the
 * one the reference trained with).
 */
export async function refitLinear(joined: Prepared, lin: RefitSource, cost: CostFunctionChoice, o: { trainRows: number; seed: number; deadline: number; clock: () => number }): Promise<LinearRefit> {
  const d = LINEAR_REFERENCE_DEFAULTS;
  const started = o.clock();
  const fit = await fitModel(joined, {
    spec: lin.spec,
    cost,
    optimizer: 'adam',
    lr: d.lr,
    weightDecay: lin.weightDecay,
    epochs: lin.epochs,
    batchSize: Math.max(1, Math.min(d.batchSize, o.trainRows)),
    seed: o.seed,
    step: 4,
    what: 'refit on the training and validation rows',
    keepBest: false,
    callbacks: [new Deadline(o.deadline, o.clock)],
  });
  const seconds = (o.clock() - started) / 1000;
  const trainLoss = fit.history.at(-1)?.trainLoss ?? NaN;
  const rows = joined.counts.train;
  const base = { rows, epochs: fit.history.length, seconds, trainLoss };
  if (fit.history.length < lin.epochs || !Number.isFinite(trainLoss)) {
    fit.dispose();
    const what = fit.history.length < lin.epochs ? `stopped by the deadline after ${fit.history.length} of ${lin.epochs} epochs (its schedule did not end annealed)` : 'its training loss is not finite';
    return { ...base, fit: null, why: `the refit on ${rows} rows ${what}: the validated weights stand` };
  }
  let solved: ReturnType<typeof solveLinear>;
  try {
    solved = solveLinear(joined, fit.model, cost, lin.weightDecay, { deadline: o.deadline, clock: o.clock });
  } catch (e) {
    fit.dispose();
    throw e;
  }
  const total = (o.clock() - started) / 1000;
  if (!Number.isFinite(solved.loss)) {
    fit.dispose();
    return { ...base, seconds: total, fit: null, why: `the refit on ${rows} rows ended with a loss that is not finite: the validated weights stand` };
  }
  return { ...base, seconds: total, trainLoss: solved.loss, fit, why: `${lin.epochs} epochs of the same recipe (Adam at ${d.lr}, L2 ${lin.weightDecay}), then L-BFGS (${solved.iterations} iterations: ${solved.reason}), on the ${rows} training and validation rows in ${total.toFixed(1)} s, training loss ${solved.loss.toPrecision(4)}; the choice was made on validation, and the shipped model learns from every row the sealed test does not hold — its validation figures stay the validated model's (the refit has seen those rows)` };
}
