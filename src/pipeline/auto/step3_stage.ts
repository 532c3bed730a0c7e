// Stage: fit the training set (step 3). The playbook's recipe — learning-rate
// finder, SGD then Adam, warm restarts — on the proposal, or the transfer
// recipe on a pretrained backbone. The model kept is the best epoch's,
// measured by the protocol on the default split; the figures the decisions
// then read are the protocol's (holdout: that model's; folds: the recipe on
// every fold, measured at the start of the next stage).
import { Deadline } from '../../train/index.js';
import { fitTrainingSet } from '../../steps/fit_training_set.js';
import { fineTuneTrainingSet } from '../../steps/fine_tune.js';
import { tuning } from '../../steps/tuning_guard.js';
import { epochsToBest } from '../../steps/deep_refit.js';
import type { Stage } from '../runner.js';
import { keepModel, startCandidate, type AutoContext, type AutoPhase, type AutoState } from './context.js';

export const step3Stage: Stage<AutoContext, AutoState, AutoPhase> = {
  phase: 'step3',
  async run(ctx, state) {
    const p = ctx.plan.prepared;
    const pre = ctx.pretrained;
    const pr = ctx.protocol;
    const start = startCandidate(ctx, state);
    const epochCap = ctx.shares.epochCap[p.kind];
    ctx.onPhase?.(3, 'fit the training set');
    if (!pre && start.weightDecay > 0) ctx.log({ step: 3, action: `weight decay ${start.weightDecay}`, reason: `the ResNet's proven recipe trains with weight decay ${start.weightDecay} (SGD); without it a long training grows overconfident and its validation loss rises while accuracy still improves; the ladder's weight-decay rung may replace it`, numbers: { weightDecay: start.weightDecay } });
    // Both recipes keep the best epoch and run the NaN guard and gradient watch themselves (decisions labelled step 3).
    const guards = [new Deadline(pre ? ctx.deadlines.share(0.85) : ctx.deadlines.step3, ctx.clock), ...ctx.callbacks];
    const batchSize = ctx.plannedBatchSize ?? undefined;
    const step3Start = ctx.clock();
    const r = await tuning(() =>
      pre
        ? // A few epochs: pretrained features need little training, and the one-cycle stages must anneal to their end.
          fineTuneTrainingSet(p, { pretrained: pre.file, arch: pre.arch, input: pre.input, freezeEpochs: pre.freezeEpochs, cost: ctx.plan.cost, epochs: Math.min(epochCap, 4), seed: ctx.seed, callbacks: guards, onDecision: ctx.log, objective: ctx.objective })
        : fitTrainingSet(p, {
            spec: start.spec,
            cost: ctx.plan.cost,
            // Images: the planned epochs (their schedule completes in step 3's share). Tables and text: epochs cost
            // little and timings taken at process start overstate them, so they keep the cap, stopped by the deadline.
            epochs: p.kind === 'image' && ctx.plannedStep3 ? ctx.plannedStep3.epochs : epochCap,
            batchSize,
            weightDecay: start.weightDecay || undefined,
            lrFinder: ctx.plannedStep3 ? { numIter: ctx.plannedStep3.finderIterations } : undefined,
            seed: ctx.seed,
            callbacks: guards,
            onDecision: ctx.log,
            parallel: ctx.parallel,
            objective: ctx.objective,
            // With the baseline's loss, a training loss that stops moving while the bias gap is open is acted on (stall_rule.ts).
            baselineLoss: ctx.plan.baseline.loss,
          }),
    );
    try {
      if (ctx.stopped()) {
        // A partial step 3 says nothing about signal: it runs again on --resume.
        ctx.log({ step: 3, action: 'interrupted', reason: `stopped after ${r.history.length} epoch(s) of step 3; \`--resume\` runs step 3 again`, numbers: { epochs: r.history.length } });
        return { next: 'step3' };
      }
      state.step3 = {
        optimizer: r.optimizer,
        lr: r.lr,
        // The batch size step 3 trained with: the probes, the final training and its weights' average use it.
        batchSize: batchSize ?? (p.kind === 'image' ? (pre ? 64 : 128) : 64),
        epochs: r.history.length,
        history: r.history,
        best: r.best,
        lrFinds: r.lrFinds.map((f) => ({ optimizer: f.optimizer, lrs: f.result.lrs, losses: f.result.losses, suggestion: f.result.suggestion.lr, steep: f.result.steep.lr, valley: f.result.valley.lr, minimum: f.result.minimum.lr, slide: f.result.slide.lr })),
        // How the model was trained (epochs, steps, rate, the loss it started from): whether it had a fair chance to fit.
        evidence: r.evidence ?? null,
        secondsBeforeStep3: (step3Start - ctx.startedAt) / 1000,
      };
      state.steps = r.recorder.steps;
      const best = r.best ?? r.history.at(-1) ?? null;
      // r.model holds the best epoch's weights: the protocol measures them (eval mode, the fixed training subset, every validation row).
      const kept = pr.measure(pr.defaultSplit, r.model, best, start);
      state.final = { candidate: start, history: r.history, validLoss: kept.validLoss, trainLoss: kept.trainLoss, metrics: kept.metrics, source: 'step3', epochs: epochsToBest(r.history, best) };
      // Holdout: the decisions read this model's figures; folds: the search stage measures the recipe on every fold first.
      if (pr.kind === 'holdout') state.judged = kept;
      const obj = ctx.objective;
      if (obj.metric !== 'loss' && best) ctx.log({ step: 3, action: `keep the weights of epoch ${best.epoch + 1}`, reason: `the best ${obj.describe(obj.read(best))} of ${r.history.length} epochs (the optimising metric, ${obj.direction === 'max' ? 'higher' : 'lower'} is better; validation loss there ${(best.validLoss ?? NaN).toPrecision(4)})`, numbers: { metric: obj.metric, value: obj.read(best), epoch: best.epoch + 1, validLoss: best.validLoss } });
      keepModel(ctx, r.model);
    } finally {
      r.dispose();
    }
    return { next: 'search' };
  },
};
