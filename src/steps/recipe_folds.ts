// `fit --folds k` (and tune's chosen trial): one settled recipe — the model,
// optimizer, learning rate, epochs, batch size, schedule — trained on each of
// k cross-validation folds through the k-fold protocol and measured there,
// with the naive baseline on the same folds. The figures are reported per
// fold and as mean, min–max and sd; the signal verdict reads the means. The
// model that is kept is the one trained on the default split: the folds
// measure the recipe, they do not replace that model (foldFinalModel says why).
import type { Decision } from './decisions.js';
import { FOLD_SELECTION_NOTE, describeSpread, type FoldSpread, type ProtocolBaseline } from '../protocol/index.js';
import { foldFinalModel } from './cross_validation.js';
import { fitVerdict, type FitVerdict } from './diagnosis.js';
import type { Candidate, FitRecipe, PlaybookProtocol } from './protocol_of.js';

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
  baseline: ProtocolBaseline & { folds: FoldSpread };
  /** Signal beyond the baseline, judged on the means. */
  verdict: FitVerdict;
  /** How each fold's figures were selected (its best epoch on its own validation rows). */
  selection: string;
  /** What the kept model is. */
  kept: string;
}

export interface RecipeFoldsOptions {
  candidate: Candidate;
  recipe: FitRecipe;
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

/** The recipe on the k-fold protocol's folds; null when interrupted. */
export async function crossValidateRecipe(folds: PlaybookProtocol, o: RecipeFoldsOptions): Promise<RecipeFolds | null> {
  if (folds.kind !== 'k-fold' || !folds.split.folds) throw new TypeError('crossValidateRecipe needs the k-fold protocol');
  const step = o.step ?? 3;
  const m = await folds.train(o.candidate, { ...o.recipe, step }, { onView: o.onFold, stopped: o.stopped });
  if (m.cut) return null;
  const agg = m.folds!;
  const baseline = folds.baseline as RecipeFolds['baseline'];
  const { rows, stratified } = folds.split.folds;
  const perFold = m.perView.map((f, i): FoldFigures => ({ fold: i + 1, trainRows: f.rows.train, validationRows: f.rows.validation, trainLoss: f.trainLoss, validLoss: f.validLoss, bestEpoch: f.epoch + 1, metrics: f.metrics }));
  const metrics = agg.metrics ?? {};
  const verdict = fitVerdict(baseline, { trainLoss: m.trainLoss, validLoss: m.validLoss });
  const r = o.recipe;
  const k = folds.k;
  o.log({
    step,
    action: `cross-validate the recipe on ${k} folds`,
    reason:
      `${o.candidate.label}, ${r.optimizer.toUpperCase()} at learning rate ${r.lr.toExponential(2)} for ${r.epochs} epoch(s), trained on each fold's training rows (${rows} non-test rows${stratified ? ', stratified by class' : ''}; the sealed test split is in no fold; each fold's statistics from its own training rows): ` +
      `validation loss ${describeSpread(agg.validLoss)}, ${Object.entries(metrics).map(([name, s]) => `${name} ${describeSpread(s)}`).join(', ')}${Object.keys(metrics).length ? ', ' : ''}training loss ${describeSpread(agg.trainLoss)}, naive baseline ${describeSpread(baseline.folds)}; ${verdict.message} (${FOLD_SELECTION_NOTE})`,
    numbers: { k, rows, validLoss: agg.validLoss, trainLoss: agg.trainLoss, metrics, baselineLoss: baseline.folds, perFold: perFold.map((f) => ({ fold: f.fold, validLoss: f.validLoss, trainLoss: f.trainLoss, bestEpoch: f.bestEpoch })), selection: FOLD_SELECTION_NOTE } as unknown as Decision['numbers'],
  });
  const final = foldFinalModel(k, o.candidate.label, step, o.role ?? 'measured');
  o.log(final);
  return { k, rows, perFold, validLoss: agg.validLoss, trainLoss: agg.trainLoss, metrics, baseline, verdict, selection: FOLD_SELECTION_NOTE, kept: final.action };
}

/** Lines for a terminal: one per fold, then the spreads. */
export function describeRecipeFolds(r: RecipeFolds): string[] {
  const metricNames = Object.keys(r.metrics);
  return [
    ...r.perFold.map((f) => `fold ${f.fold} of ${r.k}: ${f.trainRows} training / ${f.validationRows} validation rows, best epoch ${f.bestEpoch}: validation loss ${p4(f.validLoss)}${metricNames.map((k) => ` ${k} ${p4(f.metrics[k])}`).join('')}, training loss ${p4(f.trainLoss)}`),
    `validation loss ${describeSpread(r.validLoss)}`,
    ...metricNames.map((k) => `validation ${k} ${describeSpread(r.metrics[k])}`),
    `training loss ${describeSpread(r.trainLoss)}; naive baseline ${describeSpread(r.baseline.folds)}`,
    `(${r.selection})`,
  ];
}
