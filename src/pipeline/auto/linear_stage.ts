// Stage: the linear reference (step 2, beside the naive baseline), fitted on
// the protocol's split or folds before step 3, its default-split weights kept
// in the run folder; and, before step 5, the choice between it and the deep
// model on the same validation rows (steps/linear_keep.ts).
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { saveSafetensors } from '../../tensor/index.js';
import { fitLinearReference, describeLinearReference, linearMethod, LINEAR_REFERENCE_DEFAULTS } from '../../steps/linear_reference.js';
import { keepLinearReference } from '../../steps/linear_keep.js';
import { measureWeights, type Candidate, type Measured } from '../../steps/protocol_of.js';
import type { Module } from '../../nn/index.js';
import { tuning } from '../../steps/tuning_guard.js';
import type { Stage } from '../runner.js';
import { keepModel, loadModel, type AutoContext, type AutoPhase, type AutoState } from './context.js';

const linearFile = (ctx: Pick<AutoContext, 'runDir'>, i?: number) => join(ctx.runDir, i === undefined ? 'linear.safetensors' : `linear-${i}.safetensors`);

/** The linear reference's time: a tenth of the budget at most (at least 1 s), never more than the default cap. The budget plan counts it. */
export function linearCapSeconds(budgetSeconds: number): number {
  return Math.min(LINEAR_REFERENCE_DEFAULTS.capSeconds, Math.max(1, 0.1 * budgetSeconds));
}

/** Whether the linear stage fits a reference (not on images, not on data-parallel ranks). */
export const fitsLinearReference = (kind: string, parallel: boolean): boolean => !parallel && kind !== 'image';

export const linearStage: Stage<AutoContext, AutoState, AutoPhase> = {
  phase: 'linear',
  async run(ctx, state) {
    const p = ctx.plan.prepared;
    // Data-parallel ranks would each fit it alone; pretrained backbones are images.
    if (!fitsLinearReference(p.kind, Boolean(ctx.parallel))) {
      if (p.kind === 'image') ctx.log({ step: 2, action: 'no linear reference', reason: 'images: a linear model of raw pixels says little about what a convolutional network should reach; the naive baseline stands' });
      return { next: 'step3' };
    }
    ctx.onPhase?.(2, 'the linear reference');
    const capSeconds = linearCapSeconds((ctx.deadlines.share(1) - ctx.deadlines.share(0)) / 1000);
    const r = await tuning(() => fitLinearReference(ctx.protocol, p, { capSeconds, seed: ctx.seed, clock: ctx.clock, onModel: (i, m) => saveSafetensors(linearFile(ctx, i), m.stateDict()) }));
    const chosen = r ? r.penalties.indexOf(r.weightDecay) : -1;
    if (r && existsSync(linearFile(ctx, chosen))) renameSync(linearFile(ctx, chosen), linearFile(ctx));
    for (let i = 0; i < (r?.penalties ?? LINEAR_REFERENCE_DEFAULTS.penalties).length; i++) rmSync(linearFile(ctx, i), { force: true });
    if (!r) {
      ctx.log({ step: 2, action: 'no linear reference', reason: `no penalty finished an epoch within its ${capSeconds.toFixed(0)} s cap` });
      return { next: 'step3' };
    }
    const { measured, ...figures } = r;
    state.linearReference = { ...figures, ...(measured.folds ? { folds: measured.folds } : {}) };
    ctx.log({ step: 2, action: `linear reference: ${r.name}`, reason: `${describeLinearReference(r)}; ${linearMethod({ capSeconds })}; penalties tried: ${r.tried.map((t) => `${t.weightDecay} → ${Number.isFinite(t.validLoss) ? t.validLoss.toPrecision(4) : 'not reached'}`).join(', ')}${ctx.protocol.kind === 'k-fold' ? ` (means over ${ctx.protocol.k} folds)` : ''}`, numbers: { loss: r.loss, trainLoss: r.trainLoss, weightDecay: r.weightDecay, epochs: r.epochs, seconds: r.seconds, converged: r.converged, ...r.metrics } });
    return { next: 'step3' };
  },
};

/** The linear reference's kept weights measured on the default split's validation rows (with row losses), or null without one. */
export async function measureLinearReference(ctx: AutoContext, state: AutoState): Promise<{ candidate: Candidate; measured: Measured; model: Module } | null> {
  const lin = state.linearReference;
  if (!lin || !existsSync(linearFile(ctx))) return null;
  const candidate: Candidate = { spec: lin.spec, weightDecay: lin.weightDecay, augment: false, label: `the linear reference (${lin.name})` };
  const model = loadModel(ctx, lin.spec, linearFile(ctx));
  try {
    return { candidate, measured: await measureWeights(ctx.protocol, model, candidate, 0), model };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * Whether the deep model, as measured on the default split, does not yet beat
 * the linear reference by the rule that keeps it (steps/linear_keep.ts): the
 * time left then goes to the search and to training longer. Null without a
 * reference, or when the figures are not the default split's (folds).
 */
export async function behindLinearReference(ctx: AutoContext, state: AutoState, deep: Measured): Promise<{ behind: boolean; linear: Measured; why: string } | null> {
  if (ctx.protocol.kind !== 'holdout' || !deep.rowLosses) return null;
  const lin = await measureLinearReference(ctx, state);
  if (!lin) return null;
  lin.model.dispose();
  const choice = keepLinearReference(lin.measured, deep, (c, i, k) => ctx.protocol.compare(c as Measured, i as Measured, k), lin.candidate.label);
  return { behind: choice.kept, linear: lin.measured, why: choice.acceptance.why };
}

/**
 * Before step 5: the deep model, after its budget, against the linear
 * reference on the default split's validation rows; the better one is what
 * the run keeps. Runs once (a resumed run keeps the first answer).
 */
export async function keepBetterModel(ctx: AutoContext, state: AutoState): Promise<void> {
  const lin = state.linearReference;
  if (!lin || lin.kept !== undefined || !state.final) return;
  const reference = await measureLinearReference(ctx, state);
  if (!reference) return;
  const { candidate, measured: linear, model: linearModel } = reference;
  const deepModel = loadModel(ctx, state.final.candidate.spec);
  try {
    const deep = await measureWeights(ctx.protocol, deepModel, state.final.candidate, 0);
    const choice = keepLinearReference(linear, deep, (c, i, k) => ctx.protocol.compare(c as typeof deep, i as typeof linear, k), candidate.label);
    ctx.log(choice.decision);
    lin.kept = choice.kept;
    lin.keptReason = choice.decision.reason;
    if (choice.kept) {
      state.final = { candidate, history: [], validLoss: linear.validLoss, trainLoss: linear.trainLoss, metrics: linear.metrics, source: 'linear' };
      keepModel(ctx, linearModel);
    }
  } finally {
    deepModel.dispose();
    linearModel.dispose();
  }
}
