// fit(): step 3 as `sixstep fit` runs it — the learning-rate finder, SGD then
// Adam by the stated rule, cosine warm restarts, the best epoch saved as a
// model directory — with the command's options and checks, returning what
// `sixstep fit --json` prints (and `modelDir`, the model directory).
import { fit as runFit, type FitResult } from '../pipeline/fit.js';
import { plan as cliPlan } from '../cli/common.js';
import { makeOut } from '../cli/output.js';
import { fitTraining } from '../cli/commands/fit.js';
import { pretrainedChoice, requireImagesFor } from '../cli/pretrained.js';
import { foldsChoice } from '../cli/folds_option.js';
import { metricObjective } from '../cli/metric_option.js';
import type { OptimizerKind, ScheduleKind } from '../steps/fit.js';
import { abortCallback, checkedNumber, cliTrainOptions, type TrainOptions } from './options.js';
import { RunInterrupted } from './errors.js';

export interface FitOptions extends TrainOptions {
  /** Epochs to train. Default 10. */
  epochs?: number;
  /** Mini-batch size; default 64 for tables, 128 for images. */
  batchSize?: number;
  /** 'auto' (SGD, switching to Adam by the stated rule), 'sgd', 'adam' or 'adamw'. Default 'auto'. */
  optimizer?: OptimizerKind | 'auto';
  /** Learning rate; default from the learning-rate finder (with 'auto': SGD's only). */
  lr?: number;
  /** With optimizer 'auto': Adam's rate after a switch; default from the finder. */
  adamLr?: number;
  /** Default 'warm-restarts'. */
  schedule?: ScheduleKind;
  /** Default 0. */
  weightDecay?: number;
  /** Clip the gradient norm to this. */
  clip?: number;
}

/** A finished fit: `sixstep fit --json`'s object, with the model directory as `modelDir` too. */
export type FitRun = Omit<FitResult, 'status'> & { status: 'finished'; modelDir: string };

export async function fit(o: FitOptions): Promise<FitRun> {
  const base = cliTrainOptions(o);
  const number = (key: keyof FitOptions) => {
    const n = checkedNumber(key, o[key]);
    return n === undefined ? undefined : String(n);
  };
  const cli = { ...base, resume: o.resume, epochs: number('epochs') ?? '10', batchSize: number('batchSize'), optimizer: o.optimizer ?? 'auto', lr: number('lr'), adamLr: number('adamLr'), schedule: o.schedule ?? 'warm-restarts', weightDecay: number('weightDecay') ?? '0', clip: number('clip') };
  const seed = Number(cli.seed);
  const pretrained = pretrainedChoice(cli);
  const p = await cliPlan(cli, makeOut(true), { quiet: true });
  try {
    requireImagesFor(pretrained, p.prepared, cli.data);
    const abort = abortCallback(o.signal);
    const { json: _json, ...config } = cli;
    const s = await runFit({
      plan: p,
      seed,
      training: fitTraining(cli, p),
      objective: metricObjective(cli.metric, p.prepared.task),
      pretrained,
      folds: foldsChoice(cli.folds, p.prepared, seed),
      resume: Boolean(o.resume),
      config,
      callbacks: abort.callbacks,
      interrupted: abort.interrupted,
      onDecision: o.onDecision,
    });
    if (s.status !== 'finished') throw new RunInterrupted('fit', s.run, s);
    return { ...s, status: 'finished', modelDir: s.model };
  } finally {
    p.store.close();
  }
}
