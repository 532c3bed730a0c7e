// sixstep test: step 5 on its own — evaluate a saved model once on the sealed
// test split of its data, record it in the ledger, and warn when the test set
// has been looked at before.
import type { Command } from 'commander';
import { addDeviceOption } from '../device.js';
import { join } from 'node:path';
import { loadModelDir, neutralInput, ModelDirError, MANIFEST, type ModelManifest } from '../../artifact/index.js';
import { specOutputs } from '../../models/spec_bounds.js';
import type { Preprocessing, Prepared } from '../../data/prepare.js';
import { buildModel, parameterDevice, specColumns, type ModelSpec } from '../../models/index.js';
import { UsageError } from '../errors.js';
import type { Plan } from '../common.js';
import { evaluateOnTest } from '../../steps/sealed_test.js';
import { metricsFor } from '../../steps/fit.js';
import { addDataOptions, plan, type DataOptions } from '../common.js';
import { makeOut } from '../output.js';

interface TestOptions extends DataOptions {
  model: string;
}

export function testCommand(program: Command): void {
  addDeviceOption(addDataOptions(program.command('test')))
    .description('step 5: evaluate a saved model once on the sealed test split (recorded in the test ledger)')
    .requiredOption('--model <dir>', 'a model directory written by fit or auto')
    .addHelpText('after', `
Examples:
  sixstep test --model sixstep-project/models/<run> --data data/penguins.json --target Species
The test split is the one in the project's split manifest; every evaluation is recorded, and a second look warns.`)
    .action(async (o: TestOptions) => {
      const out = makeOut(Boolean(o.json));
      const p = await plan(o, out, { quiet: true });
      try {
        // The checks predict, serve and export apply, before the test split is unsealed.
        const { read, model } = loadModelDir<ModelSpec>(o.model, (spec) => buildModel(spec, p.prepared.device), {
          accept: (m) => {
            requireSameInputs(o.model, m.architecture, p);
            requireSameShape(o.model, m, p.prepared);
          },
        });
        const m = read.manifest;
        try {
          if (m.dataFingerprint && m.dataFingerprint !== p.prepared.fingerprint) {
            out.say(out.color.yellow(`warning: the model was trained on data with fingerprint ${m.dataFingerprint}; this data and split have ${p.prepared.fingerprint}`));
          }
          out.step(5, 'verify on the sealed test set');
          const validationLoss = (m.metrics?.validation?.loss as number | null | undefined) ?? null;
          const t = await evaluateOnTest({ prepared: p.prepared, model, cost: p.cost, metrics: metricsFor(p.prepared.task, p.prepared.classes), store: p.store, modelId: o.model, validationLoss, baselineLoss: p.baseline.loss });
          out.say(`test: loss ${t.loss.toFixed(4)} ${Object.entries(t.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' ')} (validation loss ${validationLoss?.toFixed(4) ?? '–'})`);
          out.say(`the test set of this data has been evaluated ${t.evaluations} time${t.evaluations === 1 ? '' : 's'}`);
          for (const w of t.warnings) out.say(out.color.yellow(`warning: ${w}`));
          if (t.advice) out.say(out.color.yellow(`advice: ${t.advice}`));
          out.result({ model: o.model, test: { loss: t.loss, ...t.metrics, ...(t.evaluation?.metrics ?? {}) }, validationLoss, testEvaluations: t.evaluations, warnings: t.warnings, advice: t.advice, diagnosis: t.diagnosis ?? null, device: parameterDevice(model) });
        } finally {
          model.dispose();
        }
      } finally {
        p.store.close();
      }
    });
}

/** The model must take this data's inputs and give its outputs; otherwise step 5 would fail midway or measure nonsense. */
function requireSameShape(dir: string, m: ModelManifest<ModelSpec, Preprocessing>, prepared: Prepared): void {
  const takes = neutralInput(m.preprocessing)?.shape.join('×');
  const gives = neutralInput(prepared.preprocessing)?.shape.join('×');
  const outputs = specOutputs(m.architecture);
  if (takes !== gives) throw new ModelDirError(join(dir, MANIFEST), `the model takes inputs of ${takes ?? 'an unknown shape'} (one example); this data is prepared as ${gives}: it was trained on other data or another preprocessing`);
  if (outputs !== prepared.archInput.outputs) throw new ModelDirError(join(dir, MANIFEST), `the model has ${outputs} outputs; this data's ${prepared.task} target needs ${prepared.archInput.outputs}`);
}

/** The model must read the columns this run prepares (the same --ignore and --kind as its training): else the rows would be encoded for another network. */
function requireSameInputs(dir: string, spec: ModelSpec, p: Plan): void {
  const model = specColumns(spec);
  const run = specColumns(p.proposal.spec);
  if (!model || !run || (model.length === run.length && model.every((c) => run.includes(c)))) return;
  throw new UsageError(`--model ${dir} reads the columns ${model.join(', ')}; with these options the data's inputs are ${run.join(', ')}: pass the --ignore and --kind it was trained with`);
}
