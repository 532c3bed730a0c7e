// Held-out rows equal to a training row up to formatting — the same record
// typed twice, "3.14159" against "3.14", "Main St." against "main st" — are
// duplicates the exact check misses: the model is validated and tested on
// rows it has learned. Compared as near keys (data/fingerprint.ts), so the
// held-out values are never read here. Counted against chance: the same
// count against training rows whose columns were shuffled independently
// (seeded), which matches only what the columns' own density explains.
import { Rng } from '../prng.js';
import { nearKey } from '../fingerprint.js';
import type { Row, Table } from '../table.js';
import { fig, type Finding } from './finding.js';

/** At least this many held-out near-duplicates… */
export const MIN_NEAR = 3;
/** …and this many times what shuffled columns give. */
export const OVER_CHANCE = 5;

export interface NearInput {
  train: Table;
  /** The columns of the duplicate check (features and target). */
  columns: string[];
  /** Near keys and lines of the held-out rows, exact duplicates already removed. */
  validation: Array<{ key: string; line: number }>;
  test: Array<{ key: string; line: number }>;
  seed: number;
}

/** Held-out rows with a near-duplicate in an earlier split, with line pairs, and the count shuffled training columns give. */
export function nearDuplicates(o: NearInput): { count: number; chance: number; heldOut: number; examples: Array<{ line: number; of: number }> } {
  const trainKeys = new Map<string, number>();
  o.train.rows.forEach((r, i) => {
    const k = nearKey(r, o.columns);
    if (!trainKeys.has(k)) trainKeys.set(k, o.train.lines[i]);
  });
  const valKeys = new Map<string, number>();
  for (const v of o.validation) if (!valKeys.has(v.key)) valKeys.set(v.key, v.line);
  const examples: Array<{ line: number; of: number }> = [];
  for (const v of o.validation) {
    const t = trainKeys.get(v.key);
    if (t !== undefined) examples.push({ line: v.line, of: t });
  }
  for (const v of o.test) {
    const t = trainKeys.get(v.key) ?? valKeys.get(v.key);
    if (t !== undefined) examples.push({ line: v.line, of: t });
  }
  // Chance: every column shuffled on its own across the training rows.
  const rng = new Rng(o.seed);
  const n = o.train.rows.length;
  const perms = o.columns.map(() => rng.permutation(n));
  const shuffled = new Set<string>();
  for (let i = 0; i < n; i++) {
    const r: Row = {};
    o.columns.forEach((c, j) => (r[c] = o.train.rows[perms[j][i]][c]));
    shuffled.add(nearKey(r, o.columns));
  }
  const chance = [...o.validation, ...o.test].filter((v) => shuffled.has(v.key)).length;
  return { count: examples.length, chance, heldOut: o.validation.length + o.test.length, examples };
}

export function nearDuplicateFinding(o: NearInput): Finding | null {
  const d = nearDuplicates(o);
  if (d.count < MIN_NEAR || d.count < OVER_CHANCE * Math.max(1, d.chance)) return null;
  const pairs = d.examples.slice(0, 3).map((e) => `line ${e.line} ~ ${e.of}`).join(', ');
  return {
    kind: 'near-duplicates', column: null, measure: 'held-out rows equal to an earlier split\'s row up to formatting', value: d.count, threshold: MIN_NEAR, option: '--drop-near-duplicates',
    message: `${d.count} of the ${d.heldOut} validation and test rows equal a training (or validation) row up to case, punctuation, spaces and 3 significant digits (${pairs}${d.count > 3 ? ', …' : ''}; shuffled columns give ${d.chance}): exact duplicates are removed, these are not — --drop-near-duplicates removes them from the held-out splits`,
    detail: { heldOut: d.heldOut, chance: d.chance },
  };
}
