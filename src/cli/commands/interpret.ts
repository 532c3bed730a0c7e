// sixstep interpret: where a run's model fails, on the validation split —
// confusion matrix, most-confused pairs, top losses with their rows,
// calibration, residuals, and permutation feature importance for tables.
// The test split is shown only as step 5 recorded it.
import type { Command } from 'commander';
import { loadModelDir, ModelDirError } from '../../artifact/index.js';
import { buildModel, type ModelSpec } from '../../models/index.js';
import { interpretModel, storedViews, type Interpretation } from '../../interpret/index.js';
import { findRun, openExistingStore } from '../../ui/index.js';
import type { Schema } from '../../data/index.js';
import type { Preprocessing } from '../../data/prepare.js';
import { planOnly } from '../common.js';
import { followSplit, splitManifestPath, splitRecordOf } from '../../protocol/index.js';
import { makeOut } from '../output.js';
import { UsageError } from '../errors.js';

interface InterpretOptions {
  run: string;
  project: string;
  top: string;
  repeats: string;
  json?: boolean;
}

const positiveInt = (v: string, name: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
};

export function interpretCommand(program: Command): void {
  program
    .command('interpret')
    .description("error analysis of a run's model on validation: confusion, most-confused pairs, top losses, calibration, residuals, feature importance")
    .requiredOption('--run <id>', 'the run (fit or auto) whose model to analyse; a unique prefix or suffix of its id will do')
    .option('--project <dir>', 'project folder', 'sixstep-project')
    .option('--top <n>', 'top losses to list', '10')
    .option('--repeats <n>', 'shuffles per feature for permutation importance', '5')
    .option('--json', 'print one JSON object')
    .addHelpText('after', `
Examples:
  sixstep interpret --run auto-20261130-190000-ab12cd
  sixstep interpret --run ab12cd --json | jq .mostConfused`)
    .action(async (o: InterpretOptions) => {
      const out = makeOut(Boolean(o.json));
      const top = positiveInt(o.top, '--top');
      const repeats = positiveInt(o.repeats, '--repeats');
      const { store, projectDir } = openExistingStore(o.project);
      try {
        let run;
        try {
          run = findRun(store, o.run);
        } catch (e) {
          throw new UsageError(`--run: ${(e as Error).message}`);
        }
        const summary = (run.summary ?? {}) as { model?: string | null };
        const config = (run.config ?? {}) as { data?: string; target?: string | null; test?: string | null; seed?: number | string };
        if (!summary.model) throw new ModelDirError(o.run, `run ${run.id} (${run.kind}, ${run.status}) saved no model; interpret needs a run of fit or auto that finished with one`);
        if (!config.data) throw new UsageError(`--run: run ${run.id} records no data file in its configuration`);
        // The rows the run used: its recorded split (its manifest's seed and shares), never this command's defaults.
        const split = await followSplit(splitRecordOf(run.config), splitManifestPath(projectDir, config.data), run.id);
        const { read, model } = loadModelDir<ModelSpec>(summary.model, (spec) => buildModel(spec), {
          accept: (m) => {
            if (m.task === 'multilabel') throw new UsageError(`--run: run ${run.id} is multilabel; interpret covers regression, binary and multiclass models`);
          },
        });
        const m = read.manifest;
        const task = m.task as 'binary' | 'multiclass' | 'regression';
        const seed = Number(config.seed ?? 0);
        let view: Interpretation;
        // Images and text: the run's split, prepared once for the batches and the thumbnails.
        let plan: ReturnType<typeof planOnly> | null = null;
        const planned = () => (plan ??= planOnly({ data: config.data!, target: config.target ?? undefined, test: config.test ?? undefined, project: projectDir, seed: String(seed), splitSeed: String(split.seed), validationShare: split.sources.validation === 'split' ? split.validationShare : undefined, testShare: split.sources.test === 'split' ? split.testShare : undefined }));
        try {
          const pre = m.preprocessing as any;
          view = await interpretModel({
            model,
            task,
            classes: m.classes,
            preprocessing: pre,
            rows: { data: config.data, test: config.test, split },
            seed,
            top,
            repeats,
            validationSource: async () => (await planned()).prepared.loader('validation', { batchSize: 256 }),
            validationImages: async () => (await planned()).prepared.validationImages,
          });
        } finally {
          model.dispose();
        }
        // Kept with the run, so the dashboard shows what was computed here.
        const recorded = store.splitMetrics(run.id).find((s) => s.split === 'validation');
        store.putSplitMetrics(run.id, { split: 'validation', rows: view.rows, metrics: view.metrics, detail: { ...(recorded?.detail ?? {}), ...storedViews(view) } });
        const test = store.splitMetrics(run.id).find((s) => s.split === 'test') ?? null;
        const result = { run: run.id, model: summary.model, ...view, test: test && { rows: test.rows, metrics: test.metrics, confusionMatrix: (test.detail as any).confusion ?? null, recordedAt: test.recordedAt } };
        printText(out, result);
        out.result(result);
      } finally {
        store.close();
      }
    });
}

function printText(out: ReturnType<typeof makeOut>, r: Interpretation & { run: string; test: { metrics: Record<string, number | null> } | null }): void {
  const num = (v: number | null | undefined) => (v === null || v === undefined ? '–' : Number(v).toPrecision(4));
  out.say(`run ${r.run}: ${r.task}, ${r.rows} validation rows`);
  out.say(`validation: ${Object.entries(r.metrics).map(([k, v]) => `${k} ${num(v)}`).join(', ')}`);
  if (r.test) out.say(`test (as step 5 recorded it): ${Object.entries(r.test.metrics).map(([k, v]) => `${k} ${num(v)}`).join(', ')}`);
  if (r.confusionMatrix) {
    out.say('\nconfusion matrix (rows: truth, columns: predicted)');
    const w = Math.max(...r.confusionMatrix.classes.map((c) => c.length), 5);
    out.say(`${''.padEnd(w)}  ${r.confusionMatrix.classes.map((c) => c.padStart(w)).join(' ')}`);
    r.confusionMatrix.counts.forEach((row, i) => out.say(`${r.confusionMatrix!.classes[i].padEnd(w)}  ${row.map((n) => String(n).padStart(w)).join(' ')}`));
  }
  if (r.mostConfused.length) out.say(`\nmost confused: ${r.mostConfused.slice(0, 5).map((p) => `${p.truth} → ${p.predicted} (${p.count})`).join(', ')}`);
  out.say('\ntop losses');
  for (const t of r.topLosses) {
    const head = 'probability' in t ? `truth ${t.truth}, predicted ${t.predicted} (p ${num(t.probability)}, p(truth) ${num(t.truthProbability)})` : `truth ${num(t.truth)}, predicted ${num(t.predicted)}`;
    out.say(`  row ${t.index}${t.line !== undefined ? ` (line ${t.line})` : ''}: ${head}, loss ${num(t.loss)}${t.values ? ` — ${JSON.stringify(t.values)}` : ''}`);
  }
  if (r.calibration) out.say(`\ncalibration (${r.calibration.of}): ECE ${num(r.calibration.ece)}; ${r.calibration.bins.filter((b) => b.count).map((b) => `[${b.lower.toFixed(1)}, ${b.upper.toFixed(1)}) ${num(b.meanPredicted)}→${num(b.observed)} n=${b.count}`).join('; ')}`);
  if (r.residuals) out.say(`\nresiduals: mean ${num(r.residuals.meanResidual)} over ${r.rows} rows`);
  if (r.featureImportance) {
    out.say(`\npermutation feature importance (rise of the validation loss ${num(r.featureImportance.baseLoss)}, ${r.featureImportance.repeats} shuffles)`);
    for (const f of r.featureImportance.features) out.say(`  ${f.feature.padEnd(24)} ${num(f.mean)} ± ${num(f.std)}`);
  }
}
