// sixstep ui: the local dashboard over the project store, until Ctrl-C.
import type { Command } from 'commander';
import { startDashboard } from '../../ui/index.js';
import { makeOut } from '../output.js';

export function uiCommand(program: Command): void {
  program
    .command('ui')
    .description('a local, read-only web dashboard: runs and their curves, lr finder, trials, regularization ladder, test ledger, compare')
    .option('--project <dir>', 'project folder', 'sixstep-project')
    .option('--port <n>', 'port to listen on (0: any free port)', '4873')
    .option('--host <address>', 'address to bind; anything but loopback lets others on the network read the project', '127.0.0.1')
    .option('--json', 'print {"url": …} once listening')
    .addHelpText('after', `
Examples:
  sixstep ui --project sixstep-project            then open http://127.0.0.1:4873/
  sixstep ui --project runs/penguins --port 0     any free port; the URL is printed`)
    .action(async (o: { project: string; port: string; host: string; json?: boolean }) => {
      const out = makeOut(Boolean(o.json));
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0 to 65535, not ${o.port}`);
      const d = await startDashboard({ projectDir: o.project, host: o.host, port });
      out.say(`sixstep dashboard for ${d.projectDir}: ${out.color.cyan(d.url)}`);
      out.say(out.color.dim('read-only; press Ctrl-C to stop'));
      if (!['127.0.0.1', 'localhost', '::1'].includes(d.host)) out.say(out.color.yellow(`warning: listening on ${d.host}: anyone who can reach it can read this project`));
      out.result({ url: d.url, project: d.projectDir });
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void d.close();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
