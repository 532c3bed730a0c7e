// sixstep lr-find: step 3's learning-rate finder, with its plot.
import { join } from 'node:path';
import type { Command } from 'commander';
import { addDeviceOption } from '../device.js';
import { manualSeed } from '../../tensor/index.js';
import { Learner, lrFind } from '../../train/index.js';
import { buildModel, parameterDevice } from '../../steps/architecture.js';
import { trainingLoss } from '../../steps/scale_free.js';
import { makeOptimizer, type OptimizerKind } from '../../steps/fit.js';
import { writeChart, lrFinderChart, asciiChart } from '../../plot/index.js';
import { addDataOptions, plan, plotsDir, type DataOptions } from '../common.js';
import { makeOut } from '../output.js';
import { newRunId } from '../../store/index.js';

interface LrFindOptions extends DataOptions {
  optimizer: OptimizerKind;
  batchSize?: string;
  startLr: string;
  endLr: string;
  iterations: string;
}

export function lrFindCommand(program: Command): void {
  addDeviceOption(addDataOptions(program.command('lr-find')))
    .description('step 3: sweep the learning rate exponentially and suggest one (writes an SVG and PNG plot)')
    .option('--optimizer <kind>', 'sgd (momentum 0.9), adam or adamw', 'sgd')
    .option('--batch-size <n>', 'mini-batch size')
    .option('--start-lr <lr>', 'first learning rate', '1e-7')
    .option('--end-lr <lr>', 'last learning rate', '10')
    .option('--iterations <n>', 'sweep length', '100')
    .addHelpText('after', `
Examples:
  sixstep lr-find --data data/penguins.json --target Species
  sixstep lr-find --data node_modules/vega-datasets/data/cars.json --target Miles_per_Gallon --optimizer adam --json`)
    .action(async (o: LrFindOptions) => {
      const out = makeOut(Boolean(o.json));
      const p = await plan(o, out, { quiet: Boolean(o.json) });
      const seed = Number(o.seed);
      manualSeed(seed);
      const model = buildModel(p.proposal.spec, p.prepared.device);
      const optimizer = makeOptimizer(o.optimizer, model, 1e-3);
      const train = p.prepared.loader('train', { batchSize: o.batchSize ? Number(o.batchSize) : undefined, seed, sampling: p.cost.sampling });
      try {
        out.step(3, 'learning-rate finder');
        const learner = new Learner({ model, optimizer, costFunction: trainingLoss(p.prepared, p.cost), train });
        const r = await lrFind(learner, { startLr: Number(o.startLr), endLr: Number(o.endLr), numIter: Number(o.iterations) });
        // Each rule is drawn where it read the curve (the minimum rule suggests a tenth of its point).
        const marks = (['suggestion', 'steep', 'valley', 'minimum', 'slide'] as const).map((rule) => ({ rule: rule === 'suggestion' ? "seed's pick" : rule === 'minimum' ? 'minimum (suggests ÷10)' : rule, lr: r.lrs[r[rule].index], loss: r.losses[r[rule].index] }));
        const runId = newRunId('lr-find');
        const files = await writeChart(lrFinderChart({ lrs: r.lrs, losses: r.losses, marks }), join(plotsDir(p.projectDir), runId));
        p.store.saveLrFind({ id: runId, points: r.lrs.map((lr, i) => ({ lr, loss: r.losses[i] })), suggestion: r.suggestion.lr, config: { optimizer: o.optimizer, data: o.data, target: o.target ?? null }, summary: { steep: r.steep.lr, valley: r.valley.lr, minimum: r.minimum.lr, slide: r.slide.lr, plot: files.svg } });
        out.say(asciiChart(r.lrs, r.losses, {
          logX: true,
          xLabel: 'learning rate',
          marks: [
            { x: r.suggestion.lr, symbol: '●', label: `seed's pick (right of steepest) ${r.suggestion.lr.toExponential(2)}` },
            { x: r.steep.lr, symbol: 's', label: `steep ${r.steep.lr.toExponential(2)}` },
            { x: r.valley.lr, symbol: 'v', label: `valley ${r.valley.lr.toExponential(2)}` },
            { x: r.minimum.lr * 10, symbol: 'm', label: `minimum/10 ${r.minimum.lr.toExponential(2)}` },
            { x: r.slide.lr, symbol: 'l', label: `slide ${r.slide.lr.toExponential(2)}` },
          ],
        }));
        out.say(`suggested learning rate: ${out.color.green(r.suggestion.lr.toExponential(2))} (${r.lrs.length} points, ${r.stoppedBecause})`);
        out.say(`plot: ${files.svg} (and ${files.png})`);
        out.result({ suggestion: r.suggestion.lr, steep: r.steep.lr, valley: r.valley.lr, minimum: r.minimum.lr, slide: r.slide.lr, plot: files.svg, png: files.png, points: r.lrs.length, stoppedBecause: r.stoppedBecause, optimizer: o.optimizer, device: parameterDevice(model) });
      } finally {
        train.dispose();
        optimizer.dispose();
        model.dispose();
        p.store.close();
      }
    });
}
