// Stage: fit the validation set (step 4) — the regularization ladder on
// short probes, each trained and measured through the run's protocol, the
// start being the configuration step 3 settled on, as the protocol measured it.
import { tuning } from '../../steps/tuning_guard.js';
import { regularizationLadder } from '../../steps/regularize.js';
import { MedianStopping } from '../../steps/median_stop.js';
import { standingAgainstLinear } from '../../steps/linear_keep.js';
import type { Stage } from '../runner.js';
import { loadModel, startCandidate, type AutoContext, type AutoPhase, type AutoState } from './context.js';

export const ladderStage: Stage<AutoContext, AutoState, AutoPhase> = {
  phase: 'step4',
  async run(ctx, state) {
    ctx.onPhase?.(4, 'fit the validation set');
    const p = ctx.plan.prepared;
    const pr = ctx.protocol;
    const s3 = state.step3!;
    const start = startCandidate(ctx, state);
    let startScore = { ...state.judged!, candidate: start };
    if (!startScore.rowLosses && pr.kind === 'holdout') {
      // A state written before row losses were kept: measure the kept model again (the same weights, the same rows).
      const m = loadModel(ctx, start.spec);
      try {
        startScore = pr.measure(pr.defaultSplit, m, s3.best, start);
      } finally {
        m.dispose();
      }
    }
    const image = p.kind === 'image';
    // Probes are short: a few epochs (images: on half of the data, warmed up by a one-cycle schedule, hopeless ones stopped by the median rule).
    const probeEpochs = image ? 3 : Math.max(3, s3.epochs);
    const median = new MedianStopping({}, (s) => ctx.log({ step: 4, action: 'stop a hopeless probe early', reason: `validation loss ${s.loss.toPrecision(4)} after epoch ${s.epoch} is above ${s.limit.toPrecision(4)} (the median of ${s.peers} earlier probes at that epoch, ${s.median.toPrecision(4)}, plus 10 %)`, numbers: s }));
    const ladder = await tuning(() =>
      regularizationLadder({
        protocol: pr,
        start,
        startScore,
        probeStart: image,
        recipe: { optimizer: s3.optimizer, lr: s3.lr, epochs: probeEpochs, batchSize: s3.batchSize, seed: ctx.seed, objective: ctx.objective, parallel: ctx.parallel, schedule: image ? 'one-cycle' : undefined, callbacks: image ? [...ctx.callbacks, median] : ctx.callbacks, augment: ctx.augment },
        budgetSeconds: Math.max(0, (ctx.deadlines.ladder - ctx.clock()) / 1000),
        clock: ctx.clock,
        probeFraction: image ? 0.5 : 1,
        onDecision: ctx.log,
      }),
    );
    state.ladder = { best: ladder.best, probes: ladder.probes, gapClosed: ladder.gapClosed, learningCurve: ladder.learningCurve };
    const lin = state.linearReference;
    if (lin) ctx.log({ step: 4, action: 'the ladder against the linear reference', reason: `the ladder's best (${ladder.best.candidate.label}) has validation loss ${ladder.best.validLoss.toPrecision(4)}${standingAgainstLinear(ladder.best.validLoss, lin.loss)}`, numbers: { validLoss: ladder.best.validLoss, linearValidLoss: lin.loss } });
    return { next: ctx.stopped() ? 'step4' : 'final' };
  },
};
