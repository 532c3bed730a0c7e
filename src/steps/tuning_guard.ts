// The methodology enforced, not suggested: while tuning (steps 3 and 4) the
// test split cannot be read at all. Every SealedTest unseal goes through a
// process-wide listener that refuses it inside tuning().
import { onUnseal } from '../data/index.js';

/** Thrown when tuning code tries to read the sealed test split. */
export class SealedTestError extends Error {
  override name = 'SealedTestError';
}

let depth = 0;
onUnseal((access) => {
  if (depth > 0) {
    throw new SealedTestError(`the test split is sealed during tuning (steps 3–4) and cannot be read ("${access.reason}"); evaluate it once, at step 5 (sixstep test)`);
  }
});

/** Runs tuning code (fitting, search, regularization) with the test split locked. */
export async function tuning<T>(fn: () => Promise<T>): Promise<T> {
  depth++;
  try {
    return await fn();
  } finally {
    depth--;
  }
}

export function isTuning(): boolean {
  return depth > 0;
}
