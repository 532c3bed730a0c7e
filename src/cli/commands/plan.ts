// sixstep plan: steps 1 and 2 — task, cost function, architecture, splits.
import type { Command } from 'commander';
import { addDataOptions, plan, planJson, type DataOptions } from '../common.js';
import { makeOut } from '../output.js';
import { planLinearReference } from '../../pipeline/linear_reference.js';
import { describeLinearReference, linearMethod } from '../../steps/linear_reference.js';

export function planCommand(program: Command): void {
  addDataOptions(program.command('plan'))
    .description('steps 1–2: infer the task, pick the cost function and the initial architecture, split the data')
    .addHelpText('after', `
Examples:
  sixstep plan --data data/penguins.json --target Species
  sixstep plan --data node_modules/vega-datasets/data/cars.json --target Horsepower --rule samples --alpha 4 --json
  sixstep plan --data node_modules/vega-datasets/data/seattle-weather.csv --target weather --split-by time:date --assignments rows.csv
  sixstep plan --data node_modules/vega-datasets/data/income.json --target total --group id
  sixstep plan --data /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz --test /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz`)
    .action(async (o: DataOptions) => {
      const out = makeOut(Boolean(o.json));
      const p = await plan(o, out);
      try {
        // Step 2's second reference, beside the naive baseline: a network with no hidden layer, fitted to convergence.
        const { reference, reason } = await planLinearReference(p);
        out.say(out.color.dim(reference ? `linear reference to beat: ${describeLinearReference(reference)}; ${linearMethod()}` : `linear reference: none — ${reason}`));
        const { measured: _m, ...linearReference } = reference ?? { measured: null };
        out.result({ ...planJson(p), linearReference: reference ? linearReference : null, linearReferenceReason: reason });
      } finally {
        p.store.close();
      }
    });
}
