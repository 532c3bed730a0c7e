// `fit --folds k` (and tune's chosen trial): one settled recipe — the model,
// optimizer, learning rate, epochs, batch size, schedule — trained on each of
// k cross-validation folds and measured there, with the naive baseline on the
// same folds. The figures are reported per fold and as mean, min–max and sd;
// the signal verdict reads the means. The model that is kept is the one
// trained on the default split: the folds measure the recipe, they do not
// replace that model (foldFinalModel says why).
import type { FoldSet } from '../data/folds.js';
import type { Candidate } from './regularize.js';
import type { Decision } from './decisions.js';
import type { Baseline } from './baseline.js';
import { aggregateFolds, describeSpread, foldBaseline, foldFinalModel, trainOnFold, type FoldRecipe, type FoldSpread } from './cross_validation.js';
import { fitVerdict, type FitVerdict } from './diagnosis.js';

/** One fold's figures (the best epoch's, by the optimising metric). */
export interface FoldFigures {
  /** 1-based. */
  fold: number;
  trainRows: number;
  validationRows: number;
  /** Evaluation mode, fixed training subset. */
  trainLoss: number;
  validLoss: number;
  /** 1-based best epoch. */
  bestEpoch: number;
  metrics: Record<string, number>;
}

export interface RecipeFolds {
  k: number;
  /** Non-test rows dealt into the folds. */
  rows: number;
  perFold: FoldFigures[];
  validLoss: FoldSpread;
  trainLoss: FoldSpread;
  /** Each validation metric over the folds (those finite on every fold). */
  metrics: Record<string, FoldSpread>;
  /** The naive baseline fitted and measured on each fold. */
  baseline: Baseline & { folds: FoldSpread };
  /** Signal beyond the baseline, judged on the means. */
  verdict: FitVerdict;
  /** What the kept model is. */
  kept: string;
}

export interface RecipeFoldsOptions {
  candidate: Candidate;
  recipe: FoldRecipe;
  classWeights?: 'balanced' | 'none';
  /** The playbook step the decisions belong to; default 3 (fit, tune). */
  step?: Decision['step'];
  /** Whether the folds chose this configuration (tune: its mean won the search) or only measured it (fit); default 'measured'. */
  role?: 'chose' | 'measured';
  /** Called before each fold trains (progress). */
  onFold?: (fold: number, k: number) => void;
  /** An interruption: no further folds, and no figures (null) rather than incomplete ones. */
  stopped?: () => boolean;
  log: (d: Decision) => void;
}

const p4 = (v: number) => v.toPrecision(4);

export async function crossValidateRecipe(set: FoldSet, o: RecipeFoldsOptions): Promise<RecipeFolds | null> {
  const step = o.step ?? 3;
  const runs = [];
  for (let i = 0; i < set.k; i++) {
    o.onFold?.(i + 1, set.k);
    runs.push(await trainOnFold(set, i, o.candidate, { ...o.recipe, step }));
    if (o.stopped?.()) return null;
  }
  const agg = aggregateFolds(runs);
  const baseline = foldBaseline(set, { classWeights: o.classWeights });
  const perFold = runs.map((m, i): FoldFigures => ({ fold: i + 1, trainRows: set.folds[i].prepared.counts.train, validationRows: set.folds[i].prepared.counts.validation, trainLoss: m.trainLoss, validLoss: m.validLoss, bestEpoch: m.epoch + 1, metrics: m.metrics }));
  const metrics = agg.folds.metrics ?? {};
  const verdict = fitVerdict(baseline, { trainLoss: agg.trainLoss, validLoss: agg.validLoss });
  const r = o.recipe;
  o.log({
    step,
    action: `cross-validate the recipe on ${set.k} folds`,
    reason:
      `${o.candidate.label}, ${r.optimizer.toUpperCase()} at learning rate ${r.lr.toExponential(2)} for ${r.epochs} epoch(s), trained on each fold's training rows (${set.rows} non-test rows${set.classCounts ? ', stratified by class' : ''}; the sealed test split is in no fold; each fold's statistics from its own training rows): ` +
      `validation loss ${describeSpread(agg.folds.validLoss)}, ${Object.entries(metrics).map(([k, s]) => `${k} ${describeSpread(s)}`).join(', ')}${Object.keys(metrics).length ? ', ' : ''}training loss ${describeSpread(agg.folds.trainLoss)}, naive baseline ${describeSpread(baseline.folds)}; ${verdict.message}`,
    numbers: { k: set.k, rows: set.rows, validLoss: agg.folds.validLoss, trainLoss: agg.folds.trainLoss, metrics, baselineLoss: baseline.folds, perFold: perFold.map((f) => ({ fold: f.fold, validLoss: f.validLoss, trainLoss: f.trainLoss, bestEpoch: f.bestEpoch })) } as unknown as Decision['numbers'],
  });
  const final = foldFinalModel(set.k, o.candidate.label, step, o.role ?? 'measured');
  o.log(final);
  return { k: set.k, rows: set.rows, perFold, validLoss: agg.folds.validLoss, trainLoss: agg.folds.trainLoss, metrics, baseline, verdict, kept: final.action };
}

/** Lines for a terminal: one per fold, then the spreads. */
export function describeRecipeFolds(r: RecipeFolds): string[] {
  const metricNames = Object.keys(r.metrics);
  return [
    ...r.perFold.map((f) => `fold ${f.fold} of ${r.k}: ${f.trainRows} training / ${f.validationRows} validation rows, best epoch ${f.bestEpoch}: validation loss ${p4(f.validLoss)}${metricNames.map((k) => ` ${k} ${p4(f.metrics[k])}`).join('')}, training loss ${p4(f.trainLoss)}`),
    `validation loss ${describeSpread(r.validLoss)}`,
    ...metricNames.map((k) => `validation ${k} ${describeSpread(r.metrics[k])}`),
    `training loss ${describeSpread(r.trainLoss)}; naive baseline ${describeSpread(r.baseline.folds)}`,
  ];
}
