// A run that ends by an error (or a signal) is marked so, so that no run stays
// "running" after its process is gone.
import type { Store } from '../store/index.js';

/**
 * Marks the run failed (or interrupted). If the store cannot be written either
 * (a full disk), that is said on stderr; the caller rethrows the original error.
 */
export function endRunOnError(store: Store, runId: string, e: unknown, interrupted = false): void {
  const status = interrupted ? 'interrupted' : 'failed';
  try {
    store.finishRun(runId, { status, summary: { error: (e as Error)?.message ?? String(e) } });
  } catch (inner) {
    process.stderr.write(`warning: run ${runId} could not be marked ${status} in the store: ${(inner as Error).message}\n`);
  }
}
