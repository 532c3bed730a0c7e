// Is a candidate worth adopting over the incumbent? A paired comparison of
// their losses on the same validation rows: the mean improvement must be a
// real share of the incumbent's loss and stand clear of the row-to-row noise.
//
// The candidate is usually the best of k (the ladder's draws, the search's
// trials), chosen on the very rows that then judge it. A one-sided test at
// 5 % on those rows would accept one of k equal candidates up to k × 5 % of
// the time. The rule therefore asks the winner for z ≥ Φ⁻¹(1 − α/k)
// (Bonferroni): the chance that *any* of k candidates no better than the
// incumbent reaches that z is at most k · α/k = α, however the candidates'
// row losses are correlated, so the best of them is accepted at most α of
// the time. Why this and not the alternatives: a select half and a confirm
// half of the validation rows costs √2 in z on every decision (for k = 2 that
// is z ≥ 2.33 on the full rows against Bonferroni's 1.96), and a re-train with
// a fresh seed costs a training and is judged on the same rows again. Both
// sides of the comparison are best-epoch figures on these rows (every
// training keeps its best epoch), an optimism the difference cancels when the
// candidates are no better; the multiplicity over k it does not, and k is
// what the correction pays for. test/protocol/selection.test.ts pins both:
// ≤ 5 % false acceptances among equal candidates for several k, and the rate
// at which a real improvement of a stated size is accepted.

export interface AcceptRule {
  /** Required mean improvement as a share of the incumbent's validation loss; default 0.005 (0.5 %). */
  minGain?: number;
  /** Chance of accepting a winner that is no better than the incumbent, whatever k; default 0.05. */
  alpha?: number;
}

export interface Acceptance {
  accept: boolean;
  /** (incumbent − candidate) / incumbent, on the mean validation loss. */
  gain: number;
  /** Mean paired improvement over its standard error; null when the rows were not paired. */
  z: number | null;
  /** The z the winner of `k` needed: Φ⁻¹(1 − α/k). */
  zNeeded: number;
  /** How many candidates the winner was chosen among. */
  k: number;
  rows: number;
  why: string;
}

/**
 * Φ⁻¹(p), the standard normal quantile (Acklam's rational approximation,
 * relative error below 1.2e-9 — far finer than any decision needs).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** The z the best of k must reach: Φ⁻¹(1 − α/k). */
export function zForBestOf(k: number, alpha = 0.05): number {
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`the number of candidates must be a whole number ≥ 1, got ${k}`);
  return normalQuantile(1 - alpha / k);
}

const pct = (v: number) => `${(v * 100).toFixed(2)} %`;

/**
 * Paired comparison of per-row validation losses (the same rows, the same
 * order) of the best of `k` candidates against the incumbent (see above).
 * Without row losses it falls back to the means and says it is no test.
 */
export function acceptBestOf(c: { validLoss: number; rowLosses?: number[] }, incumbent: { validLoss: number; rowLosses?: number[] }, k = 1, rule: AcceptRule = {}): Acceptance {
  const minGain = rule.minGain ?? 0.005;
  const alpha = rule.alpha ?? 0.05;
  const zNeeded = zForBestOf(k, alpha);
  const of = k > 1 ? `the best of ${k}` : 'one candidate';
  const a = c.rowLosses;
  const b = incumbent.rowLosses;
  if (!a || !b || a.length !== b.length || a.length < 2) {
    const gain = (incumbent.validLoss - c.validLoss) / Math.abs(incumbent.validLoss);
    const accept = Number.isFinite(gain) && gain >= minGain;
    return { accept, gain, z: null, zNeeded, k, rows: 0, why: `mean validation loss ${pct(gain)} lower, ${of} (rule: at least ${pct(minGain)}; rows not paired, so no test of the noise)` };
  }
  const n = a.length;
  let mean = 0;
  let ref = 0;
  for (let i = 0; i < n; i++) {
    mean += b[i] - a[i];
    ref += b[i];
  }
  mean /= n;
  ref /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (b[i] - a[i] - mean) ** 2;
  const se = Math.sqrt(v / (n - 1) / n);
  const z = se > 0 ? mean / se : mean > 0 ? Infinity : mean < 0 ? -Infinity : 0;
  const gain = mean / Math.abs(ref);
  const accept = Number.isFinite(gain) && gain >= minGain && z >= zNeeded;
  const zText = Number.isFinite(z) ? z.toFixed(2) : String(z);
  const correction = k > 1 ? `, Bonferroni for ${k} candidates at ${Math.round(alpha * 100)} %` : ` (one-sided ${Math.round(alpha * 100)} %)`;
  return { accept, gain, z, zNeeded, k, rows: n, why: `${of}: validation loss ${pct(gain)} lower on the same ${n} rows, z ${zText} (rule: at least ${pct(minGain)} and z ≥ ${zNeeded.toFixed(3)}${correction})` };
}
