// Population stability index: Σ (a − e)·ln(a / e) over bins, comparing the
// share of served values per bin (a) with the training share (e). Rules of
// thumb: below 0.1 stable, 0.1–0.25 a moderate shift, above 0.25 a major one.

/** Shares below this count as this (an empty bin would make the logarithm infinite). */
export const PSI_EPSILON = 1e-4;

/** Shift at or above which a feature is reported as drifted. */
export const PSI_ALERT = 0.25;

/** PSI of observed bin counts against expected shares; null when nothing was observed. */
export function psi(expected: ArrayLike<number>, observedCounts: ArrayLike<number>, epsilon = PSI_EPSILON): number | null {
  let total = 0;
  for (let i = 0; i < observedCounts.length; i++) total += observedCounts[i];
  if (total === 0) return null;
  let s = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i], epsilon);
    const a = Math.max(observedCounts[i] / total, epsilon);
    s += (a - e) * Math.log(a / e);
  }
  return s;
}

/** Bin of a value given sorted interior edges: bin i holds edges[i−1] < v ≤ edges[i]; the last bin is above every edge. */
export function binOf(edges: readonly number[], v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Interior decile edges of finite values (deduplicated, so tied values share a bin), and each bin's share. */
export function quantileBins(values: ArrayLike<number>, bins = 10): { edges: number[]; proportions: number[] } {
  const v = Float64Array.from(values).sort();
  if (v.length === 0) return { edges: [], proportions: [] };
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const q = v[Math.min(v.length - 1, Math.floor((k * v.length) / bins))];
    if (edges.length === 0 || q > edges[edges.length - 1]) edges.push(q);
  }
  const counts = new Array(edges.length + 1).fill(0);
  for (const x of v) counts[binOf(edges, x)]++;
  return { edges, proportions: counts.map((c) => c / v.length) };
}

/** Standard-normal decile points: bins of N(mean, std²) with a tenth of the mass each. */
export const NORMAL_DECILES = [-1.2816, -0.8416, -0.5244, -0.2533, 0, 0.2533, 0.5244, 0.8416, 1.2816];

export function normalBins(mean: number, std: number): { edges: number[]; proportions: number[] } {
  return { edges: NORMAL_DECILES.map((z) => mean + z * std), proportions: new Array(NORMAL_DECILES.length + 1).fill(0.1) };
}
