// sixstep doctor: where the project stands in the playbook, and what to do next.
import type { Command } from 'commander';
import { diagnose } from '../../steps/doctor.js';
import { realWorldSummary } from '../../serve/records_read.js';
import { openProject } from '../common.js';
import { makeOut } from '../output.js';
import { readModelDir, ModelDirError } from '../../artifact/index.js';
import { engineReport, describeEngine } from '../../tensor/index.js';

export function doctorCommand(program: Command): void {
  program
    .command('doctor')
    .description("reads the project's history: which step it is in, bias, variance, test gap, and the next actions")
    .option('--project <dir>', 'project folder', 'sixstep-project')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExample:\n  sixstep doctor --project sixstep-project')
    .action((o: { project: string; json?: boolean }) => {
      const out = makeOut(Boolean(o.json));
      const { store } = openProject(o.project);
      try {
        const runs = store.listRuns().map((r) => ({ id: r.id, kind: r.kind, status: r.status, startedAt: r.startedAt, summary: r.summary, config: r.config }));
        const latest = runs.filter((r) => r.kind === 'fit' || r.kind === 'auto').sort((a, b) => b.startedAt - a.startedAt)[0];
        const decisions = latest ? store.decisionsOf(latest.id) : [];
        const fp = (latest?.summary as any)?.dataFingerprint ?? (latest?.config as any)?.fingerprint;
        const ledger = store.ledger(fp ? { datasetFingerprint: fp } : {});
        const rw = realWorldSummary(store);
        const d = diagnose(runs as any, decisions, ledger, rw ? { metric: rw.metric, value: rw.value, testValue: rw.testValue } : null);
        // The engine first: a slow BLAS makes every later number slow.
        const engine = engineReport();
        out.say(`engine:   ${describeEngine(engine)}`);
        if (engine.warning) {
          if (o.json) process.stderr.write(`warning: ${engine.warning}\n`);
          else out.say(out.color.yellow(`warning: ${engine.warning}`));
        }
        out.say(`${out.color.bold(`Step ${d.step}`)} — ${d.stepTitle}${d.latestRun ? ` (latest run ${d.latestRun})` : ''}`);
        if (d.bias) out.say(`bias:     training loss ${d.bias.trainLoss.toPrecision(4)} against "${d.bias.baseline}" ${d.bias.baselineLoss.toPrecision(4)}; best training loss so far ${d.bias.bestTrainLoss.toPrecision(4)} — ${d.bias.verdict}`);
        if (d.linear) out.say(`linear:   ${d.linear.verdict}`);
        if (d.variance) out.say(`variance: validation − training = ${d.variance.gap.toPrecision(3)} — ${d.variance.verdict}`);
        if (d.test) out.say(`test gap: test − validation = ${d.test.gap.toPrecision(3)} over ${d.test.evaluations} evaluation(s) — ${d.test.verdict}`);
        if (d.realWorld) out.say(`real world: ${d.realWorld.metric} ${d.realWorld.value.toPrecision(4)} against test ${d.realWorld.testValue?.toPrecision(4) ?? '–'} — ${d.realWorld.verdict}`);
        // The latest run's model directory, through the same check every loading command applies.
        const modelDir = (latest?.summary as { model?: unknown } | null | undefined)?.model;
        let model: { dir: string; ok: boolean; problem: string | null } | null = null;
        if (typeof modelDir === 'string') {
          try {
            readModelDir(modelDir);
            model = { dir: modelDir, ok: true, problem: null };
          } catch (e) {
            if (!(e instanceof ModelDirError)) throw e;
            model = { dir: modelDir, ok: false, problem: e.message };
            out.say(out.color.yellow(`model:    ${e.message} — re-create it with \`sixstep fit\` or \`sixstep auto\``));
          }
        }
        out.say('next:');
        for (const n of d.next) out.say(`  - ${n}`);
        out.result({ ...d, engine, model });
      } finally {
        store.close();
      }
    });
}
