// Before step 5: the kept model fitted again on the training and validation
// rows — the linear reference by its own recipe (steps/refit.ts), a deep
// network on a table by replaying its recipe on the time left
// (steps/deep_refit.ts). The validated weights stay in the run folder beside
// it: the validation figures, the error analysis and the served predictions'
// reference are theirs; the sealed test and serving get the refit. Runs once
// (a resumed run keeps the first answer).
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { withValidationRows } from '../../data/refit.js';
import type { Module } from '../../nn/index.js';
import { linearRefitBlocked, linearRefitSeconds, refitLinear } from '../../steps/refit.js';
import { deepRefitRule, deepRefitStands, epochsToBest, expectedRefitGain, refitDeep, replayAndRefitSeconds, replayReproduces } from '../../steps/deep_refit.js';
import { measureWeights } from '../../steps/protocol_of.js';
import { tuning } from '../../steps/tuning_guard.js';
import { keepModel, loadModel, meanEpochSeconds, step3EpochSeconds, weightsFile, type AutoContext, type AutoState, type KeptModel } from './context.js';

/** The kept model's weights as validated, when a refit replaced them in best.safetensors. */
export const validatedFile = (ctx: Pick<AutoContext, 'runDir'>) => join(ctx.runDir, 'validated.safetensors');

/** The refit becomes the kept model; the validated weights move beside it. */
function keepRefit(ctx: AutoContext, model: Module): void {
  copyFileSync(weightsFile(ctx), validatedFile(ctx));
  keepModel(ctx, model);
}

/** Share of the budget by which a refit must end (the report and interpretation follow). */
const REFIT_END_SHARE = 0.96;

/** Seconds the final training leaves for the refit: the linear reference's expected refit time; 0 without one (images). */
export function refitReserveSeconds(ctx: Pick<AutoContext, 'plan'>, state: Pick<AutoState, 'linearReference'>): number {
  const lin = state.linearReference;
  const c = ctx.plan.prepared.counts;
  return lin ? linearRefitSeconds(lin, c.train, c.validation) : 0;
}

export async function refitKeptModel(ctx: AutoContext, state: AutoState): Promise<void> {
  if (state.refit || !state.final || ctx.parallel) return;
  if (state.final.source === 'linear') return refitLinearReference(ctx, state);
  return refitDeepModel(ctx, state, state.final);
}

async function refitLinearReference(ctx: AutoContext, state: AutoState): Promise<void> {
  const lin = state.linearReference;
  if (!lin?.kept) return;
  const p = ctx.plan.prepared;
  const joined = withValidationRows(p);
  if (!joined) return;
  const deadline = Math.max(ctx.deadlines.final, ctx.deadlines.share(REFIT_END_SHARE));
  const expected = refitReserveSeconds(ctx, state);
  const left = (deadline - ctx.clock()) / 1000;
  const action = 'refit the kept linear reference on the training and validation rows';
  const blocked = linearRefitBlocked(lin);
  if (blocked) {
    state.refit = { model: 'linear', kept: false, rows: joined.counts.train, epochs: 0, seconds: 0, trainLoss: null, reason: blocked };
    ctx.log({ step: 4, action: `do not ${action}`, reason: blocked, numbers: { weightDecay: lin.weightDecay } });
    return;
  }
  if (expected > left) {
    const why = `too little time: about ${expected.toFixed(1)} s needed, ${Math.max(0, left).toFixed(1)} s left before the report; the validated weights stand`;
    state.refit = { model: 'linear', kept: false, rows: joined.counts.train, epochs: 0, seconds: 0, trainLoss: null, reason: why };
    ctx.log({ step: 4, action: `do not ${action}`, reason: why, numbers: { expectedSeconds: expected, secondsLeft: left } });
    return;
  }
  ctx.onPhase?.(4, action);
  const validated = loadModel(ctx, lin.spec);
  let r: ReturnType<typeof refitLinear>;
  try {
    r = await tuning(async () => refitLinear(joined, lin, ctx.plan.cost, { validated, deadline, clock: ctx.clock }));
  } finally {
    validated.dispose();
  }
  const { model, why, iterations, ...figures } = r;
  if (model) {
    try {
      keepRefit(ctx, model);
    } finally {
      model.dispose();
    }
  }
  state.refit = { model: 'linear', kept: Boolean(model), ...figures, epochs: 0, trainLoss: Number.isFinite(r.trainLoss) ? r.trainLoss : null, reason: why };
  ctx.log({ step: 4, action: model ? action : `keep the validated linear reference (the refit did not complete)`, reason: why, numbers: { rows: r.rows, iterations, seconds: r.seconds, trainLoss: r.trainLoss, expectedSeconds: expected } });
}

/** Epochs the kept weights trained, counting those of the weights they continued from: what a deep refit replays. */
export function keptEpochs(state: Pick<AutoState, 'step3'>, kept: KeptModel): number {
  if (kept.epochs !== undefined) return kept.epochs;
  return epochsToBest(kept.history, kept.source === 'step3' ? state.step3?.best : null);
}

async function refitDeepModel(ctx: AutoContext, state: AutoState, kept: KeptModel): Promise<void> {
  const p = ctx.plan.prepared;
  const pr = ctx.protocol;
  const joined = withValidationRows(p);
  if (!joined || !state.step3 || pr.kind !== 'holdout') return;
  const s3 = state.step3;
  const epochs = keptEpochs(state, kept);
  const measured = kept.history.filter((e) => e.seconds > 0);
  const epochSeconds = measured.length ? meanEpochSeconds(measured) : step3EpochSeconds(state);
  const expected = replayAndRefitSeconds(epochs, epochSeconds, p.counts.train, p.counts.validation);
  const deadline = ctx.deadlines.final;
  const left = (deadline - ctx.clock()) / 1000;
  const choice = deepRefitRule({ epochs, expectedSeconds: expected, secondsLeft: left, learningCurve: state.ladder?.learningCurve });
  const action = 'refit the kept deep model on the training and validation rows';
  const numbers = { epochs, expectedSeconds: expected, secondsLeft: left, epochSeconds };
  const record = (reason: string) => {
    state.refit = { model: 'deep', kept: false, rows: joined.counts.train, epochs: 0, seconds: 0, trainLoss: null, reason };
    ctx.log({ step: 4, action: `do not ${action}`, reason, numbers });
  };
  if (!choice.refit) return record(choice.why);
  ctx.onPhase?.(4, action);
  const recipe = { spec: kept.candidate.spec, weightDecay: kept.candidate.weightDecay, optimizer: s3.optimizer, lr: s3.lr, batchSize: s3.batchSize ?? 64, epochs };
  // The refit cannot be checked on held-out rows; its recipe can: replayed on the training rows alone, it must reproduce the validated model.
  const replay = await tuning(() => refitDeep(p, recipe, ctx.plan.cost, { seed: ctx.seed, deadline, clock: ctx.clock }));
  if (!replay.fit) return record(`${choice.why}; the replay on the training rows alone did not complete (${replay.why})`);
  let reproduced: ReturnType<typeof replayReproduces>;
  try {
    const own = await measureWeights(pr, replay.fit.model, kept.candidate, epochs - 1);
    reproduced = replayReproduces(own.validLoss, kept.validLoss, expectedRefitGain(state.ladder?.learningCurve?.curve, p.counts.train, p.counts.validation));
  } finally {
    replay.fit.dispose();
  }
  if (!reproduced.ok) return record(`${choice.why}; ${reproduced.why}`);
  const r = await tuning(() => refitDeep(joined, recipe, ctx.plan.cost, { seed: ctx.seed, deadline, clock: ctx.clock }));
  const { fit, ...figures } = r;
  let why = `${choice.why}; ${reproduced.why}; ${r.why}`;
  let stands = false;
  if (fit) {
    try {
      // The refit has seen the validation rows: it must fit them better than the validated model, which never saw them.
      const seen = await measureWeights(pr, fit.model, kept.candidate, epochs - 1);
      stands = deepRefitStands(seen.validLoss, kept.validLoss);
      why += stands
        ? `; it fits the validation rows it trained on better than the validated model, which never saw them (loss ${seen.validLoss.toPrecision(4)} against ${kept.validLoss.toPrecision(4)}); the choice was made on validation, and the shipped model learns from every row the sealed test does not hold — its validation figures stay the validated model's`
        : `; it fits the validation rows it trained on no better than the validated model, which never saw them (loss ${seen.validLoss.toPrecision(4)} against ${kept.validLoss.toPrecision(4)}): it did not train as the validated one did, and the validated weights stand`;
      if (stands) keepRefit(ctx, fit.model);
    } finally {
      fit.dispose();
    }
  }
  state.refit = { model: 'deep', kept: stands, ...figures, trainLoss: Number.isFinite(r.trainLoss) ? r.trainLoss : null, reason: why };
  ctx.log({ step: 4, action: stands ? action : 'keep the validated deep model (the refit did not stand)', reason: why, numbers: { ...numbers, rows: r.rows, seconds: r.seconds, trainLoss: r.trainLoss } });
}

