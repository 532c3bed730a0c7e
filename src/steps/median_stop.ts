// Stopping hopeless candidates early (the median rule, as in Google Vizier):
// a probe whose validation loss after epoch k is worse than the median of the
// earlier probes' losses after epoch k — by more than a relative tolerance, so
// noise does not stop a good one — will not win, and its remaining epochs go
// back to the budget. Probes are comparable only on the same horizon and data
// (same epochs and batches per epoch); a learning-curve probe on less data is
// never judged against full probes. The last epoch is never cut.
import { CancelFit, type Callback, type Learner } from '../train/index.js';

export interface MedianRule {
  /** Relative margin over the median before a probe counts as hopeless; default 0.1. */
  tolerance?: number;
  /** Earlier probes needed before the rule judges; default 2. */
  minPeers?: number;
}

function median(xs: number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
}

/** Whether a probe with this validation loss after an epoch is hopeless against its peers' losses after the same epoch. */
export function medianStop(loss: number, peers: number[], rule: MedianRule = {}): { stop: boolean; median: number; limit: number } {
  const finite = peers.filter(Number.isFinite);
  if (finite.length < (rule.minPeers ?? 2)) return { stop: false, median: NaN, limit: NaN };
  const m = median(finite);
  const limit = m + Math.abs(m) * (rule.tolerance ?? 0.1);
  return { stop: !Number.isFinite(loss) || loss > limit, median: m, limit };
}

/** Shared by every probe of a search: records each probe's validation curve and stops a hopeless one. */
export class MedianStopping implements Callback {
  readonly name = 'medianStopping';
  /** After KeepBest (85) and the probe measurements, before the deadline (95). */
  readonly order = 92;
  /** Finished curves per comparison key (epochs × batches per epoch). */
  private readonly curves = new Map<string, number[][]>();
  private current: number[] = [];
  private key = '';
  /** Probes stopped, with the epoch and the numbers used. */
  readonly stopped: Array<{ epoch: number; loss: number; median: number; limit: number; peers: number }> = [];

  constructor(private readonly rule: MedianRule = {}, private readonly onStop?: (s: MedianStopping['stopped'][number]) => void) {}

  beforeFit(l: Learner): void {
    this.current = [];
    this.key = `${l.nEpochs}×${l.train.length ?? '?'}`;
  }

  afterEpoch(l: Learner): void {
    const v = l.lastEpoch?.validLoss;
    if (v === null || v === undefined) return;
    const k = this.current.length;
    this.current.push(v);
    if (l.epoch + 1 >= l.startEpoch + l.nEpochs) return;
    const peers = (this.curves.get(this.key) ?? []).map((c) => c[k]).filter((x) => x !== undefined);
    const r = medianStop(v, peers, this.rule);
    if (!r.stop) return;
    const s = { epoch: k + 1, loss: v, median: r.median, limit: r.limit, peers: peers.length };
    this.stopped.push(s);
    this.onStop?.(s);
    throw new CancelFit();
  }

  afterFit(): void {
    // A stopped probe's curve is kept too: later probes are judged against every earlier one at each epoch it reached.
    const list = this.curves.get(this.key) ?? [];
    list.push(this.current);
    this.curves.set(this.key, list);
  }
}
