// Progress bars for long work: epochs and batches with loss and ETA, drawn on
// stderr, redrawn in place on a TTY and as occasional lines elsewhere.
import type { Callback, EpochResult, Learner } from '../train/index.js';

function eta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return `${m}:${String(s).padStart(2, '0')}`;
}

export function bar(done: number, total: number, width = 24): string {
  const f = total > 0 ? Math.min(1, done / total) : 0;
  const full = Math.round(f * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}]`;
}

export class ProgressBar {
  private readonly tty = Boolean(process.stderr.isTTY);
  // Off a terminal (CI logs), a line every few seconds at most.
  private last = this.tty ? 0 : Date.now();
  private readonly start = Date.now();
  constructor(private readonly label: string, private readonly total: number, private readonly enabled = true) {}
  update(done: number, extra = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    const interval = this.tty ? 100 : 5000;
    if (now - this.last < interval) return;
    this.last = now;
    const el = (now - this.start) / 1000;
    const rate = done / Math.max(el, 1e-9);
    const line = `${this.label} ${bar(done, this.total)} ${done}/${this.total} ${extra} ETA ${eta((this.total - done) / rate)}`;
    process.stderr.write(this.tty ? `\r\x1b[2K${line}` : `${line}\n`);
  }
  done(extra = ''): void {
    if (!this.enabled) return;
    const el = (Date.now() - this.start) / 1000;
    const line = `${this.label} ${bar(this.total, this.total)} ${this.total}/${this.total} ${extra} in ${eta(el)}`;
    process.stderr.write(this.tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }
}

/**
 * Shows epoch and batch progress with the running loss and ETA. An epoch's
 * line ends with its training and validation loss and the optimising metric
 * (when it is not the loss); every other metric is in --json and the store.
 */
export class TrainingProgress implements Callback {
  readonly name = 'progress';
  readonly order = 80;
  private bar: ProgressBar | null = null;
  private epochs = 0;
  constructor(private readonly enabled = true, private readonly label = '', private readonly metric: string = 'loss') {}
  beforeFit(l: Learner): void {
    this.epochs = Math.max(l.plannedEpochs ?? 0, l.startEpoch + l.nEpochs);
  }
  beforeTrain(l: Learner): void {
    this.bar = new ProgressBar(`${this.label}epoch ${l.epoch + 1}/${this.epochs}`, l.train.length ?? 0, this.enabled);
  }
  afterBatch(l: Learner): void {
    if (l.training) this.bar?.update(l.iter + 1, `loss ${l.lossValue.toFixed(4)}`);
  }
  afterEpoch(l: Learner): void {
    const e = l.lastEpoch;
    if (!e) return;
    this.bar?.done(epochSummary(e, this.metric));
  }
}

/** "loss: train 0.4123, validation 0.5012; validation accuracy 0.8123" (the metric only when it is not the loss). */
export function epochSummary(e: Pick<EpochResult, 'trainLoss' | 'validLoss' | 'metrics'>, metric = 'loss'): string {
  const loss = `loss: train ${e.trainLoss.toFixed(4)}, validation ${e.validLoss?.toFixed(4) ?? '–'}`;
  if (metric === 'loss') return loss;
  const v = e.metrics[metric];
  return `${loss}; validation ${metric} ${v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(4)}`;
}
