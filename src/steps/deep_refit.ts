// Step 4's last act for a kept deep network on a table, once every choice is
// made on validation: its recipe replayed from scratch on the training and
// validation rows together — the kept configuration, the optimizer and rate
// step 3 settled on, warm restarts over as many epochs as the kept weights
// had trained. As a refit after early stopping replays the best epoch count,
// the shipped model learns from every row the sealed test does not hold.
//
// It runs only on time the budget leaves over, and only where the learning
// curve does not say more rows help little. The refit has seen the
// validation rows, so no held-out figure can confirm it; its recipe can: it
// is first replayed on the training rows alone, and must reproduce the
// validated model there. The refit then stands only when it completes its
// epochs with a finite loss and fits the validation rows better than the
// validated model, which never saw them.
import type { Prepared } from '../data/prepare.js';
import type { EpochResult } from '../train/index.js';
import { Deadline } from '../train/index.js';
import type { ModelSpec } from './architecture.js';
import type { CostFunctionChoice } from './cost_function.js';
import { fitModel, type FitResult, type OptimizerKind } from './fit.js';
import type { CurvePoint } from './learning_curve.js';
import { learningCurveVerdict } from './learning_curve.js';

/** The recipe the refit replays. */
export interface DeepRefitRecipe {
  spec: ModelSpec;
  weightDecay: number;
  optimizer: OptimizerKind;
  lr: number;
  batchSize: number;
  /** Epochs the kept weights trained (those of the run they continued, too). */
  epochs: number;
}

/** The expected time is the kept training's measured epoch time, scaled by the rows, times this (a fresh process's epochs run a little slower). */
export const DEEP_REFIT_TIME_MARGIN = 1.15;

/** Epochs up to and including the kept one: `best`'s place in `history` (the last epoch when none is marked). */
export function epochsToBest(history: readonly EpochResult[], best: EpochResult | null | undefined): number {
  if (!history.length) return 0;
  const i = best ? history.findIndex((e) => e.epoch === best.epoch) : -1;
  return (i < 0 ? history.length - 1 : i) + 1;
}

/** Seconds the refit should take: `epochs` at the measured `epochSeconds`, scaled by the rows the validation rows add, with the margin. */
export function deepRefitSeconds(epochs: number, epochSeconds: number, trainRows: number, validationRows: number): number {
  return epochs * epochSeconds * ((trainRows + validationRows) / Math.max(1, trainRows)) * DEEP_REFIT_TIME_MARGIN;
}

/** Seconds both replays should take: the check on the training rows, then the refit on the joined rows. */
export function replayAndRefitSeconds(epochs: number, epochSeconds: number, trainRows: number, validationRows: number): number {
  return epochs * epochSeconds * DEEP_REFIT_TIME_MARGIN + deepRefitSeconds(epochs, epochSeconds, trainRows, validationRows);
}

export interface DeepRefitChoice {
  refit: boolean;
  why: string;
}

/** Whether to refit the kept deep network: time for both replays (the check on the training rows, the refit), and no learning curve saying more rows help little. */
export function deepRefitRule(o: { epochs: number; expectedSeconds: number; secondsLeft: number; learningCurve?: { curve: CurvePoint[] } | null }): DeepRefitChoice {
  if (o.epochs < 1) return { refit: false, why: 'the kept weights trained no whole epoch to replay; the validated weights stand' };
  if (o.expectedSeconds > o.secondsLeft) return { refit: false, why: `too little time: about ${o.expectedSeconds.toFixed(1)} s needed to replay ${o.epochs} epoch(s) twice (on the training rows, then with the validation rows), ${Math.max(0, o.secondsLeft).toFixed(1)} s left before the report; the validated weights stand` };
  const curve = o.learningCurve ? learningCurveVerdict(o.learningCurve.curve) : null;
  if (curve && !curve.stillFalling) return { refit: false, why: `the learning curve has flattened (${curve.quoted}): more rows would help little, and a second training seen by no held-out row is not worth its risk; the validated weights stand` };
  const evidence = curve ? `the learning curve still falls (${curve.quoted})` : 'scikit-learn\'s models, too, learn from every non-test row once the choice is made';
  return { refit: true, why: `${o.epochs} epoch(s), replayed twice, fit in the ${o.secondsLeft.toFixed(1)} s left (about ${o.expectedSeconds.toFixed(1)} s needed), and ${evidence}` };
}

/**
 * What the validation rows are expected to take off the validation loss, read
 * from the learning curve: the loss falls about as much per doubling of the
 * rows as it fell from half to all of them, so adding the validation rows
 * gains that fall × log2((train + validation) / train). 0 without a curve.
 */
export function expectedRefitGain(curve: readonly CurvePoint[] | null | undefined, trainRows: number, validationRows: number): number {
  const half = curve?.find((c) => c.fraction === 0.5);
  const all = curve?.find((c) => c.fraction === 1);
  if (!half || !all) return 0;
  return Math.max(0, half.validLoss - all.validLoss) * Math.log2((trainRows + validationRows) / Math.max(1, trainRows));
}

/**
 * Whether the recipe, replayed from scratch on the training rows alone,
 * reproduces the validated model well enough for a refit to pay: its
 * validation loss may exceed the validated model's (a best epoch picked from
 * a noisy curve is optimistic, a lineage of several trainings is replayed as
 * one) by no more than what the added rows are expected to gain. Otherwise
 * the refit would, on the evidence, trade a better model for more rows.
 */
export function replayReproduces(replayLoss: number, validatedLoss: number, expectedGain: number): { ok: boolean; why: string } {
  const deficit = replayLoss - validatedLoss;
  const figures = `validation loss ${replayLoss.toPrecision(4)} against the validated model's ${validatedLoss.toPrecision(4)}, ${deficit > 0 ? `${deficit.toPrecision(3)} worse` : 'no worse'}; the added rows are expected to gain ${expectedGain.toPrecision(3)}${expectedGain > 0 ? ' (the learning curve\'s fall from half to all the rows, per doubling)' : ' (no learning curve measured)'}`;
  return Number.isFinite(deficit) && deficit <= expectedGain
    ? { ok: true, why: `the recipe replayed from scratch on the training rows alone reproduces the validated model (${figures})` }
    : { ok: false, why: `the recipe replayed from scratch on the training rows alone falls short of the validated model by more than the added rows are expected to gain (${figures}), so a refit would trade a better model for more rows; the validated weights stand` };
}

/** Whether a completed refit stands: it fits the validation rows it trained on better than the validated model, which never saw them. */
export function deepRefitStands(refitValidLoss: number, validatedValidLoss: number): boolean {
  return Number.isFinite(refitValidLoss) && refitValidLoss < validatedValidLoss;
}

export interface DeepRefit {
  /** The training, when it completed its epochs with a finite loss; the caller judges it, keeps its weights and disposes it. */
  fit: FitResult | null;
  rows: number;
  epochs: number;
  seconds: number;
  trainLoss: number;
  why: string;
}

/** The recipe from scratch on `joined` (the training and validation rows, data/refit.ts), ending annealed at its last epoch. */
export async function refitDeep(joined: Prepared, r: DeepRefitRecipe, cost: CostFunctionChoice, o: { seed: number; deadline: number; clock: () => number }): Promise<DeepRefit> {
  const started = o.clock();
  const fit = await fitModel(joined, {
    spec: r.spec,
    cost,
    optimizer: r.optimizer,
    lr: r.lr,
    weightDecay: r.weightDecay,
    epochs: r.epochs,
    batchSize: r.batchSize,
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
  if (fit.history.length < r.epochs || !Number.isFinite(trainLoss)) {
    fit.dispose();
    const what = fit.history.length < r.epochs ? `stopped by the deadline after ${fit.history.length} of ${r.epochs} epochs (its schedule did not end annealed)` : 'its training loss is not finite';
    return { ...base, fit: null, why: `the refit on ${rows} rows ${what}: the validated weights stand` };
  }
  return { ...base, fit, why: `${r.epochs} epoch(s) of ${r.optimizer === 'sgd' ? 'SGD' : r.optimizer === 'adam' ? 'Adam' : 'AdamW'} at ${r.lr.toPrecision(3)} with warm restarts, from scratch, on the ${rows} training and validation rows in ${seconds.toFixed(1)} s` };
}
