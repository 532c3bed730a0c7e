// "If, after all this, I still cannot fit the training data well on the cost
// function, I consider whether the overall objective should be refined. The
// training inputs simply may not have the right information to predict the
// output." Compares the best losses with the naive baseline and says so.
import type { Baseline } from './baseline.js';

export interface SignalVerdict {
  /** 'signal': the model clearly beats the baseline; 'no-signal': it does not. */
  verdict: 'signal' | 'weak-signal' | 'no-signal';
  /** 1 − model validation loss / baseline loss: the share of the baseline's error removed. */
  improvement: number;
  message: string;
}

export interface SignalOptions {
  /** Below this improvement there is no signal; default 0.02 (2 %). */
  noSignal?: number;
  /** Below this it is weak; default 0.10. */
  weak?: number;
}

export function signalVerdict(baseline: Baseline, best: { trainLoss: number; validLoss: number }, o: SignalOptions = {}): SignalVerdict {
  const improvement = 1 - best.validLoss / baseline.loss;
  const trainImprovement = 1 - best.trainLoss / baseline.loss;
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  if (!(improvement >= (o.noSignal ?? 0.02))) {
    return {
      verdict: 'no-signal',
      improvement,
      message:
        `No signal beyond the naive baseline: the best validation loss ${best.validLoss.toPrecision(4)} is ${improvement >= 0 ? 'only ' + pct(improvement) + ' below' : pct(-improvement) + ' above'} the baseline "${baseline.name}" (${baseline.loss.toPrecision(4)})` +
        `${trainImprovement > 0.1 ? `, although the training loss is ${pct(trainImprovement)} below it — that is fitting noise` : ''}. ` +
        'The inputs may not carry the information needed to predict the target; refine the objective or find better inputs rather than tuning further.',
    };
  }
  if (improvement < (o.weak ?? 0.1)) {
    return { verdict: 'weak-signal', improvement, message: `Weak signal: ${pct(improvement)} below the baseline "${baseline.name}". Check that this is more than noise before relying on it.` };
  }
  return { verdict: 'signal', improvement, message: `The model removes ${pct(improvement)} of the baseline "${baseline.name}" loss on validation.` };
}
