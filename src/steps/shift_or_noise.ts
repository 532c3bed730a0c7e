// Step 5, when the test loss is much worse than validation: is the test set
// different (a shift: other classes, other feature values, a later period),
// or did tuning fit the noise of a small validation set? The two call for
// opposite remedies — new data like the test rows, or a larger validation
// set — so the splits are compared and the verdict quotes the numbers: the
// class shares or target values (χ² or Kolmogorov–Smirnov test), each
// feature's values (the same tests, Bonferroni-corrected over the features),
// and the periods each split covers. A difference counts when it is both
// unlikely by chance (p < 0.01) and large (at least 0.1 of the distributions'
// mass moved).
import { isMissing, toBoolean, toDate, toKey, toNumber, type Schema, type Table } from '../data/index.js';
import { chiSquareHomogeneity, ksTwoSample, totalVariation } from '../metrics/two_sample.js';

/** A difference counts below this p-value (features: after Bonferroni correction)… */
export const SHIFT_P = 0.01;
/** …and at least this large (total variation or Kolmogorov–Smirnov distance). */
export const SHIFT_EFFECT = 0.1;

export interface SplitDifference {
  /** Column compared (the target for labels). */
  column: string;
  measure: 'total variation' | 'Kolmogorov–Smirnov';
  value: number;
  /** p-value (features: Bonferroni-corrected). */
  p: number;
  significant: boolean;
  /** The largest share or the means, in words. */
  detail: string;
}

export interface ShiftDiagnosis {
  verdict: 'shift' | 'noise';
  labels: SplitDifference | null;
  /** Features, most different first. */
  features: SplitDifference[];
  times: { column: string; validation: [string, string]; test: [string, string]; testAfterValidation: boolean } | null;
  message: string;
}

export interface ShiftInput {
  schema: Schema;
  validation: Table;
  test: Table;
  testLoss: number;
  validationLoss: number;
  /** The split's time column, else a datetime column of the data; null: none. */
  timeColumn?: string | null;
  /** The flag that splits by that time column, when the split was not already by time. */
  timeFlag?: string | null;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const pFig = (p: number) => (p < 1e-6 ? '< 1e-6' : p < 1e-3 ? p.toExponential(1) : p.toFixed(3));

/** Categories with fewer than 10 rows in both splits together share one bin (sparse cells make χ² unreliable). */
function categoryCounts(a: string[], b: string[]): { names: string[]; counts: [number[], number[]] } {
  const total = new Map<string, number>();
  for (const k of [...a, ...b]) total.set(k, (total.get(k) ?? 0) + 1);
  const names = [...total.keys()].filter((k) => total.get(k)! >= 10).sort();
  const at = new Map(names.map((k, i) => [k, i]));
  const other = names.length;
  const count = (xs: string[]) => {
    const c = new Array(names.length + 1).fill(0);
    for (const k of xs) c[at.get(k) ?? other]++;
    return c;
  };
  return { names: [...names, '(rare values)'], counts: [count(a), count(b)] };
}

function compareCategories(column: string, a: string[], b: string[], corrections: number): SplitDifference {
  const { names, counts } = categoryCounts(a, b);
  const chi = chiSquareHomogeneity(counts);
  const tv = totalVariation(counts[0], counts[1]);
  const p = Math.min(1, chi.p * corrections);
  // The category whose share moved most.
  const sa = counts[0].reduce((x, y) => x + y, 0) || 1;
  const sb = counts[1].reduce((x, y) => x + y, 0) || 1;
  let j = 0;
  names.forEach((_, i) => {
    if (Math.abs(counts[1][i] / sb - counts[0][i] / sa) > Math.abs(counts[1][j] / sb - counts[0][j] / sa)) j = i;
  });
  return { column, measure: 'total variation', value: tv, p, significant: p < SHIFT_P && tv >= SHIFT_EFFECT, detail: `${JSON.stringify(names[j])} ${pct(counts[1][j] / sb)} of test against ${pct(counts[0][j] / sa)} of validation` };
}

function compareNumbers(column: string, a: number[], b: number[], corrections: number): SplitDifference {
  const ks = ksTwoSample(a, b);
  const p = Math.min(1, ks.p * corrections);
  const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / Math.max(1, x.length);
  return { column, measure: 'Kolmogorov–Smirnov', value: ks.d, p, significant: p < SHIFT_P && ks.d >= SHIFT_EFFECT, detail: `mean ${Number(mean(b).toPrecision(4))} in test against ${Number(mean(a).toPrecision(4))} in validation` };
}

function values(t: Table, column: string, kind: string, tokens: ReadonlySet<string>): { numbers: number[]; keys: string[] } {
  const numbers: number[] = [];
  const keys: string[] = [];
  for (const r of t.rows) {
    const v = r[column];
    if (isMissing(v, tokens)) continue;
    if (kind === 'numeric') {
      const x = toNumber(v);
      if (x !== null && Number.isFinite(x)) numbers.push(x);
    } else if (kind === 'boolean') {
      const b = toBoolean(v);
      if (b !== null) keys.push(String(b));
    } else keys.push(toKey(v));
  }
  return { numbers, keys };
}

function range(t: Table, column: string, tokens: ReadonlySet<string>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of t.rows) {
    const x = isMissing(r[column], tokens) ? null : toDate(r[column]);
    if (x === null) continue;
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  return lo <= hi ? [lo, hi] : null;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Compares the validation and test rows and says which explanation of the gap the numbers support. */
export function shiftOrNoise(o: ShiftInput): ShiftDiagnosis {
  const s = o.schema;
  const tokens = new Set(s.missingTokens);
  const classification = s.task === 'binary' || s.task === 'multiclass';
  let labels: SplitDifference | null = null;
  if (s.target.length === 1 && s.task !== 'multilabel') {
    const a = values(o.validation, s.target[0], classification ? 'categorical' : 'numeric', tokens);
    const b = values(o.test, s.target[0], classification ? 'categorical' : 'numeric', tokens);
    labels = classification ? compareCategories(s.target[0], a.keys, b.keys, 1) : compareNumbers(s.target[0], a.numbers, b.numbers, 1);
  }
  // Dates are compared as periods below: between periods they always differ.
  const compared = s.columns.filter((c) => c.role === 'feature' && (c.kind === 'numeric' || c.kind === 'categorical' || c.kind === 'boolean'));
  const features = compared
    .map((c) => {
      const a = values(o.validation, c.name, c.kind, tokens);
      const b = values(o.test, c.name, c.kind, tokens);
      return c.kind === 'numeric' ? compareNumbers(c.name, a.numbers, b.numbers, compared.length) : compareCategories(c.name, a.keys, b.keys, compared.length);
    })
    .sort((x, y) => x.p - y.p || y.value - x.value);
  let times: ShiftDiagnosis['times'] = null;
  if (o.timeColumn) {
    const v = range(o.validation, o.timeColumn, tokens);
    const t = range(o.test, o.timeColumn, tokens);
    if (v && t) times = { column: o.timeColumn, validation: [day(v[0]), day(v[1])], test: [day(t[0]), day(t[1])], testAfterValidation: t[0] > v[1] };
  }
  const drifted = features.filter((f) => f.significant);
  const shifted = Boolean(labels?.significant) || drifted.length > 0;
  const gap = `the test loss ${o.testLoss.toPrecision(4)} is much worse than the validation loss ${o.validationLoss.toPrecision(4)}`;
  const figure = (d: SplitDifference) => `${d.measure === 'total variation' ? 'total variation' : 'KS'} ${d.value.toFixed(3)}, p ${pFig(d.p)}`;
  const period = times ? `; periods: validation ${times.validation[0]} … ${times.validation[1]}, test ${times.test[0]} … ${times.test[1]}${times.testAfterValidation ? ' (test after validation)' : ' (overlapping)'}` : '';
  let message: string;
  if (shifted) {
    const parts: string[] = [];
    if (labels?.significant) parts.push(`${classification ? 'class shares' : 'target values'} (${figure(labels)}: ${labels.detail})`);
    if (drifted.length) parts.push(`features ${drifted.slice(0, 3).map((f) => `${JSON.stringify(f.column)} (${figure(f)}: ${f.detail})`).join(', ')}${drifted.length > 3 ? ` and ${drifted.length - 3} more` : ''}`);
    const when = times?.testAfterValidation ? 'the data changed between the validation and the test period' : 'the test rows are not drawn like the validation rows';
    const fix = times?.testAfterValidation
      ? o.timeFlag
        ? `validate on the latest rows (${o.timeFlag}) so tuning sees the change, and retrain on data that covers the later period before serving`
        : 'retrain on data that covers the later period before serving (weighting recent rows), and watch drift once it serves (step 6)'
      : 'check how the test set was drawn, and train and validate on data like it (more rows of the shifted kind, or a split that matches how the model will be used)';
    message = `${gap}, and the splits differ: ${parts.join('; ')}${period}. The numbers support a shift — ${when} — rather than noise in the validation set: ${fix}.`;
  } else {
    const largest = features[0];
    const seen = [labels ? `${classification ? 'class shares' : 'target values'} ${figure(labels)}` : null, largest ? `largest feature difference ${JSON.stringify(largest.column)} ${figure(largest)}${compared.length > 1 ? ` over ${compared.length} features` : ''}` : null].filter(Boolean).join('; ');
    message = `${gap}, yet validation and test look alike (${seen}${period}): the tuning may have fit noise in the validation set. Enlarge the validation set (more data or augmentation), go back to step 4, then verify again.`;
  }
  return { verdict: shifted ? 'shift' : 'noise', labels, features, times, message };
}
