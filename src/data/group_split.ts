// Splits by group: every value of the group column (a patient, a user, a
// device) lands in exactly one part, so held-out scores measure the model on
// groups it has never seen. Parts are filled greedily, largest groups first
// (seeded order among equal sizes), each group going to the part whose
// per-class shortfall it best fills: the parts keep their shares and, where
// groups allow, their class proportions (like scikit-learn's
// StratifiedGroupKFold). Used for the train/validation/test split (shares as
// given) and for cross-validation folds (k equal shares).
import { DataError } from './errors.js';
import { Rng } from './prng.js';

/**
 * The part (0 … shares.length − 1) of each row: rows of one group share a
 * part. `strata` are class keys per row (null: not stratified). Every part
 * with a positive share gets at least one group when there are enough groups.
 */
export function assignGroupParts(groups: readonly string[], strata: readonly (string | null)[] | null, shares: readonly number[], seed: number): Int32Array {
  const n = groups.length;
  const byGroup = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const rows = byGroup.get(g);
    if (rows) rows.push(i);
    else byGroup.set(g, [i]);
  });
  const wanted = shares.filter((s) => s > 0).length;
  if (byGroup.size < wanted) throw new DataError('<split>', 0, `at least ${wanted} groups (one per part)`, `${byGroup.size}`);
  const classes = strata ? [...new Set(strata.map((s) => s ?? '\u0000missing'))].sort() : [''];
  const classOf = new Map(classes.map((c, i) => [c, i]));
  const totals = new Array(classes.length).fill(0);
  const keys = [...byGroup.keys()].sort();
  const counts = new Map<string, number[]>();
  for (const g of keys) {
    const c = new Array(classes.length).fill(0);
    for (const i of byGroup.get(g)!) c[strata ? classOf.get(strata[i] ?? '\u0000missing')! : 0]++;
    c.forEach((x, j) => (totals[j] += x));
    counts.set(g, c);
  }
  const shareSum = shares.reduce((a, b) => a + b, 0);
  const target = shares.map((s) => totals.map((t) => (s / shareSum) * t));
  const filled = shares.map(() => new Array(classes.length).fill(0));
  const members: string[][] = shares.map(() => []);
  const order = new Rng(seed).shuffle(keys.slice()) as string[];
  const rank = new Map(order.map((g, i) => [g, i]));
  order.sort((a, b) => byGroup.get(b)!.length - byGroup.get(a)!.length || rank.get(a)! - rank.get(b)!);
  for (const g of order) {
    const c = counts.get(g)!;
    let best = -1;
    let bestCost = Infinity;
    shares.forEach((s, p) => {
      if (s <= 0) return;
      // The change in Σ_class (filled − target)²/total from adding the group to part p.
      let cost = 0;
      c.forEach((x, j) => {
        if (x) cost += (x * (2 * (filled[p][j] - target[p][j]) + x)) / totals[j];
      });
      if (cost < bestCost - 1e-12) [best, bestCost] = [p, cost];
    });
    c.forEach((x, j) => (filled[best][j] += x));
    members[best].push(g);
  }
  // A part left empty takes the smallest group of the part with the most groups.
  for (let p = 0; p < shares.length; p++) {
    if (shares[p] <= 0 || members[p].length) continue;
    const donor = members.reduce((a, m, i) => (m.length > members[a].length ? i : a), 0);
    const g = members[donor].reduce((a, x) => (byGroup.get(x)!.length < byGroup.get(a)!.length ? x : a));
    members[donor] = members[donor].filter((x) => x !== g);
    members[p].push(g);
  }
  const part = new Int32Array(n);
  members.forEach((m, p) => {
    for (const g of m) for (const i of byGroup.get(g)!) part[i] = p;
  });
  return part;
}

/** Training, validation and test rows by group (each list ascending). */
export function assignGroupSplits(groups: readonly string[], strata: readonly (string | null)[] | null, seed: number, validation: number, test: number): { train: number[]; validation: number[]; test: number[] } {
  if (!(validation >= 0 && test >= 0 && validation + test < 1)) throw new DataError('<split>', 0, 'validation and test shares ≥ 0 summing below 1', `${validation} and ${test}`);
  const part = assignGroupParts(groups, strata, [1 - validation - test, validation, test], seed);
  const out = { train: [] as number[], validation: [] as number[], test: [] as number[] };
  part.forEach((p, i) => (p === 0 ? out.train : p === 1 ? out.validation : out.test).push(i));
  return out;
}
