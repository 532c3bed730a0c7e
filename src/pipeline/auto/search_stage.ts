// Stage: the step-3 random search, then step 3's verdict. Under folds the
// basic recipe is first measured on every fold (the figures every later
// decision reads). A basic recipe that leaves a bias gap (or no signal) gets
// the playbook's random search before any verdict on the data, when a trial
// fits in the time left; its best trial is adopted only when the protocol's
// comparison — paying for the trials it was chosen among — says it beats the
// basic recipe. Then the one verdict (fitVerdict): fitted or a bias gap goes
// on; no signal, or undecided (the model had no fair chance to fit), stops.
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { tuning } from '../../steps/tuning_guard.js';
import { fitVerdict, budgetToJudge } from '../../steps/diagnosis.js';
import { foldStep3Decision } from '../../steps/cross_validation.js';
import { foldSearchPlan } from '../../steps/budget_plan.js';
import { step3Search, searchTrialEpochs, STEP3_SEARCH_TRIALS } from '../../steps/step3_search.js';
import { describeSpread } from '../../protocol/index.js';
import type { FitRecipe, Measured } from '../../steps/protocol_of.js';
import { standingAgainstLinear, verdictWithLinear } from '../../steps/linear_keep.js';
import { behindLinearReference } from './linear_stage.js';
import type { LinearFit } from '../../steps/bias_rule.js';
import type { Stage } from '../runner.js';
import { startCandidate, step3EpochSeconds, weightsFile, type AutoContext, type AutoPhase, type AutoState } from './context.js';

/** The linear reference's training fit, when the run has one: the bias rule's second line. */
function linearFit(state: AutoState): LinearFit | null {
  const lin = state.linearReference;
  return lin && Number.isFinite(lin.trainLoss) ? { trainLoss: lin.trainLoss, name: lin.name } : null;
}

/** The basic recipe as step 3 settled it. */
function basicRecipe(ctx: AutoContext, state: AutoState): FitRecipe {
  const s3 = state.step3!;
  return { optimizer: s3.optimizer, lr: s3.lr, epochs: s3.epochs, batchSize: s3.batchSize, seed: ctx.seed, objective: ctx.objective, callbacks: ctx.callbacks, step: 3, parallel: ctx.parallel };
}

/** What the decisions read for the start configuration: on folds, the recipe trained on every fold (measured once). */
async function judgedStart(ctx: AutoContext, state: AutoState): Promise<Measured> {
  if (state.judged) return state.judged;
  const pr = ctx.protocol;
  const s3 = state.step3!;
  const kept = state.final!;
  const start = startCandidate(ctx, state);
  const judged = await tuning(() => pr.score(start, basicRecipe(ctx, state), { candidate: start, trainLoss: kept.trainLoss, validLoss: kept.validLoss, metrics: kept.metrics, epoch: s3.best?.epoch ?? 0 }));
  if (pr.kind === 'k-fold') {
    state.cv = { k: pr.k, rows: pr.split.folds!.rows, baseline: pr.baseline, step3: judged };
    ctx.log(foldStep3Decision({ k: pr.k, rows: pr.split.folds!.rows, optimizer: s3.optimizer, lr: s3.lr, epochs: s3.epochs, measured: judged, baseline: pr.baseline }));
  }
  state.judged = judged;
  return judged;
}

export const searchStage: Stage<AutoContext, AutoState, AutoPhase> = {
  phase: 'search',
  async run(ctx, state) {
    const p = ctx.plan.prepared;
    const pr = ctx.protocol;
    const pre = ctx.pretrained;
    const clock = ctx.clock;
    const judged = await judgedStart(ctx, state);
    if (ctx.stopped()) return { next: 'search' };
    const baseline = pr.baseline;
    // The basic recipe is not fitted (a bias gap, no signal, or undecided): the playbook's random search comes before any verdict on the data.
    const s3 = state.step3!;
    // Against the linear reference too: a deep model that fits the training set no better than it has a bias gap.
    const linear = linearFit(state);
    const early = fitVerdict(baseline, judged, { evidence: s3.evidence, linear });
    const searchEnds = ctx.deadlines.search;
    const trialEpochs = searchTrialEpochs({ epochCap: ctx.shares.epochCap[p.kind], step3Epochs: s3.epochs, stepsPerEpoch: s3.evidence?.stepsPerEpoch });
    const epochSeconds = step3EpochSeconds(state);
    // Fitted, but not yet beating the linear reference on validation: the time left goes to the search as well.
    const standing = !pre && early.verdict === 'fitted' ? await behindLinearReference(ctx, state, judged) : null;
    const behind = standing?.behind ?? false;
    state.behindLinear = behind;
    const wanted = !pre && (early.verdict !== 'fitted' || behind);
    const leaves = early.verdict === 'bias-gap' ? 'a bias gap' : early.verdict === 'undecided' ? 'the verdict undecided' : early.verdict === 'fitted' ? 'a model that does not beat the linear reference' : 'no signal';
    const why = behind ? `the basic recipe fits the training set but does not beat the linear reference on validation (${standing!.why}); the deep model must earn its place, so the time left searches for one that does.` : `the basic recipe's verdict: ${early.message}`;
    // Holdout: only when at least one trial fits in the time left (at the step-3 epoch time). Folds: as many trials as fit (budget_plan.ts).
    const foldPlan = wanted && pr.kind === 'k-fold' ? foldSearchPlan({ secondsLeft: (searchEnds - clock()) / 1000, epochSeconds, trialEpochs, k: pr.k, foldTrainRows: pr.views[0].prepared.counts.train, trainRows: p.counts.train, maxTrials: STEP3_SEARCH_TRIALS }) : null;
    const fits = foldPlan ? foldPlan.trials > 0 : clock() + epochSeconds * trialEpochs * 1000 < searchEnds;
    if (wanted && !fits) {
      ctx.log({ step: 3, action: 'skip the random search: time budget', reason: `the basic recipe leaves ${leaves}, but ${foldPlan ? `no trial on ${pr.k} folds fits: ${foldPlan.arithmetic}` : `one trial (${trialEpochs} epochs of about ${epochSeconds.toFixed(1)} s) does not fit in the ${Math.max(0, Math.round((searchEnds - clock()) / 1000))} s left for it`}; a larger --budget allows it`, numbers: { epochSeconds, trialEpochs, ...(foldPlan ? { k: pr.k, perTrialSeconds: foldPlan.perTrialSeconds, refitSeconds: foldPlan.refitSeconds } : {}) } });
    }
    let current = judged;
    if (wanted && fits) {
      ctx.onPhase?.(3, behind ? 'random search (the basic recipe does not beat the linear reference)' : 'random search (the basic recipe did not fit the training set)');
      const foldNote = pr.kind === 'k-fold' ? `; each trial trains on the ${pr.k} folds and is scored by its mean` : '';
      ctx.log({ step: 3, action: 'random search over width, depth, batch size and learning rate', reason: `${why} The playbook tunes at random, never on a grid, before blaming the data${foldNote}`, numbers: { fit: early.fit, trainLoss: judged.trainLoss, validLoss: judged.validLoss, baselineLoss: baseline.loss, secondsLeft: Math.round((searchEnds - clock()) / 1000) } });
      if (foldPlan?.cut) ctx.log({ step: 3, action: `cut the search to ${foldPlan.trials} trial(s): --folds`, reason: `${foldPlan.arithmetic}; the search's budget is ${STEP3_SEARCH_TRIALS} trials`, numbers: { trials: foldPlan.trials, of: STEP3_SEARCH_TRIALS, k: pr.k, perTrialSeconds: foldPlan.perTrialSeconds, refitSeconds: foldPlan.refitSeconds, secondsLeft: (searchEnds - clock()) / 1000 } });
      const searchFile = join(ctx.runDir, 'search-best.safetensors');
      const start = startCandidate(ctx, state);
      const found = await tuning(() =>
        step3Search({ protocol: pr, base: start.spec, recipe: { ...basicRecipe(ctx, state), epochs: trialEpochs }, trials: foldPlan?.trials, deadline: searchEnds - (foldPlan?.refitSeconds ?? 0) * 1000, clock, incumbent: judged, weightsFile: searchFile, onDecision: ctx.log }),
      );
      const w = found.best;
      const spreads = w && pr.kind === 'k-fold' ? ` (mean over ${pr.k} folds ${describeSpread(w.measured.folds!.validLoss)} against the basic recipe's ${describeSpread(judged.folds!.validLoss)})` : '';
      const trials = found.trials.length;
      if (w && found.acceptance?.accept && w.defaultSplit) {
        const label = `searched: hidden ${w.spec.family === 'tabular' ? `[${w.spec.options.hidden.join(', ')}]` : 'as proposed'}, batch ${w.batchSize}, learning rate ${w.lr.toExponential(2)}`;
        state.start = { spec: w.spec, lr: w.lr, batchSize: w.batchSize, label };
        s3.lr = w.lr;
        s3.batchSize = w.batchSize;
        const candidate = startCandidate(ctx, state);
        // The model kept is the trial's configuration trained on the default split (its figures there); the protocol's figures go on deciding.
        const own = w.defaultSplit;
        state.final = { candidate, history: state.final!.history, validLoss: own.validLoss, trainLoss: own.trainLoss, metrics: own.metrics, source: 'step3', epochs: Math.min(trialEpochs, own.epoch + 1) };
        current = { ...w.measured, candidate };
        if (state.cv) state.cv.step3 = current;
        renameSync(searchFile, weightsFile(ctx));
        ctx.log({ step: 3, action: `adopt the search's best trial (${label})`, reason: `${trials} trial(s); ${found.acceptance.why}${spreads}`, numbers: { trials, params: w.params, validLoss: w.measured.validLoss, gain: found.acceptance.gain, z: found.acceptance.z, zNeeded: found.acceptance.zNeeded, k: found.acceptance.k, ...pr.numbers(w.measured) } });
      } else {
        ctx.log({ step: 3, action: 'keep the basic recipe', reason: `${trials} trial(s)${w && found.acceptance ? `; the best did not beat it clearly (${found.acceptance.why}${spreads})` : '; none completed'}`, numbers: { trials, best: w?.measured.validLoss ?? null, ...(w ? pr.numbers(w.measured) : {}) } });
      }
    }
    state.judged = current;
    // One verdict, quoted by the decision, the summary, the exit code and `doctor`; an adopted trial is judged on how it trained.
    const searched = state.start ? { epochs: trialEpochs, lr: state.start.lr } : null;
    const evidence = s3.evidence && searched ? { ...s3.evidence, ...searched } : (s3.evidence ?? null);
    const judgeBudget = evidence ? budgetToJudge(evidence, { secondsBeforeStep3: s3.secondsBeforeStep3 ?? 0, step3Share: ctx.shares.step3Share[p.kind], epochCap: ctx.shares.epochCap[p.kind] }) : null;
    // A deep model with no signal where the linear reference has some is unfitted, not proof the inputs are empty.
    const read = verdictWithLinear(fitVerdict(baseline, current, { evidence, budget: judgeBudget, linear }), baseline, state.linearReference);
    state.verdict = read.verdict;
    const v = state.verdict;
    const foldNote = current.folds ? ` (means over ${pr.k} folds: validation ${describeSpread(current.folds.validLoss)}, training ${describeSpread(current.folds.trainLoss)}, baseline ${describeSpread(baseline.folds!)})` : '';
    ctx.log({ step: 3, action: v.action, reason: `${v.message}${standingAgainstLinear(current.validLoss, state.linearReference?.loss)}${foldNote}`, numbers: { verdict: v.verdict, baseline: baseline.loss, trainLoss: current.trainLoss, validLoss: current.validLoss, improvement: v.improvement, fit: v.fit, ...(v.budget ? { budgetMinutes: v.budget.minutes } : {}), ...(current.folds ? { folds: { k: pr.k, validLoss: current.folds.validLoss, trainLoss: current.folds.trainLoss, baselineLoss: baseline.folds } } : {}) } });
    if (v.verdict === 'no-signal' || v.verdict === 'undecided') return { next: 'done' };
    if (pre) {
      // The ladder's probes train from scratch, which would throw the pretrained features away.
      ctx.log({ step: 4, action: 'keep the fine-tuned model; no regularization ladder', reason: 'the ladder probes candidates trained from scratch, which would discard the pretrained features; the frozen-then-differential recipe is the regularization here', numbers: { validLoss: state.final!.validLoss, trainLoss: state.final!.trainLoss } });
      return { next: 'step5' };
    }
    return { next: 'step4' };
  },
};
