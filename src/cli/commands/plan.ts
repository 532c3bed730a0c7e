// sixstep plan: steps 1 and 2 — task, cost function, architecture, splits.
import type { Command } from 'commander';
import { addDataOptions, plan, planJson, type DataOptions, type Plan } from '../common.js';
import { makeOut } from '../output.js';
import { planLinearReference } from '../../pipeline/linear_reference.js';
import { describeLinearReference, linearMethod, type LinearReference } from '../../steps/linear_reference.js';

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
        const { result, line } = await planResult(p);
        out.say(out.color.dim(line));
        out.result(result);
      } finally {
        p.store.close();
      }
    });
}

/** What `plan --json` prints: steps 1–2, and step 2's second reference beside the naive baseline (a network with no hidden layer, fitted to convergence). */
export async function planResult(p: Plan) {
  const { reference, reason } = await planLinearReference(p);
  const line = reference ? `linear reference to beat: ${describeLinearReference(reference)}; ${linearMethod()}` : `linear reference: none — ${reason}`;
  let linearReference: Omit<LinearReference, 'measured'> | null = null;
  if (reference) {
    const { measured: _m, ...rest } = reference;
    linearReference = rest;
  }
  return { result: { ...planJson(p), linearReference, linearReferenceReason: reason }, line };
}
