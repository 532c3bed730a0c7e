// sixstep tune: random search (never grid) over width, depth, batch size and
// learning rate, with hopeless trials stopped early; best by validation loss.
import type { Command } from 'commander';
import { CancelFit, type Callback, type Learner } from '../../train/index.js';
import { fitModel, type OptimizerKind } from '../../steps/fit.js';
import { randomSearch, type SearchSpace, type TrialParams } from '../../steps/random_search.js';
import type { ModelSpec } from '../../steps/architecture.js';
import { addDataOptions, plan, Interrupt, type DataOptions } from '../common.js';
import { makeOut } from '../output.js';
import { ProgressBar } from '../progress.js';

interface TuneOptions extends DataOptions {
  trials: string;
  minutes?: string;
  epochs: string;
  optimizer: OptimizerKind;
  study?: string;
}

/** The proposal with the trial's width, depth and dropout. */
function specFor(base: ModelSpec, t: TrialParams): ModelSpec {
  if (base.family !== 'tabular') return base;
  const layers = t.layers ?? base.options.hidden.length;
  const hidden = Array.from({ length: layers }, () => t.hidden ?? base.options.hidden[0]);
  const dropout = t.dropout ? [...hidden.map(() => 0), t.dropout] : undefined;
  return { family: 'tabular', options: { ...base.options, hidden, dropout } };
}

export function tuneCommand(program: Command): void {
  addDataOptions(program.command('tune'))
    .description('step 3: random search over hidden units, layers, batch size and learning rate (never a grid)')
    .option('--trials <n>', 'trial budget', '12')
    .option('--minutes <m>', 'time budget; no trial starts after it')
    .option('--epochs <n>', 'epochs per trial', '8')
    .option('--optimizer <kind>', 'sgd, adam or adamw', 'adam')
    .option('--study <name>', 'study name in the store (default: from the data)')
    .addHelpText('after', `
Examples:
  sixstep tune --data data/penguins.json --target species --trials 20
  sixstep tune --data train.csv --target y --minutes 10 --json`)
    .action(async (o: TuneOptions) => {
      const out = makeOut(Boolean(o.json));
      const p = await plan(o, out, { quiet: Boolean(o.json) });
      const study = o.study ?? `tune-${p.datasetName}-${Date.now()}`;
      const base = p.proposal.spec;
      const width = base.family === 'tabular' ? base.options.hidden[0] : 64;
      const space: SearchSpace = {
        hidden: base.family === 'tabular' ? { min: Math.max(2, Math.round(width / 4)), max: Math.max(8, width * 8), log: true, integer: true } : undefined,
        layers: base.family === 'tabular' ? { min: 1, max: 3, integer: true } : undefined,
        learningRate: { min: 1e-4, max: 3e-2, log: true },
      };
      const interrupt = new Interrupt();
      const bar = new ProgressBar('trials', Number(o.trials), !o.json || true);
      out.step(3, `random search (${o.trials} trials${o.minutes ? `, ${o.minutes} min` : ''})`);
      try {
        const result = await randomSearch(
          { space, trials: Number(o.trials), minutes: o.minutes ? Number(o.minutes) : undefined, seed: Number(o.seed), onTrial: (t) => bar.update(t.number + 1, `best ${Math.min(...[Infinity, t.value].filter(Number.isFinite)).toFixed(4)}`) },
          async (params, ctx) => {
            if (interrupt.requested) throw new Error('interrupted');
            const trial = p.store.claimTrial(study, { params: params as any, claimedBy: `pid ${process.pid}` });
            const pruner: Callback = {
              order: 95,
              afterEpoch: (l: Learner) => {
                if (l.lastEpoch?.validLoss != null && ctx.report(l.epoch, l.lastEpoch.validLoss)) throw new CancelFit();
              },
            };
            let fit;
            try {
              fit = await fitModel(p.prepared, {
                spec: specFor(base, params),
                cost: p.cost,
                optimizer: o.optimizer,
                lr: params.learningRate ?? 1e-3,
                epochs: Number(o.epochs),
                batchSize: params.batchSize,
                seed: Number(o.seed) + ctx.number,
                callbacks: [pruner, interrupt],
              });
            } catch (e) {
              p.store.finishTrial(study, trial.trialNumber, { state: 'failed' });
              throw e;
            }
            const value = fit.best?.validLoss ?? NaN;
            const trainLoss = fit.best?.trainLoss ?? NaN;
            const pruned = fit.history.length < Number(o.epochs);
            p.store.finishTrial(study, trial.trialNumber, { state: pruned ? 'pruned' : 'complete', value: Number.isFinite(value) ? value : null });
            fit.dispose();
            return { validLoss: value, trainLoss };
          },
        );
        bar.done();
        for (const t of result.trials) {
          out.say(`trial ${String(t.number).padStart(2)} ${t.state.padEnd(8)} valid ${Number.isFinite(t.value) ? t.value.toFixed(4) : '   -  '} ${JSON.stringify(t.params)}`);
        }
        if (result.best) out.say(out.color.green(`best: trial ${result.best.number}, validation loss ${result.best.value.toFixed(4)}, ${JSON.stringify(result.best.params)}`));
        out.result({ study, trials: result.trials, best: result.best, space });
      } finally {
        interrupt.release();
        p.store.close();
      }
    });
}
