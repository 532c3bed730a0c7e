// Exit codes that mean something, and errors that say what to do next.
import { DataError, SplitManifestError, SplitColumnError, UnknownColumnError, MissingColumnError } from '../data/index.js';
import { ColumnOptionError } from '../data/column_overrides.js';
import { TorchError, NativeBuildError } from '../tensor/index.js';
import { ModelDirError } from '../artifact/index.js';
import { WeightsError } from '../models/index.js';
import { UnusableModelError } from '../steps/sealed_test.js';
import { FileWriteError, DamagedFileError } from '../files/index.js';
import { StoreWriteError } from '../store/index.js';
import { SplitRecordError } from '../protocol/split_record.js';

/** 5: a model that had its chance to fit does not beat the naive baseline; 6: a file could not be written; 7: step 3 is undecided (the budget was too small to judge). */
export const EXIT = { ok: 0, failure: 1, usage: 2, data: 3, model: 4, noSignal: 5, disk: 6, undecided: 7, interrupted: 130 } as const;

/** The exit code of step 3's verdict (fitVerdict): no signal and undecided each have their own; every other verdict is 0. */
export function verdictExit(verdict: string | undefined): number {
  return verdict === 'no-signal' ? EXIT.noSignal : verdict === 'undecided' ? EXIT.undecided : EXIT.ok;
}

/** A command-line option with a value the command cannot use: exit code 2, no stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function report(e: unknown): number {
  const err = e as Error;
  if (e instanceof UsageError) {
    process.stderr.write(`error: ${err.message}\n(run with --help for usage)\n`);
    return EXIT.usage;
  }
  if (e instanceof UnknownColumnError || e instanceof MissingColumnError || e instanceof SplitColumnError || e instanceof ColumnOptionError) {
    // The option names a column the data lacks: the command line is wrong, not the data.
    process.stderr.write(`error: ${err.message}\n(run with --help for usage)\n`);
    return EXIT.usage;
  }
  if (e instanceof SplitManifestError) {
    process.stderr.write(`error: ${err.message}\n`);
    return e.usage ? EXIT.usage : EXIT.data;
  }
  if (e instanceof SplitRecordError) {
    // The data is fine: the rows a run used are no longer the project's split.
    process.stderr.write(`error: ${err.message}\nRun the training again on the current split (or restore the run's split manifest) to analyse it.\n`);
    return EXIT.data;
  }
  if (e instanceof WeightsError) {
    process.stderr.write(`error: ${err.message}\nPass --arch for the architecture the weights were saved from (torchvision names), or another file.\n`);
    return EXIT.usage;
  }
  if (e instanceof DataError) {
    process.stderr.write(`error: ${err.message}\nFix the data (or pass --lenient to skip bad rows and have them reported), then run the command again.\n`);
    return EXIT.data;
  }
  if (e instanceof ModelDirError || e instanceof UnusableModelError) {
    process.stderr.write(`error: ${err.message}\nRe-create the model with \`sixstep fit\` or \`sixstep auto\`.\n`);
    return EXIT.model;
  }
  if (e instanceof FileWriteError || e instanceof StoreWriteError) {
    process.stderr.write(`error: ${err.message}\nFree some space (or raise the file size limit) and run the command again; nothing was left half-written.\n`);
    return EXIT.disk;
  }
  if (e instanceof DamagedFileError) {
    process.stderr.write(`error: ${err.message}\n`);
    return EXIT.disk;
  }
  if (e instanceof NativeBuildError) {
    process.stderr.write(`error: ${err.message}\n`);
    return EXIT.failure;
  }
  if (e instanceof TorchError) {
    process.stderr.write(`error (${err.name}): ${err.message}\n`);
    return EXIT.failure;
  }
  process.stderr.write(`error: ${err?.message ?? String(e)}\n${process.env.SIXSTEP_DEBUG ? `${err?.stack}\n` : 'Set SIXSTEP_DEBUG=1 for a stack trace.\n'}`);
  return EXIT.failure;
}
