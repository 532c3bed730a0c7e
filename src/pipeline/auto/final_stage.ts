// Stage: train the chosen configuration (step 4's end). The schedule is sized
// in optimizer steps to complete in the time left (measured step-3 times, a
// margin; a fraction of an epoch allowed) and re-planned when the measured
// pace slips; images
// also keep a moving average of the weights, kept only when measured better.
// The model it trains replaces the step-3 model only when the optimising
// metric says so; its figures are measured by the protocol on the default
// split — the average's, when the average is kept.
import { ExponentialMovingAverage, emaDecayFor, Deadline, type EpochResult, type PaceReading } from '../../train/index.js';
import { ImageAugment } from '../../data/index.js';
import type { Module } from '../../nn/index.js';
import { buildModel } from '../../steps/architecture.js';
import { fitModel } from '../../steps/fit.js';
import { gapOpen } from '../../steps/ladder_rules.js';
import { endRows, planSteps, replanSteps, reserveSeconds, stepPace } from '../../steps/budget_plan.js';
import { augmentFinalTraining, finalEpochCap, finalTrainingReason, keepContinuedTraining, LONG_TRAINING_EPOCHS, MEMORIZING_PARAMETERS_PER_IMAGE, noAugmentationReason } from '../../steps/final_rule.js';
import { chooseAverage } from '../../steps/compute_options.js';
import { FINAL_LABEL_SMOOTHING, smoothedCost } from '../../steps/label_smoothing.js';
import { calibrate, type Calibrated } from '../../steps/temperature.js';
import { foldFinalModel } from '../../steps/cross_validation.js';
import { tuning } from '../../steps/tuning_guard.js';
import { measureWeights, type Measured } from '../../steps/protocol_of.js';
import { describeSpread, validationLogits } from '../../protocol/index.js';
import { loadSafetensors, dispose } from '../../tensor/index.js';
import type { Stage } from '../runner.js';
import { keptEpochs, refitReserveSeconds } from './refit_stage.js';
import { epochsToBest } from '../../steps/deep_refit.js';
import { keepModel, loadModel, startCandidate, step3EpochSeconds, weightsFile, type AutoContext, type AutoPhase, type AutoState } from './context.js';

/** The best weights so far in the chosen configuration's shape, or null when it has other parameters (a new architecture starts from scratch). */
function warmStart(ctx: AutoContext, spec: Parameters<typeof buildModel>[0]): Module | null {
  const warm = buildModel(spec, ctx.plan.prepared.device);
  try {
    const { tensors } = loadSafetensors(weightsFile(ctx));
    try {
      warm.loadStateDict(tensors);
    } finally {
      dispose(tensors);
    }
    return warm;
  } catch {
    warm.dispose();
    return null;
  }
}

export const finalStage: Stage<AutoContext, AutoState, AutoPhase> = {
  phase: 'final',
  async run(ctx, state) {
    const p = ctx.plan.prepared;
    const pr = ctx.protocol;
    const shares = ctx.shares;
    const obj = ctx.objective;
    const image = p.kind === 'image';
    let chosen = state.ladder!.best.candidate;
    const s3 = state.step3!;
    const epochSeconds = step3EpochSeconds(state);
    const batchSize = s3.batchSize ?? (image ? 128 : 64);
    // The final schedule is sized in steps to complete in the time left, from step 3's measured epoch time.
    const pace = stepPace(epochSeconds, p.counts.train, p.counts.validation, batchSize);
    // Images: what the end needs, measured again at step 3's whole-epoch pace (the planner timed one pass of 256
    // rows, whose cost swings with the machine's load at that moment). A kept linear reference is refitted after
    // this training (refit_stage.ts): its expected time is left for it.
    // Data-parallel ranks keep the shared deadline: a reserve measured on each rank could differ.
    const endReserve = image && !ctx.parallel ? reserveSeconds({ evalSecondsPerRow: pace.validationSeconds / Math.max(1, p.counts.validation), rowsEvaluated: endRows(p.counts) }).seconds : null;
    const finalEnd = (endReserve === null ? ctx.deadlines.final : ctx.deadlines.share(1) - endReserve * 1000) - refitReserveSeconds(ctx, state) * 1000;
    const timeLeft = finalEnd - ctx.clock();
    // Training longer (images, a bias gap, or a model behind the linear reference): the cap is at least finalMinSteps
    // optimizer steps, or the epoch cap of a small table or image set (a few batches each) would leave the time given idle.
    const longer = image || state.verdict?.verdict === 'bias-gap' || Boolean(state.behindLinear);
    const epochCap = finalEpochCap({ cap: shares.epochCap[p.kind], minSteps: longer ? shares.finalMinSteps : 0, stepsPerEpoch: Math.ceil(p.counts.train / batchSize) });
    const maxSteps = epochCap * pace.stepsPerEpoch;
    const plan = (augmented: boolean) => {
      const margin = (augmented ? shares.epochTimeMargin.augmented : shares.epochTimeMargin.plain) * (image ? shares.epochTimeMargin.movingAverage : 1);
      return { margin, ...planSteps({ secondsLeft: timeLeft / 1000 - (image ? 2 : 0), secondsPerStep: Math.max(1e-6, pace.secondsPerStep), validationSeconds: pace.validationSeconds, stepsPerEpoch: pace.stepsPerEpoch, maxSteps, margin }) };
    };
    let finalPlan = plan(chosen.augment);
    // Augmentation pays off over long training, which short probes cannot show: the final training uses it when the
    // model still overfits or when it shows each image many more times — the step-3 model stays only when clearly better.
    const overfits = !state.ladder!.gapClosed && gapOpen(state.final!, ctx.plan.baseline.loss) ? { validLoss: state.final!.validLoss, trainLoss: state.final!.trainLoss } : null;
    const parametersPerImage = image ? parameterCount(ctx, chosen.spec) / Math.max(1, p.counts.train) : 0;
    const augmentRule = { overfits, fitted: state.verdict?.verdict === 'fitted', plannedEpochs: finalPlan.epochs, parametersPerImage };
    const augmentWhy = image && ctx.augment !== null && !chosen.augment ? augmentFinalTraining(augmentRule) : null;
    const withoutWhy = image && ctx.augment !== null && !chosen.augment && !augmentWhy ? noAugmentationReason(augmentRule) : null;
    if (withoutWhy) ctx.log({ step: 4, action: 'no data augmentation for the final training', reason: withoutWhy, numbers: { plannedEpochs: finalPlan.epochs, parametersPerImage, memorizingParametersPerImage: MEMORIZING_PARAMETERS_PER_IMAGE } });
    if (augmentWhy) {
      chosen = { ...chosen, augment: true, label: `${chosen.label} with data augmentation` };
      finalPlan = plan(true);
      ctx.log({ step: 4, action: 'use data augmentation for the final training', reason: augmentWhy, numbers: { plannedEpochs: finalPlan.epochs, longTraining: LONG_TRAINING_EPOCHS } });
    }
    const margin = finalPlan.margin;
    // The ladder's choice, not the augmentation added above for the long schedule (same parameters: it continues).
    const changed = state.ladder!.best.candidate.label !== startCandidate(ctx, state).label;
    if (pr.kind === 'k-fold') ctx.log(foldFinalModel(pr.k, chosen.label));
    const why = finalTrainingReason({ changed, image, biasGap: state.verdict?.verdict === 'bias-gap', behindLinear: state.behindLinear });
    if (why) ctx.log({ step: 4, action: finalPlan.steps ? `plan the final training: ${finalPlan.steps} steps (${finalPlan.epochs.toFixed(2)} epochs)` : 'skip the final training (too little time for a schedule that completes)', reason: `${pace.arithmetic}; ${endReserve === null ? '' : `${endReserve.toFixed(1)} s kept back for the end (evaluations at a third of a training row's cost × ${endRows(p.counts)} rows × 2 + 3 s); `}${finalPlan.arithmetic}; the ${image ? 'one-cycle' : 'warm-restarts'} schedule is sized to these steps and re-planned when the measured pace slips, so it ends annealed at the deadline`, numbers: { secondsLeft: timeLeft / 1000, endReserveSeconds: endReserve, secondsPerEpoch: epochSeconds, secondsPerStep: pace.secondsPerStep, validationSeconds: pace.validationSeconds, margin, steps: finalPlan.steps, epochs: finalPlan.epochs, boundBy: finalPlan.boundBy } });
    if (!why || timeLeft <= 0 || finalPlan.steps <= 0) return { next: ctx.stopped() ? 'final' : 'step5' };
    ctx.onPhase?.(4, `train the chosen configuration (${chosen.label})`);
    // Continue from the best weights when the chosen configuration has the same parameters
    // (dropout, weight decay, augmentation); a new architecture starts from scratch.
    const warm = warmStart(ctx, chosen.spec);
    // Images' long schedule trains on smoothed targets; every measure stays plain cross-entropy.
    const finalCost = image ? smoothedCost(ctx.plan.cost, FINAL_LABEL_SMOOTHING) : ctx.plan.cost;
    const smoothed = finalCost !== ctx.plan.cost;
    if (smoothed) ctx.log({ step: 4, action: `label smoothing ${FINAL_LABEL_SMOOTHING} for the final training`, reason: `the training targets put ${1 - FINAL_LABEL_SMOOTHING} on the labelled class and ${FINAL_LABEL_SMOOTHING} spread over the ${p.classes?.length ?? 0} classes, so a long schedule stops pushing logits apart once a class is clear; every measure stays plain cross-entropy, and the final model is compared with the earlier one at each model's fitted temperature, since smoothing makes a model under-confident by design`, numbers: { epsilon: FINAL_LABEL_SMOOTHING } });
    ctx.log({ step: 4, action: `train the final model with ${chosen.label}${warm ? ', continuing from the best weights so far' : ', from scratch'}`, reason: why, numbers: { secondsLeft: Math.round(timeLeft / 1000) } });
    const finalEpochs = finalPlan.epochs;
    // The averaging window is sized in the optimizer steps this training takes.
    const ema = image ? new ExponentialMovingAverage({ decay: emaDecayFor(finalPlan.steps) }) : null;
    // Data-parallel ranks keep whole epochs and the epoch deadline: a pace measured on each rank could disagree on when to stop.
    const paced = ctx.parallel
      ? undefined
      : {
          deadline: finalEnd,
          clock: ctx.clock,
          validationSeconds: pace.validationSeconds,
          maxEpochs: epochCap,
          replan: (r: PaceReading) => replanSteps({ ...r, stepsPerEpoch: pace.stepsPerEpoch, maxSteps, margin }),
          onReplan: (from: number, to: number, arithmetic: string) => ctx.log({ step: 4, action: `re-plan the final training: ${from} → ${to} steps`, reason: `the measured pace slipped from the plan: ${arithmetic}; the schedule's remaining course is spread over the new steps, so it still ends annealed`, numbers: { from, to } }),
        };
    try {
      const fit = await tuning(() =>
        fitModel(p, {
          initialState: warm ?? undefined,
          spec: chosen.spec,
          cost: finalCost,
          optimizer: s3.optimizer,
          lr: s3.lr,
          batchSize,
          weightDecay: chosen.weightDecay,
          augment: chosen.augment ? new ImageAugment(ctx.augment ?? {}) : undefined,
          // As many epochs as the time left allows; the schedule's cycles are sized to end with them.
          epochs: finalEpochs,
          pace: paced,
          seed: ctx.seed,
          schedule: image ? 'one-cycle' : 'warm-restarts',
          callbacks: [...(paced ? [] : [new Deadline(finalEnd, ctx.clock)]), ...(ema ? [ema] : []), ...ctx.callbacks],
          parallel: ctx.parallel,
          step: 4,
          onDecision: ctx.log,
          what: 'final training',
          objective: obj,
        }),
      );
      try {
        const best: EpochResult | null = fit.best ?? fit.history.at(-1) ?? null;
        let now: Measured = pr.measure(pr.defaultSplit, fit.model, best, chosen);
        // The weights' moving average, kept only when measured better (judged on the loss); kept, the model's figures are the average's.
        if (ema && !ctx.parallel && obj.metric === 'loss') {
          const avg = await chooseAverage({ prepared: p, spec: chosen.spec, cost: ctx.plan.cost, trained: fit.model, ema, baselineLoss: ctx.plan.baseline.loss, log: ctx.log });
          if (avg.kept) now = await measureWeights(pr, fit.model, chosen, best?.epoch ?? 0);
        }
        // The optimising metric decides (validation loss by default), quoting both figures.
        const [a, b] = [obj.read(now), obj.read(state.final!)];
        // A smoothed model's plain loss punishes its calibration: on the holdout both models are compared at their fitted temperatures.
        const cal = smoothed && pr.kind === 'holdout' && obj.metric === 'loss' ? calibratedPair(ctx, state, fit.model) : null;
        const onFooting = (m: Measured, c: Calibrated | undefined): Measured => (c ? { ...m, validLoss: c.validLoss, rowLosses: c.rowLosses } : m);
        // The same configuration trained on from the kept weights: it stands unless the earlier model is clearly better.
        const continued = pr.kind === 'holdout' && !changed && warm && obj.metric === 'loss' && now.rowLosses ? keepContinuedTraining(onFooting(now, cal?.final), onFooting(await measureKept(ctx, state), cal?.earlier), (c, i, k) => pr.compare(c as Measured, i as Measured, k)) : null;
        // With --folds the folds' mean already chose this configuration over the start: the final model is kept.
        const better = pr.kind === 'k-fold' ? true : continued ? continued.keep : cal ? cal.final.validLoss < cal.earlier.validLoss : a !== null && (b === null || obj.better(a, b));
        const ladderBest = state.ladder!.best;
        const footing = cal ? `; compared at each model's fitted temperature (final ${cal.final.temperature.toFixed(3)}, earlier ${cal.earlier.temperature.toFixed(3)}) because the final training's targets were smoothed — plain validation loss ${now.validLoss.toPrecision(4)} against ${state.final!.validLoss.toPrecision(4)}` : '';
        const reason = pr.kind === 'k-fold' ? `the ${pr.k} folds chose its configuration (${describeSpread((ladderBest.folds ?? state.cv!.step3.folds!).validLoss)} against the start's ${describeSpread(state.cv!.step3.folds!.validLoss)}); on the default split ${obj.describe(a)} against the step-3 model's ${b === null ? '–' : b.toPrecision(4)}` : continued ? continued.why + footing : cal ? `validation loss ${cal.final.validLoss.toPrecision(4)} against ${cal.earlier.validLoss.toPrecision(4)}${footing}` : `${obj.describe(a)} against ${b === null ? '–' : b.toPrecision(4)} (the best model is chosen by the optimising metric, validation ${obj.metric}, only)`;
        ctx.log({ step: 4, action: better ? 'keep the final model' : 'keep the step-3 model', reason, numbers: { metric: obj.metric, final: a, step3: b, finalValidLoss: now.validLoss, step3ValidLoss: state.final!.validLoss, ...(cal ? { finalTemperature: cal.final.temperature, step3Temperature: cal.earlier.temperature, finalCalibratedLoss: cal.final.validLoss, step3CalibratedLoss: cal.earlier.validLoss } : {}) } });
        if (better) {
          state.final = { candidate: chosen, history: fit.history, validLoss: now.validLoss, trainLoss: now.trainLoss, metrics: now.metrics, source: 'final', epochs: (warm ? keptEpochs(state, state.final!) : 0) + epochsToBest(fit.history, best) };
          keepModel(ctx, fit.model);
        }
      } finally {
        fit.dispose();
      }
    } finally {
      ema?.dispose();
      warm?.dispose();
    }
    return { next: ctx.stopped() ? 'final' : 'step5' };
  },
};

/** Trainable values of the network a spec builds. */
function parameterCount(ctx: AutoContext, spec: Parameters<typeof buildModel>[0]): number {
  const m = buildModel(spec, ctx.plan.prepared.device);
  try {
    return m.parameterCount();
  } finally {
    m.dispose();
  }
}

/** The final model and the kept one (before the final training), each at the temperature that fits its validation logits. */
function calibratedPair(ctx: AutoContext, state: AutoState, final: Module): { final: Calibrated; earlier: Calibrated } {
  const p = ctx.plan.prepared;
  const m = loadModel(ctx, state.final!.candidate.spec);
  try {
    return { final: calibrate(validationLogits(p, final)), earlier: calibrate(validationLogits(p, m)) };
  } finally {
    m.dispose();
  }
}

/** The kept model (before the final training) measured on the default split's validation rows, with row losses. */
async function measureKept(ctx: AutoContext, state: AutoState): Promise<Measured> {
  const kept = state.final!;
  const m = loadModel(ctx, kept.candidate.spec);
  try {
    return await measureWeights(ctx.protocol, m, kept.candidate, 0);
  } finally {
    m.dispose();
  }
}
