// auto(): the autopilot as `sixstep auto` runs it — steps 1 → 5 within a
// budget in minutes, one evaluation on the sealed test set, a model directory
// and an HTML report — with the command's options and checks, returning what
// `sixstep auto --json` prints (and `modelDir`, the model directory).
import { auto as runAuto, type AutoResult } from '../pipeline/auto.js';
import { plan as cliPlan } from '../cli/common.js';
import { makeOut } from '../cli/output.js';
import { pretrainedChoice, requireImagesFor } from '../cli/pretrained.js';
import { foldsChoice } from '../cli/folds_option.js';
import { metricObjective } from '../cli/metric_option.js';
import { augmentChoice } from '../cli/augment.js';
import { abortCallback, checkedNumber, cliTrainOptions, type TrainOptions } from './options.js';
import { RunInterrupted } from './errors.js';

export interface AutoOptions extends TrainOptions {
  /** Minutes of wall time for the whole call, data loading included. Default 10. */
  budget?: number;
  /** A phase starts: its step number and title (the CLI prints them as headings). */
  onPhase?: (step: number, title: string) => void;
}

/** Figures of one split: the loss and every metric of the task (null where undefined, e.g. MAPE with a zero target). */
export type SplitFigures = Record<string, number | null>;

/** A finished auto run: `sixstep auto --json`'s object, with the model directory and the test figures always there. */
export type AutoRun = Omit<AutoResult, 'status' | 'model' | 'metrics'> & {
  status: 'finished';
  /** The model directory (loadModel, `sixstep predict|serve --model`). */
  model: string;
  /** The same as `model`. */
  modelDir: string;
  metrics: { train: SplitFigures; validation: SplitFigures; test: SplitFigures };
};

export async function auto(o: AutoOptions): Promise<AutoRun> {
  const startedAt = Date.now();
  const cli = cliTrainOptions(o);
  const budgetMinutes = checkedNumber('budget', o.budget) ?? 10;
  const seed = Number(cli.seed);
  const pretrained = pretrainedChoice(cli);
  const p = await cliPlan(cli, makeOut(true), { quiet: true });
  try {
    requireImagesFor(pretrained, p.prepared, cli.data);
    const abort = abortCallback(o.signal);
    const s = await runAuto({
      plan: p,
      seed,
      budgetMinutes,
      startedAt,
      resume: Boolean(o.resume),
      objective: metricObjective(cli.metric, p.prepared.task),
      augment: augmentChoice(cli.augment, p.prepared, 'auto'),
      folds: foldsChoice(cli.folds, p.prepared, seed),
      pretrained,
      callbacks: abort.callbacks,
      interrupted: abort.interrupted,
      onPhase: o.onPhase,
      onDecision: o.onDecision,
    });
    const { train, validation, test } = s.metrics;
    if (s.status !== 'finished' || !s.model || !train || !validation || !test) throw new RunInterrupted('auto', s.run, s);
    return { ...s, status: 'finished', model: s.model, modelDir: s.model, metrics: { train, validation, test } };
  } finally {
    p.store.close();
  }
}
