// Two-sample comparisons with their p-values, as scipy computes them: the
// χ² test of homogeneity of counts (scipy.stats.chi2_contingency without
// Yates' correction) and the two-sample Kolmogorov–Smirnov test (D as
// scipy.stats.ks_2samp; p from the limiting Kolmogorov distribution,
// scipy.stats.kstwobign.sf(√(nm/(n+m))·D), which ks_2samp's exact and
// 'asymp' modes approach for samples of a few dozen rows and more). They
// tell a difference between two samples from the noise of drawing them.

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9: about 15 digits). */
export function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized upper incomplete gamma Q(s, x) = Γ(s, x)/Γ(s): series below s + 1, continued fraction above. */
export function gammaQ(s: number, x: number): number {
  if (x <= 0) return 1;
  const lead = -x + s * Math.log(x) - logGamma(s);
  if (x < s + 1) {
    let term = 1 / s;
    let sum = term;
    for (let n = 1; n < 1000; n++) {
      term *= x / (s + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lead));
  }
  // Lentz's continued fraction for Γ(s, x).
  const tiny = 1e-300;
  let b = x + 1 - s;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - s);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(lead) * h;
}

/** P(χ²(df) ≥ x). */
export function chiSquareSurvival(x: number, df: number): number {
  if (!(df > 0)) return 1;
  return gammaQ(df / 2, x / 2);
}

export interface ChiSquareResult {
  statistic: number;
  df: number;
  p: number;
}

/**
 * χ² test that the rows of a contingency table (samples × categories) come
 * from one distribution. Categories empty in every row are left out; with
 * fewer than two rows or two categories there is nothing to compare (p = 1).
 */
export function chiSquareHomogeneity(counts: number[][]): ChiSquareResult {
  const rows = counts.filter((r) => r.some((x) => x > 0));
  const width = rows.length ? Math.max(...rows.map((r) => r.length)) : 0;
  const cols: number[] = [];
  for (let j = 0; j < width; j++) if (rows.some((r) => (r[j] ?? 0) > 0)) cols.push(j);
  if (rows.length < 2 || cols.length < 2) return { statistic: 0, df: 0, p: 1 };
  const rowSum = rows.map((r) => cols.reduce((s, j) => s + (r[j] ?? 0), 0));
  const colSum = cols.map((j) => rows.reduce((s, r) => s + (r[j] ?? 0), 0));
  const total = rowSum.reduce((a, b) => a + b, 0);
  let statistic = 0;
  rows.forEach((r, i) =>
    cols.forEach((j, k) => {
      const e = (rowSum[i] * colSum[k]) / total;
      statistic += ((r[j] ?? 0) - e) ** 2 / e;
    }),
  );
  const df = (rows.length - 1) * (cols.length - 1);
  return { statistic, df, p: chiSquareSurvival(statistic, df) };
}

/** P(K > λ) of the Kolmogorov distribution: 2 Σ (−1)^{k−1} e^{−2k²λ²}. */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda <= 0) return 1;
  if (lambda < 0.2) return 1;
  let s = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    s += (k % 2 ? 1 : -1) * term;
    if (term < 1e-18) break;
  }
  return Math.min(1, Math.max(0, 2 * s));
}

export interface KsResult {
  /** The largest gap between the two empirical distribution functions, in [0, 1]. */
  d: number;
  p: number;
}

/** Two-sample Kolmogorov–Smirnov test on finite values (NaN left out); p = 1 when a sample is empty. */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  const x = Float64Array.from(a).filter((v) => !Number.isNaN(v)).sort();
  const y = Float64Array.from(b).filter((v) => !Number.isNaN(v)).sort();
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) return { d: 0, p: 1 };
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const v = Math.min(x[i], y[j]);
    while (i < n && x[i] === v) i++;
    while (j < m && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const en = Math.sqrt((n * m) / (n + m));
  return { d, p: kolmogorovSurvival(en * d) };
}

/** Total variation distance between two count vectors as distributions: half the L1 distance of their shares. */
export function totalVariation(a: readonly number[], b: readonly number[]): number {
  const sa = a.reduce((s, x) => s + x, 0);
  const sb = b.reduce((s, x) => s + x, 0);
  if (sa === 0 || sb === 0) return 0;
  let t = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) t += Math.abs((a[i] ?? 0) / sa - (b[i] ?? 0) / sb);
  return t / 2;
}
