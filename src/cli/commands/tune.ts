// sixstep tune: random search (never grid) over width, depth, batch size and
// learning rate, with hopeless trials stopped early; best by validation loss.
// The trials live in a study store, so the search runs in this process, in
// --workers processes, or in workers on several machines sharing a
// PostgreSQL study (--store postgres://…), with the same trials in each case.
import type { Command } from 'commander';
import { addDeviceOption, deviceOf, workerDevice } from '../device.js';
import type { OptimizerKind } from '../../steps/fit.js';
import { addDataOptions, plan, Interrupt, type DataOptions } from '../common.js';
import { addMetricOption, metricObjective } from '../metric_option.js';
import type { Objective } from '../../metrics/index.js';
import { makeOut, type Out } from '../output.js';
import { ProgressBar } from '../progress.js';
import { DEADLINE_ENV, describeExit, runWorkers, WORKER_ENV, workerFailed } from '../tune_workers.js';
import { addFoldsOption, foldsChoice } from '../folds_option.js';
import { tune, tuneWorker, type TuneResult } from '../../pipeline/tune.js';
import { describeSpread, foldsFingerprint } from '../../protocol/index.js';

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

const fmt = (v: number | null) => (v === null || !Number.isFinite(v) ? '   -  ' : v.toFixed(4));

function trialLine(t: { number: number; state: string; value: number | null; params: unknown }): string {
  return `trial ${String(t.number).padStart(2)} ${t.state.padEnd(8)} valid ${fmt(t.value)} ${JSON.stringify(t.params)}`;
}


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
      const interrupt = new Interrupt();
      try {
        const folds = foldsChoice(o.folds, p.prepared, Number(o.seed));
        if (folds && worker === undefined) out.say(`${out.color.cyan('cross-validation')}: each trial trains on ${folds.k} folds of the ${folds.rows} non-test rows${folds.classCounts ? ' (stratified by class)' : ''} and is scored by its mean; the median rule watches fold 1; the best trial's configuration is then trained on the default split (folds ${foldsFingerprint(folds)}${o.workers !== undefined ? ', dealt alike by every worker' : ''})`);
        const optimising = metricObjective(o.metric, p.prepared.task);
        if (worker === undefined) out.say(`optimising metric: validation ${optimising.metric}${optimising.metric === 'loss' ? '' : ` — trial values are ${optimising.direction === 'max' ? `1 − ${optimising.metric}` : optimising.metric}, lower is better`}`);
        const options = {
          plan: p,
          seed: Number(o.seed),
          trials: positiveInt(o.trials, '--trials'),
          epochs: Number(o.epochs),
          optimizer: o.optimizer,
          deadline: Number(process.env[DEADLINE_ENV]) || (o.minutes ? Date.now() + Number(o.minutes) * 60_000 : undefined),
          warmupEpochs: Number(o.warmup),
          graceSeconds: positive(o.grace, '--grace'),
          study: o.study,
          studyStore: o.store,
          objective: optimising,
          folds,
          callbacks: [interrupt],
          interrupted: () => interrupt.requested,
        };
        if (worker !== undefined) {
          // A worker process: its lines go to the parent, which prints the study.
          const say = (line: string) => process.stdout.write(`${line}\n`);
          say(`device: ${p.device.device} — ${p.device.reason}`);
          await tuneWorker({ ...options, onNote: say, onTrial: (t) => say(`${trialLine(t)} ${t.seconds.toFixed(1)} s${t.error ? ` (${t.error})` : ''}`) });
          return;
        }
        const bar: { current: ProgressBar | null } = { current: null };
        let finished = 0;
        let bestValue = Infinity;
        const r = await tune({
          ...options,
          workers: o.workers !== undefined ? async (study, deadline) => (await runWorkers(positiveInt(o.workers!, '--workers'), { study, deadline })).map((w) => ({ ...w, failed: workerFailed(w) })) : undefined,
          onStudy: (st) => {
            out.step(3, `random search (${o.trials} trials${o.minutes ? `, ${o.minutes} min` : ''}${o.workers ? `, ${o.workers} workers` : ''}, study ${st.name}${st.store === 'postgres' ? ' in PostgreSQL' : ''})`);
            if (o.workers === undefined) bar.current = new ProgressBar('trials', st.trials, true);
          },
          onTrial: (t) => {
            if (t.value !== null && t.state === 'complete') bestValue = Math.min(bestValue, t.value);
            bar.current?.update(++finished, `best ${bestValue.toFixed(4)}`);
          },
          onNote: (line) => process.stderr.write(`${line}\n`),
          onChosenTrial: (n) => {
            bar.current?.done();
            bar.current = null;
            out.step(3, `train trial ${n}'s configuration on the default split`);
          },
        });
        bar.current?.done();
        report(out, r, optimising);
      } finally {
        interrupt.release();
        p.store.close();
      }
    });
}

/** The study's table and best trial; the workers that died, and a failure if all of them did. */
function report(out: Out, r: TuneResult, optimising: Objective): void {
  for (const t of r.trials) out.say(trialLine(t));
  for (const d of r.crossValidation?.decisions ?? []) out.say(`${out.color.cyan('decision')}: ${d.action} — ${d.reason}`);
  const chosen = r.crossValidation?.best ?? null;
  const shown = (v: number) => (chosen ? describeSpread(chosen.value) : v.toFixed(4));
  const best = r.best;
  if (best) out.say(out.color.green(`best: trial ${best.number}, validation ${optimising.metric === 'loss' ? 'loss' : optimising.direction === 'max' ? `1 − ${optimising.metric}` : optimising.metric} ${shown(best.value!)}, ${JSON.stringify(best.params)}${r.model ? `\nmodel: ${r.model}${r.crossValidation?.modelRun ? ` (its configuration trained on the default split, run ${r.crossValidation.modelRun})` : ''}` : ''}`));
  const exits = r.workers ?? [];
  for (const w of exits.filter((x) => x.failed)) {
    const failed = r.trials.filter((t) => t.claimedBy === w.claimedBy && t.state === 'failed').map((t) => t.number);
    const what = failed.length ? `; its trial${failed.length > 1 ? 's' : ''} ${failed.join(', ')} ${failed.length > 1 ? 'were' : 'was'} marked failed and the budget went to new trials` : '';
    process.stderr.write(out.color.yellow(`warning: ${describeExit(w)}${what}\n`));
  }
  out.result(r);
  if (exits.length && exits.every((w) => w.failed)) {
    throw new Error(`all ${exits.length} search workers failed (${exits.map((w) => describeExit(w)).join('; ')}); their output above says why`);
  }
}
