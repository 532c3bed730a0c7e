// The optimising metric (the playbook's steps 4 and 5: "the loss, or an
// F-score or another optimising metric"): which validation figure decides
// what "best" means — the epoch a fit keeps, the search's best trial, the
// ladder's rungs. Loss by default, the one number every task has.

export const OPTIMISING_METRICS = ['loss', 'accuracy', 'f1', 'macroF1', 'auc', 'rmse', 'mae', 'r2'] as const;
export type OptimisingMetric = (typeof OPTIMISING_METRICS)[number];

/** A validation evaluation as the loop and the steps record it. */
export interface ValidationFigures {
  validLoss: number | null;
  metrics: Record<string, number | null | undefined>;
}

export interface Objective {
  metric: OptimisingMetric;
  direction: 'min' | 'max';
  /** The figure of a validation evaluation; null when it lacks it (or it is not finite). */
  read(e: ValidationFigures): number | null;
  /** a strictly better than b. */
  better(a: number, b: number): boolean;
  /** Whether a beats b by more than `share` of b (e.g. 0.005 for the ladder's 0.5 %). */
  clearlyBetter(a: number, b: number, share: number): boolean;
  /** The worst possible value: what any finite figure beats. */
  worst: number;
  /** "validation macroF1 0.8312" */
  describe(v: number | null): string;
  /** The figure as something to minimise (for the search's trial values): itself, or 1 − it for metrics whose best is 1. */
  minimised(v: number): number;
}

const HIGHER: ReadonlySet<OptimisingMetric> = new Set(['accuracy', 'f1', 'macroF1', 'auc', 'r2']);
const CLASSIFICATION: ReadonlySet<OptimisingMetric> = new Set(['accuracy', 'f1', 'macroF1', 'auc']);
const REGRESSION: ReadonlySet<OptimisingMetric> = new Set(['rmse', 'mae', 'r2']);

export function objective(metric: OptimisingMetric = 'loss'): Objective {
  if (!OPTIMISING_METRICS.includes(metric)) throw new RangeError(`optimising metric must be one of ${OPTIMISING_METRICS.join(', ')}, got ${String(metric)}`);
  const max = HIGHER.has(metric);
  const read = (e: ValidationFigures): number | null => {
    const v = metric === 'loss' ? e.validLoss : e.metrics[metric];
    return v === null || v === undefined || !Number.isFinite(v) ? null : v;
  };
  return {
    metric,
    direction: max ? 'max' : 'min',
    read,
    better: (a, b) => (max ? a > b : a < b),
    clearlyBetter: (a, b, share) => (max ? a > b + share * Math.abs(b) : a < b - share * Math.abs(b)),
    worst: max ? -Infinity : Infinity,
    describe: (v) => `validation ${metric} ${v === null ? '–' : v.toPrecision(4)}`,
    minimised: (v) => (max ? 1 - v : v),
  };
}

/** Why `metric` does not fit `task`, or null when it does. */
export function metricMismatch(metric: OptimisingMetric, task: string): string | null {
  if (task === 'regression' && CLASSIFICATION.has(metric)) return `${metric} is a classification metric and the task is regression (use loss, rmse, mae or r2)`;
  if (task !== 'regression' && REGRESSION.has(metric)) return `${metric} is a regression metric and the task is ${task} (use loss, accuracy, f1, macroF1 or auc)`;
  if (task === 'multilabel' && metric !== 'loss' && metric !== 'accuracy') return `${metric} is not measured for multilabel tasks (use loss)`;
  return null;
}

/** The best of `items` by the objective (first wins ties); null when none has the figure. */
export function bestBy<T>(o: Objective, items: readonly T[], figures: (t: T) => ValidationFigures): T | null {
  let best: T | null = null;
  let bestValue = o.worst;
  for (const t of items) {
    const v = o.read(figures(t));
    if (v !== null && (best === null || o.better(v, bestValue))) {
      best = t;
      bestValue = v;
    }
  }
  return best;
}
