// Data-parallel training as a callback: every rank trains the same model on
// its slice of each global batch (a sharded loader), and after backward the
// gradients are averaged over ranks in one bucketed allreduce, weighted by
// each rank's rows — so every rank takes the step a single process would
// take on the whole batch, and the parameters stay bit-identical.
//
// What must agree across ranks does: initial weights (broadcast from rank 0),
// the batch loss and the training loss (reduced with the gradients), a stop
// request (Ctrl-C on any rank stops all after the same batch), and batch-norm
// running statistics (averaged before each validation). Batch-norm batch
// statistics themselves are per rank, over the rank's slice — as in PyTorch's
// DDP without SyncBatchNorm. Every rank sees the same validation loss and makes the
// same decisions (early stopping, keeping the best weights). Validation may
// be sharded too (each rank a share of the rows): the loss and metric sums
// are then added up over ranks, so every rank still sees the same figures.
import { tensor, type Tensor } from '../../tensor/index.js';
import type { ProcessGroup } from '../../distributed/index.js';
import type { Callback } from '../callback.js';
import type { Learner } from '../learner.js';
import { CancelFit } from '../cancel.js';
import { finishMetric } from '../metrics.js';

/** One rank's training-phase figures for one epoch. */
export interface RankStats {
  rank: number;
  samples: number;
  seconds: number;
  samplesPerSecond: number;
  /** Seconds inside collectives (gradient allreduce, loss reduction). */
  commSeconds: number;
  /** commSeconds / seconds. */
  commShare: number;
}

export interface DataParallelOptions {
  group: ProcessGroup;
  /** Largest gradient bucket in bytes; default 0: one bucket (one allreduce) per dtype per step. */
  bucketCapBytes?: number;
  /** Polled every batch on every rank; when any rank says yes, all stop after that batch. */
  stopRequested?: () => boolean;
  /** Called on every rank after each epoch with all ranks' figures (rank 0 records them). */
  onRankStats?: (epoch: number, stats: RankStats[]) => void;
}

export class DataParallel implements Callback {
  readonly name = 'dataParallel';
  // First at every event: later callbacks (clipping, NaN guard, recorder) see averaged gradients and global losses.
  readonly order = -90;
  /** Set when a stop was agreed; the fit ends after the current batch. */
  stopped = false;
  readonly history: Array<{ epoch: number; ranks: RankStats[] }> = [];
  private readonly group: ProcessGroup;
  private lossSum = 0;
  private rows = 0;
  private trainStart = 0;
  private trainSeconds = 0;
  private commAtStart = 0;
  private commSeconds = 0;

  constructor(private readonly o: DataParallelOptions) {
    this.group = o.group;
  }

  /** The parameters that train, looked up once per training phase rather than every step (freezing happens between phases). */
  private trainable: Tensor[] = [];

  beforeFit(l: Learner): void {
    // Rank 0's weights and buffers everywhere: the same starting point, whatever each rank's seed did.
    this.group.broadcast([...l.model.parameters(), ...l.model.namedBuffers().map(([, b]) => b)], 0);
  }

  beforeTrain(l: Learner): void {
    this.trainable = l.model.parameters().filter((p) => p.requiresGrad);
    this.lossSum = 0;
    this.rows = 0;
    this.trainStart = performance.now();
    this.commAtStart = this.group.stats.seconds;
  }

  afterBackward(l: Learner): void {
    const n = l.x!.shape[0];
    const local = l.lossValue;
    this.lossSum += local * n;
    this.rows += n;
    const stop = this.o.stopRequested?.() ? 1 : 0;
    const [lossTimesRows, stops, rows] = this.group.allreduceGrads(this.trainable, n, [local * n, stop], this.o.bucketCapBytes ?? 0);
    l.lossValue = lossTimesRows / rows;
    if (stops > 0) this.stopped = true;
  }

  afterBatch(l: Learner): void {
    if (this.stopped && l.training) throw new CancelFit();
  }

  afterTrain(l: Learner): void {
    this.trainSeconds = (performance.now() - this.trainStart) / 1000;
    this.commSeconds = this.group.stats.seconds - this.commAtStart;
    const t = tensor([this.lossSum, this.rows], { dtype: 'float64' });
    try {
      this.group.allreduce([t]);
      const [sum, rows] = t.toArray() as number[];
      if (rows > 0) l.trainLoss = sum / rows;
    } finally {
      t.dispose();
    }
  }

  beforeValidate(l: Learner): void {
    // Running statistics were gathered on each rank's slice: average them so every rank validates (and saves) the same model.
    const floats = l.model.namedBuffers().map(([, b]) => b).filter((b) => b.dtype === 'float32' || b.dtype === 'float64');
    if (!floats.length) return;
    this.group.allreduce(floats);
    for (const b of floats) b.div_(this.group.worldSize);
  }

  afterValidate(l: Learner): void {
    // Sums over ranks (a sharded validation set), or W identical copies (a whole one): the means come out the same on every rank.
    const t = tensor([l.phaseLoss, l.phaseCount, ...l.phaseMetrics], { dtype: 'float64' });
    try {
      this.group.allreduce([t]);
      const [loss, count, ...metrics] = t.toArray() as number[];
      l.validLoss = count ? loss / count : NaN;
      l.metrics.forEach((m, i) => (l.validMetrics[m.name] = finishMetric(m, metrics[i], count)));
    } finally {
      t.dispose();
    }
  }

  afterEpoch(l: Learner): void {
    const W = this.group.worldSize;
    // Each rank fills its own row; a sum gathers them all.
    const rows = new Float64Array(W * 3);
    rows.set([this.rows, this.trainSeconds, this.commSeconds], this.group.rank * 3);
    const t = tensor(rows);
    try {
      this.group.allreduce([t]);
      const v = t.toArray() as number[];
      const ranks: RankStats[] = [];
      for (let r = 0; r < W; r++) {
        const [samples, seconds, comm] = [v[r * 3], v[r * 3 + 1], v[r * 3 + 2]];
        ranks.push({ rank: r, samples, seconds, samplesPerSecond: seconds > 0 ? samples / seconds : 0, commSeconds: comm, commShare: seconds > 0 ? comm / seconds : 0 });
      }
      this.history.push({ epoch: l.epoch, ranks });
      this.o.onRankStats?.(l.epoch, ranks);
    } finally {
      t.dispose();
    }
  }
}
