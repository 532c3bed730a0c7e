#!/usr/bin/env node
// The sixstep command line: one face of the library.
import { Command } from 'commander';
import { planCommand } from './commands/plan.js';
import { lrFindCommand } from './commands/lr_find.js';
import { fitCommand } from './commands/fit.js';
import { tuneCommand } from './commands/tune.js';
import { autoCommand } from './commands/auto.js';
import { testCommand } from './commands/test.js';
import { doctorCommand } from './commands/doctor.js';
import { serveCommand } from './commands/serve.js';
import { predictCommand } from './commands/predict.js';
import { runsCommand } from './commands/runs.js';
import { uiCommand } from './commands/ui.js';
import { reportCommand } from './commands/report.js';
import { report, EXIT } from './errors.js';
import { checkNumericOptions } from './numbers.js';
import { interpretCommand } from './commands/interpret.js';
import { exportCommand } from './commands/export.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('sixstep')
    .description('The six steps of a disciplined deep-learning project, on libtorch:\n  1 cost function · 2 architecture · 3 fit training · 4 fit validation · 5 sealed test · 6 real world')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    // Commander's own refusals (unknown option, missing argument) are usage errors: exit 2, not 1.
    .exitOverride((err) => process.exit(err.exitCode === 1 ? EXIT.usage : err.exitCode));
  planCommand(program);
  lrFindCommand(program);
  fitCommand(program);
  tuneCommand(program);
  autoCommand(program);
  testCommand(program);
  doctorCommand(program);
  serveCommand(program);
  predictCommand(program);
  runsCommand(program);
  uiCommand(program);
  reportCommand(program);
  exportCommand(program);
  interpretCommand(program);
  return checkNumericOptions(program);
}

buildProgram()
  .parseAsync(process.argv)
  .catch((e) => {
    process.exitCode = report(e);
  });
