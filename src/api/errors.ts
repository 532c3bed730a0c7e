// The typed errors an API call can throw. Options are refused as the command
// line refuses them (UsageError, the same message); data, model directories
// and rows have their own classes; an aborted run rejects with RunInterrupted.
export { UsageError } from '../cli/errors.js';
export { DataError, UnknownColumnError, MissingColumnError, SplitManifestError, SplitColumnError } from '../data/index.js';
export { ModelDirError } from '../artifact/index.js';
export { InputError, UnsupportedModelError } from '../serve/index.js';

/** A run stopped by its AbortSignal: what finished is kept in the store; `resume: true` continues it. */
export class RunInterrupted<R = unknown> extends Error {
  override name = 'RunInterrupted';
  /** What the command's --json would have printed for the interrupted run. */
  readonly result: R;
  constructor(command: string, run: string, result: R) {
    super(`${command} run ${run} was interrupted; what finished is kept (call again with resume: true to continue)`);
    this.result = result;
  }
}
