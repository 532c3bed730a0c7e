// What every stage of the autopilot reads: the plan, the protocol its
// decisions follow, the clock and the budget's deadlines, the run's folder
// (its state and the best weights so far) — and the state the stages fill in.
import { join } from 'node:path';
import type { Module } from '../../nn/index.js';
import type { Callback, EpochResult, StepRecord } from '../../train/index.js';
import type { Store } from '../../store/index.js';
import type { ImageAugmentConfig } from '../../data/index.js';
import type { TorchvisionArch } from '../../models/index.js';
import { saveSafetensors, loadSafetensors, dispose } from '../../tensor/index.js';
import type { Objective } from '../../metrics/index.js';
import type { ProtocolBaseline, SplitRecord } from '../../protocol/index.js';
import { buildModel, type ModelSpec } from '../../steps/architecture.js';
import type { TextEncoders } from '../../steps/text_encoder_choice.js';
import type { Plan } from '../../steps/plan.js';
import type { Decision } from '../../steps/decisions.js';
import type { Parallel } from '../../steps/parallel.js';
import type { OptimizerKind } from '../../steps/fit.js';
import type { FitVerdict, TrainingEvidence } from '../../steps/diagnosis.js';
import type { TestResult } from '../../steps/sealed_test.js';
import type { BudgetPhases } from '../../steps/budget_phases.js';
import type { BackboneInput } from '../../steps/fine_tune.js';
import { pretrainedSpec } from '../../steps/fine_tune.js';
import type { Candidate, Measured, PlaybookProtocol } from '../../steps/protocol_of.js';
import type { RunState } from '../runner.js';
import type { LinearReference } from '../../steps/linear_reference.js';
import type { CurvePoint } from '../../steps/learning_curve.js';

/** What a run keeps of its linear reference (the state, the summary's `linearReference`). */
export type LinearReferenceRecord = Omit<LinearReference, 'measured'> & { folds?: unknown; kept?: boolean; keptReason?: string };

/**
 * How the autopilot shares its time budget: each phase may run until the
 * given share of the whole budget has passed (measured from the start).
 */
export interface AutopilotBudget {
  /** Step 3 (fitting the training set) ends by this share; images train longer per epoch. */
  step3Share: { tabular: number; sequence: number; image: number };
  /** The step-3 random search (when the basic recipe leaves a bias gap) ends by this share. */
  searchShare: { tabular: number; sequence: number; image: number };
  /** The regularization ladder stops starting rungs at this share. */
  ladderShare: { tabular: number; sequence: number; image: number };
  /** The final training of the chosen configuration ends by this share; the rest is step 5 and saving. */
  finalShare: number;
  /** Most epochs of step 3 and of the final training. */
  epochCap: { tabular: number; sequence: number; image: number };
  /**
   * When the final training trains longer (images; tables and text with a bias gap, or a model behind the
   * linear reference), its cap is at least this many optimizer steps — forty epochs of a small table are a few
   * hundred steps, and the time given would stay idle. 0 keeps the epoch cap.
   */
  finalMinSteps: number;
  /**
   * The final training's epochs are the time left over the measured step-3 epoch time times this margin
   * (a little slower: probes and validation; augmentation costs more), so the schedule ends with the run.
   */
  epochTimeMargin: { plain: number; augmented: number; movingAverage: number };
}

/**
 * Images trained from scratch start with the weight decay the ResNet recipe
 * trains with (SGD, 5e-4, as bench/time_to_accuracy_reference.py). Without it a
 * long final training grows overconfident: on one Fashion-MNIST run, 24
 * epochs took the training loss to 0.015 while the validation loss rose from
 * 0.22 to 0.27 and accuracy still improved, so the loss-best model was an
 * unannealed mid-cycle one. The ladder's weight-decay rung may replace it.
 */
export const RESNET_WEIGHT_DECAY = 5e-4;

export const AUTOPILOT_BUDGET: AutopilotBudget = {
  step3Share: { tabular: 0.35, sequence: 0.35, image: 0.45 },
  searchShare: { tabular: 0.5, sequence: 0.5, image: 0.55 },
  ladderShare: { tabular: 0.7, sequence: 0.7, image: 0.6 },
  finalShare: 0.92,
  epochCap: { tabular: 40, sequence: 12, image: 50 },
  finalMinSteps: 2000,
  // movingAverage: images' final training also updates the weights' average every step; calibrated on one
  // Fashion-MNIST run (batch 64): its epochs took ~26 s against step 3's 24.6 s, and 1.05 alone let the
  // deadline stop it 2 epochs before its schedule's end.
  epochTimeMargin: { plain: 1.05, augmented: 1.15, movingAverage: 1.05 },
};

/** The phase a run is in: the stage that runs next. */
export type AutoPhase = 'linear' | 'step3' | 'search' | 'step4' | 'final' | 'step5' | 'done';

/** The model a run keeps so far, with its own figures on the default split (eval-mode training loss). */
export interface KeptModel {
  candidate: Candidate;
  history: EpochResult[];
  validLoss: number;
  /** Eval-mode measure loss on the fixed training subset (the average's, when the weights' moving average is kept). */
  trainLoss: number;
  metrics: Record<string, number>;
  source: 'linear' | 'step3' | 'final';
  /** Epochs its weights trained, counting those of the weights it continued from: what a deep refit replays. */
  epochs?: number;
}

/** Everything a run decided and measured, persisted after every stage (state.json). */
export interface AutoState extends RunState<AutoPhase> {
  /** Which rows the run used (its split manifest, and the folds when decisions read them). */
  split?: SplitRecord;
  /** Step 2's linear reference (pipeline/auto/linear_stage.ts): its figures, and whether the run kept it over the deep model. */
  linearReference?: LinearReferenceRecord;
  /** Step 3's model fitted the training set but did not beat the linear reference on validation: the time left goes to the search and to training longer. */
  behindLinear?: boolean;
  /** The step-3 search's adopted trial, when it beat the basic recipe. */
  start?: { spec: ModelSpec; lr: number; batchSize: number; label: string };
  step3?: { optimizer: OptimizerKind; lr: number; batchSize?: number; epochs: number; history: EpochResult[]; best: EpochResult | null; lrFinds: Array<{ optimizer: string; lrs: number[]; losses: number[]; suggestion: number; steep: number; valley: number; minimum: number; slide: number }>; evidence?: TrainingEvidence | null; secondsBeforeStep3?: number };
  /** The start configuration as the protocol measures it (holdout: the kept model's figures; folds: the means): what the search, the verdict and the ladder compare with. */
  judged?: Measured;
  /** Step 3's one verdict (steps/diagnosis.ts fitVerdict): quoted by the decision, the summary, the exit code and `doctor`. */
  verdict?: FitVerdict;
  ladder?: { best: Measured; probes: Measured[]; gapClosed: boolean; learningCurve?: { curve: CurvePoint[]; stillFalling: boolean } };
  final?: KeptModel;
  /** The kept model fitted again on the training and validation rows (pipeline/auto/refit_stage.ts): whether the refit replaced the validated weights, and its figures. */
  refit?: { model: 'linear' | 'deep'; kept: boolean; rows: number; epochs: number; seconds: number; trainLoss: number | null; reason: string };
  test?: TestResult | null;
  /** Step 5's choice: the served model averages each image with its mirror ('flip'), or not. */
  testTimeAugmentation?: 'flip' | null;
  /** The validation loss of the model as step 5 evaluated it (with the flips when kept): what its test loss is compared with. */
  verifiedValidLoss?: number;
  steps?: StepRecord[];
  /** With --folds: the folds' baseline and the step-3 recipe on every fold. */
  cv?: { k: number; rows: number; baseline: ProtocolBaseline; step3: Measured };
  /** The text encoders chosen by measurement (a resumed run keeps them). */
  textEncoders?: TextEncoders;
}

/** When each phase must end: the budget planner's measured plan, or shares of the budget when there is none (data-parallel ranks, a resumed run). */
export class Deadlines {
  constructor(
    private readonly start: number,
    private readonly budgetMs: number,
    private readonly shares: AutopilotBudget,
    private readonly kind: 'tabular' | 'sequence' | 'image',
    /** The plan, and when it was made: its phase ends are seconds from the end of planning (its timings are already spent). */
    private readonly planned: { phases: BudgetPhases; at: number } | null,
  ) {}

  /** start + budget × share. */
  share(s: number): number {
    return this.start + this.budgetMs * s;
  }

  private of(which: 'step3End' | 'ladderEnd' | 'finalEnd', share: number): number {
    return this.planned ? this.planned.at + this.planned.phases[which] * 1000 : this.share(share);
  }

  get step3(): number {
    return this.of('step3End', this.shares.step3Share[this.kind]);
  }
  /**
   * Planned: between step 3's planned end and the ladder's where the shares place it (tables 0.35 → 0.5 → 0.7:
   * 43 % of the way), so a search after a step 3 that started late still gets its time.
   */
  get search(): number {
    const k = this.kind;
    const span = this.shares.ladderShare[k] - this.shares.step3Share[k];
    const along = span > 0 ? (this.shares.searchShare[k] - this.shares.step3Share[k]) / span : 0;
    // Unplanned, or a search share at or below step 3's (no time of its own): the share of the budget.
    if (!this.planned || along <= 0) return this.share(this.shares.searchShare[k]);
    const { step3End, ladderEnd } = this.planned.phases;
    return this.planned.at + (step3End + (ladderEnd - step3End) * Math.min(1, along)) * 1000;
  }
  get ladder(): number {
    return this.of('ladderEnd', this.shares.ladderShare[this.kind]);
  }
  get final(): number {
    return this.of('finalEnd', this.shares.finalShare);
  }
}

export interface AutoContext {
  plan: Plan;
  protocol: PlaybookProtocol;
  /** Null on data-parallel ranks other than 0: they write nothing there and skip step 5. */
  store: Store | null;
  runId: string;
  runDir: string;
  seed: number;
  objective: Objective;
  shares: AutopilotBudget;
  deadlines: Deadlines;
  /** When the command started, on `clock`'s scale (the budget counts from it). */
  startedAt: number;
  /** The planned batch size (images: the fastest measured); null: the kind's default. */
  plannedBatchSize: number | null;
  /** Step 3's planned epochs and finder iterations (images), from the budget planner. */
  plannedStep3: { epochs: number; finderIterations: number } | null;
  clock: () => number;
  callbacks: Callback[];
  parallel?: Parallel;
  pretrained: { file: string; arch?: TorchvisionArch; input?: BackboneInput; freezeEpochs?: number } | null;
  augment?: ImageAugmentConfig | null;
  log: (d: Decision) => void;
  onPhase?: (step: number, title: string) => void;
  stopped: () => boolean;
}

/** The best model so far lives in the run folder: stages free their own and reload it. */
export const weightsFile = (ctx: Pick<AutoContext, 'runDir'>) => join(ctx.runDir, 'best.safetensors');

/** Saves the best weights so far: written aside and renamed over the old ones, so a kill leaves one whole file. */
export function keepModel(ctx: Pick<AutoContext, 'runDir'>, m: Module): void {
  const file = weightsFile(ctx);
  // Atomic (the best weights so far are replaced whole or not at all).
  saveSafetensors(file, m.stateDict());
}

export function loadModel(ctx: Pick<AutoContext, 'runDir' | 'plan'>, spec: ModelSpec, file = weightsFile(ctx)): Module {
  const m = buildModel(spec, ctx.plan.prepared.device);
  const { tensors } = loadSafetensors(file);
  try {
    m.loadStateDict(tensors);
  } catch (e) {
    m.dispose();
    throw e;
  } finally {
    dispose(tensors);
  }
  return m;
}

/** The starting configuration: the pretrained backbone, the step-3 search's adopted trial, or the proposal. */
export function startCandidate(ctx: Pick<AutoContext, 'plan' | 'pretrained'>, state: Pick<AutoState, 'start'>): Candidate {
  const p = ctx.plan.prepared;
  const pre = ctx.pretrained;
  if (pre?.arch) return { spec: pretrainedSpec(p, pre.arch, pre.input), weightDecay: 0, augment: false, label: `pretrained ${pre.arch}` };
  return { spec: state.start?.spec ?? ctx.plan.proposal.spec, weightDecay: p.kind === 'image' ? RESNET_WEIGHT_DECAY : 0, augment: false, label: state.start?.label ?? 'the initial architecture' };
}

/** The mean epoch time of a training's history (0 without one). */
export function meanEpochSeconds(h: readonly EpochResult[]): number {
  return h.reduce((a, e) => a + e.seconds, 0) / Math.max(1, h.length);
}

/** Step 3's epoch time, measured over its epochs. */
export function step3EpochSeconds(state: AutoState): number {
  return meanEpochSeconds(state.step3?.history ?? []);
}
