// sixstep tune: random search (never grid) over width, depth, batch size and
// learning rate, with hopeless trials stopped early; best by validation loss.
// The trials live in a study store, so the search runs in this process, in
// --workers processes, or in workers on several machines sharing a
// PostgreSQL study (--store postgres://…), with the same trials in each case.
import type { Command } from 'commander';
import { addDeviceOption, deviceOf, workerDevice } from '../device.js';
import { CancelFit, type Callback, type Learner } from '../../train/index.js';
import { fitModel, type OptimizerKind } from '../../steps/fit.js';
import type { SearchSpace, TrialParams } from '../../search/index.js';
import { searchWorker, type WorkerObjective, type WorkerOptions, type WorkerTrial } from '../../search/index.js';
import { searchSpaceFor, specFor } from '../../steps/search_space.js';
import { runModelDir, saveFitModel } from '../save_fit.js';
import { existsSync, rmSync } from 'node:fs';
import { openStudyStore, type StudyStore, type StudyTrial } from '../../store/study.js';
import { addDataOptions, plan, Interrupt, endRunOnError, type DataOptions, type Plan } from '../common.js';
import { addMetricOption, metricObjective } from '../metric_option.js';
import type { Objective } from '../../metrics/index.js';
import { makeOut, type Out } from '../output.js';
import { ProgressBar } from '../progress.js';
import { StoreSink } from '../store_sink.js';
import { DEADLINE_ENV, describeExit, runWorkers, WORKER_ENV, workerFailed, type WorkerExit } from '../tune_workers.js';
import { addFoldsOption, foldsOrClose } from '../folds_option.js';
import { foldTrial, foldsFingerprint, trainChosenTrial } from '../tune_folds.js';
import { describeSpread } from '../../steps/cross_validation.js';
import type { FoldSet } from '../../data/folds.js';

interface TuneOptions extends DataOptions {
  trials: string;
  minutes?: string;
  epochs: string;
  optimizer: OptimizerKind;
  study?: string;
  workers?: string;
  store?: string;
  grace: string;
  warmup: string;
  metric?: string;
  /** Parsed and range-checked by the CLI's number rules (numbers.ts). */
  folds?: number;
}

function positiveInt(s: string, what: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, got "${s}"`);
  return n;
}

function positive(s: string, what: string): number {
  const n = Number(s);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${what} must be a positive number, got "${s}"`);
  return n;
}

/** Trains one trial: seed + n, a run of kind 'trial' in the project store, stopped when ctx.report says so. */
function trainTrial(p: Plan, studies: StudyStore, study: string, o: TuneOptions, interrupt: Interrupt, folds?: FoldSet): WorkerObjective {
  return async (params, ctx) => {
    if (interrupt.requested) throw new Error('interrupted');
    const seed = Number(o.seed) + ctx.number;
    const run = p.store.createRun({ kind: 'trial', config: { study, trial: ctx.number, params, seed, epochs: Number(o.epochs), optimizer: o.optimizer } });
    await studies.setRun(study, ctx.number, run.id);
    const sink = new StoreSink(p.store, run.id);
    // Trials are compared (and pruned) on the optimising metric, as a figure to minimise.
    const obj = metricObjective(o.metric, p.prepared.task);
    const figure = (e: { validLoss: number | null; metrics: Record<string, number> } | null | undefined) => {
      const v = e ? obj.read(e) : null;
      return v === null ? null : obj.minimised(v);
    };
    const pruner: Callback = {
      order: 95,
      afterEpoch: (l: Learner) => {
        const v = figure(l.lastEpoch);
        if (v !== null && ctx.report(l.epoch, v)) throw new CancelFit();
      },
    };
    if (folds) {
      // --folds: the trial on every fold, scored by the mean (tune_folds.ts); no trial model is kept.
      try {
        const r = await foldTrial({ plan: p, folds, params, optimizer: o.optimizer, epochs: Number(o.epochs), seed, objective: obj, report: ctx.report, sink, callbacks: [interrupt], label: `trial ${ctx.number}`, onDecision: (d) => p.store.addDecision({ runId: run.id, step: d.step, action: d.action, reason: d.reason, numbers: (d.numbers ?? {}) as any }) });
        if (interrupt.requested) {
          p.store.finishRun(run.id, { status: 'interrupted' });
          throw new Error('interrupted');
        }
        p.store.finishRun(run.id, { summary: { folds: r.folds, pruned: r.pruned, model: null } as any });
        return { validLoss: r.value, pruned: r.pruned };
      } catch (e) {
        if (!interrupt.requested) p.store.finishRun(run.id, { status: 'failed', summary: { error: (e as Error).message } });
        throw e;
      } finally {
        sink.close();
      }
    }
    let fit;
    try {
      fit = await fitModel(p.prepared, {
        spec: specFor(p.proposal.spec, params),
        cost: p.cost,
        optimizer: o.optimizer,
        lr: params.learningRate ?? 1e-3,
        epochs: Number(o.epochs),
        batchSize: params.batchSize,
        seed,
        callbacks: [pruner, interrupt, sink],
        // Tuning belongs to step 3; the guards' decisions (clipping, rollbacks) go to the trial's run.
        step: 3,
        onDecision: (d) => p.store.addDecision({ runId: run.id, step: d.step, action: d.action, reason: d.reason, numbers: (d.numbers ?? {}) as any }),
        what: `trial ${ctx.number}`,
        objective: obj,
      });
    } catch (e) {
      endRunOnError(p.store, run.id, e);
      throw e;
    } finally {
      sink.close();
    }
    try {
      if (interrupt.requested) {
        p.store.finishRun(run.id, { status: 'interrupted' });
        throw new Error('interrupted');
      }
      // A trial better than every finished one so far saves its model (the best epoch's weights); the report keeps only the study's best.
      const value = figure(fit.best) ?? NaN;
      const before = await studies.best(study);
      const pruned = fit.history.length < Number(o.epochs);
      let modelDir: string | null = null;
      try {
        if (!pruned && Number.isFinite(value) && value < (before?.value ?? Infinity)) modelDir = saveFitModel(p, run.id, specFor(p.proposal.spec, params), fit.model, fit.best!);
      } catch (e) {
        endRunOnError(p.store, run.id, e);
        throw e;
      }
      p.store.finishRun(run.id, { summary: { best: fit.best, epochs: fit.history.length, model: modelDir } });
      return { validLoss: value, pruned };
    } finally {
      fit.dispose();
    }
  };
}

const fmt = (v: number | null) => (v === null || !Number.isFinite(v) ? '   -  ' : v.toFixed(4));

function trialLine(t: { number: number; state: string; value: number | null; params: unknown }): string {
  return `trial ${String(t.number).padStart(2)} ${t.state.padEnd(8)} valid ${fmt(t.value)} ${JSON.stringify(t.params)}`;
}

const trialJson = (t: StudyTrial) => ({ number: t.number, params: t.params, state: t.state, value: t.value, curve: t.curve, runId: t.runId, claimedBy: t.claimedBy });

export function tuneCommand(program: Command): void {
  addFoldsOption(addMetricOption(addDeviceOption(addDataOptions(program.command('tune')))))
    .description('step 3: random search over hidden units, layers, batch size and learning rate (never a grid)')
    .option('--trials <n>', 'trial budget (trials that did not fail)', '12')
    .option('--minutes <m>', 'time budget; no trial starts after it')
    .option('--epochs <n>', 'epochs per trial', '8')
    .option('--optimizer <kind>', 'sgd, adam or adamw', 'adam')
    .option('--warmup <epochs>', 'epochs a trial trains before the median rule may stop it (≥ --epochs: never)', '1')
    .option('--study <name>', 'study name in the store (default: from the data); workers with the same name share the study')
    .option('--workers <n>', 'run the trials in n worker processes')
    .option('--store <url>', 'where the trials live: postgres://user:password@host:port/db to share the study across machines (default: the project store)')
    .option('--grace <s>', 'seconds without a heartbeat before a running trial counts as failed and its budget goes to a new trial', '30')
    .addHelpText('after', `
Examples:
  sixstep tune --data data/penguins.json --target Species --trials 20
  sixstep tune --data data/penguins.json --target Species --trials 12 --folds 5   (each trial scored by its mean over 5 folds)
  sixstep tune --data node_modules/vega-datasets/data/cars.json --target Miles_per_Gallon --minutes 10 --json
  sixstep tune --data node_modules/vega-datasets/data/cars.json --target Miles_per_Gallon --trials 40 --workers 2
  sixstep tune --data node_modules/vega-datasets/data/cars.json --target Miles_per_Gallon --trials 40 --study s1 --store postgres://u:pw@db:5432/sixstep   (on each machine)`)
    .action(async (o: TuneOptions) => {
      const worker = process.env[WORKER_ENV];
      // A worker takes its own GPU when there are several and none was named (--device auto or cuda).
      if (worker !== undefined) o.device = workerDevice(o.device ?? 'auto', deviceOf(o), Number(worker));
      const out = makeOut(Boolean(o.json));
      const p = await plan(o, out, { quiet: Boolean(o.json) || worker !== undefined });
      const folds = foldsOrClose(o.folds, p, Number(o.seed));
      if (folds && worker === undefined) out.say(`${out.color.cyan('cross-validation')}: each trial trains on ${folds.k} folds of the ${folds.rows} non-test rows${folds.classCounts ? ' (stratified by class)' : ''} and is scored by its mean; the median rule watches fold 1; the best trial's configuration is then trained on the default split (folds ${foldsFingerprint(folds)}${o.workers !== undefined ? ', dealt alike by every worker' : ''})`);
      const optimising = metricObjective(o.metric, p.prepared.task);
      if (worker === undefined) out.say(`optimising metric: validation ${optimising.metric}${optimising.metric === 'loss' ? '' : ` — trial values are ${optimising.direction === 'max' ? `1 − ${optimising.metric}` : optimising.metric}, lower is better`}`);
      const interrupt = new Interrupt();
      let studies: StudyStore | undefined;
      try {
        studies = await openStudyStore(o.store, p.store);
        const study = o.study ?? `tune-${p.datasetName}-${Date.now()}`;
        const deadline = Number(process.env[DEADLINE_ENV]) || (o.minutes ? Date.now() + Number(o.minutes) * 60_000 : undefined);
        const search: WorkerOptions = {
          study,
          space: searchSpaceFor(p.proposal.spec),
          trials: positiveInt(o.trials, '--trials'),
          seed: Number(o.seed),
          warmupEpochs: Number(o.warmup),
          graceMs: positive(o.grace, '--grace') * 1000,
          deadline,
          stopRequested: () => interrupt.requested,
        };
        if (worker !== undefined) {
          // A worker process: its lines go to the parent, which prints the study.
          const say = (s: string) => process.stdout.write(`${s}\n`);
          say(`device: ${p.device.device} — ${p.device.reason}`);
          await searchWorker(studies, { ...search, onNote: say, onTrial: (t) => say(`${trialLine(t)} ${t.seconds.toFixed(1)} s${t.error ? ` (${t.error})` : ''}`) }, trainTrial(p, studies, study, o, interrupt, folds));
          return;
        }
        out.step(3, `random search (${o.trials} trials${o.minutes ? `, ${o.minutes} min` : ''}${o.workers ? `, ${o.workers} workers` : ''}, study ${study}${studies.kind === 'postgres' ? ' in PostgreSQL' : ''})`);
        let exits: WorkerExit[] = [];
        if (o.workers !== undefined) {
          exits = await runWorkers(positiveInt(o.workers, '--workers'), { study, deadline });
        } else {
          const bar = new ProgressBar('trials', search.trials!, true);
          let finished = 0;
          let best = Infinity;
          const onTrial = (t: WorkerTrial) => {
            if (t.value !== null && t.state === 'complete') best = Math.min(best, t.value);
            bar.update(++finished, `best ${best.toFixed(4)}`);
          };
          const note = (s: string) => process.stderr.write(`${s}\n`);
          await searchWorker(studies, { ...search, onTrial, onNote: note }, trainTrial(p, studies, study, o, interrupt, folds));
          bar.done();
        }
        await report(out, studies, study, search.space, exits, p, optimising, folds ? { set: folds, o, interrupt } : undefined);
      } finally {
        interrupt.release();
        await studies?.close();
        p.store.close();
      }
    });
}

/** The study's table and best trial; the workers that died, and a failure if all of them did. */
async function report(out: Out, studies: StudyStore, study: string, space: SearchSpace, exits: WorkerExit[], p: Plan, optimising: Objective, cv?: { set: FoldSet; o: TuneOptions; interrupt: Interrupt }): Promise<void> {
  const trials = await studies.trials(study);
  const best = await studies.best(study);
  for (const t of trials) out.say(trialLine(t));
  // --folds: no trial kept a model; the best trial's configuration is trained on the default split now.
  let chosen: Awaited<ReturnType<typeof trainChosenTrial>> | null = null;
  if (cv && best && best.value !== null && !cv.interrupt.requested) {
    out.step(3, `train trial ${best.number}'s configuration on the default split`);
    chosen = await trainChosenTrial({ plan: p, folds: cv.set, trial: { number: best.number, params: best.params as TrialParams, value: best.value, runId: best.runId }, study, optimizer: cv.o.optimizer, epochs: Number(cv.o.epochs), seed: Number(cv.o.seed), objective: optimising, callbacks: [cv.interrupt] });
    for (const d of chosen.decisions) out.say(`${out.color.cyan('decision')}: ${d.action} — ${d.reason}`);
  }
  // Trials saved their model when they led; only the study's best is kept.
  for (const t of trials) if (t.runId && t.runId !== best?.runId && existsSync(runModelDir(p, t.runId))) rmSync(runModelDir(p, t.runId), { recursive: true, force: true });
  const model = chosen ? chosen.model : best?.runId && existsSync(runModelDir(p, best.runId)) ? runModelDir(p, best.runId) : null;
  const shown = (v: number) => (chosen?.folds ? describeSpread(chosen.folds.value) : v.toFixed(4));
  if (best) out.say(out.color.green(`best: trial ${best.number}, validation ${optimising.metric === 'loss' ? 'loss' : optimising.direction === 'max' ? `1 − ${optimising.metric}` : optimising.metric} ${shown(best.value!)}, ${JSON.stringify(best.params)}${model ? `\nmodel: ${model}${chosen ? ` (its configuration trained on the default split, run ${chosen.runId})` : ''}` : ''}`));
  for (const w of exits.filter(workerFailed)) {
    const failed = trials.filter((t) => t.claimedBy === w.claimedBy && t.state === 'failed').map((t) => t.number);
    const what = failed.length ? `; its trial${failed.length > 1 ? 's' : ''} ${failed.join(', ')} ${failed.length > 1 ? 'were' : 'was'} marked failed and the budget went to new trials` : '';
    process.stderr.write(out.color.yellow(`warning: ${describeExit(w)}${what}\n`));
  }
  const workers = exits.map((w) => ({ index: w.index, pid: w.pid, code: w.code, signal: w.signal, failed: workerFailed(w) }));
  const crossValidation = cv ? { k: cv.set.k, rows: cv.set.rows, fingerprint: foldsFingerprint(cv.set), best: chosen?.folds ?? null, modelRun: chosen?.runId ?? null, decisions: chosen?.decisions ?? [] } : null;
  out.result({ study, store: studies.kind, optimisingMetric: optimising.metric, device: p.device.device, trials: trials.map(trialJson), best: best && trialJson(best), model, space, crossValidation, ...(exits.length ? { workers } : {}) });
  if (exits.length && exits.every(workerFailed)) {
    throw new Error(`all ${exits.length} search workers failed (${exits.map(describeExit).join('; ')}); their output above says why`);
  }
}
