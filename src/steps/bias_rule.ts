// "If I still can't fit the training set …" — when the basic recipe leaves a
// bias gap: the eval-mode training loss (fixed training subset) removes less
// than `minFit` of the naive baseline's loss, or — with a linear reference —
// is no lower than the linear reference's own training loss (plus a slack of
// 2 % of the baseline's, LINEAR_FIT_SLACK): a network with
// hidden layers fits the training set at least as well as a straight line
// when it is trained enough, so falling short of it is bias, not the data.
// Relative, so scale-free. The autopilot then runs the step-3 random search
// before any no-signal verdict, and trains the final model.

export interface BiasRule {
  /** Share of the baseline's loss the training loss must remove; default 0.5. */
  minFit?: number;
}

/** The linear reference's eval-mode training loss (same rows, same measure), and its name for the message. */
export interface LinearFit {
  trainLoss: number;
  name: string;
}

export interface BiasGap {
  open: boolean;
  /** 1 − trainLoss / baselineLoss. */
  fit: number;
  /** The gap is open because the linear reference fits the training set better. */
  belowLinear: boolean;
  reason: string;
}

/**
 * How far above the linear reference's training loss the network may stay, as
 * a share of the naive baseline's loss (the absolute term of the overfitting
 * gap's tolerance): two losses that close are the same fit, and a line solved
 * to its optimum may sit a hair below a network trained for minutes.
 */
export const LINEAR_FIT_SLACK = 0.02;

export function biasGap(trainLoss: number, baselineLoss: number, rule: BiasRule = {}, linear?: LinearFit | null): BiasGap {
  const minFit = rule.minFit ?? 0.5;
  const fit = 1 - trainLoss / baselineLoss;
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  const short = !(fit >= minFit);
  const slack = LINEAR_FIT_SLACK * Math.abs(baselineLoss);
  const belowLinear = !short && Boolean(linear && Number.isFinite(linear.trainLoss) && !(trainLoss < linear.trainLoss + slack));
  const removes = `the training loss ${trainLoss.toPrecision(4)}${short ? ' (eval mode, fixed training subset) removes only' : ' removes'} ${pct(fit)} of the naive baseline's ${baselineLoss.toPrecision(4)}`;
  return {
    open: short || belowLinear,
    fit,
    belowLinear,
    reason: short
      ? `${removes} (rule: at least ${pct(minFit)})`
      : belowLinear
        ? `${removes}, but it is not below the linear reference's training loss ${linear!.trainLoss.toPrecision(4)} (${linear!.name}) + ${pct(LINEAR_FIT_SLACK)} of the baseline's: a hidden layer trained enough fits the training set at least as well as a straight line (rule: at least ${pct(minFit)}, and below the linear reference's + ${slack.toPrecision(3)})`
        : `${removes} (rule: at least ${pct(minFit)}${linear && Number.isFinite(linear.trainLoss) ? `, and below the linear reference's ${linear.trainLoss.toPrecision(4)} + ${slack.toPrecision(3)}` : ''})`,
  };
}
