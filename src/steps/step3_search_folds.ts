// Step 3's random search on k folds (--folds): the same trials as
// step3_search.ts, each trained on every fold and scored by the mean of its
// fold validation losses. The median rule watches fold 1 (every trial's fold 1
// holds the same rows); a deadline that cuts any fold leaves the trial
// incomplete, and it cannot win. The best trial is adopted only when the
// paired comparison of its out-of-fold row losses against the basic recipe's
// (the same non-test rows, the same order) says it is better; the adopted
// configuration is then trained once on the default split, which is the model
// kept (the folds chose it; they do not replace it).
import { saveSafetensors } from '../tensor/index.js';
import { Deadline } from '../train/index.js';
import { randomSearch } from '../search/index.js';
import type { FoldSet } from '../data/folds.js';
import { fitModel } from './fit.js';
import { specFor } from './search_space.js';
import { acceptCandidate } from './ladder_rules.js';
import { trainSubsetLoss } from './measure.js';
import { measureLoss } from './scale_free.js';
import { aggregateFolds, describeSpread, trainOnFold, type FoldMeasured, type FoldTraining } from './cross_validation.js';
import { medianPruner, step3SearchSetup, type Step3SearchOptions, type Step3SearchResult, type SearchWinner } from './step3_search.js';

export interface FoldSearchWinner extends SearchWinner {
  /** The trial on the folds: means (validLoss, trainLoss, metrics, rowLosses out of fold) and spreads. */
  folds: FoldMeasured;
  /** The adopted configuration trained on the default split: the model kept (its weights in weightsFile). */
  defaultSplit: { validLoss: number; trainLoss: number; metrics: Record<string, number>; epoch: number } | null;
}

export interface Step3FoldSearchOptions extends Omit<Step3SearchOptions, 'incumbent'> {
  folds: FoldSet;
  /** The basic recipe measured on the same folds (its out-of-fold row losses): the search must beat it. */
  incumbent: FoldMeasured;
}

export async function step3SearchFolds(o: Step3FoldSearchOptions): Promise<Step3SearchResult & { best: FoldSearchWinner | null }> {
  let best: FoldSearchWinner | null = null;
  let bestSeed = 0;
  const seed = o.seed ?? 0;
  let n = 0;
  const { trials } = await randomSearch(
    step3SearchSetup(o, seed),
    async (params, ctx) => {
      const pruner = medianPruner(ctx);
      const spec = specFor(o.base, params);
      const trialSeed = seed + ++n;
      const candidate = { spec, weightDecay: 0, augment: false, label: `search trial ${ctx.number}` };
      const recipe = { cost: o.cost, optimizer: o.optimizer, lr: params.learningRate ?? o.lr, epochs: o.epochs, batchSize: params.batchSize, seed: trialSeed, callbacks: [...(o.deadline !== undefined ? [new Deadline(o.deadline, o.clock)] : []), ...(o.callbacks ?? [])], step: 3 as const, onDecision: o.onDecision };
      const runs: FoldTraining[] = [];
      for (let i = 0; i < o.folds.k; i++) {
        const m = await trainOnFold(o.folds, i, candidate, recipe, { callbacks: i === 0 ? [pruner] : [] });
        runs.push(m);
        // Pruned on fold 1, or cut by the deadline: no further folds; the trial cannot win.
        if (m.epochsRun < o.epochs) return { validLoss: runs.reduce((a, r) => a + r.validLoss, 0) / runs.length, trainLoss: m.trainLoss };
      }
      const agg = aggregateFolds(runs);
      if (Number.isFinite(agg.validLoss) && agg.validLoss < (best?.validLoss ?? Infinity)) {
        best = { params, spec, lr: recipe.lr, batchSize: params.batchSize ?? 64, validLoss: agg.validLoss, trainLoss: agg.trainLoss, rowLosses: agg.rowLosses ?? [], metrics: agg.metrics, epoch: agg.epoch, folds: agg, defaultSplit: null };
        bestSeed = trialSeed;
      }
      return { validLoss: agg.validLoss, trainLoss: agg.trainLoss };
    },
  );
  const winner = best as FoldSearchWinner | null;
  const acceptance = winner ? acceptCandidate(winner, o.incumbent, o.accept) : null;
  if (winner && acceptance?.accept) {
    // The folds chose the configuration; the model kept is trained on the default split (not cut by the search's deadline: the plan kept its time).
    const fit = await fitModel(o.prepared, { spec: winner.spec, cost: o.cost, optimizer: o.optimizer, lr: winner.lr, epochs: o.epochs, batchSize: winner.batchSize, seed: bestSeed, callbacks: o.callbacks, parallel: o.parallel, step: 3, onDecision: o.onDecision, what: 'the adopted search trial on the default split' });
    try {
      const b = fit.best ?? fit.history.at(-1)!;
      winner.defaultSplit = { validLoss: b.validLoss ?? NaN, trainLoss: trainSubsetLoss(o.prepared, fit.model, measureLoss(o.cost)), metrics: b.metrics, epoch: b.epoch };
      saveSafetensors(o.weightsFile, fit.model.stateDict());
    } finally {
      fit.dispose();
    }
    o.onDecision?.({
      step: 3,
      action: 'train the adopted trial on the default split',
      reason: `the ${o.folds.k} folds chose it (validation loss ${describeSpread(winner.folds.folds.validLoss)} against the basic recipe's ${describeSpread(o.incumbent.folds.validLoss)}); the model kept is its configuration trained on the default split: validation loss ${winner.defaultSplit.validLoss.toPrecision(4)} there`,
      numbers: { folds: winner.folds.folds.validLoss, incumbent: o.incumbent.folds.validLoss, defaultSplitValidLoss: winner.defaultSplit.validLoss } as any,
    });
  }
  return { trials, best: winner, acceptance };
}
