// --folds k: cross-validation for small tables, checked once at the edge
// (tables only; k from 2 to the smallest class's non-test rows), and the
// plan's advice to use it when the validation split is small.
import type { Command } from 'commander';
import { UsageError } from './errors.js';
import { foldLimit, makeFolds, type FoldSet } from '../data/folds.js';
import type { Prepared } from '../data/prepare.js';
import type { Store } from '../store/index.js';

/** Below this many validation rows the plan suggests --folds (one row moves a mean loss by more than 0.5 %). */
export const SMALL_VALIDATION = 200;

/** What --folds does, per command. */
const FOLDS_USE: Record<string, string> = {
  auto: "step 3's verdict and search and step 4's ladder read the mean over the folds",
  fit: 'the fitted recipe also trains on each fold: per-fold figures with mean, min–max and sd; the model kept is the default split\'s',
  tune: "each trial is scored by its mean over the folds; the best trial's configuration is then trained on the default split",
};

export function addFoldsOption(c: Command): Command {
  const use = FOLDS_USE[c.name()] ?? 'decisions read the mean over the folds';
  return c.option('--folds <k>', `tables: k cross-validation folds of the non-test rows (stratified, from the seed; by group with --group, forward in time with --split-by time; the sealed test split stays outside every fold; each fold's statistics from its own training rows) — ${use}; suggested when the validation split has fewer than ${SMALL_VALIDATION} rows`);
}

/** The folds asked for, checked against the data: a UsageError (exit 2) naming --folds, what it needs and what it found. */
export function foldsChoice(folds: number | string | undefined, p: Prepared, seed: number): FoldSet | undefined {
  if (folds === undefined) return undefined;
  const k = Number(folds);
  if (p.kind === 'image') throw new UsageError('--folds cross-validates tables, found images (drop --folds)');
  if (!Number.isInteger(k) || k < 2) throw new UsageError(`--folds expects an integer ≥ 2, found ${JSON.stringify(String(folds))}`);
  const rows = p.counts.train + p.counts.validation;
  if (k > rows) throw new UsageError(`--folds expects at most the ${rows} non-test rows, found ${k}`);
  const limit = foldLimit(p);
  if (k > limit.max) throw new UsageError(`--folds expects at most ${limit.max} (${limit.why}), found ${k}`);
  const set = makeFolds(p, k, seed);
  // Stratified random folds need a row of every class in each; group and time folds deal groups and periods.
  if (set.classCounts && (p.splitBy?.kind ?? 'random') === 'random') {
    const [cls, n] = Object.entries(set.classCounts).reduce((a, b) => (b[1] < a[1] ? b : a));
    if (k > n) throw new UsageError(`--folds expects at most ${n} (the smallest class, ${JSON.stringify(cls)}, has ${n} non-test rows; each fold needs one), found ${k}`);
  }
  return set;
}

/** The plan's advice: stated, not forced. */
export function foldsAdvice(p: Prepared): string | null {
  if (p.kind === 'image' || p.counts.validation >= SMALL_VALIDATION) return null;
  return `the validation split has ${p.counts.validation} rows (under ${SMALL_VALIDATION}): single-split decisions are noisy; \`--folds 5\` decides on the mean over 5 cross-validation folds of the ${p.counts.train + p.counts.validation} non-test rows (the sealed test split stays outside)`;
}

/** foldsChoice for a command holding the project store: the store is closed before the usage error leaves. */
export function foldsOrClose(folds: number | string | undefined, p: { prepared: Prepared; store: Store }, seed: number): FoldSet | undefined {
  try {
    return foldsChoice(folds, p.prepared, seed);
  } catch (e) {
    p.store.close();
    throw e;
  }
}
