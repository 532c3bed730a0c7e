// The evaluation protocol's vocabulary. A candidate is a trainable
// configuration; a protocol trains it where its rules say (the default split,
// or each of k folds), measures it the one way every decision reads (eval
// mode, the unweighted measure loss, the fixed training subset, per validation
// row) and compares two measurements with a rule that knows how many
// candidates the better one was chosen among. Phases ask the protocol; none
// measures on its own. The spec (S), the cost (C) and the training recipe (R)
// are the caller's: the protocol passes them to the trainer it was given.
import type { Module } from '../nn/index.js';
import type { Callback, EpochResult } from '../train/index.js';
import type { Prepared } from '../data/prepare.js';
import type { FoldSpread } from './fold_figures.js';
import type { MeasureCost } from './measure.js';
import type { Acceptance, AcceptRule } from './selection.js';
import type { SplitRecord } from './split_record.js';

/** One trainable configuration. */
export interface Candidate<S = unknown> {
  spec: S;
  weightDecay: number;
  augment: boolean;
  /** What this candidate adds, for the log. */
  label: string;
}

/** A candidate as the protocol measured it. */
export interface Measured<S = unknown> {
  candidate: Candidate<S>;
  /** Eval-mode measure loss on the fixed training subset, of the weights kept. */
  trainLoss: number;
  /** Validation measure loss of the weights kept (the best epoch). */
  validLoss: number;
  /** The measure loss of every validation row, for paired comparisons (not persisted). */
  rowLosses?: number[];
  metrics: Record<string, number>;
  epoch: number;
  /** On k folds: each figure's spread over the folds (the fields above are the means). */
  folds?: { trainLoss: FoldSpread; validLoss: FoldSpread; epochs: number[]; metrics?: Record<string, FoldSpread> };
}

/** The naive baseline as the protocol measured it (on k folds: the mean, with its spread). */
export interface ProtocolBaseline {
  name: string;
  loss: number;
  metrics: Record<string, number>;
  description: string;
  folds?: FoldSpread;
}

/** Where a candidate trains and is measured: the default split, or one fold. */
export interface ProtocolView<C extends MeasureCost = MeasureCost> {
  index: number;
  /** "the default split", "fold 2 of 5". */
  label: string;
  prepared: Prepared;
  /** The cost as trained here (on a fold: class weights from its own training rows). */
  cost: C;
  baseline: ProtocolBaseline;
  /** This view is the default split: a model trained here is the one a run keeps. */
  defaultSplit: boolean;
}

/** One training, as the trainer returns it: the best epoch's weights in `model`. */
export interface Trained {
  model: Module;
  history: EpochResult[];
  best: EpochResult | null;
  /** A callback stopped it before its planned epochs (pruned, a deadline, an interruption). */
  cut: boolean;
  /** A solver's verdict on reaching the optimum (a linear network solved after its steps); absent when none ran. */
  solved?: { converged: boolean; iterations: number; reason: string };
  dispose(): void;
}

export interface TrainRequest<S, R> {
  candidate: Candidate<S>;
  recipe: R;
  /** Training-set share (learning curves); 1: all of it. */
  fraction: number;
  /** Extra callbacks for this view's training only. */
  callbacks: Callback[];
  /** What this training is, for the guards' log. */
  what: string;
}

/** Trains one candidate on one view (the caller's training: steps/fit.ts). */
export type Trainer<S, C extends MeasureCost, R> = (view: ProtocolView<C>, request: TrainRequest<S, R>) => Promise<Trained>;

export interface ProtocolTrainOptions<S> {
  fraction?: number;
  /** Callbacks for the first view only (the median rule watches one curve: every candidate's first view holds the same rows). */
  firstViewCallbacks?: Callback[];
  /** Called with the default split's training, before it is released (to keep its weights). */
  onDefaultSplit?: (t: Trained, m: Measured<S>) => void;
  /** Called before each view trains (progress). */
  onView?: (index: number, k: number) => void;
  /** Polled after each view: true stops before the next one (the result is then cut). */
  stopped?: () => boolean;
}

/** A training on the protocol's views, measured: the figures decisions read, each view's own, and whether it was cut. */
export type ProtocolMeasured<S> = Measured<S> & { cut: boolean; perView: Array<Measured<S> & { rows: { train: number; validation: number } }> };

export interface Protocol<S = unknown, C extends MeasureCost = MeasureCost, R = unknown> {
  readonly kind: 'holdout' | 'k-fold';
  /** Views a candidate trains on: 1 (holdout) or k. */
  readonly k: number;
  readonly views: readonly ProtocolView<C>[];
  /** The default split: where the kept model trains, whatever the protocol. */
  readonly defaultSplit: ProtocolView<C>;
  readonly baseline: ProtocolBaseline;
  /** Which rows were used: recorded with the run so error analysis, the report and `doctor` follow the same split. */
  readonly split: SplitRecord;
  /** Trains `c` on every view and measures it there. */
  train(c: Candidate<S>, r: R, o?: ProtocolTrainOptions<S>): Promise<ProtocolMeasured<S>>;
  /** Measures a model trained on `view` (its best epoch's weights; `best` from its history). */
  measure(view: ProtocolView<C>, model: Module, best: EpochResult | null, c: Candidate<S>): Measured<S>;
  /**
   * The figures decisions read for a configuration already trained on the
   * default split (`trained` there): holdout — that training; k folds — the
   * configuration trained on every fold.
   */
  score(c: Candidate<S>, r: R, trained: Measured<S>): Promise<Measured<S>>;
  /** Whether `candidate`, the best of `k`, beats `incumbent` (selection.ts). */
  compare(candidate: Measured<S>, incumbent: Measured<S>, k: number, rule?: AcceptRule): Acceptance;
  /** The validation loss as quoted: a number, or on folds the mean with its spread. */
  describe(m: Measured<S>): string;
  /** What a decision's numbers carry about the measurement beyond its mean (the folds' spread). */
  numbers(m: Measured<S>): Record<string, unknown>;
}
