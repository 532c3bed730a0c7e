// The linear reference as a run's summary carries it (`--json`'s
// `linearReference`, the report, the dashboard and `doctor` read it).
import type { LinearReferenceRecord } from './context.js';

export interface LinearReferenceSummary {
  name: string;
  description: string;
  /** Validation loss (folds: the mean) and metrics. */
  loss: number;
  trainLoss: number;
  metrics: Record<string, number>;
  /** The run kept it over the deep model (false: the deep model was kept; null: not compared, e.g. an interrupted run). */
  kept: boolean | null;
  reason: string | null;
  weightDecay: number;
  epochs: number;
  seconds: number;
  converged: boolean;
  /** How L-BFGS ended ("L-BFGS, 41 iterations: gradient ≤ 1e-5"); null when it did not run. */
  solver: string | null;
}

export function linearReferenceSummary(r: LinearReferenceRecord | undefined): LinearReferenceSummary | null {
  if (!r) return null;
  return { name: r.name, description: r.description, loss: r.loss, trainLoss: r.trainLoss, metrics: r.metrics, kept: r.kept ?? null, reason: r.keptReason ?? null, weightDecay: r.weightDecay, epochs: r.epochs, seconds: r.seconds, converged: r.converged, solver: r.solver ?? null };
}
