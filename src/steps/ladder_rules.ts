// The regularization ladder's two judgments as pure functions of unbiased
// numbers. Is the train/validation gap open? — on the eval-mode training loss
// of a fixed training subset (dropout and augmentation do not inflate it),
// with a margin relative to the training loss and to the naive baseline's
// loss, so the target's units do not matter. Is a rung worth keeping? — a
// paired comparison of the candidate's and the incumbent's losses on the
// same validation rows: the mean improvement must be a real share of the
// incumbent's loss and stand clear of the row-to-row noise.

export interface GapRule {
  /** Part of the gap tolerated in proportion to the training loss; default 0.15. */
  relGap?: number;
  /** Part tolerated in proportion to the naive baseline's loss; default 0.02. */
  baselineGap?: number;
}

/** Open while validLoss − trainLoss > relGap·trainLoss + baselineGap·baselineLoss. */
export function gapOpen(m: { trainLoss: number; validLoss: number }, baselineLoss: number, rule: GapRule = {}): boolean {
  return m.validLoss - m.trainLoss > gapTolerance(m.trainLoss, baselineLoss, rule);
}

export function gapTolerance(trainLoss: number, baselineLoss: number, rule: GapRule = {}): number {
  return (rule.relGap ?? 0.15) * Math.abs(trainLoss) + (rule.baselineGap ?? 0.02) * Math.abs(baselineLoss);
}

export interface AcceptRule {
  /** Required mean improvement as a share of the incumbent's validation loss; default 0.005 (0.5 %). */
  minGain?: number;
  /** Required z of the paired difference (mean / standard error); default 1.645 (one-sided 5 %). */
  minZ?: number;
}

export interface Acceptance {
  accept: boolean;
  /** (incumbent − candidate) / incumbent, on the mean validation loss. */
  gain: number;
  /** Mean paired improvement over its standard error; null when the rows were not paired. */
  z: number | null;
  rows: number;
  why: string;
}

/**
 * Paired comparison of per-row validation losses (the same rows, the same
 * order). Without row losses it falls back to the means and says so.
 */
export function acceptCandidate(c: { validLoss: number; rowLosses?: number[] }, incumbent: { validLoss: number; rowLosses?: number[] }, rule: AcceptRule = {}): Acceptance {
  const minGain = rule.minGain ?? 0.005;
  const minZ = rule.minZ ?? 1.645;
  const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
  const a = c.rowLosses;
  const b = incumbent.rowLosses;
  if (!a || !b || a.length !== b.length || a.length < 2) {
    const gain = (incumbent.validLoss - c.validLoss) / Math.abs(incumbent.validLoss);
    const accept = Number.isFinite(gain) && gain >= minGain;
    return { accept, gain, z: null, rows: 0, why: `mean validation loss ${pct(gain)} lower (rule: at least ${pct(minGain)}; rows not paired)` };
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
  const accept = Number.isFinite(gain) && gain >= minGain && z >= minZ;
  return { accept, gain, z, rows: n, why: `validation loss ${pct(gain)} lower on the same ${n} rows, z ${Number.isFinite(z) ? z.toFixed(2) : z} (rule: at least ${pct(minGain)} and z ≥ ${minZ})` };
}
