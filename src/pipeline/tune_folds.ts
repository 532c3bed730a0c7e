// `sixstep tune --folds k`: each trial is trained on every cross-validation
// fold through the k-fold protocol and scored by the mean over the folds of
// its optimising figure (its spread kept with the trial's run). The median
// rule watches fold 1's curve — every trial's fold 1 holds the same rows, so
// curves compare like with like — and a trial it stops trains no further
// folds. Worker processes receive --folds with the rest of the command line
// and deal the same folds (same split manifest, same seed); each trial records
// the folds' fingerprint so this is checked. No trial keeps a model: after the
// search the best trial's configuration is trained once on the default split,
// and that is the model.
import type { TrialParams } from '../search/index.js';
import { CancelFit, type Callback, type Learner } from '../train/index.js';
import type { Objective } from '../metrics/index.js';
import { describeSpread, foldSpread, type FoldSpread, type Measured } from '../protocol/index.js';
import { foldFinalModel } from '../steps/cross_validation.js';
import { fitModel, type OptimizerKind } from '../steps/fit.js';
import { specFor } from '../steps/search_space.js';
import type { Decision } from '../steps/decisions.js';
import type { PlaybookProtocol } from '../steps/protocol_of.js';
import { saveRunModel } from './artefacts.js';
import type { ProjectPlan } from './project.js';
import { endRunOnError } from './end_run.js';
import { StoreSink } from './store_sink.js';

/** What a trial on folds keeps in its run's summary. */
export interface TrialFolds {
  k: number;
  fingerprint: string;
  /** The trial's value (the optimising figure, minimised) on each fold: mean, min–max, sd. */
  value: FoldSpread;
  validLoss: FoldSpread;
  metrics: Record<string, FoldSpread>;
  /** The median rule watched fold 1 only. */
  curve: 'fold 1';
}

export interface FoldTrialOptions {
  plan: ProjectPlan;
  /** The k-fold protocol (steps/protocol_of.ts protocolFor with folds). */
  folds: PlaybookProtocol;
  params: TrialParams;
  optimizer: OptimizerKind;
  epochs: number;
  seed: number;
  objective: Objective;
  /** ctx.report of the search: true when the median rule stops the trial. */
  report: (epoch: number, value: number) => boolean;
  /** For fold 1 only (the trial's curve in the store). */
  sink: Callback;
  callbacks: Callback[];
  label: string;
  onDecision: (d: Decision) => void;
}

/** One trial on every fold; `pruned` when the median rule stopped it on fold 1 (or an interruption on any fold). */
export async function foldTrial(o: FoldTrialOptions): Promise<{ value: number; pruned: boolean; folds: TrialFolds | null }> {
  const figure = (e: { validLoss: number | null; metrics: Record<string, number> }) => {
    const v = o.objective.read(e);
    return v === null ? NaN : o.objective.minimised(v);
  };
  const pruner: Callback = {
    order: 95,
    afterEpoch: (l: Learner) => {
      const e = l.lastEpoch;
      if (e && o.report(l.epoch, figure(e))) throw new CancelFit();
    },
  };
  const candidate = { spec: specFor(o.plan.proposal.spec, o.params), weightDecay: 0, augment: false, label: o.label };
  const recipe = { optimizer: o.optimizer, lr: o.params.learningRate ?? 1e-3, epochs: o.epochs, batchSize: o.params.batchSize, seed: o.seed, objective: o.objective, callbacks: o.callbacks, step: 3 as const, onDecision: o.onDecision };
  const m = await o.folds.train(candidate, recipe, { firstViewCallbacks: [pruner, o.sink] });
  if (m.cut) return { value: figure(m.perView.at(-1)!), pruned: true, folds: null };
  const value = foldSpread(m.perView.map((v: Measured) => figure(v)));
  return { value: value.mean, pruned: false, folds: { k: o.folds.k, fingerprint: o.folds.split.folds!.fingerprint, value, validLoss: m.folds!.validLoss, metrics: m.folds!.metrics ?? {}, curve: 'fold 1' } };
}

/** The value as the study shows it: "loss" or "1 − accuracy" … */
const valueName = (obj: Objective) => (obj.metric === 'loss' ? 'loss' : obj.direction === 'max' ? `1 − ${obj.metric}` : obj.metric);

/**
 * After a search on folds: the best trial's configuration trained on the
 * default split (a run of kind 'fit'), saved as the study's model, with the
 * decisions that say which trial the folds chose (mean and spread) and what
 * the model is.
 */
export async function trainChosenTrial(o: { plan: ProjectPlan; folds: PlaybookProtocol; trial: { number: number; params: TrialParams; value: number; runId: string | null }; study: string; optimizer: OptimizerKind; epochs: number; seed: number; objective: Objective; callbacks: Callback[] }): Promise<{ runId: string; model: string; decisions: Decision[]; folds: TrialFolds | null }> {
  const p = o.plan;
  const k = o.folds.k;
  const recorded = o.trial.runId ? ((p.store.getRun(o.trial.runId)?.summary as { folds?: TrialFolds } | null)?.folds ?? null) : null;
  const spec = specFor(p.proposal.spec, o.trial.params);
  const seed = o.seed + o.trial.number;
  const run = p.store.createRun({ kind: 'fit', config: { study: o.study, trial: o.trial.number, params: o.trial.params, folds: k, seed, epochs: o.epochs, optimizer: o.optimizer, data: p.data, target: p.target, test: p.test, split: o.folds.split } as any });
  const decisions: Decision[] = [];
  const log = (d: Decision) => {
    decisions.push(d);
    p.store.addDecision({ runId: run.id, step: d.step, action: d.action, reason: d.reason, numbers: (d.numbers ?? {}) as any });
  };
  const label = `trial ${o.trial.number} (${JSON.stringify(o.trial.params)})`;
  log({
    step: 3,
    action: `choose trial ${o.trial.number} by the mean over ${k} folds`,
    reason: `its validation ${valueName(o.objective)} is ${recorded ? describeSpread(recorded.value) : `${o.trial.value.toPrecision(4)} (mean of ${k} folds; its spread is recorded with the trial's run ${o.trial.runId ?? '(none)'}, not in this project's store)`}, the lowest of the study's completed trials`,
    numbers: { trial: o.trial.number, k, value: o.trial.value, ...(recorded ? { folds: recorded.value, validLoss: recorded.validLoss } : {}) } as any,
  });
  log(foldFinalModel(k, label, 3, 'chose'));
  const sink = new StoreSink(p.store, run.id);
  try {
    const fit = await fitModel(p.prepared, { spec, cost: p.cost, optimizer: o.optimizer, lr: o.trial.params.learningRate ?? 1e-3, epochs: o.epochs, batchSize: o.trial.params.batchSize, seed, callbacks: [...o.callbacks, sink], step: 3, onDecision: log, what: `the chosen ${label} on the default split`, objective: o.objective });
    try {
      const best = fit.best ?? fit.history.at(-1)!;
      const dir = await saveRunModel(p, run.id, spec, fit.model, best);
      p.store.finishRun(run.id, { summary: { best, epochs: fit.history.length, model: dir, chosenTrial: o.trial.number, crossValidation: recorded } as any });
      return { runId: run.id, model: dir, decisions, folds: recorded };
    } finally {
      fit.dispose();
    }
  } catch (e) {
    endRunOnError(p.store, run.id, e);
    throw e;
  } finally {
    sink.close();
  }
}
