// A single column that predicts the target almost perfectly on the training
// rows is the target in disguise more often than a gift: a code recorded
// after the diagnosis, a total that includes the amount to predict. Measured
// out of fold, so a column of unique values cannot look perfect by heart: the
// training rows are halved (seeded), a one-column model — the class shares
// or the mean target per value, per quantile bin for numbers — is fitted on
// each half and scored on the other, by AUC (classes; one-vs-rest macro for
// more than two) or R² (regression). A number's own order is tried too — a
// straight line fitted on one half (R²), or its ranking oriented on one half
// (AUC, two classes) — so a linear leak is not blurred by the bins.
import { Rng } from '../prng.js';
import type { Table } from '../table.js';
import type { ColumnKind } from '../schema.js';
import { isMissing, toBoolean, toDate, toKey, toNumber } from '../values.js';
import { oneVsRestMacro, rocAuc } from '../../metrics/ranking.js';
import { fig, type Finding } from './finding.js';

/** One-column AUC or R² at or above which the column is named a likely leak. */
export const LEAK = 0.98;
const BINS = 20;
const MAX_ROWS = 20000;

/** A cell's key for the one-column model: the category, or the quantile bin of a number. */
type Cells = (x: number) => string;

function numericValue(v: unknown, kind: ColumnKind): number | null {
  if (kind === 'datetime') return toDate(v as never);
  if (kind === 'boolean') {
    const b = toBoolean(v as never);
    return b === null ? null : Number(b);
  }
  const x = toNumber(v as never);
  return x === null || !Number.isFinite(x) ? null : x;
}

/** Cell of each row: category keys, or quantile bins fitted on the `fit` rows. */
function cellsOf(values: readonly (string | number | null)[], fit: readonly number[]): Cells {
  const nums = fit.map((i) => values[i]).filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
  const edges: number[] = [];
  for (let k = 1; k < BINS; k++) {
    const q = nums[Math.min(nums.length - 1, Math.floor((k * nums.length) / BINS))];
    if (q !== undefined && (edges.length === 0 || q > edges[edges.length - 1])) edges.push(q);
  }
  return (i) => {
    const v = values[i];
    if (v === null) return '\u0000missing';
    if (typeof v === 'string') return v;
    let b = 0;
    while (b < edges.length && v > edges[b]) b++;
    return `#${b}`;
  };
}

export interface LeakInput {
  train: Table;
  column: string;
  kind: ColumnKind;
  target: string;
  task: 'binary' | 'multiclass' | 'regression';
  tokens: ReadonlySet<string>;
  seed: number;
}

/** Out-of-fold AUC (classes) or R² (regression) of the one-column model; null with too few rows or one class. */
export function oneColumnScore(o: LeakInput): number | null {
  let rows = o.train.rows.flatMap((r, i) => (isMissing(r[o.target], o.tokens) ? [] : [i]));
  const rng = new Rng(o.seed);
  if (rows.length > MAX_ROWS) rows = Array.from(rng.permutation(rows.length).subarray(0, MAX_ROWS), (k) => rows[k]).sort((a, b) => a - b);
  if (rows.length < 30) return null;
  const numeric = o.kind === 'numeric' || o.kind === 'datetime' || o.kind === 'boolean';
  const values = rows.map((i) => {
    const v = o.train.rows[i][o.column];
    if (isMissing(v, o.tokens)) return null;
    return numeric ? numericValue(v, o.kind) : toKey(v);
  });
  const classification = o.task !== 'regression';
  const classes = classification ? [...new Set(rows.map((i) => toKey(o.train.rows[i][o.target])))].sort() : [];
  if (classification && classes.length < 2) return null;
  const at = new Map(classes.map((c, j) => [c, j]));
  const y = rows.map((i) => (classification ? at.get(toKey(o.train.rows[i][o.target]))! : toNumber(o.train.rows[i][o.target]) ?? NaN));
  if (!classification && y.some((v) => !Number.isFinite(v))) return null;
  const perm = Array.from(rng.permutation(rows.length));
  const halves = [perm.slice(0, perm.length >> 1), perm.slice(perm.length >> 1)];
  const k = classification ? classes.length : 1;
  const out = new Float64Array(rows.length * k);
  for (const [fit, score] of [[halves[0], halves[1]], [halves[1], halves[0]]]) {
    const cell = cellsOf(values, fit);
    const sums = new Map<string, Float64Array>();
    const prior = new Float64Array(k + 1);
    for (const i of fit) {
      const c = cell(i);
      let s = sums.get(c);
      if (!s) sums.set(c, (s = new Float64Array(k + 1)));
      if (classification) {
        s[y[i]]++;
        prior[y[i]]++;
      } else {
        s[0] += y[i];
        prior[0] += y[i];
      }
      s[k]++;
      prior[k]++;
    }
    for (const i of score) {
      const s = sums.get(cell(i));
      for (let j = 0; j < k; j++) {
        const p = prior[j] / prior[k];
        // One pseudo-row of the prior: an unseen or rare value falls back to it.
        out[i * k + j] = s ? (s[j] + p) / (s[k] + 1) : p;
      }
    }
  }
  if (!classification) {
    const binned = rSquared(y, out);
    return numeric ? Math.max(binned ?? -Infinity, lineScore(values, y, halves) ?? -Infinity) : binned;
  }
  if (k === 2) {
    const binned = rocAuc(y.map((v) => v === 1), Array.from({ length: y.length }, (_, i) => out[i * 2 + 1]));
    return numeric ? Math.max(binned ?? 0, rankScore(values, y, halves) ?? 0) : binned;
  }
  return oneVsRestMacro(rocAuc, Int32Array.from(y), out, k);
}

function rSquared(y: readonly number[], predicted: ArrayLike<number>): number | null {
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  let sse = 0;
  let sst = 0;
  y.forEach((v, i) => {
    sse += (v - predicted[i]) ** 2;
    sst += (v - mean) ** 2;
  });
  return sst > 0 ? 1 - sse / sst : null;
}

/** Out-of-fold R² of a straight line in the value (rows without a value predicted by the fitting half's mean). */
function lineScore(values: readonly (string | number | null)[], y: readonly number[], halves: number[][]): number | null {
  const predicted = new Float64Array(y.length);
  for (const [fit, score] of [[halves[0], halves[1]], [halves[1], halves[0]]]) {
    const pts = fit.filter((i) => typeof values[i] === 'number');
    const my = fit.reduce((s, i) => s + y[i], 0) / Math.max(1, fit.length);
    const mx = pts.reduce((s, i) => s + (values[i] as number), 0) / Math.max(1, pts.length);
    const mxy = pts.reduce((s, i) => s + y[i], 0) / Math.max(1, pts.length);
    let sxy = 0;
    let sxx = 0;
    for (const i of pts) {
      sxy += ((values[i] as number) - mx) * (y[i] - mxy);
      sxx += ((values[i] as number) - mx) ** 2;
    }
    const slope = sxx > 0 ? sxy / sxx : 0;
    for (const i of score) predicted[i] = typeof values[i] === 'number' ? mxy + slope * ((values[i] as number) - mx) : my;
  }
  return rSquared(y, predicted);
}

/** AUC of the value as a score, its direction taken from the other half (missing values ranked in the middle). */
function rankScore(values: readonly (string | number | null)[], y: readonly number[], halves: number[][]): number | null {
  const scores = new Float64Array(y.length);
  for (const [fit, score] of [[halves[0], halves[1]], [halves[1], halves[0]]]) {
    const pts = fit.filter((i) => typeof values[i] === 'number');
    const auc = rocAuc(pts.map((i) => y[i] === 1), pts.map((i) => values[i] as number));
    const sign = auc === null || auc >= 0.5 ? 1 : -1;
    const mid = pts.length ? pts.reduce((s, i) => s + (values[i] as number), 0) / pts.length : 0;
    for (const i of score) scores[i] = sign * (typeof values[i] === 'number' ? (values[i] as number) : mid);
  }
  return rocAuc(y.map((v) => v === 1), scores);
}

/** The finding for one feature column, or null when it does not predict the target almost perfectly. */
export function leakFinding(o: LeakInput): Finding | null {
  const score = oneColumnScore(o);
  if (score === null || score < LEAK) return null;
  const measure = o.task === 'regression' ? 'one-column R² (out of fold, training rows)' : `one-column ${o.task === 'multiclass' ? 'macro ' : ''}AUC (out of fold, training rows)`;
  const option = `--ignore ${o.column}`;
  return {
    kind: 'leak', column: o.column, measure, value: score, threshold: LEAK, option,
    message: `${JSON.stringify(o.column)} alone predicts ${JSON.stringify(o.target)} almost perfectly (${measure.replace(' (out of fold, training rows)', '')} ${fig(score)} on training rows it was not fitted on): a likely leak — a value recorded after the target, or the target in another form. If it will not be known when the model predicts, leave it out with ${option}; if it will (yesterday's value), it is the baseline to beat`,
  };
}
