// The budget planner: pure arithmetic on measured times. The whole command
// has a wall-clock budget (from process start); what is already spent (data
// loading, the plan) and what must stay for the end (the sealed test
// evaluation, split metrics, model directory and report) come off first; the
// rest is shared between cheap exploration (finder, SGD→Adam judgement,
// ladder probes) and training the chosen configuration. Each training phase
// is then sized in whole epochs so that its schedule *completes* inside the
// time it is given: a tight budget shortens the plan, it never cuts an
// unannealed model. Every function returns the arithmetic it used, for the
// decision log.

/**
 * The share of the available time that exploration may take (images: step 3's
 * finder and short run, and the ladder's probes together); the rest trains the
 * chosen configuration to the end of its schedule. A minority, as experts spend
 * it: most compute goes to the model that is kept.
 */
export const EXPLORATION_SHARE = 0.3;

/** Of the exploration time, the share step 3 (finder, SGD→Adam judgement, a short annealed run) takes; the ladder's probes get the rest. */
export const STEP3_SHARE_OF_EXPLORATION = 0.5;

export interface BudgetSplitInput {
  /** The whole command's budget. */
  totalSeconds: number;
  /** Already spent when the autopilot starts (process start, data loading, the plan). */
  elapsedSeconds: number;
  /** Kept back for the end: test evaluation, split metrics, saving and the report. */
  reserveSeconds: number;
  /** Committed before step 3 after this plan (the linear reference's time cap); default 0. */
  linearSeconds?: number;
  /** Default EXPLORATION_SHARE. */
  explorationShare?: number;
}

export interface BudgetSplit extends Required<BudgetSplitInput> {
  /** total − elapsed − reserve (never below 0). */
  availableSeconds: number;
  explorationSeconds: number;
  trainingSeconds: number;
  arithmetic: string;
}

const s = (x: number) => `${x.toFixed(1)} s`;

export function splitBudget(i: BudgetSplitInput): BudgetSplit {
  const share = i.explorationShare ?? EXPLORATION_SHARE;
  if (!(share >= 0 && share <= 1)) throw new RangeError(`explorationShare must lie in [0, 1], got ${share}`);
  if (!(i.totalSeconds > 0)) throw new RangeError(`totalSeconds must be > 0, got ${i.totalSeconds}`);
  const linear = i.linearSeconds ?? 0;
  const available = Math.max(0, i.totalSeconds - i.elapsedSeconds - linear - i.reserveSeconds);
  const exploration = available * share;
  return {
    ...i,
    linearSeconds: linear,
    explorationShare: share,
    availableSeconds: available,
    explorationSeconds: exploration,
    trainingSeconds: available - exploration,
    arithmetic: `${s(i.totalSeconds)} budget − ${s(i.elapsedSeconds)} already spent (data, plan)${linear ? ` − ${s(linear)} for the linear reference (its cap)` : ''} − ${s(i.reserveSeconds)} reserved for the end = ${s(available)}; exploration ${Math.round(share * 100)} % = ${s(exploration)}, training the chosen configuration ${s(available - exploration)}`,
  };
}

export interface ReserveInput {
  /** Measured evaluation time per row (eval mode, no gradients). */
  evalSecondsPerRow: number;
  /** Rows evaluated after training: test (step 5), train and validation (split metrics), validation again (the moving average, flips, confusion/residuals). */
  rowsEvaluated: number;
  /** Passes per test row (2 with flip test-time augmentation). */
  passes?: number;
  /** Saving the model directory and writing the report; default 3 s. */
  fixedSeconds?: number;
  /** Safety factor on the measured part; default 2 (on Fashion-MNIST the end took 19.1 s where the warm timing gave 9.3 s: its batches, the moving average's batch-norm pass and the report's views cost more than the timed pass). */
  margin?: number;
}

/** Rows evaluated after training: the training rows and the test's twice (split metrics; test, flips), the validation rows six times (step 5's choices, the moving average, split metrics, the report's views). */
export function endRows(c: { train: number; validation: number; test: number }): number {
  return c.train + 6 * c.validation + 2 * c.test;
}

/** Seconds to keep back for everything after training. */
export function reserveSeconds(i: ReserveInput): { seconds: number; arithmetic: string } {
  const margin = i.margin ?? 2;
  const fixed = i.fixedSeconds ?? 3;
  const passes = i.passes ?? 1;
  const seconds = i.evalSecondsPerRow * i.rowsEvaluated * passes * margin + fixed;
  return { seconds, arithmetic: `${(i.evalSecondsPerRow * 1e3).toPrecision(3)} ms per row × ${i.rowsEvaluated} rows × ${passes} pass(es) × ${margin} margin + ${fixed} s saving and report = ${s(seconds)}` };
}

export interface PhasePlanInput {
  /** The time this phase is given. */
  secondsGiven: number;
  /** Measured seconds per epoch (training and validation). */
  secondsPerEpoch: number;
  /** Once-per-phase costs (the learning-rate finder, measurements, copies); default 0. */
  overheadSeconds?: number;
  /** Most epochs (the kind's cap). */
  maxEpochs: number;
  /** Fewer planned epochs than this and the phase is skipped (no room for a schedule that completes); default 1. */
  minEpochs?: number;
  /** Safety factor on the epoch time (augmentation, probes, noise); default 1.05. */
  margin?: number;
}

export interface PhasePlan {
  /** Whole epochs whose schedule completes in time; 0: skip the phase. */
  epochs: number;
  /** What bounded it. */
  boundBy: 'time' | 'cap' | 'too little time';
  /** Planned duration (overhead + epochs × epoch time × margin). */
  plannedSeconds: number;
  secondsGiven: number;
  secondsPerEpoch: number;
  overheadSeconds: number;
  margin: number;
  arithmetic: string;
}

export function planPhase(i: PhasePlanInput): PhasePlan {
  const overhead = i.overheadSeconds ?? 0;
  const margin = i.margin ?? 1.05;
  const minEpochs = i.minEpochs ?? 1;
  if (!(i.secondsPerEpoch > 0)) throw new RangeError(`secondsPerEpoch must be > 0, got ${i.secondsPerEpoch}`);
  if (!(i.maxEpochs >= 1)) throw new RangeError(`maxEpochs must be ≥ 1, got ${i.maxEpochs}`);
  const fit = Math.max(0, Math.floor((i.secondsGiven - overhead) / (i.secondsPerEpoch * margin)));
  let epochs = Math.min(i.maxEpochs, fit);
  let boundBy: PhasePlan['boundBy'] = fit > i.maxEpochs ? 'cap' : 'time';
  if (epochs < minEpochs) {
    epochs = 0;
    boundBy = 'too little time';
  }
  const planned = epochs ? overhead + epochs * i.secondsPerEpoch * margin : 0;
  const arithmetic =
    `⌊(${s(i.secondsGiven)} given − ${s(overhead)} overhead) / (${i.secondsPerEpoch.toPrecision(3)} s per epoch × ${margin})⌋ = ${fit} epoch(s)` +
    (boundBy === 'cap' ? `, capped at ${i.maxEpochs}` : '') +
    (boundBy === 'too little time' ? `, fewer than ${minEpochs}: skipped rather than cut before its schedule ends` : `; planned ${s(planned)}`);
  return { epochs, boundBy, plannedSeconds: planned, secondsGiven: i.secondsGiven, secondsPerEpoch: i.secondsPerEpoch, overheadSeconds: overhead, margin, arithmetic };
}

export interface FoldSearchInput {
  /** Seconds left until the search must end. */
  secondsLeft: number;
  /** Measured step-3 epoch time on the default split's training rows. */
  epochSeconds: number;
  /** Epochs per trial. */
  trialEpochs: number;
  k: number;
  /** Training rows of one fold, and of the default split (a fold's epoch costs their ratio of a step-3 epoch). */
  foldTrainRows: number;
  trainRows: number;
  /** The search's trial budget without folds. */
  maxTrials: number;
}

export interface FoldSearchPlan {
  /** Trials that fit (at most maxTrials; 0: none). */
  trials: number;
  perTrialSeconds: number;
  /** The adopted trial is trained once more on the default split (the model that is kept). */
  refitSeconds: number;
  /** True when folds cut the trial budget. */
  cut: boolean;
  arithmetic: string;
}

/**
 * The step-3 random search on k folds: each trial trains k times (on a fold's
 * training rows), and the winner once more on the default split. As many
 * trials as fit in the time left, never more than the search's own budget.
 */
export function foldSearchPlan(i: FoldSearchInput): FoldSearchPlan {
  const foldEpoch = i.epochSeconds * (i.foldTrainRows / Math.max(1, i.trainRows));
  const perTrial = i.k * i.trialEpochs * foldEpoch;
  const refit = i.trialEpochs * i.epochSeconds;
  const fit = perTrial > 0 ? Math.floor(Math.max(0, i.secondsLeft - refit) / perTrial) : i.maxTrials;
  const trials = Math.max(0, Math.min(i.maxTrials, fit));
  return {
    trials,
    perTrialSeconds: perTrial,
    refitSeconds: refit,
    cut: trials < i.maxTrials,
    arithmetic: `a trial trains ${i.k} folds × ${i.trialEpochs} epochs × ${s(i.epochSeconds)} per step-3 epoch × ${i.foldTrainRows}/${i.trainRows} rows = ${s(perTrial)}; (${s(i.secondsLeft)} left − ${s(refit)} to train the adopted trial on the default split) / ${s(perTrial)} = ${fit} trial(s)${fit > i.maxTrials ? `, capped at the search's ${i.maxTrials}` : ''}`,
  };
}

/**
 * Step 3's measured epoch time as a step time and a validation time: a
 * validation row costs about a third of a training row (a forward pass
 * against forward and backward), and the pacer measures both as it goes.
 */
export function stepPace(epochSeconds: number, trainRows: number, validationRows: number, batchSize: number): { secondsPerStep: number; validationSeconds: number; stepsPerEpoch: number; arithmetic: string } {
  const stepsPerEpoch = Math.max(1, Math.ceil(trainRows / batchSize));
  const validationSeconds = (epochSeconds * validationRows) / (3 * trainRows + validationRows);
  const secondsPerStep = (epochSeconds - validationSeconds) / stepsPerEpoch;
  return { secondsPerStep, validationSeconds, stepsPerEpoch, arithmetic: `step 3 measured ${epochSeconds.toPrecision(3)} s per epoch: ${stepsPerEpoch} steps of ${(secondsPerStep * 1e3).toPrecision(3)} ms and a validation of ${validationSeconds.toPrecision(3)} s (a validation row at a third of a training row's cost, ${validationRows} against ${trainRows} rows)` };
}

export interface StepPlanInput {
  /** Seconds until the phase must end. */
  secondsLeft: number;
  /** Measured seconds per optimizer step (training only). */
  secondsPerStep: number;
  /** Measured seconds of one validation pass (one after each epoch, and one after a last partial epoch). */
  validationSeconds: number;
  stepsPerEpoch: number;
  /** Most steps (the kind's epoch cap in steps). */
  maxSteps: number;
  /** Fewer steps than this and the phase is skipped; default 1. */
  minSteps?: number;
  /** Safety factor on the step time; default 1.05. */
  margin?: number;
}

export interface StepPlan {
  /** Optimizer steps whose schedule completes in time (0: skip). */
  steps: number;
  /** steps / stepsPerEpoch: a fraction of an epoch is allowed. */
  epochs: number;
  /** Validation passes the plan pays for. */
  validations: number;
  plannedSeconds: number;
  boundBy: 'time' | 'cap' | 'too little time';
  arithmetic: string;
}

/** Seconds that `steps` steps take, with a validation after each whole epoch and after a last partial one. */
export function stepSeconds(steps: number, i: Pick<StepPlanInput, 'secondsPerStep' | 'validationSeconds' | 'stepsPerEpoch' | 'margin'>): number {
  if (steps <= 0) return 0;
  return steps * i.secondsPerStep * (i.margin ?? 1.05) + Math.ceil(steps / i.stepsPerEpoch) * i.validationSeconds;
}

/**
 * A training phase sized in optimizer steps, not whole epochs: the most steps
 * (whole epochs, then a part of one) whose schedule completes in the time
 * left, at the measured step and validation times. A tight budget shortens the
 * schedule; the time left is not rounded down to an epoch and left idle.
 */
export function planSteps(i: StepPlanInput): StepPlan {
  const margin = i.margin ?? 1.05;
  const spe = Math.max(1, Math.round(i.stepsPerEpoch));
  if (!(i.secondsPerStep > 0)) throw new RangeError(`secondsPerStep must be > 0, got ${i.secondsPerStep}`);
  const perEpoch = spe * i.secondsPerStep * margin + i.validationSeconds;
  const left = Math.max(0, i.secondsLeft);
  const whole = Math.floor(left / perEpoch);
  const rest = left - whole * perEpoch;
  const part = Math.max(0, Math.min(spe - 1, Math.floor((rest - i.validationSeconds) / (i.secondsPerStep * margin))));
  const fit = whole * spe + part;
  let steps = Math.min(Math.max(0, Math.floor(i.maxSteps)), fit);
  let boundBy: StepPlan['boundBy'] = fit > i.maxSteps ? 'cap' : 'time';
  if (steps < (i.minSteps ?? 1)) {
    steps = 0;
    boundBy = 'too little time';
  }
  const planned = stepSeconds(steps, { ...i, stepsPerEpoch: spe, margin });
  const epochs = steps / spe;
  return {
    steps,
    epochs,
    validations: steps ? Math.ceil(steps / spe) : 0,
    plannedSeconds: planned,
    boundBy,
    arithmetic:
      `${s(left)} left at ${(i.secondsPerStep * 1e3).toPrecision(3)} ms per step × ${margin} margin and ${s(i.validationSeconds)} per validation: ${whole} epoch(s) of ${spe} steps + ${part} step(s) = ${fit} step(s)` +
      (boundBy === 'cap' ? `, capped at ${i.maxSteps}` : '') +
      (boundBy === 'too little time' ? `, fewer than ${i.minSteps ?? 1}: skipped` : ` (${epochs.toFixed(2)} epochs; planned ${s(planned)})`),
  };
}

export interface ReplanInput extends Omit<StepPlanInput, 'secondsLeft' | 'maxSteps' | 'minSteps'> {
  /** Steps taken so far, and the plan they follow. */
  stepsDone: number;
  plannedSteps: number;
  secondsLeft: number;
  maxSteps: number;
  /** Re-plan only when the plan's end would miss the time left by more than this share of it; default 0.05. */
  tolerance?: number;
}

/**
 * The plan again at the measured pace: when the steps left would end more
 * than `tolerance` of the time left early or late, the total becomes what the
 * time left allows (never below the steps already taken — reached, the
 * training ends — never above the cap); otherwise the plan stands.
 */
export function replanSteps(i: ReplanInput): { steps: number; changed: boolean; projectedSeconds: number; arithmetic: string } {
  const left = i.plannedSteps - i.stepsDone;
  const spe = Math.max(1, Math.round(i.stepsPerEpoch));
  // Validations still due: those at the epoch ends the steps left cross, and the last one.
  const validations = left > 0 ? Math.ceil(i.plannedSteps / spe) - Math.floor(i.stepsDone / spe) : 0;
  const projected = Math.max(0, left) * i.secondsPerStep * (i.margin ?? 1.05) + validations * i.validationSeconds;
  const tol = (i.tolerance ?? 0.05) * Math.max(0, i.secondsLeft);
  if (Math.abs(projected - i.secondsLeft) <= tol) return { steps: i.plannedSteps, changed: false, projectedSeconds: projected, arithmetic: `on pace: ${s(projected)} for the ${left} step(s) left, ${s(i.secondsLeft)} left` };
  // Time for the steps left: what remains after the validation of the epoch in progress and whole epochs after it.
  const doneInEpoch = i.stepsDone % spe;
  const firstPart = spe - doneInEpoch;
  const firstSeconds = firstPart * i.secondsPerStep * (i.margin ?? 1.05) + i.validationSeconds;
  let more: number;
  if (i.secondsLeft <= firstSeconds) more = Math.max(0, Math.floor((i.secondsLeft - i.validationSeconds) / (i.secondsPerStep * (i.margin ?? 1.05))));
  else more = firstPart + planSteps({ ...i, secondsLeft: i.secondsLeft - firstSeconds, maxSteps: Number.MAX_SAFE_INTEGER, minSteps: 0 }).steps;
  const steps = Math.max(i.stepsDone, Math.min(i.maxSteps, i.stepsDone + more));
  return { steps, changed: steps !== i.plannedSteps, projectedSeconds: projected, arithmetic: `the ${left} step(s) left would take ${s(projected)} at the measured ${(i.secondsPerStep * 1e3).toPrecision(3)} ms per step, against ${s(i.secondsLeft)} left: ${i.plannedSteps} → ${steps} steps` };
}
