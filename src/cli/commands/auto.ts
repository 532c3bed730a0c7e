// sixstep auto: the whole playbook (steps 1 → 5) within a time budget, with
// every decision logged, a servable model directory and an HTML report. The
// run itself is the library's (pipeline/auto.ts); this parses the options,
// prints steps 1–2 and the decisions as they come, and renders the summary.
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { auto, autoImageCap } from '../../pipeline/auto.js';
import { runAutopilot } from '../../pipeline/auto/autopilot.js';
import { recordSplit, splitManifestPath } from '../../protocol/index.js';
import { addDataOptions, plan, planOnly, Interrupt, type DataOptions } from '../common.js';
import type { Plan as StepsPlan } from '../../steps/plan.js';
import type { ImageAugmentConfig } from '../../data/index.js';
import { addParallelOptions, asRanks, rankStatsLine, type ParallelOptions } from '../parallel.js';
import { agreedClock, agreedFlag, type ProcessGroup } from '../../distributed/index.js';
import { makeOut } from '../output.js';
import { TrainingProgress } from '../progress.js';
import { EXIT, UsageError, verdictExit } from '../errors.js';
import { addPretrainedOptions, pretrainedChoice, requireImagesFor, type PretrainedCliOptions } from '../pretrained.js';
import { addAugmentOption, augmentChoice } from '../augment.js';
import { addDeviceOption, parallelDevice } from '../device.js';
import { addMetricOption, metricObjective } from '../metric_option.js';
import { addFoldsOption, foldsChoice, foldsOrClose } from '../folds_option.js';
import { splitByFlag } from '../../data/split_by.js';

interface AutoOptions extends DataOptions, ParallelOptions, PretrainedCliOptions {
  budget: string;
  resume?: boolean;
  metric?: string;
  augment?: string;
  folds?: number;
}

/** The transforms step 4 may use: the same on every rank. */
function augmentOf(o: AutoOptions, p: StepsPlan): ImageAugmentConfig | null | undefined {
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
    const folds = foldsChoice(o.folds, p.prepared, Number(o.seed));
    const r = await runAutopilot({
      plan: p,
      split: await recordSplit(p.prepared, splitManifestPath(resolve(o.project), o.data), folds ? { set: folds, seed: Number(o.seed) } : undefined),
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
      folds,
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
            7 undecided (the budget was too small to judge; the message names the budget that would be), 130 interrupted (resume with --resume).`)
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
  const imageCap = group ? undefined : autoImageCap(Number(o.budget));
  const p = await plan(o, out, { quiet: Boolean(o.json), imageCap });
  try {
    requireImagesFor(pre, p.prepared, o.data);
  } catch (e) {
    p.store.close();
    throw e;
  }
  const folds = foldsOrClose(o.folds, p, Number(o.seed));
  if (folds) out.say(`${out.color.cyan('cross-validation')}: ${folds.k} folds of the ${folds.rows} non-test rows${folds.classCounts ? ' (stratified by class)' : ''}; step 3's verdict and search and step 4's ladder read the mean over the folds`);
  const interrupt = new Interrupt();
  interrupt.passive = Boolean(group);
  try {
    const optimising = metricObjective(o.metric, p.prepared.task, o);
    out.say(`optimising metric: validation ${optimising.metric} (${optimising.direction === 'max' ? 'higher' : 'lower'} is better) — decides the best epoch, the ladder's rungs and the final model`);
    const aug = augmentChoice(o.augment, p.prepared, 'auto');
    if (aug) out.say(`${out.color.cyan('augmentation')} (if step 4 needs it): ${aug.names.length ? aug.names.join(', ') : 'none'} — ${aug.reason}`);
    const s = await auto({
      plan: p,
      seed: Number(o.seed),
      budgetMinutes: Number(o.budget),
      // The budget is the whole command's wall time: measured from process start (data loading counts).
      startedAt: Date.now() - process.uptime() * 1000,
      resume: Boolean(o.resume),
      objective: optimising,
      augment: aug,
      folds,
      pretrained: pre,
      callbacks: [interrupt, new TrainingProgress(true, '', optimising.metric)],
      interrupted: () => agreedFlag(group, interrupt.requested),
      parallel: group ? { group, stopRequested: () => interrupt.requested, onRankStats: (epoch, ranks) => process.stderr.write(`${rankStatsLine(epoch, ranks)}\n`) } : undefined,
      clock: agreedClock(group),
      onRun: (run) => {
        if (o.resume && !run.resumed) out.say(out.color.yellow('nothing to resume for this data: starting a new run'));
        if (run.resumed) out.say(`resuming ${run.id}`);
        group?.set('sixstep/auto', JSON.stringify({ runId: run.id, runDir: run.dir }));
      },
      onPhase: (n, title) => out.step(n, title),
      onDecision: (d) => out.say(`${out.color.cyan('decision')} (step ${d.step}): ${d.action} — ${d.reason}`),
    });
    const done = s.status === 'finished';
    out.step('Summary', done ? 'done' : 'interrupted — continue with --resume');
    const fmt = (m: Record<string, number | null> | null) => (m ? Object.entries(m).map(([k, v]) => `${k} ${v === null ? '–' : Number(v).toFixed(4)}`).join(', ') : '–');
    out.say(`task ${s.task}, cost function ${s.costFunction}, ${s.optimizer ?? '–'} at lr ${s.learningRate?.toExponential(2) ?? '–'}, ${s.chosenConfiguration ?? ''}`);
    out.say(`train:      ${fmt(s.metrics.train)}`);
    out.say(`validation: ${fmt(s.metrics.validation)}`);
    out.say(`test:       ${fmt(s.metrics.test)}${s.metrics.test ? ` (test set evaluations so far: ${s.testEvaluations})` : ''}`);
    out.say(`baseline:   ${p.baseline.description}: ${fmt({ loss: p.baseline.loss, ...p.baseline.metrics })}`);
    const lin = s.linearReference;
    if (lin) out.say(`linear:     ${lin.description}: ${fmt({ loss: lin.loss, ...lin.metrics })}${lin.kept ? ' — kept: the deep model did not beat it on validation' : lin.kept === false ? ' — the deep model was kept' : ''}`);
    if (s.refit?.kept) out.say(`refit:      the kept ${s.refit.model === 'deep' ? 'deep model' : 'linear reference'} trained again on the ${s.refit.rows} training and validation rows; the test figures are the refit's, the validation figures the validated weights'`);
    for (const w of s.testWarnings) out.say(out.color.yellow(`warning: ${w}`));
    if (s.testAdvice) out.say(out.color.yellow(`advice: ${s.testAdvice}`));
    if (s.errorAnalysis.startsWith('skipped')) out.say(out.color.yellow(`warning: error analysis ${s.errorAnalysis}`));
    if (s.signal && s.signal.verdict !== 'fitted') out.say(out.color.yellow(s.signal.message));
    out.say(`model:  ${s.model ?? '–'}\nreport: ${s.report}`);
    out.result(s);
    if (!done) process.exitCode = EXIT.interrupted;
    else if (verdictExit(s.signal?.verdict)) process.exitCode = verdictExit(s.signal?.verdict);
  } finally {
    interrupt.release();
    p.store.close();
  }
}
