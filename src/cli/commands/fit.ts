// sixstep fit: step 3 — fit the training set with the playbook's choices
// (learning-rate finder, SGD then Adam, warm restarts), save a model.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { fitTrainingSet, type FitTrainingSetOptions } from '../../steps/fit_training_set.js';
import type { Plan as StepsPlan } from '../../steps/plan.js';
import type { Store } from '../../store/index.js';
import type { ProcessGroup } from '../../distributed/index.js';
import { DataParallel } from '../../train/index.js';
import { fitVerdict } from '../../steps/diagnosis.js';
import { trainSubsetLoss } from '../../steps/measure.js';
import { measureLoss } from '../../steps/scale_free.js';
import { saveModelDir } from '../../artifact/index.js';
import { writeReferenceProfile, writeImageReference } from '../../serve/index.js';
import { writeChart, lossCurvesChart, stepChart } from '../../plot/index.js';
import type { OptimizerKind, ScheduleKind } from '../../steps/fit.js';
import { addDataOptions, plan, planOnly, plotsDir, Interrupt, type DataOptions } from '../common.js';
import { addParallelOptions, asRanks, rankStatsLine, type ParallelOptions } from '../parallel.js';
import { makeOut } from '../output.js';
import { TrainingProgress } from '../progress.js';
import { StoreSink } from '../store_sink.js';
import { EXIT, UsageError, verdictExit } from '../errors.js';
import { addPretrainedOptions, pretrainedChoice, type PretrainedCliOptions } from '../pretrained.js';
import { fineTuneTrainingSet } from '../../steps/fine_tune.js';
import { addAugmentOption, augmentChoice } from '../augment.js';
import { addDeviceOption, parallelDevice } from '../device.js';
import { parameterDevice } from '../../steps/architecture.js';
import { ImageAugment } from '../../data/index.js';
import { recordSplitMetrics, validationPredictedClasses } from '../../steps/split_metrics.js';
import { addMetricOption, metricObjective } from '../metric_option.js';
import { addFoldsOption, foldsOrClose } from '../folds_option.js';
import { crossValidateRecipe, describeRecipeFolds, type RecipeFolds } from '../../steps/recipe_folds.js';

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

/** Everything that decides the training — identical on every data-parallel rank. */
function trainingOptions(o: FitOptions, p: StepsPlan): FitTrainingSetOptions {
  const aug = augmentChoice(o.augment, p.prepared, 'none');
  return {
    augment: aug && aug.names.length ? new ImageAugment(aug.config) : undefined,
    spec: p.proposal.spec,
    cost: p.cost,
    epochs: Number(o.epochs),
    batchSize: o.batchSize ? Number(o.batchSize) : undefined,
    optimizer: o.optimizer,
    lr: o.lr ? Number(o.lr) : undefined,
    adamLr: o.adamLr ? Number(o.adamLr) : undefined,
    schedule: o.schedule,
    weightDecay: Number(o.weightDecay),
    gradClip: o.clip ? Number(o.clip) : undefined,
    seed: Number(o.seed),
    // Resolved once with the data (data-parallel ranks: the CPU); the loaders already deliver there.
    device: p.prepared.device,
    objective: metricObjective(o.metric, p.prepared.task, o),
  };
}

const checkpointOf = (projectDir: string, runId: string) => join(projectDir, 'runs', runId, 'checkpoint.safetensors');

/** The newest fit of this data that did not finish and left a checkpoint. */
function resumable(store: Store, projectDir: string, fingerprint: string): { runId: string; file: string } | null {
  for (const run of store.listRuns({ kind: 'fit' })) {
    const cfg = run.config as { dataFingerprint?: string } | null;
    const file = checkpointOf(projectDir, run.id);
    if (run.status !== 'finished' && cfg?.dataFingerprint === fingerprint && existsSync(file) && existsSync(`${file}.json`)) return { runId: run.id, file };
  }
  return null;
}

/** A rank other than 0: the same training on its shard, nothing written, nothing printed. */
async function followFit(o: FitOptions, group: ProcessGroup): Promise<void> {
  // Rank 0 prepares first (it writes the split manifest), then says how to start.
  const start = JSON.parse(group.get('sixstep/fit')) as { resume: string | null };
  const p = await planOnly(o);
  const interrupt = new Interrupt();
  interrupt.passive = true;
  try {
    const r = await fitTrainingSet(p.prepared, { ...trainingOptions(o, p), resume: start.resume ?? undefined, parallel: { group, stopRequested: () => interrupt.requested }, callbacks: [interrupt] });
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

/** One process, or rank 0 of several: trains, and writes the run, checkpoints, model and plots. */
async function leadFit(o: FitOptions, group: ProcessGroup | null): Promise<void> {
  const out = makeOut(Boolean(o.json));
  const pre = pretrainedChoice(o);
  const p = await plan(o, out, { quiet: Boolean(o.json) });
  if (pre && p.prepared.kind !== 'image') {
    p.store.close();
    throw new UsageError(`--pretrained ${pre.file}: fine-tunes image models, and ${o.data} is ${p.prepared.kind === 'tabular' ? 'a table' : 'text'}`);
  }
  const folds = foldsOrClose(o.folds, p, Number(o.seed));
  if (folds) out.say(`${out.color.cyan('cross-validation')}: after the fit, its recipe trains on ${folds.k} folds of the ${folds.rows} non-test rows${folds.classCounts ? ' (stratified by class)' : ''}; the model kept is the one trained on the default split`);
  const optimising = metricObjective(o.metric, p.prepared.task, o);
  out.say(`optimising metric: validation ${optimising.metric} (${optimising.direction === 'max' ? 'higher' : 'lower'} is better) — decides the best epoch`);
  const resume = o.resume ? resumable(p.store, p.projectDir, p.prepared.fingerprint) : null;
  if (o.resume && !resume) out.say(out.color.yellow('note: --resume: no unfinished fit of this data left a checkpoint; starting afresh'));
  const { nproc: _n, nnodes: _nn, nodeRank: _r, master: _m, distTimeout: _t, ...config } = o;
  const run = p.store.createRun({ kind: 'fit', config: { ...config, model: p.proposal.spec, dataFingerprint: p.prepared.fingerprint, worldSize: group?.worldSize ?? 1, resumedFrom: resume?.runId ?? null } as any });
  mkdirSync(join(p.projectDir, 'runs', run.id), { recursive: true });
  group?.set('sixstep/fit', JSON.stringify({ resume: resume?.file ?? null }));
  const sink = new StoreSink(p.store, run.id);
  const interrupt = new Interrupt();
  interrupt.passive = Boolean(group);
  out.step(3, `fit the training set${group ? ` (data-parallel over ${group.worldSize} ranks)` : ''}${resume ? ` — resuming run ${resume.runId}` : ''}`);
  let status: 'finished' | 'interrupted' | 'failed' = 'failed';
  let lastRanks: import('../../train/index.js').RankStats[] | null = null;
  try {
    const onDecision = (d: import('../../steps/decisions.js').Decision) => {
      p.store.addDecision({ runId: run.id, step: d.step, action: d.action, reason: d.reason, numbers: d.numbers as any });
      out.say(`${out.color.cyan('decision')}: ${d.action} — ${d.reason}`);
    };
    const t = trainingOptions(o, p);
    const aug = augmentChoice(o.augment, p.prepared, 'none');
    if (aug) onDecision({ step: 3, action: `augmentation: ${aug.names.length ? aug.names.join(', ') : 'none'}`, reason: aug.reason, numbers: { names: aug.names, ...(aug.evidence ? { asymmetry: aug.evidence.asymmetry, threshold: aug.evidence.threshold } : {}) } });
    const r = pre
      ? await fineTuneTrainingSet(p.prepared, { pretrained: pre.file, arch: pre.arch, input: pre.input, freezeEpochs: pre.freezeEpochs, augment: t.augment, cost: t.cost, epochs: t.epochs, batchSize: t.batchSize, lr: t.lr, weightDecay: t.weightDecay, seed: t.seed, device: t.device, callbacks: [sink, interrupt, new TrainingProgress(true)], onDecision })
      : await fitTrainingSet(p.prepared, {
      ...t,
      checkpoint: checkpointOf(p.projectDir, run.id),
      resume: resume?.file,
      parallel: group
        ? {
            group,
            stopRequested: () => interrupt.requested,
            onRankStats: (epoch, ranks) => {
              lastRanks = ranks;
              p.store.putRankStats(run.id, epoch, ranks);
              process.stderr.write(`${rankStatsLine(epoch, ranks)}\n`);
            },
          }
        : undefined,
      callbacks: [sink, interrupt, new TrainingProgress(true)],
      onDecision,
    });
    try {
      // Data-parallel: Ctrl-C may have reached another rank first; the stop they agreed on counts.
      status = interrupt.requested || r.learner.getCallback(DataParallel)?.stopped ? 'interrupted' : 'finished';
      // r.model holds the best epoch's weights (KeepBest): the saved model, its metrics and the verdict all describe that epoch.
      const last = r.history.at(-1);
      const best = r.best ?? last;
      // The verdict's training loss is the bias rule's: eval mode on the fixed training subset (the epoch's train-mode mean is inflated by dropout and augmentation).
      const verdict = best && best.validLoss !== null ? fitVerdict(p.baseline, { trainLoss: trainSubsetLoss(p.prepared, r.model, measureLoss(p.cost)), validLoss: best.validLoss }) : null;
      const modelDir = saveModelDir(join(p.projectDir, 'models', run.id), r.model, {
        architecture: 'spec' in r ? r.spec : p.proposal.spec,
        preprocessing: p.prepared.preprocessing,
        task: p.prepared.task,
        classes: p.prepared.classes,
        costFunction: p.cost.name,
        metrics: { train: best ? { loss: best.trainLoss } : null, validation: best ? { loss: best.validLoss, ...best.metrics } : null, test: null },
        dataFingerprint: p.prepared.fingerprint,
        extra: aug ? { augment: { names: aug.names, config: aug.config, reason: aug.reason } } : undefined,
      });
      // What the served model's inputs are compared against: the training rows only.
      if (p.prepared.trainTable && p.prepared.preprocessing.kind !== 'image') writeReferenceProfile(modelDir, p.prepared.trainTable, p.prepared.preprocessing.schema, p.prepared.validationTable);
      // F1, AUC, R² and the rest of the saved model on train and validation, recorded with the run.
      const splits = await recordSplitMetrics({ model: r.model, data: p.prepared, store: p.store, runId: run.id });
      // Images: the training images' statistics and the saved model's predictions on the validation images.
      if (p.prepared.trainImages) writeImageReference(modelDir, p.prepared.trainImages, { validationPredicted: (await validationPredictedClasses(r.model, p.prepared)) ?? undefined });
      const plots = plotsDir(p.projectDir);
      const curves = await writeChart(
        lossCurvesChart(r.history.flatMap((h) => [{ epoch: h.epoch + 1, series: 'training', value: h.trainLoss }, { epoch: h.epoch + 1, series: 'validation', value: h.validLoss ?? NaN }])),
        join(plots, `loss-${run.id}`),
      );
      const steps = await writeChart(stepChart(r.recorder.steps), join(plots, `steps-${run.id}`));
      // --folds: the recipe the fit settled on, on every fold; the verdict then reads the fold means.
      let cv: RecipeFolds | null = null;
      if (folds && status === 'finished') {
        out.step(3, `cross-validate the recipe on ${folds.k} folds`);
        cv = await crossValidateRecipe(folds, {
          candidate: { spec: p.proposal.spec, weightDecay: t.weightDecay ?? 0, augment: false, label: 'the proposed architecture' },
          recipe: { cost: p.cost, optimizer: r.optimizer, lr: r.lr, epochs: r.history.length, batchSize: t.batchSize, schedule: t.schedule, gradClip: t.gradClip, seed: t.seed, objective: t.objective, callbacks: [interrupt, new TrainingProgress(true)], onDecision },
          classWeights: p.cost.balance?.mode,
          onFold: (i, k) => process.stderr.write(`fold ${i} of ${k}\n`),
          log: onDecision,
          stopped: () => interrupt.requested,
        });
        if (!cv) {
          status = 'interrupted';
          out.say(out.color.yellow('interrupted during the folds: the cross-validation figures are incomplete and not kept'));
        } else for (const line of describeRecipeFolds(cv)) out.say(line);
      }
      const judged = cv ? cv.verdict : verdict;
      const summary = {
        run: run.id,
        task: p.prepared.task,
        costFunction: p.cost.name,
        optimizer: r.optimizer,
        learningRate: r.lr,
        epochs: r.history.length,
        savedEpoch: best ? best.epoch + 1 : null,
        metrics: { train: { loss: best?.trainLoss ?? null, ...(splits.train?.metrics ?? {}) }, validation: { loss: best?.validLoss ?? null, ...(best?.metrics ?? {}), ...(splits.validation?.metrics ?? {}) } },
        last: last ? { epoch: last.epoch + 1, trainLoss: last.trainLoss, validLoss: last.validLoss, metrics: last.metrics } : null,
        best: best ? { epoch: best.epoch + 1, trainLoss: best.trainLoss, validLoss: best.validLoss, metrics: best.metrics } : null,
        optimisingMetric: optimising.metric,
        baseline: p.baseline,
        signal: judged,
        decisions: r.decisions,
        crossValidation: cv,
        model: modelDir,
        plots: { loss: curves.svg, steps: steps.svg, lrFind: null },
        status,
        dataFingerprint: p.prepared.fingerprint,
        // Where the saved model's parameters were (the weights file is written from there to host memory).
        device: parameterDevice(r.model),
        parallel: group ? { worldSize: group.worldSize, backend: 'gloo', lastEpoch: lastRanks } : null,
      };
      p.store.finishRun(run.id, { status, summary: summary as any });
      out.say(`\nsaved the best epoch, ${best ? best.epoch + 1 : '-'} of ${r.history.length}: validation loss ${best?.validLoss?.toPrecision(4)} ${Object.entries(best?.metrics ?? {}).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' ')}`);
      if (judged) out.say(`${cv ? `on the mean over ${cv.k} folds: ` : ''}${judged.verdict === 'fitted' && !judged.weak ? out.color.green(judged.message) : out.color.yellow(judged.message)}`);
      if (cv) out.say(cv.kept);
      out.say(`model: ${modelDir}\nplots: ${curves.svg}, ${steps.svg}`);
      out.result(summary);
      if (status === 'interrupted') process.exitCode = EXIT.interrupted;
      else if (verdictExit(judged?.verdict)) process.exitCode = verdictExit(judged?.verdict);
    } finally {
      r.dispose();
    }
  } catch (e) {
    p.store.finishRun(run.id, { status: 'failed', summary: { error: (e as Error).message } });
    throw e;
  } finally {
    interrupt.release();
    sink.close();
    p.store.close();
  }
}
