// Stage: verify on the sealed test set (step 5), once. Images first choose
// flip test-time augmentation on validation; the test loss is then compared
// with the validation loss of the model as evaluated — with the flips when
// they are kept.
import { FlipAveraged } from '../../models/index.js';
import { evaluateOnTest } from '../../steps/sealed_test.js';
import { metricsFor } from '../../steps/fit.js';
import { chooseFlipTta, ttaOutputFor } from '../../steps/compute_options.js';
import type { Stage } from '../runner.js';
import { loadModel, type AutoContext, type AutoPhase, type AutoState } from './context.js';
import { keepBetterModel } from './linear_stage.js';
import { refitKeptModel } from './refit_stage.js';

export const sealedTestStage: Stage<AutoContext, AutoState, AutoPhase> = {
  phase: 'step5',
  async run(ctx, state) {
    // The better of the deep model and the linear reference goes to step 5.
    await keepBetterModel(ctx, state);
    // A kept linear reference learns from the validation rows too, its choice made.
    await refitKeptModel(ctx, state);
    const store = ctx.store;
    // Data-parallel ranks other than 0 do not evaluate: rank 0 records the one evaluation.
    if (!store) return { next: 'done' };
    ctx.onPhase?.(5, 'verify on the sealed test set');
    const p = ctx.plan.prepared;
    const model = loadModel(ctx, state.final!.candidate.spec);
    try {
      const tta = p.kind === 'image' ? chooseFlipTta({ prepared: p, model, cost: ctx.plan.cost, baselineLoss: ctx.plan.baseline.loss, log: ctx.log }) : null;
      state.testTimeAugmentation = tta?.keep ? 'flip' : null;
      state.verifiedValidLoss = tta?.keep ? tta.validLoss : state.final!.validLoss;
      const evaluated = tta?.keep ? new FlipAveraged(model, ttaOutputFor(p.task)) : model;
      const t = await evaluateOnTest({ prepared: p, model: evaluated, cost: ctx.plan.cost, metrics: metricsFor(p.task, p.classes), store, modelId: ctx.runId, runId: ctx.runId, validationLoss: state.verifiedValidLoss, baselineLoss: ctx.plan.baseline.loss });
      state.test = t;
      ctx.log({ step: 5, action: 'evaluate once on the sealed test set', reason: `test loss ${t.loss.toPrecision(4)} against validation ${state.verifiedValidLoss.toPrecision(4)}${tta?.keep ? ' (both with flip test-time augmentation)' : ''}${t.warnings.length ? `; ${t.warnings.join('; ')}` : ''}${t.advice ? `; ${t.advice}` : ''}`, numbers: { loss: t.loss, ...t.metrics, evaluations: t.evaluations, validationLoss: state.verifiedValidLoss } });
    } finally {
      model.dispose();
    }
    return { next: 'done' };
  },
};
