// Decisions on k folds (--folds): the protocol (protocol/kfold.ts) trains a
// configuration on each fold and measures it there; decisions read the mean
// over the folds and quote it with its spread. What the folds did is said in
// these decisions: the step-3 recipe measured on every fold, and what the
// final model is when folds chose (or measured) its configuration.
import { describeSpread, FOLD_SELECTION_NOTE, type ProtocolBaseline } from '../protocol/index.js';
import type { Decision } from './decisions.js';
import type { Measured } from './protocol_of.js';

/** The step-3 recipe measured on every fold, against the naive baseline on the same folds (like with like). */
export function foldStep3Decision(o: { k: number; rows: number; optimizer: string; lr: number; epochs: number; measured: Measured; baseline: ProtocolBaseline }): Decision {
  const f = o.measured.folds!;
  return {
    step: 3,
    action: `cross-validate the step-3 recipe on ${o.k} folds`,
    reason: `${o.optimizer.toUpperCase()} at learning rate ${o.lr.toExponential(2)} for ${o.epochs} epoch(s) on each fold's training rows (${o.rows} non-test rows, stratified; the sealed test split is in no fold): validation loss ${describeSpread(f.validLoss)}, training loss ${describeSpread(f.trainLoss)}, naive baseline ${describeSpread(o.baseline.folds!)}; step 3's verdict and step 4's ladder read these means (${FOLD_SELECTION_NOTE})`,
    numbers: { k: o.k, rows: o.rows, validLoss: f.validLoss, trainLoss: f.trainLoss, baselineLoss: o.baseline.folds, epochs: f.epochs },
  };
}

/**
 * The decision that says what the final model is when folds were used: they
 * either chose the configuration by their mean (auto, tune) or measured the
 * recipe that was trained anyway (fit).
 */
export function foldFinalModel(k: number, label: string, step: Decision['step'] = 4, folds: 'chose' | 'measured' = 'chose'): Decision {
  const role = folds === 'chose' ? `the ${k} folds chose the configuration by their mean` : `the ${k} folds measured the recipe (their mean and spread are the figures to quote for it)`;
  return {
    step,
    action: `final model: ${label}, trained on the default split`,
    reason: `${role}; the model itself is trained on the default split's training rows (its best epoch on that split's validation rows), so it keeps a held-out validation split for its own figures, calibration and error analysis, and step 5 compares the test loss with a validation loss of the same model — a model refitted on every non-test row would have no held-out rows left to check it on`,
    numbers: { k },
  };
}
