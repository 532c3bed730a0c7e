// sixstep fit: step 3 — fit the training set with the playbook's choices
// (learning-rate finder, SGD then Adam, warm restarts), save a model. The run
// is the library's (pipeline/fit.ts); this parses, prints and renders.
import type { Command } from 'commander';
import { fitTrainingSet } from '../../steps/fit_training_set.js';
import type { Plan as StepsPlan } from '../../steps/plan.js';
import type { ProcessGroup } from '../../distributed/index.js';
import type { OptimizerKind, ScheduleKind } from '../../steps/fit.js';
import { fit, fitTrainingOptions, type FitTraining } from '../../pipeline/fit.js';
import { describeRecipeFolds } from '../../steps/recipe_folds.js';
import { addDataOptions, plan, planOnly, Interrupt, type DataOptions } from '../common.js';
import { addParallelOptions, asRanks, rankStatsLine, type ParallelOptions } from '../parallel.js';
import { makeOut } from '../output.js';
import { TrainingProgress } from '../progress.js';
import { EXIT, UsageError, verdictExit } from '../errors.js';
import { addPretrainedOptions, pretrainedChoice, requireImagesFor, type PretrainedCliOptions } from '../pretrained.js';
import { addAugmentOption, augmentChoice } from '../augment.js';
import { addDeviceOption, parallelDevice } from '../device.js';
import { addMetricOption, metricObjective } from '../metric_option.js';
import { addFoldsOption, foldsChoice } from '../folds_option.js';

interface FitOptions extends DataOptions, ParallelOptions, PretrainedCliOptions {
  resume?: boolean;
  epochs: string;
  batchSize?: string;
  optimizer: OptimizerKind | 'auto';
  lr?: string;
  adamLr?: string;
  schedule: ScheduleKind;
  weightDecay: string;
  clip?: string;
  augment?: string;
  device?: string;
  metric?: string;
  /** Parsed and range-checked by the CLI's number rules (numbers.ts). */
  folds?: number;
}

/** The training options as the library takes them (pipeline/fit.ts); the same on every data-parallel rank and in the API. */
export function fitTraining(o: FitOptions, p: StepsPlan): FitTraining {
  return {
    augment: augmentChoice(o.augment, p.prepared, 'none'),
    epochs: Number(o.epochs),
    batchSize: o.batchSize ? Number(o.batchSize) : undefined,
    optimizer: o.optimizer,
    lr: o.lr ? Number(o.lr) : undefined,
    adamLr: o.adamLr ? Number(o.adamLr) : undefined,
    schedule: o.schedule,
    weightDecay: Number(o.weightDecay),
    gradClip: o.clip ? Number(o.clip) : undefined,
  };
}

/** A rank other than 0: the same training on its shard, nothing written, nothing printed. */
async function followFit(o: FitOptions, group: ProcessGroup): Promise<void> {
  // Rank 0 prepares first (it writes the split manifest), then says how to start.
  const start = JSON.parse(group.get('sixstep/fit')) as { resume: string | null };
  const p = await planOnly(o);
  const interrupt = new Interrupt();
  interrupt.passive = true;
  try {
    const r = await fitTrainingSet(p.prepared, { ...fitTrainingOptions(p, fitTraining(o, p), Number(o.seed), metricObjective(o.metric, p.prepared.task, o)), resume: start.resume ?? undefined, parallel: { group, stopRequested: () => interrupt.requested }, callbacks: [interrupt] });
    r.dispose();
  } finally {
    interrupt.release();
  }
}

export function fitCommand(program: Command): void {
  addFoldsOption(addMetricOption(addDeviceOption(addAugmentOption(addPretrainedOptions(addParallelOptions(addDataOptions(program.command('fit')))), 'none', 'default none: step 3 fits the training set before any regularization'))))
    .option('--resume', 'continue the newest unfinished fit of this data from its last checkpoint')
    .description('step 3: fit the training set (lr finder, SGD→Adam rule, cosine warm restarts) and save the model')
    .option('--epochs <n>', 'epochs to train', '10')
    .option('--batch-size <n>', 'mini-batch size (default 64 tables, 128 images)')
    .option('--optimizer <kind>', "'auto' (SGD, switching to Adam by the stated rule), sgd, adam or adamw", 'auto')
    .option('--lr <rate>', 'learning rate (default: from the learning-rate finder); with --optimizer auto, SGD\'s only')
    .option('--adam-lr <rate>', 'with --optimizer auto: Adam\'s rate after a switch (default: from the learning-rate finder)')
    .option('--schedule <kind>', "'warm-restarts', 'one-cycle' or 'constant'", 'warm-restarts')
    .option('--weight-decay <wd>', 'weight decay', '0')
    .option('--clip <norm>', 'clip the gradient norm to this')
    .addHelpText('after', `
Examples:
  sixstep fit --data data/penguins.json --target Species --epochs 20
  sixstep fit --data node_modules/vega-datasets/data/cars.json --target Miles_per_Gallon --optimizer adam --lr 3e-3 --json
  sixstep fit --data data/penguins.json --target Species --folds 5          (the same recipe on 5 cross-validation folds: per-fold figures, mean, min–max, sd)
  sixstep fit --data data/penguins.json --target Species --nproc 2          (data-parallel, 2 ranks)
  sixstep fit … --nnodes 2 --node-rank 0 --master 10.0.0.1:29500 --nproc 4   (on each machine, its own --node-rank)
  sixstep fit --data /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz --pretrained resnet18.safetensors --epochs 3   (fine-tune torchvision weights)
Exit codes: 0 trained, 3 bad data, 5 no signal beyond the naive baseline, 130 interrupted (what finished is kept).`)
    .action((o: FitOptions) => {
      const parallel = Number(o.nproc ?? 1) > 1 || Number(o.nnodes ?? 1) > 1;
      if (pretrainedChoice(o) && parallel) throw new UsageError('--pretrained fine-tunes in one process: drop --nproc/--nnodes');
      if (o.folds !== undefined && parallel) throw new UsageError(`--folds ${o.folds}: the folds train in one process after the fit; drop --nproc/--nnodes (or --folds)`);
      parallelDevice(o);
      return asRanks(o, leadFit, followFit);
    });
}

/** One process, or rank 0 of several: trains, and writes the run, checkpoints, model and plots (pipeline/fit.ts); prints what it did. */
async function leadFit(o: FitOptions, group: ProcessGroup | null): Promise<void> {
  const out = makeOut(Boolean(o.json));
  const pre = pretrainedChoice(o);
  const p = await plan(o, out, { quiet: Boolean(o.json) });
  const interrupt = new Interrupt();
  interrupt.passive = Boolean(group);
  try {
    requireImagesFor(pre, p.prepared, o.data);
    const folds = foldsChoice(o.folds, p.prepared, Number(o.seed));
    if (folds) out.say(`${out.color.cyan('cross-validation')}: after the fit, its recipe trains on ${folds.k} folds of the ${folds.rows} non-test rows${folds.classCounts ? ' (stratified by class)' : ''}; the model kept is the one trained on the default split`);
    const optimising = metricObjective(o.metric, p.prepared.task, o);
    out.say(`optimising metric: validation ${optimising.metric} (${optimising.direction === 'max' ? 'higher' : 'lower'} is better) — decides the best epoch`);
    const { nproc: _n, nnodes: _nn, nodeRank: _r, master: _m, distTimeout: _t, ...config } = o;
    const s = await fit({
      plan: p,
      seed: Number(o.seed),
      training: fitTraining(o, p),
      objective: optimising,
      pretrained: pre,
      folds,
      resume: Boolean(o.resume),
      config: config as Record<string, unknown>,
      callbacks: [interrupt, new TrainingProgress(true, '', optimising.metric)],
      interrupted: () => interrupt.requested,
      parallel: group ? { group, stopRequested: () => interrupt.requested, onRankStats: (epoch, ranks) => process.stderr.write(`${rankStatsLine(epoch, ranks)}\n`) } : undefined,
      onRun: (run) => {
        if (o.resume && !run.resumedFrom) out.say(out.color.yellow('note: --resume: no unfinished fit of this data left a checkpoint; starting afresh'));
        group?.set('sixstep/fit', JSON.stringify({ resume: run.resume }));
        out.step(3, `fit the training set${group ? ` (data-parallel over ${group.worldSize} ranks)` : ''}${run.resumedFrom ? ` — resuming run ${run.resumedFrom}` : ''}`);
      },
      onDecision: (d) => out.say(`${out.color.cyan('decision')}: ${d.action} — ${d.reason}`),
      onFolds: (k) => out.step(3, `cross-validate the recipe on ${k} folds`),
      onFold: (i, k) => process.stderr.write(`fold ${i} of ${k}\n`),
    });
    const cv = s.crossValidation;
    if (folds && !cv && s.status === 'interrupted') out.say(out.color.yellow('interrupted during the folds: the cross-validation figures are incomplete and not kept'));
    if (cv) for (const line of describeRecipeFolds(cv)) out.say(line);
    const best = s.best;
    out.say(`\nsaved the best epoch, ${best ? best.epoch : '-'} of ${s.epochs}: validation loss ${best?.validLoss?.toPrecision(4)} ${Object.entries(best?.metrics ?? {}).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' ')}`);
    const judged = s.signal;
    if (judged) out.say(`${cv ? `on the mean over ${cv.k} folds: ` : ''}${judged.verdict === 'fitted' && !judged.weak ? out.color.green(judged.message) : out.color.yellow(judged.message)}`);
    if (cv) out.say(cv.kept);
    out.say(`model: ${s.model}\nplots: ${s.plots.loss}, ${s.plots.steps}`);
    out.result(s);
    if (s.status === 'interrupted') process.exitCode = EXIT.interrupted;
    else if (verdictExit(judged?.verdict)) process.exitCode = verdictExit(judged?.verdict);
  } finally {
    interrupt.release();
    p.store.close();
  }
}
