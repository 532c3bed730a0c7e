// A column whose values repeat across rows like a key: a patient, a user, a
// device, each with a few rows. Rows of one key are alike, so a random split
// puts the same patient in training and test, and an embedding of the key
// lets the model memorize patients: held-out scores then say nothing about
// the next patient. The values must look like keys — identifier-like tokens
// (letters with digits: P017, u_23, a3f9…), a key's name (patient_id, user),
// or rows of one value that agree on other columns far more than random rows
// do; for integers also more than rows of neighbouring values do (a measured
// integer, a horsepower or a flipper length, is alike at 150 and 151; keys
// 150 and 151 are unrelated). The fix is --group, and the column is left out
// of the features unless --kind asks for it.
import { Rng } from '../prng.js';
import type { Table } from '../table.js';
import { isMissing, toKey, toNumber } from '../values.js';
import { fig, type Finding } from './finding.js';

const KEY_NAME = /(^|[^a-z])(id|ids|uuid|guid|key)$|^id([^a-z]|$)|^(patient|user|customer|client|subject|participant|session|device|account|member|household|visitor)s?([_\s-]?(id|no|nr|num|number|code|key))?$/i;
/** camelCase keys: patientId, userID. */
const CAMEL_KEY = /[a-z](Id|ID)$/;
const ID_TOKEN = /^(?=.*\p{L})(?=.*\p{N})[\p{L}\p{N}_.:#-]+$/u;
/** Columns compared within the groups, at most. */
const MAX_OTHERS = 25;
/** Rows of one value constant on another column in at least this share of groups… */
export const SAME = 0.9;
/** …where random rows in groups of the same sizes are constant in at most this share. */
export const CHANCE = 0.5;

/** Share of multi-row groups in which `values` is constant (missing counts as a value). */
function constantShare(groups: number[][], values: readonly string[]): number {
  let multi = 0;
  let constant = 0;
  for (const g of groups) {
    if (g.length < 2) continue;
    multi++;
    if (g.every((i) => values[i] === values[g[0]])) constant++;
  }
  return multi ? constant / multi : 0;
}

export interface KeyInput {
  /** Training rows. */
  train: Table;
  column: string;
  /** Columns to compare within groups (features other than this one; not the target). */
  others: string[];
  tokens: ReadonlySet<string>;
  seed: number;
}

/** How a column's values group the rows, and the evidence that they are keys. */
export function keyEvidence(o: KeyInput): { rows: number; groups: number; medianSize: number; largestShare: number; evidence: string | null; agreement?: { same: number; random: number; neighbours?: number; column: string } } | null {
  const idx: number[] = [];
  const keys: string[] = [];
  o.train.rows.forEach((r, i) => {
    if (isMissing(r[o.column], o.tokens)) return;
    idx.push(i);
    keys.push(toKey(r[o.column]));
  });
  const n = keys.length;
  if (n < 20) return null;
  const byKey = new Map<string, number[]>();
  keys.forEach((k, j) => {
    const g = byKey.get(k);
    if (g) g.push(j);
    else byKey.set(k, [j]);
  });
  const sizes = [...byKey.values()].map((g) => g.length).sort((a, b) => a - b);
  const d = sizes.length;
  const medianSize = sizes[Math.floor(d / 2)];
  const largestShare = sizes[d - 1] / n;
  const shape = { rows: n, groups: d, medianSize, largestShare };
  // Shared by a few rows each: at least 10 keys, most on two rows or more, none holding a quarter of the rows.
  if (d < 10 || medianSize < 2 || n / d > 100 || largestShare > 0.25) return null;
  const numbers = keys.map((k) => toNumber(k));
  const integers = numbers.every((x) => x !== null && Number.isInteger(x));
  // Measurements with decimals and phrases with spaces are not keys.
  if (numbers.some((x) => x !== null && !Number.isInteger(x)) || (!integers && keys.some((k) => /\s/.test(k)))) return null;
  if (KEY_NAME.test(o.column.trim()) || CAMEL_KEY.test(o.column.trim())) return { ...shape, evidence: `its name ${JSON.stringify(o.column)}` };
  if (!integers && keys.filter((k) => ID_TOKEN.test(k)).length >= 0.9 * n) return { ...shape, evidence: `identifier-like values (${[...byKey.keys()].slice(0, 3).map((k) => JSON.stringify(k)).join(', ')}, …)` };
  // Agreement within groups against random groups of the same sizes (and, for integers, groups of neighbouring values).
  const groups = [...byKey.values()];
  const shuffled = new Rng(o.seed).permutation(n);
  let start = 0;
  const random = groups.map((g) => Array.from(shuffled.subarray(start, (start += g.length))));
  const sortedKeys = integers ? [...byKey.keys()].sort((a, b) => Number(a) - Number(b)) : [];
  const neighbours: number[][] = [];
  for (let k = 0; k + 1 < sortedKeys.length; k += 2) neighbours.push([...byKey.get(sortedKeys[k])!, ...byKey.get(sortedKeys[k + 1])!]);
  // Pairs of groups drawn at random: what neighbouring values are compared with.
  const order = Array.from(new Rng(o.seed + 1).permutation(d));
  const pairs: number[][] = [];
  for (let k = 0; k + 1 < d; k += 2) pairs.push([...groups[order[k]], ...groups[order[k + 1]]]);
  // Group-level attributes sit among the first columns of most tables; a bound keeps wide tables linear in columns.
  for (const c of o.others.slice(0, MAX_OTHERS)) {
    const values = idx.map((i) => (isMissing(o.train.rows[i][c], o.tokens) ? '\u0000' : toKey(o.train.rows[i][c])));
    if (new Set(values).size < 2) continue;
    const same = constantShare(groups, values);
    const chance = constantShare(random, values);
    if (same < SAME || chance > CHANCE) continue;
    if (integers) {
      const near = constantShare(neighbours, values);
      const apart = constantShare(pairs, values);
      if (near > apart + 0.5 * (same - apart)) continue;
      return { ...shape, evidence: `rows of one value agree on ${JSON.stringify(c)}`, agreement: { same, random: chance, neighbours: near, column: c } };
    }
    return { ...shape, evidence: `rows of one value agree on ${JSON.stringify(c)}`, agreement: { same, random: chance, column: c } };
  }
  return { ...shape, evidence: null };
}

/** The finding for one column, or null when its values do not look like keys. */
export function keyColumnFinding(o: KeyInput): Finding | null {
  const e = keyEvidence(o);
  if (!e?.evidence) return null;
  const option = `--group ${o.column}`;
  const agree = e.agreement ? ` in ${fig(100 * e.agreement.same)} % of the groups, random rows in ${fig(100 * e.agreement.random)} %` : '';
  return {
    kind: 'key-column', column: o.column, measure: 'training rows per value (median)', value: e.medianSize, threshold: 2, option,
    message: `${JSON.stringify(o.column)} repeats like a key: ${e.groups} values shared by ${fig(e.rows / e.groups)} training rows each on average (${e.evidence}${agree}); a random split puts rows of one key in training and test, and an embedding of it lets the model memorize keys, so it is left out of the features (--kind to keep it) — split by it with ${option}`,
    detail: { groups: e.groups, rows: e.rows, largestShare: e.largestShare },
  };
}
