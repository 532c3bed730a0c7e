// sixstep auto: the whole playbook (steps 1 → 5) within a time budget, with
// every decision logged, a servable model directory and an HTML report.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { autopilot, AUTOPILOT_BUDGET } from '../../steps/autopilot.js';
import { imageCapForBudget } from '../../steps/image_budget.js';
import type { NaturalImages } from '../../data/image_size.js';
import { saveModelDir } from '../../artifact/index.js';
import { FlipAveraged } from '../../models/index.js';
import { writeReferenceProfile, writeImageReference } from '../../serve/index.js';
import { renderReport, confusionMatrix, regressionPairs } from '../../report/index.js';
import { addDataOptions, plan, planJson, planOnly, Interrupt, type DataOptions } from '../common.js';
import { addParallelOptions, asRanks, rankStatsLine, type ParallelOptions } from '../parallel.js';
import { agreedClock, agreedFlag, type ProcessGroup } from '../../distributed/index.js';
import { makeOut } from '../output.js';
import { TrainingProgress } from '../progress.js';
import { EXIT, UsageError, verdictExit } from '../errors.js';
import { addPretrainedOptions, pretrainedChoice, type PretrainedCliOptions } from '../pretrained.js';
import { addAugmentOption, augmentChoice } from '../augment.js';
import { addDeviceOption, parallelDevice } from '../device.js';
import { parameterDevice } from '../../steps/architecture.js';
import { recordSplitMetrics, validationPredictedClasses } from '../../steps/split_metrics.js';
import { addMetricOption, metricObjective } from '../metric_option.js';
import { interpretModel, storedViews, type Interpretation } from '../../interpret/index.js';
import { detailOf } from '../../steps/split_metrics.js';
import { addFoldsOption, foldsChoice, foldsOrClose } from '../folds_option.js';

interface AutoOptions extends DataOptions, ParallelOptions, PretrainedCliOptions {
  budget: string;
  resume?: boolean;
  metric?: string;
  augment?: string;
  folds?: number;
}

/** The transforms step 4 may use: the same on every rank. */
function augmentOf(o: AutoOptions, p: import('../../steps/plan.js').Plan): import('../../data/index.js').ImageAugmentConfig | null | undefined {
  const a = augmentChoice(o.augment, p.prepared, 'auto');
  return a ? (a.names.length ? a.config : null) : undefined;
}

/** A rank other than 0: the same autopilot on its shards, writing only its own resume state. */
async function followAuto(o: AutoOptions, group: ProcessGroup): Promise<void> {
  const start = JSON.parse(group.get('sixstep/auto')) as { runId: string; runDir: string };
  const p = await planOnly(o);
  const interrupt = new Interrupt();
  interrupt.passive = true;
  try {
    const r = await autopilot({
      plan: p,
      store: null,
      runId: start.runId,
      runDir: join(start.runDir, `rank-${group.rank}`),
      budgetMinutes: Number(o.budget),
      // The budget is the whole command's wall time: measured from process start (data loading counts).
      startedAt: Date.now() - process.uptime() * 1000,
      seed: Number(o.seed),
      objective: metricObjective(o.metric, p.prepared.task, o),
      callbacks: [interrupt],
      interrupted: () => agreedFlag(group, interrupt.requested),
      parallel: { group, stopRequested: () => interrupt.requested },
      clock: agreedClock(group),
      augment: augmentOf(o, p),
      folds: foldsChoice(o.folds, p.prepared, Number(o.seed)),
    });
    r.dispose();
  } finally {
    interrupt.release();
  }
}

export function autoCommand(program: Command): void {
  addFoldsOption(addMetricOption(addDeviceOption(addAugmentOption(addPretrainedOptions(addParallelOptions(addDataOptions(program.command('auto')))), 'auto', 'used when step 4 finds the model overfitting'))))
    .description('the autopilot: steps 1 → 5 within a time budget; saves the best model and an HTML report')
    .option('--budget <minutes>', 'wall time for the whole command in minutes, from process start to the report (the run ends within it)', '10')
    .option('--resume', 'continue the last interrupted auto run on this data')
    .addHelpText('after', `
Examples:
  sixstep auto --data data/penguins.json --target Species
  sixstep auto --data node_modules/vega-datasets/data/cars.json --target Miles_per_Gallon --budget 5 --json
  sixstep auto --data /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz \\
               --test /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz --budget 15
  sixstep auto --data data/penguins.json --target Species --folds 5     (decisions on the mean over 5 cross-validation folds)
  sixstep auto --data data/penguins.json --target Species --nproc 2     (every fit data-parallel over 2 ranks)
  sixstep auto --data /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz --pretrained resnet18.safetensors --budget 5   (fine-tune torchvision weights)
Exit codes: 0 done, 3 bad data, 5 no signal beyond the naive baseline (a model that had its chance to fit),
            6 undecided (the budget was too small to judge; the message names the budget that would be), 130 interrupted (resume with --resume).`)
    .action((o: AutoOptions) => {
      parallelDevice(o);
      if (pretrainedChoice(o) && (Number(o.nproc ?? 1) > 1 || Number(o.nnodes ?? 1) > 1)) throw new UsageError('--pretrained fine-tunes in one process: drop --nproc/--nnodes');
      return asRanks(o, leadAuto, followAuto);
    });
}

/** One process, or rank 0 of several: the run, its decisions, the test evaluation, model and report. */
async function leadAuto(o: AutoOptions, group: ProcessGroup | null): Promise<void> {
  const out = makeOut(Boolean(o.json));
  const pre = pretrainedChoice(o);
  // Large photos get the working side that fits the budget (measured); data-parallel ranks keep the default cap, so every rank reads the same shape.
  const imageCap = group ? undefined : (n: NaturalImages) => imageCapForBudget(n, { budgetSeconds: Number(o.budget) * 60, step3Share: AUTOPILOT_BUDGET.step3Share.image });
  const p = await plan(o, out, { quiet: Boolean(o.json), imageCap });
  if (pre && p.prepared.kind !== 'image') {
    p.store.close();
    throw new UsageError(`--pretrained ${pre.file}: fine-tunes image models, and ${o.data} is ${p.prepared.kind === 'tabular' ? 'a table' : 'text'}`);
  }
  const folds = foldsOrClose(o.folds, p, Number(o.seed));
  if (folds) out.say(`${out.color.cyan('cross-validation')}: ${folds.k} folds of the ${folds.rows} non-test rows${folds.classCounts ? ' (stratified by class)' : ''}; step 3's verdict and search and step 4's ladder read the mean over the folds`);
  const optimising = metricObjective(o.metric, p.prepared.task, o);
  out.say(`optimising metric: validation ${optimising.metric} (${optimising.direction === 'max' ? 'higher' : 'lower'} is better) — decides the best epoch, the ladder's rungs and the final model`);
  const previous = o.resume ? p.store.listRuns({ kind: 'auto' }).find((r) => r.status !== 'finished' && (r.config as any)?.fingerprint === p.prepared.fingerprint) : undefined;
  if (o.resume && !previous) out.say(out.color.yellow('nothing to resume for this data: starting a new run'));
  const run = previous ?? p.store.createRun({ kind: 'auto', config: { data: o.data, target: o.target ?? null, test: o.test ?? null, budget: Number(o.budget), seed: Number(o.seed), fingerprint: p.prepared.fingerprint, pretrained: pre ? { file: pre.file, arch: pre.arch ?? null } : null } });
  if (previous) out.say(`resuming ${run.id}`);
  const runDir = join(p.projectDir, 'runs', run.id);
  group?.set('sixstep/auto', JSON.stringify({ runId: run.id, runDir }));
  const interrupt = new Interrupt();
  interrupt.passive = Boolean(group);
  const aug = augmentChoice(o.augment, p.prepared, 'auto');
  if (aug) out.say(`${out.color.cyan('augmentation')} (if step 4 needs it): ${aug.names.length ? aug.names.join(', ') : 'none'} — ${aug.reason}`);
  // Each fit of the autopilot restarts its epochs: rank figures are numbered across them.
  let rankEpoch = Math.max(-1, ...p.store.rankStats(run.id).map((x) => x.epoch)) + 1;
  try {
    const r = await autopilot({
      plan: p,
      store: p.store,
      runId: run.id,
      runDir,
      budgetMinutes: Number(o.budget),
      // The budget is the whole command's wall time: measured from process start (data loading counts).
      startedAt: Date.now() - process.uptime() * 1000,
      seed: Number(o.seed),
      objective: optimising,
      callbacks: [interrupt, new TrainingProgress(true)],
      interrupted: () => agreedFlag(group, interrupt.requested),
      parallel: group
        ? {
            group,
            stopRequested: () => interrupt.requested,
            onRankStats: (_, ranks) => {
              p.store.putRankStats(run.id, rankEpoch, ranks);
              process.stderr.write(`${rankStatsLine(rankEpoch++, ranks)}\n`);
            },
          }
        : undefined,
      clock: agreedClock(group),
      pretrained: pre ? { file: pre.file, arch: pre.arch, input: pre.input, freezeEpochs: pre.freezeEpochs } : undefined,
      augment: augmentOf(o, p),
      folds,
      onPhase: (n, title) => out.step(n, title),
      onDecision: (d) => out.say(`${out.color.cyan('decision')} (step ${d.step}): ${d.action} — ${d.reason}`),
    });
    try {
      const s = r.state;
      const f = s.final;
      const done = s.phase === 'done';
      let modelDir: string | null = null;
      // F1, AUC, R² and the rest of the kept model on train and validation (step 5 recorded the test split's).
      // The model as step 5 verified it and serving runs it: with flip test-time augmentation when step 5 chose it
      // (the wrapper shares the weights; r.model is what is saved).
      const verified = r.model && s.testTimeAugmentation === 'flip' ? new FlipAveraged(r.model, p.prepared.task === 'binary' ? 'binary' : 'multiclass') : r.model;
      const splits = verified ? await recordSplitMetrics({ model: verified, data: p.prepared, store: p.store, runId: run.id }) : { train: null, validation: null };
      if (r.model && f) {
        const test = s.test ? { loss: s.test.loss, ...s.test.metrics, ...(s.test.evaluation?.metrics ?? {}) } : null;
        modelDir = saveModelDir(join(p.projectDir, 'models', run.id), r.model, {
          architecture: f.candidate.spec,
          preprocessing: p.prepared.preprocessing,
          task: p.prepared.task,
          classes: p.prepared.classes,
          costFunction: p.cost.name,
          metrics: { train: { loss: f.trainLoss, ...(splits.train?.metrics ?? {}) }, validation: { loss: f.validLoss, ...f.metrics, ...(splits.validation?.metrics ?? {}) }, test },
          dataFingerprint: p.prepared.fingerprint,
          extra: { decisions: s.decisions.length, run: run.id, ...(p.prepared.kind === 'image' ? { testTimeAugmentation: s.testTimeAugmentation ?? null } : {}), ...(aug ? { augment: { names: aug.names, config: aug.config, reason: aug.reason, used: f.candidate.augment } } : {}) },
        });
        // What the served model's inputs are compared against: the training rows only.
        if (p.prepared.trainTable && p.prepared.preprocessing.kind !== 'image') writeReferenceProfile(modelDir, p.prepared.trainTable, p.prepared.preprocessing.schema, p.prepared.validationTable);
        // Images: the training images' statistics and the kept model's predictions on the validation images.
        if (p.prepared.trainImages) writeImageReference(modelDir, p.prepared.trainImages, { validationPredicted: (await validationPredictedClasses(verified ?? r.model, p.prepared)) ?? undefined });
      }
      // Confusion matrix or residuals on the validation set (the test set stays read once).
      let confusion = null;
      let residuals = null;
      if (r.model) {
        const valid = p.prepared.loader('validation', { batchSize: 512 });
        try {
          if (p.prepared.task === 'regression') residuals = await regressionPairs(verified!, valid);
          else if (p.prepared.classes) confusion = await confusionMatrix(verified!, valid, p.prepared.classes, p.prepared.task === 'binary');
        } finally {
          valid.dispose();
        }
      }
      // Where the model fails on validation: kept with the run (dashboard) and drawn in the report.
      let interpretation: Interpretation | null = null;
      if (r.model && splits.validation && p.prepared.task !== 'multilabel') {
        try {
          interpretation = await interpretModel({
            model: verified!,
            task: p.prepared.task,
            classes: p.prepared.classes,
            preprocessing: p.prepared.preprocessing as any,
            data: o.data,
            test: o.test,
            seed: Number(o.seed),
            projectDir: p.projectDir,
            validationSource: () => p.prepared.loader('validation', { batchSize: 256 }),
            validationImages: () => p.prepared.validationImages,
          });
          p.store.putSplitMetrics(run.id, { split: 'validation', rows: splits.validation.rows, metrics: splits.validation.metrics, detail: { ...detailOf(splits.validation), ...storedViews(interpretation) } });
        } catch (e) {
          out.say(out.color.yellow(`warning: error analysis skipped: ${(e as Error).message}`));
        }
      }
      const metricsOf = (loss: number | null | undefined, ...m: Array<Record<string, number | null> | undefined>) => (loss === undefined ? null : Object.assign({ loss }, ...m.map((x) => x ?? {})));
      const summary = {
        run: run.id,
        status: done ? 'finished' : 'interrupted',
        task: p.prepared.task,
        costFunction: p.cost.name,
        optimisingMetric: optimising.metric,
        architecture: planJson(p).architecture,
        model_spec: f?.candidate.spec ?? null,
        chosenConfiguration: f?.candidate.label ?? null,
        optimizer: s.step3?.optimizer ?? null,
        learningRate: s.step3?.lr ?? null,
        metrics: {
          train: metricsOf(f?.trainLoss, splits.train?.metrics),
          validation: metricsOf(f?.validLoss, f?.metrics, splits.validation?.metrics),
          test: s.test ? metricsOf(s.test.loss, s.test.metrics, s.test.evaluation?.metrics) : null,
        },
        baseline: p.baseline,
        signal: s.verdict ?? null,
        testEvaluations: p.store.ledger({ datasetFingerprint: p.prepared.fingerprint }).filter((e) => e.metricName === 'loss').length,
        testWarnings: s.test?.warnings ?? [],
        testAdvice: s.test?.advice ?? null,
        decisions: s.decisions,
        model: modelDir,
        report: null as string | null,
        splits: p.prepared.counts,
        dataFingerprint: p.prepared.fingerprint,
        // Where the kept model's parameters were, and why that device was chosen.
        device: r.model ? parameterDevice(r.model) : p.device.device,
        deviceReason: p.device.reason,
        parallel: group ? { worldSize: group.worldSize, backend: 'gloo' } : null,
        crossValidation: s.cv ? { k: s.cv.k, rows: s.cv.rows, validLoss: s.cv.step3.folds.validLoss, trainLoss: s.cv.step3.folds.trainLoss, baselineLoss: s.cv.baseline.folds, chosen: s.ladder?.best && 'folds' in s.ladder.best ? (s.ladder.best as { folds: { validLoss: unknown } }).folds.validLoss : null } : null,
      };
      const html = await renderReport({
        title: `sixstep auto — ${o.data}`,
        summary: { run: run.id, status: summary.status, task: summary.task, costFunction: summary.costFunction, optimizer: summary.optimizer, learningRate: summary.learningRate, chosen: summary.chosenConfiguration, validationLoss: f?.validLoss ?? null, testLoss: s.test?.loss ?? null, baseline: `${p.baseline.name}: ${p.baseline.loss.toPrecision(4)}`, testEvaluations: summary.testEvaluations, metrics: summary.metrics as any },
        decisions: s.decisions,
        lrFind: s.step3?.lrFinds.at(-1) ?? null,
        epochs: (f?.history ?? []).map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss, validLoss: e.validLoss })),
        steps: s.steps ?? [],
        probes: (s.ladder?.probes ?? []).map((m) => ({ label: m.candidate.label, trainLoss: m.trainLoss, validLoss: m.validLoss })),
        confusion,
        residuals,
        interpretation,
        splitMetrics: { train: splits.train?.metrics ?? null, validation: splits.validation?.metrics ?? null, test: s.test?.evaluation?.metrics ?? null },
        ledger: p.store.ledger({ datasetFingerprint: p.prepared.fingerprint }),
      });
      mkdirSync(join(p.projectDir, 'reports'), { recursive: true });
      const report = join(p.projectDir, 'reports', `${run.id}.html`);
      writeFileSync(report, html);
      summary.report = report;
      p.store.finishRun(run.id, { status: done ? 'finished' : 'interrupted', summary: summary as any });
      if (s.steps) p.store.logSteps(run.id, s.steps.map((x) => ({ step: x.step, epoch: x.epoch, loss: x.loss, lrs: x.lrs, gradNorm: x.gradNorm ?? null })));
      for (const e of f?.history ?? []) p.store.logEpoch(run.id, { epoch: e.epoch, trainLoss: e.trainLoss, validLoss: e.validLoss, metrics: e.metrics, seconds: e.seconds });

      out.step('Summary', done ? 'done' : 'interrupted — continue with --resume');
      const fmt = (m: Record<string, number | null> | null) => (m ? Object.entries(m).map(([k, v]) => `${k} ${v === null ? '–' : Number(v).toFixed(4)}`).join(', ') : '–');
      out.say(`task ${summary.task}, cost function ${summary.costFunction}, ${summary.optimizer ?? '–'} at lr ${summary.learningRate?.toExponential(2) ?? '–'}, ${summary.chosenConfiguration ?? ''}`);
      out.say(`train:      ${fmt(summary.metrics.train)}`);
      out.say(`validation: ${fmt(summary.metrics.validation)}`);
      out.say(`test:       ${fmt(summary.metrics.test)}${s.test ? ` (test set evaluations so far: ${summary.testEvaluations})` : ''}`);
      out.say(`baseline:   ${p.baseline.description}: ${fmt({ loss: p.baseline.loss, ...p.baseline.metrics })}`);
      for (const w of summary.testWarnings) out.say(out.color.yellow(`warning: ${w}`));
      if (summary.testAdvice) out.say(out.color.yellow(`advice: ${summary.testAdvice}`));
      if (s.verdict && s.verdict.verdict !== 'fitted') out.say(out.color.yellow(s.verdict.message));
      out.say(`model:  ${modelDir ?? '–'}\nreport: ${report}`);
      out.result(summary);
      if (!done) process.exitCode = EXIT.interrupted;
      else if (verdictExit(s.verdict?.verdict)) process.exitCode = verdictExit(s.verdict?.verdict);
    } finally {
      r.dispose();
    }
  } catch (e) {
    p.store.finishRun(run.id, { status: interrupt.requested ? 'interrupted' : 'failed', summary: { error: (e as Error).message } });
    throw e;
  } finally {
    interrupt.release();
    p.store.close();
  }
}
