// Before step 5: the kept linear reference fitted again on the training and
// validation rows (steps/refit.ts). Its validated weights stay in the run
// folder beside it: the validation figures, the error analysis and the
// served predictions' reference are theirs; the sealed test and serving get
// the refit. Runs once (a resumed run keeps the first answer).
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { withValidationRows } from '../../data/refit.js';
import { linearRefitSeconds, refitLinear } from '../../steps/refit.js';
import { tuning } from '../../steps/tuning_guard.js';
import { keepModel, weightsFile, type AutoContext, type AutoState } from './context.js';

/** The kept model's weights as validated, when a refit replaced them in best.safetensors. */
export const validatedFile = (ctx: Pick<AutoContext, 'runDir'>) => join(ctx.runDir, 'validated.safetensors');

/** Share of the budget by which a refit must end (the report and interpretation follow). */
const REFIT_END_SHARE = 0.96;

/** Seconds the final training leaves for the refit: the linear reference's expected refit time; 0 without one (images). */
export function refitReserveSeconds(ctx: Pick<AutoContext, 'plan'>, state: Pick<AutoState, 'linearReference'>): number {
  const lin = state.linearReference;
  const c = ctx.plan.prepared.counts;
  return lin ? linearRefitSeconds(lin, c.train, c.validation) : 0;
}

export async function refitKeptModel(ctx: AutoContext, state: AutoState): Promise<void> {
  const lin = state.linearReference;
  if (state.refit || !lin?.kept || state.final?.source !== 'linear' || ctx.parallel) return;
  const p = ctx.plan.prepared;
  const joined = withValidationRows(p);
  if (!joined) return;
  const deadline = Math.max(ctx.deadlines.final, ctx.deadlines.share(REFIT_END_SHARE));
  const expected = refitReserveSeconds(ctx, state);
  const left = (deadline - ctx.clock()) / 1000;
  const action = 'refit the kept linear reference on the training and validation rows';
  if (expected > left) {
    const why = `too little time: about ${expected.toFixed(1)} s needed, ${Math.max(0, left).toFixed(1)} s left before the report; the validated weights stand`;
    state.refit = { kept: false, rows: joined.counts.train, epochs: 0, seconds: 0, trainLoss: null, reason: why };
    ctx.log({ step: 4, action: `do not ${action}`, reason: why, numbers: { expectedSeconds: expected, secondsLeft: left } });
    return;
  }
  ctx.onPhase?.(4, action);
  const r = await tuning(() => refitLinear(joined, lin, ctx.plan.cost, { trainRows: p.counts.train, seed: ctx.seed, deadline, clock: ctx.clock }));
  const { fit, why, ...figures } = r;
  if (fit) {
    try {
      copyFileSync(weightsFile(ctx), validatedFile(ctx));
      keepModel(ctx, fit.model);
    } finally {
      fit.dispose();
    }
  }
  state.refit = { kept: Boolean(fit), ...figures, trainLoss: Number.isFinite(r.trainLoss) ? r.trainLoss : null, reason: why };
  ctx.log({ step: 4, action: fit ? action : `keep the validated linear reference (the refit did not complete)`, reason: why, numbers: { rows: r.rows, epochs: r.epochs, seconds: r.seconds, trainLoss: r.trainLoss, expectedSeconds: expected } });
}
