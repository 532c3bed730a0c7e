// How much permutation importance a time allowance buys. Each shuffle costs
// one pass over the split's rows, measured on the unshuffled pass: repeats
// come down first (to 2, the fewest that show a spread), then the columns
// are sampled (seeded), and the cap is stated wherever the figures are.

/** Most columns permuted whatever the time: beyond it, importance is a sample (stated). */
export const PERMUTATION_MAX_FEATURES = 200;

export interface PermutationPlanInput {
  /** Input columns that could be permuted. */
  features: number;
  /** Measured seconds of one pass over the split (the unshuffled one). */
  secondsPerPass: number;
  /** Seconds allowed; Infinity: no time limit (only the column cap). */
  secondsGiven: number;
  /** Wanted shuffles per column; default 5. */
  repeats?: number;
  /** Default PERMUTATION_MAX_FEATURES. */
  maxFeatures?: number;
}

export interface PermutationPlan {
  /** Columns permuted (0: none fit). */
  features: number;
  repeats: number;
  /** Fewer columns than there are: a seeded sample. */
  sampled: boolean;
  /** Why, with the numbers (empty when every column gets every repeat). */
  note: string;
}

export function permutationPlan(i: PermutationPlanInput): PermutationPlan {
  const wanted = i.repeats ?? 5;
  const cap = i.maxFeatures ?? PERMUTATION_MAX_FEATURES;
  const passes = i.secondsPerPass > 0 ? Math.floor(i.secondsGiven / i.secondsPerPass) : Infinity;
  const all = Math.min(i.features, cap);
  let repeats = wanted;
  while (repeats > Math.min(2, wanted) && all * repeats > passes) repeats--;
  const features = Math.max(0, Math.min(all, Math.floor(passes / repeats)));
  const sampled = features < i.features;
  const time = Number.isFinite(i.secondsGiven) ? `${i.secondsGiven.toFixed(1)} s allowed at ${i.secondsPerPass.toPrecision(3)} s per pass over the rows = ${passes} pass(es)` : '';
  const parts: string[] = [];
  if (features === 0) parts.push(`no column permuted: ${time}, fewer than ${repeats} for one column`);
  else {
    if (repeats < wanted) parts.push(`${repeats} shuffles per column instead of ${wanted}`);
    if (sampled) parts.push(`${features} of ${i.features} columns, drawn at random (seeded)${i.features > cap && features === cap ? ` — at most ${cap}` : ''}`);
    if (parts.length && time) parts.push(time);
  }
  return { features, repeats, sampled, note: parts.join('; ') };
}
