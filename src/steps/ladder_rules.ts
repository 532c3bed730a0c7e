// The regularization ladder's first judgment as a pure function of unbiased
// numbers. Is the train/validation gap open? — on the eval-mode training loss
// of a fixed training subset (dropout and augmentation do not inflate it),
// with a margin relative to the training loss and to the naive baseline's
// loss, so the target's units do not matter. The second — is a rung worth
// keeping? — is the protocol's comparison (protocol/selection.ts): paired on
// the same validation rows, paying for the candidates the best was chosen among.

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
