// Options that get further with the same compute (a weight average, test-time
// augmentation, a faster batch size) are kept only when measured to help: pure
// rules on the numbers measured, tested on constructed cases.

export interface MeasuredChoice {
  keep: boolean;
  /** Validation loss without the option minus with it (positive: the option helps). */
  gain: number;
  /** The gain needed: tolerance × the naive baseline's loss (scale-free). */
  needed: number;
  why: string;
}

/**
 * Keep an option when it lowers the validation loss (eval mode, same rows) by
 * more than `tolerance` of the naive baseline's loss (default 0.002): smaller
 * differences are noise, and the plain path is simpler.
 */
export function keepIfLower(o: { option: string; withLoss: number; withoutLoss: number; baselineLoss: number; tolerance?: number }): MeasuredChoice {
  const needed = (o.tolerance ?? 0.002) * Math.abs(o.baselineLoss);
  const gain = o.withoutLoss - o.withLoss;
  const keep = Number.isFinite(o.withLoss) && (!Number.isFinite(o.withoutLoss) || gain > needed);
  const f = (x: number) => x.toPrecision(4);
  return {
    keep,
    gain,
    needed,
    why: `validation loss ${f(o.withLoss)} with ${o.option} against ${f(o.withoutLoss)} without: ${keep ? 'lower' : 'not lower'} by more than ${f(needed)} (0.2 % of the naive baseline's ${f(o.baselineLoss)})`.replace('0.2 %', `${+((o.tolerance ?? 0.002) * 100).toPrecision(3)} %`),
  };
}

export interface BatchTiming {
  batchSize: number;
  samplesPerSecond: number;
}

/**
 * The batch size the machine trains fastest, when it beats the current one's
 * throughput by more than `minGain` (default 0.1): batch size changes the
 * optimization too, so a marginal speed-up is not worth it.
 */
export function chooseBatchSize(timings: BatchTiming[], current: number, minGain = 0.1): { batchSize: number; why: string } {
  const cur = timings.find((t) => t.batchSize === current);
  if (!cur || !timings.length) return { batchSize: current, why: `no timing of batch size ${current}: keeping it` };
  const fastest = timings.reduce((a, b) => (b.samplesPerSecond > a.samplesPerSecond ? b : a));
  const list = timings.map((t) => `${t.batchSize}: ${Math.round(t.samplesPerSecond)}/s`).join(', ');
  if (fastest.batchSize !== current && fastest.samplesPerSecond > cur.samplesPerSecond * (1 + minGain)) {
    return { batchSize: fastest.batchSize, why: `training samples per second by batch size (${list}): ${fastest.batchSize} is more than ${Math.round(minGain * 100)} % faster than ${current}` };
  }
  return { batchSize: current, why: `training samples per second by batch size (${list}): none is more than ${Math.round(minGain * 100)} % faster than ${current}` };
}
