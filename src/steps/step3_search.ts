// Step 3's last resort before blaming the data: "tune the hidden units, the
// batch size and the number of layers … at random, never on a grid." Trials
// from searchSpaceFor around the current proposal and rate, stopped early by
// the median rule, each one guarded; the best trial (by validation loss) is
// adopted only when a paired comparison on the validation rows says it beats
// the basic recipe's model.
import { saveSafetensors } from '../tensor/index.js';
import { CancelFit, Deadline, type Callback, type Learner } from '../train/index.js';
import { randomSearch, type TrialParams, type TrialResult } from '../search/index.js';
import { fitModel, type OptimizerKind } from './fit.js';
import { step3SearchSpace, specFor } from './search_space.js';
import { acceptCandidate, type AcceptRule, type Acceptance } from './ladder_rules.js';
import { trainSubsetLoss, validationRowLosses } from './measure.js';
import { measureLoss } from './scale_free.js';
import type { ModelSpec } from './architecture.js';
import type { CostFunctionChoice } from './cost_function.js';
import type { Prepared } from '../data/prepare.js';
import type { DecisionLog } from './decisions.js';
import type { Parallel } from './parallel.js';

/** The search's trial budget (--folds may cut it to what fits: budget_plan.ts foldSearchPlan). */
export const STEP3_SEARCH_TRIALS = 8;

export interface Step3SearchOptions {
  prepared: Prepared;
  cost: CostFunctionChoice;
  base: ModelSpec;
  optimizer: OptimizerKind;
  /** The basic recipe's rate: trials draw theirs log-uniformly over [lr/30, lr] (search_space.ts). */
  lr: number;
  epochs: number;
  /** Trial budget; default STEP3_SEARCH_TRIALS. */
  trials?: number;
  seed?: number;
  /** No trial starts after this (ms on `clock`). */
  deadline?: number;
  clock?: () => number;
  /** The basic recipe's model, measured: the search must beat it. */
  incumbent: { validLoss: number; rowLosses?: number[] };
  accept?: AcceptRule;
  /** The winning trial's weights are written here (safetensors). */
  weightsFile: string;
  callbacks?: Callback[];
  onDecision?: DecisionLog;
  parallel?: Parallel;
}

export interface SearchWinner {
  params: TrialParams;
  spec: ModelSpec;
  lr: number;
  batchSize: number;
  validLoss: number;
  trainLoss: number;
  rowLosses: number[];
  metrics: Record<string, number>;
  epoch: number;
}

export interface Step3SearchResult {
  trials: TrialResult[];
  best: SearchWinner | null;
  acceptance: Acceptance | null;
}

/** Step 3's search: its space around the proposal and the found rate (search_space.ts), within the deadline. */
export function step3SearchSetup(o: Pick<Step3SearchOptions, 'base' | 'lr' | 'trials' | 'deadline' | 'clock'>, seed: number) {
  return { space: step3SearchSpace(o.base, o.lr), trials: o.trials ?? STEP3_SEARCH_TRIALS, seed, deadline: o.deadline, clock: o.clock };
}

/** Stops a trial (CancelFit) when the search's median rule says its validation loss is behind at this epoch. */
export function medianPruner(ctx: { report(epoch: number, value: number): boolean }): Callback {
  return {
    order: 95,
    afterEpoch: (l: Learner) => {
      if (l.lastEpoch?.validLoss != null && ctx.report(l.epoch, l.lastEpoch.validLoss)) throw new CancelFit();
    },
  };
}

export async function step3Search(o: Step3SearchOptions): Promise<Step3SearchResult> {
  const lossFn = measureLoss(o.cost);
  let best: SearchWinner | null = null;
  const seed = o.seed ?? 0;
  let n = 0;
  const { trials } = await randomSearch(
    step3SearchSetup(o, seed),
    async (params, ctx) => {
      const pruner = medianPruner(ctx);
      const spec = specFor(o.base, params);
      const fit = await fitModel(o.prepared, {
        spec,
        cost: o.cost,
        optimizer: o.optimizer,
        lr: params.learningRate ?? o.lr,
        epochs: o.epochs,
        batchSize: params.batchSize,
        seed: seed + ++n,
        // A trial cut by the deadline is incomplete and cannot win.
        callbacks: [pruner, ...(o.deadline !== undefined ? [new Deadline(o.deadline, o.clock)] : []), ...(o.callbacks ?? [])],
        parallel: o.parallel,
        step: 3,
        onDecision: o.onDecision,
        what: `search trial ${ctx.number}`,
      });
      try {
        const b = fit.best ?? fit.history.at(-1)!;
        const validLoss = b.validLoss ?? NaN;
        const complete = fit.history.length === o.epochs;
        const trainLoss = trainSubsetLoss(o.prepared, fit.model, lossFn);
        if (complete && Number.isFinite(validLoss) && validLoss < (best?.validLoss ?? Infinity)) {
          best = { params, spec, lr: params.learningRate ?? o.lr, batchSize: params.batchSize ?? 64, validLoss, trainLoss, rowLosses: validationRowLosses(o.prepared, fit.model, o.cost.fn), metrics: b.metrics, epoch: b.epoch };
          saveSafetensors(`${o.weightsFile}`, fit.model.stateDict());
        }
        return { validLoss, trainLoss };
      } finally {
        fit.dispose();
      }
    },
  );
  const winner = best as SearchWinner | null;
  return { trials, best: winner, acceptance: winner ? acceptCandidate(winner, o.incumbent, o.accept) : null };
}
