// The rows the model gets most wrong: classification by the cost of each row
// (−log of the probability given to the true class, which is what
// cross-entropy and binary cross-entropy charge), regression by |error|.
import { predictedClass, type Predictions } from '../metrics/index.js';

export interface ClassTopLoss {
  /** Row position in the split. */
  index: number;
  truth: string;
  predicted: string;
  /** Probability of the predicted class. */
  probability: number;
  /** Probability given to the true class. */
  truthProbability: number;
  loss: number;
}

export interface RegressionTopLoss {
  index: number;
  truth: number;
  predicted: number;
  /** predicted − truth */
  error: number;
  /** Squared error: what MSE charges. */
  loss: number;
}

const P_FLOOR = 1e-15;

/** Per-row loss: −log p(true class) (clipped at 1e−15) or the squared error. */
export function rowLosses(p: Predictions): Float64Array {
  if (p.task === 'regression') return Float64Array.from(p.truth, (t, i) => (p.predicted[i] - t) ** 2);
  return Float64Array.from(p.truth, (t, i) => -Math.log(Math.max(P_FLOOR, p.probabilities[i * p.k + t])));
}

function largest(losses: Float64Array, n: number): number[] {
  return Array.from(losses.keys())
    .sort((a, b) => losses[b] - losses[a] || a - b)
    .slice(0, n);
}

export function topLosses(p: Predictions, n: number, classes?: readonly string[] | null): ClassTopLoss[] | RegressionTopLoss[] {
  const losses = rowLosses(p);
  const rows = largest(losses, n);
  if (p.task === 'regression') return rows.map((i) => ({ index: i, truth: p.truth[i], predicted: p.predicted[i], error: p.predicted[i] - p.truth[i], loss: losses[i] }));
  const name = (c: number) => classes?.[c] ?? String(c);
  return rows.map((i) => {
    const c = predictedClass(p, i);
    return { index: i, truth: name(p.truth[i]), predicted: name(c), probability: p.probabilities[i * p.k + c], truthProbability: p.probabilities[i * p.k + p.truth[i]], loss: losses[i] };
  });
}
