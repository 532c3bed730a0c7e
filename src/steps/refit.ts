// Step 4's last act, once every choice is made on validation — which model,
// its penalty: the kept linear reference is solved again at that penalty on
// the training and validation rows together, as scikit-learn refits after a
// search. The choice stays the validated one; the shipped
// model learns from every row the sealed test does not hold (for time-ordered
// data, the most recent ones). It stands only when its solve ends with a
// finite training loss; otherwise the validated weights do. Its
// validation figures are the validated model's: the refit has seen those rows.
import type { Prepared } from '../data/prepare.js';
import type { Module } from '../nn/index.js';
import { buildModel } from './architecture.js';
import type { CostFunctionChoice } from './cost_function.js';
import type { LinearReference } from './linear_reference.js';
import { solveLinear } from './linear_solve.js';

/** The linear reference as the refit reads it: its network, chosen penalty and time. */
export type RefitSource = Pick<LinearReference, 'spec' | 'weightDecay' | 'seconds' | 'tried'>;

/**
 * Seconds the refit should take, scaled by the rows it adds: the chosen penalty's own time (a bound: the refit
 * starts at its solution); without it, one penalty's share of the linear reference's time.
 */
export function linearRefitSeconds(lin: Pick<RefitSource, 'seconds' | 'tried' | 'weightDecay'>, trainRows: number, validationRows: number): number {
  const reached = Math.max(1, lin.tried.filter((t) => Number.isFinite(t.validLoss)).length);
  const own = lin.tried.find((t) => t.weightDecay === lin.weightDecay)?.seconds;
  return (own ?? lin.seconds / reached) * ((trainRows + validationRows) / Math.max(1, trainRows));
}

/**
 * Why the kept linear reference cannot be refitted, or null when it can. An
 * unpenalized fit the cap stopped before it converged has no optimum to be
 * refitted to: on separable rows the loss falls toward 0 as the weights grow
 * without bound, and the validated model is the one the cap happened to
 * stop — solved on more rows, it would be a different model.
 */
export function linearRefitBlocked(lin: Pick<LinearReference, 'weightDecay' | 'converged'>): string | null {
  if (lin.weightDecay > 0 || lin.converged) return null;
  return 'the kept linear reference has no penalty and did not converge within its cap: on separable rows its loss falls toward 0 as its weights grow without bound, so a refit would not be the validated model on more rows; the validated weights stand';
}

export interface LinearRefit {
  /** The refitted network, when its solve ended with a finite loss; the caller keeps its weights and disposes it. */
  model: Module | null;
  rows: number;
  /** L-BFGS iterations (the refit takes no stochastic steps: it starts at the validated optimum). */
  iterations: number;
  seconds: number;
  /** The training loss at the end: the solver's full-batch loss with its penalty. */
  trainLoss: number;
  /** Why the refit stands or not, with its figures. */
  why: string;
}

/**
 * The linear reference solved again, at its chosen penalty, on `joined` — the
 * training and validation rows (data/refit.ts) — starting from its validated
 * weights (`validated`), which are near the new optimum: the problem is
 * convex, so the start changes only how many iterations it takes.
 */
export function refitLinear(joined: Prepared, lin: RefitSource, cost: CostFunctionChoice, o: { validated: Module; deadline: number; clock: () => number }): LinearRefit {
  const started = o.clock();
  const rows = joined.counts.train;
  const model = buildModel(lin.spec, joined.device);
  let solved: ReturnType<typeof solveLinear>;
  try {
    model.loadStateDict(o.validated.stateDict());
    solved = solveLinear(joined, model, cost, lin.weightDecay, { deadline: o.deadline, clock: o.clock });
  } catch (e) {
    model.dispose();
    throw e;
  }
  const seconds = (o.clock() - started) / 1000;
  const base = { rows, iterations: solved.iterations, seconds, trainLoss: solved.loss };
  if (!Number.isFinite(solved.loss)) {
    model.dispose();
    return { ...base, model: null, why: `the refit on ${rows} rows ended with a loss that is not finite: the validated weights stand` };
  }
  return { ...base, model, why: `L-BFGS from the validated weights at L2 ${lin.weightDecay} (${solved.iterations} iterations: ${solved.reason}) on the ${rows} training and validation rows in ${seconds.toFixed(1)} s, training loss ${solved.loss.toPrecision(4)}; the choice was made on validation, and the shipped model learns from every row the sealed test does not hold — its validation figures stay the validated model's (the refit has seen those rows)` };
}
