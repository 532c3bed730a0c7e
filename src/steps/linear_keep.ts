// After its budget, does the deep model beat the linear reference on
// validation? Only then does the run keep it; otherwise it keeps the linear
// network (saved, served, exported and interpreted like any other) and says
// so with both numbers. Both models are measured on the same validation rows
// of the default split and compared by the protocol's acceptance test with
// the deep model as the challenger: it is the more complex model, its figures
// are the more optimistic (its best epoch, rungs and trials were chosen on
// those rows), and a tie on rows this few is no evidence that the extra
// capacity generalizes — the simpler model stays.
import type { Acceptance } from '../protocol/index.js';
import type { Decision } from './decisions.js';
import type { Baseline } from './baseline.js';
import { fitVerdict, type FitVerdict } from './diagnosis.js';

export interface Figures {
  validLoss: number;
  rowLosses?: number[];
}

export interface LinearKeep {
  /** The linear reference is kept (the deep model did not beat it). */
  kept: boolean;
  /** The deep model (candidate) against the linear reference (incumbent). */
  acceptance: Acceptance;
  decision: Decision;
}

/** `compare` is the protocol's acceptance test (candidate, incumbent, k): the deep model is one candidate against the reference. */
export function keepLinearReference(linear: Figures, deep: Figures, compare: (c: Figures, i: Figures, k: number) => Acceptance, name = 'the linear reference'): LinearKeep {
  const acceptance = compare(deep, linear, 1);
  const kept = !acceptance.accept;
  const both = `validation loss ${deep.validLoss.toPrecision(4)} (the deep model) against ${linear.validLoss.toPrecision(4)} (${name})`;
  const decision: Decision = {
    step: 4,
    action: kept ? `keep ${name} over the deep model` : 'keep the deep model over the linear reference',
    reason: kept
      ? `${deep.validLoss < linear.validLoss ? `after its budget the deep model does not beat it clearly on validation: ${both}; its edge is within the noise (${acceptance.why})` : `after its budget the deep model is still worse on validation: ${both}`}. The more complex model must earn its place; a linear network is a network: it is saved, served, exported and interpreted like any other`
      : `${both}; the deep model beats it: ${acceptance.why}`,
    numbers: { linearValidLoss: linear.validLoss, deepValidLoss: deep.validLoss, gain: acceptance.gain, z: acceptance.z, zNeeded: acceptance.zNeeded, k: acceptance.k, kept },
  };
  return { kept, acceptance, decision };
}

/** Where the deep model stands against the linear reference, for the verdicts (share of the reference's loss removed). */
export function standingAgainstLinear(deepValidLoss: number, linearLoss: number | null | undefined): string {
  if (linearLoss === null || linearLoss === undefined || !Number.isFinite(linearLoss)) return '';
  const gain = 1 - deepValidLoss / linearLoss;
  const pct = `${(Math.abs(gain) * 100).toFixed(1)} %`;
  return gain >= 0 ? `; ${pct} below the linear reference's validation loss ${linearLoss.toPrecision(4)}` : `; ${pct} above the linear reference's validation loss ${linearLoss.toPrecision(4)} (the deep model is worse than a linear one so far)`;
}

/**
 * Step 3's verdict read beside the linear reference: a deep model that shows
 * no signal (or is undecided) while the linear reference clearly has some
 * (past the weak-signal line, fitVerdict's `weak`) has
 * not been trained enough — the inputs carry information — so the run does
 * not stop; the verdict becomes a bias gap (the deep model is not fitted), it
 * goes on, and keeps the better of the two before step 5.
 */
export function verdictWithLinear(deep: FitVerdict, baseline: Baseline, linear: { loss: number; trainLoss: number; name: string } | null | undefined): { verdict: FitVerdict; rescued: boolean } {
  if ((deep.verdict !== 'no-signal' && deep.verdict !== 'undecided') || !linear || !Number.isFinite(linear.loss)) return { verdict: deep, rescued: false };
  const lin = fitVerdict(baseline, { trainLoss: linear.trainLoss, validLoss: linear.loss });
  // Only clear signal overturns the verdict: a weak edge of a reference chosen among its penalties may be noise.
  if ((lin.verdict !== 'fitted' && lin.verdict !== 'bias-gap') || lin.weak) return { verdict: deep, rescued: false };
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  return {
    rescued: true,
    verdict: {
      ...deep,
      verdict: 'bias-gap',
      improvement: lin.improvement,
      action: 'go on: the linear reference shows signal',
      message: `The deep model removes ${deep.improvement >= 0 ? `only ${pct(deep.improvement)}` : `none (${pct(deep.improvement)})`} of the baseline "${baseline.name}" loss on validation, but the linear reference (${linear.name}) removes ${pct(lin.improvement)}: the inputs carry signal and the deep model is not fitted yet; the run goes on and keeps the better of the two.`,
    },
  };
}
