// Streams a training run into the project's store: per-step rows in batches,
// per-epoch rows as they finish, with a heartbeat so a crashed run is found.
import type { Callback, Learner } from '../train/index.js';
import type { Store, StepWriter } from '../store/index.js';

export class StoreSink implements Callback {
  readonly name = 'storeSink';
  readonly order = 55;
  private readonly writer: StepWriter;
  constructor(private readonly store: Store, readonly runId: string) {
    this.writer = store.stepWriter(runId);
  }
  afterStep(l: Learner): void {
    if (!l.skipStep) this.writer.add({ step: l.step, epoch: l.epoch, loss: l.lossValue, lrs: l.optimizer.lrs, gradNorm: l.gradNorm });
  }
  afterEpoch(l: Learner): void {
    this.writer.flush();
    const e = l.lastEpoch;
    if (e) this.store.logEpoch(this.runId, { epoch: e.epoch, trainLoss: e.trainLoss, validLoss: e.validLoss, metrics: e.metrics, seconds: e.seconds });
  }
  afterFit(): void {
    this.writer.flush();
  }
  close(): void {
    this.writer.close();
  }
}
