// The autopilot: steps 3 → 5 within a time budget, as a pipeline of stages —
// plan the budget → the linear reference (step 2) → fit the training set → the step-3 search and verdict →
// the regularization ladder → the final training → the better of the deep
// model and the linear reference → the sealed test — each a
// module that owns its decisions and writes its typed result into the run's
// state. The runner saves the state after every stage, so an interrupted run
// resumes at the stage it was in. Folds, images and pretrained weights are
// choices of the protocol and the model, read by the stages; what a finished
// run produces (model directory, report, summary) is the artefacts stage's
// (artefacts.ts), run by the library entry (pipeline/auto.ts).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Module } from '../../nn/index.js';
import type { Callback } from '../../train/index.js';
import type { Store } from '../../store/index.js';
import type { ImageAugmentConfig } from '../../data/index.js';
import type { FoldSet } from '../../data/folds.js';
import type { TorchvisionArch } from '../../models/index.js';
import { objective as lossObjective, type Objective } from '../../metrics/index.js';
import type { SplitRecord } from '../../protocol/index.js';
import type { Plan } from '../../steps/plan.js';
import type { Decision } from '../../steps/decisions.js';
import type { Parallel } from '../../steps/parallel.js';
import { planBudget } from '../../steps/budget_phases.js';
import { archOfWeights, type BackboneInput } from '../../steps/fine_tune.js';
import { protocolFor } from '../../steps/protocol_of.js';
import { planWithTextEncoders, TEXT_ENCODER_SHARE } from '../../steps/text_encoder_choice.js';
import { decisionLog, runStages, saveState } from '../runner.js';
import { readJsonFile } from '../../files/index.js';
import { AUTOPILOT_BUDGET, Deadlines, loadModel, weightsFile, type AutoContext, type AutopilotBudget, type AutoState } from './context.js';
import { linearStage, linearCapSeconds, fitsLinearReference } from './linear_stage.js';
import { step3Stage } from './step3_stage.js';
import { searchStage } from './search_stage.js';
import { ladderStage } from './ladder_stage.js';
import { finalStage } from './final_stage.js';
import { sealedTestStage } from './sealed_test_stage.js';
import { validatedFile } from './refit_stage.js';

/** The stages in order; the state's phase says which runs next. */
export const AUTOPILOT_STAGES = [linearStage, step3Stage, searchStage, ladderStage, finalStage, sealedTestStage] as const;

export interface AutopilotOptions {
  plan: Plan;
  /** Which rows the run uses (protocol/split_record.ts): kept in its state and configuration. */
  split: SplitRecord;
  /** Where decisions and the test evaluation go; null on data-parallel ranks other than 0 (they write nothing there and skip step 5). */
  store: Store | null;
  runId: string;
  /** Folder for this run's state, checkpoints and plots. */
  runDir: string;
  /** Minutes of wall time for the whole command (from `startedAt`); default 10 (tables finish far sooner). */
  budgetMinutes?: number;
  /** When the command started, on `clock`'s scale (process start: data loading counts); default: when the autopilot starts. */
  startedAt?: number;
  seed?: number;
  /** Extra callbacks for every fit (progress, interruption). */
  callbacks?: Callback[];
  onDecision?: (d: Decision) => void;
  /** Called when a phase starts, for progress output. */
  onPhase?: (step: number, title: string) => void;
  /** Whether an interruption was requested (the run then stops after the stage). Data-parallel: the same answer on every rank. */
  interrupted?: () => boolean;
  /** Train every fit data-parallel; every rank runs the autopilot with the same options. */
  parallel?: Parallel;
  /** ms since epoch; data-parallel ranks pass one agreed clock, so budget decisions match. Default Date.now. */
  clock?: () => number;
  /** How the time budget is shared out (defaults: AUTOPILOT_BUDGET). */
  budget?: Partial<AutopilotBudget>;
  /** Images: step 3 fine-tunes this torchvision-named backbone (steps/fine_tune.ts) instead of training the proposal from scratch. */
  pretrained?: { file: string; arch?: TorchvisionArch; input?: BackboneInput; freezeEpochs?: number };
  /** Images: the transforms step 4 may use (data/augment_choice.ts); null: none. Default every transform. */
  augment?: ImageAugmentConfig | null;
  /** The optimising metric: what "best" means for KeepBest, the ladder and the final choice. Default: validation loss. */
  objective?: Objective;
  /** Tables: k cross-validation folds of the non-test rows (data/folds.ts): the decisions follow the k-fold protocol. */
  folds?: FoldSet;
}

export interface AutopilotResult {
  state: AutoState;
  /** The kept model (the best so far), or null when none was trained: what step 5 tested and serving runs. */
  model: Module | null;
  /** When a refit on the training and validation rows replaced it: the weights as validated (their validation figures hold); otherwise null. */
  validated: Module | null;
  /** Releases the model. */
  dispose(): void;
}

export async function runAutopilot(o: AutopilotOptions): Promise<AutopilotResult> {
  const p = o.plan.prepared;
  mkdirSync(o.runDir, { recursive: true });
  const stateFile = join(o.runDir, 'state.json');
  const state: AutoState = existsSync(stateFile) ? readJsonFile<AutoState>(stateFile, 'the saved state of this auto run (--resume cannot continue it; run auto without --resume)') : { phase: 'linear', decisions: [] };
  state.split ??= o.split;
  const logged = decisionLog(state, { store: o.store, runId: o.runId, onDecision: o.onDecision });
  // The budget is planned before the linear reference (step 2) runs, but its decisions are step 3's:
  // held until the first decision past step 2, so the run's decisions read in step order.
  const held: Decision[] = [];
  const release = () => held.splice(0).forEach((d) => logged(d));
  const log = (d: Decision) => {
    if (d.step > 2) release();
    logged(d);
  };
  const holdLog = (d: Decision) => void held.push(d);
  const clock = o.clock ?? Date.now;
  const start = o.startedAt ?? clock();
  const budgetMs = (o.budgetMinutes ?? 10) * 60_000;
  const shares: AutopilotBudget = { ...AUTOPILOT_BUDGET, ...o.budget };
  const seed = o.seed ?? 0;
  // Text encoders measured where the text statistics leave them open (steps/text_encoder_choice.ts); a resumed run keeps its own.
  const encoders = await planWithTextEncoders(o.plan, { chosen: state.textEncoders, measure: (state.phase === 'linear' || state.phase === 'step3') && !o.parallel, seconds: (budgetMs * TEXT_ENCODER_SHARE) / 1000, seed, clock, callbacks: o.callbacks, log });
  const plan = encoders.plan;
  state.textEncoders = encoders.chosen;
  // The budget plan: measured epoch time → phases that complete in their time. Data-parallel ranks would
  // measure different times and plan different epochs, and a resumed run is past it: they keep the share deadlines.
  let planned: ConstructorParameters<typeof Deadlines>[4] = null;
  if ((state.phase === 'linear' || state.phase === 'step3') && !o.parallel) {
    const planStart = clock();
    // The linear reference runs after this plan, before step 3: its cap is planned in, and the phases count from its end.
    const linearSeconds = state.phase === 'linear' && fitsLinearReference(p.kind, false) ? linearCapSeconds(budgetMs / 1000) : 0;
    const phases = await planBudget({ prepared: p, spec: plan.proposal.spec, cost: plan.cost, totalSeconds: budgetMs / 1000, elapsedSeconds: (planStart - start) / 1000, linearSeconds, epochCap: shares.epochCap[p.kind], step3Share: shares.step3Share[p.kind], ladderShare: shares.ladderShare[p.kind], defaultBatchSize: p.kind === 'image' ? 128 : 64, seed, log: holdLog });
    // The plan's phase ends count from when it was made: its own timing runs are already spent (budget_phases.ts).
    planned = { phases, at: clock() + linearSeconds * 1000 };
  }
  const pre = o.pretrained ? { ...o.pretrained, arch: o.pretrained.arch ?? archOfWeights(o.pretrained.file) ?? undefined } : null;
  const stopped = () => o.interrupted?.() ?? false;
  const ctx: AutoContext = {
    plan,
    protocol: protocolFor(plan, state.split, o.folds),
    store: o.store,
    runId: o.runId,
    runDir: o.runDir,
    seed,
    objective: o.objective ?? lossObjective('loss'),
    shares,
    deadlines: new Deadlines(start, budgetMs, shares, p.kind, planned),
    startedAt: start,
    plannedBatchSize: planned?.phases.batchSize ?? null,
    plannedStep3: planned ? { epochs: planned.phases.step3.epochs, finderIterations: planned.phases.finderIterations } : null,
    clock,
    callbacks: o.callbacks ?? [],
    parallel: o.parallel,
    pretrained: pre,
    augment: o.augment,
    log,
    onPhase: o.onPhase,
    stopped,
  };
  try {
    await runStages(AUTOPILOT_STAGES, ctx, state, { save: (s) => saveState(stateFile, s), stopped });
  } finally {
    release();
  }
  const spec = state.final?.candidate.spec;
  const model = spec && existsSync(weightsFile(ctx)) ? loadModel(ctx, spec) : null;
  const validated = spec && model && state.refit?.kept && existsSync(validatedFile(ctx)) ? loadModel(ctx, spec, validatedFile(ctx)) : null;
  return {
    state,
    model,
    validated,
    dispose: () => {
      model?.dispose();
      validated?.dispose();
    },
  };
}
