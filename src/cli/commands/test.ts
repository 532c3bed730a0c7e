// sixstep test: step 5 on its own — evaluate a saved model once on the sealed
// test split of its data, record it in the ledger, and warn when the test set
// has been looked at before.
import type { Command } from 'commander';
import { addDeviceOption } from '../device.js';
import { readModelDir } from '../../artifact/index.js';
import { buildModel, parameterDevice, type ModelSpec } from '../../steps/architecture.js';
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
        const dir = readModelDir<ModelSpec>(o.model);
        const m = dir.manifest;
        if (m.dataFingerprint && m.dataFingerprint !== p.prepared.fingerprint) {
          out.say(out.color.yellow(`warning: the model was trained on data with fingerprint ${m.dataFingerprint}; this data and split have ${p.prepared.fingerprint}`));
        }
        const model = buildModel(m.architecture, p.prepared.device);
        try {
          dir.loadWeights(model);
          out.step(5, 'verify on the sealed test set');
          const validationLoss = (m.metrics.validation?.loss as number | null | undefined) ?? null;
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
