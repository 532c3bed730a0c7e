// "If I still can't fit the training set …" — when the basic recipe leaves a
// bias gap: the eval-mode training loss (fixed training subset) removes less
// than `minFit` of the naive baseline's loss. Relative, so scale-free. The
// autopilot then runs the step-3 random search before any no-signal verdict.

export interface BiasRule {
  /** Share of the baseline's loss the training loss must remove; default 0.5. */
  minFit?: number;
}

export interface BiasGap {
  open: boolean;
  /** 1 − trainLoss / baselineLoss. */
  fit: number;
  reason: string;
}

export function biasGap(trainLoss: number, baselineLoss: number, rule: BiasRule = {}): BiasGap {
  const minFit = rule.minFit ?? 0.5;
  const fit = 1 - trainLoss / baselineLoss;
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  const open = !(fit >= minFit);
  return {
    open,
    fit,
    reason: open
      ? `the training loss ${trainLoss.toPrecision(4)} (eval mode, fixed training subset) removes only ${pct(fit)} of the naive baseline's ${baselineLoss.toPrecision(4)} (rule: at least ${pct(minFit)})`
      : `the training loss ${trainLoss.toPrecision(4)} removes ${pct(fit)} of the naive baseline's ${baselineLoss.toPrecision(4)}`,
  };
}
