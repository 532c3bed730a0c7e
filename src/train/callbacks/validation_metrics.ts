// The epoch-level validation metrics a sum over batches cannot give (F1,
// AUC, R², …): the validation batches' predictions gathered as the loop
// computes them, evaluated once when validation ends, and added to the
// epoch's metrics — where KeepBest, the search and the ladder read the
// optimising metric. On a data-parallel rank it covers that rank's shard.
import { noGrad, tidy } from '../../tensor/index.js';
import type { Callback } from '../callback.js';
import type { Learner } from '../learner.js';
import { evaluatePredictions, type PredictionTask } from '../../metrics/index.js';

export class ValidationMetrics implements Callback {
  readonly name = 'validationMetrics';
  /** Before KeepBest (85) and checkpoints (90). */
  readonly order = 80;
  private truth: number[] = [];
  private values: number[] = [];

  constructor(
    private readonly task: PredictionTask,
    /** Classes (1 for regression). */
    private readonly k: number,
  ) {}

  beforeValidate(): void {
    this.truth = [];
    this.values = [];
  }

  afterLoss(l: Learner): void {
    if (l.training || !l.pred || !l.y) return;
    const [out, y] = noGrad(() =>
      tidy(() => {
        const pred = l.pred!;
        if (this.task === 'regression') return [pred.reshape(-1).toArray(), l.y!.reshape(-1).toArray()];
        if (this.task === 'binary') return [pred.reshape(-1).sigmoid().toArray().flatMap((q) => [1 - q, q]), l.y!.reshape(-1).toArray()];
        return [pred.softmax(-1).toArray(), l.y!.reshape(-1).toArray()];
      }),
    );
    for (const v of out) this.values.push(v);
    for (const v of y) this.truth.push(v);
  }

  afterValidate(l: Learner): void {
    if (!this.truth.length || l.validLoss === null) return;
    const e = evaluatePredictions(
      this.task === 'regression'
        ? { task: 'regression', truth: Float64Array.from(this.truth), predicted: Float64Array.from(this.values) }
        : { task: this.task, k: this.task === 'binary' ? 2 : this.k, truth: Int32Array.from(this.truth), probabilities: Float64Array.from(this.values) },
    );
    // The loop's own figures (accuracy, rmse, mae) stay; undefined metrics (AUC with one class) are left out.
    for (const [k, v] of Object.entries(e.metrics)) if (v !== null && !(k in l.validMetrics)) l.validMetrics[k] = v;
    this.truth = [];
    this.values = [];
  }
}
