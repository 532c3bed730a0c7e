// Time order in the training rows. Rows sorted (or nearly) by a datetime
// column are rows recorded over time; a random split then validates on days
// between training days, which flatters the model when it will be used on
// later days. Labels that drift over the periods say the same louder. Both
// need enough distinct times to be periods at all (a dozen model years is an
// attribute of the rows, not a time line). Both suggest --split-by time.
import type { Table } from '../table.js';
import { isMissing, toDate, toKey, toNumber } from '../values.js';
import { chiSquareHomogeneity, ksTwoSample, totalVariation } from '../../metrics/two_sample.js';
import { fig, type Finding } from './finding.js';

/** Sorted share at or above which the rows count as ordered by the column. */
export const SORTED = 0.95;
/** Fewer distinct times than this are not a time line. */
export const MIN_TIMES = 20;
/** Drift: p-value below this and an effect at least DRIFT_EFFECT between the first and last period. */
export const DRIFT_P = 1e-3;
export const DRIFT_EFFECT = 0.1;
const PERIODS = 5;

/** Share of consecutive pairs (file order, missing times skipped) in order, ascending or descending, whichever is larger. */
export function sortedShare(times: readonly (number | null)[]): number {
  const t = times.filter((x): x is number => x !== null);
  if (t.length < 2) return 0;
  let up = 0;
  let down = 0;
  for (let i = 1; i < t.length; i++) {
    if (t[i] >= t[i - 1]) up++;
    if (t[i] <= t[i - 1]) down++;
  }
  return Math.max(up, down) / (t.length - 1);
}

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The rows in time order cut into periods of equal size; the labels of the first and last period compared, and all periods together. */
export function labelDrift(times: readonly (number | null)[], labels: readonly (string | number | null)[], classification: boolean): { effect: number; p: number; first: [number, number]; last: [number, number] } | null {
  const rows = times.flatMap((t, i) => (t !== null && labels[i] !== null ? [i] : [])).sort((a, b) => times[a]! - times[b]! || a - b);
  if (rows.length < PERIODS * 10) return null;
  const period = (k: number) => rows.slice(Math.floor((k * rows.length) / PERIODS), Math.floor(((k + 1) * rows.length) / PERIODS));
  const periods = Array.from({ length: PERIODS }, (_, k) => period(k));
  const span = (p: number[]): [number, number] => [times[p[0]]!, times[p.at(-1)!]!];
  const first = periods[0];
  const last = periods[PERIODS - 1];
  if (classification) {
    const classes = [...new Set(rows.map((i) => String(labels[i])))].sort();
    const at = new Map(classes.map((c, j) => [c, j]));
    const counts = periods.map((p) => {
      const c = new Array(classes.length).fill(0);
      for (const i of p) c[at.get(String(labels[i]))!]++;
      return c;
    });
    return { effect: totalVariation(counts[0], counts[PERIODS - 1]), p: chiSquareHomogeneity(counts).p, first: span(first), last: span(last) };
  }
  const ks = ksTwoSample(first.map((i) => labels[i] as number), last.map((i) => labels[i] as number));
  return { effect: ks.d, p: ks.p, first: span(first), last: span(last) };
}

export interface TimeInput {
  /** Training rows, in file order. */
  train: Table;
  column: string;
  /** The target column and whether it holds classes. */
  target: string | null;
  classification: boolean;
  tokens: ReadonlySet<string>;
}

/** Findings of one datetime column: rows sorted by it, labels drifting along it. */
export function timeFindings(o: TimeInput): Finding[] {
  const times = o.train.rows.map((r) => (isMissing(r[o.column], o.tokens) ? null : toDate(r[o.column])));
  const distinct = new Set(times.filter((t) => t !== null)).size;
  if (distinct < MIN_TIMES) return [];
  const option = `--split-by time:${o.column}`;
  const out: Finding[] = [];
  const share = sortedShare(times);
  if (share >= SORTED) {
    out.push({
      kind: 'time-order', column: o.column, measure: 'share of consecutive rows in time order', value: share, threshold: SORTED, option,
      message: `the rows are sorted by ${JSON.stringify(o.column)} (${fig(100 * share)} % of consecutive training rows in time order, ${distinct} distinct times): a random split validates on days between training days; if the model will predict later rows, validate and test on the latest ones with ${option}`,
      detail: { distinctTimes: distinct },
    });
  }
  if (o.target !== null) {
    const labels = o.train.rows.map((r) => {
      const v = r[o.target!];
      if (isMissing(v, o.tokens)) return null;
      return o.classification ? toKey(v) : toNumber(v);
    });
    const d = labelDrift(times, labels, o.classification);
    if (d && d.p < DRIFT_P && d.effect >= DRIFT_EFFECT) {
      const what = o.classification ? 'total variation distance between the class shares' : 'Kolmogorov–Smirnov distance between the target values';
      out.push({
        kind: 'time-drift', column: o.column, measure: `${what} of the first and last fifth in time`, value: d.effect, threshold: DRIFT_EFFECT, option,
        message: `the target drifts along ${JSON.stringify(o.column)}: ${what} of the first (${iso(d.first[0])} … ${iso(d.first[1])}) and last fifth (${iso(d.last[0])} … ${iso(d.last[1])}) of the training rows ${fig(d.effect)} (p ${fig(d.p)}); a random split hides that drift from validation and test: ${option} measures it`,
        detail: { p: d.p },
      });
    }
  }
  return out;
}
