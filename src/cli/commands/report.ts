// sixstep report: (re)writes a run's charts as SVG and PNG files from what the
// store holds — after a crash, for an older run, or to refresh them — and
// records them as the run's plot artifacts.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { writeChart } from '../../plot/index.js';
import { findRun, openExistingStore, runCharts } from '../../ui/index.js';
import { makeOut } from '../output.js';

export function reportCommand(program: Command): void {
  program
    .command('report')
    .description("writes a run's charts (loss curves, steps and learning rate, gradient norms, lr finder, regularization ladder) as SVG and PNG")
    .requiredOption('--run <id>', 'run id (or a unique start or end of one)')
    .option('--project <dir>', 'project folder', 'sixstep-project')
    .option('--out <dir>', 'folder for the files (default: <project>/plots)')
    .option('--json', 'print one JSON object')
    .addHelpText('after', `
Examples:
  sixstep report --run fit-20250101-120000-a1b2c3
  sixstep report --run a1b2c3 --out figures --json`)
    .action(async (o: { run: string; project: string; out?: string; json?: boolean }) => {
      const out = makeOut(Boolean(o.json));
      const { store, projectDir } = openExistingStore(o.project);
      try {
        const run = findRun(store, o.run);
        const dir = resolve(o.out ?? join(projectDir, 'plots'));
        mkdirSync(dir, { recursive: true });
        const charts: Array<{ name: string; title: string; svg: string; png: string }> = [];
        for (const c of runCharts(store, run)) {
          // Named as the commands that first wrote them name them, so a rewrite replaces those files.
          const files = await writeChart(c.spec, join(dir, c.name === 'lr-find' ? run.id : `${c.name}-${run.id}`));
          await store.addArtifactFile(run.id, 'plot', files.svg);
          await store.addArtifactFile(run.id, 'plot', files.png);
          charts.push({ name: c.name, title: c.title, ...files });
          out.say(`${c.title}: ${files.svg} (and ${files.png})`);
        }
        if (!charts.length) out.say(`run ${run.id} has no steps, epochs or probes recorded yet: nothing to plot`);
        const html = (run.summary as Record<string, unknown> | null)?.report;
        if (typeof html === 'string') out.say(out.color.dim(`the autopilot's HTML report: ${html}`));
        out.result({ run: run.id, charts });
      } finally {
        store.close();
      }
    });
}
