// The commands under test on their own, as main.ts registers them, without
// the training commands: those load libtorch, which costs a second or two
// per process on a busy machine. Errors are printed the way main.ts's
// report() prints plain errors.
import { Command } from 'commander';
import { runsCommand } from '../../src/cli/commands/runs.js';
import { reportCommand } from '../../src/cli/commands/report.js';
import { uiCommand } from '../../src/cli/commands/ui.js';

const program = new Command().name('sixstep');
runsCommand(program);
reportCommand(program);
uiCommand(program);
program.parseAsync(process.argv).catch((e) => {
  process.stderr.write(`error: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
