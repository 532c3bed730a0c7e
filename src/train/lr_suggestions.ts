// Where to read a learning rate off the finder's curve. The seed's own rule
// (a little to the right of the steepest descent, where the loss is still
// falling fast) beside fastai's four (valley, steep, minimum, slide).
// All take the smoothed losses with the first tenth and the last five points
// already cut off, as fastai does.

export interface Suggestion {
  lr: number;
  /** Index into the (trimmed) curve. */
  index: number;
  loss: number;
}

/** d loss / d log10(lr) by forward differences (fastai's `steep`). */
function slopes(lrs: number[], losses: number[]): number[] {
  const g: number[] = [];
  for (let i = 0; i + 1 < lrs.length; i++) g.push((losses[i + 1] - losses[i]) / (Math.log(lrs[i + 1]) - Math.log(lrs[i])));
  return g;
}

function argmin(xs: number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] < xs[best]) best = i;
  return best;
}

/** The steepest descent: the lr where the loss falls fastest per log-lr. */
export function steep(lrs: number[], losses: number[]): Suggestion {
  const i = argmin(slopes(lrs, losses));
  return { lr: lrs[i], index: i, loss: losses[i] };
}

/** The lr at the minimum loss, divided by 10 (the plotted point is the minimum itself). */
export function minimum(lrs: number[], losses: number[]): Suggestion {
  const i = argmin(losses);
  return { lr: lrs[i] / 10, index: i, loss: losses[i] };
}

/** The longest decreasing run of the curve; about two-thirds down it (fastai's default). */
export function valley(lrs: number[], losses: number[]): Suggestion {
  const [maxStart, maxEnd] = longestValley(losses);
  const sections = (maxEnd - maxStart) / 3;
  const idx = Math.min(losses.length - 1, Math.max(0, maxStart + Math.trunc(sections) + Math.trunc(sections / 2)));
  return { lr: lrs[idx], index: idx, loss: losses[idx] };
}

/** numpy.gradient: central differences inside, one-sided at the ends. */
function gradient(y: number[]): number[] {
  const n = y.length;
  if (n < 2) return y.map(() => 0);
  return y.map((_, i) => (i === 0 ? y[1] - y[0] : i === n - 1 ? y[n - 1] - y[n - 2] : (y[i + 1] - y[i - 1]) / 2));
}

/** Walk left from the right end while the gradient still changes by more than thresh (fastai's `slide`). */
export function slide(lrs: number[], losses: number[], lrDiff = 15, thresh = 0.005): Suggestion {
  const n = losses.length;
  const g = gradient(losses);
  let r = n - 1;
  let l = r - lrDiff;
  let idx = Math.max(0, l);
  while (l >= 0 && Math.abs(g[r] - g[l]) > thresh) {
    idx = l;
    r--;
    l--;
  }
  return { lr: lrs[idx], index: idx, loss: losses[idx] };
}

/** The longest decreasing run of the curve: [start, end] indices (fastai's valley search). */
function longestValley(losses: number[]): [number, number] {
  const n = losses.length;
  let maxStart = 0;
  let maxEnd = 0;
  const lds = new Array<number>(n).fill(1);
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (losses[i] < losses[j] && lds[i] < lds[j] + 1) lds[i] = lds[j] + 1;
      if (lds[maxEnd] < lds[i]) {
        maxEnd = i;
        maxStart = maxEnd - lds[maxEnd];
      }
    }
  }
  // As fastai computes it: the start can be −1 when the run begins at the first point.
  return [maxStart, maxEnd];
}

/**
 * The seed's pick: "a little to the right of the steepest point in the plot,
 * where the loss is still strongly decreasing and has not yet been minimized".
 * The steepest point is looked for where the curve really descends (its
 * longest decreasing run), with slopes smoothed over neighbouring points, so
 * a noisy wiggle on the flat start is never taken for the descent. From
 * there it moves right while the loss still falls at least half as fast, at
 * most a third of the way (in log-lr) to the minimum.
 */
export function seedPick(lrs: number[], losses: number[]): Suggestion {
  const raw = slopes(lrs, losses);
  const g = raw.map((_, i) => {
    const lo = Math.max(0, i - 2);
    const hi = Math.min(raw.length - 1, i + 2);
    let sum = 0;
    for (let k = lo; k <= hi; k++) sum += raw[k];
    return sum / (hi - lo + 1);
  });
  const [start, ve] = longestValley(losses);
  const vs = Math.max(0, start);
  let s = Math.min(vs, g.length - 1);
  for (let i = vs; i <= Math.min(ve, g.length - 1); i++) if (g[i] < g[s]) s = i;
  const minIdx = argmin(losses);
  const cap = s + Math.max(0, Math.floor((minIdx - s) / 3));
  let j = s;
  while (j + 1 < g.length && j + 1 <= cap && g[j + 1] <= 0.5 * g[s]) j++;
  // Never above a tenth of the rate where the loss bottoms out: when the
  // steepest point sits within a decade of the minimum, training there is on
  // the edge of diverging (and batch-norm statistics stop tracking the weights).
  const ceiling = lrs[minIdx] / 10;
  if (lrs[j] > ceiling) {
    let k = j;
    while (k > 0 && lrs[k] > ceiling) k--;
    j = k;
  }
  return { lr: lrs[j], index: j, loss: losses[j] };
}

/** The sweep stopped before it had enough points to read a rate from: the loss diverged at once. */
export class LrFinderTooShort extends Error {
  override name = 'LrFinderTooShort';
  constructor(readonly lrs: number[], readonly losses: number[]) {
    super(`the learning-rate finder stopped after ${lrs.length} points: too few to suggest a rate (the loss diverged at once; try a lower start_lr or check the data)`);
  }
}

export interface Suggestions {
  /** The seed's pick: the learning rate sixstep uses. */
  suggestion: Suggestion;
  steep: Suggestion;
  valley: Suggestion;
  minimum: Suggestion;
  slide: Suggestion;
}

/** Every rule on one curve (trimmed: the first tenth and the last five points dropped, non-finite points removed). */
export function suggest(lrs: number[], losses: number[], numIter: number): Suggestions {
  const keep: number[] = [];
  const end = lrs.length - 5;
  for (let i = Math.floor(numIter / 10); i < end; i++) if (Number.isFinite(losses[i]) && Number.isFinite(lrs[i])) keep.push(i);
  if (keep.length < 3) throw new LrFinderTooShort(lrs, losses);
  const l = keep.map((i) => lrs[i]);
  const y = keep.map((i) => losses[i]);
  const shift = (s: Suggestion): Suggestion => ({ ...s, index: keep[s.index] });
  return {
    suggestion: shift(seedPick(l, y)),
    steep: shift(steep(l, y)),
    valley: shift(valley(l, y)),
    minimum: shift(minimum(l, y)),
    slide: shift(slide(l, y)),
  };
}

/** When a finder's reading is not to be trusted; every threshold is relative to the curve itself. */
export interface FinderRule {
  /** The smoothed loss must fall at least this share of its value where the reading starts; default 0.01 (1 %). */
  minFall?: number;
  /** The pick may lie at most this factor below the valley; default 100 (two orders of magnitude). */
  maxBelowValley?: number;
  /** A sweep that stops early with its lowest point within this many points of where the reading starts diverged at once; default 2. */
  startPoints?: number;
}

export interface FinderReading {
  /** No problem found: the pick can be used. */
  sound: boolean;
  /** What is wrong, each in words with its numbers. */
  problems: Array<{ kind: 'diverged-at-once' | 'flat' | 'below-valley'; text: string }>;
  numbers: { points: number; fall: number; minimumAt: number; stoppedBecause: string; pickOverValley: number };
}

/**
 * Whether a finder's curve can be read: it must fall (a curve from weights
 * that are already trained, or on data the model cannot learn from, is flat
 * and its minimum is noise), it must not diverge at once (its lowest point
 * at the very start), and the pick must not lie orders of magnitude below
 * the valley (the curve's longest descent) of the same curve.
 */
export function judgeFinderCurve(r: { lrs: number[]; losses: number[]; stoppedBecause: string; suggestion: Suggestion; valley: Suggestion; options: { numIter: number } }, rule: FinderRule = {}): FinderReading {
  const minFall = rule.minFall ?? 0.01;
  const maxBelow = rule.maxBelowValley ?? 100;
  const first = Math.floor(r.options.numIter / 10);
  const read: number[] = [];
  for (let i = first; i < r.losses.length - 5; i++) if (Number.isFinite(r.losses[i])) read.push(i);
  const problems: FinderReading['problems'] = [];
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  const start = read.length ? r.losses[read[0]] : NaN;
  let lowest = read.length ? read[0] : 0;
  for (const i of read) if (r.losses[i] < r.losses[lowest]) lowest = i;
  const fall = read.length ? (start - r.losses[lowest]) / Math.abs(start) : 0;
  const minimumAt = lowest - (read[0] ?? 0);
  const pickOverValley = r.suggestion.lr / r.valley.lr;
  const numbers = { points: r.lrs.length, fall, minimumAt, stoppedBecause: r.stoppedBecause, pickOverValley };
  if (r.stoppedBecause !== 'completed' && minimumAt <= (rule.startPoints ?? 2)) {
    problems.push({ kind: 'diverged-at-once', text: `it ${r.stoppedBecause === 'diverged' ? 'diverged' : 'hit a non-finite loss'} at once: its lowest point is where the reading starts (lr ${r.lrs[lowest]?.toExponential(2) ?? '–'}) and it stopped after ${r.lrs.length} of ${r.options.numIter} points` });
  }
  if (!(fall >= minFall)) problems.push({ kind: 'flat', text: `its loss hardly falls: ${pct(fall)} from ${start.toPrecision(4)} to its lowest (rule: at least ${pct(minFall)})` });
  if (pickOverValley < 1 / maxBelow) problems.push({ kind: 'below-valley', text: `the pick ${r.suggestion.lr.toExponential(2)} lies ${(1 / pickOverValley).toPrecision(3)}× below the curve's own valley ${r.valley.lr.toExponential(2)} (rule: at most ${maxBelow}×)` });
  return { sound: problems.length === 0, problems, numbers };
}
