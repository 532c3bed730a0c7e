// Step 3's last resort before blaming the data: "tune the hidden units, the
// batch size and the number of layers … at random, never on a grid." Trials
// from searchSpaceFor around the current proposal and rate, stopped early by
// the median rule (it watches each trial's first view: every trial's first
// view holds the same rows), each one guarded, each trained and measured
// through the run's protocol (the default split, or every fold). The best
// trial is adopted only when the protocol's comparison — paired on the same
// validation rows, paying for the number of trials it was chosen among —
// says it beats the basic recipe. The model kept is the adopted
// configuration trained on the default split: the trial's own model under
// holdout; under folds a training on the default split after the folds chose.
import { saveSafetensors } from '../tensor/index.js';
import { CancelFit, Deadline, type Callback, type Learner } from '../train/index.js';
import { randomSearch, type TrialParams, type TrialResult } from '../search/index.js';
import { step3SearchSpace, specFor } from './search_space.js';
import type { Acceptance, AcceptRule } from '../protocol/index.js';
import type { ModelSpec } from './architecture.js';
import type { DecisionLog } from './decisions.js';
import { epochsToJudge } from './diagnosis.js';
import { fitOnView, type Candidate, type FitRecipe, type Measured, type PlaybookProtocol } from './protocol_of.js';

/** The search's trial budget (--folds may cut it to what fits: budget_plan.ts foldSearchPlan). */
export const STEP3_SEARCH_TRIALS = 8;

export interface Step3SearchOptions {
  protocol: PlaybookProtocol;
  base: ModelSpec;
  /** The basic recipe: trials draw their rates log-uniformly over [lr/30, lr] (search_space.ts); the optimizer, epochs, seed and callbacks are every trial's. */
  recipe: FitRecipe;
  /** Trial budget; default STEP3_SEARCH_TRIALS. */
  trials?: number;
  /** No trial starts after this (ms on `clock`); a trial it cuts is incomplete and cannot win. */
  deadline?: number;
  clock?: () => number;
  /** The basic recipe, measured by the same protocol: the search must beat it. */
  incumbent: Measured;
  accept?: AcceptRule;
  /** The adopted configuration's weights on the default split are written here (safetensors). */
  weightsFile: string;
  onDecision?: DecisionLog;
}

export interface SearchWinner {
  params: TrialParams;
  spec: ModelSpec;
  lr: number;
  batchSize: number;
  /** The seed it trained with (its default-split training reuses it). */
  seed: number;
  /** The trial as the protocol measured it (on folds: the means, with their spread). */
  measured: Measured;
  /** The configuration trained on the default split: the model kept (its weights in weightsFile); null until adopted. */
  defaultSplit: Measured | null;
}

export interface Step3SearchResult {
  trials: TrialResult[];
  best: SearchWinner | null;
  acceptance: Acceptance | null;
}

/**
 * The epochs a search trial trains: those the verdict needs to judge a model
 * (epochsToJudge), not all of step 3's — the search picks a configuration, the
 * final training trains it. Without step 3's evidence (a resumed older run),
 * step 3's own epochs, at least 3. At most the epoch cap.
 */
export function searchTrialEpochs(o: { epochCap: number; step3Epochs: number; stepsPerEpoch?: number }): number {
  return o.stepsPerEpoch ? Math.min(o.epochCap, epochsToJudge(o.stepsPerEpoch)) : Math.max(3, Math.min(o.epochCap, o.step3Epochs));
}

/** Step 3's search: its space around the proposal and the found rate (search_space.ts), within the deadline. */
export function step3SearchSetup(o: { base: ModelSpec; lr: number; trials?: number; deadline?: number; clock?: () => number }, seed: number) {
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
  const pr = o.protocol;
  let best: SearchWinner | null = null;
  const seed = o.recipe.seed ?? 0;
  let n = 0;
  const deadline = o.deadline !== undefined ? [new Deadline(o.deadline, o.clock)] : [];
  const { trials } = await randomSearch(step3SearchSetup({ ...o, lr: o.recipe.lr }, seed), async (params, ctx) => {
    const spec = specFor(o.base, params);
    const candidate: Candidate = { spec, weightDecay: 0, augment: false, label: `search trial ${ctx.number}` };
    const recipe: FitRecipe = { ...o.recipe, lr: params.learningRate ?? o.recipe.lr, batchSize: params.batchSize, seed: seed + ++n, callbacks: [...deadline, ...(o.recipe.callbacks ?? [])], step: 3, onDecision: o.onDecision, objective: undefined };
    const leads = (m: Measured) => Number.isFinite(m.validLoss) && m.validLoss < (best?.measured.validLoss ?? Infinity);
    const m = await pr.train(candidate, recipe, {
      firstViewCallbacks: [medianPruner(ctx)],
      // Holdout: the trial's own model is the one kept if it wins; its weights are saved while it leads.
      onDefaultSplit: (t, own) => {
        if (!t.cut && leads(own)) saveSafetensors(o.weightsFile, t.model.stateDict());
      },
    });
    if (!m.cut && leads(m)) {
      const { cut: _c, perView: _p, ...measured } = m;
      best = { params, spec, lr: recipe.lr, batchSize: params.batchSize ?? 64, seed: recipe.seed!, measured, defaultSplit: pr.kind === 'holdout' ? measured : null };
    }
    return { validLoss: m.validLoss, trainLoss: m.trainLoss };
  });
  const winner = best as SearchWinner | null;
  // The winner was chosen among every trial that reached the validation rows: pruned and cut ones too (they lost there).
  const considered = trials.filter((t) => t.state !== 'failed').length;
  const acceptance = winner ? pr.compare(winner.measured, o.incumbent, Math.max(1, considered), o.accept) : null;
  if (winner && acceptance?.accept && !winner.defaultSplit) {
    // The folds chose the configuration; the model kept is trained on the default split (not cut by the search's deadline: the plan kept its time).
    const candidate: Candidate = { spec: winner.spec, weightDecay: 0, augment: false, label: 'the adopted search trial' };
    const t = await fitOnView(pr.defaultSplit, { candidate, recipe: { ...o.recipe, lr: winner.lr, batchSize: winner.batchSize, seed: winner.seed, step: 3, onDecision: o.onDecision, objective: undefined }, fraction: 1, callbacks: [], what: 'the adopted search trial on the default split' });
    try {
      winner.defaultSplit = pr.measure(pr.defaultSplit, t.model, t.best ?? t.history.at(-1) ?? null, candidate);
      saveSafetensors(o.weightsFile, t.model.stateDict());
    } finally {
      t.dispose();
    }
    o.onDecision?.({
      step: 3,
      action: 'train the adopted trial on the default split',
      reason: `the ${pr.k} folds chose it (validation loss ${pr.describe(winner.measured)} against the basic recipe's ${pr.describe(o.incumbent)}); the model kept is its configuration trained on the default split: validation loss ${winner.defaultSplit.validLoss.toPrecision(4)} there`,
      numbers: { ...pr.numbers(winner.measured), incumbent: o.incumbent.folds?.validLoss ?? o.incumbent.validLoss, defaultSplitValidLoss: winner.defaultSplit.validLoss },
    });
  }
  return { trials, best: winner, acceptance };
}
