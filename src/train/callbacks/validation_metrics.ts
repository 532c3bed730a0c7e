// The epoch-level validation metrics a sum over batches cannot give (F1,
// AUC, R², …): the validation batches' predictions gathered as the loop
// computes them, evaluated once when validation ends, and added to the
// epoch's metrics — where KeepBest, the search and the ladder read the
// optimising metric. On a data-parallel rank it covers that rank's shard.
import { noGrad, tidy } from '../../tensor/index.js';
import type { Callback } from '../callback.js';
import type { Learner } from '../learner.js';
import { evaluatePredictions, PredictionCollector, type PredictionTask } from '../../metrics/index.js';

export class ValidationMetrics implements Callback {
  readonly name = 'validationMetrics';
  /** Before KeepBest (85) and checkpoints (90). */
  readonly order = 80;
  private collector: PredictionCollector | null = null;

  constructor(
    private readonly task: PredictionTask,
    /** Classes (1 for regression). */
    private readonly k: number,
  ) {}

  beforeValidate(): void {
    this.collector = new PredictionCollector(this.task, this.k);
  }

  afterLoss(l: Learner): void {
    if (l.training || !l.pred || !l.y || !this.collector) return;
    const c = this.collector;
    noGrad(() => tidy(() => c.add(l.pred!, l.y!)));
  }

  afterValidate(l: Learner): void {
    const c = this.collector;
    this.collector = null;
    if (!c?.rows || l.validLoss === null) return;
    const e = evaluatePredictions(c.result());
    // The loop's own figures (accuracy, rmse, mae) stay; undefined metrics (AUC with one class) are left out.
    for (const [k, v] of Object.entries(e.metrics)) if (v !== null && !(k in l.validMetrics)) l.validMetrics[k] = v;
  }
}
