// The learning curve's verdict: validation loss against the share of the
// training rows a probe learned from. Still falling between half and all of
// them, more rows would help — collecting more labeled data, and a refit on
// the validation rows too once every choice is made (steps/deep_refit.ts).

export interface CurvePoint {
  /** Share of the training rows. */
  fraction: number;
  validLoss: number;
}

/** Relative fall of the validation loss from half to all the training rows above which more data still helps. */
export const STILL_FALLING = 0.05;

export interface CurveVerdict {
  stillFalling: boolean;
  /** The relative fall from half to all the rows (NaN without both points). */
  fall: number;
  /** The curve as the decisions quote it: "25 %: 0.987, 50 %: 0.889, 100 %: 0.786". */
  quoted: string;
}

export function learningCurveVerdict(curve: readonly CurvePoint[]): CurveVerdict {
  const half = curve.find((c) => c.fraction === 0.5);
  const all = curve.find((c) => c.fraction === 1);
  const fall = half && all ? (half.validLoss - all.validLoss) / Math.abs(half.validLoss || 1) : NaN;
  const quoted = curve.map((c) => `${c.fraction * 100} %: ${c.validLoss.toPrecision(3)}`).join(', ');
  return { stillFalling: fall > STILL_FALLING, fall, quoted };
}
